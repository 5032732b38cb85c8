// Over 400 lines on purpose: one test file per API area, and the pool is one area.
// Pooled storage: arenas of locked, guarded, sealed pages holding
// many small secrets, each followed by a canary.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <stdexcept>
#include <vector>

#include "os_probe.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/readback.h"
#include "sealing_under_test.h"
#include "test.h"

#if defined(__linux__)
#include <sys/syscall.h>
#endif
#if !defined(_WIN32)
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace strongroom;
using namespace strongroom_test;

namespace {

// Small arenas: the Windows lock budget (minimum working set) is small, and
// several arenas must fit in it.
PoolOptions small_arenas() {
  PoolOptions options = pool_options_under_test();
  options.arena_size = 4 * page_size();
  return options;
}

std::unique_ptr<Pool> make_pool(const PoolOptions& options = small_arenas()) {
  auto created = Pool::create(options);
  if (!created.ok()) return nullptr;
  return std::move(created.value());
}

PoolChunk put(Pool& pool, std::size_t size, unsigned char fill) {
  auto chunk = pool.allocate(size);
  if (!chunk.ok()) throw std::runtime_error("allocate failed: " + chunk.error().message);
  Status written =
      pool.with_write(chunk.value(), [fill](std::uint8_t* bytes, std::size_t n) { std::memset(bytes, fill, n); });
  if (!written.ok()) throw std::runtime_error("write failed: " + written.error().message);
  return chunk.value();
}

std::vector<unsigned char> contents(Pool& pool, PoolChunk chunk) {
  std::vector<unsigned char> out;
  Status read =
      pool.with_read(chunk, [&out](const std::uint8_t* bytes, std::size_t n) { out.assign(bytes, bytes + n); });
  if (!read.ok()) out.clear();
  return out;
}

void touch(const unsigned char* p) {
  (void)*static_cast<const volatile unsigned char*>(p);
}

// Test-only: opens an arena's pages behind the pool's back to corrupt or
// inspect raw bytes, by the pool's sealing method: under pkey this thread's
// rights for the key the kernel shows on the page (the page tables stay
// read-write), else the page protection (kernel copy and mprotect rest
// no-access, Windows read-only).
void open_raw(const Pool& pool, const GuardedAllocation& arena) {
  if (pool.sealing() == Sealing::Pkey) {
    if (!set_key_rights_for_this_thread(protection_key_of(arena.data), true)) {
      throw std::runtime_error("could not open the arena's protection key");
    }
    return;
  }
  if (!platform_memory::protect(arena.data, arena.data_size, Protection::ReadWrite).ok()) {
    throw std::runtime_error("could not open the arena raw");
  }
}
void seal_raw(const Pool& pool, const GuardedAllocation& arena) {
  if (pool.sealing() == Sealing::Pkey) {
    if (!set_key_rights_for_this_thread(protection_key_of(arena.data), false)) {
      throw std::runtime_error("could not close the arena's protection key");
    }
    return;
  }
  if (!platform_memory::protect(arena.data, arena.data_size, ProtectedRegion::at_rest_protection()).ok()) {
    throw std::runtime_error("could not seal the arena raw");
  }
}

const std::string kAtRest = kWindows ? "r--" : "---";

}  // namespace

TEST_CASE("slot sizes: the secret plus an 8-byte canary, rounded up to 8") {
  CHECK_EQ(pool_slot_size(32), std::size_t{40});
  CHECK_EQ(pool_slot_size(1), std::size_t{16});
  CHECK_EQ(pool_slot_size(8), std::size_t{16});
  CHECK_EQ(pool_slot_size(33), std::size_t{48});  // the canary starts right after byte 33
  CHECK_EQ(pool_slot_size(0), std::size_t{0});
  CHECK_EQ(pool_slot_size(static_cast<std::size_t>(-1)), std::size_t{0});
}

TEST_CASE("many secrets: 8-byte aligned, no overlap, each reads back its own bytes") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  std::vector<PoolChunk> chunks;
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 300; ++i) {
    std::size_t size = 1 + static_cast<std::size_t>(i * 7 % 61);
    chunks.push_back(put(*pool, size, static_cast<unsigned char>(i)));
    sizes.push_back(size);
  }
  std::set<std::pair<std::uintptr_t, std::uintptr_t>> spans;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    auto address = pool->address_of(chunks[i]);
    REQUIRE_OK(address);
    auto p = reinterpret_cast<std::uintptr_t>(address.value());
    CHECK_EQ(p % kPoolAlignment, std::uintptr_t{0});
    spans.insert({p, p + pool_slot_size(sizes[i])});
    CHECK(contents(*pool, chunks[i]) == std::vector<unsigned char>(sizes[i], static_cast<unsigned char>(i)));
  }
  std::uintptr_t end = 0;
  for (const auto& span : spans) {
    CHECK(span.first >= end);
    end = span.second;
  }
  PoolStats stats = pool->stats();
  CHECK_EQ(stats.chunks_used, std::size_t{300});
  std::size_t used = 0;
  for (std::size_t size : sizes) used += pool_slot_size(size);
  CHECK_EQ(stats.used, used);
  CHECK_EQ(stats.used + stats.free, stats.total);
  for (PoolChunk chunk : chunks) REQUIRE_OK(pool->free(chunk));
}

TEST_CASE("a 32-byte secret costs 40 locked bytes") {
  PoolOptions options = pool_options_under_test();  // default 256 KiB arena
  auto pool = make_pool(options);
  REQUIRE(pool != nullptr);
  auto a = pool->allocate(32);
  auto b = pool->allocate(32);
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK_EQ(pool->address_of(b.value()).value() - pool->address_of(a.value()).value(), std::ptrdiff_t{40});
  CHECK_EQ(pool->stats().used, std::size_t{80});
}

TEST_CASE("sizes: zero and above the maximum are InvalidSize; bad options are refused") {
  PoolOptions options = small_arenas();
  options.max_size = 100;
  auto pool = make_pool(options);
  REQUIRE(pool != nullptr);
  auto zero = pool->allocate(0);
  CHECK(!zero.ok() && zero.error().code == ErrorCode::InvalidSize);
  auto over = pool->allocate(101);
  CHECK(!over.ok() && over.error().code == ErrorCode::InvalidSize);
  CHECK(pool->allocate(100).ok());
  PoolOptions bad = small_arenas();
  bad.arena_size = 0;
  CHECK(!Pool::create(bad).ok());
  bad = small_arenas();
  bad.lock_policy = static_cast<LockPolicy>(7);
  auto bad_policy = Pool::create(bad);
  CHECK(!bad_policy.ok() && bad_policy.error().code == ErrorCode::InvalidArgument);
}

namespace {

constexpr int kChunksWithoutSystemCalls = 5000;  // one 256 KiB arena holds 6,553 32-byte secrets
std::unique_ptr<Pool> g_counted_pool;
std::vector<PoolChunk> g_counted_chunks;

void allocate_and_free_chunks() {
  for (int i = 0; i < kChunksWithoutSystemCalls; ++i) {
    auto chunk = g_counted_pool->allocate(32);
    if (!chunk.ok()) std::_Exit(3);
    g_counted_chunks.push_back(chunk.value());
  }
  for (PoolChunk chunk : g_counted_chunks) {
    if (!g_counted_pool->free(chunk).ok()) std::_Exit(4);
  }
  g_counted_chunks.clear();
}

// Maps and locks the arena, and lets malloc and the pool's bookkeeping grow
// to their working size once, so that what is counted is the pool's own
// allocate/free path on an arena that exists.
void prepare_arena() {
  g_counted_pool = make_pool(pool_options_under_test());
  if (g_counted_pool == nullptr || !g_counted_pool->allocate(32).ok()) std::_Exit(2);
  g_counted_chunks.reserve(kChunksWithoutSystemCalls);
  allocate_and_free_chunks();
}

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

}  // namespace

TEST_CASE("after the first arena, allocation and free make no system call") {
  SystemCallCount count = count_system_calls(prepare_arena, allocate_and_free_chunks);
  if (!count.counted) {
    // Off Linux there is no counter; on Linux only a kernel without
    // seccomp filters may excuse it, and never in CI.
    if (kLinux && (running_in_ci() || count.reason.find("seccomp") == std::string::npos)) {
      report_failure(__FILE__, __LINE__, "could not count system calls: " + count.reason);
      return;
    }
    skip(count.reason);
  }
  if (count.calls != 0) {
    report_failure(__FILE__, __LINE__,
                   std::to_string(count.calls) + " system calls in " + std::to_string(kChunksWithoutSystemCalls) +
                       " allocations and frees; the first numbers: " + count.numbers);
  }
}

namespace {

constexpr int kWrittenChunks = 1000;

// Maps the arena, writes every chunk (as every real secret is written) and
// frees them once, so that malloc and the pool's bookkeeping have their
// working size; then writes a fresh set for the measured frees.
void prepare_written_chunks() {
  g_counted_pool = make_pool(pool_options_under_test());
  if (g_counted_pool == nullptr) std::_Exit(2);
  g_counted_chunks.reserve(kWrittenChunks);
  for (int round = 0; round < 2; ++round) {
    if (round == 1) {
      for (PoolChunk chunk : g_counted_chunks) {
        if (!g_counted_pool->free(chunk).ok()) std::_Exit(4);
      }
      g_counted_chunks.clear();
    }
    for (int i = 0; i < kWrittenChunks; ++i) {
      auto chunk = g_counted_pool->allocate(32);
      if (!chunk.ok()) std::_Exit(3);
      Status written =
          g_counted_pool->with_write(chunk.value(), [](std::uint8_t* b, std::size_t n) { std::memset(b, 0x5A, n); });
      if (!written.ok()) std::_Exit(5);
      g_counted_chunks.push_back(chunk.value());
    }
  }
}

void free_written_chunks() {
  for (PoolChunk chunk : g_counted_chunks) {
    if (!g_counted_pool->free(chunk).ok()) std::_Exit(6);
  }
}

}  // namespace

TEST_CASE("freeing written chunks makes no system call but the sealing method's own") {
  SystemCallCount count = count_system_calls(prepare_written_chunks, free_written_chunks);
  if (!count.counted) {
    if (kLinux && (running_in_ci() || count.reason.find("seccomp") == std::string::npos)) {
      report_failure(__FILE__, __LINE__, "could not count system calls: " + count.reason);
      return;
    }
    skip(count.reason);
  }
  auto pool = make_pool(pool_options_under_test());
  REQUIRE(pool != nullptr);
  // The wipe of a written chunk opens it: under pkey in PKRU alone, under
  // kernel copy through /proc/self/mem, under mprotect with mprotect.
  std::vector<long> allowed;
  int per_chunk = 0;
#if defined(__linux__)
  switch (pool->sealing()) {
    case Sealing::Pkey:
      break;
    case Sealing::KernelCopy:
      allowed = {SYS_pread64, SYS_pwrite64, SYS_pwritev};
      per_chunk = 2;  // read the canary, zero the slot
      break;
    case Sealing::Mprotect:
    case Sealing::None:
      allowed = {SYS_mprotect};
      per_chunk = 2;  // open, seal
      break;
  }
#endif
  std::printf("    %s: %d system calls to free %d written chunks (%s)\n", sealing_name(pool->sealing()), count.calls,
              kWrittenChunks, count.numbers.c_str());
  for (long number : count.distinct) {
    if (std::find(allowed.begin(), allowed.end(), number) == allowed.end()) {
      report_failure(__FILE__, __LINE__,
                     "freeing written chunks made system call " + std::to_string(number) + ", which " +
                         sealing_name(pool->sealing()) + " sealing does not need");
    }
  }
  CHECK(count.calls <= per_chunk * kWrittenChunks);
}

TEST_CASE("layout: a guard page before and after each arena, the arena sealed at rest") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk chunk = put(*pool, 32, 0x11);
  auto arena = pool->arena_of(chunk);
  REQUIRE_OK(arena);
  const GuardedAllocation& m = arena.value();
  CHECK_EQ(m.guard_pages_before, std::size_t{1});
  CHECK_EQ(m.guard_pages_after, std::size_t{1});
  CHECK_EQ(m.data_size, 4 * page_size());
  if (os_protection(m.data) != "?") {
    CHECK_EQ(os_protection(m.base), std::string("---"));
    CHECK_EQ(os_protection(m.data + m.data_size), std::string("---"));
    if (pool->sealing() != Sealing::Pkey) CHECK_EQ(os_protection(m.data), kAtRest);
  }
  std::string inside;
  REQUIRE_OK(pool->with_read(chunk, [&](const std::uint8_t*, std::size_t) { inside = os_protection(m.data); }));
  if (inside != "?" && pool->sealing() == Sealing::Mprotect) CHECK_EQ(inside, std::string("r--"));
  auto info = pool->inspect(chunk);
  REQUIRE_OK(info);
  CHECK(info.value().guard_pages);
  CHECK_EQ(info.value().sealed, !kWindows);
  CHECK(info.value().canary_intact);
  // The same facts as the OS reports them (maps / VirtualQuery /
  // mach_vm_region_recurse; PKRU for pkey).
  if (kLinux || kWindows || kDarwin) {
    CHECK(info.value().guard_pages_verified == Fact::Yes);
    CHECK(info.value().sealed_verified == (kWindows ? Fact::No : Fact::Yes));
  }
  Fact sealed_inside = Fact::Unknown;
  REQUIRE_OK(pool->with_read(
      chunk, [&](const std::uint8_t*, std::size_t) { sealed_inside = pool->inspect(chunk).value().sealed_verified; }));
  // Only kernel copy keeps the pages closed inside a scope (and it exists only on Linux).
  if (kLinux || kWindows || kDarwin)
    CHECK(sealed_inside == (pool->sealing() == Sealing::KernelCopy ? Fact::Yes : Fact::No));
  if (inside != "?" && pool->sealing() == Sealing::KernelCopy) CHECK_EQ(inside, std::string("---"));
}

CHILD_CASE("underflow into the arena's front guard page") {
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  touch(pool->arena_of(chunk).value().data - 1);
}
CHILD_CASE("overflow into the arena's back guard page") {
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  const GuardedAllocation m = pool->arena_of(chunk).value();
  touch(m.data + m.data_size);
}
CHILD_CASE("read a sealed arena outside a scope") {
  auto pool = make_pool();
  PoolChunk chunk = put(*pool, 32, 1);
  touch(pool->address_of(chunk).value());
}

TEST_CASE("the arena's guard pages and seal kill a child that touches them") {
  EXPECT_CHILD_CRASHES("underflow into the arena's front guard page");
  EXPECT_CHILD_CRASHES("overflow into the arena's back guard page");
  if (!kWindows) {
    EXPECT_CHILD_CRASHES("read a sealed arena outside a scope");
  } else {
    std::printf("    Windows: arenas rest read-only to stay locked; reads are not trapped\n");
  }
}

TEST_CASE("a flipped canary byte is detected on read, write, info and free; free still wipes") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk victim = put(*pool, 24, 0x33);
  PoolChunk neighbour = put(*pool, 24, 0x44);
  const GuardedAllocation arena = pool->arena_of(victim).value();
  unsigned char* bytes = pool->address_of(victim).value();
  open_raw(*pool, arena);
  bytes[24] ^= 0x01;  // a one-byte overflow by a buggy writer
  seal_raw(*pool, arena);
  bool called = false;
  Status read = pool->with_read(victim, [&](const std::uint8_t*, std::size_t) { called = true; });
  CHECK(!read.ok() && read.error().code == ErrorCode::CanaryCorrupted);
  Status write = pool->with_write(victim, [&](std::uint8_t*, std::size_t) { called = true; });
  CHECK(!write.ok() && write.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!called);
  CHECK(!pool->inspect(victim).value().canary_intact);
  CHECK(pool->inspect(neighbour).value().canary_intact);
  // The refused scopes closed again: the page (or, under pkey, this thread's key) is sealed.
  if (os_protection(arena.data) != "?")
    CHECK_EQ(os_protection(arena.data), pool->sealing() == Sealing::Pkey ? std::string("rw-") : kAtRest);
  if (kLinux) CHECK(pool->inspect(victim).value().sealed_verified == Fact::Yes);
  Status freed = pool->free(victim);
  CHECK(!freed.ok() && freed.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!pool->size_of(victim).ok());  // freed all the same
  open_raw(*pool, arena);
  bool zero = true;
  for (std::size_t i = 0; i < pool_slot_size(24); ++i) zero = zero && bytes[i] == 0;
  seal_raw(*pool, arena);
  CHECK(zero);
  CHECK(contents(*pool, neighbour) == std::vector<unsigned char>(24, 0x44));
}

TEST_CASE("freed chunks read as zero: the slot and its canary are wiped") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk keep = put(*pool, 16, 0x55);  // keeps the arena alive
  PoolChunk chunk = put(*pool, 48, 0xEE);
  const unsigned char* before = pool->address_of(chunk).value();
  REQUIRE_OK(pool->free(chunk));
  auto again = pool->allocate(48);
  REQUIRE_OK(again);
  CHECK(pool->address_of(again.value()).value() == before);  // best fit hands the slot back
  CHECK(contents(*pool, again.value()) == std::vector<unsigned char>(48, 0));
  const GuardedAllocation arena = pool->arena_of(keep).value();
  REQUIRE_OK(pool->free(again.value()));
  open_raw(*pool, arena);
  bool zero = true;
  for (std::size_t i = 0; i < pool_slot_size(48); ++i) zero = zero && before[i] == 0;
  seal_raw(*pool, arena);
  CHECK(zero);
}

TEST_CASE("double free, stale and forged chunks are InvalidArgument") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk keep = put(*pool, 8, 1);
  PoolChunk chunk = put(*pool, 8, 2);
  REQUIRE_OK(pool->free(chunk));
  Status twice = pool->free(chunk);
  CHECK(!twice.ok() && twice.error().code == ErrorCode::InvalidArgument);
  Status read = pool->with_read(chunk, [](const std::uint8_t*, std::size_t) {});
  CHECK(!read.ok() && read.error().code == ErrorCode::InvalidArgument);
  PoolChunk inside{keep.id + 8};  // points into a live arena, not at a chunk
  CHECK(pool->free(inside).error().code == ErrorCode::InvalidArgument);
  PoolChunk forged{0xdeadbeef12345678ull};
  CHECK(pool->free(forged).error().code == ErrorCode::InvalidArgument);
  CHECK(contents(*pool, keep) == std::vector<unsigned char>(8, 1));
}

TEST_CASE("scopes re-seal when the callback throws; nested scopes keep the widest access") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk a = put(*pool, 16, 5);
  PoolChunk b = put(*pool, 16, 6);
  bool thrown = false;
  try {
    (void)pool->with_read(a, [](const std::uint8_t*, std::size_t) { throw std::runtime_error("x"); });
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  CHECK(thrown);
  CHECK_EQ(pool->inspect(a).value().sealed, !kWindows);
  REQUIRE_OK(pool->with_read(a, [&](const std::uint8_t*, std::size_t) {
    REQUIRE_OK(pool->with_write(b, [](std::uint8_t* bytes, std::size_t) { bytes[0] = 60; }));
    // a's scope is still open; kernel copy never opens the pages.
    CHECK_EQ(pool->inspect(a).value().sealed, pool->sealing() == Sealing::KernelCopy);
  }));
  CHECK_EQ(pool->inspect(a).value().sealed, !kWindows);
  CHECK(contents(*pool, b)[0] == 60);
  CHECK(contents(*pool, a) == std::vector<unsigned char>(16, 5));
}

TEST_CASE("empty arenas go back to the OS: one spare kept, trim() gives back the rest") {
  std::uint64_t locked_before = process_locked_bytes().value_or(0);
  const std::size_t per_arena = 4 * page_size() / pool_slot_size(32);
  // Reserved before counting: with 64 KiB pages the ids outgrow malloc's
  // mmap threshold, and the test's own vector would count as a mapping.
  std::vector<PoolChunk> chunks;
  chunks.reserve(3 * per_arena);
  const int maps_before = kLinux ? mapping_count() : -1;
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  for (std::size_t i = 0; i < 3 * per_arena; ++i) chunks.push_back(put(*pool, 32, 7));
  CHECK_EQ(pool->stats().arenas, std::size_t{3});
  if (kLinux || kDarwin) CHECK_EQ(*process_locked_bytes(), locked_before + 3 * 4 * page_size());
  for (PoolChunk chunk : chunks) REQUIRE_OK(pool->free(chunk));
  PoolStats after = pool->stats();
  CHECK_EQ(after.arenas, std::size_t{1});
  CHECK_EQ(after.used, std::size_t{0});
  CHECK_EQ(after.chunks_used, std::size_t{0});
  CHECK_EQ(after.chunks_free, std::size_t{1});  // coalesced back into one run
  CHECK_EQ(pool->trim(), std::size_t{1});
  CHECK_EQ(pool->stats().arenas, std::size_t{0});
  if (kLinux || kDarwin) CHECK_EQ(*process_locked_bytes(), locked_before);
  if (kLinux) CHECK_EQ(mapping_count(), maps_before);
}

TEST_CASE("a secret larger than an arena gets an arena of its own, freed at once") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk small = put(*pool, 32, 1);
  PoolChunk big = put(*pool, 10 * page_size(), 0x99);
  CHECK_EQ(pool->stats().arenas, std::size_t{2});
  CHECK(pool->arena_of(big).value().data_size >= 10 * page_size() + kPoolCanarySize);
  CHECK(contents(*pool, big) == std::vector<unsigned char>(10 * page_size(), 0x99));
  REQUIRE_OK(pool->free(big));
  CHECK_EQ(pool->stats().arenas, std::size_t{1});
  REQUIRE_OK(pool->free(small));
}

TEST_CASE("the OS confirms arenas locked, out of dumps and forks; stats read it back") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  std::vector<PoolChunk> chunks;
  const std::size_t per_arena = 4 * page_size() / pool_slot_size(32);
  for (std::size_t i = 0; i < per_arena + 5; ++i) chunks.push_back(put(*pool, 32, 3));
  auto info = pool->inspect(chunks.back());
  REQUIRE_OK(info);
  CHECK(info.value().locked);
  PoolStats stats = pool->stats(true);
  CHECK_EQ(stats.arenas, std::size_t{2});
  CHECK_EQ(stats.lock_calls_succeeded, stats.total);
  if (kLinux) {
    CHECK(info.value().facts.locked == Fact::Yes);
    CHECK(info.value().facts.dump_excluded == Fact::Yes);
    CHECK(info.value().facts.fork_excluded == Fact::Yes);
    REQUIRE(stats.locked.has_value());
    CHECK_EQ(*stats.locked, stats.total);
    CHECK_EQ(*stats.chunks_locked, chunks.size());
  } else if (kDarwin) {
    CHECK(info.value().facts.locked == Fact::Yes);
    CHECK(info.value().facts.fork_excluded == Fact::Yes);
    CHECK(info.value().facts.dump_excluded == Fact::Unknown);  // none per region on macOS
    REQUIRE(stats.locked.has_value());
    CHECK_EQ(*stats.locked, stats.total);
    CHECK_EQ(*stats.chunks_locked, chunks.size());
  } else if (kWindows && running_under_wine()) {
    CHECK(!stats.locked.has_value() || *stats.locked == 0);  // wine never reports Locked
  }
}

TEST_CASE("sealing is reported honestly: pkey wherever the CPU has keys, else a reasoned fallback") {
  PoolOptions automatic = small_arenas();
  automatic.sealing = SealingPreference::Auto;
  auto pool = make_pool(automatic);
  REQUIRE(pool != nullptr);
  std::printf("    sealing: %s%s%s\n", sealing_name(pool->sealing()),
              pool->sealing_fallback_reason().empty() ? "" : " - ", pool->sealing_fallback_reason().c_str());
  if (kWindows) {
    CHECK(pool->sealing() == Sealing::None);
  } else {
    const Sealing expected = cpu_has_protection_keys() ? Sealing::Pkey
                             : kernel_copy_available() ? Sealing::KernelCopy
                                                       : Sealing::Mprotect;
    CHECK(pool->sealing() == expected);
    if (pool->sealing() != Sealing::Pkey) CHECK(!pool->sealing_fallback_reason().empty());
  }
  PoolOptions mprotect = small_arenas();
  mprotect.sealing = SealingPreference::Mprotect;
  auto forced = make_pool(mprotect);
  REQUIRE(forced != nullptr);
  CHECK(forced->sealing() == (kWindows ? Sealing::None : Sealing::Mprotect));
}

namespace {

bool stash_in_use(const Pool& pool) {
  return pool.sealing() == Sealing::KernelCopy || pool.sealing() == Sealing::Mprotect;
}

// Every secret's bytes, read through the pool.
std::vector<std::vector<unsigned char>> generated_secrets(Pool& pool, std::size_t count,
                                                          std::vector<PoolChunk>* chunks) {
  std::vector<std::vector<unsigned char>> secrets;
  for (std::size_t i = 0; i < count; ++i) {
    auto chunk = pool.generate(32);
    if (!chunk.ok()) throw std::runtime_error("generate failed: " + chunk.error().message);
    chunks->push_back(chunk.value());
    secrets.push_back(contents(pool, chunk.value()));
  }
  return secrets;
}

// Arena exists, the stash for 32-byte secrets is empty: what is counted is
// kStashedSlots generates, the first of them refilling the stash.
void prepare_empty_stash() {
  g_counted_pool = make_pool(pool_options_under_test());
  if (g_counted_pool == nullptr) std::_Exit(2);
  auto first = g_counted_pool->allocate(32);  // maps the arena
  if (!first.ok()) std::_Exit(3);
  g_counted_chunks.reserve(kStashedSlots + 1);
  g_counted_chunks.push_back(first.value());
}

void generate_a_stashful() {
  for (std::size_t i = 0; i < kStashedSlots; ++i) {
    auto chunk = g_counted_pool->generate(32);
    if (!chunk.ok()) std::_Exit(4);
    g_counted_chunks.push_back(chunk.value());
  }
}

}  // namespace

TEST_CASE("generate: a stash of filled slots costs one CSPRNG call and one copy or one open and seal") {
  auto probe = make_pool(pool_options_under_test());
  REQUIRE(probe != nullptr);
  if (!stash_in_use(*probe)) skip(std::string(sealing_name(probe->sealing())) + " sealing keeps no stash");
  SystemCallCount count = count_system_calls(prepare_empty_stash, generate_a_stashful);
  if (!count.counted) {
    if (kLinux && (running_in_ci() || count.reason.find("seccomp") == std::string::npos)) {
      report_failure(__FILE__, __LINE__, "could not count system calls: " + count.reason);
      return;
    }
    skip(count.reason);
  }
  std::printf("    %s: %d system calls for %zu generated secrets (%s)\n", sealing_name(probe->sealing()), count.calls,
              kStashedSlots, count.numbers.c_str());
#if defined(__linux__)
  // Kernel copy: getrandom into the scratch buffer, one pwrite of the run.
  // Mprotect: open the run's pages, getrandom in place, seal them.
  const std::vector<long> expected = probe->sealing() == Sealing::KernelCopy
                                         ? std::vector<long>{SYS_pwrite64, SYS_getrandom}
                                         : std::vector<long>{SYS_mprotect, SYS_getrandom};
  std::vector<long> sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  CHECK(count.distinct == sorted_expected);
  CHECK_EQ(count.calls, probe->sealing() == Sealing::KernelCopy ? 2 : 3);
#endif
}

TEST_CASE("generate: secrets from the stash are fresh, distinct, never zero, canaried, and not live until taken") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk keep = put(*pool, 16, 0x55);  // the arena the stash is carved from
  std::vector<PoolChunk> chunks;
  // Over three refills' worth, so that secrets from different fills meet too.
  const std::size_t n = 3 * kStashedSlots + 1;
  std::vector<std::vector<unsigned char>> secrets = generated_secrets(*pool, n, &chunks);
  std::set<std::vector<unsigned char>> distinct(secrets.begin(), secrets.end());
  CHECK_EQ(distinct.size(), n);
  for (const auto& secret : secrets) {
    CHECK_EQ(secret.size(), std::size_t{32});
    CHECK(secret != std::vector<unsigned char>(32, 0));
  }
  auto info = pool->inspect(chunks.back());
  REQUIRE_OK(info);
  CHECK(info.value().canary_intact);
  CHECK(info.value().written);
  if (pool->sealing() != Sealing::None) CHECK(info.value().sealed);  // Windows rests read-only: not sealed
  PoolStats stats = pool->stats();
  CHECK_EQ(stats.chunks_used, n + 1);
  CHECK_EQ(stats.used, n * pool_slot_size(32) + pool_slot_size(16));
  const std::size_t refills = (n + kStashedSlots - 1) / kStashedSlots;
  CHECK_EQ(stats.chunks_stashed, stash_in_use(*pool) ? refills * kStashedSlots - n : 0);
  // Other sizes take the same path; a size above the stash's takes allocate + fill.
  auto larger = pool->generate(kMaxStashedSecretSize + 1);
  REQUIRE_OK(larger);
  CHECK(contents(*pool, larger.value()) != std::vector<unsigned char>(kMaxStashedSecretSize + 1, 0));
  REQUIRE_OK(pool->free(larger.value()));
  for (PoolChunk chunk : chunks) REQUIRE_OK(pool->free(chunk));
  REQUIRE_OK(pool->free(keep));
  stats = pool->stats();
  CHECK_EQ(stats.chunks_used, std::size_t{0});
  CHECK_EQ(stats.used, std::size_t{0});
  // trim() wipes the stash and gives the arena back.
  CHECK(pool->trim() >= 1);
  stats = pool->stats();
  CHECK_EQ(stats.chunks_stashed, std::size_t{0});
  CHECK_EQ(stats.arenas, std::size_t{0});
}

TEST_CASE("generate: a chunk id never names a stashed slot") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk keep = put(*pool, 16, 0x55);
  auto taken = pool->generate(32);
  REQUIRE_OK(taken);
  if (!stash_in_use(*pool)) skip(std::string(sealing_name(pool->sealing())) + " sealing keeps no stash");
  REQUIRE(pool->stats().chunks_stashed > 0);
  // The next stashed slot sits right before the one taken (taken from the back).
  const std::uint64_t next = taken.value().id - pool_slot_size(32);
  auto refused = pool->size_of(PoolChunk{next});
  CHECK(!refused.ok() && refused.error().code == ErrorCode::InvalidArgument);
  CHECK(!pool->free(PoolChunk{next}).ok());
  CHECK(!pool->with_read(PoolChunk{next}, [](const std::uint8_t*, std::size_t) {}).ok());
  REQUIRE_OK(pool->free(taken.value()));
  REQUIRE_OK(pool->free(keep));
}

TEST_CASE("a stashed slot is never handed out twice, also after its arena held no live chunk") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk first = put(*pool, 16, 0x55);
  auto taken = pool->generate(32);
  REQUIRE_OK(taken);
  if (!stash_in_use(*pool)) skip(std::string(sealing_name(pool->sealing())) + " sealing keeps no stash");
  REQUIRE_OK(pool->free(taken.value()));
  REQUIRE_OK(pool->free(first));                   // no live chunk left; the stash still holds slots in the arena
  CHECK_EQ(pool->stats().arenas, std::size_t{1});  // stats() coalesces what is free, not the stash
  std::set<const unsigned char*> addresses;
  std::vector<PoolChunk> written;
  for (std::size_t i = 0; i < 2 * kStashedSlots; ++i) {
    written.push_back(put(*pool, 32, 0xAB));
    addresses.insert(pool->address_of(written.back()).value());
  }
  std::vector<PoolChunk> generated;
  for (std::size_t i = 0; i + 1 < kStashedSlots; ++i) {
    auto chunk = pool->generate(32);
    REQUIRE_OK(chunk);
    generated.push_back(chunk.value());
    addresses.insert(pool->address_of(chunk.value()).value());
  }
  CHECK_EQ(addresses.size(), written.size() + generated.size());
  for (PoolChunk chunk : written) CHECK(contents(*pool, chunk) == std::vector<unsigned char>(32, 0xAB));
  for (PoolChunk chunk : written) REQUIRE_OK(pool->free(chunk));
  for (PoolChunk chunk : generated) REQUIRE_OK(pool->free(chunk));
}

TEST_CASE("trim wipes stashed slots in an arena that stays") {
  auto pool = make_pool();
  REQUIRE(pool != nullptr);
  PoolChunk keep = put(*pool, 16, 0x55);  // keeps the arena mapped through trim()
  auto taken = pool->generate(32);
  REQUIRE_OK(taken);
  if (!stash_in_use(*pool)) skip(std::string(sealing_name(pool->sealing())) + " sealing keeps no stash");
  const std::size_t slot = pool_slot_size(32);
  const unsigned char* last = pool->address_of(taken.value()).value();
  const unsigned char* run = last - (kStashedSlots - 1) * slot;  // the run it came from
  REQUIRE_OK(pool->free(taken.value()));
  const GuardedAllocation arena = pool->arena_of(keep).value();
  open_raw(*pool, arena);
  std::size_t nonzero_before = 0;
  for (std::size_t i = 0; i < kStashedSlots * slot; ++i) nonzero_before += run[i] != 0 ? 1 : 0;
  seal_raw(*pool, arena);
  CHECK(nonzero_before > 0);  // the stash holds random bytes and canaries
  pool->trim();
  CHECK_EQ(pool->stats().chunks_stashed, std::size_t{0});
  CHECK_EQ(pool->stats().arenas, std::size_t{1});
  open_raw(*pool, arena);
  std::size_t nonzero_after = 0;
  for (std::size_t i = 0; i < kStashedSlots * slot; ++i) nonzero_after += run[i] != 0 ? 1 : 0;
  seal_raw(*pool, arena);
  CHECK_EQ(nonzero_after, std::size_t{0});
  REQUIRE_OK(pool->free(keep));
}

#if !defined(_WIN32)
namespace {

// The OS allocator, except that it never keeps pages out of forked children:
// an OS that did not take the advice, so the child has the arenas' bytes.
class InheritedPages : public LockedPageAllocator {
 public:
  Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) override {
    return os().allocate_guarded(size, protection);
  }
  Status free_guarded(const GuardedAllocation& allocation) override { return os().free_guarded(allocation); }
  Status lock(void* ptr, std::size_t size) override { return os().lock(ptr, size); }
  Status unlock(void* ptr, std::size_t size) override { return os().unlock(ptr, size); }
  Status protect(void* ptr, std::size_t size, Protection protection) override {
    return os().protect(ptr, size, protection);
  }
  bool exclude_from_crash_dumps(void* ptr, std::size_t size) override {
    return os().exclude_from_crash_dumps(ptr, size);
  }
  bool exclude_from_fork(void*, std::size_t) override { return false; }
  void forget_crash_dump_exclusion(void* ptr) override { os().forget_crash_dump_exclusion(ptr); }
  std::optional<std::size_t> limit() override { return os().limit(); }
  std::optional<std::uint64_t> locked_bytes() override { return os().locked_bytes(); }

 private:
  static LockedPageAllocator& os() { return os_locked_page_allocator(); }
};

}  // namespace

TEST_CASE("a forked child never hands out the random bytes its parent's stash holds") {
  InheritedPages inherited;
  auto created = Pool::create(small_arenas(), inherited);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  PoolChunk keep = put(pool, 16, 0x55);
  auto first = pool.generate(32);  // fills the stash
  REQUIRE_OK(first);
  REQUIRE_OK(pool.free(first.value()));
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(stdout);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    auto chunk = pool.generate(32);
    std::vector<unsigned char> bytes = chunk.ok() ? contents(pool, chunk.value()) : std::vector<unsigned char>();
    if (bytes.size() == 32) (void)!write(fds[1], bytes.data(), bytes.size());
    _exit(bytes.size() == 32 ? 0 : 1);
  }
  close(fds[1]);
  unsigned char child_bytes[32] = {};
  const ssize_t got = read(fds[0], child_bytes, sizeof child_bytes);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(got == static_cast<ssize_t>(sizeof child_bytes));
  auto mine = pool.generate(32);
  REQUIRE_OK(mine);
  const std::vector<unsigned char> parent_bytes = contents(pool, mine.value());
  CHECK(parent_bytes != std::vector<unsigned char>(child_bytes, child_bytes + 32));
  REQUIRE_OK(pool.free(mine.value()));
  REQUIRE_OK(pool.free(keep));
}
#endif

STRONGROOM_TEST_MAIN
