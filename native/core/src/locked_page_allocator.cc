// The locked page allocator: make_secure composed from the interface, and the
// OS allocator, whose every operation is the platform_memory / os call of the
// same name (it adds no behaviour of its own, so there is one for all OSes).
#include "strongroom/locked_page_allocator.h"

#include "make_secure.h"
#include "os_pages.h"
#include "strongroom/hardening.h"
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

namespace {

class OsLockedPageAllocator final : public LockedPageAllocator {
 public:
  Result<GuardedAllocation> allocate_guarded(std::size_t size, Protection protection) override {
    return platform_memory::allocate_guarded(size, 1, 1, protection);
  }
  Status free_guarded(const GuardedAllocation& allocation) override {
    return platform_memory::free_guarded(allocation);
  }
  Status lock(void* ptr, std::size_t size) override { return platform_memory::lock(ptr, size); }
  Status unlock(void* ptr, std::size_t size) override { return platform_memory::unlock(ptr, size); }
  Status protect(void* ptr, std::size_t size, Protection protection) override {
    return platform_memory::protect(ptr, size, protection);
  }
  bool exclude_from_crash_dumps(void* ptr, std::size_t size) override {
    return os::exclude_from_crash_dumps(ptr, size);
  }
  bool exclude_from_fork(void* ptr, std::size_t size) override { return os::exclude_from_fork(ptr, size); }
  void forget_crash_dump_exclusion(void* ptr) override { os::forget_crash_dump_exclusion(ptr); }

  std::optional<std::size_t> limit() override {
    Result<LockBudget> budget = lock_budget();
    // A budget that cannot be read is none to spare, never "unlimited".
    if (!budget.ok()) return std::size_t{0};
    if (!budget.value().limit) return std::nullopt;
    return static_cast<std::size_t>(*budget.value().limit);
  }
  std::optional<std::uint64_t> locked_bytes() override { return process_locked_bytes(); }
};

}  // namespace

LockedPageAllocator& os_locked_page_allocator() {
  // Leaked on purpose: regions and pools in static storage may outlive any
  // destructor order we could pick.
  static LockedPageAllocator* allocator = new OsLockedPageAllocator();
  return *allocator;
}

}  // namespace strongroom
