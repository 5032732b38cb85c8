// The pool's bookkeeping without the OS: the arena free list on synthetic
// arenas (offsets only, no memory), and the pool and a region on a fake
// LockedPageAllocator that records every page operation (after Bitcoin
// Core's allocator_tests). 10_pool checks the same pool on real locked memory.
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <vector>

#include "strongroom/arena_free_list.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "test.h"

using namespace strongroom;
using namespace strongroom_test;

namespace {

using Runs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

// Pages that never reach the OS: ordinary heap memory, aligned to the
// (possibly simulated) page size, so the pool can wipe what it frees. Each
// mapping remembers its lock and every page's protection; freeing one that
// is still locked or not wiped is recorded, never hidden.
class FakePageAllocator final : public LockedPageAllocator {
 public:
  std::optional<std::size_t> budget;
  bool refuse_locks = false;
  std::size_t maps = 0, frees = 0, locks = 0, unlocks = 0, protects = 0;
  std::size_t freed_unwiped = 0, freed_locked = 0, dump_exclusions = 0, fork_exclusions = 0;

  std::optional<std::size_t> limit() override { return budget; }

  Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) override {
    const std::size_t page = page_size();
    Mapping mapping;
    const std::size_t data = align_up(size, page);
    mapping.storage.assign(data + 3 * page, 0);
    auto start = reinterpret_cast<std::uintptr_t>(mapping.storage.data());
    auto base = reinterpret_cast<unsigned char*>((start + page - 1) & ~(std::uintptr_t{page} - 1));
    mapping.memory = GuardedAllocation{base, data + 2 * page, base + page, data, 1, 1};
    mapping.protection.assign(data / page, protection);
    GuardedAllocation memory = mapping.memory;
    live_.emplace(memory.data, std::move(mapping));
    ++maps;
    return memory;
  }
  Status free_guarded(const GuardedAllocation& memory) override {
    auto it = live_.find(memory.data);
    if (it == live_.end()) return make_error(ErrorCode::InvalidArgument, "not a fake mapping");
    for (std::size_t i = 0; i < memory.data_size; ++i) {
      if (memory.data[i] != 0) {
        ++freed_unwiped;
        break;
      }
    }
    if (it->second.locked) ++freed_locked;
    live_.erase(it);
    ++frees;
    return Status();
  }
  Status lock(void* ptr, std::size_t size) override {
    ++locks;
    if (refuse_locks) return make_error(ErrorCode::LockFailed, "the fake refuses to lock");
    mapping_of(ptr, size)->locked = true;
    return Status();
  }
  Status unlock(void* ptr, std::size_t size) override {
    ++unlocks;
    mapping_of(ptr, size)->locked = false;
    return Status();
  }
  Status protect(void* ptr, std::size_t size, Protection protection) override {
    ++protects;
    Mapping* mapping = mapping_of(ptr, size);
    const std::size_t first = (static_cast<unsigned char*>(ptr) - mapping->memory.data) / page_size();
    for (std::size_t p = first; p < first + size / page_size(); ++p) mapping->protection[p] = protection;
    return Status();
  }
  bool exclude_from_crash_dumps(void*, std::size_t) override { return ++dump_exclusions, true; }
  bool exclude_from_fork(void*, std::size_t) override { return ++fork_exclusions, true; }
  void forget_crash_dump_exclusion(void*) override {}
  std::optional<std::uint64_t> locked_bytes() override {
    std::uint64_t bytes = 0;
    for (const auto& entry : live_) bytes += entry.second.locked ? entry.second.memory.data_size : 0;
    return bytes;
  }

  std::size_t live() const { return live_.size(); }
  // The recorded protection of each data page of the mapping at `data`.
  std::vector<Protection> pages_of(const unsigned char* data) const {
    return live_.at(const_cast<unsigned char*>(data)).protection;
  }

 private:
  struct Mapping {
    std::vector<unsigned char> storage;
    GuardedAllocation memory;
    bool locked = false;
    std::vector<Protection> protection;
  };
  Mapping* mapping_of(void* ptr, std::size_t size) {
    auto* bytes = static_cast<unsigned char*>(ptr);
    for (auto& entry : live_) {
      const GuardedAllocation& m = entry.second.memory;
      if (bytes >= m.data && bytes + size <= m.data + m.data_size) return &entry.second;
    }
    report_failure(__FILE__, __LINE__, "a page operation outside every fake mapping");
    throw RequireFailed();
  }
  std::map<unsigned char*, Mapping> live_;
};

PoolOptions fake_options(std::size_t arena_pages) {
  PoolOptions options;
  options.arena_size = arena_pages * page_size();
  options.sealing = SealingPreference::Mprotect;  // every seal goes through the allocator
  return options;
}

std::uint32_t offset_in_arena(Pool& pool, PoolChunk chunk) {
  return static_cast<std::uint32_t>(pool.address_of(chunk).value() - pool.arena_of(chunk).value().data);
}

bool all_pages(const std::vector<Protection>& pages, Protection protection) {
  for (Protection p : pages) {
    if (p != protection) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("a synthetic arena hands out consecutive runs from its start") {
  ArenaFreeList arena(1024);
  CHECK_EQ(arena.largest_free(), 1024u);
  CHECK_EQ(arena.carve(16), 0u);
  CHECK_EQ(arena.carve(32), 16u);
  CHECK_EQ(arena.carve(16), 48u);
  CHECK_EQ(arena.free_bytes(), 1024u - 64u);
  CHECK(arena.runs() == (Runs{{64, 960}}));
}

TEST_CASE("given-back runs coalesce with both neighbours, in any order") {
  ArenaFreeList arena(96);
  const std::uint32_t a = arena.carve(32), b = arena.carve(32), c = arena.carve(32);
  CHECK_EQ(arena.largest_free(), 0u);
  arena.give_back(a, 32);
  arena.give_back(c, 32);
  CHECK(arena.runs() == (Runs{{0, 32}, {64, 32}}));
  arena.give_back(b, 32);  // joins the run before and the run after
  CHECK(arena.runs() == (Runs{{0, 96}}));
  CHECK_EQ(arena.largest_free(), 96u);
}

TEST_CASE("best fit: the smallest run that holds the request, not the first") {
  ArenaFreeList arena(400);
  std::uint32_t offsets[5];
  for (auto& offset : offsets) offset = arena.carve(80);
  arena.give_back(offsets[0], 80);  // a run of 80
  arena.give_back(offsets[2], 80);  // a run of 80
  arena.give_back(offsets[3], 80);  // joins it: 160
  CHECK(arena.runs() == (Runs{{0, 80}, {160, 160}}));
  CHECK_EQ(arena.carve(120), 160u);  // only the 160-byte run holds it
  CHECK_EQ(arena.carve(72), 0u);     // the 80-byte run fits better than the 40 left
  CHECK(arena.runs() == (Runs{{72, 8}, {280, 40}}));
}

TEST_CASE("random carve/give_back keeps the runs equal to a byte map, coalesced") {
  constexpr std::uint32_t kSize = 4096;
  ArenaFreeList arena(kSize);
  std::vector<bool> used(kSize, false);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> held;
  std::uint32_t state = 12345;
  auto next = [&state] { return state = state * 1103515245u + 12345u, (state >> 8) & 0xffff; };
  for (int step = 0; step < 20000; ++step) {
    const std::uint32_t length = 8 * (1 + next() % 24);
    if ((next() % 2 == 0 || held.empty()) && arena.largest_free() >= length) {
      const std::uint32_t offset = arena.carve(length);
      for (std::uint32_t i = offset; i < offset + length; ++i) {
        REQUIRE(!used[i]);  // never hands out a byte twice
        used[i] = true;
      }
      held.emplace_back(offset, length);
    } else if (!held.empty()) {
      const std::size_t pick = next() % held.size();
      const auto run = held[pick];
      held.erase(held.begin() + static_cast<std::ptrdiff_t>(pick));
      for (std::uint32_t i = run.first; i < run.first + run.second; ++i) used[i] = false;
      arena.give_back(run.first, run.second);
    }
    if (step % 97 != 0) continue;
    std::uint32_t expected_free = 0, end_of_previous = UINT32_MAX;
    for (const auto& run : arena.runs()) {
      REQUIRE(run.first != end_of_previous);  // adjacent runs would have merged
      for (std::uint32_t i = run.first; i < run.first + run.second; ++i) REQUIRE(!used[i]);
      expected_free += run.second;
      end_of_previous = run.first + run.second;
    }
    std::uint32_t free_in_map = 0;
    for (bool byte_used : used) free_in_map += byte_used ? 0 : 1;
    REQUIRE(expected_free == free_in_map);
  }
}

TEST_CASE("a pool on a fake allocator: consecutive offsets, freed slots reused by size, coalescing, one spare arena") {
  FakePageAllocator pages;
  auto created = Pool::create(fake_options(4), pages);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  const PoolChunk a = pool.allocate(32).value(), b = pool.allocate(32).value(), c = pool.allocate(32).value();
  CHECK_EQ(offset_in_arena(pool, a), 0u);
  CHECK_EQ(offset_in_arena(pool, b), 40u);  // 32 bytes + 8-byte canary
  CHECK_EQ(offset_in_arena(pool, c), 80u);
  CHECK_EQ(pages.maps, 1u);
  CHECK_EQ(pages.locks, 1u);
  CHECK_EQ(pages.dump_exclusions, 1u);
  CHECK_EQ(pages.fork_exclusions, 1u);
  REQUIRE_OK(pool.free(b));
  CHECK_EQ(pool.stats().chunks_free, 2u);  // the hole and the tail
  const PoolChunk d = pool.allocate(24).value();
  CHECK_EQ(offset_in_arena(pool, d), 120u);  // another slot size: carved from the tail
  const PoolChunk e = pool.allocate(30).value();
  CHECK_EQ(offset_in_arena(pool, e), 40u);  // the same slot size (40 bytes): the freed slot
  REQUIRE_OK(pool.free(a));
  REQUIRE_OK(pool.free(d));
  REQUIRE_OK(pool.free(e));
  REQUIRE_OK(pool.free(c));
  CHECK_EQ(pool.stats().chunks_free, 1u);  // all merged back into one run
  CHECK_EQ(pages.live(), 1u);              // kept as the spare
  CHECK_EQ(pool.trim(), 1u);
  CHECK_EQ(pages.live(), 0u);
  CHECK_EQ(pages.unlocks, 1u);
  CHECK_EQ(pages.freed_locked, 0u);
}

TEST_CASE("freed small slots go back to the runs, coalesced, before a new arena is mapped") {
  FakePageAllocator pages;
  auto created = Pool::create(fake_options(1), pages);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  const std::size_t per_arena = page_size() / pool_slot_size(32);
  std::vector<PoolChunk> chunks;
  for (std::size_t i = 0; i < per_arena; ++i) chunks.push_back(pool.allocate(32).value());
  CHECK_EQ(pages.maps, 1u);
  // Keep the first chunk, so the arena never empties: its freed slots stay
  // cached for 40-byte secrets until a larger request needs them merged.
  for (std::size_t i = 1; i < per_arena; ++i) REQUIRE_OK(pool.free(chunks[i]));
  CHECK_EQ(pool.stats().chunks_free, per_arena);  // the cached slots and the tail
  const PoolChunk big = pool.allocate(page_size() / 2).value();
  CHECK_EQ(pages.maps, 1u);
  CHECK_EQ(offset_in_arena(pool, big), 40u);
  REQUIRE_OK(pool.free(big));
  REQUIRE_OK(pool.free(chunks[0]));
  CHECK_EQ(pool.stats().chunks_free, 1u);
}

TEST_CASE("a pool on a fake allocator opens only the chunk's page and seals it again") {
  FakePageAllocator pages;
  auto created = Pool::create(fake_options(4), pages);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  const Protection rest = ProtectedRegion::at_rest_protection();
  const std::size_t page = page_size();
  const PoolChunk first = pool.allocate(32).value();
  const PoolChunk far = pool.allocate(2 * page).value();  // reaches past the first page
  const unsigned char* data = pool.arena_of(first).value().data;
  CHECK(all_pages(pages.pages_of(data), rest));
  std::vector<Protection> during;
  REQUIRE_OK(pool.with_write(first, [&](std::uint8_t* bytes, std::size_t size) {
    std::memset(bytes, 0x5a, size);
    during = pages.pages_of(data);
  }));
  CHECK(during[0] == Protection::ReadWrite);
  CHECK(during[1] == rest && during[2] == rest && during[3] == rest);
  CHECK(all_pages(pages.pages_of(data), rest));
  REQUIRE_OK(pool.with_write(far, [&](std::uint8_t* bytes, std::size_t size) {
    std::memset(bytes, 0x11, size);
    during = pages.pages_of(data);
  }));
  CHECK(during[0] == Protection::ReadWrite && during[1] == Protection::ReadWrite && during[2] == Protection::ReadWrite);
  CHECK(during[3] == rest);
  CHECK(all_pages(pages.pages_of(data), rest));
  created.value().reset();  // destroys the pool with both chunks live
  CHECK_EQ(pages.live(), 0u);
  CHECK_EQ(pages.freed_unwiped, 0u);  // secrets and canaries wiped before the pages left
  CHECK_EQ(pages.freed_locked, 0u);
}

TEST_CASE("a pool on a fake allocator reports an overwritten canary") {
  FakePageAllocator pages;
  auto created = Pool::create(fake_options(4), pages);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  const PoolChunk chunk = pool.allocate(20).value();
  REQUIRE_OK(pool.fill_random(chunk));
  CHECK(pool.inspect(chunk).value().canary_intact);
  pool.address_of(chunk).value()[20] ^= 1;  // the fake never really seals: poke it directly
  Status read = pool.with_read(chunk, [](const std::uint8_t*, std::size_t) {});
  CHECK(!read.ok() && read.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!pool.inspect(chunk).value().canary_intact);
  Status freed = pool.free(chunk);
  CHECK(!freed.ok() && freed.error().code == ErrorCode::CanaryCorrupted);
  CHECK(!pool.size_of(chunk).ok());  // freed anyway
}

TEST_CASE("a pool on a fake allocator sizes its first arena to the lock budget") {
  FakePageAllocator pages;
  pages.budget = 3 * page_size();
  auto created = Pool::create(fake_options(8), pages);
  REQUIRE_OK(created);
  Pool& pool = *created.value();
  const PoolChunk chunk = pool.allocate(32).value();
  CHECK_EQ(pool.arena_of(chunk).value().data_size, 3 * page_size());
}

TEST_CASE("a refused lock fails closed under Require and leaves nothing mapped") {
  FakePageAllocator pages;
  pages.refuse_locks = true;
  auto created = Pool::create(fake_options(4), pages);
  REQUIRE_OK(created);
  Result<PoolChunk> refused = created.value()->allocate(32);
  CHECK(!refused.ok() && refused.error().code == ErrorCode::LockFailed);
  CHECK_EQ(pages.maps, 1u);
  CHECK_EQ(pages.live(), 0u);
  CHECK_EQ(pages.unlocks, 0u);  // never locked, never unlocked
  PoolOptions best_effort = fake_options(4);
  best_effort.lock_policy = LockPolicy::BestEffort;
  auto degraded = Pool::create(best_effort, pages);
  REQUIRE_OK(degraded);
  const PoolChunk chunk = degraded.value()->allocate(32).value();
  CHECK(!degraded.value()->arena_locked(chunk).value());
}

TEST_CASE("a region on a fake allocator: canary room, lock, seal, wipe before free") {
  FakePageAllocator pages;
  RegionOptions options;
  options.sealing = SealingPreference::Mprotect;
  auto created = ProtectedRegion::create(100, options, pages);
  REQUIRE_OK(created);
  ProtectedRegion& region = *created.value();
  CHECK(region.locked());
  CHECK_EQ(pages.locks, 1u);
  CHECK(all_pages(pages.pages_of(region.data_address()), ProtectedRegion::at_rest_protection()));
  REQUIRE_OK(region.fill_random());
  CHECK(region.canary_intact());
  created.value().reset();
  CHECK_EQ(pages.live(), 0u);
  CHECK_EQ(pages.unlocks, 1u);
  CHECK_EQ(pages.freed_unwiped, 0u);
  CHECK_EQ(pages.freed_locked, 0u);
}

STRONGROOM_TEST_MAIN
