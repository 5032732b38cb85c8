// Child cases on Windows: there is no fork, so the test executable runs
// itself again with `--child "NAME"`, and an access violation ends that
// child with exit code STATUS_ACCESS_VIOLATION (0xC0000005).
#include <windows.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "test.h"

namespace strongroom_test {
namespace {

constexpr DWORD kAccessViolation = 0xC0000005;  // STATUS_ACCESS_VIOLATION
constexpr DWORD kChildTimeoutMs = 60 * 1000;

CaseFn find_child(const char* name) {
  for (const auto& child : Registry::get().children) {
    if (std::strcmp(child.name, name) == 0) return child.fn;
  }
  return nullptr;
}

// Ends the process with the exception code as its exit code, the way an
// unhandled exception does, but without handing it to a debugger first:
// Windows Error Reporting, or winedbg under wine, which takes seconds and
// prints a backtrace for every expected crash.
LONG WINAPI exit_with_exception_code(EXCEPTION_POINTERS*) {
  return EXCEPTION_EXECUTE_HANDLER;
}

std::string hex_code(DWORD code) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08lX", static_cast<unsigned long>(code));
  return text;
}

}  // namespace

bool run_child_if_requested(int argc, char** argv) {
  if (argc < 3 || std::strcmp(argv[1], "--child") != 0) return false;
  CaseFn fn = find_child(argv[2]);
  if (fn == nullptr) {
    std::fprintf(stderr, "no such child case: %s\n", argv[2]);
    std::fflush(stderr);
    ExitProcess(2);
  }
  // No "program stopped working" dialog, no debugger: just die with the code.
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  SetUnhandledExceptionFilter(&exit_with_exception_code);
  fn();
  return true;  // main returns 0: the expected fault did not happen
}

ChildOutcome run_child_case(const char* name) {
  ChildOutcome outcome;
  if (find_child(name) == nullptr) {
    outcome.description = "no such child case";
    return outcome;
  }
  char self[MAX_PATH];
  DWORD length = GetModuleFileNameA(nullptr, self, MAX_PATH);
  if (length == 0 || length >= MAX_PATH) {
    outcome.description = "GetModuleFileNameA failed";
    return outcome;
  }
  // Case names are plain text without quotes, so quoting them is enough.
  std::string command = std::string("\"") + self + "\" --child \"" + name + "\"";
  STARTUPINFOA startup;
  std::memset(&startup, 0, sizeof startup);
  startup.cb = sizeof startup;
  PROCESS_INFORMATION process;
  std::memset(&process, 0, sizeof process);
  std::fflush(stdout);
  if (!CreateProcessA(self, &command[0], nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup, &process)) {
    outcome.description = "CreateProcessA failed, error " + std::to_string(GetLastError());
    return outcome;
  }
  CloseHandle(process.hThread);
  DWORD waited = WaitForSingleObject(process.hProcess, kChildTimeoutMs);
  if (waited != WAIT_OBJECT_0) {
    TerminateProcess(process.hProcess, 1);
    CloseHandle(process.hProcess);
    outcome.description = "the child did not end within 60 s";
    return outcome;
  }
  DWORD code = 0;
  if (!GetExitCodeProcess(process.hProcess, &code)) {
    CloseHandle(process.hProcess);
    outcome.description = "GetExitCodeProcess failed, error " + std::to_string(GetLastError());
    return outcome;
  }
  CloseHandle(process.hProcess);
  outcome.crashed = code == kAccessViolation;
  outcome.exited_cleanly = code == 0;
  outcome.description = "exited with code " + hex_code(code) + (outcome.crashed ? " (access violation)" : "");
  return outcome;
}

}  // namespace strongroom_test
