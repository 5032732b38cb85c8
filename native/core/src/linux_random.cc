// CSPRNG fill on Linux: getrandom(2), retried on EINTR and short reads.
#include <sys/random.h>

#include <cerrno>

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

}  // namespace strongroom
