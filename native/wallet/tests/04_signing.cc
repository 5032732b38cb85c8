// Signing and verification against BIP-340, Wycheproof (ECDSA secp256k1,
// Bitcoin variant; Ed25519) and RFC 8032; ECDSA's RFC 6979 nonces, low S and
// recovery id checked through libsecp256k1's own recovery.
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstring>
#include <sstream>
#include <string>

#include "strongroom/wallet.h"
#include "strongroom/wipe.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

namespace {

std::vector<std::string> split(const std::string& line, char separator, std::size_t fields) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (out.size() + 1 < fields) {
    std::size_t at = line.find(separator, start);
    if (at == std::string::npos) break;
    out.push_back(line.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(line.substr(start));
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return text;
}

// DER for r and s, minimal (BIP-66).
std::vector<std::uint8_t> der_of(const std::uint8_t compact[64]) {
  auto integer = [](const std::uint8_t* v) {
    std::size_t skip = 0;
    while (skip < 31 && v[skip] == 0) ++skip;
    std::vector<std::uint8_t> out;
    if (v[skip] & 0x80) out.push_back(0);
    out.insert(out.end(), v + skip, v + 32);
    out.insert(out.begin(), static_cast<std::uint8_t>(out.size()));
    out.insert(out.begin(), 0x02);
    return out;
  };
  std::vector<std::uint8_t> r = integer(compact), s = integer(compact + 32);
  std::vector<std::uint8_t> der = {0x30, static_cast<std::uint8_t>(r.size() + s.size())};
  der.insert(der.end(), r.begin(), r.end());
  der.insert(der.end(), s.begin(), s.end());
  return der;
}

// n / 2, big-endian: a low S is at most this.
const char kHalfOrder[] = "7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0";

}  // namespace

TEST_CASE("BIP-340 vectors: x-only keys and signatures with the given aux_rand, and verification") {
  std::vector<std::string> lines = lines_of(read_vector("bip-0340-test-vectors.csv"));
  REQUIRE(lines.size() > 15);
  std::size_t signed_count = 0, verified = 0, unsupported = 0;
  for (Storage& storage : every_storage()) {
    for (std::size_t i = 1; i < lines.size(); ++i) {
      std::vector<std::string> f = split(lines[i], ',', 8);
      REQUIRE(f.size() >= 7);
      std::vector<std::uint8_t> message = hex(f[4]);
      if (message.size() != 32) {
        ++unsupported;  // variable-length messages: sign_schnorr signs 32-byte messages only
        continue;
      }
      std::vector<std::uint8_t> pub = hex(f[2]), signature = hex(f[5]);
      const bool expected = f[6] == "TRUE";
      if (!f[1].empty()) {
        OwnedSecret key = import(storage, SecretKind::Secp256k1Key, hex(f[1]));
        Result<std::array<std::uint8_t, 32>> xonly = schnorr_public_key(key.ref());
        REQUIRE_OK(xonly);
        CHECK_EQ(lower(to_hex(xonly.value())), lower(f[2]));
        std::vector<std::uint8_t> aux = hex(f[3]);
        Result<std::array<std::uint8_t, 64>> made = sign_schnorr(key.ref(), message.data(), 32, aux.data());
        REQUIRE_OK(made);
        CHECK_EQ(lower(to_hex(made.value())), lower(f[5]));
        // Fresh aux randomness: a different, still valid, signature.
        Result<std::array<std::uint8_t, 64>> fresh = sign_schnorr(key.ref(), message.data(), 32);
        REQUIRE_OK(fresh);
        CHECK(fresh.value() != made.value());
        CHECK(verify_schnorr(xonly.value().data(), message.data(), fresh.value().data()));
        ++signed_count;
      }
      if (pub.size() == 32 && signature.size() == 64) {
        CHECK(verify_schnorr(pub.data(), message.data(), signature.data()) == expected);
        ++verified;
      }
    }
  }
  std::printf("    %zu signed, %zu verified, %zu rows with messages other than 32 bytes not applicable\n", signed_count,
              verified, unsupported);
  CHECK(signed_count >= 4);
  CHECK(verified >= 15);
}

TEST_CASE("Wycheproof ECDSA secp256k1 (Bitcoin variant): strict DER, low S, verification") {
  Json file = parse_json(read_vector("wycheproof-ecdsa_secp256k1_sha256_bitcoin_test.json"));
  std::size_t checked = 0, acceptable = 0;
  for (const Json& group : file["testGroups"].items) {
    std::vector<std::uint8_t> pub = hex(group["publicKey"]["uncompressed"].text);
    for (const Json& test : group["tests"].items) {
      std::vector<std::uint8_t> msg = hex(test["msg"].text), sig = hex(test["sig"].text);
      std::uint8_t digest[32];
      sha256(msg.data(), msg.size(), digest);
      const bool ok = verify_ecdsa_der(pub.data(), pub.size(), digest, sig.data(), sig.size());
      const std::string& result = test["result"].text;
      if (result == "acceptable") {
        ++acceptable;
        continue;
      }
      if (ok != (result == "valid")) std::printf("    tcId %lld: %s\n", test["tcId"].integer(), result.c_str());
      CHECK(ok == (result == "valid"));
      ++checked;
    }
  }
  std::printf("    %zu vectors checked, %zu 'acceptable' left to policy\n", checked, acceptable);
  CHECK(checked >= 400);
}

TEST_CASE("ECDSA: RFC 6979 known answer, low S, recovery id, in every storage") {
  secp256k1_context* check = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  for (Storage& storage : every_storage()) {
    // Private key 1, SHA-256("Satoshi Nakamoto"): the widely published RFC 6979 vector.
    std::vector<std::uint8_t> one(32, 0);
    one[31] = 1;
    OwnedSecret key = import(storage, SecretKind::Secp256k1Key, one);
    const char* text = "Satoshi Nakamoto";
    std::uint8_t digest[32];
    sha256(reinterpret_cast<const std::uint8_t*>(text), std::strlen(text), digest);
    Result<EcdsaSignature> signature = sign_ecdsa(key.ref(), digest, 32);
    REQUIRE_OK(signature);
    CHECK_EQ(to_hex(signature.value().compact),
             std::string("934b1ea10a4b3c1757e2b0c017d0b6143ce3c9a7e6a4a49860d7a6ab210ee3d8"
                         "2442ce9d2b916064108014783e923ec36b49743e2ffa1c4496f01a512aafd9e5"));

    // Many keys and digests: low S, verifiable, recovery id gives the key back, deterministic.
    for (int round = 0; round < 64; ++round) {
      std::vector<std::uint8_t> secret(32);
      REQUIRE_OK(fill_random(secret.data(), secret.size()));
      secret[0] &= 0x7F;  // below n
      OwnedSecret k = import(storage, SecretKind::Secp256k1Key, secret);
      REQUIRE_OK(fill_random(digest, 32));
      Result<EcdsaSignature> a = sign_ecdsa(k.ref(), digest, 32), b = sign_ecdsa(k.ref(), digest, 32);
      REQUIRE_OK(a);
      REQUIRE_OK(b);
      CHECK(a.value().compact == b.value().compact);
      CHECK(to_hex(a.value().compact.data() + 32, 32) <= std::string(kHalfOrder));
      Result<PublicKey> pub = public_key(k.ref());
      REQUIRE_OK(pub);
      std::vector<std::uint8_t> der = der_of(a.value().compact.data());
      CHECK(verify_ecdsa_der(pub.value().bytes.data(), pub.value().size, digest, der.data(), der.size()));
      secp256k1_ecdsa_recoverable_signature recoverable;
      REQUIRE(secp256k1_ecdsa_recoverable_signature_parse_compact(check, &recoverable, a.value().compact.data(),
                                                                  a.value().recovery_id) == 1);
      secp256k1_pubkey recovered;
      REQUIRE(secp256k1_ecdsa_recover(check, &recovered, &recoverable, digest) == 1);
      std::uint8_t serialized[33];
      std::size_t size = 33;
      secp256k1_ec_pubkey_serialize(check, serialized, &size, &recovered, SECP256K1_EC_COMPRESSED);
      CHECK(std::memcmp(serialized, pub.value().bytes.data(), 33) == 0);
    }
  }
  secp256k1_context_destroy(check);
}

TEST_CASE("RFC 8032 Ed25519 (python3-cryptography-vectors): public keys and signatures, in every storage") {
  std::vector<std::string> lines = lines_of(read_cryptography_vector("asymmetric/Ed25519/sign.input"));
  REQUIRE(lines.size() >= 1000);
  for (Storage& storage : every_storage()) {
    std::size_t checked = 0;
    for (const std::string& line : lines) {
      std::vector<std::string> f = split(line, ':', 5);
      REQUIRE(f.size() >= 4);
      std::vector<std::uint8_t> secret = hex(f[0].substr(0, 64)), pub = hex(f[1]), msg = hex(f[2]);
      std::vector<std::uint8_t> signature = hex(f[3].substr(0, 128));
      OwnedSecret key = import(storage, SecretKind::Ed25519Key, secret);
      Result<PublicKey> derived = public_key(key.ref());
      REQUIRE_OK(derived);
      CHECK(derived.value().curve == Curve::Ed25519);
      CHECK_EQ(to_hex(derived.value().bytes.data(), derived.value().size), f[1]);
      Result<std::array<std::uint8_t, 64>> made = sign_ed25519(key.ref(), msg.data(), msg.size());
      REQUIRE_OK(made);
      CHECK_EQ(to_hex(made.value()), to_hex(signature));
      CHECK(verify_ed25519(pub.data(), msg.data(), msg.size(), made.value().data()));
      if (!msg.empty()) {
        msg[0] ^= 1;
        CHECK(!verify_ed25519(pub.data(), msg.data(), msg.size(), made.value().data()));
      }
      ++checked;
    }
    std::printf("    %s: %zu vectors\n", storage.label.c_str(), checked);
  }
}

TEST_CASE("Wycheproof Ed25519 verification") {
  Json file = parse_json(read_vector("wycheproof-ed25519_test.json"));
  std::size_t checked = 0;
  for (const Json& group : file["testGroups"].items) {
    const Json& key = group.has("publicKey") ? group["publicKey"] : group["key"];
    std::vector<std::uint8_t> pub = hex(key["pk"].text);
    for (const Json& test : group["tests"].items) {
      std::vector<std::uint8_t> msg = hex(test["msg"].text), sig = hex(test["sig"].text);
      const bool ok = sig.size() == 64 && verify_ed25519(pub.data(), msg.data(), msg.size(), sig.data());
      if (test["result"].text == "acceptable") continue;
      if (ok != (test["result"].text == "valid")) std::printf("    tcId %lld\n", test["tcId"].integer());
      CHECK(ok == (test["result"].text == "valid"));
      ++checked;
    }
  }
  std::printf("    %zu vectors\n", checked);
  CHECK(checked >= 100);
}

TEST_CASE("Signing refuses a wrong digest length and a secret of the wrong kind") {
  Storage storage = std::move(every_storage().front());
  OwnedSecret seed = import(storage, SecretKind::Seed, std::vector<std::uint8_t>(64, 1));
  OwnedSecret secp = import(storage, SecretKind::Secp256k1Key, std::vector<std::uint8_t>(32, 1));
  OwnedSecret ed = import(storage, SecretKind::Ed25519Key, std::vector<std::uint8_t>(32, 1));
  std::uint8_t digest[33] = {};
  Result<EcdsaSignature> short_digest = sign_ecdsa(secp.ref(), digest, 31);
  REQUIRE(!short_digest.ok());
  CHECK(short_digest.error().code == ErrorCode::InvalidSize);
  CHECK(short_digest.error().message.find("32-byte digest, not 31 bytes") != std::string::npos);
  CHECK(sign_ecdsa(secp.ref(), digest, 33).error().code == ErrorCode::InvalidSize);
  CHECK(sign_schnorr(secp.ref(), digest, 33).error().code == ErrorCode::InvalidSize);

  Result<EcdsaSignature> with_seed = sign_ecdsa(seed.ref(), digest, 32);
  REQUIRE(!with_seed.ok());
  CHECK(with_seed.error().code == ErrorCode::InvalidArgument);
  CHECK(with_seed.error().message.find("a seed secret cannot be used for ECDSA") != std::string::npos);
  CHECK(sign_schnorr(seed.ref(), digest, 32).error().code == ErrorCode::InvalidArgument);
  CHECK(sign_ed25519(seed.ref(), digest, 32).error().code == ErrorCode::InvalidArgument);
  CHECK(public_key(seed.ref()).error().code == ErrorCode::InvalidArgument);
  CHECK(sign_ecdsa(ed.ref(), digest, 32).error().code == ErrorCode::InvalidArgument);
  CHECK(sign_ed25519(secp.ref(), digest, 32).error().code == ErrorCode::InvalidArgument);
  CHECK(schnorr_public_key(ed.ref()).error().code == ErrorCode::InvalidArgument);
}

STRONGROOM_TEST_MAIN
