// POSIX hardening: RLIMIT_CORE and RLIMIT_MEMLOCK (with macOS's wire limit).
// Windows error modes do not exist here and are Unsupported, as the hardening
// API documents.
#include <sys/resource.h>

#include <cerrno>

#include "posix_dumpable.h"
#include "strongroom/hardening.h"

namespace strongroom {
namespace {

std::optional<std::uint64_t> from_rlim(rlim_t value) {
  if (value == RLIM_INFINITY) return std::nullopt;
  return static_cast<std::uint64_t>(value);
}

rlim_t to_rlim(const std::optional<std::uint64_t>& value) {
  return value ? static_cast<rlim_t>(*value) : RLIM_INFINITY;
}

Status unsupported_error_mode() {
  return make_error(ErrorCode::Unsupported, "Windows error modes exist only on Windows");
}

}  // namespace

Result<CoreDumpState> core_dump_state() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_CORE, &rl) != 0) {
    return make_os_error(ErrorCode::OsError, "getrlimit", errno, "could not read RLIMIT_CORE");
  }
  CoreDumpState state;
  state.limit_known = true;
  state.limit.soft = from_rlim(rl.rlim_cur);
  state.limit.hard = from_rlim(rl.rlim_max);
  state.dumpable = os_dumpable();
  return state;
}

Status disable_core_dumps() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_CORE, &rl) != 0) {
    return make_os_error(ErrorCode::OsError, "getrlimit", errno, "could not read RLIMIT_CORE");
  }
  rl.rlim_cur = 0;  // lowering the soft limit needs no privilege
  if (setrlimit(RLIMIT_CORE, &rl) != 0) {
    return make_os_error(ErrorCode::OsError, "setrlimit", errno, "could not set RLIMIT_CORE to 0");
  }
  return os_set_dumpable(false);
}

Status restore_core_dump_state(const CoreDumpState& state) {
  if (!state.limit_known) return make_error(ErrorCode::InvalidArgument, "no recorded RLIMIT_CORE");
  struct rlimit rl;
  rl.rlim_cur = to_rlim(state.limit.soft);
  rl.rlim_max = to_rlim(state.limit.hard);
  if (setrlimit(RLIMIT_CORE, &rl) != 0) {
    // Raising the hard limit back needs privilege; the soft limit alone may still fit.
    return make_os_error(ErrorCode::OsError, "setrlimit", errno, "could not restore RLIMIT_CORE");
  }
  if (state.dumpable) return os_set_dumpable(*state.dumpable != 0);
  return Status();
}

Result<std::uint32_t> set_windows_error_mode(std::uint32_t) {
  return unsupported_error_mode().error();
}
Result<std::uint32_t> suppress_windows_error_dialogs() {
  return unsupported_error_mode().error();
}
Result<std::uint32_t> windows_error_mode() {
  return unsupported_error_mode().error();
}

Result<LockBudget> memlock_rlimit() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
    return make_os_error(ErrorCode::OsError, "getrlimit", errno, "could not read RLIMIT_MEMLOCK");
  }
  LockBudget budget;
  budget.limit = from_rlim(rl.rlim_cur);
  budget.ceiling = from_rlim(rl.rlim_max);
  return budget;
}

Result<LockBudget> lock_budget() {
  Result<LockBudget> rlimit = memlock_rlimit();
  if (!rlimit) return rlimit;
  LockBudget budget = rlimit.value();
  // macOS wires at most min(RLIMIT_MEMLOCK, vm.user_wire_limit) per process.
  // The global limit is shared with every other process: not a budget.
  if (Result<WireLimits> wire = wire_limits()) {
    const std::uint64_t cap = wire.value().per_process;
    if (!budget.limit || *budget.limit > cap) budget.limit = cap;
    if (!budget.ceiling || *budget.ceiling > cap) budget.ceiling = cap;
  }
  return budget;
}

Result<LockBudget> reserve_lock_budget(std::uint64_t bytes) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
    return make_os_error(ErrorCode::OsError, "getrlimit", errno, "could not read RLIMIT_MEMLOCK");
  }
  if (rl.rlim_cur != RLIM_INFINITY && static_cast<std::uint64_t>(rl.rlim_cur) < bytes) {
    rlim_t wanted = static_cast<rlim_t>(bytes);
    if (rl.rlim_max != RLIM_INFINITY && wanted > rl.rlim_max) wanted = rl.rlim_max;
    rl.rlim_cur = wanted;
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
      return make_os_error(ErrorCode::OsError, "setrlimit", errno, "could not raise RLIMIT_MEMLOCK");
    }
  }
  return lock_budget();
}

}  // namespace strongroom
