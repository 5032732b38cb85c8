#include "secret_args.h"

#include <string>

#include "convert.h"

namespace strongroom_addon {
namespace {

bool parse_kind(const std::string& name, strongroom::SecretKind* out) {
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

}  // namespace

SecretStores* SecretStores::create(Napi::Env env, PoolRegistry* pools, RegionClass* regions) {
  auto* stores = new SecretStores{pools, regions};
  env.AddCleanupHook([stores] { delete stores; });
  return stores;
}

std::optional<strongroom::SecretRef> secret_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools,
                                                const SecretRule& rule) {
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

bool region_options_arg(const Napi::CallbackInfo& info, std::size_t index, strongroom::RegionOptions* region) {
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

bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools, TargetArg* target) {
  if (info.Length() > index && info[index].IsNumber()) {
    if (PoolById(info.Env(), pools, info[index]) == nullptr) return false;
    target->pool_id = info[index].As<Napi::Number>().DoubleValue();
    return true;
  }
  return region_options_arg(info, index, &target->region);
}

bool resolve_target(Napi::Env env, PoolRegistry* pools, const TargetArg& named, strongroom::SecretTarget* target) {
  if (!named.pool_id) {
    *target = strongroom::SecretTarget::isolated(named.region);
    return true;
  }
  strongroom::Pool* pool = PoolById(env, pools, Napi::Number::New(env, *named.pool_id));
  if (pool == nullptr) return false;
  *target = strongroom::SecretTarget::in_pool(*pool);
  return true;
}

bool target_arg(const Napi::CallbackInfo& info, std::size_t index, PoolRegistry* pools,
                strongroom::SecretTarget* target) {
  TargetArg named;
  return target_arg(info, index, pools, &named) && resolve_target(info.Env(), pools, named, target);
}

Napi::Value secret_value(Napi::Env env, RegionClass* regions, strongroom::OwnedSecret& secret) {
  if (secret.pooled()) return chunk_value(env, secret.release_chunk());
  return AdoptRegion(env, regions, secret.release_region());
}

}  // namespace strongroom_addon
