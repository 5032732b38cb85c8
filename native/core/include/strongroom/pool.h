// Pooled storage for many small secrets.
//
// One guarded, locked region per secret costs a locked page and several
// kernel mappings each: the lock budget (8 MiB on Linux, ~39 pages on
// Windows) and vm.max_map_count run out after a few thousand secrets. A pool
// packs secrets into arenas of locked pages:
//
//   [guard page][arena data: chunk|canary ... chunk|canary ... free][guard page]
//
// - Each arena is one mapping with a no-access guard page before and after,
//   locked, excluded from core dumps and from forked children. Guards sit at
//   the arena's ends, not around each secret: a linear overflow inside an
//   arena reaches the neighbouring chunk, and is caught by the canary.
// - The first arena is capped to the lock budget so that at least one arena
//   locks (Bitcoin Core PR #8753). A later arena that does not fit the budget
//   is retried once at the size that remains.
// - Chunks are 8-byte aligned; an 8-byte per-process random canary follows
//   the secret's last byte. A 32-byte secret takes 40 locked bytes.
// - Bookkeeping (free lists, chunk records) lives on the ordinary heap, never
//   in the locked pages: locked memory holds secrets and canaries only.
//   A freed slot of up to 512 bytes is kept on a list of its exact size and
//   handed to the next secret of that slot size: allocate and free are O(1)
//   (a pop, a push, one probe of the arena's chunk table). Larger slots, and
//   the small ones when an arena empties or no arena can carve a request, go
//   back to address-ordered runs, best fit with coalescing. An arena that
//   empties keeps its cached slots (a steady generate/destroy of one secret
//   pops and pushes the same slot) until stats(), trim() or a request that
//   no run can hold coalesces them.
// - allocate() and free() of a chunk that was never written make no system
//   call. The canary is placed by the first write into the chunk (generate /
//   import always write); from then on it is checked on every access and on
//   free, and free wipes the whole slot.
// - An arena is sealed whenever none of its chunks is inside a read/write
//   scope: with a memory protection key where the CPU and kernel have them
//   (pkey_set on the calling thread only: other threads stay locked out while
//   one thread reads); else, on Linux, by kernel copy: the pages are never
//   opened, a scope's bytes are copied through /proc/self/mem into a locked
//   scratch buffer of the calling thread and back (sealing.h); else mprotect
//   / VirtualProtect on the arena's pages.
//   With mprotect only the pages under the chunk open for the scope (the
//   rest of the arena stays no-access), which also keeps a write scope from
//   making the kernel re-populate the whole locked arena. A protection key
//   opens every pooled page, for the calling thread only.
//   Windows rests arenas read-only (no-access would unlock them: see
//   os::at_rest_protection), so sealing() is None there.
// - A pool keeps at most one empty arena for reuse; more are wiped, unlocked
//   and unmapped at once, and trim() gives back the last one.
// - Arena pages come from a LockedPageAllocator (the OS one unless the pool
//   is given another), so the bookkeeping can be tested against a fake.
// - Optional memfd_secret(2) backing on Linux: arena pages are removed from
//   the kernel's direct map. A pool that asked for it and could not get it
//   falls back to anonymous memory and says why.
//
// A Pool is not thread-safe: use one per thread, or lock around it. Sealing
// with a protection key is per thread by construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "strongroom/error.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/protected_region.h"
#include "strongroom/sealing.h"
#include "strongroom/readback.h"

namespace strongroom {

class ArenaGate;      // internal: opens and seals arena pages
struct PoolArena;     // internal: an arena's record (src/arena.h)
class RandomReserve;  // strongroom/random_reserve.h

constexpr std::size_t kPoolAlignment = 8;
constexpr std::size_t kPoolCanarySize = 8;
constexpr std::size_t kDefaultArenaSize = 256 * 1024;
// generate()'s stash: secret sizes it serves, and slots per refill.
constexpr std::size_t kMaxStashedSecretSize = 64;
constexpr std::size_t kStashedSlots = 32;

// The slot a secret of `size` bytes takes in an arena: the secret, its
// canary, rounded up to the alignment. 0 when size is 0 or overflows.
std::size_t pool_slot_size(std::size_t size);

enum class Backing : std::uint8_t {
  Anonymous,  // private anonymous pages
  SecretMem,  // Linux memfd_secret(2): out of the kernel's direct map
};
const char* backing_name(Backing backing);

struct PoolOptions {
  // Data bytes per arena (rounded up to whole pages). A secret too large for
  // one arena gets an arena of its own.
  std::size_t arena_size = kDefaultArenaSize;
  std::size_t max_size = kDefaultMaxSecretSize;
  LockPolicy lock_policy = LockPolicy::Require;
  SealingPreference sealing = SealingPreference::Auto;
  Backing backing = Backing::Anonymous;
};

// A chunk's name: the arena's id and the chunk's offset in it. Never an
// address, so a forged value is refused instead of dereferenced. A stale id is
// refused until its slot is handed out again; after that it names the new
// chunk, so callers must drop an id when they free it (SecretVault does).
struct PoolChunk {
  std::uint64_t id = 0;
};

struct PoolStats {
  std::size_t used = 0;   // bytes in live chunks (secrets, canaries, padding)
  std::size_t free = 0;   // bytes available in the arenas
  std::size_t total = 0;  // data bytes of every arena
  // Bytes of arenas whose lock call succeeded (our own record).
  std::size_t lock_calls_succeeded = 0;
  // Bytes of arenas the OS says are locked (smaps `lo`, QueryWorkingSetEx);
  // nullopt when the OS cannot tell. Only filled by stats(true).
  std::optional<std::size_t> locked;
  // Live chunks in arenas the OS says are locked; nullopt as above.
  std::optional<std::size_t> chunks_locked;
  std::size_t chunks_used = 0;
  std::size_t chunks_free = 0;  // free runs, and freed small slots kept for their size
  // Free slots filled ahead for generate() (not live, not in `used`).
  std::size_t chunks_stashed = 0;
  std::size_t arenas = 0;
};

struct ChunkInfo {
  std::size_t size = 0;
  std::size_t slot = 0;
  std::size_t arena_bytes = 0;  // data bytes of the chunk's arena
  bool locked = false;          // the arena's lock call succeeded
  RangeFacts facts;             // the OS on the arena's data pages
  bool guard_pages = false;     // at the arena's ends (our record)
  bool sealed = false;          // the chunk's pages are closed right now, for this thread (our record)
  // The same two facts from outside our bookkeeping: the guard pages' and
  // the chunk's pages' protection as the OS reports it (query_no_access);
  // under pkey sealing, the calling thread's PKRU rights for the key
  // (pkey_get). Unknown where neither can be asked.
  Fact guard_pages_verified = Fact::Unknown;
  Fact sealed_verified = Fact::Unknown;
  bool canary_intact = false;  // true for a chunk not written yet (no canary to check)
  bool written = false;
};

class Pool {
 public:
  // Errors: InvalidArgument (bad options). Arenas are made on demand, so a
  // refused lock shows up in allocate(), not here.
  static Result<std::unique_ptr<Pool>> create(const PoolOptions& options = {});
  // The same, with arena pages from `pages` instead of the OS allocator
  // (os_locked_page_allocator()); `pages` must outlive the pool. Sealing and
  // memfd_secret backing still come from the OS: give a fake allocator
  // SealingPreference::Mprotect and Backing::Anonymous.
  static Result<std::unique_ptr<Pool>> create(const PoolOptions& options, LockedPageAllocator& pages);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Errors: InvalidSize (0 or above max_size), LockFailed (a new arena could
  // not be locked under LockPolicy::Require), OsError (mmap, mprotect).
  Result<PoolChunk> allocate(std::size_t size);
  // Wipes the slot (after checking the canary) and returns it. The chunk is
  // freed even when its canary is corrupted; CanaryCorrupted still reports it.
  // InvalidArgument for a chunk that is not live (double free, stale, forged).
  Status free(PoolChunk chunk);

  // fn(const uint8_t* bytes, size_t size) inside an open read scope.
  template <typename Fn>
  Status with_read(PoolChunk chunk, Fn&& fn);
  // fn(uint8_t* bytes, size_t size) inside an open write scope.
  template <typename Fn>
  Status with_write(PoolChunk chunk, Fn&& fn);
  // CSPRNG bytes into the chunk: from the pool's random reserve where its
  // pages open without a system call (reserve_pays_off), else one OS call.
  Status fill_random(PoolChunk chunk);
  // allocate(size) filled with CSPRNG bytes: from the stash where there is
  // one for this size (see above), else allocate() and fill_random(). Errors
  // as allocate() and fill_random(); nothing stays allocated on failure.
  Result<PoolChunk> generate(std::size_t size);

  Result<std::size_t> size_of(PoolChunk chunk) const;
  // Whether the lock call for the chunk's arena succeeded (no OS query).
  Result<bool> arena_locked(PoolChunk chunk) const;
  // Asks the OS about the chunk's arena (reads smaps on Linux: slow).
  Result<ChunkInfo> inspect(PoolChunk chunk);
  // read_back: ask the OS which arenas are locked (reads smaps once).
  PoolStats stats(bool read_back = false) const;
  // Wipes the stash, then gives every empty arena back to the OS. Returns
  // how many arenas.
  std::size_t trim();

  Sealing sealing() const { return sealing_; }
  // Why sealing is not a protection key, or "" when it is / was not asked for.
  const std::string& sealing_fallback_reason() const { return sealing_reason_; }
  Backing backing() const { return backing_; }
  // Why the backing is not the one asked for, or "".
  const std::string& backing_fallback_reason() const { return backing_reason_; }
  const PoolOptions& options() const { return options_; }

  // For tests that must prove guards, seals and canaries by touching memory.
  // The chunk's first byte, and its arena's guarded mapping.
  Result<unsigned char*> address_of(PoolChunk chunk) const;
  Result<GuardedAllocation> arena_of(PoolChunk chunk) const;

  using Arena = PoolArena;

 private:
  Pool(const PoolOptions& options, LockedPageAllocator& pages);
  struct Live;
  bool find(PoolChunk chunk, Live* found) const;
  Result<Live> live(PoolChunk chunk) const;
  Status wipe_written(const Live& chunk, bool* wiped);
  void release_slot(Arena* arena, std::uint32_t offset, std::uint32_t slot);
  std::optional<std::uint32_t> take_slot(Arena& arena, std::size_t slot);
  Result<std::uint32_t> place_elsewhere(std::size_t slot, Arena** arena);
  static void uncache_slots(Arena& arena);
  ArenaGate gate() const;
  using Callback = void (*)(std::uint8_t* bytes, std::size_t size, void* context);
  Status access(PoolChunk chunk, bool write, Callback fn, void* context);
  Status access_by_copy(const Live& chunk, bool write, Callback fn, void* context);

  Result<Arena*> new_arena(std::size_t need);
  void release_arena(Arena* arena);
  void arena_became_empty(Arena* arena);

  struct Stash;
  bool stash_serves(std::size_t size) const;
  Status refill_stash(std::size_t size);
  void drop_stash();
  void forget_stash_in(const Arena* arena);

  PoolOptions options_;
  LockedPageAllocator* pages_;
  Sealing sealing_ = Sealing::None;
  int pkey_ = -1;
  std::string sealing_reason_;
  Backing backing_ = Backing::Anonymous;
  std::string backing_reason_;
  struct Arenas;
  std::unique_ptr<Arenas> arenas_;
  std::unique_ptr<Stash> stash_;
  // Made on the first fill_random() where it pays off; none after a refusal.
  RandomReserve* random_reserve();
  std::unique_ptr<RandomReserve> reserve_;
  bool reserve_refused_ = false;
};

template <typename Fn>
Status Pool::with_read(PoolChunk chunk, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  return access(
      chunk, false,
      [](std::uint8_t* bytes, std::size_t size, void* context) {
        (*static_cast<F*>(context))(static_cast<const std::uint8_t*>(bytes), size);
      },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

template <typename Fn>
Status Pool::with_write(PoolChunk chunk, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  return access(
      chunk, true,
      [](std::uint8_t* bytes, std::size_t size, void* context) { (*static_cast<F*>(context))(bytes, size); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace strongroom
