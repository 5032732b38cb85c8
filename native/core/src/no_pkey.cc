// Memory protection keys exist only on x86-64 Linux (PKU/OSPKE) here; arm64
// POE and others are not wired up. Pools seal with mprotect/VirtualProtect.
#include "os_sealing.h"

namespace strongroom {
namespace os {

Result<int> protection_key() {
  return make_error(ErrorCode::Unsupported, "memory protection keys are not supported on this platform");
}
Status protect_with_key(void*, std::size_t, int) {
  return make_error(ErrorCode::Unsupported, "memory protection keys are not supported here");
}
void key_scope_enter(int, bool) {}
void key_scope_leave(int, bool) {}
bool key_scope_open(int) {
  return false;
}
bool key_access_disabled(int) {
  return false;
}

}  // namespace os
}  // namespace strongroom
