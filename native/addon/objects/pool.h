// Pool: pooled storage, many secrets in shared locked arenas; chunks cross
// into JavaScript as numbers (ids), never as addresses.
#pragma once

#include <napi.h>

namespace strongroom_addon {

// exports.Pool, the class (its instances are wiped when the environment ends),
// and the hot calls as plain functions over a pool's id (pool.id):
// poolAllocate(id, size), poolGenerate(id, size), poolImportFrom(id, source),
// poolWrite(id, chunk, source), poolReadInto(id, chunk, target), poolFree(id, chunk).
void DefinePool(Napi::Env env, Napi::Object exports);

// poolSlotSize(size): bytes a chunk of `size` takes in an arena (0 out of range).
Napi::Value PoolSlotSize(const Napi::CallbackInfo& info);

}  // namespace strongroom_addon
