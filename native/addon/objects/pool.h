// Pool: pooled storage, many secrets in shared locked arenas; chunks cross
// into JavaScript as numbers (ids), never as addresses.
#pragma once

#include <napi.h>

#include "strongroom/pool.h"

namespace strongroom_addon {

// The pools of one environment by id.
struct PoolRegistry;

// exports.Pool, the class (its instances are wiped when the environment ends),
// and the hot calls as plain functions over a pool's id (pool.id):
// poolAllocate(id, size), poolGenerate(id, size), poolImportFrom(id, source),
// poolWrite(id, chunk, source), poolReadInto(id, chunk, target), poolFree(id, chunk).
// Returns the environment's pool registry, for PoolById.
PoolRegistry* DefinePool(Napi::Env env, Napi::Object exports);

// The live core pool whose id is `value`; nullptr with a pending JS error.
strongroom::Pool* PoolById(Napi::Env env, PoolRegistry* registry, const Napi::Value& value);

// poolSlotSize(size): bytes a chunk of `size` takes in an arena (0 out of range).
Napi::Value PoolSlotSize(const Napi::CallbackInfo& info);

}  // namespace strongroom_addon
