// OS read-back on macOS: mach_vm_region_recurse with the
// vm_region_submap_info_64 flavour reports, per map entry, the protection,
// the inheritance on fork and the user wire count (mlock). This file only
// walks the entries; darwin_region_facts.cc, compiled and tested on every
// OS, turns them into facts.
#include <mach/mach.h>
#include <mach/mach_vm.h>

#include <vector>

#include "strongroom/darwin_region_facts.h"
#include "strongroom/readback.h"

namespace strongroom {
namespace {

static_assert(VM_PROT_READ == darwin::kVmProtRead, "VM_PROT_READ");
static_assert(VM_PROT_WRITE == darwin::kVmProtWrite, "VM_PROT_WRITE");
static_assert(VM_PROT_EXECUTE == darwin::kVmProtExecute, "VM_PROT_EXECUTE");
static_assert(VM_INHERIT_SHARE == darwin::kVmInheritShare, "VM_INHERIT_SHARE");
static_assert(VM_INHERIT_COPY == darwin::kVmInheritCopy, "VM_INHERIT_COPY");
static_assert(VM_INHERIT_NONE == darwin::kVmInheritNone, "VM_INHERIT_NONE");

// Submaps (the shared cache) nest a level or two; more means a walk gone wrong.
constexpr natural_t kMaxDepth = 16;

// Appends the leaf entries from the one holding `from` (or the next above
// it) up to `to`; to == 0 walks to the end of the address space. False when
// a call fails other than by running past the last entry.
bool walk_regions(mach_vm_address_t from, mach_vm_address_t to, std::vector<darwin::RegionRecord>* records) {
  mach_vm_address_t address = from;
  natural_t depth = 0;
  while (to == 0 || address < to) {
    mach_vm_size_t size = 0;
    vm_region_submap_info_data_64_t info = {};
    mach_msg_type_number_t count = VM_REGION_SUBMAP_INFO_COUNT_64;
    const kern_return_t result = mach_vm_region_recurse(mach_task_self(), &address, &size, &depth,
                                                        reinterpret_cast<vm_region_recurse_info_t>(&info), &count);
    if (result == KERN_INVALID_ADDRESS) return true;  // nothing mapped at or above
    if (result != KERN_SUCCESS) return false;
    if (info.is_submap) {
      // Ask again one level down: the entries inside are the real ones.
      if (++depth > kMaxDepth) return false;
      continue;
    }
    if (to != 0 && address >= to) return true;
    darwin::RegionRecord record;
    record.start = address;
    record.size = size;
    record.protection = static_cast<int>(info.protection);
    record.inheritance = static_cast<int>(info.inheritance);
    record.user_wired_count = info.user_wired_count;
    records->push_back(record);
    if (address + size <= address) return true;  // the top of the address space
    address += size;
  }
  return true;
}

darwin::RegionFacts facts_of(const void* addr, std::size_t len) {
  if (addr == nullptr || len == 0) return darwin::RegionFacts();
  const auto begin = static_cast<mach_vm_address_t>(reinterpret_cast<std::uintptr_t>(addr));
  const mach_vm_address_t end = begin + len;
  if (end < begin) return darwin::RegionFacts();
  std::vector<darwin::RegionRecord> records;
  if (!walk_regions(begin, end, &records)) return darwin::RegionFacts();
  return darwin::facts_for_range(records, begin, len);
}

}  // namespace

RangeFacts query_range(const void* addr, std::size_t len) {
  return facts_of(addr, len).range;
}

Fact query_no_access(const void* addr, std::size_t len) {
  return facts_of(addr, len).no_access;
}

// The sum the kernel checks the wire limits against (see wired_bytes): a
// walk over every entry, so not for hot paths.
std::optional<std::uint64_t> process_locked_bytes() {
  std::vector<darwin::RegionRecord> records;
  if (!walk_regions(0, 0, &records)) return std::nullopt;
  return darwin::wired_bytes(records);
}

// macOS has no memory protection keys to read back.
Fact query_protection_key(const void*, std::size_t, int) {
  return Fact::Unknown;
}

}  // namespace strongroom
