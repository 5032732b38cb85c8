// The free space of one pool arena: best fit over address-ordered free runs,
// with coalescing (as Bitcoin Core's Arena). Pure bookkeeping in offsets from
// the arena's start: no memory is touched and no system call is made, so it
// is tested with synthetic arenas as well as under a real pool.
//
// The runs live on the ordinary heap, never in the locked pages. Map nodes
// are moved with extract()/insert(), so a steady carve/give_back cycle does
// not call malloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <utility>
#include <vector>

namespace strongroom {

class ArenaFreeList {
 public:
  // One free run: [0, size).
  explicit ArenaFreeList(std::uint32_t size);

  std::uint32_t largest_free() const { return by_size_.empty() ? 0 : by_size_.rbegin()->first; }
  // Takes `length` bytes from the smallest run that holds them, at the run's
  // start, and returns their offset. `length` must be <= largest_free().
  std::uint32_t carve(std::uint32_t length);
  // Returns [offset, offset + length) to the free runs, merged with its
  // neighbours. The range must have come from carve() and not be free.
  void give_back(std::uint32_t offset, std::uint32_t length);

  // Back to one free run, [0, size): for an arena with no live chunk. Reuses
  // a node of each index, so it does not call malloc either.
  void reset();

  std::size_t run_count() const { return by_offset_.size(); }
  std::size_t free_bytes() const;
  // (offset, length) of every run, by offset.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> runs() const;

 private:
  std::uint32_t size_;
  std::map<std::uint32_t, std::uint32_t> by_offset_;           // offset -> length
  std::set<std::pair<std::uint32_t, std::uint32_t>> by_size_;  // (length, offset)
};

}  // namespace strongroom
