// The Strongroom addon: a Node-API adapter for the core. It converts types
// and maps errors; every policy (sizes, lock policy, handles) lives in main/.
// This file is the list of what it exposes; each object lives in objects/,
// and every argument is read through convert.h (a wallet secret or a target
// for a new one through secret_args.h).
#include <napi.h>

#include "objects/hardening.h"
#include "objects/keystore.h"
#include "objects/log_forwarding.h"
#include "objects/platform_info.h"
#include "objects/pool.h"
#include "objects/protected_region.h"
#include "objects/wallet.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "strongroom/sealing.h"

namespace strongroom_addon {
namespace {

template <Napi::Value (*fn)(const Napi::CallbackInfo&)>
void export_function(Napi::Env env, Napi::Object exports, const char* name) {
  exports.Set(name, Napi::Function::New<fn>(env, name));
}

void export_size(Napi::Env env, Napi::Object exports, const char* name, std::size_t value) {
  exports.Set(name, Napi::Number::New(env, static_cast<double>(value)));
}

}  // namespace
}  // namespace strongroom_addon

namespace {

using namespace strongroom_addon;

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegionClass* regions = nullptr;
  exports.Set("ProtectedRegion", DefineProtectedRegion(env, &regions));
  export_function<PlatformInfo>(env, exports, "platformInfo");
  exports.Set("setLogListener", DefineSetLogListener(env));
  export_function<CoreDumpState>(env, exports, "coreDumpState");
  export_function<DisableCoreDumps>(env, exports, "disableCoreDumps");
  exports.Set("CoreDumpsGuard", DefineCoreDumpsGuard(env));
  export_function<SetWindowsErrorMode>(env, exports, "setWindowsErrorMode");
  export_function<SuppressWindowsErrorDialogs>(env, exports, "suppressWindowsErrorDialogs");
  export_function<WindowsErrorMode>(env, exports, "windowsErrorMode");
  export_function<LockBudget>(env, exports, "lockBudget");
  export_function<ReserveLockBudget>(env, exports, "reserveLockBudget");
  export_function<MemlockRlimit>(env, exports, "memlockRlimit");
  export_function<WireLimits>(env, exports, "wireLimits");
  export_function<MemfdSecretAvailable>(env, exports, "memfdSecretAvailable");
  export_size(env, exports, "canarySize", strongroom::kCanarySize);
  PoolRegistry* pools = DefinePool(env, exports);
  DefineWallet(env, exports, pools, regions);
  DefineKeystore(env, exports, pools, regions);
  export_function<PoolSlotSize>(env, exports, "poolSlotSize");
  export_size(env, exports, "defaultArenaSize", strongroom::kDefaultArenaSize);
  export_function<KernelCopyStatus>(env, exports, "kernelCopyStatus");
  Napi::Object testing = Napi::Object::New(env);
  export_function<RefuseKernelCopy>(env, testing, "refuseKernelCopy");
  exports.Set("testing", testing);
  // Probes sealing while the process is surely still dumpable, so a later
  // hardening.disableCoreDumps() cannot cost an unprivileged process the
  // kernel-copy descriptor.
  strongroom::prepare_sealing();
  return exports;
}

}  // namespace

NODE_API_MODULE(strongroom, Init)
