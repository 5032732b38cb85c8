// Over 400 lines on purpose: the race test, every refusal and the unprivileged children belong together.
// Kernel-copy sealing: secret pages are read and written through the kernel
// (/proc/self/mem) and never opened. These tests prove the seal holds for
// other threads during a scope (where mprotect opens a window), that every
// refusal falls back with its reason, and which kernel paths do not work.
#include <atomic>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "os_probe.h"
#include "strongroom/hardening.h"
#include "strongroom/page_size.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "test.h"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

using namespace strongroom;
using namespace strongroom_test;

namespace {

std::unique_ptr<Pool> make_pool(SealingPreference sealing, Backing backing = Backing::Anonymous) {
  PoolOptions options;
  options.arena_size = 4 * page_size();
  options.sealing = sealing;
  options.backing = backing;
  auto created = Pool::create(options);
  return created.ok() ? std::move(created.value()) : nullptr;
}

void require_kernel_copy() {
  Status available = kernel_copy_available();
  if (!available) skip("no kernel copy here: " + available.error().message);
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

#if defined(__linux__)

// A reader thread that keeps loading one byte of a secret's address. A load
// of a no-access page raises SIGSEGV in that thread; the handler jumps back
// and the attempt counts as refused. Successful loads are counted.
thread_local sigjmp_buf* t_fault_jump = nullptr;

void on_fault(int) {
  if (t_fault_jump != nullptr) siglongjmp(*t_fault_jump, 1);
  std::signal(SIGSEGV, SIG_DFL);
  std::raise(SIGSEGV);
}

struct FaultHandlers {
  struct sigaction old_segv {
  }, old_bus{};
  FaultHandlers() {
    struct sigaction action {};
    action.sa_handler = on_fault;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_NODEFER;
    sigaction(SIGSEGV, &action, &old_segv);
    sigaction(SIGBUS, &action, &old_bus);
  }
  ~FaultHandlers() {
    sigaction(SIGSEGV, &old_segv, nullptr);
    sigaction(SIGBUS, &old_bus, nullptr);
  }
};

struct RaceOutcome {
  long successful_reads = 0;
  long refused_reads = 0;
  long secret_bytes_seen = 0;  // successful reads that returned the secret's byte
};

// Runs `scopes` read scopes on this thread while another thread reads the
// secret's first byte at its address as fast as it can.
template <typename Scope>
RaceOutcome race(const unsigned char* address, unsigned char secret_byte, int scopes, Scope&& scope) {
  FaultHandlers handlers;
  std::atomic<bool> stop{false};
  std::atomic<bool> started{false};
  RaceOutcome outcome;
  std::thread intruder([&] {
    sigjmp_buf jump;
    t_fault_jump = &jump;
    started.store(true);
    while (!stop.load(std::memory_order_relaxed)) {
      if (sigsetjmp(jump, 1) == 0) {
        unsigned char byte = *static_cast<const volatile unsigned char*>(address);
        ++outcome.successful_reads;
        if (byte == secret_byte) ++outcome.secret_bytes_seen;
      } else {
        ++outcome.refused_reads;
      }
    }
    t_fault_jump = nullptr;
  });
  while (!started.load()) std::this_thread::yield();
  for (int i = 0; i < scopes; ++i) scope();
  stop.store(true);
  intruder.join();
  return outcome;
}

constexpr int kScopes = 100000;

#endif

}  // namespace

TEST_CASE("kernel copy: the probe passes here, or says why not") {
  Status available = kernel_copy_available();
  std::printf("    kernel copy: %s\n", available ? "available" : available.error().message.c_str());
  if (kLinux) {
    // Linux with /proc allows forced access by default: no silent skip.
    CHECK(available.ok());
  } else {
    CHECK(!available.ok() && available.error().code == ErrorCode::Unsupported);
    auto pool = make_pool(SealingPreference::KernelCopy);
    CHECK(pool == nullptr);
  }
}

#if defined(__linux__)

TEST_CASE("race: under kernel copy another thread never reads a byte during 100,000 scopes") {
  require_kernel_copy();
  auto pool = make_pool(SealingPreference::KernelCopy);
  REQUIRE(pool != nullptr);
  REQUIRE(pool->sealing() == Sealing::KernelCopy);
  PoolChunk chunk = pool->allocate(32).value();
  REQUIRE_OK(pool->with_write(chunk, [](std::uint8_t* b, std::size_t n) { std::memset(b, 0xA7, n); }));
  const unsigned char* address = pool->address_of(chunk).value();
  long scopes_read = 0;
  RaceOutcome outcome = race(address, 0xA7, kScopes, [&] {
    (void)pool->with_read(chunk, [&](const std::uint8_t* b, std::size_t) { scopes_read += b[0] == 0xA7; });
  });
  std::printf("    kernel copy: %ld successful reads, %ld refused (SIGSEGV) in %d scopes\n", outcome.successful_reads,
              outcome.refused_reads, kScopes);
  CHECK_EQ(scopes_read, static_cast<long>(kScopes));
  CHECK(outcome.refused_reads > 0);  // the intruder really ran
  CHECK_EQ(outcome.successful_reads, 0L);
}

TEST_CASE("race: an isolated region under kernel copy stays closed to other threads too") {
  require_kernel_copy();
  RegionOptions options;
  options.sealing = SealingPreference::KernelCopy;
  auto created = ProtectedRegion::create(32, options);
  REQUIRE_OK(created);
  ProtectedRegion& region = *created.value();
  REQUIRE_OK(region.with_write([](std::uint8_t* b, std::size_t n) { std::memset(b, 0xA7, n); }));
  RaceOutcome outcome = race(region.secret_address(), 0xA7, kScopes / 10,
                             [&] { (void)region.with_read([](const std::uint8_t*, std::size_t) {}); });
  CHECK(outcome.refused_reads > 0);
  CHECK_EQ(outcome.successful_reads, 0L);
}

TEST_CASE("race: under mprotect the same intruder reads the secret inside scopes (the window)") {
  auto pool = make_pool(SealingPreference::Mprotect);
  REQUIRE(pool != nullptr);
  REQUIRE(pool->sealing() == Sealing::Mprotect);
  PoolChunk chunk = pool->allocate(32).value();
  REQUIRE_OK(pool->with_write(chunk, [](std::uint8_t* b, std::size_t n) { std::memset(b, 0xA7, n); }));
  const unsigned char* address = pool->address_of(chunk).value();
  RaceOutcome outcome =
      race(address, 0xA7, kScopes, [&] { (void)pool->with_read(chunk, [](const std::uint8_t*, std::size_t) {}); });
  std::printf("    mprotect: %ld successful reads (%ld of the secret's byte), %ld refused in %d scopes\n",
              outcome.successful_reads, outcome.secret_bytes_seen, outcome.refused_reads, kScopes);
  CHECK(outcome.refused_reads > 0);
  CHECK(outcome.secret_bytes_seen > 0);
}

TEST_CASE("kernel copy: generate, import, read, write, canary and wipe without opening a page") {
  require_kernel_copy();
  auto pool = make_pool(SealingPreference::KernelCopy);
  REQUIRE(pool != nullptr);
  PoolChunk a = pool->allocate(32).value();
  PoolChunk b = pool->allocate(5).value();
  REQUIRE_OK(pool->fill_random(a));
  REQUIRE_OK(pool->with_write(b, [](std::uint8_t* bytes, std::size_t) { std::memcpy(bytes, "hello", 5); }));
  const unsigned char* at = pool->address_of(a).value();
  CHECK_EQ(os_protection(at), std::string("---"));
  std::vector<unsigned char> seen;
  REQUIRE_OK(pool->with_read(b, [&](const std::uint8_t* bytes, std::size_t n) { seen.assign(bytes, bytes + n); }));
  CHECK(std::string(seen.begin(), seen.end()) == "hello");
  REQUIRE_OK(pool->with_read(a, [&](const std::uint8_t* bytes, std::size_t n) { seen.assign(bytes, bytes + n); }));
  CHECK(seen != std::vector<unsigned char>(32, 0));
  // An overflow inside a write scope reaches the canary, as in place.
  REQUIRE_OK(pool->with_write(b, [](std::uint8_t* bytes, std::size_t n) { bytes[n] ^= 1; }));
  CHECK(!pool->inspect(b).value().canary_intact);
  Status read = pool->with_read(b, [](const std::uint8_t*, std::size_t) {});
  CHECK(!read.ok() && read.error().code == ErrorCode::CanaryCorrupted);
  Status freed = pool->free(b);
  CHECK(!freed.ok() && freed.error().code == ErrorCode::CanaryCorrupted);
  // Wipe on free: the slot reads back as zeros through the kernel.
  const unsigned char* a_at = pool->address_of(a).value();
  REQUIRE_OK(pool->free(a));
  int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  unsigned char back[40];
  CHECK_EQ(pread(fd, back, sizeof back, static_cast<off_t>(reinterpret_cast<std::uintptr_t>(a_at))),
           static_cast<ssize_t>(sizeof back));
  close(fd);
  CHECK(std::vector<unsigned char>(back, back + 40) == std::vector<unsigned char>(40, 0));
  CHECK_EQ(os_protection(a_at), std::string("---"));
  // The OS still says locked and out of dumps.
  PoolChunk c = pool->allocate(32).value();
  REQUIRE_OK(pool->fill_random(c));
  auto info = pool->inspect(c);
  REQUIRE_OK(info);
  CHECK(info.value().facts.locked == Fact::Yes);
  CHECK(info.value().facts.dump_excluded == Fact::Yes);
  CHECK(info.value().sealed && info.value().sealed_verified == Fact::Yes);
}

TEST_CASE("kernel copy: the descriptor is close-on-exec and writes nowhere but sealed secret memory") {
  require_kernel_copy();
  int found = -1;
  for (int fd = 0; fd < 4096 && found < 0; ++fd) {
    char link[64], target[256];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = 0;
    if (std::strstr(target, "/mem") != nullptr) found = fd;
  }
  REQUIRE(found >= 0);
  CHECK(found >= 256);  // above the numbers a double close elsewhere recycles
  CHECK((fcntl(found, F_GETFD) & FD_CLOEXEC) != 0);
  // Its file position stays 0: a stray write() through a confused descriptor
  // number reaches address 0, which is never mapped.
  CHECK_EQ(lseek(found, 0, SEEK_CUR), static_cast<off_t>(0));
}

TEST_CASE("refusals: no /proc, forced access refused, a file that is not memory; each says why") {
  Status missing = probe_kernel_copy_at("/nonexistent/proc/self/mem");
  CHECK(!missing.ok() && missing.error().code == ErrorCode::Unsupported);
  CHECK(contains(missing.error().message, "/proc is not mounted"));
  // What a kernel booted with proc_mem.force_override=never answers: EIO.
  Status forbidden = probe_kernel_copy_at("/proc/self/mem", EIO);
  CHECK(!forbidden.ok() && contains(forbidden.error().message, "proc_mem.force_override"));
  CHECK_EQ(forbidden.error().os_error, EIO);
  // Writes vanish, reads return nothing: not the process's memory.
  Status not_memory = probe_kernel_copy_at("/dev/null");
  CHECK(!not_memory.ok() && contains(not_memory.error().message, "did not read back"));
  Status read_only = probe_kernel_copy_at("/proc/self/status");
  CHECK(!read_only.ok());
  std::printf("    %s\n    %s\n    %s\n    %s\n", missing.error().message.c_str(), forbidden.error().message.c_str(),
              not_memory.error().message.c_str(), read_only.error().message.c_str());
  CHECK(probe_kernel_copy_at("/proc/self/mem").ok());
}

namespace {
// Runs fn in a forked child; true when it exited 0.
template <typename Fn>
bool in_child(Fn&& fn) {
  pid_t pid = fork();
  if (pid == 0) _exit(fn() ? 0 : 1);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool become_nobody(rlim_t memlock) {
  struct rlimit limit {
    memlock, memlock
  };
  if (setrlimit(RLIMIT_MEMLOCK, &limit) != 0) return false;
  if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return false;
  // A credential change makes the process undumpable; start dumpable, as a
  // freshly started unprivileged process is.
  return prctl(PR_SET_DUMPABLE, 1) == 0;
}
}  // namespace

TEST_CASE("refusals end to end: a simulated refusal makes Auto fall back to mprotect with the reason") {
  CHECK(in_child([] {
    if (!refuse_kernel_copy_for_testing("/proc/self/mem", EIO)) return false;
    auto pool = make_pool(SealingPreference::Auto);
    if (pool == nullptr) return false;
    const std::string& reason = pool->sealing_fallback_reason();
    std::printf("    fallback: %s\n", reason.c_str());
    return pool->sealing() == (cpu_has_protection_keys() ? Sealing::Pkey : Sealing::Mprotect) &&
           (cpu_has_protection_keys() || contains(reason, "no kernel copy: the kernel refuses")) &&
           make_pool(SealingPreference::KernelCopy) == nullptr;
  }));
  CHECK(in_child([] {
    if (!refuse_kernel_copy_for_testing("/nonexistent/mem")) return false;
    auto pool = make_pool(SealingPreference::Auto);
    return pool != nullptr &&
           (cpu_has_protection_keys() || contains(pool->sealing_fallback_reason(), "/proc is not mounted"));
  }));
}

TEST_CASE("unprivileged, under RLIMIT_MEMLOCK: probed before PR_SET_DUMPABLE 0, kernel copy keeps working") {
  require_kernel_copy();
  if (geteuid() != 0) skip("needs root to become an unprivileged user in a child");
  CHECK(in_child([] {
    // Room for one arena (4 pages), the scratch page and a region, no more.
    if (!become_nobody(8 * page_size())) return false;
    if (!kernel_copy_available()) return false;                         // the probe opens the descriptor now
    if (prctl(PR_SET_DUMPABLE, 0) != 0) return false;                   // as hardening.disableCoreDumps() does
    if (open("/proc/self/mem", O_RDWR | O_CLOEXEC) >= 0) return false;  // a fresh open is refused
    // Forced: on a CPU with protection keys Auto would pick pkey instead.
    auto pool = make_pool(SealingPreference::KernelCopy);
    if (pool == nullptr || pool->sealing() != Sealing::KernelCopy) return false;
    PoolChunk chunk = pool->allocate(32).value();
    Status filled = pool->fill_random(chunk);
    if (!filled) {
      std::printf("    fill_random: %s\n", filled.error().message.c_str());
      return false;
    }
    std::vector<unsigned char> seen;
    if (!pool->with_read(chunk, [&](const std::uint8_t* b, std::size_t n) { seen.assign(b, b + n); })) return false;
    RegionOptions options;
    options.sealing = SealingPreference::KernelCopy;
    auto region = ProtectedRegion::create(32, options);
    if (!region || !region.value()->fill_random()) return false;
    if (seen.size() != 32 || !pool->free(chunk).ok()) return false;
    // Locked within the budget, as the OS reports it.
    return pool->inspect(pool->allocate(8).value()).value().facts.locked == Fact::Yes;
  }));
}

TEST_CASE("unprivileged and undumpable before the first use: falls back to mprotect, saying why") {
  if (geteuid() != 0) skip("needs root to become an unprivileged user in a child");
  CHECK(in_child([] {
    if (!become_nobody(64 * 1024) || prctl(PR_SET_DUMPABLE, 0) != 0) return false;
    auto pool = make_pool(SealingPreference::Auto);
    if (pool == nullptr) return false;
    std::printf("    fallback: %s\n", pool->sealing_fallback_reason().c_str());
    // Kernel copy itself is refused on every CPU, forced or not.
    if (make_pool(SealingPreference::KernelCopy) != nullptr) return false;
    if (cpu_has_protection_keys()) return pool->sealing() == Sealing::Pkey;
    PoolChunk chunk = pool->allocate(32).value();
    return pool->sealing() == Sealing::Mprotect && pool->fill_random(chunk).ok() &&
           contains(pool->sealing_fallback_reason(), "cannot be opened");
  }));
}

TEST_CASE("secretmem: the kernel refuses to copy it, so secretmem arenas keep their method") {
  auto available = memfd_secret_available();
  if (!available || !available.value()) skip("no memfd_secret here");
  auto pool = make_pool(SealingPreference::Auto, Backing::SecretMem);
  REQUIRE(pool != nullptr);
  REQUIRE(pool->backing() == Backing::SecretMem);
  CHECK(pool->sealing() != Sealing::KernelCopy);
  if (!cpu_has_protection_keys()) CHECK(contains(pool->sealing_fallback_reason(), "secretmem"));
  PoolChunk chunk = pool->allocate(32).value();
  REQUIRE_OK(pool->fill_random(chunk));
  // The fact behind that choice, asked of the kernel directly.
  int fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  unsigned char byte = 0;
  errno = 0;
  ssize_t n =
      pread(fd, &byte, 1, static_cast<off_t>(reinterpret_cast<std::uintptr_t>(pool->address_of(chunk).value())));
  int error = errno;
  close(fd);
  CHECK_EQ(n, static_cast<ssize_t>(-1));
  CHECK_EQ(error, EIO);
  auto forced = Pool::create([] {
    PoolOptions o;
    o.backing = Backing::SecretMem;
    o.sealing = SealingPreference::KernelCopy;
    return o;
  }());
  CHECK(!forced.ok() && forced.error().code == ErrorCode::Unsupported);
}

TEST_CASE("process_vm_readv/writev on this process cannot replace it: no forced access, EFAULT") {
  require_kernel_copy();
  auto pool = make_pool(SealingPreference::KernelCopy);
  REQUIRE(pool != nullptr);
  PoolChunk chunk = pool->allocate(32).value();
  REQUIRE_OK(pool->fill_random(chunk));
  unsigned char copy[32];
  iovec local{copy, sizeof copy};
  iovec remote{pool->address_of(chunk).value(), sizeof copy};
  errno = 0;
  CHECK_EQ(process_vm_readv(getpid(), &local, 1, &remote, 1, 0), static_cast<ssize_t>(-1));
  CHECK_EQ(errno, EFAULT);
  errno = 0;
  CHECK_EQ(process_vm_writev(getpid(), &local, 1, &remote, 1, 0), static_cast<ssize_t>(-1));
  CHECK_EQ(errno, EFAULT);
}

#endif

STRONGROOM_TEST_MAIN
