// Log hook: the core reports degraded security (a refused lock, an odd page
// size) through one process-wide callback instead of printing. The addon
// routes it to JavaScript; without a hook, warnings and errors go to stderr.
#pragma once

#include <string>

namespace strongroom {

enum class LogLevel { Trace, Warn, Error };

const char* log_level_name(LogLevel level);

// `context` is passed back untouched. The hook may be called from any thread
// that calls into the core and must not call back into the core.
using LogHook = void (*)(LogLevel level, const char* message, void* context);

// Installs `hook` (nullptr restores the stderr default) and returns the old one.
LogHook set_log_hook(LogHook hook, void* context);

void log_message(LogLevel level, const std::string& message);

}  // namespace strongroom
