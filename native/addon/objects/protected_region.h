// ProtectedRegion: one secret in its own guarded, locked, sealed pages.
#pragma once

#include <napi.h>

#include <memory>

#include "strongroom/protected_region.h"

namespace strongroom_addon {

// The class of one environment: what AdoptRegion needs to make an instance.
struct RegionClass;

// The ProtectedRegion class; its instances are wiped when the environment ends.
Napi::Function DefineProtectedRegion(Napi::Env env, RegionClass** region_class);

// The live core region of a ProtectedRegion instance (checked by its type
// tag, so no other wrapped object passes); nullptr with a pending JS error.
strongroom::ProtectedRegion* RegionOf(Napi::Env env, const Napi::Value& value);

// A new ProtectedRegion instance that owns `region` (made by native code,
// e.g. a derived key); undefined with a pending JS error.
Napi::Value AdoptRegion(Napi::Env env, RegionClass* region_class, std::unique_ptr<strongroom::ProtectedRegion> region);

}  // namespace strongroom_addon
