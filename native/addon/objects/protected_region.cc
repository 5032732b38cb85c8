// ProtectedRegion: the core's ProtectedRegion, one secret per region.
//
// Secret bytes cross into JavaScript only as copies into a Uint8Array the
// caller owns and wipes: no ArrayBuffer ever points at locked memory
// (NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED is defined for the addon).
#include "protected_region.h"

#include <cstring>
#include <memory>
#include <string>

#include "convert.h"
#include "live_wraps.h"
#include "strongroom/protected_region.h"

namespace strongroom_addon {
namespace {

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
                       },
                       LiveWraps<RegionWrap>::create(env));
  }

  // new ProtectedRegion(size: number, maxSize: number, requireLock: boolean,
  //                     sealing: 'auto' | 'pkey' | 'kernel-copy' | 'mprotect' = 'auto')
  explicit RegionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RegionWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBoolean()) {
      throw_invalid(env, "ProtectedRegion(size, maxSize, requireLock)");
      return;
    }
    // Type conversion only: main/ has already applied the size policy.
    std::size_t size = 0;
    strongroom::RegionOptions options;
    if (!size_arg(info, 0, &size) || !size_arg(info, 1, &options.max_size)) return;
    if (info.Length() > 3 &&
        (!info[3].IsString() || !parse_sealing(info[3].As<Napi::String>().Utf8Value(), &options.sealing))) {
      throw_invalid(env, "sealing must be 'auto' | 'pkey' | 'kernel-copy' | 'mprotect'");
      return;
    }
    options.lock_policy =
        info[2].As<Napi::Boolean>().Value() ? strongroom::LockPolicy::Require : strongroom::LockPolicy::BestEffort;
    auto created = strongroom::ProtectedRegion::create(size, options);
    if (!created.ok()) {
      throw_error(env, created.error());
      return;
    }
    region_ = std::move(created.value());
    live_ = static_cast<LiveWraps<RegionWrap>*>(info.Data());
    live_->add(this);
  }

  ~RegionWrap() override { Release(); }

  // destroy(), the finalizer, or the environment's teardown.
  void Release() {
    region_.reset();  // wipes, unlocks and unmaps
    if (live_ != nullptr) {
      live_->forget(this);
      live_ = nullptr;
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
    std::uint8_t* source = bytes_arg(info, 0, region->size());
    if (source == nullptr) return info.Env().Undefined();
    strongroom::Status written =
        region->with_write([source](std::uint8_t* bytes, std::size_t size) { std::memcpy(bytes, source, size); });
    if (!written) throw_error(info.Env(), written.error());
    return info.Env().Undefined();
  }

  // readInto(target: Uint8Array): copies the secret out; the caller wipes it.
  Napi::Value ReadInto(const Napi::CallbackInfo& info) {
    auto* region = Live(info.Env());
    if (region == nullptr) return info.Env().Undefined();
    std::uint8_t* target = bytes_arg(info, 0, region->size());
    if (target == nullptr) return info.Env().Undefined();
    strongroom::Status read =
        region->with_read([target](const std::uint8_t* bytes, std::size_t size) { std::memcpy(target, bytes, size); });
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
    out.Set("size", size_value(env, region->size()));
    out.Set("lockedBytes", size_value(env, region->data_pages_size()));
    out.Set("locked", Napi::Boolean::New(env, region->locked()));
    return out;
  }

  // The core's RegionInfo (it asks the OS: slow, not for hot paths) and the
  // region's own record.
  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* region = Live(env);
    if (region == nullptr) return env.Undefined();
    const strongroom::RegionInfo facts = region->info();
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", size_value(env, region->size()));
    out.Set("lockedBytes", size_value(env, region->data_pages_size()));
    out.Set("mappedBytes", size_value(env, facts.mapped_size));
    out.Set("locked", Napi::Boolean::New(env, region->locked()));
    out.Set("lockVerified", fact_value(env, facts.pages.locked));
    out.Set("dumpExcluded", fact_value(env, facts.pages.dump_excluded));
    out.Set("forkExcluded", fact_value(env, facts.pages.fork_excluded));
    out.Set("guardPages", fact_value(env, facts.guard_pages));
    out.Set("sealed", fact_value(env, facts.sealed));
    // How the pages are closed at rest: a protection key, mprotect/VirtualProtect
    // no-access, or not at all (Windows keeps them read-only to stay locked).
    out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(region->sealing())));
    out.Set("sealingFallbackReason", reason_value(env, region->sealing_fallback_reason()));
    out.Set("canaryIntact", Napi::Boolean::New(env, region->canary_intact()));
    return out;
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  std::unique_ptr<strongroom::ProtectedRegion> region_;
  LiveWraps<RegionWrap>* live_ = nullptr;
};

}  // namespace

Napi::Function DefineProtectedRegion(Napi::Env env) {
  return RegionWrap::Define(env);
}

}  // namespace strongroom_addon
