// Wipe that survives dead-store elimination, on Windows.
#include <windows.h>

#include "strongroom/wipe.h"

namespace strongroom {

void secure_wipe(void* ptr, std::size_t len) {
  if (ptr == nullptr || len == 0) return;
  // SecureZeroMemory writes through a volatile pointer: never optimised away.
  SecureZeroMemory(ptr, len);
}

}  // namespace strongroom
