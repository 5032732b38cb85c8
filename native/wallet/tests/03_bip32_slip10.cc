// BIP-32 vectors 1-5, SLIP-10 (secp256k1 and ed25519), derivation paths,
// the development mnemonic's Ethereum account, and refusals.
#include <cstring>
#include <string>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

namespace {

DerivationPath path_of(const std::string& text) {
  Result<DerivationPath> path = parse_derivation_path(text);
  if (!path) throw std::runtime_error(text + ": " + path.error().message);
  return path.value();
}

std::size_t live_chunks(Storage& storage) {
  return storage.pool ? storage.pool->stats().chunks_used : 0;
}

std::string fingerprint_hex(std::uint32_t value) {
  std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24), static_cast<std::uint8_t>(value >> 16),
                           static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
  return to_hex(bytes, 4);
}

}  // namespace

TEST_CASE("BIP-32 vectors 1-4: xpub from derivation, xprv key and chain code, in every storage") {
  Json file = parse_json(read_vector("bip-0032-test-vectors.json"));
  std::size_t chains = 0;
  for (Storage& storage : every_storage()) {
    for (const Json& vector : file["vectors"].items) {
      if (vector["seed"].type != Json::String) continue;
      OwnedSecret seed = import(storage, SecretKind::Seed, hex(vector["seed"].text));
      for (const Json& chain : vector["chains"].items) {
        DeriveOptions options;
        options.extended_public_key = true;
        Result<DerivedKey> derived =
            derive_key(seed.ref(), Curve::Secp256k1, path_of(chain["path"].text), storage.target, options);
        REQUIRE_OK(derived);
        CHECK_EQ(derived.value().info.extended_public_key, chain["xpub"].text);
        const std::string& xprv = chain["xprv"].text;
        Result<ImportedExtendedKey> imported = import_extended_key(xprv.data(), xprv.size(), storage.target);
        REQUIRE_OK(imported);
        REQUIRE(imported.value().secret != nullptr);
        CHECK(bytes_of(derived.value().secret.ref()) == bytes_of(imported.value().secret->ref()));
        CHECK_EQ(imported.value().info.extended_public_key, chain["xpub"].text);
        CHECK_EQ(imported.value().info.parent_fingerprint, derived.value().info.parent_fingerprint);
        CHECK_EQ(imported.value().info.child_index, derived.value().info.child_index);
        CHECK_EQ(int{imported.value().info.depth}, int{derived.value().info.depth});
        ++chains;
      }
    }
  }
  std::printf("    %zu chains checked\n", chains);
  CHECK(chains >= 17);
}

TEST_CASE("BIP-32 vector 5: every invalid extended key is refused with the reason") {
  Json file = parse_json(read_vector("bip-0032-test-vectors.json"));
  Storage storage = std::move(every_storage().front());
  // The vector's reason -> what our message says.
  const std::pair<const char*, const char*> reasons[] = {
      {"pubkey version / prvkey mismatch", "a public key version with private key data"},
      {"prvkey version / pubkey mismatch", "a private key version with public key data"},
      {"invalid pubkey prefix 04", "invalid public key prefix 04"},
      {"invalid prvkey prefix 04", "invalid private key prefix 04"},
      {"invalid pubkey prefix 01", "invalid public key prefix 01"},
      {"invalid prvkey prefix 01", "invalid private key prefix 01"},
      {"zero depth with non-zero parent fingerprint", "zero depth with a non-zero parent fingerprint"},
      {"zero depth with non-zero index", "zero depth with a non-zero child index"},
      {"unknown extended key version", "unknown extended key version"},
      {"private key 0 not in 1..n-1", "not in 1..n-1"},
      {"private key n not in 1..n-1", "not in 1..n-1"},
      {"invalid pubkey 020000000000000000000000000000000000000000000000000000000000000007", "not a point"},
      {"invalid checksum", "invalid checksum"},
  };
  std::size_t refused = 0;
  for (const Json& vector : file["vectors"].items) {
    for (const Json& invalid : vector["invalid"].items) {
      const std::string& key = invalid["key"].text;
      const std::size_t before = live_chunks(storage);
      Result<ImportedExtendedKey> imported = import_extended_key(key.data(), key.size(), storage.target);
      REQUIRE(!imported.ok());
      CHECK(imported.error().code == ErrorCode::InvalidArgument);
      const char* expected = nullptr;
      for (const auto& reason : reasons) {
        if (invalid["why"].text == reason.first) expected = reason.second;
      }
      REQUIRE(expected != nullptr);
      if (imported.error().message.find(expected) == std::string::npos) {
        std::printf("    %s -> %s\n", invalid["why"].text.c_str(), imported.error().message.c_str());
      }
      CHECK(imported.error().message.find(expected) != std::string::npos);
      CHECK_EQ(live_chunks(storage), before);
      ++refused;
    }
  }
  CHECK_EQ(refused, std::size_t{16});

  // Not extended keys at all: each refused before any key byte is used.
  const std::string valid =
      "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
  REQUIRE_OK(import_extended_key(valid.data(), valid.size(), storage.target));
  const std::pair<std::string, const char*> garbage[] = {
      {"", "0 characters"},
      {valid.substr(0, 110), "invalid checksum"},         // a shorter number: its last four bytes are no checksum
      {valid + "1", "not base58, or not 82 bytes long"},  // one more digit: the number overflows
      {"1" + valid.substr(1), "not base58, or not 82 bytes long"},   // a leading zero byte
      {valid.substr(0, 50) + "0" + valid.substr(51), "not base58"},  // '0' is not in the alphabet
      {valid.substr(0, 50) + "l" + valid.substr(51), "not base58"},  // nor 'l'
      {std::string(112, 'z'), "not base58, or not 82 bytes long"},
      {valid.substr(0, 110) + "j", "invalid checksum"},
  };
  for (const auto& g : garbage) {
    const std::size_t before = live_chunks(storage);
    Result<ImportedExtendedKey> imported = import_extended_key(g.first.data(), g.first.size(), storage.target);
    REQUIRE(!imported.ok());
    CHECK(imported.error().code == ErrorCode::InvalidArgument);
    if (imported.error().message.find(g.second) == std::string::npos) {
      std::printf("    '%s' -> %s\n", g.first.c_str(), imported.error().message.c_str());
    }
    CHECK(imported.error().message.find(g.second) != std::string::npos);
    CHECK_EQ(live_chunks(storage), before);
  }
}

TEST_CASE("SLIP-10 vectors: secp256k1 and ed25519 keys, chain codes, public keys, fingerprints, in every storage") {
  Json file = parse_json(read_vector("slip-0010-test-vectors.json"));
  std::size_t checked = 0;
  for (Storage& storage : every_storage()) {
    for (const Json& vector : file["vectors"].items) {
      Curve curve;
      if (vector["curve"].text == "secp256k1") {
        curve = Curve::Secp256k1;
      } else if (vector["curve"].text == "ed25519") {
        curve = Curve::Ed25519;
      } else {
        continue;  // nist256p1, curve25519: not wallet curves here
      }
      OwnedSecret seed = import(storage, SecretKind::Seed, hex(vector["seed"].text));
      for (const Json& chain : vector["chains"].items) {
        Result<DerivedKey> derived = derive_key(seed.ref(), curve, path_of(chain["path"].text), storage.target);
        REQUIRE_OK(derived);
        std::vector<std::uint8_t> secret = bytes_of(derived.value().secret.ref());
        REQUIRE(secret.size() == 64);
        CHECK_EQ(to_hex(secret.data(), 32), chain["private"].text);
        CHECK_EQ(to_hex(secret.data() + 32, 32), chain["chain_code"].text);
        CHECK_EQ(to_hex(derived.value().info.public_key), chain["public"].text);
        CHECK_EQ(fingerprint_hex(derived.value().info.parent_fingerprint), chain["fingerprint"].text);
        Result<PublicKey> pub = public_key(derived.value().secret.ref());
        REQUIRE_OK(pub);
        const std::size_t skip = curve == Curve::Ed25519 ? 1 : 0;
        CHECK(std::memcmp(pub.value().bytes.data(), derived.value().info.public_key.data() + skip, pub.value().size) ==
              0);
        ++checked;
      }
    }
  }
  std::printf("    %zu chains checked\n", checked);
  CHECK(checked >= 20);
}

TEST_CASE("The development mnemonic derives m/44'/60'/0'/0/0 = 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266") {
  for (Storage& storage : every_storage()) {
    const std::string words = "test test test test test test test test test test test junk";
    OwnedSecret mnemonic = import(storage, SecretKind::Mnemonic, std::vector<std::uint8_t>(words.begin(), words.end()));
    Result<OwnedSecret> seed = mnemonic_to_seed(mnemonic.ref(), nullptr, 0, MnemonicCheck::English, storage.target);
    REQUIRE_OK(seed);
    Result<DerivedKey> account =
        derive_key(seed.value().ref(), Curve::Secp256k1, path_of("m/44'/60'/0'/0/0"), storage.target);
    REQUIRE_OK(account);
    Result<PublicKey> pub = public_key(account.value().secret.ref(), true);
    REQUIRE_OK(pub);
    CHECK_EQ(pub.value().size, std::size_t{65});
    Result<std::array<std::uint8_t, 20>> address = ethereum_address(pub.value().bytes.data(), pub.value().size);
    REQUIRE_OK(address);
    CHECK_EQ(to_hex(address.value()), std::string("f39fd6e51aad88f6f4ce6ab8827279cfffb92266"));
    // The compressed form gives the same address.
    Result<std::array<std::uint8_t, 20>> again =
        ethereum_address(account.value().info.public_key.data(), account.value().info.public_key.size());
    REQUIRE_OK(again);
    CHECK(again.value() == address.value());
  }
}

TEST_CASE("Derivation paths: parsed, formatted, and malformed ones refused with the reason") {
  Result<DerivationPath> path = parse_derivation_path("m/44'/60h/0H/0/4294967295");
  CHECK(!path.ok());  // 2^32 - 1 is not an index: indices stop below 2^31
  path = parse_derivation_path("m/44'/60h/0H/0/2147483647");
  REQUIRE_OK(path);
  REQUIRE(path.value().steps.size() == 5);
  CHECK_EQ(path.value().steps[0], kHardened | 44u);
  CHECK_EQ(path.value().steps[1], kHardened | 60u);
  CHECK_EQ(path.value().steps[4], 2147483647u);
  CHECK_EQ(format_derivation_path(path.value()), std::string("m/44'/60'/0'/0/2147483647"));
  CHECK(parse_derivation_path("m").ok());

  const std::pair<std::string, const char*> bad[] = {
      {"", "starts with \"m\""},        {"44'/0'", "starts with \"m\""},  {"n/0", "starts with \"m\""},
      {"m/", "not a decimal index"},    {"m//1", "not a decimal index"},  {"m/1/", "not a decimal index"},
      {"m/1''", "not a decimal index"}, {"m/-1", "not a decimal index"},  {"m/0x10", "not a decimal index"},
      {"m/2147483648", "out of range"}, {"m/4294967296", "out of range"}, {"m/99999999999999999999", "out of range"},
      {"m 0", "separated by /"},
  };
  for (const auto& b : bad) {
    Result<DerivationPath> parsed = parse_derivation_path(b.first);
    REQUIRE(!parsed.ok());
    CHECK(parsed.error().code == ErrorCode::InvalidArgument);
    if (parsed.error().message.find(b.second) == std::string::npos) {
      std::printf("    '%s' -> %s\n", b.first.c_str(), parsed.error().message.c_str());
    }
    CHECK(parsed.error().message.find(b.second) != std::string::npos);
  }
  std::string deep = "m";
  for (int i = 0; i < 255; ++i) deep += "/0";
  CHECK(parse_derivation_path(deep).ok());
  deep += "/0";
  Result<DerivationPath> too_deep = parse_derivation_path(deep);
  REQUIRE(!too_deep.ok());
  CHECK(too_deep.error().message.find("at most 255 steps") != std::string::npos);
}

TEST_CASE("Derivation refuses a non-hardened ed25519 step, a key as a seed, a bad seed size; nothing is created") {
  Storage storage = std::move(every_storage().front());
  OwnedSecret seed = import(storage, SecretKind::Seed, hex("000102030405060708090a0b0c0d0e0f"));
  const std::size_t before = live_chunks(storage);
  Result<DerivedKey> soft = derive_key(seed.ref(), Curve::Ed25519, path_of("m/0'/1"), storage.target);
  REQUIRE(!soft.ok());
  CHECK(soft.error().code == ErrorCode::InvalidArgument);
  CHECK(soft.error().message.find("step 2 is not hardened") != std::string::npos);
  CHECK_EQ(live_chunks(storage), before);

  DerivationPath deep;
  deep.steps.assign(256, 0);
  Result<DerivedKey> too_deep = derive_key(seed.ref(), Curve::Secp256k1, deep, storage.target);
  REQUIRE(!too_deep.ok());
  CHECK(too_deep.error().message.find("at most 255 steps") != std::string::npos);

  Result<DerivedKey> key = derive_key(seed.ref(), Curve::Secp256k1, path_of("m/0"), storage.target);
  REQUIRE_OK(key);
  const std::size_t with_key = live_chunks(storage);
  Result<DerivedKey> from_key = derive_key(key.value().secret.ref(), Curve::Secp256k1, path_of("m/1"), storage.target);
  REQUIRE(!from_key.ok());
  CHECK(from_key.error().code == ErrorCode::InvalidArgument);
  CHECK(from_key.error().message.find("a secp256k1 key secret cannot be used to derive keys") != std::string::npos);
  CHECK_EQ(live_chunks(storage), with_key);

  Result<OwnedSecret> short_seed = import_secret(SecretKind::Seed, hex("00010203").data(), 4, storage.target);
  REQUIRE(!short_seed.ok());
  CHECK(short_seed.error().code == ErrorCode::InvalidSize);
  Result<OwnedSecret> zero_key =
      import_secret(SecretKind::Secp256k1Key, std::vector<std::uint8_t>(32, 0).data(), 32, storage.target);
  REQUIRE(!zero_key.ok());
  CHECK(zero_key.error().message.find("1..n-1") != std::string::npos);
  CHECK_EQ(live_chunks(storage), with_key);
}

STRONGROOM_TEST_MAIN
