// BIP-39: the official vectors (passphrase "TREZOR") in every storage, the
// English checksum, generation, and refusals that create nothing.
#include <cstring>
#include <set>
#include <string>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

namespace {

std::vector<std::uint8_t> text_bytes(const std::string& text) {
  return std::vector<std::uint8_t>(text.begin(), text.end());
}

const std::uint8_t kTrezor[] = {'T', 'R', 'E', 'Z', 'O', 'R'};

std::size_t live_chunks(Storage& storage) {
  return storage.pool ? storage.pool->stats().chunks_used : 0;
}

}  // namespace

TEST_CASE("BIP-39 vectors: checksum, seed and master key in every storage") {
  Json file = parse_json(read_vector("bip-0039-vectors.json"));
  const Json& english = file["english"];
  REQUIRE(english.size() >= 24);
  for (Storage& storage : every_storage()) {
    for (const Json& vector : english.items) {
      OwnedSecret mnemonic = import(storage, SecretKind::Mnemonic, text_bytes(vector[1].text));
      REQUIRE_OK(check_mnemonic(mnemonic.ref()));
      Result<OwnedSecret> seed =
          mnemonic_to_seed(mnemonic.ref(), kTrezor, sizeof(kTrezor), MnemonicCheck::English, storage.target);
      REQUIRE_OK(seed);
      CHECK(seed.value().kind() == SecretKind::Seed);
      CHECK(seed.value().pooled() == (storage.pool != nullptr));
      CHECK_EQ(to_hex(bytes_of(seed.value().ref())), vector[2].text);
      // The vector's xprv is the seed's master key: same public key and chain code.
      Result<DerivedKey> master = derive_key(seed.value().ref(), Curve::Secp256k1, DerivationPath{}, storage.target);
      REQUIRE_OK(master);
      Result<ImportedExtendedKey> expected =
          import_extended_key(vector[3].text.data(), vector[3].text.size(), storage.target);
      REQUIRE_OK(expected);
      CHECK(bytes_of(master.value().secret.ref()) == bytes_of(expected.value().secret->ref()));
      CHECK(master.value().info.public_key == expected.value().info.public_key);
    }
    std::printf("    %s: %zu vectors\n", storage.label.c_str(), english.size());
  }
}

TEST_CASE("BIP-39: an empty passphrase salts with \"mnemonic\" alone") {
  // The well-known development mnemonic (Hardhat, Anvil, Foundry) and its seed.
  Storage storage = std::move(every_storage().front());
  OwnedSecret mnemonic =
      import(storage, SecretKind::Mnemonic, text_bytes("test test test test test test test test test test test junk"));
  Result<OwnedSecret> seed = mnemonic_to_seed(mnemonic.ref(), nullptr, 0, MnemonicCheck::English, storage.target);
  REQUIRE_OK(seed);
  std::vector<std::uint8_t> expected(64);
  const char* words = "test test test test test test test test test test test junk";
  const std::uint8_t salt[] = {'m', 'n', 'e', 'm', 'o', 'n', 'i', 'c'};
  REQUIRE_OK(pbkdf2_hmac_sha512(reinterpret_cast<const std::uint8_t*>(words), std::strlen(words), salt, sizeof(salt),
                                2048, expected.data(), expected.size()));
  CHECK(bytes_of(seed.value().ref()) == expected);
}

TEST_CASE("BIP-39 refusals name the problem and create nothing") {
  Storage storage = std::move(every_storage().front());
  struct Bad {
    const char* words;
    const char* says;
  } cases[] = {
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", "checksum"},
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandom",
       "word 12 of the mnemonic is not in the BIP-39 English list"},
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandonment about",
       "word 11 of the mnemonic is not in the BIP-39 English list"},
      {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about", "not 11"},
      {"abandon  abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
       "word 2 of the mnemonic is empty"},
      {"Abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
       "word 1 of the mnemonic is not in the BIP-39 English list"},
  };
  for (const Bad& bad : cases) {
    OwnedSecret mnemonic = import(storage, SecretKind::Mnemonic, text_bytes(bad.words));
    const std::size_t before = live_chunks(storage);
    Status checked = check_mnemonic(mnemonic.ref());
    Result<OwnedSecret> seed = mnemonic_to_seed(mnemonic.ref(), nullptr, 0, MnemonicCheck::English, storage.target);
    REQUIRE(!checked.ok());
    REQUIRE(!seed.ok());
    CHECK(checked.error().code == ErrorCode::InvalidArgument);
    CHECK(seed.error().code == ErrorCode::InvalidArgument);
    if (seed.error().message.find(bad.says) == std::string::npos) {
      std::printf("    '%s' -> %s\n", bad.words, seed.error().message.c_str());
    }
    CHECK(seed.error().message.find(bad.says) != std::string::npos);
    CHECK_EQ(live_chunks(storage), before);
  }
  // Unchecked (other languages' NFKD bytes): the KDF runs on any bytes.
  OwnedSecret other = import(storage, SecretKind::Mnemonic, text_bytes("not english at all"));
  CHECK(mnemonic_to_seed(other.ref(), nullptr, 0, MnemonicCheck::Unchecked, storage.target).ok());
}

TEST_CASE("BIP-39: a secret of another kind is not a mnemonic") {
  Storage storage = std::move(every_storage().front());
  OwnedSecret seed = import(storage, SecretKind::Seed, std::vector<std::uint8_t>(64, 7));
  const std::size_t before = live_chunks(storage);
  Result<OwnedSecret> made = mnemonic_to_seed(seed.ref(), nullptr, 0, MnemonicCheck::English, storage.target);
  REQUIRE(!made.ok());
  CHECK(made.error().code == ErrorCode::InvalidArgument);
  CHECK(made.error().message.find("a seed secret cannot be used") != std::string::npos);
  CHECK_EQ(live_chunks(storage), before);
  CHECK(check_mnemonic(seed.ref()).error().code == ErrorCode::InvalidArgument);
}

TEST_CASE("generate_mnemonic: English words that pass their own checksum, fresh each time, in every storage") {
  for (Storage& storage : every_storage()) {
    std::set<std::string> seen;
    for (std::size_t words : {12u, 15u, 18u, 21u, 24u}) {
      Result<OwnedSecret> made = generate_mnemonic(words, storage.target);
      REQUIRE_OK(made);
      CHECK(made.value().kind() == SecretKind::Mnemonic);
      REQUIRE_OK(check_mnemonic(made.value().ref()));
      std::vector<std::uint8_t> bytes = bytes_of(made.value().ref());
      std::string text(bytes.begin(), bytes.end());
      std::size_t spaces = 0;
      for (char c : text) spaces += c == ' ' ? 1 : 0;
      CHECK_EQ(spaces + 1, words);
      CHECK(seen.insert(text).second);
    }
    for (std::size_t words : {0u, 11u, 13u, 27u}) {
      Result<OwnedSecret> made = generate_mnemonic(words, storage.target);
      REQUIRE(!made.ok());
      CHECK(made.error().code == ErrorCode::InvalidArgument);
    }
  }
}

STRONGROOM_TEST_MAIN
