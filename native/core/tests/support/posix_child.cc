// Child cases on POSIX: fork, run the case, report how the child ended.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "test.h"

namespace strongroom_test {

bool run_child_if_requested(int, char**) {
  return false;
}

ChildOutcome run_child_case(const char* name) {
  ChildOutcome outcome;
  CaseFn fn = nullptr;
  for (const auto& child : Registry::get().children) {
    if (std::strcmp(child.name, name) == 0) fn = child.fn;
  }
  if (fn == nullptr) {
    outcome.description = "no such child case";
    return outcome;
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    outcome.description = "fork failed";
    return outcome;
  }
  if (pid == 0) {
    fn();
    _exit(0);  // reaching here means the expected fault did not happen
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    outcome.description = "waitpid failed";
    return outcome;
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    outcome.crashed = sig == SIGSEGV || sig == SIGBUS;
    outcome.description = std::string("killed by signal ") + strsignal(sig);
  } else if (WIFEXITED(status)) {
    outcome.exited_cleanly = WEXITSTATUS(status) == 0;
    outcome.description = "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  return outcome;
}

}  // namespace strongroom_test
