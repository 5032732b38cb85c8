// The floors the benchmarks compare against, measured in C++ (benchmark
// module only: never part of the shipped addon).
#pragma once

#include <cstddef>
#include <optional>

#include "strongroom/sealing.h"

namespace strongroom {

// The raw cost of the ways to open and close secret pages, measured in
// this process for benchmarks: an mprotect pair (no access -> read -> no
// access) on one page, and a pkey_set pair (nullopt without protection keys).
// Nanoseconds per pair, the median of many short batches (pool_floors.cc).
struct SealingFloors {
  double mprotect_pair_ns = 0;
  std::optional<double> pkey_pair_ns;
  // One pread of 32 bytes from a sealed page through the kernel-copy
  // descriptor (nullopt where kernel copy is unavailable): the physical floor
  // of a kernel-copy read scope.
  std::optional<double> kernel_copy_read_ns;
  // Pool::allocate(32) + Pool::free in C++ (no write, no system call): the
  // allocator's own share of a JS allocate+free pair.
  double pool_allocate_free_ns = 0;
  // The descriptor policies weighed for kernel copy (docs/threat-model.md,
  // "The kernel-copy descriptor"): pread through the kept read-write
  // descriptor and through a read-only one, pwrite through the kept one, and
  // open+pwrite+close of a short-lived write descriptor. Empty where kernel
  // copy is unavailable.
  std::optional<double> kernel_copy_rw_pread_ns;
  std::optional<double> kernel_copy_ro_pread_ns;
  std::optional<double> kernel_copy_pwrite_ns;
  std::optional<double> kernel_copy_reopen_pwrite_ns;
};
SealingFloors measure_sealing_floors(std::size_t iterations);

// The descriptor policies weighed for kernel copy, measured on one sealed
// page (ns per 32-byte copy, best of interleaved rounds) through this
// module's own /proc/self/mem descriptors: pread through a kept read-write
// descriptor and through a read-only one, pwrite through the read-write one,
// and open+pwrite+close of a short-lived write descriptor.
struct KernelCopyDescriptorCosts {
  double read_write_fd_pread = 0;   // a kept read-write descriptor
  double read_only_fd_pread = 0;    // a separate read-only descriptor
  double read_write_fd_pwrite = 0;  // a kept read-write descriptor
  double reopen_pwrite_close = 0;   // a short-lived descriptor per write
};
// False where /proc/self/mem cannot be opened or a forced copy through it
// fails (kernel copy is unavailable there too), and off Linux:
// linux_descriptor_floors.cc on Linux, no_descriptor_floors.cc elsewhere.
bool measure_kernel_copy_descriptors(std::size_t iterations, KernelCopyDescriptorCosts* out);

// libsecp256k1's recoverable ECDSA sign plus serialization, its 32-byte key
// copied out of a sealed pool chunk (sealed with `sealing`) by one read
// scope: ns per signature, best of a few rounds (wallet_floors.cc). nullopt
// when the pool or the signature could not be made.
std::optional<double> measure_wallet_sign_floor(std::size_t iterations, SealingPreference sealing);

}  // namespace strongroom
