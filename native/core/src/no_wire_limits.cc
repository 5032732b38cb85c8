// Wire limits are macOS's (darwin_wire_limits.cc); elsewhere the lock budget
// is RLIMIT_MEMLOCK or the Windows working set alone.
#include "strongroom/hardening.h"

namespace strongroom {

Result<WireLimits> wire_limits() {
  return make_error(ErrorCode::Unsupported, "wire limits (vm.user_wire_limit) exist only on macOS");
}

}  // namespace strongroom
