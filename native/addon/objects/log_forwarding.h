// Log forwarding: the core's log messages, delivered to a JavaScript listener.
#pragma once

#include <napi.h>

namespace strongroom_addon {

// setLogListener(fn | null): fn(level, message) is called on this
// environment's JS thread; the environment's teardown removes it.
Napi::Function DefineSetLogListener(Napi::Env env);

}  // namespace strongroom_addon
