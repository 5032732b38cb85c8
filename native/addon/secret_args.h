// The wallet layer's secrets as the addon's calls take and give them, one way
// for objects/wallet.cc and objects/keystore.cc: a secret argument (a pooled
// chunk or a ProtectedRegion, and its kind), a target (where a new secret
// goes: a pool, or a new ProtectedRegion made with the given options) and a
// new secret going back. Types only, as convert.h: these need the pool and
// region objects, which convert.h does not know.
//
// Header-only, as convert.h, and for size: in a source file of their own,
// g++ -O2 inlines Node-API's error paths into each of these helpers, and the
// stripped linux-x64 prebuild grows by about 28 KiB (of its 1 MiB budget);
// inside the files that call them it does not.
#pragma once

#include <napi.h>

#include <cstddef>
#include <optional>
#include <string>

#include "convert.h"
#include "objects/pool.h"
#include "objects/protected_region.h"
#include "strongroom/protected_region.h"
#include "strongroom/wallet.h"

namespace strongroom_addon {

// The storages of one environment that secrets and targets name; the data of
// every wallet and keystore function.
struct SecretStores {
  PoolRegistry* pools;
  RegionClass* regions;
  // Freed when the environment ends.
  static SecretStores* create(Napi::Env env, PoolRegistry* pools, RegionClass* regions) {
    auto* stores = new SecretStores{pools, regions};
    env.AddCleanupHook([stores] { delete stores; });
    return stores;
  }
};

inline SecretStores* StoresOf(const Napi::CallbackInfo& info) {
  return static_cast<SecretStores*>(info.Data());
}

// 'seed' | 'mnemonic' | 'secp256k1-key' | 'ed25519-key'; false for anything else.
inline bool parse_kind(const std::string& name, strongroom::SecretKind* out) {
  using strongroom::SecretKind;
  if (name == "seed")
    *out = SecretKind::Seed;
  else if (name == "mnemonic")
    *out = SecretKind::Mnemonic;
  else if (name == "secp256k1-key")
    *out = SecretKind::Secp256k1Key;
  else if (name == "ed25519-key")
    *out = SecretKind::Ed25519Key;
  else
    return false;
  return true;
}

// Which secret argument, for its error: `usage` when info[index..index+2] is
// not a secret; `only` for a call that takes one kind of secret, whose other
// kinds are refused here, with the same `usage`.
struct SecretRule {
  const char* usage = "expected a secret: (poolId, chunk | region, null), kind";
  std::optional<strongroom::SecretKind> only;
};

// The one way to read a secret argument: (pool id, chunk id) or
// (ProtectedRegion, null) in info[index], info[index + 1], then its kind in
// info[index + 2] (parse_kind); nullopt with a pending JS error.
inline std::optional<strongroom::SecretRef> secret_arg(const Napi::CallbackInfo& info, std::size_t index,
                                                       PoolRegistry* pools, const SecretRule& rule = {}) {
  Napi::Env env = info.Env();
  strongroom::SecretKind kind;
  if (info.Length() < index + 3 || !info[index + 2].IsString() ||
      !parse_kind(info[index + 2].As<Napi::String>().Utf8Value(), &kind) || (rule.only && kind != *rule.only)) {
    throw_invalid(env, rule.usage);
    return std::nullopt;
  }
  if (info[index].IsNumber()) {
    strongroom::Pool* pool = PoolById(env, pools, info[index]);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !chunk_arg(info, index + 1, &chunk)) return std::nullopt;
    return strongroom::SecretRef::pooled(*pool, chunk, kind);
  }
  strongroom::ProtectedRegion* region = RegionOf(env, info[index]);
  if (region == nullptr) return std::nullopt;
  return strongroom::SecretRef::isolated(*region, kind);
}

// { maxSize, requireLock, sealing } in info[index]: the options of a new
// ProtectedRegion; false with a pending JS error.
inline bool region_options_arg(const Napi::CallbackInfo& info, std::size_t index, strongroom::RegionOptions* region) {
  Napi::Env env = info.Env();
  const char* usage = "expected a target: a pool id or { maxSize, requireLock, sealing }";
  if (info.Length() <= index || !info[index].IsObject()) {
    throw_invalid(env, usage);
    return false;
  }
  Napi::Object options = info[index].As<Napi::Object>();
  Napi::Value max_size = options.Get("maxSize");
  Napi::Value require_lock = options.Get("requireLock");
  Napi::Value sealing = options.Get("sealing");
  if (env.IsExceptionPending()) return false;
  if (!require_lock.IsBoolean() || !sealing.IsString() || !to_size(max_size, &region->max_size) ||
      !parse_sealing(sealing.As<Napi::String>().Utf8Value(), &region->sealing)) {
    throw_invalid(env, usage);
    return false;
  }
  region->lock_policy =
      require_lock.As<Napi::Boolean>().Value() ? strongroom::LockPolicy::Require : strongroom::LockPolicy::BestEffort;
  return true;
}

// A target as the call named it. An async call keeps it until its work is
// done and resolves it then, on the main thread (resolve_target): the pool
// may have been destroyed meanwhile.
struct TargetArg {
  std::optional<double> pool_id;     // a pool, by its id
  strongroom::RegionOptions region;  // without one, a new ProtectedRegion's options
};

// The one way to read a target argument: info[index] is the id of a live pool
// or a region's options (region_options_arg); false with a pending JS error.
inline bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools, TargetArg* target) {
  if (info.Length() > index && info[index].IsNumber()) {
    if (PoolById(info.Env(), pools, info[index]) == nullptr) return false;
    target->pool_id = info[index].As<Napi::Number>().DoubleValue();
    return true;
  }
  return region_options_arg(info, index, &target->region);
}

// The core's target for `named`, now; false with a pending JS error when its
// pool is gone.
inline bool resolve_target(Napi::Env env, PoolRegistry* pools, const TargetArg& named,
                           strongroom::SecretTarget* target) {
  if (!named.pool_id) {
    *target = strongroom::SecretTarget::isolated(named.region);
    return true;
  }
  strongroom::Pool* pool = PoolById(env, pools, Napi::Number::New(env, *named.pool_id));
  if (pool == nullptr) return false;
  *target = strongroom::SecretTarget::in_pool(*pool);
  return true;
}

// target_arg resolved at once, for a call that makes its secret before it returns.
inline bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools,
                       strongroom::SecretTarget* target) {
  TargetArg named;
  return target_arg(info, index, pools, &named) && resolve_target(info.Env(), pools, named, target);
}

// A new secret as JS sees it: its chunk id, or a new ProtectedRegion that owns
// it; undefined with a pending JS error.
inline Napi::Value secret_value(Napi::Env env, RegionClass* regions, strongroom::OwnedSecret& secret) {
  if (secret.pooled()) return chunk_value(env, secret.release_chunk());
  return AdoptRegion(env, regions, secret.release_region());
}

}  // namespace strongroom_addon
