// Cross-platform page memory: allocation with protection levels,
// locking, wiping and guard pages, implemented per OS in posix_memory.cc and
// win32_memory.cc. On POSIX, lock/unlock go through the memlock.h wrappers;
// the locked page allocator (locked_page_allocator.h) is built on this layer.
#pragma once

#include <cstddef>

#include "strongroom/error.h"
#include "strongroom/memory_types.h"

namespace strongroom {

enum class AllocationType {
  Regular,    // plain anonymous pages
  Secure,     // + locked, excluded from core dumps and from forked children
  LargePage,  // huge/large pages if the OS grants them, else regular pages
};

struct Allocation {
  void* ptr = nullptr;
  std::size_t size = 0;  // bytes mapped: the request rounded up to whole pages
  AllocationType type = AllocationType::Regular;
  // LargePage only: whether large pages were really granted. When false the
  // allocation fell back to regular pages (and a warning was logged).
  bool large_pages = false;
  // Secure only: which protections the OS accepted. These say the call
  // succeeded; readback.h asks the OS whether the state holds.
  bool locked = false;
  bool dump_excluded = false;
  bool fork_excluded = false;
};

namespace platform_memory {

std::size_t page_size();

// `size` > 0; `align` a power of two no larger than the page size (the large
// page size for LargePage). The memory starts zeroed.
Result<Allocation> allocate(std::size_t size, std::size_t align, Protection protection, AllocationType type);
// Wipes Secure allocations (making them writable first), unlocks, unmaps.
Status free(const Allocation& allocation);

// `ptr` page aligned; the whole pages covering `size` change.
Status protect(void* ptr, std::size_t size, Protection protection);
Status lock(void* ptr, std::size_t size);
Status unlock(void* ptr, std::size_t size);
// The range must be writable.
Status secure_clear(void* ptr, std::size_t size);

// Locks the range and excludes it from core dumps and forked children, each
// as far as the platform allows; never fails, it reports what held.
SecureAttributes make_secure(void* ptr, std::size_t size);

// Guard pages are PROT_NONE / PAGE_NOACCESS (not PAGE_GUARD, which fires once).
Result<GuardedAllocation> allocate_guarded(std::size_t size, std::size_t guard_pages_before,
                                           std::size_t guard_pages_after, Protection protection);
Status free_guarded(const GuardedAllocation& allocation);

}  // namespace platform_memory
}  // namespace strongroom
