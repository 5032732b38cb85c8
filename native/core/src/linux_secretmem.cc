// memfd_secret(2): probe, and secretmem-backed arenas for the pool. glibc has
// no wrapper; the syscall number is 447 on every architecture that has it.
//
// Facts worth knowing before opting in: the pages leave the kernel's direct
// map (not even root's /proc/PID/mem or a kernel read gadget sees them), they
// count against RLIMIT_MEMLOCK, and the kernel refuses to hibernate while any
// secretmem mapping exists (commit 9a436f8): a laptop cannot suspend to disk.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "os_sealing.h"
#include "posix_mapping.h"
#include "strongroom/hardening.h"
#include "strongroom/page_size.h"

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

namespace os {

Result<GuardedAllocation> map_secretmem_guarded(std::size_t data_size) {
  const std::size_t page = page_size();
  if (data_size == 0 || data_size % page != 0 || data_size > (static_cast<std::size_t>(-1) >> 1)) {
    return make_error(ErrorCode::InvalidSize, "secretmem arena size must be whole pages");
  }
  const std::size_t total = data_size + 2 * page;
  // Reserve guards and data no-access first, then put the secretmem pages in
  // the middle: the guards are never accessible.
  void* base = mmap_page_aligned(total, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
  if (base == MAP_FAILED) {
    return make_os_error(ErrorCode::OsError, "mmap", errno, "could not reserve an arena");
  }
  long fd = syscall(SYS_memfd_secret, O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    ::munmap(base, total);
    return make_os_error(ErrorCode::Unsupported, "memfd_secret", error, "memfd_secret is not available");
  }
  const int secret_fd = static_cast<int>(fd);
  if (::ftruncate(secret_fd, static_cast<off_t>(data_size)) != 0) {
    int error = errno;
    ::close(secret_fd);
    ::munmap(base, total);
    return make_os_error(ErrorCode::OsError, "ftruncate", error, "could not size the secretmem file");
  }
  unsigned char* data = static_cast<unsigned char*>(base) + page;
  void* mapped = ::mmap(data, data_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, secret_fd, 0);
  int error = errno;
  ::close(secret_fd);  // the mapping keeps the file alive
  if (mapped == MAP_FAILED) {
    ::munmap(base, total);
    // EAGAIN: the pages would exceed RLIMIT_MEMLOCK (secretmem is locked).
    return make_os_error(error == EAGAIN ? ErrorCode::LockFailed : ErrorCode::OsError, "mmap", error,
                         error == EAGAIN ? "secretmem pages exceed the lock budget (RLIMIT_MEMLOCK / ulimit -l)"
                                         : "could not map secretmem pages");
  }
  GuardedAllocation allocation;
  allocation.base = base;
  allocation.total_size = total;
  allocation.data = data;
  allocation.data_size = data_size;
  allocation.guard_pages_before = 1;
  allocation.guard_pages_after = 1;
  return allocation;
}

}  // namespace os
}  // namespace strongroom
