// Test-side questions to Windows, answered independently of the core.
#include <windows.h>

#include "os_probe.h"

namespace strongroom_test {

std::string os_protection(const void* addr) {
  MEMORY_BASIC_INFORMATION info;
  if (VirtualQuery(addr, &info, sizeof info) != sizeof info) return "?";
  if (info.State != MEM_COMMIT) return "?";  // reserved or free: not a page we made
  // The modifiers (PAGE_GUARD, PAGE_NOCACHE, PAGE_WRITECOMBINE) sit above the base value.
  switch (info.Protect & 0xFF) {
    case PAGE_NOACCESS:
      return "---";
    case PAGE_READONLY:
      return "r--";
    case PAGE_READWRITE:
    case PAGE_WRITECOPY:
      return "rw-";
    case PAGE_EXECUTE:
      return "--x";
    case PAGE_EXECUTE_READ:
      return "r-x";
    case PAGE_EXECUTE_READWRITE:
    case PAGE_EXECUTE_WRITECOPY:
      return "rwx";
    default:
      return "?";
  }
}

// Kept separate from the core's own detection on purpose: a test oracle.
bool running_under_wine() {
  HMODULE ntdll = GetModuleHandleA("ntdll.dll");
  return ntdll != nullptr && GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

}  // namespace strongroom_test
