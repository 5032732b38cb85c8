// Wallet: the wallet layer (strongroom/wallet.h) as plain functions. Types
// and errors only: kinds, paths, sizes and handles are checked in main/.
//
// A secret argument takes three places: a pool id and a chunk id, or a
// ProtectedRegion and null; then its kind ('seed' | 'mnemonic' |
// 'secp256k1-key' | 'ed25519-key'). A target (where a new secret goes) is a
// pool id, or { maxSize, requireLock, sealing } for a new ProtectedRegion; the
// new secret comes back as a chunk id or that ProtectedRegion (all three read
// and made by secret_args.h). Everything else that comes back is public:
// public keys, fingerprints, signatures.
#include "wallet.h"

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "convert.h"
#include "secret_args.h"
#include "strongroom/wallet.h"

namespace strongroom_addon {
namespace {

Napi::Value fail(Napi::Env env, const strongroom::Error& error) {
  throw_error(env, error);
  return env.Undefined();
}

// walletMnemonicToSeed(mnemonic..., passphrase: Uint8Array | null, target) -> seed.
// English words and checksum are checked. The passphrase is NFKD UTF-8; the
// caller wipes it.
Napi::Value MnemonicToSeed(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto mnemonic = secret_arg(info, 0, StoresOf(info)->pools);
  if (!mnemonic) return env.Undefined();
  const std::uint8_t* passphrase = nullptr;
  std::size_t passphrase_size = 0;
  if (info.Length() > 3 && !info[3].IsNull()) {
    passphrase = bytes_arg(info, 3, kAnyLengthOrEmpty, &passphrase_size);
    if (passphrase == nullptr) return env.Undefined();
  }
  strongroom::SecretTarget target;
  if (!target_arg(info, 4, StoresOf(info)->pools, &target)) return env.Undefined();
  auto seed =
      strongroom::mnemonic_to_seed(*mnemonic, passphrase, passphrase_size, strongroom::MnemonicCheck::English, target);
  if (!seed.ok()) return fail(env, seed.error());
  return secret_value(env, StoresOf(info)->regions, seed.value());
}

// walletGenerateMnemonic(words: 12 | 15 | 18 | 21 | 24, target) -> { secret, size }:
// English words from CSPRNG entropy, written natively into a new mnemonic
// secret; `size` is its length in bytes (the words' length is not secret
// from the vault that stores them).
Napi::Value GenerateMnemonic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::size_t words = 0;
  if (info.Length() < 2 || !to_size(info[0], &words, 1, 64)) {
    throw_invalid(env, "walletGenerateMnemonic(words, target)");
    return env.Undefined();
  }
  strongroom::SecretTarget target;
  if (!target_arg(info, 1, StoresOf(info)->pools, &target)) return env.Undefined();
  auto mnemonic = strongroom::generate_mnemonic(words, target);
  if (!mnemonic.ok()) return fail(env, mnemonic.error());
  std::size_t size = 0;
  strongroom::Status measured =
      mnemonic.value().ref().with_read([&size](const std::uint8_t*, std::size_t n) { size = n; });
  if (!measured) return fail(env, measured.error());
  Napi::Object out = Napi::Object::New(env);
  out.Set("size", size_value(env, size));
  Napi::Value secret = secret_value(env, StoresOf(info)->regions, mnemonic.value());
  if (env.IsExceptionPending()) return env.Undefined();
  out.Set("secret", secret);
  return out;
}

// walletCheckMnemonic(mnemonic...) -> undefined: English words and checksum,
// or an InvalidArgument naming what is wrong.
Napi::Value CheckMnemonic(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto mnemonic = secret_arg(info, 0, StoresOf(info)->pools);
  if (!mnemonic) return env.Undefined();
  strongroom::Status checked = strongroom::check_mnemonic(*mnemonic);
  if (!checked) return fail(env, checked.error());
  return env.Undefined();
}

// The async mnemonic -> seed: the KDF runs on the libuv pool. A Pool is
// single-threaded, so the worker touches only regions of its own: a copy
// of the mnemonic and of the passphrase made (natively) before it is queued,
// and the seed's region it creates. Back on the main thread the seed is
// moved into the target pool, or the region itself becomes the result.
class MnemonicToSeedWorker : public Napi::AsyncWorker {
 public:
  MnemonicToSeedWorker(Napi::Env env, SecretStores* stores, std::unique_ptr<strongroom::ProtectedRegion> mnemonic,
                       std::unique_ptr<strongroom::ProtectedRegion> passphrase, const strongroom::RegionOptions& work,
                       const TargetArg& target)
      : Napi::AsyncWorker(env, "strongroom:mnemonicToSeed"),
        deferred_(Napi::Promise::Deferred::New(env)),
        stores_(stores),
        mnemonic_(std::move(mnemonic)),
        passphrase_(std::move(passphrase)),
        work_(work),
        target_(target) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    const strongroom::SecretRef mnemonic =
        strongroom::SecretRef::isolated(*mnemonic_, strongroom::SecretKind::Mnemonic);
    const strongroom::SecretTarget target = strongroom::SecretTarget::isolated(work_);
    auto run = [&](const std::uint8_t* passphrase, std::size_t size) {
      auto seed = strongroom::mnemonic_to_seed(mnemonic, passphrase, size, strongroom::MnemonicCheck::English, target);
      if (seed.ok())
        seed_ = seed.value().release_region();
      else
        error_ = seed.error();
    };
    if (passphrase_ == nullptr) {
      run(nullptr, 0);
    } else {
      strongroom::Status read = passphrase_->with_read(run);
      if (!read) error_ = read.error();
    }
    // Wiped now, not when the worker is deleted.
    mnemonic_.reset();
    passphrase_.reset();
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (error_ || seed_ == nullptr) {
      reject(error_ ? *error_ : strongroom::make_error(strongroom::ErrorCode::OsError, "the seed was not made"));
      return;
    }
    if (!target_.pool_id) {
      Napi::Value region = AdoptRegion(env, stores_->regions, std::move(seed_));
      if (env.IsExceptionPending()) return deferred_.Reject(env.GetAndClearPendingException().Value());
      deferred_.Resolve(region);
      return;
    }
    strongroom::SecretTarget pool;
    if (!resolve_target(env, stores_->pools, target_, &pool))
      return deferred_.Reject(env.GetAndClearPendingException().Value());
    std::optional<strongroom::Result<strongroom::OwnedSecret>> moved;
    strongroom::Status read = seed_->with_read([&](const std::uint8_t* bytes, std::size_t size) {
      moved.emplace(strongroom::import_secret(strongroom::SecretKind::Seed, bytes, size, pool));
    });
    seed_.reset();
    if (!read) return reject(read.error());
    if (!moved->ok()) return reject(moved->error());
    deferred_.Resolve(chunk_value(env, moved->value().release_chunk()));
  }

 private:
  void reject(const strongroom::Error& error) { deferred_.Reject(to_js_error(Env(), error).Value()); }

  Napi::Promise::Deferred deferred_;
  SecretStores* stores_;
  std::unique_ptr<strongroom::ProtectedRegion> mnemonic_;
  std::unique_ptr<strongroom::ProtectedRegion> passphrase_;
  std::unique_ptr<strongroom::ProtectedRegion> seed_;
  strongroom::RegionOptions work_;
  TargetArg target_;
  std::optional<strongroom::Error> error_;
};

// walletMnemonicToSeedAsync(mnemonic..., passphrase: Uint8Array | null, target,
//   work: { maxSize, requireLock, sealing }) -> Promise<seed>. The mnemonic
// and passphrase are copied into regions made with `work` before this
// returns (the caller may wipe its passphrase and destroy the mnemonic at
// once); words and checksum are checked on the worker.
Napi::Value MnemonicToSeedAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto mnemonic = secret_arg(info, 0, StoresOf(info)->pools);
  if (!mnemonic) return env.Undefined();
  if (mnemonic->kind() != strongroom::SecretKind::Mnemonic) {
    throw_invalid(env, "walletMnemonicToSeedAsync takes a mnemonic secret");
    return env.Undefined();
  }
  const std::uint8_t* passphrase = nullptr;
  std::size_t passphrase_size = 0;
  if (info.Length() > 3 && !info[3].IsNull()) {
    passphrase = bytes_arg(info, 3, kAnyLengthOrEmpty, &passphrase_size);
    if (passphrase == nullptr) return env.Undefined();
  }
  TargetArg target;
  if (!target_arg(info, 4, StoresOf(info)->pools, &target)) return env.Undefined();
  strongroom::RegionOptions work;
  if (!region_options_arg(info, 5, &work)) return env.Undefined();

  std::unique_ptr<strongroom::ProtectedRegion> words;
  std::optional<strongroom::Error> copy_error;
  strongroom::Status read = mnemonic->with_read([&](const std::uint8_t* bytes, std::size_t size) {
    auto copy = strongroom::import_secret(strongroom::SecretKind::Mnemonic, bytes, size,
                                          strongroom::SecretTarget::isolated(work));
    if (copy.ok())
      words = copy.value().release_region();
    else
      copy_error = copy.error();
  });
  if (!read) return fail(env, read.error());
  if (copy_error) return fail(env, *copy_error);
  std::unique_ptr<strongroom::ProtectedRegion> salt;
  if (passphrase_size > 0) {
    auto made = strongroom::ProtectedRegion::create(passphrase_size, work);
    if (!made.ok()) return fail(env, made.error());
    salt = std::move(made.value());
    strongroom::Status written =
        salt->with_write([&](std::uint8_t* bytes, std::size_t size) { std::memcpy(bytes, passphrase, size); });
    if (!written) return fail(env, written.error());
  }
  auto* worker = new MnemonicToSeedWorker(env, StoresOf(info), std::move(words), std::move(salt), work, target);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// walletDeriveKey(seed..., curve: 'secp256k1' | 'ed25519', path: string, target,
//   extendedPublicKey?: boolean)
//   -> { secret, publicKey, depth, childIndex, fingerprint, parentFingerprint, extendedPublicKey? }
Napi::Value DeriveKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto seed = secret_arg(info, 0, StoresOf(info)->pools);
  if (!seed) return env.Undefined();
  if (info.Length() < 5 || !info[3].IsString() || !info[4].IsString()) {
    throw_invalid(env, "walletDeriveKey(seed..., curve, path, target)");
    return env.Undefined();
  }
  const std::string curve_name = info[3].As<Napi::String>().Utf8Value();
  if (curve_name != "secp256k1" && curve_name != "ed25519") {
    throw_invalid(env, "curve must be 'secp256k1' | 'ed25519'");
    return env.Undefined();
  }
  const strongroom::Curve curve = curve_name == "ed25519" ? strongroom::Curve::Ed25519 : strongroom::Curve::Secp256k1;
  auto path = strongroom::parse_derivation_path(info[4].As<Napi::String>().Utf8Value());
  if (!path.ok()) return fail(env, path.error());
  strongroom::SecretTarget target;
  if (!target_arg(info, 5, StoresOf(info)->pools, &target)) return env.Undefined();
  strongroom::DeriveOptions options;
  options.extended_public_key = info.Length() > 6 && info[6].IsBoolean() && info[6].As<Napi::Boolean>().Value();
  auto derived = strongroom::derive_key(*seed, curve, path.value(), target, options);
  if (!derived.ok()) return fail(env, derived.error());
  const strongroom::KeyInfo& key = derived.value().info;
  Napi::Object out = Napi::Object::New(env);
  // Ed25519: the 32-byte key, without SLIP-10's 0x00 prefix.
  const std::size_t skip = curve == strongroom::Curve::Ed25519 ? 1 : 0;
  out.Set("publicKey", bytes_value(env, key.public_key.data() + skip, key.public_key.size() - skip));
  out.Set("depth", size_value(env, key.depth));
  out.Set("childIndex", size_value(env, key.child_index));
  out.Set("fingerprint", size_value(env, key.fingerprint));
  out.Set("parentFingerprint", size_value(env, key.parent_fingerprint));
  if (options.extended_public_key) out.Set("extendedPublicKey", Napi::String::New(env, key.extended_public_key));
  Napi::Value secret = secret_value(env, StoresOf(info)->regions, derived.value().secret);
  if (env.IsExceptionPending()) return env.Undefined();
  out.Set("secret", secret);
  return out;
}

// walletPublicKey(key...) -> Uint8Array: 33 bytes compressed (secp256k1), 32 (Ed25519).
Napi::Value PublicKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools);
  if (!key) return env.Undefined();
  auto public_key = strongroom::public_key(*key);
  if (!public_key.ok()) return fail(env, public_key.error());
  return bytes_value(env, public_key.value().bytes.data(), public_key.value().size);
}

// walletSignEcdsa(key..., digest: 32 bytes) -> { signature: r || s (64 bytes, low s), recoveryId }
Napi::Value SignEcdsa(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools);
  if (!key) return env.Undefined();
  std::size_t size = 0;
  const std::uint8_t* digest = bytes_arg(info, 3, kAnyLength, &size);
  if (digest == nullptr) return env.Undefined();
  auto signature = strongroom::sign_ecdsa(*key, digest, size);
  if (!signature.ok()) return fail(env, signature.error());
  Napi::Object out = Napi::Object::New(env);
  out.Set("signature", bytes_value(env, signature.value().compact.data(), signature.value().compact.size()));
  out.Set("recoveryId", Napi::Number::New(env, signature.value().recovery_id));
  return out;
}

// walletSignSchnorr(key..., message: 32 bytes) -> Uint8Array (64): BIP-340, CSPRNG aux randomness.
Napi::Value SignSchnorr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools);
  if (!key) return env.Undefined();
  std::size_t size = 0;
  const std::uint8_t* message = bytes_arg(info, 3, kAnyLength, &size);
  if (message == nullptr) return env.Undefined();
  auto signature = strongroom::sign_schnorr(*key, message, size);
  if (!signature.ok()) return fail(env, signature.error());
  return bytes_value(env, signature.value().data(), signature.value().size());
}

// walletSignEd25519(key..., message: any length) -> Uint8Array (64): RFC 8032.
Napi::Value SignEd25519(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = secret_arg(info, 0, StoresOf(info)->pools);
  if (!key) return env.Undefined();
  std::size_t size = 0;
  const std::uint8_t* message = bytes_arg(info, 3, kAnyLengthOrEmpty, &size);
  if (message == nullptr) return env.Undefined();
  auto signature = strongroom::sign_ed25519(*key, message, size);
  if (!signature.ok()) return fail(env, signature.error());
  return bytes_value(env, signature.value().data(), signature.value().size());
}

template <Napi::Value (*fn)(const Napi::CallbackInfo&)>
void export_wallet(Napi::Env env, Napi::Object exports, const char* name, SecretStores* data) {
  exports.Set(name, Napi::Function::New<fn>(env, name, data));
}

}  // namespace

void DefineWallet(Napi::Env env, Napi::Object exports, PoolRegistry* pools, RegionClass* regions) {
  SecretStores* data = SecretStores::create(env, pools, regions);
  export_wallet<GenerateMnemonic>(env, exports, "walletGenerateMnemonic", data);
  export_wallet<CheckMnemonic>(env, exports, "walletCheckMnemonic", data);
  export_wallet<MnemonicToSeed>(env, exports, "walletMnemonicToSeed", data);
  export_wallet<MnemonicToSeedAsync>(env, exports, "walletMnemonicToSeedAsync", data);
  export_wallet<DeriveKey>(env, exports, "walletDeriveKey", data);
  export_wallet<PublicKey>(env, exports, "walletPublicKey", data);
  export_wallet<SignEcdsa>(env, exports, "walletSignEcdsa", data);
  export_wallet<SignSchnorr>(env, exports, "walletSignSchnorr", data);
  export_wallet<SignEd25519>(env, exports, "walletSignEd25519", data);
}

}  // namespace strongroom_addon
