// The per-OS "dumpable" switch: prctl(PR_SET_DUMPABLE) on Linux, nothing
// elsewhere. Internal to the core.
#pragma once

#include <optional>

#include "strongroom/error.h"

namespace strongroom {

// PR_GET_DUMPABLE, or nullopt where the OS has no such flag.
std::optional<int> os_dumpable();
// PR_SET_DUMPABLE; a successful no-op where the OS has no such flag.
Status os_set_dumpable(bool dumpable);

}  // namespace strongroom
