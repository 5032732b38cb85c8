// Pool: the core's Pool (pooled storage). Types and errors only: sizes,
// policies and handle bookkeeping are checked in main/.
//
// A chunk crosses into JavaScript as a number (the core's PoolChunk id: arena
// id << 32 | offset, below 2^53), never as an address. Secret bytes cross
// only as copies into Uint8Arrays the caller wipes.
#include "pool.h"

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "convert.h"
#include "live_wraps.h"
#include "strongroom/pool.h"

namespace strongroom_addon {
namespace {
class PoolWrap;
}  // namespace

// The pools of one environment by id, for the plain functions (poolGenerate(id,
// size), ...): an index into a vector, where a method of a wrapped object
// pays napi_unwrap on every call. Ids are never reused, so a destroyed pool's
// id stays refused. Freed after the pools themselves (cleanup hooks run in
// reverse order of registration).
struct PoolRegistry {
  std::vector<PoolWrap*> by_id;
  static PoolRegistry* create(Napi::Env env) {
    auto* registry = new PoolRegistry();
    env.AddCleanupHook([registry] { delete registry; });
    return registry;
  }
};

namespace {

struct PoolClassData {
  LiveWraps<PoolWrap>* live;
  PoolRegistry* registry;
};

class PoolWrap : public Napi::ObjectWrap<PoolWrap> {
 public:
  static Napi::Function Define(Napi::Env env, PoolRegistry* registry) {
    auto* data = new PoolClassData{LiveWraps<PoolWrap>::create(env), registry};
    env.AddCleanupHook([data] { delete data; });
    return DefineClass(env, "Pool",
                       {
                           InstanceMethod<&PoolWrap::OnThis<&PoolWrap::Generate>>("generate"),
                           InstanceMethod<&PoolWrap::OnThis<&PoolWrap::ImportFrom>>("importFrom"),
                           InstanceMethod<&PoolWrap::FillRandom>("fillRandom"),
                           InstanceMethod<&PoolWrap::OnThis<&PoolWrap::Write>>("write"),
                           InstanceMethod<&PoolWrap::OnThis<&PoolWrap::ReadInto>>("readInto"),
                           InstanceMethod<&PoolWrap::OnThis<&PoolWrap::Free>>("free"),
                           InstanceMethod<&PoolWrap::Record>("record"),
                           InstanceMethod<&PoolWrap::Inspect>("inspect"),
                           InstanceMethod<&PoolWrap::Stats>("stats"),
                           InstanceMethod<&PoolWrap::Trim>("trim"),
                           InstanceMethod<&PoolWrap::Config>("config"),
                           InstanceMethod<&PoolWrap::Destroy>("destroy"),
                       },
                       data);
  }

  // new Pool(arenaSize, maxSize, requireLock, sealing: 'auto' | 'pkey' | 'kernel-copy' | 'mprotect',
  //          backing: 'anonymous' | 'secretmem')
  explicit PoolWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PoolWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 5 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBoolean() ||
        !info[3].IsString() || !info[4].IsString()) {
      throw_invalid(env, "Pool(arenaSize, maxSize, requireLock, sealing, backing)");
      return;
    }
    strongroom::PoolOptions options;
    if (!size_arg(info, 0, &options.arena_size) || !size_arg(info, 1, &options.max_size)) return;
    std::string sealing = info[3].As<Napi::String>().Utf8Value();
    std::string backing = info[4].As<Napi::String>().Utf8Value();
    if (!parse_sealing(sealing, &options.sealing) || (backing != "anonymous" && backing != "secretmem")) {
      throw_invalid(env,
                    "sealing must be 'auto' | 'pkey' | 'kernel-copy' | 'mprotect', backing 'anonymous' | 'secretmem'");
      return;
    }
    options.lock_policy =
        info[2].As<Napi::Boolean>().Value() ? strongroom::LockPolicy::Require : strongroom::LockPolicy::BestEffort;
    options.backing = backing == "secretmem" ? strongroom::Backing::SecretMem : strongroom::Backing::Anonymous;
    auto created = strongroom::Pool::create(options);
    if (!created.ok()) {
      throw_error(env, created.error());
      return;
    }
    pool_ = std::move(created.value());
    auto* data = static_cast<PoolClassData*>(info.Data());
    live_ = data->live;
    live_->add(this);
    registry_ = data->registry;
    id_ = registry_->by_id.size();
    registry_->by_id.push_back(this);
    // A read-only data property, not an accessor: reading it is a plain
    // property load in JavaScript, where an accessor would cross Node-API
    // (and unwrap) on every pooled call that names the pool.
    info.This().As<Napi::Object>().DefineProperty(
        Napi::PropertyDescriptor::Value("id", size_value(env, id_), napi_enumerable));
  }

  ~PoolWrap() override { Release(); }

  // destroy(), the finalizer, or the environment's teardown.
  void Release() {
    pool_.reset();  // wipes, unlocks and unmaps every arena
    if (live_ != nullptr) {
      live_->forget(this);
      live_ = nullptr;
    }
    if (registry_ != nullptr) {
      registry_->by_id[id_] = nullptr;
      registry_ = nullptr;
    }
  }

  // The plain functions: the same calls, on the pool named by info[0].
  static PoolWrap* FromId(const Napi::CallbackInfo& info) {
    return FromId(info.Env(), static_cast<PoolRegistry*>(info.Data()), info.Length() < 1 ? Napi::Value() : info[0]);
  }
  static PoolWrap* FromId(Napi::Env env, PoolRegistry* registry, const Napi::Value& value) {
    double number = -1;
    if (value.IsEmpty() || !number_of(value, &number)) number = -1;
    const std::size_t id = number >= 0 && number < static_cast<double>(registry->by_id.size())
                               ? static_cast<std::size_t>(number)
                               : registry->by_id.size();
    if (id >= registry->by_id.size() || static_cast<double>(id) != number || registry->by_id[id] == nullptr) {
      throw_invalid(env, "not a live pool id");
      return nullptr;
    }
    return registry->by_id[id];
  }
  template <Napi::Value (PoolWrap::*method)(const Napi::CallbackInfo&, std::size_t)>
  static Napi::Value OnId(const Napi::CallbackInfo& info) {
    PoolWrap* wrap = FromId(info);
    if (wrap == nullptr) return info.Env().Undefined();
    return (wrap->*method)(info, 1);
  }
  template <Napi::Value (PoolWrap::*method)(const Napi::CallbackInfo&, std::size_t)>
  Napi::Value OnThis(const Napi::CallbackInfo& info) {
    return (this->*method)(info, 0);
  }

  static void DefineFunctions(Napi::Env env, Napi::Object exports, PoolRegistry* registry) {
    exports.Set("poolAllocate", Napi::Function::New<OnId<&PoolWrap::Allocate>>(env, "poolAllocate", registry));
    exports.Set("poolGenerate", Napi::Function::New<OnId<&PoolWrap::Generate>>(env, "poolGenerate", registry));
    exports.Set("poolImportFrom", Napi::Function::New<OnId<&PoolWrap::ImportFrom>>(env, "poolImportFrom", registry));
    exports.Set("poolWrite", Napi::Function::New<OnId<&PoolWrap::Write>>(env, "poolWrite", registry));
    exports.Set("poolReadInto", Napi::Function::New<OnId<&PoolWrap::ReadInto>>(env, "poolReadInto", registry));
    exports.Set("poolFree", Napi::Function::New<OnId<&PoolWrap::Free>>(env, "poolFree", registry));
  }

  strongroom::Pool* Live(Napi::Env env) {
    if (!pool_) {
      throw_invalid(env, "this pool was destroyed");
      return nullptr;
    }
    return pool_.get();
  }

 private:
  // A new chunk of `size` bytes, filled by fill(chunk) -> Status; freed again
  // when the fill fails, so a failed call leaves nothing allocated.
  template <typename Fill>
  Napi::Value AllocateFilled(Napi::Env env, strongroom::Pool* pool, std::size_t size, Fill&& fill) {
    auto chunk = pool->allocate(size);
    if (!chunk.ok()) {
      throw_error(env, chunk.error());
      return env.Undefined();
    }
    strongroom::Status filled = fill(chunk.value());
    if (!filled) {
      (void)pool->free(chunk.value());
      throw_error(env, filled.error());
      return env.Undefined();
    }
    return chunk_value(env, chunk.value());
  }

  // The size in info[0], then AllocateFilled.
  template <typename Fill>
  Napi::Value AllocateSized(const Napi::CallbackInfo& info, std::size_t base, Fill&& fill) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    std::size_t size = 0;
    if (pool == nullptr || !size_arg(info, base, &size)) return env.Undefined();
    return AllocateFilled(env, pool, size, [&fill, pool](strongroom::PoolChunk chunk) { return fill(*pool, chunk); });
  }

  // allocate(size): a chunk that holds zeros; no system call once an arena exists.
  Napi::Value Allocate(const Napi::CallbackInfo& info, std::size_t base) {
    return AllocateSized(info, base, [](strongroom::Pool&, strongroom::PoolChunk) { return strongroom::Status(); });
  }

  // generate(size): a chunk filled natively with CSPRNG bytes, in one call
  // (from the pool's stash of filled slots where it keeps one).
  Napi::Value Generate(const Napi::CallbackInfo& info, std::size_t base) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    std::size_t size = 0;
    if (pool == nullptr || !size_arg(info, base, &size)) return env.Undefined();
    auto chunk = pool->generate(size);
    if (!chunk.ok()) {
      throw_error(env, chunk.error());
      return env.Undefined();
    }
    return chunk_value(env, chunk.value());
  }

  // importFrom(source): a chunk holding a copy of source (the caller wipes source).
  Napi::Value ImportFrom(const Napi::CallbackInfo& info, std::size_t base) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    if (pool == nullptr) return env.Undefined();
    std::size_t length = 0;
    std::uint8_t* source = bytes_arg(info, base, kAnyLength, &length);
    if (source == nullptr) return env.Undefined();
    return AllocateFilled(env, pool, length, [pool, source](strongroom::PoolChunk chunk) {
      return pool->with_write(chunk, [source](std::uint8_t* bytes, std::size_t n) { std::memcpy(bytes, source, n); });
    });
  }

  // call(pool, chunk) -> Status on the chunk in info[0]; its error thrown.
  template <typename Call>
  Napi::Value OnChunk(const Napi::CallbackInfo& info, Call&& call, std::size_t base = 0) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !chunk_arg(info, base, &chunk)) return env.Undefined();
    strongroom::Status done = call(*pool, chunk);
    if (!done) throw_error(env, done.error());
    return env.Undefined();
  }

  Napi::Value FillRandom(const Napi::CallbackInfo& info) {
    return OnChunk(info, [](strongroom::Pool& pool, strongroom::PoolChunk chunk) { return pool.fill_random(chunk); });
  }

  Napi::Value Free(const Napi::CallbackInfo& info, std::size_t base) {
    return OnChunk(
        info, [](strongroom::Pool& pool, strongroom::PoolChunk chunk) { return pool.free(chunk); }, base);
  }

  // The live pool, a chunk (argument 0) and a Uint8Array of exactly the
  // chunk's size (argument 1); nullptr with a pending JS error otherwise.
  std::uint8_t* ChunkBytes(const Napi::CallbackInfo& info, std::size_t base, strongroom::Pool** pool,
                           strongroom::PoolChunk* chunk) {
    *pool = Live(info.Env());
    if (*pool == nullptr || !chunk_arg(info, base, chunk)) return nullptr;
    auto size = (*pool)->size_of(*chunk);
    if (!size.ok()) {
      throw_error(info.Env(), size.error());
      return nullptr;
    }
    return bytes_arg(info, base + 1, size.value());
  }

  // write(chunk, source): copies source (exactly the chunk's size) in.
  Napi::Value Write(const Napi::CallbackInfo& info, std::size_t base) {
    strongroom::Pool* pool = nullptr;
    strongroom::PoolChunk chunk;
    std::uint8_t* source = ChunkBytes(info, base, &pool, &chunk);
    if (source == nullptr) return info.Env().Undefined();
    strongroom::Status written =
        pool->with_write(chunk, [source](std::uint8_t* bytes, std::size_t n) { std::memcpy(bytes, source, n); });
    if (!written) throw_error(info.Env(), written.error());
    return info.Env().Undefined();
  }

  // readInto(chunk, target): copies the secret out; the caller wipes target.
  Napi::Value ReadInto(const Napi::CallbackInfo& info, std::size_t base) {
    strongroom::Pool* pool = nullptr;
    strongroom::PoolChunk chunk;
    std::uint8_t* target = ChunkBytes(info, base, &pool, &chunk);
    if (target == nullptr) return info.Env().Undefined();
    strongroom::Status read =
        pool->with_read(chunk, [target](const std::uint8_t* bytes, std::size_t n) { std::memcpy(target, bytes, n); });
    if (!read) throw_error(info.Env(), read.error());
    return info.Env().Undefined();
  }

  // What the pool knows of a chunk, without asking the OS: cheap.
  Napi::Value Record(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !chunk_arg(info, 0, &chunk)) return env.Undefined();
    auto size = pool->size_of(chunk);
    if (!size.ok()) {
      throw_error(env, size.error());
      return env.Undefined();
    }
    auto locked = pool->arena_locked(chunk);
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", size_value(env, size.value()));
    out.Set("lockedBytes", size_value(env, strongroom::pool_slot_size(size.value())));
    // The arena's lock call; stats()/inspect() ask the OS.
    out.Set("locked", Napi::Boolean::New(env, locked.ok() && locked.value()));
    return out;
  }

  // The core's ChunkInfo (it asks the OS about the chunk's arena: slow, not
  // for hot paths) and the pool's own record.
  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !chunk_arg(info, 0, &chunk)) return env.Undefined();
    auto chunk_info = pool->inspect(chunk);
    if (!chunk_info.ok()) {
      throw_error(env, chunk_info.error());
      return env.Undefined();
    }
    const strongroom::ChunkInfo& c = chunk_info.value();
    auto arena = pool->arena_of(chunk);
    StorageFacts facts;
    facts.size = c.size;
    facts.locked_bytes = c.slot;
    facts.mapped_bytes = arena.ok() ? arena.value().total_size : 0;
    facts.locked = c.locked;
    facts.pages = c.facts;
    facts.guard_pages = c.guard_pages_verified;
    facts.sealed = c.sealed_verified;
    facts.sealing = pool->sealing();
    facts.sealing_fallback_reason = pool->sealing_fallback_reason();
    facts.canary_intact = c.canary_intact;
    Napi::Object out = storage_facts_object(env, facts);
    out.Set("arenaBytes", size_value(env, c.arena_bytes));
    out.Set("backing", Napi::String::New(env, strongroom::backing_name(pool->backing())));
    return out;
  }

  // stats(readBack: boolean): readBack asks the OS which arenas are locked.
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    if (pool == nullptr) return env.Undefined();
    bool read_back = info.Length() > 0 && info[0].IsBoolean() && info[0].As<Napi::Boolean>().Value();
    strongroom::PoolStats s = pool->stats(read_back);
    Napi::Object out = Napi::Object::New(env);
    out.Set("used", size_value(env, s.used));
    out.Set("free", size_value(env, s.free));
    out.Set("total", size_value(env, s.total));
    out.Set("lockCallsSucceeded", size_value(env, s.lock_calls_succeeded));
    out.Set("locked", read_back ? optional_number(env, s.locked) : env.Null());
    out.Set("chunksLocked", read_back ? optional_number(env, s.chunks_locked) : env.Null());
    out.Set("chunks", size_value(env, s.chunks_used));
    out.Set("freeRuns", size_value(env, s.chunks_free));
    out.Set("arenas", size_value(env, s.arenas));
    return out;
  }

  Napi::Value Trim(const Napi::CallbackInfo& info) {
    auto* pool = Live(info.Env());
    if (pool == nullptr) return info.Env().Undefined();
    return size_value(info.Env(), pool->trim());
  }

  // How this pool seals and what backs it, with the reasons for any fallback.
  Napi::Value Config(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    if (pool == nullptr) return env.Undefined();
    Napi::Object out = Napi::Object::New(env);
    out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(pool->sealing())));
    out.Set("sealingFallbackReason", reason_value(env, pool->sealing_fallback_reason()));
    out.Set("backing", Napi::String::New(env, strongroom::backing_name(pool->backing())));
    out.Set("backingFallbackReason", reason_value(env, pool->backing_fallback_reason()));
    return out;
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  std::unique_ptr<strongroom::Pool> pool_;
  LiveWraps<PoolWrap>* live_ = nullptr;
  PoolRegistry* registry_ = nullptr;
  std::size_t id_ = 0;
};

}  // namespace

PoolRegistry* DefinePool(Napi::Env env, Napi::Object exports) {
  PoolRegistry* registry = PoolRegistry::create(env);  // before the pools' hook: freed after them
  exports.Set("Pool", PoolWrap::Define(env, registry));
  PoolWrap::DefineFunctions(env, exports, registry);
  return registry;
}

strongroom::Pool* PoolById(Napi::Env env, PoolRegistry* registry, const Napi::Value& value) {
  PoolWrap* wrap = PoolWrap::FromId(env, registry, value);
  return wrap == nullptr ? nullptr : wrap->Live(env);
}

Napi::Value PoolSlotSize(const Napi::CallbackInfo& info) {
  std::size_t size = 0;
  if (info.Length() < 1 || !to_size(info[0], &size)) return size_value(info.Env(), 0);
  return size_value(info.Env(), strongroom::pool_slot_size(size));
}

}  // namespace strongroom_addon
