#include <linux/filter.h>
#include <linux/seccomp.h>
#include <malloc.h>
#include <signal.h>
#include <ucontext.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void* addr) {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return "?";
  const std::uintptr_t target = reinterpret_cast<std::uintptr_t>(addr);
  char line[512];
  std::string result = "?";
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    char perms[5] = {0};
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, perms) == 3 && target >= lo && target < hi) {
      result.assign(perms, 3);
      break;
    }
  }
  std::fclose(maps);
  return result;
}

int protection_key_of(const void* addr) {
  std::FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return -1;
  const std::uintptr_t target = reinterpret_cast<std::uintptr_t>(addr);
  char line[512];
  bool inside = false;
  int key = -1;
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
      if (inside) break;
      inside = target >= lo && target < hi;
      continue;
    }
    if (inside && std::sscanf(line, "ProtectionKey: %d", &key) == 1) break;
  }
  std::fclose(smaps);
  return inside ? key : -1;
}

bool set_key_rights_for_this_thread(int key, bool open) {
  if (key <= 0) return false;
  return ::pkey_set(key, open ? 0u : static_cast<unsigned>(PKEY_DISABLE_ACCESS)) == 0;
}

bool tag_pages_with_key(void* addr, std::size_t len, int key) {
  return ::pkey_mprotect(addr, len, PROT_READ | PROT_WRITE, key) == 0;
}

bool running_under_wine() {
  return false;
}

int mapping_count() {
  std::FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return -1;
  int count = 0;
  for (int c; (c = std::fgetc(maps)) != EOF;) count += c == '\n';
  std::fclose(maps);
  return count;
}

bool cpu_has_protection_keys() {
  std::FILE* cpuinfo = std::fopen("/proc/cpuinfo", "re");
  if (cpuinfo == nullptr) return false;
  char line[8192];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, cpuinfo) != nullptr) {
    if (std::strncmp(line, "flags", 5) != 0) continue;
    found = std::strstr(line, " ospke ") != nullptr || std::strstr(line, " ospke\n") != nullptr;
    break;  // every CPU lists the same flags
  }
  std::fclose(cpuinfo);
  return found;
}

namespace {

constexpr int kRecordedNumbers = 8;
constexpr int kHighestNumber = 512;
volatile sig_atomic_t g_trapped = 0;
volatile long g_numbers[kRecordedNumbers];
volatile unsigned char g_seen[kHighestNumber];

// The sealing methods' own system calls, and the CSPRNG's, which a test may expect: the
// handler runs them for real (re-issued, marked in their unused sixth
// argument, which the filter lets through), so the code under test behaves
// as it does outside the count. Every other call is skipped, not run:
// counting is all the test needs, and the child ends right after.
constexpr unsigned kReissued = 0x5ec0a11u;
bool reissued(long number) {
  return number == __NR_mprotect || number == __NR_pread64 || number == __NR_pwrite64 || number == __NR_pwritev ||
         number == __NR_getrandom;
}

void on_sigsys(int, siginfo_t* info, void* context) {
  const long number = info->si_syscall;
  if (g_trapped < kRecordedNumbers) g_numbers[g_trapped] = number;
  if (number >= 0 && number < kHighestNumber) g_seen[number] = 1;
  g_trapped = g_trapped + 1;
  const int saved_errno = errno;
#if defined(__x86_64__)
  greg_t* r = static_cast<ucontext_t*>(context)->uc_mcontext.gregs;
  if (reissued(number)) {
    const long result = syscall(number, r[REG_RDI], r[REG_RSI], r[REG_RDX], r[REG_R10], r[REG_R8], long{kReissued});
    r[REG_RAX] = result == -1 ? -errno : result;
  } else {
    r[REG_RAX] = -ENOSYS;
  }
#elif defined(__aarch64__)
  auto* r = static_cast<ucontext_t*>(context)->uc_mcontext.regs;
  if (reissued(number)) {
    const long result = syscall(number, r[0], r[1], r[2], r[3], r[4], long{kReissued});
    r[0] = static_cast<unsigned long long>(result == -1 ? -errno : result);
  } else {
    r[0] = static_cast<unsigned long long>(-ENOSYS);
  }
#else
  (void)context;
#endif
  errno = saved_errno;
}

// Traps every system call except the three the child needs to report and
// leave: rt_sigreturn (returning from the handler), write to the report
// pipe, exit_group; and the handler's own re-issued calls. A counter, not a
// sandbox: no architecture check.
bool install_counting_filter(int report_fd) {
  sock_filter filter[] = {
      /* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      /* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_rt_sigreturn, 11, 0),
      /* 2 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 10, 0),
      /* 3 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 5, 0),
      /* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 6, 0),
      /* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pread64, 5, 0),
      /* 6 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pwrite64, 4, 0),
      /* 7 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pwritev, 3, 0),
      /* 8 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getrandom, 2, 5),
      /* 9 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      /* 10 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(report_fd), 2, 3),
      /* 11 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[5])),  // low half (little endian)
      /* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kReissued, 0, 1),
      /* 13 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      /* 14 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP),
  };
  sock_fprog program = {static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  struct sigaction action = {};
  action.sa_sigaction = on_sigsys;
  action.sa_flags = SA_SIGINFO;
  if (sigaction(SIGSYS, &action, nullptr) != 0) return false;
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return false;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

struct Report {
  int installed;
  int calls;
  long numbers[kRecordedNumbers];
  unsigned char seen[kHighestNumber];
};

}  // namespace

SystemCallCount count_system_calls(void (*prepare)(), void (*measured)()) {
  SystemCallCount count;
  int fds[2];
  if (pipe(fds) != 0) {
    count.reason = "pipe failed";
    return count;
  }
  std::fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    count.reason = "fork failed";
    return count;
  }
  if (pid == 0) {
    close(fds[0]);
    // glibc would give freed heap back with brk and take it again inside the
    // measured code: malloc's system calls, not the code's own.
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
    prepare();
    Report report = {};
    report.installed = install_counting_filter(fds[1]) ? 1 : 0;
    if (report.installed) measured();
    report.calls = g_trapped;
    for (int i = 0; i < kRecordedNumbers; ++i) report.numbers[i] = g_numbers[i];
    for (int i = 0; i < kHighestNumber; ++i) report.seen[i] = g_seen[i];
    (void)!write(fds[1], &report, sizeof report);
    _exit(0);
  }
  close(fds[1]);
  Report report = {};
  const ssize_t got = read(fds[0], &report, sizeof report);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != static_cast<ssize_t>(sizeof report)) {
    count.reason = "the measured child did not report (it crashed or was killed)";
    return count;
  }
  if (!report.installed) {
    count.reason = "the kernel refused a seccomp filter";
    return count;
  }
  count.counted = true;
  count.calls = report.calls;
  for (int i = 0; i < report.calls && i < kRecordedNumbers; ++i) {
    count.numbers += (i == 0 ? "" : ", ") + std::to_string(report.numbers[i]);
  }
  for (int i = 0; i < kHighestNumber; ++i) {
    if (report.seen[i] != 0) count.distinct.push_back(i);
  }
  return count;
}

}  // namespace strongroom_test
