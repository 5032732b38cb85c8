// The scratch buffers of kernel-copy scopes and of the wallet's
// intermediates (scratch.h): per thread, per nesting depth.
#include "scratch.h"

#include <mutex>
#include <vector>

#include "os_pages.h"
#include "strongroom/log.h"
#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"

namespace strongroom {
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

// Scratch buffers are excluded from forks (MADV_DONTFORK, VM_INHERIT_NONE):
// a forked child does not have them, so the thread that forked forgets its
// records of them (nothing to unmap).
void forget_scratch_after_fork() {
  ThreadScratch& scratch = thread_scratch();
  for (ScratchBuffer& b : scratch.buffers) b = ScratchBuffer();
  scratch.depth = 0;
}
void watch_forks() {
  static std::once_flag once;
  std::call_once(once, [] { os::call_in_forked_child(forget_scratch_after_fork); });
}

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

Status reserve_scratch(LockPolicy policy) {
  ThreadScratch& scratch = thread_scratch();
  if (scratch.buffers.size() <= scratch.depth) scratch.buffers.resize(scratch.depth + 1);
  return ensure(scratch.buffers[scratch.depth], 1, policy);
}

}  // namespace strongroom
