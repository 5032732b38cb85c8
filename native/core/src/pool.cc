// The pool: arenas of locked, guarded, sealed pages carved into 8-byte
// aligned chunks, each followed by a canary. See pool.h for the contract.
// The pieces: the free list (arena_free_list.h, pure), the gate that opens
// and seals pages (arena_gate.h), the arenas' life (pool_arenas.cc); this
// file composes them into chunks.
#include "strongroom/pool.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <optional>
#include <vector>

#include "arena_gate.h"
#include "canary.h"
#include "os_pages.h"
#include "pool_arena.h"
#include "os_sealing.h"
#include "scratch.h"
#include "strongroom/hardening.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/random_reserve.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

Error not_live() {
  return make_error(ErrorCode::InvalidArgument, "not a live chunk of this pool (freed, from another pool, or forged)");
}

Error size_refused(std::size_t size, std::size_t max_size) {
  return make_error(ErrorCode::InvalidSize,
                    "secret size must be 1.." + std::to_string(max_size) + " bytes, got " + std::to_string(size));
}

// Forks this process has been through, counted in each child (pthread_atfork;
// no fork on Windows). The stash compares it with the count when it was
// filled: a child must never hand out random bytes its parent may hand out
// too. Arenas are kept out of children (MADV_DONTFORK, VM_INHERIT_NONE), but
// a stash must not rest on that advice having been taken.
std::atomic<std::uint64_t> g_forks{0};
void count_fork_in_child() {
  g_forks.fetch_add(1, std::memory_order_relaxed);
}
std::uint64_t forks_seen() {
  return g_forks.load(std::memory_order_relaxed);
}
void watch_forks() {
  static std::once_flag once;
  std::call_once(once, [] { os::call_in_forked_child(count_fork_in_child); });
}

// A stash run's bytes: fresh random secrets, each followed by the canary,
// padding zero (as a written slot's padding is).
Status fill_stash_run(unsigned char* run, std::size_t size, std::size_t slot, std::size_t count) {
  Status filled = fill_random(run, slot * count);
  if (!filled) return filled;
  for (std::size_t i = 0; i < count; ++i) {
    unsigned char* at = run + i * slot;
    pool_canary().place(at + size);
    std::memset(at + size + kPoolCanarySize, 0, slot - size - kPoolCanarySize);
  }
  return Status();
}

}  // namespace

const Canary& pool_canary() {
  static const Canary canary(kPoolCanarySize, "~POOLCN~", "the pool canary",
                             "the canary after a pooled secret was overwritten: possible buffer overflow");
  return canary;
}

std::size_t pool_slot_size(std::size_t size) {
  if (size == 0 || size > static_cast<std::size_t>(-1) - 2 * kPoolCanarySize) return 0;
  static_assert((kPoolAlignment & (kPoolAlignment - 1)) == 0, "the alignment is a power of two");
  return (size + kPoolCanarySize + kPoolAlignment - 1) & ~(kPoolAlignment - 1);
}

const char* backing_name(Backing backing) {
  return backing == Backing::SecretMem ? "secretmem" : "anonymous";
}

Pool::Pool(const PoolOptions& options, LockedPageAllocator& pages)
    : options_(options), pages_(&pages), arenas_(new Arenas()), stash_(new Stash()) {}

Result<std::unique_ptr<Pool>> Pool::create(const PoolOptions& options) {
  return create(options, os_locked_page_allocator());
}

Result<std::unique_ptr<Pool>> Pool::create(const PoolOptions& options, LockedPageAllocator& pages) {
  if (options.arena_size == 0 || options.arena_size > kMaxArenaBytes) {
    return make_error(ErrorCode::InvalidSize, "arena size must be 1 byte to 1 GiB");
  }
  if (options.max_size == 0 || options.max_size > kMaxArenaBytes - page_size()) {
    return make_error(ErrorCode::InvalidSize, "maximum secret size must be 1 byte to 1 GiB");
  }
  if (options.lock_policy != LockPolicy::Require && options.lock_policy != LockPolicy::BestEffort) {
    return make_error(ErrorCode::InvalidArgument, "unknown lock policy");
  }
  if (options.sealing != SealingPreference::Auto && options.sealing != SealingPreference::Mprotect &&
      options.sealing != SealingPreference::Pkey && options.sealing != SealingPreference::KernelCopy) {
    return make_error(ErrorCode::InvalidArgument, "unknown sealing preference");
  }
  if (options.backing != Backing::Anonymous && options.backing != Backing::SecretMem) {
    return make_error(ErrorCode::InvalidArgument, "unknown backing");
  }
  (void)pool_canary().bytes();
  watch_forks();
  std::unique_ptr<Pool> pool(new Pool(options, pages));
  pool->stash_->fork_generation = forks_seen();

  if (options.backing == Backing::SecretMem) {
    Result<bool> available = memfd_secret_available();
    if (available && available.value()) {
      pool->backing_ = Backing::SecretMem;
    } else {
      pool->backing_ = Backing::Anonymous;
      pool->backing_reason_ =
          available ? "the kernel refuses memfd_secret (too old, disabled, or blocked)" : available.error().message;
      log_message(LogLevel::Warn, "secretmem backing unavailable, using anonymous memory: " + pool->backing_reason_);
    }
  }

  // Probe order: a protection key, then kernel copy, then mprotect.
  Result<SealingChoice> choice = choose_sealing(options.sealing, pool->backing_ == Backing::SecretMem);
  if (!choice) return choice.error();
  pool->sealing_ = choice.value().sealing;
  pool->pkey_ = choice.value().pkey;
  pool->sealing_reason_ = choice.value().reason;
  if (options.sealing == SealingPreference::Mprotect && pool->sealing_ == Sealing::Mprotect) {
    pool->sealing_reason_ = "mprotect sealing was asked for";
  }
  if (pool->sealing_ == Sealing::KernelCopy) {
    // Charged to the lock budget before the first arena is sized to it.
    Status reserved = reserve_scratch(options.lock_policy);
    if (!reserved) log_message(LogLevel::Warn, "kernel-copy scratch buffer: " + reserved.error().message);
  }
  return pool;
}

Pool::~Pool() {
  std::vector<Arena*> all = arenas_->order;
  for (Arena* arena : all) release_arena(arena);
}

ArenaGate Pool::gate() const {
  return ArenaGate(sealing_, pkey_, *pages_);
}

// The one lookup: a chunk id names a live chunk only if its arena exists and
// has a record at its offset. Anything else is refused, never dereferenced.
bool Pool::find(PoolChunk chunk, Live* found) const {
  const std::uint32_t id = arena_id_of(chunk);
  Arena* arena = arenas_->hint;
  if (arena == nullptr || arena->id != id) {
    auto by_id = arenas_->by_id.find(id);
    if (by_id == arenas_->by_id.end()) return false;
    arena = by_id->second.get();
  }
  Arena::Used* used = arena->used.find(offset_of(chunk));
  if (used == nullptr) return false;
  found->arena = arena;
  found->offset = offset_of(chunk);
  found->used = used;
  found->bytes = arena->memory.data + found->offset;
  return true;
}

Result<Pool::Live> Pool::live(PoolChunk chunk) const {
  Live found;
  if (!find(chunk, &found)) return not_live();
  return found;
}

// A slot of `slot` bytes from `arena`: a freed slot of that exact size if one
// is cached, else carved from the runs; nullopt when neither has room.
std::optional<std::uint32_t> Pool::take_slot(Arena& arena, std::size_t slot) {
  if (slot <= kCachedSlotMax) {
    std::vector<std::uint32_t>& same_size = arena.cached[slot / kPoolAlignment];
    if (!same_size.empty()) {
      const std::uint32_t offset = same_size.back();
      same_size.pop_back();
      --arena.cached_slots;
      return offset;
    }
  }
  if (arena.free_list.largest_free() < slot) return std::nullopt;
  return arena.free_list.carve(static_cast<std::uint32_t>(slot));
}

// Every cached slot of `arena` back to its runs, coalesced.
void Pool::uncache_slots(Arena& arena) {
  if (arena.cached_slots == 0) return;
  if (arena.used.empty() && arena.stashed == 0) {
    arena.free_list.reset();
  } else {
    for (std::size_t size_class = 0; size_class < arena.cached.size(); ++size_class) {
      for (std::uint32_t offset : arena.cached[size_class]) {
        arena.free_list.give_back(offset, static_cast<std::uint32_t>(size_class * kPoolAlignment));
      }
    }
  }
  for (auto& same_size : arena.cached) same_size.clear();
  arena.cached_slots = 0;
}

Result<PoolChunk> Pool::allocate(std::size_t size) {
  if (size == 0 || size > options_.max_size) return size_refused(size, options_.max_size);
  const std::size_t slot = pool_slot_size(size);
  Arena* arena = arenas_->hint;
  std::optional<std::uint32_t> offset;
  if (arena != nullptr) offset = take_slot(*arena, slot);
  if (!offset) {
    Result<std::uint32_t> placed = place_elsewhere(slot, &arena);
    if (!placed) return placed.error();
    offset = placed.value();
  }
  arena->used.insert(*offset, Arena::Used{static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(slot), false});
  arena->used_bytes += slot;
  arenas_->hint = arena;
  return make_chunk(arena->id, *offset);
}

// A slot when the last-used arena has none: older arenas first; then the
// same again with cached slots coalesced back into runs; only then a new
// arena.
Result<std::uint32_t> Pool::place_elsewhere(std::size_t slot, Arena** arena) {
  for (int pass = 0; pass < 2; ++pass) {
    for (Arena* candidate : arenas_->order) {
      if (pass == 1) uncache_slots(*candidate);
      std::optional<std::uint32_t> offset = take_slot(*candidate, slot);
      if (offset) {
        *arena = candidate;
        return *offset;
      }
    }
  }
  Result<Arena*> made = new_arena(slot);
  if (!made) return made.error();
  *arena = made.value();
  return (*arena)->free_list.carve(static_cast<std::uint32_t>(slot));
}

Status Pool::free(PoolChunk chunk) {
  Live c;
  if (!find(chunk, &c)) return not_live();
  const Arena::Used used = *c.used;
  if (!used.written) {
    // Never written: the slot still holds the zeros it was handed out with.
    release_slot(c.arena, c.offset, used.slot);
    return Status();
  }
  bool wiped = false;
  Status result = wipe_written(c, &wiped);
  // Fail closed: a slot that could not be wiped is never handed out again.
  if (wiped) release_slot(c.arena, c.offset, used.slot);
  return result;
}

// Checks the canary and wipes the slot of a written chunk (CanaryCorrupted
// after the wipe when it was overwritten); *wiped says whether the wipe
// happened, whatever else failed.
Status Pool::wipe_written(const Live& c, bool* wiped) {
  const Arena::Used used = *c.used;
  const ArenaGate gate = this->gate();
  Status opened = gate.open(*c.arena, c.offset, used.slot, true);
  if (!opened) return opened;
  ScopeCloser scope(gate, *c.arena, c.offset, used.slot, true);
  Result<bool> intact = gate.canary_intact(c.bytes + used.size);
  if (!intact) return intact.error();
  Status wipe = gate.wipe(c.bytes, used.slot);
  if (!wipe) return wipe;
  *wiped = true;
  Status sealed = scope.close();
  if (!intact.value()) return pool_canary().corrupted();
  return sealed;
}

void Pool::release_slot(Arena* arena, std::uint32_t offset, std::uint32_t slot) {
  arena->used.erase(offset);
  arena->used_bytes -= slot;
  if (slot <= kCachedSlotMax) {
    arena->cached[slot / kPoolAlignment].push_back(offset);
    ++arena->cached_slots;
  } else {
    arena->free_list.give_back(offset, slot);
  }
  // An empty arena keeps its cached slots: the next secret of the same size
  // pops one again. allocate() coalesces them before it maps a new arena.
  if (arena->used.empty() && arena->stashed == 0) arena_became_empty(arena);
}

Status Pool::access(PoolChunk chunk, bool write, Callback fn, void* context) {
  Live c;
  if (!find(chunk, &c)) return not_live();
  if (sealing_ == Sealing::KernelCopy) return access_by_copy(c, write, fn, context);

  Arena::Used& used = *c.used;
  const ArenaGate gate = this->gate();
  Status opened = gate.open(*c.arena, c.offset, used.slot, write);
  if (!opened) return opened;
  ScopeCloser scope(gate, *c.arena, c.offset, used.slot, write);
  if (used.written) {
    if (!pool_canary().matches(c.bytes + used.size)) {
      Status sealed = scope.close();
      if (!sealed) return sealed;
      return pool_canary().corrupted();
    }
  } else if (write) {
    pool_canary().place(c.bytes + used.size);
    used.written = true;
  }
  fn(c.bytes, used.size, context);
  return scope.close();
}

// Kernel copy: the chunk's pages stay no-access; the callback gets a copy in
// this thread's locked scratch buffer, written back by the kernel after a
// write scope and wiped when the scope ends, also when fn throws.
Status Pool::access_by_copy(const Live& c, bool write, Callback fn, void* context) {
  Arena::Used& used = *c.used;
  Result<ScratchLease> leased = ScratchLease::acquire(used.slot, options_.lock_policy);
  if (!leased) return leased.error();
  ScratchLease lease = std::move(leased.value());
  unsigned char* copy = lease.bytes();
  const std::size_t copied = used.size + kPoolCanarySize;
  if (used.written) {
    Status read = os::kernel_copy_read(c.bytes, copy, copied);
    if (!read) return read;
    if (!pool_canary().matches(copy + used.size)) return pool_canary().corrupted();
  } else {
    std::memset(copy, 0, used.size);
    pool_canary().place(copy + used.size);
  }
  fn(copy, used.size, context);
  if (!write) return Status();
  // The canary goes back too (a first write places it): an overflow by the
  // callback corrupts it, as it would in place, and the next access reports it.
  Status stored = os::kernel_copy_write(c.bytes, copy, copied);
  if (!stored) return stored;
  used.written = true;
  return Status();
}

RandomReserve* Pool::random_reserve() {
  if (reserve_ || reserve_refused_ || !reserve_pays_off(sealing_)) return reserve_.get();
  Result<std::unique_ptr<RandomReserve>> made = RandomReserve::create(sealing_, pkey_, options_.lock_policy, *pages_);
  if (!made) {
    reserve_refused_ = true;  // one OS call per secret, as before
    log_message(LogLevel::Warn, "no random reserve, one CSPRNG call per secret: " + made.error().message);
    return nullptr;
  }
  reserve_ = std::move(made.value());
  return reserve_.get();
}

Status Pool::fill_random(PoolChunk chunk) {
  RandomReserve* reserve = random_reserve();
  Status filled;
  // Under a key the chunk's write scope has the key open for this thread, so
  // the reserve's own (nested) scope costs no system call.
  Status scoped = with_write(chunk, [&filled, reserve](std::uint8_t* bytes, std::size_t size) {
    filled = reserve != nullptr ? reserve->draw(bytes, size) : strongroom::fill_random(bytes, size);
  });
  if (!scoped) return scoped;
  return filled;
}

bool Pool::stash_serves(std::size_t size) const {
  return (sealing_ == Sealing::KernelCopy || sealing_ == Sealing::Mprotect) && size >= 1 &&
         size <= kMaxStashedSecretSize && size <= options_.max_size;
}

Result<PoolChunk> Pool::generate(std::size_t size) {
  if (stash_serves(size)) {
    if (stash_->fork_generation != forks_seen()) drop_stash();
    std::vector<Stash::Slot>& slots = stash_->by_size[size];
    // A refill that fails leaves the stash empty: the path below then makes
    // the same calls one secret at a time and reports what fails.
    if (slots.empty()) (void)refill_stash(size);
    if (!slots.empty()) {
      const Stash::Slot taken = slots.back();
      slots.pop_back();
      Arena* arena = taken.arena;
      --arena->stashed;
      const auto slot = static_cast<std::uint32_t>(pool_slot_size(size));
      arena->used.insert(taken.offset, Arena::Used{static_cast<std::uint32_t>(size), slot, true});
      arena->used_bytes += slot;
      arenas_->hint = arena;
      return make_chunk(arena->id, taken.offset);
    }
  }
  Result<PoolChunk> chunk = allocate(size);
  if (!chunk) return chunk;
  Status filled = fill_random(chunk.value());
  if (!filled) {
    (void)free(chunk.value());
    return filled.error();
  }
  return chunk;
}

// kStashedSlots slots of `size`, side by side in one run of an existing arena
// (a new arena is mapped by allocate(), never for a stash), filled at once.
Status Pool::refill_stash(std::size_t size) {
  const std::size_t slot = pool_slot_size(size);
  const std::size_t run = slot * kStashedSlots;
  Arena* arena = nullptr;
  std::optional<std::uint32_t> offset;
  for (int pass = 0; pass < 2 && !offset; ++pass) {
    for (Arena* candidate : arenas_->order) {
      if (pass == 1) uncache_slots(*candidate);
      if (candidate->free_list.largest_free() >= run) {
        offset = candidate->free_list.carve(static_cast<std::uint32_t>(run));
        arena = candidate;
        break;
      }
    }
  }
  if (!offset) return make_error(ErrorCode::OsError, "no arena has a free run for the stash");
  unsigned char* at = arena->memory.data + *offset;
  const ArenaGate gate = this->gate();
  Status filled;
  if (sealing_ == Sealing::KernelCopy) {
    // Made in this thread's locked scratch buffer (wiped when the lease
    // ends) and copied in by one write: the pages never open.
    Result<ScratchLease> leased = ScratchLease::acquire(run, options_.lock_policy);
    if (!leased) {
      arena->free_list.give_back(*offset, static_cast<std::uint32_t>(run));
      return leased.error();
    }
    ScratchLease lease = std::move(leased.value());
    filled = fill_stash_run(lease.bytes(), size, slot, kStashedSlots);
    if (filled) filled = os::kernel_copy_write(at, lease.bytes(), run);
    // A failed copy may have written part of the run.
    if (!filled && !gate.wipe(at, run)) {
      log_message(LogLevel::Error, "could not wipe a stash run after a failed fill; its slots stay out of use");
      arena->stashed += kStashedSlots;  // never handed out, never reset under
      return filled;
    }
  } else {
    Status opened = gate.open(*arena, *offset, run, true);
    if (!opened) {
      arena->free_list.give_back(*offset, static_cast<std::uint32_t>(run));
      return opened;
    }
    ScopeCloser scope(gate, *arena, *offset, run, true);
    filled = fill_stash_run(at, size, slot, kStashedSlots);
    if (!filled) secure_wipe(at, run);
    Status sealed = scope.close();
    if (filled && !sealed) {
      secure_wipe(at, run);  // still open: the seal failed
      filled = sealed;
    }
  }
  if (!filled) {
    arena->free_list.give_back(*offset, static_cast<std::uint32_t>(run));
    return filled;
  }
  std::vector<Stash::Slot>& slots = stash_->by_size[size];
  // Address order, so that what is left of a run stays one run (drop_stash
  // wipes it with one call); taken from the back.
  for (std::size_t i = 0; i < kStashedSlots; ++i) {
    slots.push_back(Stash::Slot{arena, static_cast<std::uint32_t>(*offset + i * slot)});
  }
  arena->stashed += kStashedSlots;
  return Status();
}

// Wipes every stashed slot and gives it back to its arena's runs. A slot that
// cannot be wiped (a forked child where the arena is not mapped) leaves the
// stash but stays counted in its arena, so it is never handed out or reset.
void Pool::drop_stash() {
  const ArenaGate gate = this->gate();
  for (std::size_t size = 1; size <= kMaxStashedSecretSize; ++size) {
    std::vector<Stash::Slot>& slots = stash_->by_size[size];
    const std::size_t slot = pool_slot_size(size);
    std::size_t i = 0;
    while (i < slots.size()) {
      Arena* arena = slots[i].arena;
      const std::uint32_t first = slots[i].offset;
      std::size_t n = 1;
      while (i + n < slots.size() && slots[i + n].arena == arena && slots[i + n].offset == first + n * slot) ++n;
      const std::size_t length = n * slot;
      Status wiped;
      if (sealing_ == Sealing::KernelCopy) {
        wiped = gate.wipe(arena->memory.data + first, length);
      } else if (Status opened = gate.open(*arena, first, length, true); opened) {
        secure_wipe(arena->memory.data + first, length);
        wiped = gate.close(*arena, first, length, true);
      } else {
        wiped = opened;
      }
      if (wiped) {
        arena->free_list.give_back(first, static_cast<std::uint32_t>(length));
        arena->stashed -= n;
      } else {
        log_message(LogLevel::Warn, "could not wipe stashed slots; they stay out of use: " + wiped.error().message);
      }
      i += n;
    }
    slots.clear();
  }
  stash_->fork_generation = forks_seen();
}

// Before `arena` is unmapped (its wipe covers the stashed slots).
void Pool::forget_stash_in(const Arena* arena) {
  if (arena->stashed == 0) return;
  for (std::vector<Stash::Slot>& slots : stash_->by_size) {
    slots.erase(std::remove_if(slots.begin(), slots.end(), [arena](const Stash::Slot& s) { return s.arena == arena; }),
                slots.end());
  }
}

Result<std::size_t> Pool::size_of(PoolChunk chunk) const {
  Result<Live> found = live(chunk);
  if (!found) return found.error();
  return static_cast<std::size_t>(found.value().used->size);
}

Result<bool> Pool::arena_locked(PoolChunk chunk) const {
  Result<Live> found = live(chunk);
  if (!found) return found.error();
  return found.value().arena->locked;
}

Result<ChunkInfo> Pool::inspect(PoolChunk chunk) {
  Result<Live> found = live(chunk);
  if (!found) return found.error();
  const Live& c = found.value();
  const Arena& arena = *c.arena;
  const Arena::Used used = *c.used;
  ChunkInfo info;
  info.size = used.size;
  info.slot = used.slot;
  info.arena_bytes = arena.memory.data_size;
  info.locked = arena.locked;
  info.written = used.written;
  info.facts = query_range(arena.memory.data, arena.memory.data_size);
  info.guard_pages = arena.memory.guard_pages_before > 0 && arena.memory.guard_pages_after > 0;
  info.canary_intact = true;
  // The seal as found, before the canary check's own scope opens and closes
  // the chunk (which would re-seal pages, or close this thread's key, that
  // something else had opened).
  const std::size_t chunk_page = page_size();
  const std::size_t first = c.offset / chunk_page * chunk_page;
  const std::size_t last = (c.offset + used.slot - 1) / chunk_page * chunk_page + chunk_page;
  info.sealed_verified = PageGate(sealing_, pkey_, *pages_).sealed_verified(arena.memory.data + first, last - first);
  const ArenaGate gate = this->gate();
  if (used.written) {
    Status opened = gate.open(*c.arena, c.offset, used.slot, false);
    if (!opened) return opened.error();
    Result<bool> intact = gate.canary_intact(c.bytes + used.size);
    Status sealed = gate.close(*c.arena, c.offset, used.slot, false);
    if (!intact) return intact.error();
    if (!sealed) return sealed.error();
    info.canary_intact = intact.value();
  }
  info.sealed = gate.sealed(arena, c.offset, used.slot);
  const std::size_t page = page_size();
  const GuardedAllocation& m = arena.memory;
  const Fact front = m.guard_pages_before > 0 ? query_no_access(m.base, page) : Fact::No;
  const Fact back = m.guard_pages_after > 0 ? query_no_access(m.data + m.data_size, page) : Fact::No;
  info.guard_pages_verified = (front == Fact::No || back == Fact::No)     ? Fact::No
                              : (front == Fact::Yes && back == Fact::Yes) ? Fact::Yes
                                                                          : Fact::Unknown;
  return info;
}

PoolStats Pool::stats(bool read_back) const {
  PoolStats stats;
  std::size_t verified = 0, verified_chunks = 0;
  bool known = true;
  for (Arena* arena : arenas_->order) {
    // What an empty arena offers is one run: coalesce its cached slots now.
    if (arena->used.empty()) uncache_slots(*arena);
    stats.used += arena->used_bytes;
    stats.chunks_stashed += arena->stashed;
    stats.total += arena->memory.data_size;
    stats.chunks_used += arena->used.size();
    stats.chunks_free += arena->free_list.run_count() + arena->cached_slots;
    if (arena->locked) stats.lock_calls_succeeded += arena->memory.data_size;
    if (read_back) {
      Fact locked = query_range(arena->memory.data, arena->memory.data_size).locked;
      if (locked == Fact::Unknown) known = false;
      if (locked == Fact::Yes) {
        verified += arena->memory.data_size;
        verified_chunks += arena->used.size();
      }
    }
  }
  stats.free = stats.total - stats.used;
  stats.arenas = arenas_->order.size();
  if (read_back && known) {
    stats.locked = verified;
    stats.chunks_locked = verified_chunks;
  }
  return stats;
}

std::size_t Pool::trim() {
  drop_stash();
  std::vector<Arena*> empty;
  for (Arena* arena : arenas_->order) {
    if (arena->used.empty() && arena->stashed == 0) empty.push_back(arena);
  }
  for (Arena* arena : empty) release_arena(arena);
  return empty.size();
}

Result<unsigned char*> Pool::address_of(PoolChunk chunk) const {
  Result<Live> found = live(chunk);
  if (!found) return found.error();
  return found.value().bytes;
}

Result<GuardedAllocation> Pool::arena_of(PoolChunk chunk) const {
  Result<Live> found = live(chunk);
  if (!found) return found.error();
  return found.value().arena->memory;
}

}  // namespace strongroom
