// The wallet layer's secrets as the addon's calls take and give them, one way
// for objects/wallet.cc and objects/keystore.cc: a secret argument (a pooled
// chunk or a ProtectedRegion, and its kind), a target (where a new secret
// goes: a pool, or a new ProtectedRegion made with the given options) and a
// new secret going back. Types only, as convert.h: these need the pool and
// region objects, which convert.h does not know.
#pragma once

#include <napi.h>

#include <cstddef>
#include <optional>

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
  static SecretStores* create(Napi::Env env, PoolRegistry* pools, RegionClass* regions);
};

inline SecretStores* StoresOf(const Napi::CallbackInfo& info) {
  return static_cast<SecretStores*>(info.Data());
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
// info[index + 2] ('seed' | 'mnemonic' | 'secp256k1-key' | 'ed25519-key');
// nullopt with a pending JS error.
std::optional<strongroom::SecretRef> secret_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools,
                                                const SecretRule& rule = {});

// { maxSize, requireLock, sealing } in info[index]: the options of a new
// ProtectedRegion; false with a pending JS error.
bool region_options_arg(const Napi::CallbackInfo& info, std::size_t index, strongroom::RegionOptions* region);

// A target as the call named it. An async call keeps it until its work is
// done and resolves it then, on the main thread (resolve_target): the pool
// may have been destroyed meanwhile.
struct TargetArg {
  std::optional<double> pool_id;     // a pool, by its id
  strongroom::RegionOptions region;  // without one, a new ProtectedRegion's options
};

// The one way to read a target argument: info[index] is the id of a live pool
// or a region's options (region_options_arg); false with a pending JS error.
bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools, TargetArg* target);

// The core's target for `named`, now; false with a pending JS error when its
// pool is gone.
bool resolve_target(Napi::Env env, PoolRegistry* pools, const TargetArg& named, strongroom::SecretTarget* target);

// target_arg resolved at once, for a call that makes its secret before it returns.
bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools,
                strongroom::SecretTarget* target);

// A new secret as JS sees it: its chunk id, or a new ProtectedRegion that owns
// it; undefined with a pending JS error.
Napi::Value secret_value(Napi::Env env, RegionClass* regions, strongroom::OwnedSecret& secret);

}  // namespace strongroom_addon
