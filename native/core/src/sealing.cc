// Choosing a sealing method, and the scratch buffers of kernel-copy scopes.
#include "strongroom/sealing.h"

#include <mutex>
#include <vector>

#if !defined(_WIN32)
#include <pthread.h>
#endif

#include "os.h"
#include "pool_os.h"
#include "scratch.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"

namespace strongroom {

const char* sealing_name(Sealing sealing) {
  switch (sealing) {
    case Sealing::Pkey:
      return "pkey";
    case Sealing::KernelCopy:
      return "kernel-copy";
    case Sealing::Mprotect:
      return "mprotect";
    case Sealing::None:
      return "none";
  }
  return "none";
}

Status kernel_copy_available() {
  return os::kernel_copy_ready();
}

Status probe_kernel_copy_at(const char* path, int inject_write_errno) {
  return os::kernel_copy_probe(path, inject_write_errno);
}

Status refuse_kernel_copy_for_testing(const char* path, int inject_write_errno) {
  return os::kernel_copy_refuse_for_testing(path, inject_write_errno);
}

Result<SealingChoice> choose_sealing(SealingPreference preference, bool secretmem) {
  SealingChoice choice;
  // A forced method is that method or an error, on every OS.
  const bool forced = preference == SealingPreference::Pkey || preference == SealingPreference::KernelCopy;
  if (!forced && os::at_rest_protection() != Protection::NoAccess) {
    choice.sealing = Sealing::None;
    choice.reason = "pages rest read-only: no-access would unlock locked pages on this OS";
    return choice;
  }
  const char* secretmem_reason =
      "secretmem pages are out of the kernel's direct map: the kernel refuses to copy them "
      "through /proc/self/mem";
  switch (preference) {
    case SealingPreference::Mprotect:
      choice.sealing = Sealing::Mprotect;
      return choice;
    case SealingPreference::Pkey: {
      Result<int> key = os::protection_key();
      if (!key) return key.error();
      choice.sealing = Sealing::Pkey;
      choice.pkey = key.value();
      return choice;
    }
    case SealingPreference::KernelCopy: {
      if (secretmem) return make_error(ErrorCode::Unsupported, secretmem_reason);
      Status ready = os::kernel_copy_ready();
      if (!ready) return ready.error();
      choice.sealing = Sealing::KernelCopy;
      return choice;
    }
    case SealingPreference::Auto:
      break;
  }
  Result<int> key = os::protection_key();
  if (key) {
    choice.sealing = Sealing::Pkey;
    choice.pkey = key.value();
    return choice;
  }
  choice.reason = "no protection key: " + key.error().message;
  Status ready = secretmem ? Status(make_error(ErrorCode::Unsupported, secretmem_reason)) : os::kernel_copy_ready();
  if (ready) {
    choice.sealing = Sealing::KernelCopy;
    return choice;
  }
  choice.sealing = Sealing::Mprotect;
  choice.reason += "; no kernel copy: " + ready.error().message;
  return choice;
}

namespace {

// Buffers kept per nesting depth; larger ones than this are given back when
// their scope ends, so a rare large secret does not hold locked memory.
constexpr std::size_t kKeptScratchBytes = 64 * 1024;

struct ScratchBuffer {
  GuardedAllocation memory;
  bool locked = false;
};

void release(ScratchBuffer& buffer) {
  if (buffer.memory.base == nullptr) return;
  if (buffer.locked) (void)platform_memory::unlock(buffer.memory.data, buffer.memory.data_size);
  os::forget_crash_dump_exclusion(buffer.memory.data);
  (void)platform_memory::free_guarded(buffer.memory);
  buffer = ScratchBuffer();
}

struct ThreadScratch {
  std::vector<ScratchBuffer> buffers;
  std::size_t depth = 0;
  ~ThreadScratch() {
    for (ScratchBuffer& b : buffers) {
      if (b.memory.base != nullptr) secure_wipe(b.memory.data, b.memory.data_size);
      release(b);
    }
  }
};

ThreadScratch& thread_scratch() {
  static thread_local ThreadScratch scratch;
  return scratch;
}

#if !defined(_WIN32)
// Scratch buffers are MADV_DONTFORK: a forked child does not have them, so
// the thread that forked forgets its records of them (nothing to unmap).
void forget_scratch_after_fork() {
  ThreadScratch& scratch = thread_scratch();
  for (ScratchBuffer& b : scratch.buffers) b = ScratchBuffer();
  scratch.depth = 0;
}
void watch_forks() {
  static std::once_flag once;
  std::call_once(once, [] { (void)::pthread_atfork(nullptr, nullptr, forget_scratch_after_fork); });
}
#else
void watch_forks() {}
#endif

Status ensure(ScratchBuffer& buffer, std::size_t size, LockPolicy policy) {
  if (buffer.memory.base != nullptr && buffer.memory.data_size >= size) return Status();
  watch_forks();
  release(buffer);
  Result<GuardedAllocation> mapped = platform_memory::allocate_guarded(size, 1, 1, Protection::ReadWrite);
  if (!mapped) return mapped.error();
  SecureAttributes secure = platform_memory::make_secure(mapped.value().data, mapped.value().data_size);
  if (!secure.locked && policy == LockPolicy::Require) {
    if (secure.dump_excluded) os::forget_crash_dump_exclusion(mapped.value().data);
    (void)platform_memory::free_guarded(mapped.value());
    Error error = secure.lock_error;
    error.code = ErrorCode::LockFailed;
    error.message = "could not lock the scratch buffer of a kernel-copy scope: " + error.message;
    return error;
  }
  if (!secure.locked) log_message(LogLevel::Warn, "kernel-copy scratch buffer not locked");
  buffer.memory = mapped.value();
  buffer.locked = secure.locked;
  return Status();
}

}  // namespace

Result<ScratchLease> ScratchLease::acquire(std::size_t size, LockPolicy policy) {
  ThreadScratch& scratch = thread_scratch();
  if (scratch.buffers.size() <= scratch.depth) scratch.buffers.resize(scratch.depth + 1);
  ScratchBuffer& buffer = scratch.buffers[scratch.depth];
  Status ready = ensure(buffer, size == 0 ? 1 : size, policy);
  if (!ready) return ready.error();
  ++scratch.depth;
  // Against the trailing guard page, as an isolated region's secret: a
  // callback that writes one byte past its copy faults at once.
  return ScratchLease(buffer.memory.data + buffer.memory.data_size - size, size);
}

ScratchLease::ScratchLease(ScratchLease&& other) noexcept : bytes_(other.bytes_), size_(other.size_) {
  other.bytes_ = nullptr;
}

ScratchLease::~ScratchLease() {
  if (bytes_ == nullptr) return;
  secure_wipe(bytes_, size_);
  ThreadScratch& scratch = thread_scratch();
  if (scratch.depth > 0) --scratch.depth;
  ScratchBuffer& buffer = scratch.buffers[scratch.depth];
  if (buffer.memory.data_size > kKeptScratchBytes) release(buffer);
}

void prepare_sealing() {
  if (os::at_rest_protection() != Protection::NoAccess) return;
  // The kernel-copy probe runs on every CPU, keys or not: a vault that forces
  // kernel copy later needs the descriptor, which an unprivileged process can
  // no longer open once it is undumpable. The scratch page is mapped only
  // where kernel copy is what 'auto' picks.
  const bool keys = os::protection_key().ok();
  if (os::kernel_copy_ready() && !keys) (void)reserve_scratch(LockPolicy::BestEffort);
}

Status reserve_scratch(LockPolicy policy) {
  ThreadScratch& scratch = thread_scratch();
  if (scratch.buffers.size() <= scratch.depth) scratch.buffers.resize(scratch.depth + 1);
  return ensure(scratch.buffers[scratch.depth], 1, policy);
}

}  // namespace strongroom
