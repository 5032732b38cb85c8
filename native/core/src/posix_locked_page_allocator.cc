// PosixLockedPageAllocator, on the platform memory layer: mmap + mlock +
// MADV_DONTDUMP (+ MADV_DONTFORK on Linux); free = wipe, munlock, munmap.
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

class PosixLockedPageAllocator final : public OsLockedPageAllocator {
 public:
  PosixLockedPageAllocator() : page_size_(strongroom::page_size()) {}

  Result<void*> allocate_locked(std::size_t len, bool* locking_success) override {
    *locking_success = false;
    if (len == 0) return make_error(ErrorCode::InvalidSize, "cannot allocate zero bytes");
    const std::size_t size = align_up(len, page_size_);
    if (size == 0) return make_error(ErrorCode::InvalidSize, "size overflows");
    Result<void*> mapped = os::map(size, Protection::ReadWrite);
    if (!mapped) {
      return make_os_error(ErrorCode::OsError, "mmap", mapped.error().os_error, "could not map locked pages");
    }
    void* addr = mapped.value();
    Status locked = platform_memory::lock(addr, size);
    *locking_success = locked.ok();
    if (!locked) {
      log_message(LogLevel::Warn, "allocate_locked: pages not locked, they may be swapped: " + locked.error().message);
    }
    // Best effort, as in Bitcoin Core: not every POSIX system has these.
    (void)os::exclude_from_crash_dumps(addr, size);
    (void)os::exclude_from_fork(addr, size);
    return addr;
  }

  void free_locked(void* addr, std::size_t len) override {
    if (addr == nullptr || len == 0) return;
    const std::size_t size = align_up(len, page_size_);
    secure_wipe(addr, size);
    // munlock fails harmlessly (ENOMEM) when the pages were never locked.
    (void)platform_memory::unlock(addr, size);
    if (!os::unmap(addr, size)) {
      log_message(LogLevel::Error, "free_locked: munmap failed");
    }
  }

  std::optional<std::size_t> limit() override {
    auto budget = lock_budget();  // RLIMIT_MEMLOCK soft limit, nullopt = unlimited
    if (!budget.ok() || !budget.value().limit) return std::nullopt;
    return static_cast<std::size_t>(*budget.value().limit);
  }

  std::size_t page_size() const override { return page_size_; }

 private:
  std::size_t page_size_;
};

}  // namespace

std::unique_ptr<LockedPageAllocator> make_locked_page_allocator() {
  return std::make_unique<PosixLockedPageAllocator>();
}

}  // namespace strongroom
