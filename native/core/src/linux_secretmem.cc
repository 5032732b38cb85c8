// memfd_secret(2) probe. glibc has no wrapper; the syscall number is 447 on
// every architecture that has it.
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "strongroom/hardening.h"

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

namespace strongroom {

Result<bool> memfd_secret_available() {
  long fd = syscall(SYS_memfd_secret, 0);
  if (fd >= 0) {
    close(static_cast<int>(fd));
    return true;
  }
  // ENOSYS: kernel too old or CONFIG_SECRETMEM off; EINVAL/EPERM: disabled
  // (secretmem.enable=0 on older kernels) or blocked by seccomp.
  if (errno == ENOSYS || errno == EINVAL || errno == EPERM || errno == EACCES) return false;
  return make_os_error(ErrorCode::OsError, "memfd_secret", errno, "memfd_secret probe failed");
}

}  // namespace strongroom
