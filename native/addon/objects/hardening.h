// Process hardening: core dumps, the lock budget, Windows error dialogs, and
// what the OS lets a process lock (wire limits, memfd_secret).
#pragma once

#include <napi.h>

namespace strongroom_addon {

Napi::Value CoreDumpState(const Napi::CallbackInfo& info);
Napi::Value DisableCoreDumps(const Napi::CallbackInfo& info);
// The CoreDumpsGuard class: constructing one disables core dumps; restore()
// puts back exactly what was there.
Napi::Function DefineCoreDumpsGuard(Napi::Env env);
Napi::Value SetWindowsErrorMode(const Napi::CallbackInfo& info);
Napi::Value SuppressWindowsErrorDialogs(const Napi::CallbackInfo& info);
Napi::Value WindowsErrorMode(const Napi::CallbackInfo& info);
Napi::Value LockBudget(const Napi::CallbackInfo& info);
Napi::Value ReserveLockBudget(const Napi::CallbackInfo& info);
// RLIMIT_MEMLOCK alone as { limit, ceiling }, or null on Windows.
Napi::Value MemlockRlimit(const Napi::CallbackInfo& info);
// { perProcess, global } in bytes (macOS sysctl vm.user_wire_limit and
// vm.global_user_wire_limit), or null where the OS has no wire limits.
Napi::Value WireLimits(const Napi::CallbackInfo& info);
// true / false, or null where the OS has no memfd_secret.
Napi::Value MemfdSecretAvailable(const Napi::CallbackInfo& info);

}  // namespace strongroom_addon
