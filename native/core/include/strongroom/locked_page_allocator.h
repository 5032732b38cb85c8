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
// It holds what Pool and ProtectedRegion ask of the OS and nothing more.
// Lock success is reported apart from the mapping (lock, make_secure), so
// that the caller chooses the policy (LockPolicy): a wallet may refuse
// unlocked memory for keys and accept it for less critical data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {

class LockedPageAllocator {
 public:
  virtual ~LockedPageAllocator() = default;

  // Maps `size` bytes (rounded up to whole pages) between one no-access guard
  // page before and one after, the data pages with `protection` and zeroed.
  // InvalidSize for 0 or a size that overflows.
  virtual Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) = 0;
  // Unmaps the whole mapping (no wipe: the caller wipes what it wrote).
  virtual Status free_guarded(const GuardedAllocation& allocation) = 0;

  // mlock / VirtualLock (LockFailed when refused), munlock / VirtualUnlock.
  virtual Status lock(void* ptr, std::size_t size) = 0;
  virtual Status unlock(void* ptr, std::size_t size) = 0;
  // mprotect / VirtualProtect on whole pages from a page-aligned `ptr`.
  virtual Status protect(void* ptr, std::size_t size, Protection protection) = 0;
  // Say whether the OS took the exclusion (os_pages.h explains each OS's way).
  virtual bool exclude_from_crash_dumps(void* ptr, std::size_t size) = 0;
  virtual bool exclude_from_fork(void* ptr, std::size_t size) = 0;
  // Drops a crash-dump exclusion before the range is freed (Windows keeps a
  // registration per block; nothing to do on POSIX).
  virtual void forget_crash_dump_exclusion(void* ptr) = 0;

  // How many bytes this process may lock: the RLIMIT_MEMLOCK soft limit on
  // POSIX (and the wire limit on macOS), the budget derived from the minimum
  // working set on Windows; std::nullopt means no limit, 0 that the budget
  // could not be read. The pool caps its first arena to it.
  virtual std::optional<std::size_t> limit() = 0;
  // Bytes this process has locked now, as the OS reports them; nullopt when
  // it cannot tell.
  virtual std::optional<std::uint64_t> locked_bytes() = 0;

  // lock, then exclude_from_crash_dumps and exclude_from_fork; never fails,
  // it reports what held (a refused lock is logged as a warning).
  SecureAttributes make_secure(void* ptr, std::size_t size);
};

// One OS allocator for the whole process (on platform_memory.h and os_pages.h),
// never destroyed: what pools and regions use unless they are given another.
LockedPageAllocator& os_locked_page_allocator();

}  // namespace strongroom
