// Locked page allocator (after Bitcoin Core's LockedPageAllocator).
//
// Allocation success and lock success are reported separately so that the
// caller chooses the policy: a wallet may refuse unlocked memory for keys and
// accept it for less critical data.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>

#include "strongroom/error.h"

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
};

// The allocator for this OS (PosixLockedPageAllocator / Win32LockedPageAllocator).
std::unique_ptr<LockedPageAllocator> make_locked_page_allocator();

}  // namespace strongroom
