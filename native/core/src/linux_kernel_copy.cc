// Kernel copy on Linux: sealed pages are read and written through the
// process's own /proc/self/mem with pread/pwrite, never opened.
//
// Why it keeps the seal: the kernel resolves the address with FOLL_FORCE and
// copies through its own mapping of the page, so the page tables of this
// process keep PROT_NONE throughout. Every thread of the process stays locked
// out, also the calling one, which gets a copy in a locked scratch buffer.
// An mprotect pair opens the page to every thread for the scope, splits the
// mapping and shoots down TLBs; this is one system call and no page-table
// change.
//
// What does not work: process_vm_readv/writev on our own pid (no FOLL_FORCE:
// EFAULT on a PROT_NONE page), memfd_secret pages (EIO: they are out of the
// kernel's direct map), kernels booted with proc_mem.force_override=never (or
// =ptrace: we do not trace ourselves), and a process without /proc.
//
// The descriptor (why one long-lived read-write descriptor): a short-lived
// descriptor per write costs an open and a close on every write (measured:
// about 4-10x the pwrite), and cannot be had at all once an unprivileged
// process has made itself undumpable (PR_SET_DUMPABLE 0 makes open() fail
// with EACCES; an open descriptor keeps working). A read-only descriptor for
// reads beside it gains nothing while the read-write one exists. So:
//  - opened once, at the probe, O_CLOEXEC, moved above the low descriptor
//    numbers a double-close bug elsewhere would recycle;
//  - used only with pread/pwrite, so its file position stays 0: a stray
//    read()/write() through a confused descriptor number reaches address 0,
//    which is never mapped, and fails with EIO;
//  - every copy is checked against the ranges registered as sealed secret
//    memory, so this file never writes to code or any other page.
//  - a forked child never uses it: the descriptor names the memory of the
//    process that opened it, so in a child it would read and write the
//    parent. A fork handler closes it in the child, which probes again on its
//    first use (its arenas are not there anyway: MADV_DONTFORK).
// What it does not stop: code in this process that can issue arbitrary
// system calls can pwrite through it, as it could mprotect and write anyway.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <atomic>
#include <map>
#include <mutex>
#include <new>
#include <string>

#include "os_pages.h"
#include "os_sealing.h"
#include "strongroom/page_size.h"
#include "strongroom/wipe.h"

namespace strongroom {
namespace os {
namespace {

constexpr int kHighDescriptor = 256;
constexpr const char* kSimulatedRefusalVariable = "STRONGROOM_SIMULATED_KERNEL_COPY_REFUSAL";

struct KernelCopyState {
  int fd = -1;
  Error error;
};

off_t offset_of(const void* address) {
  return static_cast<off_t>(reinterpret_cast<std::uintptr_t>(address));
}

std::string open_reason(int error) {
  switch (error) {
    case ENOENT:
    case ENOTDIR:
      return "no /proc/self/mem: /proc is not mounted here";
    case EACCES:
    case EPERM:
      return "/proc/self/mem cannot be opened (the process is not dumpable and not privileged, "
             "or a security module forbids it)";
    default:
      return "could not open /proc/self/mem";
  }
}

// Opens `path`, then writes and reads back a pattern in a fresh no-access
// page through it. Returns the descriptor, or why it cannot be used.
Result<int> probe(const char* path, int inject_write_errno) {
  int fd = ::open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    return make_os_error(ErrorCode::Unsupported, "open", error, open_reason(error));
  }
  int high = ::fcntl(fd, F_DUPFD_CLOEXEC, kHighDescriptor);
  if (high >= 0) {
    ::close(fd);
    fd = high;
  }
  const std::size_t page = page_size();
  Result<void*> mapped = map(page, Protection::NoAccess);
  if (!mapped) {
    ::close(fd);
    return make_error(ErrorCode::Unsupported, "could not map a page to probe kernel copy");
  }
  void* probe_page = mapped.value();
  unsigned char pattern[16];
  if (!fill_random(pattern, sizeof pattern)) std::memcpy(pattern, "kernel-copy-test", sizeof pattern);
  unsigned char back[sizeof pattern] = {};
  Error error;
  bool ok = false;
  ssize_t wrote = inject_write_errno != 0 ? -1 : ::pwrite(fd, pattern, sizeof pattern, offset_of(probe_page));
  if (inject_write_errno != 0) errno = inject_write_errno;
  if (wrote < 0) {
    const int code = errno;
    error = make_os_error(ErrorCode::Unsupported, "pwrite", code,
                          code == EIO || code == EPERM || code == EACCES
                              ? "the kernel refuses forced writes to no-access pages through /proc/self/mem "
                                "(proc_mem.force_override, or a security module)"
                              : "could not write a no-access page through /proc/self/mem");
  } else if (static_cast<std::size_t>(wrote) != sizeof pattern) {
    error = make_error(ErrorCode::Unsupported, std::string("a probe write through ") + path + " copied " +
                                                   std::to_string(wrote) + " of 16 bytes");
  } else {
    ssize_t got = ::pread(fd, back, sizeof back, offset_of(probe_page));
    if (got < 0) {
      error = make_os_error(ErrorCode::Unsupported, "pread", errno,
                            "the kernel refuses forced reads of no-access pages through /proc/self/mem");
    } else if (static_cast<std::size_t>(got) != sizeof back || std::memcmp(back, pattern, sizeof back) != 0) {
      error = make_error(ErrorCode::Unsupported, std::string("bytes written through ") + path +
                                                     " did not read back (not the process's memory)");
    } else {
      ok = true;
    }
  }
  (void)unmap(probe_page, page);
  if (!ok) {
    ::close(fd);
    return error;
  }
  return fd;
}

alignas(std::mutex) unsigned char state_mutex_storage[sizeof(std::mutex)];
std::mutex* state_mutex_ptr = new (state_mutex_storage) std::mutex();
std::mutex& state_mutex() {
  return *state_mutex_ptr;
}
KernelCopyState& state() {
  static KernelCopyState s;
  return s;
}
bool probed = false;
// The descriptor for the copy paths, read without the lock; -1 before the
// probe, where it failed, and in a forked child until it probes again.
std::atomic<int> copy_fd{-1};

void after_fork_in_child() {
  // Another thread may have held the lock at fork(): start from a fresh one.
  state_mutex_ptr = new (state_mutex_storage) std::mutex();
  const int inherited = state().fd;
  if (inherited >= 0) ::close(inherited);
  state() = KernelCopyState();
  copy_fd.store(-1);
  probed = false;
}

const KernelCopyState& ready_state() {
  std::lock_guard<std::mutex> lock(state_mutex());
  if (!probed) {
    static std::once_flag fork_handler;
    std::call_once(fork_handler, [] { (void)::pthread_atfork(nullptr, nullptr, after_fork_in_child); });
    probed = true;
    // Test-only, as STRONGROOM_SIMULATED_PAGE_SIZE: "PATH" or "PATH:ERRNO"
    // probes PATH instead (with ERRNO as the answer to the forced write) and
    // never enables kernel copy. It can only make sealing fall back.
    if (const char* refusal = std::getenv(kSimulatedRefusalVariable)) {
      std::string spec(refusal);
      const std::size_t colon = spec.rfind(':');
      const int inject = colon == std::string::npos ? 0 : std::atoi(spec.c_str() + colon + 1);
      const std::string path = colon == std::string::npos ? spec : spec.substr(0, colon);
      Result<int> fd = probe(path.c_str(), inject);
      if (fd) ::close(fd.value());
      state().error =
          fd ? make_error(ErrorCode::Unsupported, std::string("kernel copy disabled by ") + kSimulatedRefusalVariable)
             : fd.error();
      return state();
    }
    Result<int> fd = probe("/proc/self/mem", 0);
    if (fd) {
      state().fd = fd.value();
      copy_fd.store(fd.value());
    } else {
      state().error = fd.error();
    }
  }
  return state();
}

int descriptor() {
  int fd = copy_fd.load(std::memory_order_acquire);
  return fd >= 0 ? fd : ready_state().fd;
}

// Ranges of sealed secret memory: start -> size.
std::mutex& ranges_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::uintptr_t, std::size_t>& ranges() {
  static std::map<std::uintptr_t, std::size_t> r;
  return r;
}

bool registered(const void* address, std::size_t size) {
  const auto start = reinterpret_cast<std::uintptr_t>(address);
  std::lock_guard<std::mutex> lock(ranges_mutex());
  auto& all = ranges();
  auto it = all.upper_bound(start);
  if (it == all.begin()) return false;
  --it;
  return start >= it->first && size <= it->second && start - it->first <= it->second - size;
}

Status refused(const char* what) {
  return make_error(ErrorCode::InvalidArgument,
                    std::string("kernel copy refused: the ") + what + " range is not registered sealed secret memory");
}

Status copy_error(const char* call, int error) {
  return make_os_error(ErrorCode::OsError, call, error, "a copy through /proc/self/mem failed");
}

}  // namespace

Status kernel_copy_probe(const char* path, int inject_write_errno) {
  Result<int> fd = probe(path, inject_write_errno);
  if (!fd) return fd.error();
  ::close(fd.value());
  return Status();
}

Status kernel_copy_ready() {
  const KernelCopyState& s = ready_state();
  if (s.fd >= 0) return Status();
  return s.error;
}

Status kernel_copy_refuse_for_testing(const char* path, int inject_write_errno) {
  std::lock_guard<std::mutex> lock(state_mutex());
  if (probed) return make_error(ErrorCode::InvalidArgument, "kernel copy was already probed in this process");
  probed = true;
  Result<int> fd = probe(path, inject_write_errno);
  if (fd) {
    ::close(fd.value());
    state().error =
        make_error(ErrorCode::Unsupported, std::string("kernel copy disabled for a test (") + path + " worked)");
  } else {
    state().error = fd.error();
  }
  return Status();
}

void kernel_copy_register(const void* base, std::size_t size) {
  std::lock_guard<std::mutex> lock(ranges_mutex());
  ranges()[reinterpret_cast<std::uintptr_t>(base)] = size;
}

void kernel_copy_unregister(const void* base) {
  std::lock_guard<std::mutex> lock(ranges_mutex());
  ranges().erase(reinterpret_cast<std::uintptr_t>(base));
}

static Status unavailable() {
  return make_error(ErrorCode::Unsupported, "kernel copy is not available in this process (see the probe)");
}

Status kernel_copy_read(const void* from, void* into, std::size_t size) {
  if (!registered(from, size)) return refused("source");
  const int fd = descriptor();
  if (fd < 0) return unavailable();
  auto* out = static_cast<unsigned char*>(into);
  const auto* at = static_cast<const unsigned char*>(from);
  while (size > 0) {
    ssize_t n = ::pread(fd, out, size, offset_of(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return copy_error("pread", n < 0 ? errno : EIO);
    out += n;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status();
}

Status kernel_copy_write(void* to, const void* from, std::size_t size) {
  if (!registered(to, size)) return refused("target");
  const int fd = descriptor();
  if (fd < 0) return unavailable();
  const auto* in = static_cast<const unsigned char*>(from);
  auto* at = static_cast<unsigned char*>(to);
  while (size > 0) {
    ssize_t n = ::pwrite(fd, in, size, offset_of(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return copy_error("pwrite", n < 0 ? errno : EIO);
    in += n;
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status();
}

Status kernel_copy_zero(void* to, std::size_t size) {
  if (!registered(to, size)) return refused("target");
  static const unsigned char zeros[4096] = {};
  constexpr std::size_t kVectors = 64;
  iovec vectors[kVectors];
  const int fd = descriptor();
  if (fd < 0) return unavailable();
  auto* at = static_cast<unsigned char*>(to);
  while (size > 0) {
    // Only the vectors this call uses: a pooled slot's wipe needs one.
    std::size_t count = std::min(kVectors, (size + sizeof zeros - 1) / sizeof zeros);
    std::size_t bytes = std::min(size, count * sizeof zeros);
    for (std::size_t i = 0; i < count; ++i) vectors[i] = iovec{const_cast<unsigned char*>(zeros), sizeof zeros};
    vectors[count - 1].iov_len = bytes - (count - 1) * sizeof zeros;
    ssize_t n = ::pwritev(fd, vectors, static_cast<int>(count), offset_of(at));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return copy_error("pwritev", n < 0 ? errno : EIO);
    at += n;
    size -= static_cast<std::size_t>(n);
  }
  return Status();
}

Status kernel_copy_lock_on_fault(void* ptr, std::size_t size) {
  if (::mlock2(ptr, size, MLOCK_ONFAULT) != 0) {
    const int error = errno;
    return make_os_error(
        error == ENOMEM || error == EAGAIN || error == EPERM ? ErrorCode::LockFailed : ErrorCode::OsError, "mlock2",
        error, "could not lock pages (check RLIMIT_MEMLOCK / ulimit -l)");
  }
  return Status();
}

}  // namespace os
}  // namespace strongroom
