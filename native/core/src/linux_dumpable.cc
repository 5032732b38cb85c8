#include <sys/prctl.h>

#include <cerrno>

#include "posix_dumpable.h"

namespace strongroom {

std::optional<int> os_dumpable() {
  int value = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
  if (value < 0) return std::nullopt;
  return value;
}

Status os_set_dumpable(bool dumpable) {
  if (prctl(PR_SET_DUMPABLE, dumpable ? 1 : 0, 0, 0, 0) != 0) {
    return make_os_error(ErrorCode::OsError, "prctl", errno, "could not set PR_SET_DUMPABLE");
  }
  return Status();
}

}  // namespace strongroom
