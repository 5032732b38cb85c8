#include "strongroom/arena_free_list.h"

#include <iterator>

namespace strongroom {

ArenaFreeList::ArenaFreeList(std::uint32_t size) : size_(size) {
  by_offset_.emplace(0u, size);
  by_size_.insert({size, 0u});
}

std::uint32_t ArenaFreeList::carve(std::uint32_t length) {
  auto fit = by_size_.lower_bound({length, 0});
  const std::uint32_t run = fit->first;
  const std::uint32_t offset = fit->second;
  auto size_node = by_size_.extract(fit);
  auto offset_node = by_offset_.extract(offset);
  if (run > length) {
    size_node.value() = {run - length, offset + length};
    by_size_.insert(std::move(size_node));
    offset_node.key() = offset + length;
    offset_node.mapped() = run - length;
    by_offset_.insert(std::move(offset_node));
  }
  return offset;
}

void ArenaFreeList::give_back(std::uint32_t offset, std::uint32_t length) {
  auto next = by_offset_.lower_bound(offset);
  if (next != by_offset_.end() && offset + length == next->first) {
    by_size_.erase({next->second, next->first});
    length += next->second;
    next = by_offset_.erase(next);
  }
  if (next != by_offset_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      by_size_.erase({prev->second, prev->first});
      prev->second += length;
      by_size_.insert({prev->second, prev->first});
      return;
    }
  }
  by_offset_.emplace_hint(next, offset, length);
  by_size_.insert({length, offset});
}

void ArenaFreeList::reset() {
  if (by_offset_.size() == 1 && by_offset_.begin()->first == 0 && by_offset_.begin()->second == size_) return;
  if (by_offset_.empty()) {  // every byte was in cached slots (see pool_arena.h)
    by_offset_.emplace(0u, size_);
    by_size_.insert({size_, 0u});
    return;
  }
  auto offset_node = by_offset_.extract(by_offset_.begin());
  auto size_node = by_size_.extract(by_size_.begin());
  by_offset_.clear();
  by_size_.clear();
  offset_node.key() = 0;
  offset_node.mapped() = size_;
  size_node.value() = {size_, 0u};
  by_offset_.insert(std::move(offset_node));
  by_size_.insert(std::move(size_node));
}

std::size_t ArenaFreeList::free_bytes() const {
  std::size_t bytes = 0;
  for (const auto& run : by_offset_) bytes += run.second;
  return bytes;
}

std::vector<std::pair<std::uint32_t, std::uint32_t>> ArenaFreeList::runs() const {
  return {by_offset_.begin(), by_offset_.end()};
}

}  // namespace strongroom
