// POSIX test support: a child process without CAP_IPC_LOCK under a given
// RLIMIT_MEMLOCK.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

namespace strongroom_test {

// Runs `body` in a forked child whose RLIMIT_MEMLOCK soft and hard limits are
// `limit` bytes, as nobody when we are root (root may lock past any limit).
// `body` returns "" when every fact held, else what went wrong; that text is
// reported as a failure here. Skips (with the reason) when no such child can
// be made: the limit must be seen to bind before anything is asserted.
void run_memlock_limited(std::size_t limit, const std::function<std::string()>& body);

}  // namespace strongroom_test
