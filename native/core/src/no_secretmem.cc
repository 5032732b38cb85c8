// memfd_secret is Linux-only.
#include "os_sealing.h"
#include "strongroom/hardening.h"

namespace strongroom {

Result<bool> memfd_secret_available() {
  return make_error(ErrorCode::Unsupported, "memfd_secret exists only on Linux");
}

namespace os {

Result<GuardedAllocation> map_secretmem_guarded(std::size_t) {
  return make_error(ErrorCode::Unsupported, "memfd_secret exists only on Linux");
}

}  // namespace os
}  // namespace strongroom
