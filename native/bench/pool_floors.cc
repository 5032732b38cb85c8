// Benchmark floors for pool sealing: what an open+close costs with nothing
// else around it, measured in C++ so the numbers are not JS's.
#include <chrono>
#include <cstring>

#include "os_pages.h"
#include "os_sealing.h"
#include "strongroom/page_size.h"
#include "strongroom/platform_memory.h"
#include "floors.h"
#include "strongroom/pool.h"

namespace strongroom {
namespace {

template <typename Fn>
double best_ns_per_iteration(std::size_t iterations, Fn&& fn) {
  double best = 0;
  for (int round = 0; round < 5; ++round) {
    auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < iterations; ++i) fn();
    auto elapsed = std::chrono::steady_clock::now() - start;
    double ns = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(iterations);
    if (round == 0 || ns < best) best = ns;
  }
  return best;
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
  floors.mprotect_pair_ns = best_ns_per_iteration(iterations, [&] {
    (void)platform_memory::protect(bytes, page, Protection::ReadOnly);
    sink = sink + bytes[0];
    (void)platform_memory::protect(bytes, page, rest);
  });
  Result<int> key = os::protection_key();
  if (key && os::protect_with_key(bytes, page, key.value()).ok()) {
    const int k = key.value();
    floors.pkey_pair_ns = best_ns_per_iteration(iterations, [&] {
      os::key_scope_enter(k, false);
      sink = sink + bytes[0];
      os::key_scope_leave(k, false);
    });
  }
  if (os::kernel_copy_ready()) {
    unsigned char copy[32];
    (void)platform_memory::protect(bytes, page, Protection::NoAccess);
    os::kernel_copy_register(bytes, page);
    floors.kernel_copy_read_ns = best_ns_per_iteration(iterations, [&] {
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
    floors.pool_allocate_free_ns = best_ns_per_iteration(iterations, [&] {
      Result<PoolChunk> chunk = p.allocate(32);
      if (chunk) (void)p.free(chunk.value());
    });
    (void)p.free(keep);
  }
  return floors;
}

}  // namespace strongroom
