// Locked page allocator (after Bitcoin Core's LockedPageAllocator): the seam
// between the page layers and what is built on them.
//
//   memlock.h          syscall wrappers (mlock, munlock, madvise)
//   platform_memory.h  pages with protection, locking and guards, on the wrappers
//   LockedPageAllocator  this interface; the OS one is built on platform_memory
//   Pool, ProtectedRegion  take a LockedPageAllocator& (the OS one by default)
//
// So a test can hand the pool or a region a fake allocator and check their
// bookkeeping without the OS, as well as on real locked memory.
//
// Allocation success and lock success are reported separately so that the
// caller chooses the policy: a wallet may refuse unlocked memory for keys and
// accept it for less critical data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {

class LockedPageAllocator {
 public:
  virtual ~LockedPageAllocator() = default;

  // Maps `len` bytes (rounded up to whole pages), read-write and zeroed, and
  // tries to lock them. Returns the error when the mapping itself fails; sets
  // *locking_success to whether the lock succeeded (a warning is logged when
  // it did not). On POSIX the pages are also excluded from core dumps
  // (MADV_DONTDUMP / MADV_NOCORE) and, on Linux, from forked children.
  virtual Result<void*> allocate_locked(std::size_t len, bool* locking_success) = 0;

  // Wipes, unlocks, then unmaps. `len` must be the length given to allocate.
  virtual void free_locked(void* addr, std::size_t len) = 0;

  // How many bytes this process may lock: the RLIMIT_MEMLOCK soft limit on
  // POSIX, the budget derived from the minimum working set on Windows.
  // std::nullopt means no limit.
  virtual std::optional<std::size_t> limit() = 0;

  virtual std::size_t page_size() const = 0;

  // The page operations the pool and regions compose (platform_memory.h and
  // os.h for the OS allocator). One guard page before and after the data.
  virtual Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) = 0;
  virtual Status free_guarded(const GuardedAllocation& allocation) = 0;
  virtual Status lock(void* ptr, std::size_t size) = 0;
  virtual Status unlock(void* ptr, std::size_t size) = 0;
  virtual Status protect(void* ptr, std::size_t size, Protection protection) = 0;
  virtual bool exclude_from_crash_dumps(void* ptr, std::size_t size) = 0;
  virtual bool exclude_from_fork(void* ptr, std::size_t size) = 0;
  virtual void forget_crash_dump_exclusion(void* ptr) = 0;
  // Bytes this process has locked now, as the OS reports them; nullopt when
  // it cannot tell.
  virtual std::optional<std::uint64_t> locked_bytes() = 0;

  // lock, then exclude_from_crash_dumps and exclude_from_fork; never fails,
  // it reports what held (a refused lock is logged as a warning).
  SecureAttributes make_secure(void* ptr, std::size_t size);
};

// The allocator for this OS (PosixLockedPageAllocator / Win32LockedPageAllocator).
std::unique_ptr<LockedPageAllocator> make_locked_page_allocator();

// One OS allocator for the whole process, never destroyed: what pools and
// regions use unless they are given another.
LockedPageAllocator& os_locked_page_allocator();

}  // namespace strongroom
