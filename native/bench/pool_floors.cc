// Benchmark floors for pool sealing: what an open+close costs with nothing
// else around it, measured in C++ so the numbers are not JS's.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "os_pages.h"
#include "os_sealing.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"
#include "floors.h"
#include "strongroom/pool.h"

namespace strongroom {
namespace {

// ns per iteration: the median over short batches (about 20 us each, the
// batch size found by doubling from 1), about 5 * `iterations` in all. A
// shared machine preempts a long round now and then, and even the best of a
// few long rounds carries that; a short batch is rarely preempted, so the
// median is the operation's own cost. The same statistic for every floor here.
template <typename Fn>
double median_ns_per_iteration(std::size_t iterations, Fn&& fn) {
  using Clock = std::chrono::steady_clock;
  const auto ns_since = [](Clock::time_point start) {
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  };
  std::size_t batch = 1;
  for (;;) {  // also the warm-up
    const auto start = Clock::now();
    for (std::size_t i = 0; i < batch; ++i) fn();
    if (ns_since(start) >= 20000 || batch >= iterations) break;
    batch *= 2;
  }
  const std::size_t batches = std::max<std::size_t>(25, 5 * iterations / batch);
  std::vector<double> per_iteration(batches);
  for (double& ns : per_iteration) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < batch; ++i) fn();
    ns = ns_since(start) / static_cast<double>(batch);
  }
  auto middle = per_iteration.begin() + static_cast<std::ptrdiff_t>(batches / 2);
  std::nth_element(per_iteration.begin(), middle, per_iteration.end());
  return *middle;
}

}  // namespace

SealingFloors measure_sealing_floors(std::size_t iterations) {
  SealingFloors floors;
  if (iterations == 0) iterations = 1;
  const std::size_t page = page_size();
  Result<void*> mapped = os::map(page, Protection::ReadWrite);
  if (!mapped) return floors;
  auto* bytes = static_cast<unsigned char*>(mapped.value());
  std::memset(bytes, 1, page);
  volatile unsigned char sink = 0;
  const Protection rest = os::at_rest_protection();
  (void)platform_memory::protect(bytes, page, rest);
  floors.mprotect_pair_ns = median_ns_per_iteration(iterations, [&] {
    (void)platform_memory::protect(bytes, page, Protection::ReadOnly);
    sink = sink + bytes[0];
    (void)platform_memory::protect(bytes, page, rest);
  });
  Result<int> key = os::protection_key();
  if (key && os::protect_with_key(bytes, page, key.value()).ok()) {
    const int k = key.value();
    floors.pkey_pair_ns = median_ns_per_iteration(iterations, [&] {
      os::key_scope_enter(k, false);
      sink = sink + bytes[0];
      os::key_scope_leave(k, false);
    });
  }
  if (os::kernel_copy_ready()) {
    unsigned char copy[32];
    (void)platform_memory::protect(bytes, page, Protection::NoAccess);
    os::kernel_copy_register(bytes, page);
    floors.kernel_copy_read_ns = median_ns_per_iteration(iterations, [&] {
      (void)os::kernel_copy_read(bytes, copy, sizeof copy);
      sink = sink + copy[0];
    });
    os::kernel_copy_unregister(bytes);
    KernelCopyDescriptorCosts costs;
    if (measure_kernel_copy_descriptors(iterations / 10 + 1, &costs)) {
      floors.kernel_copy_rw_pread_ns = costs.read_write_fd_pread;
      floors.kernel_copy_ro_pread_ns = costs.read_only_fd_pread;
      floors.kernel_copy_pwrite_ns = costs.read_write_fd_pwrite;
      floors.kernel_copy_reopen_pwrite_ns = costs.reopen_pwrite_close;
    }
  }
  (void)os::unmap(bytes, page);
  PoolOptions options;
  options.lock_policy = LockPolicy::BestEffort;
  if (auto pool = Pool::create(options)) {
    Pool& p = *pool.value();
    PoolChunk keep = p.allocate(32).value();  // keeps the arena mapped
    floors.pool_allocate_free_ns = median_ns_per_iteration(iterations, [&] {
      Result<PoolChunk> chunk = p.allocate(32);
      if (chunk) (void)p.free(chunk.value());
    });
    (void)p.free(keep);
  }
  return floors;
}

}  // namespace strongroom
