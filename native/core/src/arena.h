// A pool arena's record: its guarded mapping, free list, live chunks, and
// the per-page scope counts the gate seals by. Below the pool (pool.h names
// it Pool::Arena), so that the gate (arena_gate.h) sees it without the pool.
// Internal to the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "strongroom/arena_free_list.h"
#include "strongroom/memory_types.h"

namespace strongroom {

struct ChunkRecord {
  std::uint32_t size;
  std::uint32_t slot;
  bool written;  // a canary is in place after the secret
};

// Live chunks of one arena by offset: open addressing with linear probing and
// backward-shift deletion, in one heap array (no allocation per chunk, one
// probe in the common case). Offsets are multiples of 8 below 2^30, so
// UINT32_MAX marks an empty cell.
class ChunkTable {
 public:
  ChunkRecord* find(std::uint32_t offset) {
    if (capacity_ == 0) return nullptr;
    for (std::size_t i = index(offset);; i = (i + 1) & mask_) {
      if (cells_[i].offset == offset) return &cells_[i].record;
      if (cells_[i].offset == kEmpty) return nullptr;
    }
  }
  const ChunkRecord* find(std::uint32_t offset) const { return const_cast<ChunkTable*>(this)->find(offset); }
  // `offset` must not be in the table.
  void insert(std::uint32_t offset, const ChunkRecord& record) {
    if ((count_ + 1) * 2 > capacity_) grow();
    std::size_t i = index(offset);
    while (cells_[i].offset != kEmpty) i = (i + 1) & mask_;
    cells_[i] = Cell{offset, record};
    ++count_;
  }
  // `offset` must be in the table.
  void erase(std::uint32_t offset) {
    std::size_t hole = index(offset);
    while (cells_[hole].offset != offset) hole = (hole + 1) & mask_;
    // Shift back every later cell of the cluster that may sit in the hole.
    for (std::size_t i = (hole + 1) & mask_; cells_[i].offset != kEmpty; i = (i + 1) & mask_) {
      const std::size_t home = index(cells_[i].offset);
      if (((i - home) & mask_) >= ((i - hole) & mask_)) {
        cells_[hole] = cells_[i];
        hole = i;
      }
    }
    cells_[hole].offset = kEmpty;
    --count_;
  }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

 private:
  static constexpr std::uint32_t kEmpty = UINT32_MAX;
  struct Cell {
    std::uint32_t offset = kEmpty;
    ChunkRecord record{};
  };
  // Fibonacci hashing: the product's high bits, so that offsets in strides of
  // a power of two (64-byte slots) still spread over every cell.
  std::size_t index(std::uint32_t offset) const {
    return static_cast<std::size_t>((std::uint64_t{offset} * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  // Out of line (pool_arenas.cc), so that insert() stays small enough to
  // inline into allocate().
  void grow();
  std::vector<Cell> cells_;
  std::size_t capacity_ = 0;  // cells_.size()
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t count_ = 0;
};

struct PoolArena {
  using Used = ChunkRecord;

  // `size_classes`: how many lists of freed small slots, one per slot size
  // (slot / the pool's alignment), the pool's choice.
  PoolArena(const GuardedAllocation& mapping, std::size_t size_classes)
      : memory(mapping), free_list(static_cast<std::uint32_t>(mapping.data_size)), cached(size_classes) {}

  std::uint32_t id = 0;
  GuardedAllocation memory;
  bool locked = false;
  bool dump_excluded = false;
  bool fork_excluded = false;
  bool kernel_locked = false;  // secretmem: locked by the kernel, never munlock'ed
  bool oversize = false;       // made for one secret larger than an arena
  ArenaFreeList free_list;
  ChunkTable used;
  std::size_t used_bytes = 0;
  // Freed small slots by size class (slot / the pool's alignment).
  std::vector<std::vector<std::uint32_t>> cached;
  std::size_t cached_slots = 0;
  // Slots carved for the pool's stash (filled, not live): while any remain
  // the arena is not empty, so its runs are never reset under them.
  std::size_t stashed = 0;
  // Open scopes per page, and (mprotect sealing) each page's protection.
  // Only the pages under a chunk open for its scope: the rest of the arena
  // stays sealed, and a write scope never makes the kernel re-populate the
  // whole locked arena (mprotect adding write to a locked mapping does).
  std::vector<std::uint16_t> page_readers;
  std::vector<std::uint16_t> page_writers;
  std::vector<Protection> page_protection;
};

}  // namespace strongroom
