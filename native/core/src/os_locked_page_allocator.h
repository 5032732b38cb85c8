// The page operations of the OS allocator, shared by the POSIX and Win32
// allocators: each is the platform_memory / os call of the same name, so the
// allocator adds no behaviour of its own. Internal to the core.
#pragma once

#include "strongroom/locked_page_allocator.h"

namespace strongroom {

class OsLockedPageAllocator : public LockedPageAllocator {
 public:
  Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) override;
  Status free_guarded(const GuardedAllocation& allocation) override;
  Status lock(void* ptr, std::size_t size) override;
  Status unlock(void* ptr, std::size_t size) override;
  Status protect(void* ptr, std::size_t size, Protection protection) override;
  bool exclude_from_crash_dumps(void* ptr, std::size_t size) override;
  bool exclude_from_fork(void* ptr, std::size_t size) override;
  void forget_crash_dump_exclusion(void* ptr) override;
  std::optional<std::uint64_t> locked_bytes() override;
};

}  // namespace strongroom
