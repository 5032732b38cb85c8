// The platform-independent half of the locked page allocator: make_secure
// composed from the interface, the OS allocator's page operations on
// platform_memory, and the process-wide OS allocator.
#include "strongroom/locked_page_allocator.h"

#include "make_secure.h"
#include "os.h"
#include "os_locked_page_allocator.h"
#include "strongroom/platform_memory.h"
#include "strongroom/readback.h"

namespace strongroom {

// The composition platform_memory::make_secure uses too, over this interface
// so that a fake allocator sees every step.
SecureAttributes LockedPageAllocator::make_secure(void* ptr, std::size_t size) {
  return compose_make_secure(
      ptr, size, [this](void* p, std::size_t n) { return lock(p, n); },
      [this](void* p, std::size_t n) { return exclude_from_crash_dumps(p, n); },
      [this](void* p, std::size_t n) { return exclude_from_fork(p, n); });
}

Result<GuardedAllocation> OsLockedPageAllocator::allocate_guarded(std::size_t size, Protection protection) {
  return platform_memory::allocate_guarded(size, 1, 1, protection);
}

Status OsLockedPageAllocator::free_guarded(const GuardedAllocation& allocation) {
  return platform_memory::free_guarded(allocation);
}

Status OsLockedPageAllocator::lock(void* ptr, std::size_t size) {
  return platform_memory::lock(ptr, size);
}

Status OsLockedPageAllocator::unlock(void* ptr, std::size_t size) {
  return platform_memory::unlock(ptr, size);
}

Status OsLockedPageAllocator::protect(void* ptr, std::size_t size, Protection protection) {
  return platform_memory::protect(ptr, size, protection);
}

bool OsLockedPageAllocator::exclude_from_crash_dumps(void* ptr, std::size_t size) {
  return os::exclude_from_crash_dumps(ptr, size);
}

bool OsLockedPageAllocator::exclude_from_fork(void* ptr, std::size_t size) {
  return os::exclude_from_fork(ptr, size);
}

void OsLockedPageAllocator::forget_crash_dump_exclusion(void* ptr) {
  os::forget_crash_dump_exclusion(ptr);
}

std::optional<std::uint64_t> OsLockedPageAllocator::locked_bytes() {
  return process_locked_bytes();
}

LockedPageAllocator& os_locked_page_allocator() {
  // Leaked on purpose: regions and pools in static storage may outlive any
  // destructor order we could pick.
  static LockedPageAllocator* allocator = make_locked_page_allocator().release();
  return *allocator;
}

}  // namespace strongroom
