#include "posix_limited.h"

#include <grp.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

#include "strongroom/memlock.h"
#include "test.h"

namespace strongroom_test {
namespace {
constexpr int kCannotDrop = 77;
}

void run_memlock_limited(std::size_t limit, const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::fflush(stdout);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0) _exit(kCannotDrop);
    if (geteuid() == 0) {
      // Root may lock past the limit (CAP_IPC_LOCK); nobody has no capabilities.
      if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(kCannotDrop);
#if defined(__linux__)
      // The credential change made the process undumpable; a freshly started
      // unprivileged process is dumpable, and kernel-copy sealing needs that.
      if (prctl(PR_SET_DUMPABLE, 1) != 0) _exit(kCannotDrop);
#endif
    }
    // The limit must really bind here before anything is asserted.
    std::vector<unsigned char> probe(2 * limit);
    if (strongroom::mlock(probe.data(), probe.size()).ok()) _exit(kCannotDrop);
    std::string failures = body();
    (void)!write(fds[1], failures.data(), failures.size());
    _exit(failures.empty() ? 0 : 1);
  }
  close(fds[1]);
  std::string failures;
  char buffer[512];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) failures.append(buffer, static_cast<std::size_t>(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == kCannotDrop) {
    skip("could not run a child without CAP_IPC_LOCK under a " + std::to_string(limit / 1024) + " KiB limit");
  }
  if (!failures.empty()) report_failure(__FILE__, __LINE__, failures);
  CHECK_EQ(WEXITSTATUS(status), 0);
}

}  // namespace strongroom_test
