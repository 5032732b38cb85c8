// Kernel copy needs /proc/self/mem with forced access (Linux). Elsewhere the
// probe says so and sealing falls back to mprotect / VirtualProtect.
#include "os_sealing.h"

namespace strongroom {
namespace os {
namespace {
Status unsupported() {
  return make_error(ErrorCode::Unsupported, "kernel copy (/proc/self/mem) exists only on Linux");
}
}  // namespace

Status kernel_copy_probe(const char*, int) {
  return unsupported();
}
Status kernel_copy_ready() {
  return unsupported();
}
Status kernel_copy_refuse_for_testing(const char*, int) {
  return Status();
}
void kernel_copy_register(const void*, std::size_t) {}
void kernel_copy_unregister(const void*) {}
Status kernel_copy_read(const void*, void*, std::size_t) {
  return unsupported();
}
Status kernel_copy_write(void*, const void*, std::size_t) {
  return unsupported();
}
Status kernel_copy_zero(void*, std::size_t) {
  return unsupported();
}
Status kernel_copy_lock_on_fault(void*, std::size_t) {
  return unsupported();
}

}  // namespace os
}  // namespace strongroom
