// Platform info: the core's page size, lock limit and kernel-copy probe.
#include "platform_info.h"

#include <string>

#include "convert.h"
#include "strongroom/locked_page_allocator.h"
#include "strongroom/page_size.h"
#include "strongroom/readback.h"
#include "strongroom/sealing.h"

namespace strongroom_addon {

Napi::Value PlatformInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("pageSize", size_value(env, strongroom::page_size()));
  out.Set("memlockLimit", optional_number(env, strongroom::os_locked_page_allocator().limit()));
  out.Set("lockedBytes", optional_number(env, strongroom::process_locked_bytes()));
  return out;
}

Napi::Value KernelCopyStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  strongroom::Status available = strongroom::kernel_copy_available();
  Napi::Object out = Napi::Object::New(env);
  out.Set("available", Napi::Boolean::New(env, available.ok()));
  out.Set("reason", available ? env.Null() : Napi::Value(Napi::String::New(env, available.error().message)));
  return out;
}

Napi::Value RefuseKernelCopy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
    throw_invalid(env, "refuseKernelCopy(path, errno)");
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  strongroom::Status refused =
      strongroom::refuse_kernel_copy_for_testing(path.c_str(), info[1].As<Napi::Number>().Int32Value());
  if (!refused) throw_error(env, refused.error());
  return env.Undefined();
}

}  // namespace strongroom_addon
