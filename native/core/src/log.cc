#include "strongroom/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace strongroom {
namespace {

std::mutex g_hook_mutex;
LogHook g_hook = nullptr;
void* g_context = nullptr;

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Trace:
      return "trace";
    case LogLevel::Warn:
      return "warn";
    case LogLevel::Error:
      return "error";
  }
  return "error";
}

LogHook set_log_hook(LogHook hook, void* context) {
  std::lock_guard<std::mutex> lock(g_hook_mutex);
  LogHook previous = g_hook;
  g_hook = hook;
  g_context = context;
  return previous;
}

void log_message(LogLevel level, const std::string& message) {
  LogHook hook;
  void* context;
  {
    std::lock_guard<std::mutex> lock(g_hook_mutex);
    hook = g_hook;
    context = g_context;
  }
  if (hook != nullptr) {
    hook(level, message.c_str(), context);
    return;
  }
  if (level != LogLevel::Trace) {
    std::fprintf(stderr, "strongroom %s: %s\n", log_level_name(level), message.c_str());
  }
}

}  // namespace strongroom
