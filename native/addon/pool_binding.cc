// Node-API adapter for the core's Pool (pooled storage). Types and errors
// only: sizes, policies and handle bookkeeping are checked in main/.
//
// A chunk crosses into JavaScript as a number (the core's PoolChunk id: arena
// id << 32 | offset, below 2^53), never as an address. Secret bytes cross
// only as copies into Uint8Arrays the caller wipes.
#include <napi.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "convert.h"
#include "strongroom/pool.h"
#include "strongroom/readback.h"

namespace {

using namespace strongroom_addon;

constexpr double kMaxSafeInteger = 9007199254740991.0;

Napi::Value optional_size(Napi::Env env, const std::optional<std::size_t>& value) {
  return value ? Napi::Number::New(env, static_cast<double>(*value)) : env.Null();
}

bool to_chunk(const Napi::Value& value, strongroom::PoolChunk* chunk) {
  if (!value.IsNumber()) return false;
  double id = value.As<Napi::Number>().DoubleValue();
  if (!(id >= 0 && id <= kMaxSafeInteger) || id != static_cast<double>(static_cast<std::uint64_t>(id))) {
    return false;
  }
  chunk->id = static_cast<std::uint64_t>(id);
  return true;
}

Napi::Value from_chunk(Napi::Env env, strongroom::PoolChunk chunk) {
  return Napi::Number::New(env, static_cast<double>(chunk.id));
}

class PoolWrap;

// Live pools of one environment, wiped at teardown even if JavaScript never
// destroyed them (the GC may never run their finalizers).
struct PoolRegistry {
  std::set<PoolWrap*> live;
  void release_all();
};

class PoolWrap : public Napi::ObjectWrap<PoolWrap> {
 public:
  static Napi::Function Define(Napi::Env env, PoolRegistry* registry) {
    return DefineClass(env, "Pool",
                       {
                           InstanceMethod<&PoolWrap::Allocate>("allocate"),
                           InstanceMethod<&PoolWrap::Generate>("generate"),
                           InstanceMethod<&PoolWrap::ImportFrom>("importFrom"),
                           InstanceMethod<&PoolWrap::FillRandom>("fillRandom"),
                           InstanceMethod<&PoolWrap::Write>("write"),
                           InstanceMethod<&PoolWrap::ReadInto>("readInto"),
                           InstanceMethod<&PoolWrap::Free>("free"),
                           InstanceMethod<&PoolWrap::Summary>("summary"),
                           InstanceMethod<&PoolWrap::Inspect>("inspect"),
                           InstanceMethod<&PoolWrap::Stats>("stats"),
                           InstanceMethod<&PoolWrap::Trim>("trim"),
                           InstanceMethod<&PoolWrap::Describe>("describe"),
                           InstanceMethod<&PoolWrap::Destroy>("destroy"),
                       },
                       registry);
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
    double arena_size = info[0].As<Napi::Number>().DoubleValue();
    double max_size = info[1].As<Napi::Number>().DoubleValue();
    if (!(arena_size >= 1 && arena_size <= kMaxSafeInteger) || !(max_size >= 1 && max_size <= kMaxSafeInteger)) {
      throw_error(env, strongroom::make_error(ErrorCode::InvalidSize, "size out of range"));
      return;
    }
    std::string sealing = info[3].As<Napi::String>().Utf8Value();
    std::string backing = info[4].As<Napi::String>().Utf8Value();
    strongroom::PoolOptions options;
    if (!parse_sealing(sealing, &options.sealing) || (backing != "anonymous" && backing != "secretmem")) {
      throw_invalid(env, "sealing must be 'auto' | 'pkey' | 'kernel-copy' | 'mprotect', backing 'anonymous' | 'secretmem'");
      return;
    }
    options.arena_size = static_cast<std::size_t>(arena_size);
    options.max_size = static_cast<std::size_t>(max_size);
    options.lock_policy = info[2].As<Napi::Boolean>().Value() ? strongroom::LockPolicy::Require
                                                              : strongroom::LockPolicy::BestEffort;
    options.backing = backing == "secretmem" ? strongroom::Backing::SecretMem
                                             : strongroom::Backing::Anonymous;
    auto created = strongroom::Pool::create(options);
    if (!created.ok()) {
      throw_error(env, created.error());
      return;
    }
    pool_ = std::move(created.value());
    registry_ = static_cast<PoolRegistry*>(info.Data());
    registry_->live.insert(this);
  }

  ~PoolWrap() override { Release(); }

  void Release() {
    pool_.reset();  // wipes, unlocks and unmaps every arena
    if (registry_ != nullptr) {
      registry_->live.erase(this);
      registry_ = nullptr;
    }
  }

 private:
  strongroom::Pool* Live(Napi::Env env) {
    if (!pool_) {
      throw_invalid(env, "this pool was destroyed");
      return nullptr;
    }
    return pool_.get();
  }

  // The chunk in info[0], or false with a pending error.
  bool ChunkArg(const Napi::CallbackInfo& info, strongroom::PoolChunk* chunk) {
    if (info.Length() < 1 || !to_chunk(info[0], chunk)) {
      throw_invalid(info.Env(), "expected a chunk id");
      return false;
    }
    return true;
  }

  // A Uint8Array in info[index]; when size != 0 it must hold exactly size bytes.
  std::uint8_t* BytesArg(const Napi::CallbackInfo& info, std::size_t index, std::size_t size,
                         std::size_t* length) {
    if (info.Length() <= index || !info[index].IsTypedArray() ||
        info[index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      throw_invalid(info.Env(), "expected a Uint8Array");
      return nullptr;
    }
    Napi::Uint8Array array = info[index].As<Napi::Uint8Array>();
    if ((size != 0 && array.ByteLength() != size) || array.ByteLength() == 0) {
      throw_invalid(info.Env(), "expected exactly " + std::to_string(size) + " bytes");
      return nullptr;
    }
    if (length != nullptr) *length = array.ByteLength();
    return array.Data();
  }

  bool SizeArg(const Napi::CallbackInfo& info, std::size_t* size) {
    if (info.Length() < 1 || !info[0].IsNumber()) {
      throw_invalid(info.Env(), "expected a size");
      return false;
    }
    double value = info[0].As<Napi::Number>().DoubleValue();
    if (!(value >= 1 && value <= kMaxSafeInteger)) {
      throw_error(info.Env(), strongroom::make_error(ErrorCode::InvalidSize, "size out of range"));
      return false;
    }
    *size = static_cast<std::size_t>(value);
    return true;
  }

  // allocate(size): a chunk that holds zeros; no system call once an arena exists.
  Napi::Value Allocate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    std::size_t size = 0;
    if (pool == nullptr || !SizeArg(info, &size)) return env.Undefined();
    auto chunk = pool->allocate(size);
    if (!chunk.ok()) {
      throw_error(env, chunk.error());
      return env.Undefined();
    }
    return from_chunk(env, chunk.value());
  }

  // generate(size): a chunk filled natively with CSPRNG bytes, in one call.
  Napi::Value Generate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    std::size_t size = 0;
    if (pool == nullptr || !SizeArg(info, &size)) return env.Undefined();
    auto chunk = pool->allocate(size);
    if (!chunk.ok()) {
      throw_error(env, chunk.error());
      return env.Undefined();
    }
    strongroom::Status filled = pool->fill_random(chunk.value());
    if (!filled) {
      (void)pool->free(chunk.value());
      throw_error(env, filled.error());
      return env.Undefined();
    }
    return from_chunk(env, chunk.value());
  }

  // importFrom(source): a chunk holding a copy of source (the caller wipes source).
  Napi::Value ImportFrom(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    if (pool == nullptr) return env.Undefined();
    std::size_t length = 0;
    std::uint8_t* source = BytesArg(info, 0, 0, &length);
    if (source == nullptr) return env.Undefined();
    auto chunk = pool->allocate(length);
    if (!chunk.ok()) {
      throw_error(env, chunk.error());
      return env.Undefined();
    }
    strongroom::Status written = pool->with_write(
        chunk.value(), [source](std::uint8_t* bytes, std::size_t size) { std::memcpy(bytes, source, size); });
    if (!written) {
      (void)pool->free(chunk.value());
      throw_error(env, written.error());
      return env.Undefined();
    }
    return from_chunk(env, chunk.value());
  }

  Napi::Value FillRandom(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !ChunkArg(info, &chunk)) return env.Undefined();
    strongroom::Status filled = pool->fill_random(chunk);
    if (!filled) throw_error(env, filled.error());
    return env.Undefined();
  }

  // The live pool, a chunk (argument 0) and a Uint8Array of exactly the
  // chunk's size (argument 1); nullptr with a pending JS error otherwise.
  std::uint8_t* ChunkBytes(const Napi::CallbackInfo& info, strongroom::Pool** pool,
                           strongroom::PoolChunk* chunk) {
    *pool = Live(info.Env());
    if (*pool == nullptr || !ChunkArg(info, chunk)) return nullptr;
    auto size = (*pool)->size_of(*chunk);
    if (!size.ok()) {
      throw_error(info.Env(), size.error());
      return nullptr;
    }
    return BytesArg(info, 1, size.value(), nullptr);
  }

  // write(chunk, source): copies source (exactly the chunk's size) in.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    strongroom::Pool* pool = nullptr;
    strongroom::PoolChunk chunk;
    std::uint8_t* source = ChunkBytes(info, &pool, &chunk);
    if (source == nullptr) return info.Env().Undefined();
    strongroom::Status written = pool->with_write(
        chunk, [source](std::uint8_t* bytes, std::size_t n) { std::memcpy(bytes, source, n); });
    if (!written) throw_error(info.Env(), written.error());
    return info.Env().Undefined();
  }

  // readInto(chunk, target): copies the secret out; the caller wipes target.
  Napi::Value ReadInto(const Napi::CallbackInfo& info) {
    strongroom::Pool* pool = nullptr;
    strongroom::PoolChunk chunk;
    std::uint8_t* target = ChunkBytes(info, &pool, &chunk);
    if (target == nullptr) return info.Env().Undefined();
    strongroom::Status read = pool->with_read(
        chunk, [target](const std::uint8_t* bytes, std::size_t n) { std::memcpy(target, bytes, n); });
    if (!read) throw_error(info.Env(), read.error());
    return info.Env().Undefined();
  }

  Napi::Value Free(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !ChunkArg(info, &chunk)) return env.Undefined();
    strongroom::Status freed = pool->free(chunk);
    if (!freed) throw_error(env, freed.error());
    return env.Undefined();
  }

  // What the pool knows of a chunk, without asking the OS: cheap.
  Napi::Value Summary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !ChunkArg(info, &chunk)) return env.Undefined();
    auto size = pool->size_of(chunk);
    if (!size.ok()) {
      throw_error(env, size.error());
      return env.Undefined();
    }
    auto locked = pool->arena_locked(chunk);
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", Napi::Number::New(env, static_cast<double>(size.value())));
    out.Set("lockedBytes", Napi::Number::New(env, static_cast<double>(strongroom::pool_slot_size(size.value()))));
    // The arena's lock call; stats()/inspect() ask the OS.
    out.Set("locked", Napi::Boolean::New(env, locked.ok() && locked.value()));
    return out;
  }

  // Asks the OS about the chunk's arena (smaps): slow, not for hot paths.
  Napi::Value Inspect(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    strongroom::PoolChunk chunk;
    if (pool == nullptr || !ChunkArg(info, &chunk)) return env.Undefined();
    auto chunk_info = pool->info(chunk);
    if (!chunk_info.ok()) {
      throw_error(env, chunk_info.error());
      return env.Undefined();
    }
    const strongroom::ChunkInfo& c = chunk_info.value();
    Napi::Object out = Napi::Object::New(env);
    out.Set("size", Napi::Number::New(env, static_cast<double>(c.size)));
    out.Set("lockedBytes", Napi::Number::New(env, static_cast<double>(c.slot)));
    out.Set("arenaBytes", Napi::Number::New(env, static_cast<double>(c.arena_bytes)));
    auto arena = pool->arena_of(chunk);
    out.Set("mappedBytes", Napi::Number::New(env, arena.ok() ? static_cast<double>(arena.value().total_size) : 0));
    out.Set("locked", Napi::Boolean::New(env, c.locked));
    out.Set("lockVerified", fact_value(env, c.facts.locked));
    out.Set("dumpExcluded", fact_value(env, c.facts.dump_excluded));
    out.Set("forkExcluded", fact_value(env, c.facts.fork_excluded));
    // From the OS (page protection) or, under pkey sealing, this thread's PKRU.
    out.Set("guardPages", fact_value(env, c.guard_pages_verified));
    out.Set("sealed", fact_value(env, c.sealed_verified));
    out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(pool->sealing())));
    out.Set("sealingFallbackReason", pool->sealing_fallback_reason().empty()
                                         ? env.Null()
                                         : Napi::Value(Napi::String::New(env, pool->sealing_fallback_reason())));
    out.Set("canaryIntact", Napi::Boolean::New(env, c.canary_intact));
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
    out.Set("used", Napi::Number::New(env, static_cast<double>(s.used)));
    out.Set("free", Napi::Number::New(env, static_cast<double>(s.free)));
    out.Set("total", Napi::Number::New(env, static_cast<double>(s.total)));
    out.Set("lockCallsSucceeded", Napi::Number::New(env, static_cast<double>(s.lock_calls_succeeded)));
    out.Set("locked", read_back ? optional_size(env, s.locked) : env.Null());
    out.Set("chunksLocked", read_back ? optional_size(env, s.chunks_locked) : env.Null());
    out.Set("chunks", Napi::Number::New(env, static_cast<double>(s.chunks_used)));
    out.Set("freeRuns", Napi::Number::New(env, static_cast<double>(s.chunks_free)));
    out.Set("arenas", Napi::Number::New(env, static_cast<double>(s.arenas)));
    return out;
  }

  Napi::Value Trim(const Napi::CallbackInfo& info) {
    auto* pool = Live(info.Env());
    if (pool == nullptr) return info.Env().Undefined();
    return Napi::Number::New(info.Env(), static_cast<double>(pool->trim()));
  }

  // How this pool seals and what backs it, with the reasons for any fallback.
  Napi::Value Describe(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto* pool = Live(env);
    if (pool == nullptr) return env.Undefined();
    Napi::Object out = Napi::Object::New(env);
    out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(pool->sealing())));
    out.Set("sealingFallbackReason", pool->sealing_fallback_reason().empty()
                                         ? env.Null()
                                         : Napi::Value(Napi::String::New(env, pool->sealing_fallback_reason())));
    out.Set("backing", Napi::String::New(env, strongroom::backing_name(pool->backing())));
    out.Set("backingFallbackReason", pool->backing_fallback_reason().empty()
                                         ? env.Null()
                                         : Napi::Value(Napi::String::New(env, pool->backing_fallback_reason())));
    return out;
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  std::unique_ptr<strongroom::Pool> pool_;
  PoolRegistry* registry_ = nullptr;
};

void PoolRegistry::release_all() {
  std::set<PoolWrap*> remaining = live;  // Release() erases from the set
  for (PoolWrap* pool : remaining) pool->Release();
}

// --- benchmark floors -------------------------------------------------------

// An empty Node-API call: the floor any native operation pays.
Napi::Value Noop(const Napi::CallbackInfo& info) { return info.Env().Undefined(); }

// sealingFloors(iterations): ns per open+close pair, measured in C++.
Napi::Value SealingFloors(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw_invalid(env, "sealingFloors(iterations)");
    return env.Undefined();
  }
  double iterations = info[0].As<Napi::Number>().DoubleValue();
  if (!(iterations >= 1 && iterations <= 1e9)) {
    throw_error(env, strongroom::make_error(ErrorCode::InvalidSize, "iterations out of range"));
    return env.Undefined();
  }
  strongroom::SealingFloors floors = strongroom::measure_sealing_floors(static_cast<std::size_t>(iterations));
  Napi::Object out = Napi::Object::New(env);
  out.Set("mprotectPairNs", Napi::Number::New(env, floors.mprotect_pair_ns));
  out.Set("pkeyPairNs", floors.pkey_pair_ns ? Napi::Value(Napi::Number::New(env, *floors.pkey_pair_ns))
                                            : env.Null());
  out.Set("poolAllocateFreeNs", Napi::Number::New(env, floors.pool_allocate_free_ns));
  auto optional = [&env](const std::optional<double>& v) {
    return v ? Napi::Value(Napi::Number::New(env, *v)) : env.Null();
  };
  Napi::Object descriptors = Napi::Object::New(env);
  descriptors.Set("readWritePread", optional(floors.kernel_copy_rw_pread_ns));
  descriptors.Set("readOnlyPread", optional(floors.kernel_copy_ro_pread_ns));
  descriptors.Set("readWritePwrite", optional(floors.kernel_copy_pwrite_ns));
  descriptors.Set("reopenPwriteClose", optional(floors.kernel_copy_reopen_pwrite_ns));
  out.Set("kernelCopyDescriptorsNs", descriptors);
  out.Set("kernelCopyReadNs", floors.kernel_copy_read_ns
                                  ? Napi::Value(Napi::Number::New(env, *floors.kernel_copy_read_ns))
                                  : env.Null());
  return out;
}

// kernelCopyStatus(): { available, reason } of the process-wide probe.
Napi::Value KernelCopyStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  strongroom::Status available = strongroom::kernel_copy_available();
  Napi::Object out = Napi::Object::New(env);
  out.Set("available", Napi::Boolean::New(env, available.ok()));
  out.Set("reason", available ? env.Null() : Napi::Value(Napi::String::New(env, available.error().message)));
  return out;
}

// refuseKernelCopy(path, errno): tests only; before the first probe.
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

}  // namespace

// Called once from addon.cc's Init.
void InitPool(Napi::Env env, Napi::Object exports) {
  auto* registry = new PoolRegistry();
  env.AddCleanupHook([registry] {
    registry->release_all();
    delete registry;
  });
  exports.Set("Pool", PoolWrap::Define(env, registry));
  exports.Set("poolSlotSize", Napi::Function::New(env, [](const Napi::CallbackInfo& info) -> Napi::Value {
                double size = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
                if (!(size >= 1 && size <= kMaxSafeInteger)) return Napi::Number::New(info.Env(), 0);
                return Napi::Number::New(info.Env(),
                                         static_cast<double>(strongroom::pool_slot_size(static_cast<std::size_t>(size))));
              }, "poolSlotSize"));
  exports.Set("poolCanarySize", Napi::Number::New(env, static_cast<double>(strongroom::kPoolCanarySize)));
  exports.Set("defaultArenaSize", Napi::Number::New(env, static_cast<double>(strongroom::kDefaultArenaSize)));
  Napi::Object bench = Napi::Object::New(env);
  bench.Set("noop", Napi::Function::New<Noop>(env, "noop"));
  bench.Set("sealingFloors", Napi::Function::New<SealingFloors>(env, "sealingFloors"));
  exports.Set("bench", bench);
  exports.Set("kernelCopyStatus", Napi::Function::New<KernelCopyStatus>(env, "kernelCopyStatus"));
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("refuseKernelCopy", Napi::Function::New<RefuseKernelCopy>(env, "refuseKernelCopy"));
  exports.Set("testing", testing);
}
