// CSPRNG fill on Linux: getrandom(2), retried on EINTR and short reads. The
// random reserve's fork hygiene: MADV_WIPEONFORK (Linux 4.14+).
#include <sys/random.h>

#include <cerrno>

#include "random_os.h"
#include "strongroom/memlock.h"
#include "strongroom/wipe.h"

namespace strongroom {

Status fill_random(void* ptr, std::size_t len) {
  unsigned char* out = static_cast<unsigned char*>(ptr);
  std::size_t done = 0;
  while (done < len) {
    ssize_t got = getrandom(out + done, len - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      secure_wipe(ptr, len);
      return make_os_error(ErrorCode::OsError, "getrandom", saved, "no random bytes");
    }
    done += static_cast<std::size_t>(got);
  }
  return Status();
}

namespace os {

// The child finds zeros where the parent's bytes were, at the same address:
// the reserve's tag is gone, so it refills from the OS before drawing.
bool reserve_fork_hygiene(void* ptr, std::size_t size) {
  return madvise_wipeonfork(ptr, size).ok();
}

std::uint64_t fork_generation() {
  return 0;
}

}  // namespace os
}  // namespace strongroom
