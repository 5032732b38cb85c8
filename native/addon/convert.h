// The addon's conversion header: JS arguments in (byte arrays, sizes,
// chunk ids, sealing names), core errors out as JS errors carrying code / errno /
// syscall, core facts out as true / false / null, public bytes out as copies.
// Every object file reads its arguments through these, so each kind of
// argument is checked one way; the wallet's secrets and targets, which need
// the pool and region objects, through secret_args.h.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "strongroom/error.h"
#include "strongroom/pool.h"
#include "strongroom/readback.h"
#include "strongroom/sealing.h"

namespace strongroom_addon {

using strongroom::Error;
using strongroom::ErrorCode;

// Number.MAX_SAFE_INTEGER: the largest size a JS number carries exactly.
constexpr double kMaxSafeInteger = 9007199254740991.0;

// --- errors ------------------------------------------------------------------

inline Napi::Error to_js_error(Napi::Env env, const Error& error) {
  Napi::Error js = Napi::Error::New(env, error.message);
  js.Set("code", Napi::String::New(env, strongroom::error_code_name(error.code)));
  if (error.os_error != 0) js.Set("errno", Napi::Number::New(env, error.os_error));
  if (error.syscall != nullptr) js.Set("syscall", Napi::String::New(env, error.syscall));
  return js;
}

inline void throw_error(Napi::Env env, const Error& error) {
  to_js_error(env, error).ThrowAsJavaScriptException();
}

inline void throw_invalid(Napi::Env env, const std::string& message) {
  throw_error(env, strongroom::make_error(ErrorCode::InvalidArgument, message));
}

// --- arguments in ------------------------------------------------------------

// A number in [minimum, maximum] (NaN is in no range), truncated to an integer.
// Throws nothing: callers that return a neutral value on bad input use it alone.
// One Node-API call per number argument (napi_get_value_double refuses a
// non-number without throwing): these sit on every pooled call's path.
inline bool number_of(const Napi::Value& value, double* out) {
  return napi_get_value_double(value.Env(), value, out) == napi_ok;
}

template <typename Int>
bool to_size(const Napi::Value& value, Int* out, double minimum = 1, double maximum = kMaxSafeInteger) {
  double number = 0;
  if (!number_of(value, &number)) return false;
  if (!(number >= minimum && number <= maximum)) return false;
  *out = static_cast<Int>(number);
  return true;
}

// Which size argument, for its errors: `usage` when info[index] is not a
// number (InvalidArgument), "<name> out of range" when it is out of
// [minimum, maximum] (InvalidSize).
struct SizeRule {
  const char* usage = "expected a size";
  const char* name = "size";
  double minimum = 1;
  double maximum = kMaxSafeInteger;
};

// The one way to read a size / count argument; false with a pending JS error.
template <typename Int>
bool size_arg(const Napi::CallbackInfo& info, std::size_t index, Int* out, const SizeRule& rule = {}) {
  double number = 0;
  if (info.Length() <= index || !number_of(info[index], &number)) {
    throw_invalid(info.Env(), rule.usage);
    return false;
  }
  if (!(number >= rule.minimum && number <= rule.maximum)) {
    throw_error(info.Env(), strongroom::make_error(ErrorCode::InvalidSize, std::string(rule.name) + " out of range"));
    return false;
  }
  *out = static_cast<Int>(number);
  return true;
}

// bytes_arg's length for "any length but zero", and for "any length, zero too".
constexpr std::size_t kAnyLength = 0;
constexpr std::size_t kAnyLengthOrEmpty = static_cast<std::size_t>(-1);

// The one way to read a byte array argument: info[index] as a Uint8Array of
// exactly `length` bytes (kAnyLength: any length above zero; kAnyLengthOrEmpty:
// any length). Its data, and
// its length in *actual when given; nullptr with a pending JS error.
inline std::uint8_t* bytes_arg(const Napi::CallbackInfo& info, std::size_t index, std::size_t length,
                               std::size_t* actual = nullptr) {
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_invalid(info.Env(), "expected a Uint8Array");
    return nullptr;
  }
  Napi::Uint8Array array = info[index].As<Napi::Uint8Array>();
  const bool any = length == kAnyLength || length == kAnyLengthOrEmpty;
  if ((array.ByteLength() == 0 && length != kAnyLengthOrEmpty) || (!any && array.ByteLength() != length)) {
    throw_invalid(info.Env(), "expected exactly " + std::to_string(length) + " bytes");
    return nullptr;
  }
  if (actual != nullptr) *actual = array.ByteLength();
  static std::uint8_t empty = 0;  // an empty array's data may be null
  return array.ByteLength() == 0 ? &empty : array.Data();
}

// The one way to read a chunk argument: info[index] as the core's PoolChunk
// id (arena id << 32 | offset, a whole number below 2^53, never an address);
// false with a pending JS error.
inline bool chunk_arg(const Napi::CallbackInfo& info, std::size_t index, strongroom::PoolChunk* chunk) {
  double id = -1;
  if (info.Length() <= index || !number_of(info[index], &id)) id = -1;
  if (!(id >= 0 && id <= kMaxSafeInteger) || id != static_cast<double>(static_cast<std::uint64_t>(id))) {
    throw_invalid(info.Env(), "expected a chunk id");
    return false;
  }
  chunk->id = static_cast<std::uint64_t>(id);
  return true;
}

// 'auto' | 'pkey' | 'kernel-copy' | 'mprotect'; false for anything else.
inline bool parse_sealing(const std::string& name, strongroom::SealingPreference* out) {
  using strongroom::SealingPreference;
  if (name == "auto")
    *out = SealingPreference::Auto;
  else if (name == "pkey")
    *out = SealingPreference::Pkey;
  else if (name == "kernel-copy")
    *out = SealingPreference::KernelCopy;
  else if (name == "mprotect")
    *out = SealingPreference::Mprotect;
  else
    return false;
  return true;
}

// --- values out --------------------------------------------------------------

inline Napi::Value fact_value(Napi::Env env, strongroom::Fact fact) {
  if (fact == strongroom::Fact::Unknown) return env.Null();
  return Napi::Boolean::New(env, fact == strongroom::Fact::Yes);
}

// A count in bytes (or of anything) as a JS number.
template <typename Int>
Napi::Value size_value(Napi::Env env, Int value) {
  return Napi::Number::New(env, static_cast<double>(value));
}

inline Napi::Value chunk_value(Napi::Env env, strongroom::PoolChunk chunk) {
  return Napi::Number::New(env, static_cast<double>(chunk.id));
}

// Public bytes (a public key, a signature, an address) as a new Uint8Array
// over a JS-owned buffer: a copy, never a view of native memory.
inline Napi::Uint8Array bytes_value(Napi::Env env, const std::uint8_t* bytes, std::size_t size) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, size);
  std::memcpy(out.Data(), bytes, size);
  return out;
}

// The value, or null when there is none.
template <typename Number>
Napi::Value optional_number(Napi::Env env, const std::optional<Number>& value) {
  return value ? Napi::Number::New(env, static_cast<double>(*value)) : env.Null();
}

// The string, or null when it is empty (no fallback happened, no reason).
inline Napi::Value reason_value(Napi::Env env, const std::string& reason) {
  return reason.empty() ? env.Null() : Napi::Value(Napi::String::New(env, reason));
}

// What a stored secret reports about itself, pooled or isolated: one shape,
// the same keys with the same meaning whichever storage holds it. The core's
// ChunkInfo or RegionInfo (asked of the OS) and the storage's own record.
struct StorageFacts {
  std::size_t size = 0;
  std::size_t locked_bytes = 0;  // the bytes held locked for it (its slot, its data pages)
  std::size_t mapped_bytes = 0;  // the mapping it lives in, guard pages included
  bool locked = false;           // the lock call succeeded (our record)
  strongroom::RangeFacts pages;  // the OS on its data pages
  // From the OS (page protection) or, under pkey sealing, this thread's PKRU.
  strongroom::Fact guard_pages = strongroom::Fact::Unknown;
  strongroom::Fact sealed = strongroom::Fact::Unknown;
  // How the pages are closed at rest: a protection key, kernel copy,
  // mprotect/VirtualProtect no-access, or not at all (Windows keeps them
  // read-only to stay locked), and why not a better method.
  strongroom::Sealing sealing = strongroom::Sealing::None;
  std::string sealing_fallback_reason;
  bool canary_intact = false;
};

inline Napi::Object storage_facts_object(Napi::Env env, const StorageFacts& facts) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("size", size_value(env, facts.size));
  out.Set("lockedBytes", size_value(env, facts.locked_bytes));
  out.Set("mappedBytes", size_value(env, facts.mapped_bytes));
  out.Set("locked", Napi::Boolean::New(env, facts.locked));
  out.Set("lockVerified", fact_value(env, facts.pages.locked));
  out.Set("dumpExcluded", fact_value(env, facts.pages.dump_excluded));
  out.Set("forkExcluded", fact_value(env, facts.pages.fork_excluded));
  out.Set("guardPages", fact_value(env, facts.guard_pages));
  out.Set("sealed", fact_value(env, facts.sealed));
  out.Set("sealing", Napi::String::New(env, strongroom::sealing_name(facts.sealing)));
  out.Set("sealingFallbackReason", reason_value(env, facts.sealing_fallback_reason));
  out.Set("canaryIntact", Napi::Boolean::New(env, facts.canary_intact));
  return out;
}

}  // namespace strongroom_addon
