// The descriptor policies weighed for kernel copy (Linux), measured on one
// sealed (no-access) page through this module's own /proc/self/mem
// descriptors: the core's kernel-copy descriptor is private to it, and the
// cost of a kept descriptor is the cost of a pread/pwrite on any descriptor
// opened the same way (O_RDWR | O_CLOEXEC, used only with pread/pwrite).
#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "floors.h"
#include "strongroom/platform_memory.h"

namespace strongroom {
namespace {

constexpr const char* kProcessMemory = "/proc/self/mem";

off_t offset_of(const void* address) {
  return static_cast<off_t>(reinterpret_cast<std::uintptr_t>(address));
}

// One forced write and its read-back through each descriptor: where the
// kernel refuses forced access to no-access pages, the core's kernel copy
// is unavailable too and there is nothing to measure.
bool forced_copy_works(int read_write, int read_only, off_t at) {
  unsigned char pattern[32];
  for (std::size_t i = 0; i < sizeof pattern; ++i) pattern[i] = static_cast<unsigned char>(0xa5 ^ i);
  if (::pwrite(read_write, pattern, sizeof pattern, at) != static_cast<ssize_t>(sizeof pattern)) return false;
  for (int fd : {read_write, read_only}) {
    unsigned char back[sizeof pattern] = {};
    if (::pread(fd, back, sizeof back, at) != static_cast<ssize_t>(sizeof back)) return false;
    if (std::memcmp(back, pattern, sizeof back) != 0) return false;
  }
  return true;
}

}  // namespace

bool measure_kernel_copy_descriptors(std::size_t iterations, KernelCopyDescriptorCosts* out) {
  if (iterations == 0 || out == nullptr) return false;
  const int fd = ::open(kProcessMemory, O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const int read_only = ::open(kProcessMemory, O_RDONLY | O_CLOEXEC);
  if (read_only < 0) {
    ::close(fd);
    return false;
  }
  const std::size_t page = platform_memory::page_size();
  Result<Allocation> mapped = platform_memory::allocate(page, page, Protection::NoAccess, AllocationType::Regular);
  if (!mapped) {
    ::close(read_only);
    ::close(fd);
    return false;
  }
  const Allocation sealed = mapped.value();
  const off_t at = offset_of(sealed.ptr);
  bool measured = false;
  if (forced_copy_works(fd, read_only, at)) {
    unsigned char bytes[32] = {};
    // Rounds interleave the four policies, so a noisy moment hits all of
    // them alike; each keeps its best round.
    auto once = [iterations](auto&& fn) {
      auto start = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < iterations; ++i) fn();
      return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() /
             static_cast<double>(iterations);
    };
    auto keep_best = [](double& best, double ns) {
      if (best == 0 || ns < best) best = ns;
    };
    *out = KernelCopyDescriptorCosts();
    for (int round = 0; round < 7; ++round) {
      keep_best(out->read_write_fd_pread, once([&] { (void)!::pread(fd, bytes, sizeof bytes, at); }));
      keep_best(out->read_only_fd_pread, once([&] { (void)!::pread(read_only, bytes, sizeof bytes, at); }));
      keep_best(out->read_write_fd_pwrite, once([&] { (void)!::pwrite(fd, bytes, sizeof bytes, at); }));
      keep_best(out->reopen_pwrite_close, once([&] {
                  int short_lived = ::open(kProcessMemory, O_WRONLY | O_CLOEXEC);
                  if (short_lived >= 0) {
                    (void)!::pwrite(short_lived, bytes, sizeof bytes, at);
                    ::close(short_lived);
                  }
                }));
    }
    measured = true;
  }
  ::close(read_only);
  ::close(fd);
  (void)platform_memory::free(sealed);
  return measured;
}

}  // namespace strongroom
