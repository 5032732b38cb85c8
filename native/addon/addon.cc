// Node-API adapter for the Strongroom core. It converts types and maps
// errors; every policy (sizes, lock policy, handles) lives in main/.
//
// Secret bytes cross into JavaScript only as copies into a Uint8Array the
// caller owns and wipes: no ArrayBuffer ever points at locked memory
// (NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED is defined for this file).
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "convert.h"
#include "strongroom/hardening.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/log.h"
#include "strongroom/page_size.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"

// Pooled storage lives in pool_binding.cc.
void InitPool(Napi::Env env, Napi::Object exports);

namespace {

using namespace strongroom_addon;

// Both facts hold: Yes only if both are Yes; No if either is No.
strongroom::Fact both(strongroom::Fact a, strongroom::Fact b) {
  if (a == strongroom::Fact::No || b == strongroom::Fact::No) return strongroom::Fact::No;
  if (a == strongroom::Fact::Yes && b == strongroom::Fact::Yes) return strongroom::Fact::Yes;
  return strongroom::Fact::Unknown;
}

Napi::Value optional_number(Napi::Env env, bool has, double value) {
  return has ? Napi::Number::New(env, value) : env.Null();
}

// A Uint8Array argument of exactly `size` bytes, or nullptr (and a pending error).
std::uint8_t* exact_bytes(const Napi::CallbackInfo& info, std::size_t size) {
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_invalid(info.Env(), "expected a Uint8Array");
    return nullptr;
  }
  Napi::Uint8Array array = info[0].As<Napi::Uint8Array>();
  if (array.ByteLength() != size) {
    throw_invalid(info.Env(), "expected exactly " + std::to_string(size) + " bytes");
    return nullptr;
  }
  return array.Data();
}

class RegionWrap;

// Per-environment state: the live regions, wiped when the environment ends
// (process exit, worker exit) even if JavaScript never destroyed them.
struct AddonData {
  std::set<RegionWrap*> live;
  Napi::ThreadSafeFunction log_listener;  // registered in g_log_listeners while set
  ~AddonData();
};

class RegionWrap : public Napi::ObjectWrap<RegionWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "ProtectedRegion",
                       {
                           InstanceMethod<&RegionWrap::FillRandom>("fillRandom"),
                           InstanceMethod<&RegionWrap::Write>("write"),
                           InstanceMethod<&RegionWrap::ReadInto>("readInto"),
                           InstanceMethod<&RegionWrap::Wipe>("wipe"),
                           InstanceMethod<&RegionWrap::Summary>("summary"),
                           InstanceMethod<&RegionWrap::Inspect>("inspect"),
                           InstanceMethod<&RegionWrap::Destroy>("destroy"),
                       });
  }

  // new ProtectedRegion(size: number, maxSize: number, requireLock: boolean,
  //                     sealing: 'auto' | 'pkey' | 'kernel-copy' | 'mprotect' = 'auto')
  explicit RegionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RegionWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBoolean()) {
      throw_invalid(env, "ProtectedRegion(size, maxSize, requireLock)");
      return;
    }
    double size = info[0].As<Napi::Number>().DoubleValue();
    double max_size = info[1].As<Napi::Number>().DoubleValue();
    // Type conversion only: main/ has already applied the size policy.
    if (!(size >= 1 && size <= 9007199254740991.0) || !(max_size >= 1 && max_size <= 9007199254740991.0)) {
      throw_error(env, strongroom::make_error(ErrorCode::InvalidSize, "size out of range"));
      return;
    }
    strongroom::RegionOptions options;
    if (info.Length() > 3 && (!info[3].IsString() ||
                              !parse_sealing(info[3].As<Napi::String>().Utf8Value(), &options.sealing))) {
      throw_invalid(env, "sealing must be 'auto' | 'pkey' | 'kernel-copy' | 'mprotect'");
      return;
    }
    options.max_size = static_cast<std::size_t>(max_size);
    options.lock_policy = info[2].As<Napi::Boolean>().Value() ? strongroom::LockPolicy::Require
                                                              : strongroom::LockPolicy::BestEffort;
    auto created = strongroom::ProtectedRegion::create(static_cast<std::size_t>(size), options);
    if (!created.ok()) {
      throw_error(env, created.error());
      return;
    }
    region_ = std::move(created.value());
    data_ = env.GetInstanceData<AddonData>();
    data_->live.insert(this);
  }

  ~RegionWrap() override { Release(); }

  // Called by AddonData at environment teardown.
  void Release() {
    region_.reset();
    if (data_ != nullptr) {
      data_->live.erase(this);
      data_ = nullptr;
    }
  }

 private:
  strongroom::ProtectedRegion* Live(Napi::Env env) {
    if (!region_) {
      throw_invalid(env, "this region was destroyed");
      return nullptr;
    }
    return region_.get();
  }

  Napi::Value FillRandom(const Napi::CallbackInfo& info) {
    auto* region = Live(info.Env());
    if (region == nullptr) return info.Env().Undefined();
    strongroom::Status filled = region->fill_random();
    if (!filled) throw_error(info.Env(), filled.error());
    return info.Env().Undefined();
  }

  // write(source: Uint8Array): copies source into the region.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    auto* region = Live(info.Env());
    if (region == nullptr) return info.Env().Undefined();
    std::uint8_t* source = exact_bytes(info, region->size());
    if (source == nullptr) return info.Env().Undefined();
    strongroom::Status written = region->with_write(
        [source](std::uint8_t* bytes, std::size_t size) { std::memcpy(bytes, source, size); });
    if (!written) throw_error(info.Env(), written.error());
    return info.Env().Undefined();
  }

  // readInto(target: Uint8Array): copies the secret out; the caller wipes it.
  Napi::Value ReadInto(const Napi::CallbackInfo& info) {
    auto* region = Live(info.Env());
    if (region == nullptr) return info.Env().Undefined();
    std::uint8_t* target = exact_bytes(info, region->size());
    if (target == nullptr) return info.Env().Undefined();
    strongroom::Status read = region->with_read(
        [target](const std::uint8_t* bytes, std::size_t size) { std::memcpy(target, bytes, size); });
    if (!read) throw_error(info.Env(), read.error());
    return info.Env().Undefined();
  }

  Napi::Value Wipe(const Napi::CallbackInfo& info) {
    auto* region = Live(info.Env());
    if (region == nullptr) return info.Env().Undefined();
    strongroom::Status wiped = region->wipe();
    if (!wiped) throw_error(info.Env(), wiped.error());
    return info.Env().Undefined();
  }

  // What the region knows of itself, without asking the OS: cheap.
  Napi::Value Summary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* region = Live(env);
    if (region == nullptr) return env.Undefined();
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", Napi::Number::New(env, static_cast<double>(region->size())));
    out.Set("lockedBytes", Napi::Number::New(env, static_cast<double>(region->data_pages_size())));
    out.Set("locked", Napi::Boolean::New(env, region->locked()));
    return out;
  }

  // Asks the OS (smaps / QueryWorkingSetEx / mach_vm_region_recurse) about
  // the data pages: slow, not for hot paths.
  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* region = Live(env);
    if (region == nullptr) return env.Undefined();
    strongroom::RangeFacts facts =
        strongroom::query_range(region->data_address(), region->data_pages_size());
    const strongroom::GuardedAllocation& mapping = region->mapping();
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", Napi::Number::New(env, static_cast<double>(region->size())));
    out.Set("lockedBytes", Napi::Number::New(env, static_cast<double>(region->data_pages_size())));
    out.Set("mappedBytes", Napi::Number::New(env, static_cast<double>(mapping.total_size)));
    out.Set("locked", Napi::Boolean::New(env, region->locked()));
    out.Set("lockVerified", fact_value(env, facts.locked));
    out.Set("dumpExcluded", fact_value(env, facts.dump_excluded));
    out.Set("forkExcluded", fact_value(env, facts.fork_excluded));
    // Guard pages and the seal as the OS reports the pages' protection.
    const std::size_t page = strongroom::page_size();
    const strongroom::Fact front =
        mapping.guard_pages_before > 0 ? strongroom::query_no_access(mapping.base, page)
                                       : strongroom::Fact::No;
    const strongroom::Fact back =
        mapping.guard_pages_after > 0
            ? strongroom::query_no_access(mapping.data + mapping.data_size, page)
            : strongroom::Fact::No;
    out.Set("guardPages", fact_value(env, both(front, back)));
    out.Set("sealed", fact_value(env, region->sealed_verified()));
    // How the pages are closed at rest: a protection key, mprotect/VirtualProtect
    // no-access, or not at all (Windows keeps them read-only to stay locked).
    out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(region->sealing())));
    out.Set("sealingFallbackReason", region->sealing_fallback_reason().empty()
                                         ? env.Null()
                                         : Napi::Value(Napi::String::New(env, region->sealing_fallback_reason())));
    out.Set("canaryIntact", Napi::Boolean::New(env, region->canary_intact()));
    return out;
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  std::unique_ptr<strongroom::ProtectedRegion> region_;
  AddonData* data_ = nullptr;
};

AddonData::~AddonData() {
  // Copy first: Release() erases from the set.
  std::set<RegionWrap*> remaining = live;
  for (RegionWrap* region : remaining) region->Release();
}

Napi::Value PlatformInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("pageSize", Napi::Number::New(env, static_cast<double>(strongroom::page_size())));
  auto limit = strongroom::make_locked_page_allocator()->limit();
  out.Set("memlockLimit", optional_number(env, limit.has_value(),
                                          limit ? static_cast<double>(*limit) : 0));
  auto locked = strongroom::process_locked_bytes();
  out.Set("lockedBytes", optional_number(env, locked.has_value(),
                                         locked ? static_cast<double>(*locked) : 0));
  return out;
}

// --- log hook: core messages reach JavaScript asynchronously ---------------

struct LogEntry {
  strongroom::LogLevel level;
  std::string message;
};

// Every environment (the main thread, each worker) that set a listener gets
// every core message: the core's hook is process-wide, the listeners are
// per environment, and an environment that ends takes only its own away.
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

// setLogListener(fn | null): fn(level, message) is called on this
// environment's JS thread.
Napi::Value SetLogListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !(info[0].IsFunction() || info[0].IsNull())) {
    throw_invalid(env, "setLogListener(fn | null)");
    return env.Undefined();
  }
  AddonData* data = env.GetInstanceData<AddonData>();
  StopLogForwarding(&data->log_listener);
  if (info[0].IsNull()) return env.Undefined();
  data->log_listener = Napi::ThreadSafeFunction::New(env, info[0].As<Napi::Function>(),
                                                     "strongroom-log", 0, 1);
  data->log_listener.Unref(env);  // logging never keeps the process alive
  std::lock_guard<std::mutex> lock(g_log_mutex);
  g_log_listeners.push_back(&data->log_listener);
  strongroom::set_log_hook(&ForwardLog, nullptr);
  return env.Undefined();
}

// --- process hardening -------------------------------------------------------

Napi::Value optional_u64(Napi::Env env, const std::optional<std::uint64_t>& value) {
  return value ? Napi::Number::New(env, static_cast<double>(*value)) : env.Null();
}

Napi::Value CoreDumpStateValue(Napi::Env env, const strongroom::CoreDumpState& state) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("limitKnown", Napi::Boolean::New(env, state.limit_known));
  // null: unlimited (or unknown when limitKnown is false)
  out.Set("soft", optional_u64(env, state.limit.soft));
  out.Set("hard", optional_u64(env, state.limit.hard));
  out.Set("dumpable", state.dumpable ? Napi::Value(Napi::Boolean::New(env, *state.dumpable != 0))
                                     : env.Null());
  return out;
}

Napi::Value LockBudgetValue(Napi::Env env, const strongroom::LockBudget& budget) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("limit", optional_u64(env, budget.limit));
  out.Set("ceiling", optional_u64(env, budget.ceiling));
  return out;
}

Napi::Value CoreDumpState(const Napi::CallbackInfo& info) {
  auto state = strongroom::core_dump_state();
  if (!state.ok()) {
    throw_error(info.Env(), state.error());
    return info.Env().Undefined();
  }
  return CoreDumpStateValue(info.Env(), state.value());
}

Napi::Value DisableCoreDumps(const Napi::CallbackInfo& info) {
  strongroom::Status disabled = strongroom::disable_core_dumps();
  if (!disabled) throw_error(info.Env(), disabled.error());
  return info.Env().Undefined();
}

// The core's CoreDumpsDisabledGuard, as a JS object: new CoreDumpsGuard()
// disables core dumps; restore() puts back exactly what was there.
class CoreDumpsGuardWrap : public Napi::ObjectWrap<CoreDumpsGuardWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "CoreDumpsGuard",
                       {
                           InstanceMethod<&CoreDumpsGuardWrap::Restore>("restore"),
                           InstanceMethod<&CoreDumpsGuardWrap::Active>("active"),
                           InstanceMethod<&CoreDumpsGuardWrap::Previous>("previous"),
                       });
  }

  explicit CoreDumpsGuardWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<CoreDumpsGuardWrap>(info) {
    auto guard = strongroom::CoreDumpsDisabledGuard::create();
    if (!guard.ok()) {
      throw_error(info.Env(), guard.error());
      return;
    }
    guard_ = std::make_unique<strongroom::CoreDumpsDisabledGuard>(std::move(guard.value()));
  }

 private:
  Napi::Value Restore(const Napi::CallbackInfo& info) {
    if (guard_) {
      strongroom::Status restored = guard_->restore();
      if (!restored) throw_error(info.Env(), restored.error());
    }
    return info.Env().Undefined();
  }
  Napi::Value Active(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), guard_ && guard_->active());
  }
  Napi::Value Previous(const Napi::CallbackInfo& info) {
    if (!guard_) return info.Env().Null();
    return CoreDumpStateValue(info.Env(), guard_->previous());
  }

  // A guard dropped without restore() restores when it is garbage-collected
  // (the core's destructor), and logs if the OS refuses.
  std::unique_ptr<strongroom::CoreDumpsDisabledGuard> guard_;
};

Napi::Value U32Result(Napi::Env env, const strongroom::Result<std::uint32_t>& result) {
  if (!result.ok()) {
    throw_error(env, result.error());
    return env.Undefined();
  }
  return Napi::Number::New(env, result.value());
}

Napi::Value SetWindowsErrorMode(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_invalid(info.Env(), "setWindowsErrorMode(mode)");
    return info.Env().Undefined();
  }
  return U32Result(info.Env(), strongroom::set_windows_error_mode(info[0].As<Napi::Number>().Uint32Value()));
}

Napi::Value SuppressWindowsErrorDialogs(const Napi::CallbackInfo& info) {
  return U32Result(info.Env(), strongroom::suppress_windows_error_dialogs());
}

Napi::Value WindowsErrorMode(const Napi::CallbackInfo& info) {
  return U32Result(info.Env(), strongroom::windows_error_mode());
}

Napi::Value LockBudget(const Napi::CallbackInfo& info) {
  auto budget = strongroom::lock_budget();
  if (!budget.ok()) {
    throw_error(info.Env(), budget.error());
    return info.Env().Undefined();
  }
  return LockBudgetValue(info.Env(), budget.value());
}

Napi::Value ReserveLockBudget(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_invalid(info.Env(), "reserveLockBudget(bytes)");
    return info.Env().Undefined();
  }
  double bytes = info[0].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0 && bytes <= 9007199254740991.0)) {
    throw_error(info.Env(), strongroom::make_error(ErrorCode::InvalidSize, "bytes out of range"));
    return info.Env().Undefined();
  }
  auto budget = strongroom::reserve_lock_budget(static_cast<std::uint64_t>(bytes));
  if (!budget.ok()) {
    throw_error(info.Env(), budget.error());
    return info.Env().Undefined();
  }
  return LockBudgetValue(info.Env(), budget.value());
}

// RLIMIT_MEMLOCK alone as { limit, ceiling }, or null on Windows.
Napi::Value MemlockRlimit(const Napi::CallbackInfo& info) {
  auto budget = strongroom::memlock_rlimit();
  if (!budget.ok()) {
    if (budget.error().code == ErrorCode::Unsupported) return info.Env().Null();
    throw_error(info.Env(), budget.error());
    return info.Env().Undefined();
  }
  return LockBudgetValue(info.Env(), budget.value());
}

// { perProcess, global } in bytes (macOS sysctl vm.user_wire_limit and
// vm.global_user_wire_limit), or null where the OS has no wire limits.
Napi::Value WireLimits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto limits = strongroom::wire_limits();
  if (!limits.ok()) {
    if (limits.error().code == ErrorCode::Unsupported) return env.Null();
    throw_error(env, limits.error());
    return env.Undefined();
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("perProcess", Napi::Number::New(env, static_cast<double>(limits.value().per_process)));
  out.Set("global", Napi::Number::New(env, static_cast<double>(limits.value().global)));
  return out;
}

// true / false, or null where the OS has no memfd_secret.
Napi::Value MemfdSecretAvailable(const Napi::CallbackInfo& info) {
  auto available = strongroom::memfd_secret_available();
  if (!available.ok()) {
    if (available.error().code == ErrorCode::Unsupported) return info.Env().Null();
    throw_error(info.Env(), available.error());
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), available.value());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  env.SetInstanceData<AddonData>(new AddonData());
  AddonData* data = env.GetInstanceData<AddonData>();
  env.AddCleanupHook([data] { StopLogForwarding(&data->log_listener); });
  exports.Set("ProtectedRegion", RegionWrap::Define(env));
  exports.Set("platformInfo", Napi::Function::New<PlatformInfo>(env, "platformInfo"));
  exports.Set("setLogListener", Napi::Function::New<SetLogListener>(env, "setLogListener"));
  exports.Set("coreDumpState", Napi::Function::New<CoreDumpState>(env, "coreDumpState"));
  exports.Set("disableCoreDumps", Napi::Function::New<DisableCoreDumps>(env, "disableCoreDumps"));
  exports.Set("CoreDumpsGuard", CoreDumpsGuardWrap::Define(env));
  exports.Set("setWindowsErrorMode", Napi::Function::New<SetWindowsErrorMode>(env, "setWindowsErrorMode"));
  exports.Set("suppressWindowsErrorDialogs",
              Napi::Function::New<SuppressWindowsErrorDialogs>(env, "suppressWindowsErrorDialogs"));
  exports.Set("windowsErrorMode", Napi::Function::New<WindowsErrorMode>(env, "windowsErrorMode"));
  exports.Set("lockBudget", Napi::Function::New<LockBudget>(env, "lockBudget"));
  exports.Set("reserveLockBudget", Napi::Function::New<ReserveLockBudget>(env, "reserveLockBudget"));
  exports.Set("memlockRlimit", Napi::Function::New<MemlockRlimit>(env, "memlockRlimit"));
  exports.Set("wireLimits", Napi::Function::New<WireLimits>(env, "wireLimits"));
  exports.Set("memfdSecretAvailable",
              Napi::Function::New<MemfdSecretAvailable>(env, "memfdSecretAvailable"));
  exports.Set("canarySize", Napi::Number::New(env, static_cast<double>(strongroom::kCanarySize)));
  exports.Set("defaultMaxSecretSize",
              Napi::Number::New(env, static_cast<double>(strongroom::kDefaultMaxSecretSize)));
  InitPool(env, exports);
  // Probes sealing while the process is surely still dumpable, so a later
  // hardening.disableCoreDumps() cannot cost an unprivileged process the
  // kernel-copy descriptor.
  strongroom::prepare_sealing();
  return exports;
}

}  // namespace

NODE_API_MODULE(strongroom, Init)
