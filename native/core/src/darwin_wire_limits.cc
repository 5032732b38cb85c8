// macOS wire limits: mlock is refused once the process's wired bytes would
// pass min(RLIMIT_MEMLOCK, vm.user_wire_limit), or the system's would pass
// vm.global_user_wire_limit. Both sysctls are 64-bit byte counts.
#include <sys/sysctl.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "strongroom/hardening.h"

namespace strongroom {
namespace {

Result<std::uint64_t> read_u64(const char* name) {
  std::uint64_t value = 0;
  std::size_t size = sizeof value;
  if (::sysctlbyname(name, &value, &size, nullptr, 0) != 0) {
    return make_os_error(ErrorCode::OsError, "sysctlbyname", errno, std::string("could not read ") + name);
  }
  if (size != sizeof value) {
    return make_error(ErrorCode::OsError, std::string(name) + " is not a 64-bit value here");
  }
  return value;
}

}  // namespace

Result<WireLimits> wire_limits() {
  Result<std::uint64_t> per_process = read_u64("vm.user_wire_limit");
  if (!per_process) return per_process.error();
  Result<std::uint64_t> global = read_u64("vm.global_user_wire_limit");
  if (!global) return global.error();
  WireLimits limits;
  limits.per_process = per_process.value();
  limits.global = global.value();
  return limits;
}

}  // namespace strongroom
