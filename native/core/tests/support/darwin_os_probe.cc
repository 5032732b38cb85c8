// No /proc on macOS: the protection of a page comes from
// mach_vm_region_recurse, asked here directly (not through the core's
// read-back, which these tests check).
#include <mach/mach.h>
#include <mach/mach_vm.h>

#include <cstdint>

#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void* addr) {
  const auto target = static_cast<mach_vm_address_t>(reinterpret_cast<std::uintptr_t>(addr));
  mach_vm_address_t address = target;
  natural_t depth = 0;
  for (int attempts = 0; attempts < 16; ++attempts) {
    mach_vm_size_t size = 0;
    vm_region_submap_info_data_64_t info = {};
    mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
    if (mach_vm_region_recurse(mach_task_self(), &address, &size, &depth,
                               reinterpret_cast<vm_region_recurse_info_t>(&info), &count) != KERN_SUCCESS) {
      return "?";
    }
    if (info.is_submap) {
      ++depth;
      address = target;
      continue;
    }
    // The call returns the entry holding the address, or the next one above.
    if (target < address || target - address >= size) return "?";
    std::string letters = "---";
    if (info.protection & VM_PROT_READ) letters[0] = 'r';
    if (info.protection & VM_PROT_WRITE) letters[1] = 'w';
    if (info.protection & VM_PROT_EXECUTE) letters[2] = 'x';
    return letters;
  }
  return "?";
}

bool running_under_wine() {
  return false;
}

}  // namespace strongroom_test
