// strongroom_bench.node: the floors bench/run.js compares the addon against,
// measured in C++ in the same run. Benchmarks only; never shipped.
#include <napi.h>

#include <cstddef>
#include <optional>

#include "convert.h"
#include "floors.h"
#include "strongroom/pool.h"

namespace {

using namespace strongroom_addon;

// An empty Node-API call: the floor any native operation pays.
Napi::Value Noop(const Napi::CallbackInfo& info) {
  return info.Env().Undefined();
}

// sealingFloors(iterations): ns per open+close pair, measured in C++.
Napi::Value SealingFloors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::size_t iterations = 0;
  if (!size_arg(info, 0, &iterations, {"sealingFloors(iterations)", "iterations", 1, 1e9})) {
    return env.Undefined();
  }
  strongroom::SealingFloors floors = strongroom::measure_sealing_floors(iterations);
  Napi::Object out = Napi::Object::New(env);
  out.Set("mprotectPairNs", Napi::Number::New(env, floors.mprotect_pair_ns));
  out.Set("pkeyPairNs", optional_number(env, floors.pkey_pair_ns));
  out.Set("poolAllocateFreeNs", Napi::Number::New(env, floors.pool_allocate_free_ns));
  Napi::Object descriptors = Napi::Object::New(env);
  descriptors.Set("readWritePread", optional_number(env, floors.kernel_copy_rw_pread_ns));
  descriptors.Set("readOnlyPread", optional_number(env, floors.kernel_copy_ro_pread_ns));
  descriptors.Set("readWritePwrite", optional_number(env, floors.kernel_copy_pwrite_ns));
  descriptors.Set("reopenPwriteClose", optional_number(env, floors.kernel_copy_reopen_pwrite_ns));
  out.Set("kernelCopyDescriptorsNs", descriptors);
  out.Set("kernelCopyReadNs", optional_number(env, floors.kernel_copy_read_ns));
  return out;
}

// walletSignFloor(iterations, sealing): ns per libsecp256k1 recoverable sign
// with its key read from a sealed pool chunk, in C++; null if it failed.
Napi::Value WalletSignFloor(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::size_t iterations = 0;
  strongroom::SealingPreference sealing;
  if (!size_arg(info, 0, &iterations, {"walletSignFloor(iterations, sealing)", "iterations", 1, 1e9})) {
    return env.Undefined();
  }
  if (info.Length() < 2 || !info[1].IsString() || !parse_sealing(info[1].As<Napi::String>().Utf8Value(), &sealing)) {
    throw_invalid(env, "walletSignFloor(iterations, sealing): sealing is 'auto' | 'pkey' | 'kernel-copy' | 'mprotect'");
    return env.Undefined();
  }
  return optional_number(env, strongroom::measure_wallet_sign_floor(iterations, sealing));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("noop", Napi::Function::New<Noop>(env, "noop"));
  exports.Set("sealingFloors", Napi::Function::New<SealingFloors>(env, "sealingFloors"));
  exports.Set("walletSignFloor", Napi::Function::New<WalletSignFloor>(env, "walletSignFloor"));
  return exports;
}

}  // namespace

NODE_API_MODULE(strongroom_bench, Init)
