// Fork hygiene on macOS: minherit(VM_INHERIT_NONE) leaves the range out of
// forked children, as MADV_DONTFORK does on Linux. The child has no mapping
// there: a touch faults. mach_vm_region_recurse reads the inheritance back.
#include <mach/vm_inherit.h>
#include <sys/mman.h>

#include <cerrno>

#include "os_pages.h"
#include "strongroom/memlock.h"

namespace strongroom {

Status minherit_none(void* addr, std::size_t len) {
  if (len == 0) return Status();
  if (::minherit(addr, len, VM_INHERIT_NONE) != 0) {
    return make_os_error(ErrorCode::OsError, "minherit", errno, "minherit(VM_INHERIT_NONE) refused");
  }
  return Status();
}

namespace os {

bool exclude_from_fork(void* ptr, std::size_t size) {
  return minherit_none(ptr, size).ok();
}

}  // namespace os
}  // namespace strongroom
