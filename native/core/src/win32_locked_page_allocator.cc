// Win32LockedPageAllocator (after Bitcoin Core), on the platform memory
// layer: VirtualAlloc + VirtualLock; free = wipe, VirtualUnlock, VirtualFree. Windows has no
// per-region dump or fork exclusion, so there is nothing more to ask for.
#include <windows.h>

#include <string>

#include "os.h"
#include "os_locked_page_allocator.h"
#include "strongroom/hardening.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

class Win32LockedPageAllocator final : public OsLockedPageAllocator {
 public:
  Win32LockedPageAllocator() : page_size_(strongroom::page_size()) {}

  Result<void*> allocate_locked(std::size_t len, bool* locking_success) override {
    *locking_success = false;
    if (len == 0) return make_error(ErrorCode::InvalidSize, "cannot allocate zero bytes");
    const std::size_t size = align_up(len, page_size_);
    if (size == 0) return make_error(ErrorCode::InvalidSize, "size overflows");
    Result<void*> mapped = os::map(size, Protection::ReadWrite);  // VirtualAlloc
    if (!mapped) {
      return make_os_error(ErrorCode::OsError, "VirtualAlloc", mapped.error().os_error, "could not map locked pages");
    }
    void* addr = mapped.value();
    Status locked = platform_memory::lock(addr, size);  // VirtualLock
    *locking_success = locked.ok();
    if (!locked) {
      log_message(LogLevel::Warn, "allocate_locked: pages not locked, they may be swapped: " + locked.error().message);
    }
    return addr;
  }

  void free_locked(void* addr, std::size_t len) override {
    if (addr == nullptr || len == 0) return;
    const std::size_t size = align_up(len, page_size_);
    secure_wipe(addr, size);
    // VirtualUnlock fails harmlessly (ERROR_NOT_LOCKED) when the lock was refused.
    (void)platform_memory::unlock(addr, size);
    if (!VirtualFree(addr, 0, MEM_RELEASE)) {
      log_message(LogLevel::Error, "free_locked: VirtualFree failed, error " + std::to_string(GetLastError()));
    }
  }

  // A process may lock at most its minimum working set minus a small
  // overhead (hardening.h's lock_budget). Never nullopt: Windows always has
  // this budget (0 when the query fails).
  std::optional<std::size_t> limit() override {
    auto budget = lock_budget();
    if (!budget.ok() || !budget.value().limit) return std::size_t{0};
    return static_cast<std::size_t>(*budget.value().limit);
  }

  std::size_t page_size() const override { return page_size_; }

 private:
  std::size_t page_size_;
};

}  // namespace

std::unique_ptr<LockedPageAllocator> make_locked_page_allocator() {
  return std::make_unique<Win32LockedPageAllocator>();
}

}  // namespace strongroom
