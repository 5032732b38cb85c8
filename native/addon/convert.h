// Conversions both binding files share: core errors to JS errors carrying
// code / errno / syscall, and OS facts to true / false / null.
#pragma once

#include <napi.h>

#include <string>

#include "strongroom/error.h"
#include "strongroom/readback.h"
#include "strongroom/sealing.h"

namespace strongroom_addon {

using strongroom::Error;
using strongroom::ErrorCode;

inline Napi::Error to_js_error(Napi::Env env, const Error& error) {
  Napi::Error js = Napi::Error::New(env, error.message);
  js.Set("code", Napi::String::New(env, strongroom::error_code_name(error.code)));
  if (error.os_error != 0) js.Set("errno", Napi::Number::New(env, error.os_error));
  if (error.syscall != nullptr) js.Set("syscall", Napi::String::New(env, error.syscall));
  return js;
}

inline void throw_error(Napi::Env env, const Error& error) { to_js_error(env, error).ThrowAsJavaScriptException(); }

inline void throw_invalid(Napi::Env env, const std::string& message) {
  throw_error(env, strongroom::make_error(ErrorCode::InvalidArgument, message));
}

// 'auto' | 'pkey' | 'kernel-copy' | 'mprotect'; false for anything else.
inline bool parse_sealing(const std::string& name, strongroom::SealingPreference* out) {
  using strongroom::SealingPreference;
  if (name == "auto") *out = SealingPreference::Auto;
  else if (name == "pkey") *out = SealingPreference::Pkey;
  else if (name == "kernel-copy") *out = SealingPreference::KernelCopy;
  else if (name == "mprotect") *out = SealingPreference::Mprotect;
  else return false;
  return true;
}

inline Napi::Value fact_value(Napi::Env env, strongroom::Fact fact) {
  if (fact == strongroom::Fact::Unknown) return env.Null();
  return Napi::Boolean::New(env, fact == strongroom::Fact::Yes);
}

}  // namespace strongroom_addon
