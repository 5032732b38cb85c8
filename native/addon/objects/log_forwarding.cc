// Log forwarding: core messages reach JavaScript asynchronously.
//
// Every environment (the main thread, each worker) that set a listener gets
// every core message: the core's hook is process-wide, the listeners are
// per environment, and an environment that ends takes only its own away.
#include "log_forwarding.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "convert.h"
#include "strongroom/log.h"

namespace strongroom_addon {
namespace {

struct LogEntry {
  strongroom::LogLevel level;
  std::string message;
};

std::mutex g_log_mutex;
std::vector<Napi::ThreadSafeFunction*> g_log_listeners;

void CallLogListener(Napi::Env env, Napi::Function callback, LogEntry* entry) {
  std::unique_ptr<LogEntry> owned(entry);
  // env/callback are null while the environment tears down; and a call may
  // fail then too (JS can no longer run). A log line is never worth a crash:
  // call through the C API and drop any failure.
  if (env == nullptr || callback == nullptr) return;
  napi_value args[2] = {Napi::String::New(env, strongroom::log_level_name(owned->level)),
                        Napi::String::New(env, owned->message)};
  napi_value result;
  if (napi_call_function(env, env.Undefined(), callback, 2, args, &result) != napi_ok) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
  }
}

void ForwardLog(strongroom::LogLevel level, const char* message, void*) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  for (Napi::ThreadSafeFunction* listener : g_log_listeners) {
    auto* entry = new LogEntry{level, message};
    if (listener->NonBlockingCall(entry, CallLogListener) != napi_ok) delete entry;
  }
}

// Removes this environment's listener, if any; the hook goes when none is left.
void StopLogForwarding(Napi::ThreadSafeFunction* own) {
  std::lock_guard<std::mutex> lock(g_log_mutex);
  auto it = std::find(g_log_listeners.begin(), g_log_listeners.end(), own);
  if (it == g_log_listeners.end()) return;
  g_log_listeners.erase(it);
  own->Release();
  if (g_log_listeners.empty()) strongroom::set_log_hook(nullptr, nullptr);
}

Napi::Value SetLogListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsFunction() || info[0].IsNull())) {
    throw_invalid(env, "setLogListener(fn | null)");
    return env.Undefined();
  }
  auto* own = static_cast<Napi::ThreadSafeFunction*>(info.Data());  // this environment's listener
  StopLogForwarding(own);
  if (info[0].IsNull()) return env.Undefined();
  *own = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(), "strongroom-log", 0, 1);
  own->Unref(env);  // logging never keeps the process alive
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_log_listeners.push_back(own);
  strongroom::set_log_hook(&ForwardLog, nullptr);
  return env.Undefined();
}

}  // namespace

Napi::Function DefineSetLogListener(Napi::Env env) {
  auto* own = new Napi::ThreadSafeFunction();  // registered in g_log_listeners while set
  env.AddCleanupHook([own] {
    StopLogForwarding(own);
    delete own;
  });
  return Napi::Function::New(env, SetLogListener, "setLogListener", own);
}

}  // namespace strongroom_addon
