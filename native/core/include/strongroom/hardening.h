// Process-wide hardening: core-dump control with a
// restoring guard, Windows error-mode helpers, and the lock budget.
//
// These change the whole process and are inherited by children. They are
// opt-in: the library never calls them on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "strongroom/error.h"

namespace strongroom {

// RLIMIT_CORE as the OS reports it; nullopt = unlimited.
struct CoreLimit {
  std::optional<std::uint64_t> soft;
  std::optional<std::uint64_t> hard;
};

struct CoreDumpState {
  bool limit_known = false;  // false where RLIMIT_CORE does not exist (Windows)
  CoreLimit limit;
  // Linux PR_GET_DUMPABLE: 1 dumpable, 0 not; nullopt elsewhere.
  std::optional<int> dumpable;
};

Result<CoreDumpState> core_dump_state();

// Sets the RLIMIT_CORE soft limit to 0 and, on Linux, PR_SET_DUMPABLE to 0
// (which also blocks same-uid ptrace and /proc/PID/mem). Unsupported on Windows.
Status disable_core_dumps();

// Disables core dumps and remembers what was there, so restore() can put it
// back. Restoration the OS refuses is returned, never swallowed; the
// destructor restores if restore() was not called and logs a failure.
class CoreDumpsDisabledGuard {
 public:
  static Result<CoreDumpsDisabledGuard> create();
  CoreDumpsDisabledGuard(CoreDumpsDisabledGuard&& other) noexcept;
  CoreDumpsDisabledGuard& operator=(CoreDumpsDisabledGuard&&) = delete;
  CoreDumpsDisabledGuard(const CoreDumpsDisabledGuard&) = delete;
  ~CoreDumpsDisabledGuard();

  Status restore();
  bool active() const { return active_; }
  const CoreDumpState& previous() const { return previous_; }

 private:
  explicit CoreDumpsDisabledGuard(CoreDumpState previous) : previous_(previous) {}
  CoreDumpState previous_;
  bool active_ = true;
};

// Puts back RLIMIT_CORE and dumpable exactly as recorded.
Status restore_core_dump_state(const CoreDumpState& state);

// Windows SetErrorMode; returns the previous mode. Unsupported elsewhere.
Result<std::uint32_t> set_windows_error_mode(std::uint32_t mode);
// SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX;
// returns the previous mode. Unsupported elsewhere.
Result<std::uint32_t> suppress_windows_error_dialogs();
// The current mode without changing it (GetErrorMode). Unsupported elsewhere.
Result<std::uint32_t> windows_error_mode();

constexpr std::uint32_t kSemFailCriticalErrors = 0x0001;
constexpr std::uint32_t kSemNoGpFaultErrorBox = 0x0002;
constexpr std::uint32_t kSemNoOpenFileErrorBox = 0x8000;

struct LockBudget {
  // Bytes the process may lock now; nullopt = unlimited.
  std::optional<std::uint64_t> limit;
  // The most the budget could be raised to without privileges
  // (RLIMIT_MEMLOCK hard limit); nullopt = unlimited or not applicable.
  std::optional<std::uint64_t> ceiling;
};

// The lock budget: the RLIMIT_MEMLOCK soft limit (ceiling: the hard limit)
// on POSIX, capped on macOS by the per-process wire limit; the working set on
// Windows.
Result<LockBudget> lock_budget();

// RLIMIT_MEMLOCK alone (soft as limit, hard as ceiling), before any wire
// limit: what `ulimit -l` shows. Unsupported on Windows.
Result<LockBudget> memlock_rlimit();

// macOS wire limits, in bytes, from sysctl: vm.user_wire_limit caps what one
// process may wire (with RLIMIT_MEMLOCK: the kernel takes the smaller),
// vm.global_user_wire_limit what all processes together may. Unsupported
// elsewhere.
struct WireLimits {
  std::uint64_t per_process = 0;
  std::uint64_t global = 0;
};
Result<WireLimits> wire_limits();

// Raises the lock budget so that at least `bytes` fit: on POSIX the
// RLIMIT_MEMLOCK soft limit, up to the hard limit (never lowered); on Windows
// the minimum and maximum working set (SetProcessWorkingSetSizeEx). Returns
// the budget the OS then reports, which may be less than asked for.
Result<LockBudget> reserve_lock_budget(std::uint64_t bytes);

}  // namespace strongroom

namespace strongroom {

// Linux memfd_secret(2) (5.14+): whether the kernel offers it here. Probed by
// creating and closing one descriptor. Unsupported on other OSes.
Result<bool> memfd_secret_available();

}  // namespace strongroom
