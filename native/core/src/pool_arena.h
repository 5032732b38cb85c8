// A pool arena's record: its guarded mapping, free list, live chunks, and
// the per-page scope counts the gate seals by. Internal to the core
// (pool.cc, pool_arenas.cc, arena_gate.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "strongroom/arena_free_list.h"
#include "strongroom/memory_types.h"
#include "strongroom/pool.h"

namespace strongroom {

// Arena offsets are 32-bit; arenas stay far below that.
constexpr std::size_t kMaxArenaBytes = std::size_t{1} << 30;
// Chunk ids cross into JavaScript as doubles: arena id (20 bits) << 32 | offset.
constexpr std::uint32_t kMaxArenaId = (1u << 20) - 1;

inline PoolChunk make_chunk(std::uint32_t arena_id, std::uint32_t offset) {
  return PoolChunk{(static_cast<std::uint64_t>(arena_id) << 32) | offset};
}
inline std::uint32_t arena_id_of(PoolChunk chunk) {
  return static_cast<std::uint32_t>(chunk.id >> 32);
}
inline std::uint32_t offset_of(PoolChunk chunk) {
  return static_cast<std::uint32_t>(chunk.id & 0xffffffffu);
}

struct Pool::Arena {
  struct Used {
    std::uint32_t size;
    std::uint32_t slot;
    bool written;  // a canary is in place after the secret
  };

  explicit Arena(const GuardedAllocation& mapping)
      : memory(mapping), free_list(static_cast<std::uint32_t>(mapping.data_size)) {}

  std::uint32_t id = 0;
  GuardedAllocation memory;
  bool locked = false;
  bool dump_excluded = false;
  bool fork_excluded = false;
  bool kernel_locked = false;  // secretmem: locked by the kernel, never munlock'ed
  bool oversize = false;       // made for one secret larger than an arena
  ArenaFreeList free_list;
  std::unordered_map<std::uint32_t, Used> used;
  std::size_t used_bytes = 0;
  // Open scopes per page, and (mprotect sealing) each page's protection.
  // Only the pages under a chunk open for its scope: the rest of the arena
  // stays sealed, and a write scope never makes the kernel re-populate the
  // whole locked arena (mprotect adding write to a locked mapping does).
  std::vector<std::uint16_t> page_readers;
  std::vector<std::uint16_t> page_writers;
  std::vector<Protection> page_protection;
};

struct Pool::Arenas {
  std::vector<Arena*> order;  // creation order: allocation fills older arenas first
  std::unordered_map<std::uint32_t, std::unique_ptr<Arena>> by_id;
  std::uint32_t next_id = 1;
  std::size_t created = 0;
  Arena* hint = nullptr;
};

// A live chunk, found once: its arena, its record, and its first byte.
struct Pool::Live {
  Arena* arena = nullptr;
  std::uint32_t offset = 0;
  Arena::Used* used = nullptr;
  unsigned char* bytes = nullptr;
};

}  // namespace strongroom
