// CSPRNG fill on macOS and the BSDs: arc4random_buf cannot fail. The random
// reserve's fork hygiene: macOS has no MADV_WIPEONFORK and its minherit has
// no zero-fill inheritance, so the page is left out of children
// (VM_INHERIT_NONE) and a pthread_atfork handler counts forks, so that a
// child forgets the page instead of touching an address it does not have.
#include <pthread.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>

#include "random_os.h"
#include "strongroom/memlock.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace {

std::atomic<std::uint64_t> g_forks{0};

void count_fork_in_child() {
  g_forks.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

Status fill_random(void* ptr, std::size_t len) {
  arc4random_buf(ptr, len);
  return Status();
}

namespace os {

bool reserve_fork_hygiene(void* ptr, std::size_t size) {
  static std::once_flag registered;
  static bool handler = false;
  std::call_once(registered, [] { handler = pthread_atfork(nullptr, nullptr, count_fork_in_child) == 0; });
  return handler && minherit_none(ptr, size).ok();
}

std::uint64_t fork_generation() {
  return g_forks.load(std::memory_order_relaxed);
}

}  // namespace os
}  // namespace strongroom
