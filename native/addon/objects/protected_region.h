// ProtectedRegion: one secret in its own guarded, locked, sealed pages.
#pragma once

#include <napi.h>

namespace strongroom_addon {

// The ProtectedRegion class; its instances are wiped when the environment ends.
Napi::Function DefineProtectedRegion(Napi::Env env);

}  // namespace strongroom_addon
