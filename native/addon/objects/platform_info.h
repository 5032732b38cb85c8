// Platform info: what the computer and process offer (page size, lock limits,
// whether kernel copy works), and the test hook that refuses kernel copy.
#pragma once

#include <napi.h>

namespace strongroom_addon {

// platformInfo(): { pageSize, memlockLimit, lockedBytes }; null where unknown.
Napi::Value PlatformInfo(const Napi::CallbackInfo& info);
// kernelCopyStatus(): { available, reason } of the process-wide probe.
Napi::Value KernelCopyStatus(const Napi::CallbackInfo& info);
// testing.refuseKernelCopy(path, errno): tests only; before the first probe.
Napi::Value RefuseKernelCopy(const Napi::CallbackInfo& info);

}  // namespace strongroom_addon
