// Keystore: the wallet layer's KeystoreJob as two Promise-returning calls.
// A call copies the password (and, to encrypt, the key) into the job's locked
// memory before it returns, so the caller can wipe its copies at once; the
// KDF then runs on the libuv thread pool, reporting progress and checking a
// cancel flag between chunks. A decrypted key is written into its target on
// the main thread, which owns the pools and regions.
//
// keystoreDecrypt(kdf, password, ciphertext, iv, mac, target, onProgress | null)
//   -> { promise: Promise<chunk id | ProtectedRegion>, cancel(): void }
// keystoreEncrypt(key..., kdf, password, iv, onProgress | null)
//   -> { promise: Promise<{ ciphertext, mac }>, cancel(): void }
// keystoreAddress(key...) -> Uint8Array (20 bytes)
// kdf: { kdf: 'scrypt' | 'pbkdf2', n, r, p, c, dklen, salt: Uint8Array }
// onProgress(done, total) runs on the main thread, about a hundred times.
#include "keystore.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "convert.h"
#include "secret_args.h"
#include "strongroom/keystore.h"
#include "strongroom/wallet.h"

namespace strongroom_addon {
namespace {

// keystoreEncrypt and keystoreAddress take a secp256k1 key and no other kind.
const SecretRule kSecp256k1Key{"expected a key: (poolId, chunk | region, null), 'secp256k1-key'",
                               strongroom::SecretKind::Secp256k1Key};

// The KDF parameters in info[index]; false with a pending JS error.
bool kdf_arg(const Napi::CallbackInfo& info, std::size_t index, strongroom::KeystoreKdfParams* params) {
  Napi::Env env = info.Env();
  const char* usage = "expected KDF parameters { kdf, n, r, p, c, dklen, salt }";
  if (info.Length() <= index || !info[index].IsObject()) {
    throw_invalid(env, usage);
    return false;
  }
  Napi::Object object = info[index].As<Napi::Object>();
  Napi::Value kdf = object.Get("kdf");
  Napi::Value salt = object.Get("salt");
  if (env.IsExceptionPending()) return false;
  if (!kdf.IsString() || !salt.IsTypedArray() || salt.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_invalid(env, usage);
    return false;
  }
  const std::string name = kdf.As<Napi::String>().Utf8Value();
  if (name == "scrypt") {
    params->kdf = strongroom::KeystoreKdf::Scrypt;
  } else if (name == "pbkdf2") {
    params->kdf = strongroom::KeystoreKdf::Pbkdf2HmacSha256;
  } else {
    throw_invalid(env, "kdf must be 'scrypt' or 'pbkdf2'");
    return false;
  }
  if (!to_size(object.Get("n"), &params->n, 0) || !to_size(object.Get("r"), &params->r, 0, 4294967295.0) ||
      !to_size(object.Get("p"), &params->p, 0, 4294967295.0) ||
      !to_size(object.Get("c"), &params->iterations, 0, 4294967295.0) ||
      !to_size(object.Get("dklen"), &params->dklen)) {
    throw_invalid(env, usage);
    return false;
  }
  Napi::Uint8Array bytes = salt.As<Napi::Uint8Array>();
  params->salt.assign(bytes.Data(), bytes.Data() + bytes.ByteLength());
  strongroom::Status checked = strongroom::check_keystore_kdf(*params);
  if (!checked) {
    throw_error(env, checked.error());
    return false;
  }
  return true;
}

struct Progress {
  std::uint64_t done;
  std::uint64_t total;
};

// Runs the job's KDF (and, to encrypt, the sealing) on the thread pool; the
// subclass settles the promise on the main thread.
class KeystoreWorker : public Napi::AsyncProgressWorker<Progress> {
 public:
  KeystoreWorker(Napi::Env env, std::unique_ptr<strongroom::KeystoreJob> job, Napi::Value on_progress)
      : Napi::AsyncProgressWorker<Progress>(env, "strongroom:keystore"),
        deferred_(Napi::Promise::Deferred::New(env)),
        job_(std::move(job)),
        cancelled_(std::make_shared<std::atomic<bool>>(false)) {
    if (on_progress.IsFunction()) on_progress_ = Napi::Persistent(on_progress.As<Napi::Function>());
  }

  // { promise, cancel } for JS; queues the worker.
  Napi::Object Start(Napi::Env env) {
    Napi::Object out = Napi::Object::New(env);
    out.Set("promise", deferred_.Promise());
    std::shared_ptr<std::atomic<bool>> cancelled = cancelled_;
    out.Set("cancel", Napi::Function::New(
                          env,
                          [cancelled](const Napi::CallbackInfo& info) -> Napi::Value {
                            cancelled->store(true);
                            return info.Env().Undefined();
                          },
                          "cancel"));
    Queue();
    return out;
  }

 protected:
  void Execute(const ExecutionProgress& progress) override {
    struct Context {
      const ExecutionProgress* progress;
      std::atomic<bool>* cancelled;
    } context{&progress, cancelled_.get()};
    strongroom::Status derived = job_->derive(
        [](void* raw, std::uint64_t done, std::uint64_t total) {
          auto* c = static_cast<Context*>(raw);
          const Progress report{done, total};
          c->progress->Send(&report, 1);
          return !c->cancelled->load();
        },
        &context);
    if (!derived) {
      error_ = derived.error();
      return;
    }
    if (cancelled_->load()) {
      error_ = strongroom::make_error(strongroom::ErrorCode::Aborted, "the keystore operation was cancelled");
      return;
    }
    AfterDerive();
  }

  void OnProgress(const Progress* data, size_t count) override {
    if (on_progress_.IsEmpty() || data == nullptr || count == 0) return;
    Napi::Env env = Env();
    on_progress_.Call({Napi::Number::New(env, static_cast<double>(data->done)),
                       Napi::Number::New(env, static_cast<double>(data->total))});
    // A throwing listener must not take the operation down with it.
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (error_) {
      deferred_.Reject(to_js_error(env, *error_).Value());
      job_.reset();
      return;
    }
    Napi::Value value = Settle(env);
    job_.reset();  // wipes the password, derived key and plaintext now, not at GC
    if (env.IsExceptionPending()) {
      deferred_.Reject(env.GetAndClearPendingException().Value());
      return;
    }
    deferred_.Resolve(value);
  }

  void OnError(const Napi::Error& error) override {
    job_.reset();
    deferred_.Reject(error.Value());
  }

  // On the worker thread, after the KDF: open or seal. Sets error_ on failure.
  virtual void AfterDerive() = 0;
  // On the main thread: the promise's value, or a pending JS error.
  virtual Napi::Value Settle(Napi::Env env) = 0;

  strongroom::KeystoreJob& job() { return *job_; }
  void fail(const strongroom::Error& error) { error_ = error; }

 private:
  Napi::Promise::Deferred deferred_;
  std::unique_ptr<strongroom::KeystoreJob> job_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  Napi::FunctionReference on_progress_;
  std::optional<strongroom::Error> error_;
};

class DecryptWorker : public KeystoreWorker {
 public:
  DecryptWorker(Napi::Env env, std::unique_ptr<strongroom::KeystoreJob> job, Napi::Value on_progress,
                std::vector<std::uint8_t> ciphertext, const std::uint8_t* iv, const std::uint8_t* mac,
                const TargetArg& target, SecretStores* stores)
      : KeystoreWorker(env, std::move(job), on_progress),
        ciphertext_(std::move(ciphertext)),
        target_(target),
        stores_(stores) {
    std::memcpy(iv_, iv, 16);
    std::memcpy(mac_, mac, 32);
  }

 protected:
  void AfterDerive() override {
    strongroom::Status opened = job().open(ciphertext_.data(), ciphertext_.size(), iv_, mac_);
    if (!opened) fail(opened.error());
  }

  Napi::Value Settle(Napi::Env env) override {
    // Resolved now, on the main thread: the pool may be gone since the call.
    strongroom::SecretTarget target;
    if (!resolve_target(env, stores_->pools, target_, &target)) return env.Undefined();
    auto key = job().take_key(target);
    if (!key.ok()) {
      throw_error(env, key.error());
      return env.Undefined();
    }
    return secret_value(env, stores_->regions, key.value());
  }

 private:
  std::vector<std::uint8_t> ciphertext_;  // public
  std::uint8_t iv_[16];
  std::uint8_t mac_[32];
  TargetArg target_;
  SecretStores* stores_;
};

class EncryptWorker : public KeystoreWorker {
 public:
  EncryptWorker(Napi::Env env, std::unique_ptr<strongroom::KeystoreJob> job, Napi::Value on_progress,
                const std::uint8_t* iv)
      : KeystoreWorker(env, std::move(job), on_progress) {
    std::memcpy(iv_, iv, 16);
  }

 protected:
  void AfterDerive() override {
    auto sealed = job().seal(iv_);
    if (!sealed.ok()) {
      fail(sealed.error());
      return;
    }
    sealed_ = sealed.value();
  }

  Napi::Value Settle(Napi::Env env) override {
    Napi::Object out = Napi::Object::New(env);
    out.Set("ciphertext", bytes_value(env, sealed_.ciphertext.data(), sealed_.ciphertext.size()));
    out.Set("mac", bytes_value(env, sealed_.mac.data(), sealed_.mac.size()));
    return out;
  }

 private:
  std::uint8_t iv_[16];
  strongroom::KeystoreCiphertext sealed_;  // public
};

Napi::Value progress_arg(const Napi::CallbackInfo& info, std::size_t index) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return info.Env().Null();
  if (!info[index].IsFunction()) {
    throw_invalid(info.Env(), "onProgress must be a function or null");
    return Napi::Value();
  }
  return info[index];
}

Napi::Value Decrypt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  strongroom::KeystoreKdfParams params;
  if (!kdf_arg(info, 0, &params)) return env.Undefined();
  std::size_t password_size = 0, ciphertext_size = 0;
  const std::uint8_t* password = bytes_arg(info, 1, kAnyLengthOrEmpty, &password_size);
  if (password == nullptr) return env.Undefined();
  const std::uint8_t* ciphertext = bytes_arg(info, 2, kAnyLength, &ciphertext_size);
  if (ciphertext == nullptr) return env.Undefined();
  const std::uint8_t* iv = bytes_arg(info, 3, 16);
  if (iv == nullptr) return env.Undefined();
  const std::uint8_t* mac = bytes_arg(info, 4, 32);
  if (mac == nullptr) return env.Undefined();
  TargetArg target;
  if (!target_arg(info, 5, StoresOf(info)->pools, &target)) return env.Undefined();
  Napi::Value on_progress = progress_arg(info, 6);
  if (env.IsExceptionPending()) return env.Undefined();
  if (ciphertext_size > strongroom::kKeystoreMaxKeyBytes) {
    throw_error(env, strongroom::make_error(strongroom::ErrorCode::InvalidSize,
                                            "a keystore's ciphertext holds a private key of 1 to 32 bytes"));
    return env.Undefined();
  }
  const strongroom::LockPolicy policy = target.pool_id ? strongroom::LockPolicy::Require : target.region.lock_policy;
  auto job = strongroom::KeystoreJob::create(params, password, password_size, policy);
  if (!job.ok()) {
    throw_error(env, job.error());
    return env.Undefined();
  }
  auto* worker = new DecryptWorker(env, std::move(job.value()), on_progress,
                                   std::vector<std::uint8_t>(ciphertext, ciphertext + ciphertext_size), iv, mac, target,
                                   StoresOf(info));
  return worker->Start(env);
}

Napi::Value Encrypt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools, kSecp256k1Key);
  if (!key) return env.Undefined();
  strongroom::KeystoreKdfParams params;
  if (!kdf_arg(info, 3, &params)) return env.Undefined();
  std::size_t password_size = 0;
  const std::uint8_t* password = bytes_arg(info, 4, kAnyLengthOrEmpty, &password_size);
  if (password == nullptr) return env.Undefined();
  const std::uint8_t* iv = bytes_arg(info, 5, 16);
  if (iv == nullptr) return env.Undefined();
  Napi::Value on_progress = progress_arg(info, 6);
  if (env.IsExceptionPending()) return env.Undefined();
  auto job = strongroom::KeystoreJob::create(params, password, password_size, strongroom::LockPolicy::Require);
  if (!job.ok()) {
    throw_error(env, job.error());
    return env.Undefined();
  }
  strongroom::Status loaded = job.value()->load_key(*key);
  if (!loaded) {
    throw_error(env, loaded.error());
    return env.Undefined();
  }
  auto* worker = new EncryptWorker(env, std::move(job.value()), on_progress, iv);
  return worker->Start(env);
}

Napi::Value Address(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools, kSecp256k1Key);
  if (!key) return env.Undefined();
  auto public_key = strongroom::public_key(*key, true);
  if (!public_key.ok()) {
    throw_error(env, public_key.error());
    return env.Undefined();
  }
  auto address = strongroom::ethereum_address(public_key.value().bytes.data(), public_key.value().size);
  if (!address.ok()) {
    throw_error(env, address.error());
    return env.Undefined();
  }
  return bytes_value(env, address.value().data(), address.value().size());
}

}  // namespace

void DefineKeystore(Napi::Env env, Napi::Object exports, PoolRegistry* pools, RegionClass* regions) {
  SecretStores* data = SecretStores::create(env, pools, regions);
  exports.Set("keystoreDecrypt", Napi::Function::New<Decrypt>(env, "keystoreDecrypt", data));
  exports.Set("keystoreEncrypt", Napi::Function::New<Encrypt>(env, "keystoreEncrypt", data));
  exports.Set("keystoreAddress", Napi::Function::New<Address>(env, "keystoreAddress", data));
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("maxScryptMemory", size_value(env, strongroom::kKeystoreMaxScryptMemory));
  limits.Set("maxScryptWork", size_value(env, strongroom::kKeystoreMaxScryptWork));
  limits.Set("maxScryptR", size_value(env, strongroom::kKeystoreMaxScryptR));
  limits.Set("maxScryptP", size_value(env, strongroom::kKeystoreMaxScryptP));
  limits.Set("maxPbkdf2Iterations", size_value(env, strongroom::kKeystoreMaxPbkdf2Iterations));
  limits.Set("maxDerivedKeyBytes", size_value(env, strongroom::kKeystoreMaxDerivedKeyBytes));
  limits.Set("maxSaltBytes", size_value(env, strongroom::kKeystoreMaxSaltBytes));
  limits.Set("maxPasswordBytes", size_value(env, strongroom::kKeystoreMaxPasswordBytes));
  exports.Set("keystoreLimits", limits);
}

}  // namespace strongroom_addon
