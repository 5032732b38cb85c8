// macOS and the BSDs have no PR_SET_DUMPABLE: RLIMIT_CORE is the whole story.
#include "posix_dumpable.h"

namespace strongroom {

std::optional<int> os_dumpable() {
  return std::nullopt;
}
Status os_set_dumpable(bool) {
  return Status();
}

}  // namespace strongroom
