// The hashes and KDFs the wallet is built on, against Wycheproof.
#include <cstring>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

TEST_CASE("SHA-256 and Keccak-256 of known inputs") {
  std::uint8_t out[32];
  const std::uint8_t abc[] = {'a', 'b', 'c'};
  sha256(abc, 3, out);
  CHECK_EQ(to_hex(out, 32), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  keccak256(nullptr, 0, out);
  // Keccak-256, not SHA3-256 (a7ffc6f8...): Ethereum's hash.
  CHECK_EQ(to_hex(out, 32), std::string("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"));
}

TEST_CASE("HMAC-SHA512: every Wycheproof vector") {
  Json file = parse_json(read_vector("wycheproof-hmac_sha512_test.json"));
  std::size_t checked = 0;
  for (const Json& group : file["testGroups"].items) {
    const std::size_t tag_bytes = static_cast<std::size_t>(group["tagSize"].integer() / 8);
    for (const Json& test : group["tests"].items) {
      std::vector<std::uint8_t> key = hex(test["key"].text), msg = hex(test["msg"].text), tag = hex(test["tag"].text);
      std::uint8_t out[64];
      hmac_sha512(key.data(), key.size(), msg.data(), msg.size(), out);
      const bool matches = tag.size() == tag_bytes && std::memcmp(out, tag.data(), tag_bytes) == 0;
      const bool valid = test["result"].text == "valid";
      if (matches != valid) {
        std::printf("    tcId %lld: expected %s\n", test["tcId"].integer(), test["result"].text.c_str());
      }
      CHECK(matches == valid);
      ++checked;
    }
  }
  std::printf("    %zu vectors\n", checked);
  CHECK(checked >= 100);
}

TEST_CASE("PBKDF2-HMAC-SHA512: every Wycheproof vector") {
  Json file = parse_json(read_vector("wycheproof-pbkdf2_hmacsha512_test.json"));
  std::size_t checked = 0;
  for (const Json& group : file["testGroups"].items) {
    for (const Json& test : group["tests"].items) {
      std::vector<std::uint8_t> password = hex(test["password"].text), salt = hex(test["salt"].text);
      std::vector<std::uint8_t> expected = hex(test["dk"].text);
      std::vector<std::uint8_t> out(static_cast<std::size_t>(test["dkLen"].integer()));
      Status derived =
          pbkdf2_hmac_sha512(password.data(), password.size(), salt.data(), salt.size(),
                             static_cast<std::uint32_t>(test["iterationCount"].integer()), out.data(), out.size());
      const bool valid = test["result"].text == "valid";
      const bool matches = derived.ok() && out == expected;
      if (matches != valid) std::printf("    tcId %lld differs\n", test["tcId"].integer());
      CHECK(matches == valid);
      ++checked;
    }
  }
  std::printf("    %zu vectors\n", checked);
  CHECK(checked >= 50);
}

STRONGROOM_TEST_MAIN
