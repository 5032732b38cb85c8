// A pool's arenas: mapping, locking within the budget, sealing, and giving
// them back wiped. The pages come from the pool's LockedPageAllocator.
#include <algorithm>
#include <optional>

#include "arena_gate.h"
#include "pool_arena.h"
#include "os_sealing.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"

namespace strongroom {
namespace {

struct Mapped {
  GuardedAllocation memory;
  bool locked = false;
  bool kernel_locked = false;  // secretmem: no munlock
  Error lock_error;
};

// Maps an arena of `bytes` data bytes and tries to lock it. Nothing secret
// has touched the pages yet, so a failure path only unlocks and unmaps.
Result<Mapped> map_arena(LockedPageAllocator& pages, std::size_t bytes, Backing backing) {
  Mapped mapped;
  if (backing == Backing::SecretMem) {
    Result<GuardedAllocation> secret = os::map_secretmem_guarded(bytes);
    if (!secret) {
      if (secret.error().code == ErrorCode::LockFailed) {
        mapped.lock_error = secret.error();
        mapped.locked = false;
        return mapped;  // memory.base == nullptr: nothing mapped
      }
      return secret.error();
    }
    mapped.memory = secret.value();
    // The kernel maps secretmem locked (VM_LOCKED, charged to
    // RLIMIT_MEMLOCK) and refuses mlock on it; stats read the lock back.
    mapped.locked = true;
    mapped.kernel_locked = true;
    return mapped;
  }
  Result<GuardedAllocation> anonymous = pages.allocate_guarded(bytes, Protection::ReadWrite);
  if (!anonymous) return anonymous.error();
  mapped.memory = anonymous.value();
  Status locked = pages.lock(mapped.memory.data, mapped.memory.data_size);
  mapped.locked = locked.ok();
  if (!locked) mapped.lock_error = locked.error();
  return mapped;
}

void unmap_arena(LockedPageAllocator& pages, const Mapped& mapped) {
  if (mapped.memory.base == nullptr) return;
  if (mapped.locked && !mapped.kernel_locked) {
    (void)pages.unlock(mapped.memory.data, mapped.memory.data_size);
  }
  (void)pages.free_guarded(mapped.memory);
}

}  // namespace

void ChunkTable::grow() {
  std::vector<Cell> old = std::move(cells_);
  cells_.assign(old.empty() ? 64 : old.size() * 2, Cell());
  capacity_ = cells_.size();
  mask_ = capacity_ - 1;
  shift_ = 64;
  for (std::size_t n = capacity_; n > 1; n >>= 1) --shift_;
  count_ = 0;
  for (const Cell& cell : old) {
    if (cell.offset != kEmpty) insert(cell.offset, cell.record);
  }
}

Result<Pool::Arena*> Pool::new_arena(std::size_t slot) {
  const std::size_t page = page_size();
  const std::size_t needed = align_up(slot, page);
  const std::size_t standard = align_up(std::min(options_.arena_size, kMaxArenaBytes), page);
  std::size_t bytes = std::max(standard, needed);

  const std::optional<std::size_t> limit = pages_->limit();
  // The first arena fits the budget, so that at least one arena locks.
  if (arenas_->created == 0 && limit && *limit / page * page >= needed) {
    bytes = std::min<std::size_t>(bytes, *limit / page * page);
  }

  Result<Mapped> mapped = map_arena(*pages_, bytes, backing_);
  if (mapped && !mapped.value().locked && limit) {
    // Over the budget: retry once with what is left of it.
    std::optional<std::uint64_t> in_use = pages_->locked_bytes();
    if (in_use && *in_use < *limit) {
      const std::size_t left = static_cast<std::size_t>((*limit - *in_use) / page * page);
      if (left >= needed && left < bytes) {
        unmap_arena(*pages_, mapped.value());
        bytes = left;
        mapped = map_arena(*pages_, bytes, backing_);
      }
    }
  }
  if (!mapped && mapped.error().code == ErrorCode::Unsupported && backing_ == Backing::SecretMem) {
    // The probe passed but the mapping did not (seccomp, a container): fall back, and say so.
    backing_ = Backing::Anonymous;
    backing_reason_ = mapped.error().message;
    log_message(LogLevel::Warn, "secretmem backing failed, using anonymous memory: " + backing_reason_);
    mapped = map_arena(*pages_, bytes, backing_);
  }
  if (!mapped) return mapped.error();
  Mapped arena_memory = mapped.value();

  if (!arena_memory.locked) {
    if (options_.lock_policy == LockPolicy::Require || arena_memory.memory.base == nullptr) {
      unmap_arena(*pages_, arena_memory);  // fail closed
      Error error = arena_memory.lock_error;
      error.code = ErrorCode::LockFailed;
      return error;
    }
    log_message(LogLevel::Warn,
                "pool arena not locked, its secrets may be swapped out: " + arena_memory.lock_error.message);
  }

  auto arena = std::make_unique<Arena>(arena_memory.memory, kCachedSlotMax / kPoolAlignment + 1);
  arena->locked = arena_memory.locked;
  arena->kernel_locked = arena_memory.kernel_locked;
  arena->oversize = bytes > standard;
  arena->dump_excluded = pages_->exclude_from_crash_dumps(arena->memory.data, arena->memory.data_size);
  arena->fork_excluded = pages_->exclude_from_fork(arena->memory.data, arena->memory.data_size);

  Status sealed = gate().seal_new(*arena);
  if (!sealed) {
    if (arena->dump_excluded) pages_->forget_crash_dump_exclusion(arena->memory.data);
    unmap_arena(*pages_, arena_memory);
    return sealed.error();
  }

  // Ids cross into JavaScript in 20 bits; skip ids still in use after a wrap.
  while (arenas_->by_id.count(arenas_->next_id) != 0 || arenas_->next_id == 0) {
    arenas_->next_id = arenas_->next_id >= kMaxArenaId ? 1 : arenas_->next_id + 1;
  }
  arena->id = arenas_->next_id;
  arenas_->next_id = arenas_->next_id >= kMaxArenaId ? 1 : arenas_->next_id + 1;

  Arena* raw = arena.get();
  arenas_->by_id.emplace(raw->id, std::move(arena));
  arenas_->order.push_back(raw);
  ++arenas_->created;
  return raw;
}

void Pool::release_arena(Arena* arena) {
  // Wipe everything before the pages can leave RAM (stashed slots included).
  forget_stash_in(arena);
  gate().wipe_arena(*arena);
  if (arena->locked && !arena->kernel_locked) {
    (void)pages_->unlock(arena->memory.data, arena->memory.data_size);
  }
  if (arena->dump_excluded) pages_->forget_crash_dump_exclusion(arena->memory.data);
  Status freed = pages_->free_guarded(arena->memory);
  if (!freed) log_message(LogLevel::Error, "could not unmap an arena: " + freed.error().message);

  auto& order = arenas_->order;
  order.erase(std::remove(order.begin(), order.end(), arena), order.end());
  if (arenas_->hint == arena) arenas_->hint = nullptr;
  arenas_->by_id.erase(arena->id);  // destroys *arena
}

void Pool::arena_became_empty(Arena* arena) {
  // Keep one empty standard arena for reuse, so that a steady allocate/free
  // cycle does not map and unmap; give back the rest at once.
  if (!arena->oversize) {
    bool spare_exists = false;
    for (Arena* other : arenas_->order) {
      if (other != arena && other->used.empty() && other->stashed == 0 && !other->oversize) spare_exists = true;
    }
    if (!spare_exists) return;
  }
  release_arena(arena);
}

}  // namespace strongroom
