// Wipe that survives dead-store elimination, on POSIX.
#include <string.h>

#include "strongroom/wipe.h"

namespace strongroom {

void secure_wipe(void* ptr, std::size_t len) {
  if (ptr == nullptr || len == 0) return;
#if defined(__GLIBC__) || defined(__FreeBSD__) || defined(__OpenBSD__)
  explicit_bzero(ptr, len);
#else
  // macOS has memset_s only with __STDC_WANT_LIB_EXT1__; volatile writes plus
  // a compiler barrier work everywhere.
  volatile unsigned char* p = static_cast<volatile unsigned char*>(ptr);
  while (len-- != 0) *p++ = 0;
  __asm__ __volatile__("" : : "r"(ptr) : "memory");
#endif
}

}  // namespace strongroom
