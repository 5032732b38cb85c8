// POSIX page primitives: mmap, mprotect, munmap; mlock through memlock.h.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "os_pages.h"
#include "posix_mapping.h"
#include "strongroom/memlock.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"

namespace strongroom {
namespace {

int to_prot(Protection protection) {
  switch (protection) {
    case Protection::NoAccess:
      return PROT_NONE;
    case Protection::ReadOnly:
      return PROT_READ;
    case Protection::ReadWrite:
      return PROT_READ | PROT_WRITE;
    case Protection::Execute:
      return PROT_EXEC;
    case Protection::ReadExecute:
      return PROT_READ | PROT_EXEC;
    case Protection::ReadWriteExecute:
      return PROT_READ | PROT_WRITE | PROT_EXEC;
  }
  return PROT_NONE;
}

}  // namespace

void* mmap_page_aligned(std::size_t size, int prot, int flags) {
  const std::size_t page = page_size();
  const std::size_t os_page = os_page_size();
  if (page == os_page) return ::mmap(nullptr, size, prot, flags | MAP_ANONYMOUS, -1, 0);
  const std::size_t slack = page - os_page;
  if (size > static_cast<std::size_t>(-1) - slack) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  void* raw = ::mmap(nullptr, size + slack, prot, flags | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return MAP_FAILED;
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t aligned = (start + page - 1) & ~static_cast<std::uintptr_t>(page - 1);
  const std::size_t head = aligned - start;
  // Both trims are whole OS pages: head and slack are multiples of os_page.
  if (head != 0) (void)::munmap(raw, head);
  if (slack - head != 0) (void)::munmap(reinterpret_cast<void*>(aligned + size), slack - head);
  return reinterpret_cast<void*>(aligned);
}

namespace os {

long reported_page_size() {
  return sysconf(_SC_PAGESIZE);
}

Result<void*> map(std::size_t size, Protection protection) {
  void* ptr = mmap_page_aligned(size, to_prot(protection), MAP_PRIVATE);
  if (ptr == MAP_FAILED) {
    return make_os_error(ErrorCode::OsError, "mmap", errno, "could not map memory");
  }
  return ptr;
}

std::size_t large_page_size() {
#if defined(MAP_HUGETLB)
  return 2 * 1024 * 1024;  // the x86-64 / arm64 default huge page
#else
  return 0;
#endif
}

Result<void*> map_large_pages(std::size_t size, Protection protection) {
#if defined(MAP_HUGETLB)
  // Needs pages reserved in /proc/sys/vm/nr_hugepages; usually refused.
  void* ptr = ::mmap(nullptr, size, to_prot(protection), MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
  if (ptr == MAP_FAILED) {
    return make_os_error(ErrorCode::OsError, "mmap", errno, "no huge pages (MAP_HUGETLB)");
  }
  return ptr;
#else
  (void)size;
  (void)protection;
  return make_error(ErrorCode::Unsupported, "large pages are not supported here");
#endif
}

Protection at_rest_protection() {
  return Protection::NoAccess;
}

bool exclude_from_crash_dumps(void* ptr, std::size_t size) {
  return madvise_dontdump(ptr, size).ok();
}

// The advice dies with the mapping.
void forget_crash_dump_exclusion(void*) {}

Status protect(void* ptr, std::size_t size, Protection protection) {
  if (::mprotect(ptr, size, to_prot(protection)) != 0) {
    return make_os_error(ErrorCode::OsError, "mprotect", errno,
                         std::string("could not set protection ") + protection_name(protection));
  }
  return Status();
}

Status unmap(void* ptr, std::size_t size) {
  if (::munmap(ptr, size) != 0) {
    return make_os_error(ErrorCode::OsError, "munmap", errno, "could not unmap memory");
  }
  return Status();
}

}  // namespace os

namespace platform_memory {

// The memlock.h wrappers make the call; this layer adds the policy: a
// refused lock is LockFailed, with the budget as the likely cause.
Status lock(void* ptr, std::size_t size) {
  Status locked = strongroom::mlock(ptr, size);
  if (!locked) {
    return make_os_error(ErrorCode::LockFailed, "mlock", locked.error().os_error,
                         "could not lock pages (check RLIMIT_MEMLOCK / ulimit -l)");
  }
  return Status();
}

Status unlock(void* ptr, std::size_t size) {
  Status unlocked = strongroom::munlock(ptr, size);
  if (!unlocked) {
    return make_os_error(ErrorCode::OsError, "munlock", unlocked.error().os_error, "could not unlock pages");
  }
  return Status();
}

}  // namespace platform_memory
}  // namespace strongroom
