// The pool's own records over its arenas: chunk ids, the table of arenas,
// a chunk found once, and the limits they share. The arena record itself is
// in arena.h, below the pool, so the gate can name it. Internal to the core
// (pool.cc, pool_arenas.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "arena.h"
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

// Slots of up to this many bytes are kept, when freed, on a free list of
// their exact size (one per 8-byte class) instead of going back to the runs:
// allocate and free of a small secret are then a pop and a push. The cached
// slots go back to the runs, coalesced, when the arena empties (reset) and
// before a new arena would be mapped for a request no arena can carve.
constexpr std::size_t kCachedSlotMax = 512;

struct Pool::Arenas {
  std::vector<Arena*> order;  // creation order: allocation fills older arenas first
  std::unordered_map<std::uint32_t, std::unique_ptr<Arena>> by_id;
  std::uint32_t next_id = 1;
  std::size_t created = 0;
  Arena* hint = nullptr;
};

// generate()'s filled free slots, per secret size (pool.h). Each size's list
// holds runs carved side by side, in address order, taken from the back.
struct Pool::Stash {
  struct Slot {
    Arena* arena;
    std::uint32_t offset;
  };
  std::vector<Slot> by_size[kMaxStashedSecretSize + 1];
  // forks_seen() when the slots were filled: a forked child drops them.
  std::uint64_t fork_generation = 0;
};

// A live chunk, found once: its arena, its record, and its first byte.
struct Pool::Live {
  Arena* arena = nullptr;
  std::uint32_t offset = 0;
  Arena::Used* used = nullptr;
  unsigned char* bytes = nullptr;
};

}  // namespace strongroom
