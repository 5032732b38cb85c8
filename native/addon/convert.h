// Conversions both binding files share: core errors to JS errors carrying
// code / errno / syscall, and OS facts to true / false / null.
#pragma once

#include <napi.h>

#include <string>

#include "strongroom/error.h"
#include "strongroom/readback.h"

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

inline Napi::Value fact_value(Napi::Env env, strongroom::Fact fact) {
  if (fact == strongroom::Fact::Unknown) return env.Null();
  return Napi::Boolean::New(env, fact == strongroom::Fact::Yes);
}

}  // namespace strongroom_addon
