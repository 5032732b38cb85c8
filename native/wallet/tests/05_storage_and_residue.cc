// What the wallet leaves behind: sealed storage stays sealed, failed calls
// create nothing, and no derived key, chain code or seed is left in the
// stack area the libraries used.
#include <cstring>
#include <string>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

#if defined(_MSC_VER)
#define TEST_NOINLINE __declspec(noinline)
#else
#define TEST_NOINLINE __attribute__((noinline))
#endif

// AddressSanitizer moves locals into redzoned (or heap "fake") frames and
// makes mlock a no-op: the stack scan and the lock facts mean nothing there.
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

namespace {

void skip_under_asan() {
  if (UNDER_ASAN)
    strongroom_test::skip("AddressSanitizer build: stack frames are redzoned, so the scan sees other memory");
}

// SLIP-10 test vector 1, m/0'/1: its key and chain code are what we look for.
const char kSeed[] = "000102030405060708090a0b0c0d0e0f";
const char kKey[] = "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368";
const char kChain[] = "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19";
const char kEdKey[] = "b1d0bad404bf35da785a64ca1ac54b2617211d2777696fbffaf208f746ae84f2";  // ed25519 m/0'/1'
const char kEdChain[] = "a320425f77d1b5c2505a6b1b27382b37368ee640e3557c315416801243552f14";

constexpr std::size_t kScanBytes = 2 * kBurnedStackBytes;

// Copies the stack area below the caller's frame (where the calls just made
// had their frames) out through volatile reads, so the compiler keeps them.
TEST_NOINLINE std::vector<std::uint8_t> stack_below() {
  volatile unsigned char area[kScanBytes];
  std::vector<std::uint8_t> copy(kScanBytes);
  for (std::size_t i = 0; i < kScanBytes; ++i) copy[i] = area[i];
  return copy;
}

// The control: a frame that holds the key and returns without wiping it.
TEST_NOINLINE void leave_key_on_stack(const std::vector<std::uint8_t>& key) {
  volatile unsigned char frame[4096];
  for (std::size_t i = 0; i < key.size(); ++i) frame[2048 + i] = key[i];
}

std::size_t count(const std::vector<std::uint8_t>& haystack, std::vector<std::uint8_t> needle, bool reversed) {
  if (reversed) needle.assign(needle.rbegin(), needle.rend());
  // Any 16-byte window of the secret counts: a copy split into limbs still shows.
  std::size_t found = 0;
  for (std::size_t offset = 0; offset + 16 <= needle.size(); offset += 8) {
    for (std::size_t i = 0; i + 16 <= haystack.size(); ++i) {
      if (std::memcmp(haystack.data() + i, needle.data() + offset, 16) == 0) ++found;
    }
  }
  return found;
}

std::size_t residue(const std::vector<std::uint8_t>& stack, const std::vector<std::vector<std::uint8_t>>& secrets) {
  std::size_t found = 0;
  for (const auto& secret : secrets) found += count(stack, secret, false) + count(stack, secret, true);
  return found;
}

struct Fixture {
  Storage& storage;
  OwnedSecret seed;
  DerivedKey key;
  DerivedKey ed;
};

TEST_NOINLINE void derive_secp(Fixture& f) {
  Result<DerivedKey> key =
      derive_key(f.seed.ref(), Curve::Secp256k1, parse_derivation_path("m/0'/1").value(), f.storage.target);
  REQUIRE_OK(key);
}
TEST_NOINLINE void derive_ed(Fixture& f) {
  Result<DerivedKey> key =
      derive_key(f.seed.ref(), Curve::Ed25519, parse_derivation_path("m/0'/1'").value(), f.storage.target);
  REQUIRE_OK(key);
}
TEST_NOINLINE void ecdsa(Fixture& f) {
  std::uint8_t digest[32] = {1, 2, 3};
  REQUIRE_OK(sign_ecdsa(f.key.secret.ref(), digest, 32));
}
TEST_NOINLINE void schnorr(Fixture& f) {
  std::uint8_t digest[32] = {1, 2, 3};
  REQUIRE_OK(sign_schnorr(f.key.secret.ref(), digest, 32));
}
TEST_NOINLINE void ed25519(Fixture& f) {
  std::uint8_t message[32] = {1, 2, 3};
  REQUIRE_OK(sign_ed25519(f.ed.secret.ref(), message, 32));
}
TEST_NOINLINE void public_keys(Fixture& f) {
  REQUIRE_OK(public_key(f.key.secret.ref()));
  REQUIRE_OK(schnorr_public_key(f.key.secret.ref()));
  REQUIRE_OK(public_key(f.ed.secret.ref()));
}

}  // namespace

TEST_CASE("Stack scan: the control finds a key left in a dead frame") {
  skip_under_asan();
  leave_key_on_stack(hex(kKey));
  CHECK(residue(stack_below(), {hex(kKey)}) > 0);
}

TEST_CASE("Stack scan: no derived key, chain code or seed below the caller after each wallet call") {
  skip_under_asan();
  const std::pair<const char*, void (*)(Fixture&)> calls[] = {
      {"derive_key secp256k1", derive_secp},
      {"derive_key ed25519", derive_ed},
      {"sign_ecdsa", ecdsa},
      {"sign_schnorr", schnorr},
      {"sign_ed25519", ed25519},
      {"public keys", public_keys},
  };
  for (Storage& storage : every_storage()) {
    OwnedSecret seed = import(storage, SecretKind::Seed, hex(kSeed));
    Result<DerivedKey> key =
        derive_key(seed.ref(), Curve::Secp256k1, parse_derivation_path("m/0'/1").value(), storage.target);
    Result<DerivedKey> ed =
        derive_key(seed.ref(), Curve::Ed25519, parse_derivation_path("m/0'/1'").value(), storage.target);
    REQUIRE_OK(key);
    REQUIRE_OK(ed);
    Fixture fixture{storage, std::move(seed), std::move(key.value()), std::move(ed.value())};
    for (const auto& call : calls) {
      call.second(fixture);
      const std::size_t found =
          residue(stack_below(), {hex(kKey), hex(kChain), hex(kEdKey), hex(kEdChain), hex(kSeed)});
      if (found != 0) std::printf("    %s, %s: %zu copies on the stack\n", storage.label.c_str(), call.first, found);
      CHECK_EQ(found, std::size_t{0});
    }
  }
}

TEST_CASE("Secrets stay sealed after wallet calls, and wallet calls write nothing into their inputs") {
  for (Storage& storage : every_storage()) {
    OwnedSecret seed = import(storage, SecretKind::Seed, hex(kSeed));
    Result<DerivationPath> path = parse_derivation_path("m/0'/1");
    Result<DerivedKey> key = derive_key(seed.ref(), Curve::Secp256k1, path.value(), storage.target);
    REQUIRE_OK(key);
    std::uint8_t digest[32] = {9};
    REQUIRE_OK(sign_ecdsa(key.value().secret.ref(), digest, 32));
    CHECK_EQ(to_hex(bytes_of(seed.ref())), std::string(kSeed));
    if (storage.pool) {
      for (PoolChunk chunk : {seed.chunk(), key.value().secret.chunk()}) {
        Result<ChunkInfo> info = storage.pool->inspect(chunk);
        REQUIRE_OK(info);
        CHECK(info.value().canary_intact);
        CHECK(info.value().locked);  // the lock call succeeded (what the OS says is checked below, on POSIX)
        // Windows rests pages read-only (no-access would unlock them): no seal to check there.
        if (storage.pool->sealing() == Sealing::None) continue;
        CHECK(info.value().sealed);
        if (info.value().sealed_verified != Fact::Unknown) CHECK(info.value().sealed_verified == Fact::Yes);
        if (!UNDER_ASAN) CHECK(info.value().facts.locked != Fact::No);  // ASan makes mlock a no-op
      }
    } else {
      for (ProtectedRegion* region : {seed.region(), key.value().secret.region()}) {
        CHECK(region->canary_intact());
        CHECK(region->locked());
        if (region->sealing() == Sealing::None) continue;
        CHECK(region->sealed());
        if (region->sealed_verified() != Fact::Unknown) CHECK(region->sealed_verified() == Fact::Yes);
      }
    }
  }
}

TEST_CASE("The secp256k1 signing context, with its blinding, is in locked pages kept out of core dumps") {
  Result<RangeFacts> facts = signing_context_facts();
  REQUIRE_OK(facts);
  if (UNDER_ASAN) strongroom_test::skip("AddressSanitizer build: mlock is a no-op there");
  // The OS's own answer: smaps `lo`/`dd` on Linux, the working set on Windows
  // (Unknown under wine), the wire count on macOS.
  CHECK(facts.value().locked != Fact::No);
#if defined(__linux__)
  CHECK(facts.value().locked == Fact::Yes);
  CHECK(facts.value().dump_excluded == Fact::Yes);
  CHECK(facts.value().fork_excluded == Fact::Yes);
#endif
}

TEST_CASE("Owned secrets free their storage; released ones pass it on") {
  for (Storage& storage : every_storage()) {
    if (!storage.pool) continue;
    const std::size_t before = storage.pool->stats().chunks_used;
    {
      OwnedSecret seed = import(storage, SecretKind::Seed, hex(kSeed));
      CHECK_EQ(storage.pool->stats().chunks_used, before + 1);
    }
    CHECK_EQ(storage.pool->stats().chunks_used, before);
    OwnedSecret kept = import(storage, SecretKind::Seed, hex(kSeed));
    PoolChunk chunk = kept.release_chunk();
    { OwnedSecret moved = std::move(kept); }
    CHECK_EQ(storage.pool->stats().chunks_used, before + 1);
    REQUIRE_OK(storage.pool->free(chunk));
  }
}

STRONGROOM_TEST_MAIN
