// Process hardening: the core's hardening.h, converted.
#include "hardening.h"

#include <cstdint>
#include <memory>
#include <optional>

#include "convert.h"
#include "strongroom/hardening.h"

namespace strongroom_addon {
namespace {

Napi::Value CoreDumpStateValue(Napi::Env env, const strongroom::CoreDumpState& state) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("limitKnown", Napi::Boolean::New(env, state.limit_known));
  // null: unlimited (or unknown when limitKnown is false)
  out.Set("soft", optional_number(env, state.limit.soft));
  out.Set("hard", optional_number(env, state.limit.hard));
  out.Set("dumpable", state.dumpable ? Napi::Value(Napi::Boolean::New(env, *state.dumpable != 0)) : env.Null());
  return out;
}

Napi::Value LockBudgetValue(Napi::Env env, const strongroom::LockBudget& budget) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("limit", optional_number(env, budget.limit));
  out.Set("ceiling", optional_number(env, budget.ceiling));
  return out;
}

// The value converted by to_value, or a thrown error. With null_if_unsupported,
// an Unsupported error means "the OS has no such thing": null.
template <typename T, typename ToValue>
Napi::Value ResultValue(Napi::Env env, const strongroom::Result<T>& result, ToValue&& to_value,
                        bool null_if_unsupported = false) {
  if (!result.ok()) {
    if (null_if_unsupported && result.error().code == ErrorCode::Unsupported) return env.Null();
    throw_error(env, result.error());
    return env.Undefined();
  }
  return to_value(env, result.value());
}

Napi::Value U32Value(Napi::Env env, std::uint32_t value) {
  return Napi::Number::New(env, value);
}

// The core's CoreDumpsDisabledGuard, as a JS object.
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

  explicit CoreDumpsGuardWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<CoreDumpsGuardWrap>(info) {
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

}  // namespace

Napi::Value CoreDumpState(const Napi::CallbackInfo& info) {
  return ResultValue(info.Env(), strongroom::core_dump_state(), CoreDumpStateValue);
}

Napi::Value DisableCoreDumps(const Napi::CallbackInfo& info) {
  strongroom::Status disabled = strongroom::disable_core_dumps();
  if (!disabled) throw_error(info.Env(), disabled.error());
  return info.Env().Undefined();
}

Napi::Function DefineCoreDumpsGuard(Napi::Env env) {
  return CoreDumpsGuardWrap::Define(env);
}

Napi::Value SetWindowsErrorMode(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_invalid(info.Env(), "setWindowsErrorMode(mode)");
    return info.Env().Undefined();
  }
  return ResultValue(info.Env(), strongroom::set_windows_error_mode(info[0].As<Napi::Number>().Uint32Value()),
                     U32Value);
}

Napi::Value SuppressWindowsErrorDialogs(const Napi::CallbackInfo& info) {
  return ResultValue(info.Env(), strongroom::suppress_windows_error_dialogs(), U32Value);
}

Napi::Value WindowsErrorMode(const Napi::CallbackInfo& info) {
  return ResultValue(info.Env(), strongroom::windows_error_mode(), U32Value);
}

Napi::Value LockBudget(const Napi::CallbackInfo& info) {
  return ResultValue(info.Env(), strongroom::lock_budget(), LockBudgetValue);
}

Napi::Value ReserveLockBudget(const Napi::CallbackInfo& info) {
  std::uint64_t bytes = 0;
  if (!size_arg(info, 0, &bytes, {"reserveLockBudget(bytes)", "bytes", 0})) return info.Env().Undefined();
  return ResultValue(info.Env(), strongroom::reserve_lock_budget(bytes), LockBudgetValue);
}

Napi::Value MemlockRlimit(const Napi::CallbackInfo& info) {
  return ResultValue(info.Env(), strongroom::memlock_rlimit(), LockBudgetValue, true);
}

Napi::Value WireLimits(const Napi::CallbackInfo& info) {
  auto to_value = [](Napi::Env env, const strongroom::WireLimits& limits) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("perProcess", size_value(env, limits.per_process));
    out.Set("global", size_value(env, limits.global));
    return out;
  };
  return ResultValue(info.Env(), strongroom::wire_limits(), to_value, true);
}

Napi::Value MemfdSecretAvailable(const Napi::CallbackInfo& info) {
  auto to_value = [](Napi::Env env, bool available) { return Napi::Boolean::New(env, available); };
  return ResultValue(info.Env(), strongroom::memfd_secret_available(), to_value, true);
}

}  // namespace strongroom_addon
