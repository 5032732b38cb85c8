// How secret pages are closed when no scope is open. Shared by isolated
// regions (protected_region.h) and pools (pool.h).
#pragma once

#include <cstdint>

namespace strongroom {

enum class Sealing : std::uint8_t {
  None,      // pages are accessible at rest (Windows: read-only, to stay locked)
  Mprotect,  // no-access at rest via mprotect / VirtualProtect
  Pkey,      // memory protection key; access per thread via pkey_set
};
const char* sealing_name(Sealing sealing);

enum class SealingPreference : std::uint8_t {
  Auto,      // a protection key where available, else mprotect
  Mprotect,  // never a protection key (benchmarks, comparisons)
};

}  // namespace strongroom
