// What each OS gives the random reserve (random_reserve.cc): fork hygiene
// for its page. Internal to the core; in the *_random.cc files.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strongroom {
namespace os {

// Keeps the reserve's bytes out of forked children, and says whether the OS
// took the advice: MADV_WIPEONFORK on Linux (the child finds zeros at the
// same address), minherit(VM_INHERIT_NONE) on macOS (the child has no
// mapping there: fork_generation() tells it not to touch it), true on
// Windows, which has no fork.
bool reserve_fork_hygiene(void* ptr, std::size_t size);

// Changes in a forked child where the page cannot be zeroed for it (macOS:
// pthread_atfork); 0 on Linux (the zeroed tag is the check) and Windows.
std::uint64_t fork_generation();

}  // namespace os
}  // namespace strongroom
