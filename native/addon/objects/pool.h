// Pool: pooled storage, many secrets in shared locked arenas; chunks cross
// into JavaScript as numbers (ids), never as addresses.
#pragma once

#include <napi.h>

namespace strongroom_addon {

// The Pool class; its instances are wiped when the environment ends.
Napi::Function DefinePool(Napi::Env env);

// poolSlotSize(size): bytes a chunk of `size` takes in an arena (0 out of range).
Napi::Value PoolSlotSize(const Napi::CallbackInfo& info);

}  // namespace strongroom_addon
