// How secret pages are closed when no scope is open. Shared by isolated
// regions (protected_region.h) and pools (pool.h).
#pragma once

#include <cstdint>
#include <string>

#include "strongroom/error.h"

namespace strongroom {

enum class Sealing : std::uint8_t {
  None,        // pages are accessible at rest (Windows: read-only, to stay locked)
  Mprotect,    // no-access at rest via mprotect / VirtualProtect, opened for each scope
  Pkey,        // memory protection key; access per thread via pkey_set
  KernelCopy,  // no-access at rest and never opened: bytes are copied in and
               // out by the kernel (Linux /proc/self/mem, pread/pwrite)
};
const char* sealing_name(Sealing sealing);

enum class SealingPreference : std::uint8_t {
  Auto,        // the first that works of: pkey, kernel copy, mprotect
  Mprotect,    // always mprotect (benchmarks, comparisons)
  Pkey,        // a protection key or an Unsupported error
  KernelCopy,  // the kernel copy or an Unsupported error
};

// The sealing method a region or pool gets, and why the better ones were not
// used ("" when the first choice worked or a method was forced).
struct SealingChoice {
  Sealing sealing = Sealing::Mprotect;
  int pkey = -1;
  std::string reason;
};
// secretmem: the pages come from memfd_secret(2), which the kernel never
// copies through /proc/self/mem (it answers EIO), so kernel copy is skipped.
// Errors: Unsupported (with the reason) when a forced method is unavailable.
Result<SealingChoice> choose_sealing(SealingPreference preference, bool secretmem = false);

// Kernel copy: whether this process can reach its own no-access pages through
// the kernel. The probe runs once, at first use, and opens the descriptor it
// keeps then: after PR_SET_DUMPABLE 0 an unprivileged process can no longer
// open /proc/self/mem, but a descriptor opened earlier keeps working.
// Unsupported, with the reason, where it cannot.
Status kernel_copy_available();

// Runs the probes now: a protection key, and kernel copy, whose descriptor
// is then open before anything makes the process undumpable (also where keys
// exist: a vault may force kernel copy). Where there is no key, kernel copy's
// scratch buffer for the calling thread is mapped and locked (one page), so
// it is part of the process's baseline rather than a surprise in the first
// scope. Call early (the Node addon does when it loads).
void prepare_sealing();

// Tests of a whole process set STRONGROOM_SIMULATED_KERNEL_COPY_REFUSAL to
// "PATH" or "PATH:ERRNO": the process-wide probe then runs against PATH
// (ERRNO injected as the answer to its forced write) and kernel copy stays
// off with the probe's reason. Linux only; it can only cause a fallback.
//
// For tests: runs the whole probe against `path` instead of /proc/self/mem,
// with `inject_write_errno` (if not 0) as the answer to the probe's forced
// write, as a kernel booted with proc_mem.force_override=never gives EIO.
// Never touches the process-wide state.
Status probe_kernel_copy_at(const char* path, int inject_write_errno = 0);
// For tests that check the fallback end to end: makes the process-wide probe
// fail with this simulated refusal. Only before the first use; InvalidArgument
// after it.
Status refuse_kernel_copy_for_testing(const char* path, int inject_write_errno = 0);

}  // namespace strongroom
