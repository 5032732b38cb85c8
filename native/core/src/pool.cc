// The pool: arenas of locked, guarded, sealed pages carved into 8-byte
// aligned chunks, each followed by a canary. See pool.h for the contract.
//
// Allocation is best fit over address-ordered free runs with coalescing (as
// Bitcoin Core's Arena), with the bookkeeping on the ordinary heap. Map nodes
// are moved with extract()/insert() so a steady allocate/free cycle does not
// call malloc for the free lists.
#include "strongroom/pool.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "os.h"
#include "pool_os.h"
#include "scratch.h"
#include "strongroom/hardening.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

// Arena offsets are 32-bit; arenas stay far below that.
constexpr std::size_t kMaxArenaBytes = std::size_t{1} << 30;
// Chunk ids cross into JavaScript as doubles: arena id (20 bits) << 32 | offset.
constexpr std::uint32_t kMaxArenaId = (1u << 20) - 1;

// One random canary per process, as for regions (see protected_region.cc);
// a different one, so a region's canary says nothing about a pool's.
const unsigned char* pool_canary() {
  static unsigned char canary[kPoolCanarySize];
  static std::once_flag once;
  std::call_once(once, [] {
    if (!fill_random(canary, sizeof canary)) {
      log_message(LogLevel::Warn, "no CSPRNG for the pool canary; using a fixed pattern");
      std::memcpy(canary, "~POOLCN~", kPoolCanarySize);
    }
  });
  return canary;
}

PoolChunk make_chunk(std::uint32_t arena_id, std::uint32_t offset) {
  return PoolChunk{(static_cast<std::uint64_t>(arena_id) << 32) | offset};
}
std::uint32_t arena_id_of(PoolChunk chunk) { return static_cast<std::uint32_t>(chunk.id >> 32); }
std::uint32_t offset_of(PoolChunk chunk) { return static_cast<std::uint32_t>(chunk.id & 0xffffffffu); }

int rank(Protection protection) {
  switch (protection) {
    case Protection::ReadWrite: return 2;
    case Protection::ReadOnly: return 1;
    default: return 0;
  }
}

Error not_live() {
  return make_error(ErrorCode::InvalidArgument,
                    "not a live chunk of this pool (freed, from another pool, or forged)");
}

}  // namespace

std::size_t pool_slot_size(std::size_t size) {
  if (size == 0 || size > static_cast<std::size_t>(-1) - 2 * kPoolCanarySize) return 0;
  return align_up(size + kPoolCanarySize, kPoolAlignment);
}

const char* backing_name(Backing backing) {
  return backing == Backing::SecretMem ? "secretmem" : "anonymous";
}

struct Pool::Arena {
  struct Used {
    std::uint32_t size;
    std::uint32_t slot;
    bool written;  // a canary is in place after the secret
  };

  std::uint32_t id = 0;
  GuardedAllocation memory;
  bool locked = false;
  bool dump_excluded = false;
  bool fork_excluded = false;
  bool kernel_locked = false;  // secretmem: locked by the kernel, never munlock'ed
  bool oversize = false;  // made for one secret larger than an arena
  // Free runs by offset (for coalescing) and by (length, offset) (best fit).
  std::map<std::uint32_t, std::uint32_t> free_by_offset;
  std::set<std::pair<std::uint32_t, std::uint32_t>> free_by_size;
  std::unordered_map<std::uint32_t, Used> used;
  std::size_t used_bytes = 0;
  // Open scopes per page, and (mprotect sealing) each page's protection.
  // Only the pages under a chunk open for its scope: the rest of the arena
  // stays sealed, and a write scope never makes the kernel re-populate the
  // whole locked arena (mprotect adding write to a locked mapping does).
  std::vector<std::uint16_t> page_readers;
  std::vector<std::uint16_t> page_writers;
  std::vector<Protection> page_protection;

  std::size_t largest_free() const {
    return free_by_size.empty() ? 0 : free_by_size.rbegin()->first;
  }

  // Takes `slot` bytes from the smallest run that fits. Caller checked fit.
  std::uint32_t carve(std::uint32_t slot) {
    auto fit = free_by_size.lower_bound({slot, 0});
    const std::uint32_t length = fit->first;
    const std::uint32_t offset = fit->second;
    auto size_node = free_by_size.extract(fit);
    auto offset_node = free_by_offset.extract(offset);
    if (length > slot) {
      size_node.value() = {length - slot, offset + slot};
      free_by_size.insert(std::move(size_node));
      offset_node.key() = offset + slot;
      offset_node.mapped() = length - slot;
      free_by_offset.insert(std::move(offset_node));
    }
    return offset;
  }

  // Returns [offset, offset + length) to the free runs, merged with neighbours.
  void give_back(std::uint32_t offset, std::uint32_t length) {
    auto next = free_by_offset.lower_bound(offset);
    if (next != free_by_offset.end() && offset + length == next->first) {
      free_by_size.erase({next->second, next->first});
      length += next->second;
      next = free_by_offset.erase(next);
    }
    if (next != free_by_offset.begin()) {
      auto prev = std::prev(next);
      if (prev->first + prev->second == offset) {
        free_by_size.erase({prev->second, prev->first});
        prev->second += length;
        free_by_size.insert({prev->second, prev->first});
        return;
      }
    }
    free_by_offset.emplace_hint(next, offset, length);
    free_by_size.insert({length, offset});
  }
};

struct Pool::Arenas {
  std::vector<Arena*> order;  // creation order: allocation fills older arenas first
  std::unordered_map<std::uint32_t, std::unique_ptr<Arena>> by_id;
  std::uint32_t next_id = 1;
  std::size_t created = 0;
  Arena* hint = nullptr;
};

namespace {

// Opening and closing the pages under a range of an arena, by sealing method.
struct ArenaGate {
  Sealing sealing;
  int key;

  static std::size_t first_page(std::size_t offset) { return offset / page_size(); }
  static std::size_t last_page(std::size_t offset, std::size_t length) {
    return (offset + length - 1) / page_size();
  }

  static Protection wanted(const Pool::Arena& arena, std::size_t page) {
    if (arena.page_writers[page] > 0) return Protection::ReadWrite;
    if (arena.page_readers[page] > 0) {
      // Windows rests read-only already; never lower a page below its rest.
      return rank(os::at_rest_protection()) > rank(Protection::ReadOnly) ? os::at_rest_protection()
                                                                          : Protection::ReadOnly;
    }
    return os::at_rest_protection();
  }

  // Brings pages [first, last] to what their counts want, one mprotect per
  // run of pages with the same target. Stops at the first failure; pages
  // keep their recorded protection, so sealed() stays honest.
  static Status apply(Pool::Arena& arena, std::size_t first, std::size_t last) {
    const std::size_t page = page_size();
    std::size_t p = first;
    while (p <= last) {
      const Protection target = wanted(arena, p);
      if (arena.page_protection[p] == target) {
        ++p;
        continue;
      }
      std::size_t end = p + 1;
      while (end <= last && wanted(arena, end) == target && arena.page_protection[end] != target) ++end;
      Status changed = platform_memory::protect(arena.memory.data + p * page, (end - p) * page, target);
      if (!changed) return changed;
      for (std::size_t q = p; q < end; ++q) arena.page_protection[q] = target;
      p = end;
    }
    return Status();
  }

  static void count(Pool::Arena& arena, std::size_t first, std::size_t last, bool write, int delta) {
    auto& counts = write ? arena.page_writers : arena.page_readers;
    for (std::size_t p = first; p <= last; ++p) {
      counts[p] = static_cast<std::uint16_t>(counts[p] + delta);
    }
  }

  Status open(Pool::Arena& arena, std::size_t offset, std::size_t length, bool write) const {
    if (sealing == Sealing::KernelCopy) return Status();  // pages never open
    const std::size_t first = first_page(offset), last = last_page(offset, length);
    auto& counts = write ? arena.page_writers : arena.page_readers;
    for (std::size_t p = first; p <= last; ++p) {
      if (counts[p] == UINT16_MAX) return make_error(ErrorCode::InvalidArgument, "too many nested scopes");
    }
    count(arena, first, last, write, +1);
    if (sealing == Sealing::Pkey) {
      os::key_scope_enter(key, write);
      return Status();
    }
    Status opened = apply(arena, first, last);
    if (!opened) {
      count(arena, first, last, write, -1);
      Status restored = apply(arena, first, last);
      if (!restored) log_message(LogLevel::Error, "could not re-seal pages after a failed open");
    }
    return opened;
  }

  Status close(Pool::Arena& arena, std::size_t offset, std::size_t length, bool write) const {
    if (sealing == Sealing::KernelCopy) return Status();
    const std::size_t first = first_page(offset), last = last_page(offset, length);
    count(arena, first, last, write, -1);
    if (sealing == Sealing::Pkey) {
      os::key_scope_leave(key, write);
      return Status();
    }
    return apply(arena, first, last);
  }

  bool sealed(const Pool::Arena& arena, std::size_t offset, std::size_t length) const {
    if (sealing == Sealing::Pkey) return !os::key_scope_open(key);
    if (sealing != Sealing::Mprotect && sealing != Sealing::KernelCopy) return false;
    for (std::size_t p = first_page(offset); p <= last_page(offset, length); ++p) {
      if (arena.page_protection[p] != Protection::NoAccess) return false;
    }
    return true;
  }
};

// Closes a scope when it ends, including when the callback throws.
class ScopeCloser {
 public:
  ScopeCloser(const ArenaGate& gate, Pool::Arena& arena, std::size_t offset, std::size_t length,
              bool write)
      : gate_(gate), arena_(arena), offset_(offset), length_(length), write_(write) {}
  ~ScopeCloser() {
    if (closed_) return;
    Status sealed = close();
    if (!sealed) {
      log_message(LogLevel::Error, "could not re-seal an arena after a failed scope: " +
                                       sealed.error().message);
    }
  }
  ScopeCloser(const ScopeCloser&) = delete;
  ScopeCloser& operator=(const ScopeCloser&) = delete;
  Status close() {
    if (closed_) return Status();
    closed_ = true;
    return gate_.close(arena_, offset_, length_, write_);
  }

 private:
  const ArenaGate& gate_;
  Pool::Arena& arena_;
  std::size_t offset_;
  std::size_t length_;
  bool write_;
  bool closed_ = false;
};

struct Mapped {
  GuardedAllocation memory;
  bool locked = false;
  bool kernel_locked = false;  // secretmem: no munlock
  Error lock_error;
};

// Maps an arena of `bytes` data bytes and tries to lock it. Nothing secret
// has touched the pages yet, so a failure path only unlocks and unmaps.
Result<Mapped> map_arena(std::size_t bytes, Backing backing) {
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
  } else {
    Result<GuardedAllocation> anonymous =
        platform_memory::allocate_guarded(bytes, 1, 1, Protection::ReadWrite);
    if (!anonymous) return anonymous.error();
    mapped.memory = anonymous.value();
  }
  Status locked = platform_memory::lock(mapped.memory.data, mapped.memory.data_size);
  mapped.locked = locked.ok();
  if (!locked) mapped.lock_error = locked.error();
  return mapped;
}

void unmap_arena(const Mapped& mapped) {
  if (mapped.memory.base == nullptr) return;
  if (mapped.locked && !mapped.kernel_locked) {
    (void)platform_memory::unlock(mapped.memory.data, mapped.memory.data_size);
  }
  (void)platform_memory::free_guarded(mapped.memory);
}

}  // namespace

Pool::Pool(const PoolOptions& options) : options_(options), arenas_(new Arenas()) {}

Result<std::unique_ptr<Pool>> Pool::create(const PoolOptions& options) {
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
  (void)pool_canary();
  std::unique_ptr<Pool> pool(new Pool(options));

  if (options.backing == Backing::SecretMem) {
    Result<bool> available = memfd_secret_available();
    if (available && available.value()) {
      pool->backing_ = Backing::SecretMem;
    } else {
      pool->backing_ = Backing::Anonymous;
      pool->backing_reason_ = available ? "the kernel refuses memfd_secret (too old, disabled, or blocked)"
                                        : available.error().message;
      log_message(LogLevel::Warn, "secretmem backing unavailable, using anonymous memory: " +
                                      pool->backing_reason_);
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

Pool::Arena* Pool::find(PoolChunk chunk) const {
  auto it = arenas_->by_id.find(arena_id_of(chunk));
  return it == arenas_->by_id.end() ? nullptr : it->second.get();
}

Result<Pool::Arena*> Pool::new_arena(std::size_t slot) {
  const std::size_t page = page_size();
  const std::size_t needed = align_up(slot, page);
  const std::size_t standard = align_up(std::min(options_.arena_size, kMaxArenaBytes), page);
  std::size_t bytes = std::max(standard, needed);

  std::optional<std::uint64_t> limit;
  if (Result<LockBudget> budget = lock_budget()) limit = budget.value().limit;
  // The first arena fits the budget, so that at least one arena locks.
  if (arenas_->created == 0 && limit && *limit / page * page >= needed) {
    bytes = std::min<std::size_t>(bytes, static_cast<std::size_t>(*limit / page * page));
  }

  Result<Mapped> mapped = map_arena(bytes, backing_);
  if (mapped && !mapped.value().locked && limit) {
    // Over the budget: retry once with what is left of it.
    std::optional<std::uint64_t> in_use = process_locked_bytes();
    if (in_use && *in_use < *limit) {
      const std::size_t left = static_cast<std::size_t>((*limit - *in_use) / page * page);
      if (left >= needed && left < bytes) {
        unmap_arena(mapped.value());
        bytes = left;
        mapped = map_arena(bytes, backing_);
      }
    }
  }
  if (!mapped && mapped.error().code == ErrorCode::Unsupported && backing_ == Backing::SecretMem) {
    // The probe passed but the mapping did not (seccomp, a container): fall back, and say so.
    backing_ = Backing::Anonymous;
    backing_reason_ = mapped.error().message;
    log_message(LogLevel::Warn, "secretmem backing failed, using anonymous memory: " + backing_reason_);
    mapped = map_arena(bytes, backing_);
  }
  if (!mapped) return mapped.error();
  Mapped arena_memory = mapped.value();

  if (!arena_memory.locked) {
    if (options_.lock_policy == LockPolicy::Require || arena_memory.memory.base == nullptr) {
      unmap_arena(arena_memory);  // fail closed
      Error error = arena_memory.lock_error;
      error.code = ErrorCode::LockFailed;
      return error;
    }
    log_message(LogLevel::Warn, "pool arena not locked, its secrets may be swapped out: " +
                                    arena_memory.lock_error.message);
  }

  auto arena = std::make_unique<Arena>();
  arena->memory = arena_memory.memory;
  arena->locked = arena_memory.locked;
  arena->kernel_locked = arena_memory.kernel_locked;
  arena->oversize = bytes > standard;
  arena->dump_excluded = os::exclude_from_crash_dumps(arena->memory.data, arena->memory.data_size);
  arena->fork_excluded = os::exclude_from_fork(arena->memory.data, arena->memory.data_size);

  Status sealed = sealing_ == Sealing::Pkey
                      ? os::protect_with_key(arena->memory.data, arena->memory.data_size, pkey_)
                      : platform_memory::protect(arena->memory.data, arena->memory.data_size,
                                                 os::at_rest_protection());
  if (!sealed) {
    if (arena->dump_excluded) os::forget_crash_dump_exclusion(arena->memory.data);
    unmap_arena(arena_memory);
    return sealed.error();
  }
  if (sealing_ == Sealing::KernelCopy) os::kernel_copy_register(arena->memory.data, arena->memory.data_size);
  const std::size_t pages = arena->memory.data_size / page;
  arena->page_readers.assign(pages, 0);
  arena->page_writers.assign(pages, 0);
  // With a key the page tables stay read-write: PKRU seals.
  arena->page_protection.assign(pages, sealing_ == Sealing::Pkey ? Protection::ReadWrite
                                                                 : os::at_rest_protection());

  // Ids cross into JavaScript in 20 bits; skip ids still in use after a wrap.
  while (arenas_->by_id.count(arenas_->next_id) != 0 || arenas_->next_id == 0) {
    arenas_->next_id = arenas_->next_id >= kMaxArenaId ? 1 : arenas_->next_id + 1;
  }
  arena->id = arenas_->next_id;
  arenas_->next_id = arenas_->next_id >= kMaxArenaId ? 1 : arenas_->next_id + 1;
  const auto data_bytes = static_cast<std::uint32_t>(arena->memory.data_size);
  arena->free_by_offset.emplace(0u, data_bytes);
  arena->free_by_size.insert({data_bytes, 0u});

  Arena* raw = arena.get();
  arenas_->by_id.emplace(raw->id, std::move(arena));
  arenas_->order.push_back(raw);
  ++arenas_->created;
  return raw;
}

void Pool::release_arena(Arena* arena) {
  // Wipe everything before the pages can leave RAM. Free space is already
  // zero; a leftover secret (pool destroyed with live chunks) is not.
  ArenaGate gate{sealing_, pkey_};
  if (sealing_ == Sealing::KernelCopy) {
    Status wiped = os::kernel_copy_zero(arena->memory.data, arena->memory.data_size);
    if (!wiped) {
      log_message(LogLevel::Error, "could not wipe an arena through the kernel; unmapping unwiped: " +
                                       wiped.error().message);
    }
    os::kernel_copy_unregister(arena->memory.data);
  } else if (Status opened = gate.open(*arena, 0, arena->memory.data_size, true); opened) {
    secure_wipe(arena->memory.data, arena->memory.data_size);
    (void)gate.close(*arena, 0, arena->memory.data_size, true);
  } else {
    log_message(LogLevel::Error, "could not open an arena to wipe it; unmapping unwiped: " +
                                     opened.error().message);
  }
  if (arena->locked && !arena->kernel_locked) {
    (void)platform_memory::unlock(arena->memory.data, arena->memory.data_size);
  }
  if (arena->dump_excluded) os::forget_crash_dump_exclusion(arena->memory.data);
  Status freed = platform_memory::free_guarded(arena->memory);
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
      if (other != arena && other->used.empty() && !other->oversize) spare_exists = true;
    }
    if (!spare_exists) return;
  }
  release_arena(arena);
}

Result<PoolChunk> Pool::allocate(std::size_t size) {
  if (size == 0 || size > options_.max_size) {
    return make_error(ErrorCode::InvalidSize, "secret size must be 1.." +
                                                  std::to_string(options_.max_size) +
                                                  " bytes, got " + std::to_string(size));
  }
  const std::size_t slot = pool_slot_size(size);
  Arena* arena = arenas_->hint;
  if (arena == nullptr || arena->largest_free() < slot) {
    arena = nullptr;
    for (Arena* candidate : arenas_->order) {
      if (candidate->largest_free() >= slot) {
        arena = candidate;
        break;
      }
    }
  }
  if (arena == nullptr) {
    Result<Arena*> made = new_arena(slot);
    if (!made) return made.error();
    arena = made.value();
  }
  const auto slot32 = static_cast<std::uint32_t>(slot);
  const std::uint32_t offset = arena->carve(slot32);
  arena->used.emplace(offset, Arena::Used{static_cast<std::uint32_t>(size), slot32, false});
  arena->used_bytes += slot;
  arenas_->hint = arena;
  return make_chunk(arena->id, offset);
}

Status Pool::free(PoolChunk chunk) {
  Arena* arena = find(chunk);
  if (arena == nullptr) return not_live();
  auto it = arena->used.find(offset_of(chunk));
  if (it == arena->used.end()) return not_live();
  const Arena::Used used = it->second;
  unsigned char* bytes = arena->memory.data + offset_of(chunk);

  Status result;
  if (used.written && sealing_ == Sealing::KernelCopy) {
    unsigned char canary[kPoolCanarySize];
    Status read = os::kernel_copy_read(bytes + used.size, canary, kPoolCanarySize);
    if (!read) return read;  // fail closed, as below
    if (std::memcmp(canary, pool_canary(), kPoolCanarySize) != 0) {
      result = make_error(ErrorCode::CanaryCorrupted,
                          "the canary after a pooled secret was overwritten: possible buffer overflow");
    }
    Status wiped = os::kernel_copy_zero(bytes, used.slot);
    if (!wiped) return wiped;
  } else if (used.written) {
    ArenaGate gate{sealing_, pkey_};
    Status opened = gate.open(*arena, offset_of(chunk), used.slot, true);
    // Fail closed: a slot that cannot be wiped is never handed out again.
    if (!opened) return opened;
    if (std::memcmp(bytes + used.size, pool_canary(), kPoolCanarySize) != 0) {
      result = make_error(ErrorCode::CanaryCorrupted,
                          "the canary after a pooled secret was overwritten: possible buffer overflow");
    }
    secure_wipe(bytes, used.slot);
    Status sealed = gate.close(*arena, offset_of(chunk), used.slot, true);
    if (result && !sealed) result = sealed;
  }
  // Never written: the slot still holds the zeros it was handed out with.
  arena->used.erase(it);
  arena->used_bytes -= used.slot;
  arena->give_back(offset_of(chunk), used.slot);
  if (arena->used.empty()) arena_became_empty(arena);
  return result;
}

Status Pool::access(PoolChunk chunk, bool write, Callback fn, void* context) {
  Arena* arena = find(chunk);
  if (arena == nullptr) return not_live();
  auto it = arena->used.find(offset_of(chunk));
  if (it == arena->used.end()) return not_live();
  Arena::Used& used = it->second;
  unsigned char* bytes = arena->memory.data + offset_of(chunk);
  if (sealing_ == Sealing::KernelCopy) {
    return access_by_copy(bytes, used.size, used.slot, used.written, write, fn, context);
  }

  ArenaGate gate{sealing_, pkey_};
  Status opened = gate.open(*arena, offset_of(chunk), used.slot, write);
  if (!opened) return opened;
  ScopeCloser scope(gate, *arena, offset_of(chunk), used.slot, write);
  if (used.written) {
    if (std::memcmp(bytes + used.size, pool_canary(), kPoolCanarySize) != 0) {
      Status sealed = scope.close();
      if (!sealed) return sealed;
      return make_error(ErrorCode::CanaryCorrupted,
                        "the canary after a pooled secret was overwritten: possible buffer overflow");
    }
  } else if (write) {
    std::memcpy(bytes + used.size, pool_canary(), kPoolCanarySize);
    used.written = true;
  }
  const std::size_t size = used.size;
  fn(bytes, size, context);
  return scope.close();
}

// Kernel copy: the chunk's pages stay no-access; the callback gets a copy in
// this thread's locked scratch buffer, written back by the kernel after a
// write scope and wiped when the scope ends, also when fn throws.
Status Pool::access_by_copy(unsigned char* bytes, std::size_t size, std::size_t slot, bool& written,
                            bool write, Callback fn, void* context) {
  Result<ScratchLease> leased = ScratchLease::acquire(slot, options_.lock_policy);
  if (!leased) return leased.error();
  ScratchLease lease = std::move(leased.value());
  unsigned char* copy = lease.bytes();
  const std::size_t copied = size + kPoolCanarySize;
  if (written) {
    Status read = os::kernel_copy_read(bytes, copy, copied);
    if (!read) return read;
    if (std::memcmp(copy + size, pool_canary(), kPoolCanarySize) != 0) {
      return make_error(ErrorCode::CanaryCorrupted,
                        "the canary after a pooled secret was overwritten: possible buffer overflow");
    }
  } else {
    std::memset(copy, 0, size);
    std::memcpy(copy + size, pool_canary(), kPoolCanarySize);
  }
  fn(copy, size, context);
  if (!write) return Status();
  // The canary goes back too (a first write places it): an overflow by the
  // callback corrupts it, as it would in place, and the next access reports it.
  Status stored = os::kernel_copy_write(bytes, copy, copied);
  if (!stored) return stored;
  written = true;
  return Status();
}

Status Pool::fill_random(PoolChunk chunk) {
  Status filled;
  Status scoped = with_write(chunk, [&filled](std::uint8_t* bytes, std::size_t size) {
    filled = strongroom::fill_random(bytes, size);
  });
  if (!scoped) return scoped;
  return filled;
}

Result<std::size_t> Pool::size_of(PoolChunk chunk) const {
  Arena* arena = find(chunk);
  if (arena == nullptr) return not_live();
  auto it = arena->used.find(offset_of(chunk));
  if (it == arena->used.end()) return not_live();
  return static_cast<std::size_t>(it->second.size);
}

Result<bool> Pool::arena_locked(PoolChunk chunk) const {
  Arena* arena = find(chunk);
  if (arena == nullptr || arena->used.count(offset_of(chunk)) == 0) return not_live();
  return arena->locked;
}

Result<ChunkInfo> Pool::info(PoolChunk chunk) {
  Arena* arena = find(chunk);
  if (arena == nullptr) return not_live();
  auto it = arena->used.find(offset_of(chunk));
  if (it == arena->used.end()) return not_live();
  const Arena::Used used = it->second;
  ChunkInfo info;
  info.size = used.size;
  info.slot = used.slot;
  info.arena_bytes = arena->memory.data_size;
  info.locked = arena->locked;
  info.written = used.written;
  info.facts = query_range(arena->memory.data, arena->memory.data_size);
  info.guard_pages = arena->memory.guard_pages_before > 0 && arena->memory.guard_pages_after > 0;
  info.canary_intact = true;
  if (used.written && sealing_ == Sealing::KernelCopy) {
    unsigned char canary[kPoolCanarySize];
    Status read = os::kernel_copy_read(arena->memory.data + offset_of(chunk) + used.size, canary,
                                       kPoolCanarySize);
    if (!read) return read.error();
    info.canary_intact = std::memcmp(canary, pool_canary(), kPoolCanarySize) == 0;
  } else if (used.written) {
    ArenaGate gate{sealing_, pkey_};
    Status opened = gate.open(*arena, offset_of(chunk), used.slot, false);
    if (!opened) return opened.error();
    info.canary_intact = std::memcmp(arena->memory.data + offset_of(chunk) + used.size,
                                     pool_canary(), kPoolCanarySize) == 0;
    Status sealed = gate.close(*arena, offset_of(chunk), used.slot, false);
    if (!sealed) return sealed.error();
  }
  info.sealed = ArenaGate{sealing_, pkey_}.sealed(*arena, offset_of(chunk), used.slot);
  const std::size_t page = page_size();
  const GuardedAllocation& m = arena->memory;
  const Fact front = m.guard_pages_before > 0 ? query_no_access(m.base, page) : Fact::No;
  const Fact back = m.guard_pages_after > 0 ? query_no_access(m.data + m.data_size, page) : Fact::No;
  info.guard_pages_verified = (front == Fact::No || back == Fact::No)     ? Fact::No
                              : (front == Fact::Yes && back == Fact::Yes) ? Fact::Yes
                                                                          : Fact::Unknown;
  if (sealing_ == Sealing::Pkey) {
    info.sealed_verified = os::key_access_disabled(pkey_) ? Fact::Yes : Fact::No;
  } else {
    const std::size_t first = offset_of(chunk) / page * page;
    const std::size_t last = (offset_of(chunk) + used.slot - 1) / page * page + page;
    info.sealed_verified = query_no_access(m.data + first, last - first);
  }
  return info;
}

PoolStats Pool::stats(bool read_back) const {
  PoolStats stats;
  std::size_t verified = 0, verified_chunks = 0;
  bool known = true;
  for (const Arena* arena : arenas_->order) {
    stats.used += arena->used_bytes;
    stats.total += arena->memory.data_size;
    stats.chunks_used += arena->used.size();
    stats.chunks_free += arena->free_by_offset.size();
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
  std::vector<Arena*> empty;
  for (Arena* arena : arenas_->order) {
    if (arena->used.empty()) empty.push_back(arena);
  }
  for (Arena* arena : empty) release_arena(arena);
  return empty.size();
}

Result<unsigned char*> Pool::address_of(PoolChunk chunk) const {
  Arena* arena = find(chunk);
  if (arena == nullptr || arena->used.count(offset_of(chunk)) == 0) return not_live();
  return arena->memory.data + offset_of(chunk);
}

Result<GuardedAllocation> Pool::arena_of(PoolChunk chunk) const {
  Arena* arena = find(chunk);
  if (arena == nullptr || arena->used.count(offset_of(chunk)) == 0) return not_live();
  return arena->memory;
}

}  // namespace strongroom
