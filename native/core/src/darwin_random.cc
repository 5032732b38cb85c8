// CSPRNG fill on macOS and the BSDs: arc4random_buf cannot fail.
#include <stdlib.h>

#include "strongroom/wipe.h"

namespace strongroom {

Status fill_random(void* ptr, std::size_t len) {
  arc4random_buf(ptr, len);
  return Status();
}

}  // namespace strongroom
