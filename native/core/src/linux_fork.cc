// Fork hygiene on Linux: MADV_DONTFORK. Linux has no minherit.
#include "os_pages.h"
#include "strongroom/memlock.h"

namespace strongroom {

Status minherit_none(void*, std::size_t len) {
  if (len == 0) return Status();
  return make_error(ErrorCode::Unsupported, "minherit is not supported on Linux (use MADV_DONTFORK)");
}

namespace os {

bool exclude_from_fork(void* ptr, std::size_t size) {
  return madvise_dontfork(ptr, size).ok();
}

}  // namespace os
}  // namespace strongroom
