#include <sys/prctl.h>

#include <cerrno>

#include "os_sealing.h"
#include "posix_dumpable.h"

namespace strongroom {

std::optional<int> os_dumpable() {
  int value = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (value < 0) return std::nullopt;
  return value;
}

Status os_set_dumpable(bool dumpable) {
  // Undumpable, an unprivileged process can no longer open /proc/self/mem;
  // a descriptor opened before keeps working. Probe kernel copy first, so
  // hardening at startup does not cost the secrets their seal.
  if (!dumpable) (void)os::kernel_copy_ready();
  if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) != 0) {
    return make_os_error(ErrorCode::OsError, "prctl", errno, "could not set PR_SET_DUMPABLE");
  }
  return Status();
}

}  // namespace strongroom
