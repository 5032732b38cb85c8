// CSPRNG fill on Windows: BCryptGenRandom with the system-preferred RNG,
// in chunks because it takes a ULONG length.
#include <windows.h>
// windows.h first: bcrypt.h needs its types.
#include <bcrypt.h>

#include <limits>

#include "random_os.h"
#include "strongroom/wipe.h"

namespace strongroom {

Status fill_random(void* ptr, std::size_t len) {
  unsigned char* out = static_cast<unsigned char*>(ptr);
  // Parenthesized: compiles even where windows.h's max(a, b) macro is defined.
  constexpr std::size_t kMaxChunk = (std::numeric_limits<ULONG>::max)();
  std::size_t done = 0;
  while (done < len) {
    const std::size_t chunk = len - done < kMaxChunk ? len - done : kMaxChunk;
    NTSTATUS status = BCryptGenRandom(nullptr, out + done, static_cast<ULONG>(chunk), BCRYPT_USE_SYSTEM_PREFERRED_RNG);
    if (!BCRYPT_SUCCESS(status)) {
      secure_wipe(ptr, len);
      return make_os_error(ErrorCode::OsError, "BCryptGenRandom", static_cast<int>(status), "no random bytes");
    }
    done += chunk;
  }
  return Status();
}

namespace os {

// Windows has no fork: nothing inherits the reserve's page.
bool reserve_fork_hygiene(void*, std::size_t) {
  return true;
}

std::uint64_t fork_generation() {
  return 0;
}

}  // namespace os
}  // namespace strongroom
