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

class RegionWrap;

// One per environment: the live instances and the constructor AdoptRegion
// calls. Freed at the environment's teardown.
struct RegionClass {
  LiveWraps<RegionWrap>* live = nullptr;
  Napi::FunctionReference constructor;
};

namespace {

// Marks ProtectedRegion instances, so RegionOf never unwraps another class's object.
constexpr napi_type_tag kRegionTag = {0x5f0c2a4e9b7d4c31ULL, 0xa6e1d3f58b2c7e90ULL};

}  // namespace

class RegionWrap : public Napi::ObjectWrap<RegionWrap> {
 public:
  static Napi::Function Define(Napi::Env env, RegionClass* region_class) {
    return DefineClass(env, "ProtectedRegion",
                       {
                           InstanceMethod<&RegionWrap::FillRandom>("fillRandom"),
                           InstanceMethod<&RegionWrap::Write>("write"),
                           InstanceMethod<&RegionWrap::ReadInto>("readInto"),
                           InstanceMethod<&RegionWrap::Record>("record"),
                           InstanceMethod<&RegionWrap::Inspect>("inspect"),
                           InstanceMethod<&RegionWrap::Destroy>("destroy"),
                       },
                       region_class);
  }

  // new ProtectedRegion(size: number, maxSize: number, requireLock: boolean,
  //                     sealing: 'auto' | 'pkey' | 'kernel-copy' | 'mprotect' = 'auto')
  explicit RegionWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RegionWrap>(info) {
    Napi::Env env = info.Env();
    auto* region_class = static_cast<RegionClass*>(info.Data());
    // AdoptRegion: an External that only native code can make, holding the region to own.
    if (info.Length() == 1 && info[0].IsExternal()) {
      region_ = std::move(*info[0].As<Napi::External<std::unique_ptr<strongroom::ProtectedRegion>>>().Data());
      Track(info, region_class);
      return;
    }
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
    Track(info, region_class);
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

  strongroom::ProtectedRegion* Live(Napi::Env env) {
    if (!region_) {
      throw_invalid(env, "this region was destroyed");
      return nullptr;
    }
    return region_.get();
  }

 private:
  void Track(const Napi::CallbackInfo& info, RegionClass* region_class) {
    live_ = region_class->live;
    live_->add(this);
    info.This().As<Napi::Object>().TypeTag(&kRegionTag);
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

  // What the region knows of itself, without asking the OS: cheap.
  Napi::Value Record(const Napi::CallbackInfo& info) {
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
    const strongroom::RegionInfo os_facts = region->inspect();
    StorageFacts facts;
    facts.size = region->size();
    facts.locked_bytes = region->data_pages_size();
    facts.mapped_bytes = os_facts.mapped_size;
    facts.locked = region->locked();
    facts.pages = os_facts.pages;
    facts.guard_pages = os_facts.guard_pages;
    facts.sealed = os_facts.sealed;
    facts.sealing = region->sealing();
    facts.sealing_fallback_reason = region->sealing_fallback_reason();
    facts.canary_intact = region->canary_intact();
    return storage_facts_object(env, facts);
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  std::unique_ptr<strongroom::ProtectedRegion> region_;
  LiveWraps<RegionWrap>* live_ = nullptr;
};

Napi::Function DefineProtectedRegion(Napi::Env env, RegionClass** region_class) {
  auto* created = new RegionClass();
  env.AddCleanupHook([created] { delete created; });  // after the instances' hook: registered first
  created->live = LiveWraps<RegionWrap>::create(env);
  Napi::Function constructor = RegionWrap::Define(env, created);
  created->constructor = Napi::Persistent(constructor);
  *region_class = created;
  return constructor;
}

strongroom::ProtectedRegion* RegionOf(Napi::Env env, const Napi::Value& value) {
  if (!value.IsObject() || !value.As<Napi::Object>().CheckTypeTag(&kRegionTag)) {
    throw_invalid(env, "expected a ProtectedRegion");
    return nullptr;
  }
  return RegionWrap::Unwrap(value.As<Napi::Object>())->Live(env);
}

Napi::Value AdoptRegion(Napi::Env env, RegionClass* region_class, std::unique_ptr<strongroom::ProtectedRegion> region) {
  // On failure the region stays in `region` and is destroyed (wiped) here.
  auto external = Napi::External<std::unique_ptr<strongroom::ProtectedRegion>>::New(env, &region);
  Napi::Object object = region_class->constructor.New({external});
  if (env.IsExceptionPending()) return env.Undefined();
  return object;
}

}  // namespace strongroom_addon
