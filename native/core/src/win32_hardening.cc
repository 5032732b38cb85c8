// Windows hardening: error modes and the working-set lock budget.
// Windows has no RLIMIT_CORE: core-dump control is Unsupported here (Windows
// Error Reporting exclusion is per region, see the docs).
#include <windows.h>

#include <algorithm>

#include "strongroom/hardening.h"
#include "strongroom/page_size.h"

namespace strongroom {
namespace {

// Working-set pages Windows keeps out of the lockable budget (Botan measured
// 11 on Windows 7, 8.1 and 10; Windows Internals says 8).
constexpr std::uint64_t kWorkingSetOverheadPages = 11;

Error last_error(const char* syscall, const char* what) {
  return make_os_error(ErrorCode::OsError, syscall, static_cast<int>(GetLastError()), what);
}

}  // namespace

Result<CoreDumpState> core_dump_state() {
  return CoreDumpState();  // limit_known = false, dumpable unknown: nothing to read here
}

Status disable_core_dumps() {
  return make_error(ErrorCode::Unsupported,
                    "Windows has no RLIMIT_CORE; crash dumps are controlled by Windows Error "
                    "Reporting, not per process");
}

Status restore_core_dump_state(const CoreDumpState&) {
  return make_error(ErrorCode::Unsupported, "Windows has no RLIMIT_CORE");
}

Result<std::uint32_t> set_windows_error_mode(std::uint32_t mode) {
  return static_cast<std::uint32_t>(SetErrorMode(static_cast<UINT>(mode)));
}

Result<std::uint32_t> suppress_windows_error_dialogs() {
  const UINT flags = SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX;
  const UINT previous = GetErrorMode();
  SetErrorMode(previous | flags);  // keep flags the process already had
  return static_cast<std::uint32_t>(previous);
}

Result<std::uint32_t> windows_error_mode() {
  return static_cast<std::uint32_t>(GetErrorMode());
}

Result<LockBudget> lock_budget() {
  SIZE_T minimum = 0, maximum = 0;
  if (!GetProcessWorkingSetSize(GetCurrentProcess(), &minimum, &maximum)) {
    return last_error("GetProcessWorkingSetSize", "could not read the working set size");
  }
  const std::uint64_t overhead = kWorkingSetOverheadPages * page_size();
  LockBudget budget;
  budget.limit = minimum > overhead ? static_cast<std::uint64_t>(minimum) - overhead : 0;
  return budget;  // ceiling: none below physical memory and policy
}

Result<LockBudget> memlock_rlimit() {
  return make_error(ErrorCode::Unsupported, "RLIMIT_MEMLOCK does not exist on Windows");
}

Result<LockBudget> reserve_lock_budget(std::uint64_t bytes) {
  SIZE_T minimum = 0, maximum = 0;
  if (!GetProcessWorkingSetSize(GetCurrentProcess(), &minimum, &maximum)) {
    return last_error("GetProcessWorkingSetSize", "could not read the working set size");
  }
  const std::uint64_t overhead = kWorkingSetOverheadPages * page_size();
  const std::uint64_t wanted_min = std::max<std::uint64_t>(minimum, bytes + overhead);
  if (wanted_min > minimum) {
    // Keep the maximum at least as far above the minimum as it was.
    const std::uint64_t gap = maximum > minimum ? maximum - minimum : 0;
    const std::uint64_t wanted_max = std::max<std::uint64_t>(maximum, wanted_min + gap);
    if (!SetProcessWorkingSetSizeEx(GetCurrentProcess(), static_cast<SIZE_T>(wanted_min),
                                    static_cast<SIZE_T>(wanted_max),
                                    QUOTA_LIMITS_HARDWS_MIN_DISABLE | QUOTA_LIMITS_HARDWS_MAX_DISABLE)) {
      return last_error("SetProcessWorkingSetSizeEx", "could not raise the working set");
    }
  }
  return lock_budget();
}

}  // namespace strongroom
