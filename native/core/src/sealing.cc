// Choosing a sealing method, and the probes that run before it is chosen.
#include "strongroom/sealing.h"

#include "os_pages.h"
#include "os_sealing.h"
#include "scratch.h"

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

void prepare_sealing() {
  if (os::at_rest_protection() != Protection::NoAccess) return;
  // The kernel-copy probe runs on every CPU, keys or not: a vault that forces
  // kernel copy later needs the descriptor, which an unprivileged process can
  // no longer open once it is undumpable. The scratch page is mapped only
  // where kernel copy is what 'auto' picks.
  const bool keys = os::protection_key().ok();
  if (os::kernel_copy_ready() && !keys) (void)reserve_scratch(LockPolicy::BestEffort);
}

}  // namespace strongroom
