// The POSIX memory-locking wrappers on Windows: there is no mlock
// or madvise. Zero length stays a successful no-op as everywhere; anything
// else is Unsupported. Windows locking is platform_memory::lock (VirtualLock),
// and Windows has no per-region dump or fork exclusion.
#include <string>

#include "strongroom/memlock.h"

namespace strongroom {
namespace {

Status unsupported(std::size_t len, const char* what) {
  if (len == 0) return Status();
  return make_error(ErrorCode::Unsupported, std::string(what) + " is not supported on Windows");
}

}  // namespace

Status mlock(const void*, std::size_t len) {
  return unsupported(len, "mlock (use platform_memory::lock, which calls VirtualLock)");
}

Status munlock(const void*, std::size_t len) {
  return unsupported(len, "munlock (use platform_memory::unlock, which calls VirtualUnlock)");
}

Status madvise_dontdump(void*, std::size_t len) {
  return unsupported(len, "per-region core-dump exclusion");
}

Status madvise_dontfork(void*, std::size_t len) {
  return unsupported(len, "MADV_DONTFORK");
}

Status madvise_wipeonfork(void*, std::size_t len) {
  return unsupported(len, "MADV_WIPEONFORK");
}

Status madvise_hugepage(void*, std::size_t len) {
  return unsupported(len, "MADV_HUGEPAGE");
}

Status minherit_none(void*, std::size_t len) {
  return unsupported(len, "minherit");
}

}  // namespace strongroom
