// Platform-independent half of platform_memory: composes the per-OS
// primitives (os_pages.h, posix_memory.cc / win32_memory.cc) into allocations.
#include "strongroom/platform_memory.h"

#include <cstdint>
#include <string>

#include "make_secure.h"
#include "os_pages.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/wipe.h"

namespace strongroom {

const char* protection_name(Protection protection) {
  switch (protection) {
    case Protection::NoAccess:
      return "NoAccess";
    case Protection::ReadOnly:
      return "ReadOnly";
    case Protection::ReadWrite:
      return "ReadWrite";
    case Protection::Execute:
      return "Execute";
    case Protection::ReadExecute:
      return "ReadExecute";
    case Protection::ReadWriteExecute:
      return "ReadWriteExecute";
  }
  return "?";
}

namespace platform_memory {
namespace {

bool valid_protection(Protection protection) {
  switch (protection) {
    case Protection::NoAccess:
    case Protection::ReadOnly:
    case Protection::ReadWrite:
    case Protection::Execute:
    case Protection::ReadExecute:
    case Protection::ReadWriteExecute:
      return true;
  }
  return false;
}

}  // namespace

std::size_t page_size() {
  return strongroom::page_size();
}

Status protect(void* ptr, std::size_t size, Protection protection) {
  const bool page_aligned = (reinterpret_cast<std::uintptr_t>(ptr) & (page_size() - 1)) == 0;
  if (ptr == nullptr || !page_aligned) {
    return make_error(ErrorCode::InvalidArgument, "protect needs a page-aligned address");
  }
  if (!valid_protection(protection)) return make_error(ErrorCode::InvalidArgument, "unknown protection level");
  if (size == 0) return Status();
  return os::protect(ptr, size, protection);
}

SecureAttributes make_secure(void* ptr, std::size_t size) {
  return compose_make_secure(ptr, size, lock, os::exclude_from_crash_dumps, os::exclude_from_fork);
}

Result<Allocation> allocate(std::size_t size, std::size_t align, Protection protection, AllocationType type) {
  if (!valid_protection(protection)) {
    return make_error(ErrorCode::InvalidArgument, "unknown protection level");
  }
  if (type != AllocationType::Regular && type != AllocationType::Secure && type != AllocationType::LargePage) {
    return make_error(ErrorCode::InvalidArgument, "unknown allocation type");
  }
  if (size == 0) return make_error(ErrorCode::InvalidSize, "cannot allocate zero bytes");
  const std::size_t page = page_size();
  const std::size_t large = type == AllocationType::LargePage ? os::large_page_size() : 0;
  const std::size_t max_align = large != 0 ? large : page;
  if (!is_power_of_two(align) || align > max_align) {
    return make_error(ErrorCode::InvalidArgument, "alignment must be a power of two no larger than " +
                                                      std::to_string(max_align) + " bytes, got " +
                                                      std::to_string(align));
  }

  Allocation allocation;
  allocation.type = type;
  if (type == AllocationType::LargePage && large != 0) {
    std::size_t large_size = align_up(size, large);
    if (large_size != 0) {
      Result<void*> mapped = os::map_large_pages(large_size, protection);
      if (mapped) {
        allocation.ptr = mapped.value();
        allocation.size = large_size;
        allocation.large_pages = true;
        return allocation;
      }
      log_message(LogLevel::Warn, "large pages unavailable, using regular pages: " + mapped.error().message);
    }
  } else if (type == AllocationType::LargePage) {
    log_message(LogLevel::Warn, "this platform has no large pages; using regular pages");
  }
  if (align > page) {
    return make_error(ErrorCode::InvalidArgument,
                      "alignment above the page size needs large pages, which were not granted");
  }

  const std::size_t mapped_size = align_up(size, page);
  if (mapped_size == 0) return make_error(ErrorCode::InvalidSize, "size overflows");
  Result<void*> mapped = os::map(mapped_size, protection);
  if (!mapped) return mapped.error();
  allocation.ptr = mapped.value();
  allocation.size = mapped_size;

  if (type == AllocationType::Secure) {
    SecureAttributes attributes = make_secure(allocation.ptr, allocation.size);
    allocation.locked = attributes.locked;
    allocation.dump_excluded = attributes.dump_excluded;
    allocation.fork_excluded = attributes.fork_excluded;
  }
  return allocation;
}

Status free(const Allocation& allocation) {
  if (allocation.ptr == nullptr) {
    return make_error(ErrorCode::InvalidArgument, "free of a null allocation");
  }
  if (allocation.type == AllocationType::Secure) {
    // Wipe before unlock: once unlocked, the pages could be swapped out.
    Status writable = protect(allocation.ptr, allocation.size, Protection::ReadWrite);
    if (!writable) return writable;
    secure_wipe(allocation.ptr, allocation.size);
    if (allocation.locked) (void)unlock(allocation.ptr, allocation.size);
    if (allocation.dump_excluded) os::forget_crash_dump_exclusion(allocation.ptr);
  }
  return os::unmap(allocation.ptr, allocation.size);
}

Status secure_clear(void* ptr, std::size_t size) {
  if (ptr == nullptr && size != 0) {
    return make_error(ErrorCode::InvalidArgument, "secure_clear of a null pointer");
  }
  secure_wipe(ptr, size);
  return Status();
}

Result<GuardedAllocation> allocate_guarded(std::size_t size, std::size_t guard_pages_before,
                                           std::size_t guard_pages_after, Protection protection) {
  if (!valid_protection(protection)) {
    return make_error(ErrorCode::InvalidArgument, "unknown protection level");
  }
  if (size == 0) return make_error(ErrorCode::InvalidSize, "cannot allocate zero bytes");
  const std::size_t page = page_size();
  const std::size_t data_size = align_up(size, page);
  const std::size_t max = static_cast<std::size_t>(-1);
  if (data_size == 0 || guard_pages_before > max / page || guard_pages_after > max / page) {
    return make_error(ErrorCode::InvalidSize, "size overflows");
  }
  const std::size_t guards = (guard_pages_before + guard_pages_after) * page;
  if (guards / page != guard_pages_before + guard_pages_after || data_size > max - guards) {
    return make_error(ErrorCode::InvalidSize, "size overflows");
  }

  // Map everything no-access, then open only the data pages: guards never
  // have a moment of being accessible.
  const std::size_t total = data_size + guards;
  Result<void*> mapped = os::map(total, Protection::NoAccess);
  if (!mapped) return mapped.error();

  GuardedAllocation allocation;
  allocation.base = mapped.value();
  allocation.total_size = total;
  allocation.data = static_cast<unsigned char*>(allocation.base) + guard_pages_before * page;
  allocation.data_size = data_size;
  allocation.guard_pages_before = guard_pages_before;
  allocation.guard_pages_after = guard_pages_after;
  if (protection != Protection::NoAccess) {
    Status opened = protect(allocation.data, data_size, protection);
    if (!opened) {
      (void)os::unmap(allocation.base, total);
      return opened.error();
    }
  }
  return allocation;
}

Status free_guarded(const GuardedAllocation& allocation) {
  if (allocation.base == nullptr) {
    return make_error(ErrorCode::InvalidArgument, "free of a null allocation");
  }
  return os::unmap(allocation.base, allocation.total_size);
}

}  // namespace platform_memory
}  // namespace strongroom
