// memfd_secret is Linux-only.
#include "strongroom/hardening.h"

namespace strongroom {

Result<bool> memfd_secret_available() {
  return make_error(ErrorCode::Unsupported, "memfd_secret exists only on Linux");
}

}  // namespace strongroom
