// Thin POSIX wrappers: mlock, munlock and madvise hints.
#include <sys/mman.h>

#include <cerrno>

#include "strongroom/memlock.h"

namespace strongroom {

Status mlock(const void* addr, std::size_t len) {
  if (len == 0) return Status();
  if (::mlock(addr, len) != 0) {
    return make_os_error(ErrorCode::OsError, "mlock", errno, "mlock refused");
  }
  return Status();
}

Status munlock(const void* addr, std::size_t len) {
  if (len == 0) return Status();
  if (::munlock(addr, len) != 0) {
    return make_os_error(ErrorCode::OsError, "munlock", errno, "munlock refused");
  }
  return Status();
}

namespace {

[[maybe_unused]] Status advise(void* addr, std::size_t len, int advice, const char* what) {
  if (len == 0) return Status();
  if (::madvise(addr, len, advice) != 0) {
    return make_os_error(ErrorCode::OsError, "madvise", errno, std::string(what) + " refused");
  }
  return Status();
}

[[maybe_unused]] Status unsupported(const char* what) {
  return make_error(ErrorCode::Unsupported, std::string(what) + " is not supported on this OS");
}

}  // namespace

// The madvise constants are feature-tested rather than OS-tested: each one is
// defined exactly where the kernel has the advice.
Status madvise_dontdump(void* addr, std::size_t len) {
#if defined(MADV_DONTDUMP)
  return advise(addr, len, MADV_DONTDUMP, "MADV_DONTDUMP");
#elif defined(MADV_NOCORE)
  return advise(addr, len, MADV_NOCORE, "MADV_NOCORE");
#else
  (void)addr;
  (void)len;
  (void)advise;
  return unsupported("per-region core-dump exclusion");
#endif
}

Status madvise_dontfork(void* addr, std::size_t len) {
#if defined(MADV_DONTFORK)
  return advise(addr, len, MADV_DONTFORK, "MADV_DONTFORK");
#else
  (void)addr;
  (void)len;
  return unsupported("MADV_DONTFORK");
#endif
}

Status madvise_hugepage(void* addr, std::size_t len) {
#if defined(MADV_HUGEPAGE)
  return advise(addr, len, MADV_HUGEPAGE, "MADV_HUGEPAGE");
#else
  (void)addr;
  (void)len;
  return unsupported("MADV_HUGEPAGE");
#endif
}

Status madvise_wipeonfork(void* addr, std::size_t len) {
#if defined(MADV_WIPEONFORK)
  return advise(addr, len, MADV_WIPEONFORK, "MADV_WIPEONFORK");
#else
  (void)addr;
  (void)len;
  return unsupported("MADV_WIPEONFORK");
#endif
}

}  // namespace strongroom
