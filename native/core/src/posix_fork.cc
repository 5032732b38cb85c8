// What a forked child must do first, on every POSIX system; the fork
// exclusion itself is per OS (linux_fork.cc, darwin_fork.cc).
#include <pthread.h>

#include "os_pages.h"

namespace strongroom {
namespace os {

void call_in_forked_child(void (*handler)()) {
  (void)::pthread_atfork(nullptr, nullptr, handler);
}

}  // namespace os
}  // namespace strongroom
