// Wallet crypto on sealed memory: BIP-39 mnemonics and seeds, BIP-32 /
// SLIP-10 derivation and signing (ECDSA and BIP-340 Schnorr over secp256k1,
// Ed25519), run natively on secrets held in a Pool chunk or a
// ProtectedRegion, under whichever sealing method they use.
//
// What crosses this interface is public: signatures, public keys,
// fingerprints, extended public keys, and new secrets (a seed, a child key)
// that are written straight into a new chunk or region. A secret's bytes are
// read only inside its own read scope; every intermediate (HMAC outputs,
// child keys, chain codes, PBKDF2 and hash states, key pairs) lives in the
// calling thread's locked scratch buffer and is wiped when the call returns,
// on error paths too; the libraries' stack frames are burned after each call
// (burn_stack). The secp256k1 context, with its blinding, lives in locked,
// dump-excluded pages.
//
// The curve arithmetic, hashes and KDFs are libsecp256k1 and libtorsion,
// compiled from the bcrypto package (ARCHITECTURE.md says which version and
// what they guarantee). This layer composes them; it never does arithmetic
// on keys itself.
//
// Every secret has a kind (SecretKind), given by whoever holds the reference
// and set by the function that made the secret: a seed is never signed
// with, a key is never treated as a seed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "strongroom/error.h"
#include "strongroom/pool.h"
#include "strongroom/protected_region.h"
#include "strongroom/readback.h"

namespace strongroom {

enum class SecretKind : std::uint8_t {
  Seed,          // BIP-39 seed bytes (16 to 64 bytes)
  Mnemonic,      // mnemonic words: NFKD-normalized UTF-8, single spaces
  Secp256k1Key,  // 32-byte private key, optionally followed by its 32-byte chain code
  Ed25519Key,    // 32-byte private key (RFC 8032 seed), optionally followed by its chain code
};
const char* secret_kind_name(SecretKind kind);

enum class Curve : std::uint8_t { Secp256k1, Ed25519 };
const char* curve_name(Curve curve);

// A secret a wallet function reads: a chunk of a pool or an isolated region,
// and the kind of secret it holds. Does not own the storage.
class SecretRef {
 public:
  static SecretRef pooled(Pool& pool, PoolChunk chunk, SecretKind kind);
  static SecretRef isolated(ProtectedRegion& region, SecretKind kind);
  SecretKind kind() const { return kind_; }

  // fn(const uint8_t* bytes, size_t size) inside the secret's read scope.
  template <typename Fn>
  Status with_read(Fn&& fn) const {
    if (pool_ != nullptr) return pool_->with_read(chunk_, fn);
    return region_->with_read(fn);
  }

 private:
  SecretRef(Pool* pool, PoolChunk chunk, ProtectedRegion* region, SecretKind kind)
      : pool_(pool), chunk_(chunk), region_(region), kind_(kind) {}
  Pool* pool_;
  PoolChunk chunk_;
  ProtectedRegion* region_;
  SecretKind kind_;
};

// Where a wallet function puts a new secret: a chunk of `pool`, or, without a
// pool, a new isolated region made with `region`.
struct SecretTarget {
  Pool* pool = nullptr;
  RegionOptions region;
  static SecretTarget in_pool(Pool& pool) {
    SecretTarget target;
    target.pool = &pool;
    return target;
  }
  static SecretTarget isolated(const RegionOptions& options = {}) {
    SecretTarget target;
    target.region = options;
    return target;
  }
};

// A secret made by a wallet function. Owns its storage: the chunk is freed or
// the region destroyed (both wipe) when it goes, unless released first.
class OwnedSecret {
 public:
  OwnedSecret(Pool& pool, PoolChunk chunk, SecretKind kind) : pool_(&pool), chunk_(chunk), kind_(kind) {}
  OwnedSecret(std::unique_ptr<ProtectedRegion> region, SecretKind kind) : region_(std::move(region)), kind_(kind) {}
  OwnedSecret(OwnedSecret&& other) noexcept;
  OwnedSecret& operator=(OwnedSecret&& other) noexcept;
  OwnedSecret(const OwnedSecret&) = delete;
  OwnedSecret& operator=(const OwnedSecret&) = delete;
  ~OwnedSecret();

  SecretKind kind() const { return kind_; }
  bool pooled() const { return pool_ != nullptr; }
  PoolChunk chunk() const { return chunk_; }
  ProtectedRegion* region() const { return region_.get(); }
  SecretRef ref() const;
  // Hands the storage to the caller (who frees the chunk or keeps the region).
  PoolChunk release_chunk();
  std::unique_ptr<ProtectedRegion> release_region();

 private:
  void reset();
  Pool* pool_ = nullptr;
  PoolChunk chunk_;
  std::unique_ptr<ProtectedRegion> region_;
  SecretKind kind_;
};

// ---- Secrets from outside ----------------------------------------------------

// Copies `size` bytes into a new secret of `kind` (a seed of 16 to 64 bytes, a
// 32-byte key or a 64-byte key and chain code, mnemonic words), after
// checking the size, and for keys the range, that the kind requires. The
// caller wipes its copy.
Result<OwnedSecret> import_secret(SecretKind kind, const std::uint8_t* bytes, std::size_t size,
                                  const SecretTarget& target);

// ---- BIP-39 ----------------------------------------------------------------

enum class MnemonicCheck : std::uint8_t {
  English,    // every word in the BIP-39 English list, checksum verified
  Unchecked,  // any NFKD bytes (other languages): only the KDF runs
};

// 12, 15, 18, 21 or 24 words from CSPRNG entropy, written as English words
// separated by single spaces into a new Mnemonic secret. The entropy and the
// word indices stay in locked scratch memory.
Result<OwnedSecret> generate_mnemonic(std::size_t word_count, const SecretTarget& target);

// Checks the words and checksum of a Mnemonic secret against the English list.
// InvalidArgument naming the position of a word not in the list, or saying
// the checksum does not match.
Status check_mnemonic(const SecretRef& mnemonic);

// BIP-39 seed (64 bytes) into a new Seed secret: PBKDF2-HMAC-SHA512, 2048
// rounds, salt "mnemonic" + passphrase. The mnemonic's bytes (and the
// passphrase) are taken as already NFKD-normalized.
Result<OwnedSecret> mnemonic_to_seed(const SecretRef& mnemonic, const std::uint8_t* passphrase,
                                     std::size_t passphrase_size, MnemonicCheck check, const SecretTarget& target);

// ---- BIP-32 / SLIP-10 ---------------------------------------------------------

constexpr std::uint32_t kHardened = 0x80000000u;
constexpr std::size_t kMaxDerivationDepth = 255;

struct DerivationPath {
  std::vector<std::uint32_t> steps;  // kHardened set for hardened steps
};
// "m", "m/44'/60'/0'/0/0" ("h" or "H" also mark hardened steps). Errors
// (InvalidArgument): not starting with "m", an empty or non-decimal step, an
// index of 2^31 or more (its hardened form would not fit 32 bits), more than
// 255 steps.
Result<DerivationPath> parse_derivation_path(const std::string& text);
std::string format_derivation_path(const DerivationPath& path);

struct KeyInfo {
  Curve curve = Curve::Secp256k1;
  std::uint8_t depth = 0;
  std::uint32_t child_index = 0;
  std::uint32_t parent_fingerprint = 0;  // 0 for a master key
  std::uint32_t fingerprint = 0;         // first 4 bytes of HASH160 of the public key
  // secp256k1: 33 bytes, compressed. Ed25519: 33 bytes, 0x00 then the
  // 32-byte key, as SLIP-10 writes it.
  std::array<std::uint8_t, 33> public_key{};
  std::string extended_public_key;  // base58 "xpub...", only when asked (secp256k1)
};

struct DerivedKey {
  OwnedSecret secret;  // Secp256k1Key or Ed25519Key: private key, then chain code
  KeyInfo info;
};

struct DeriveOptions {
  bool extended_public_key = false;
  std::uint32_t xpub_version = 0x0488B21E;  // mainnet "xpub"
};

// BIP-32 (secp256k1) or SLIP-10 (ed25519: hardened steps only) from a Seed
// secret. Errors: InvalidArgument (not a seed, a non-hardened ed25519 step, a
// path deeper than 255), InvalidSize (a seed outside 16 to 64 bytes).
Result<DerivedKey> derive_key(const SecretRef& seed, Curve curve, const DerivationPath& path,
                              const SecretTarget& target, const DeriveOptions& options = {});

// An extended key ("xprv..."/"xpub...", BIP-32 serialization, mainnet or
// testnet versions). A private one lands in a new Secp256k1Key secret (key,
// then chain code); the public data comes back as plain values.
struct ImportedExtendedKey {
  std::unique_ptr<OwnedSecret> secret;  // null for an extended public key
  KeyInfo info;
};
// The text is read from caller memory that the caller wipes. Errors
// (InvalidArgument) say what is wrong: bad base58 or checksum, unknown
// version, a private version with public key data or the reverse, an
// invalid public key prefix or point, a private key outside 1..n-1, zero
// depth with a parent fingerprint or child index.
Result<ImportedExtendedKey> import_extended_key(const char* text, std::size_t size, const SecretTarget& target);

// ---- Keys and signatures ---------------------------------------------------------

// secp256k1: 33 bytes compressed (65 uncompressed when asked); Ed25519: 32 bytes.
struct PublicKey {
  Curve curve = Curve::Secp256k1;
  std::array<std::uint8_t, 65> bytes{};
  std::size_t size = 0;
};
Result<PublicKey> public_key(const SecretRef& key, bool uncompressed = false);
// BIP-340 x-only public key of a secp256k1 key.
Result<std::array<std::uint8_t, 32>> schnorr_public_key(const SecretRef& key);

struct EcdsaSignature {
  std::array<std::uint8_t, 64> compact{};  // r then s, big-endian; s is low (BIP-62, EIP-2)
  int recovery_id = 0;                     // 0..3, for Ethereum's v and public key recovery
};
// RFC 6979 deterministic nonces. `digest` is the 32-byte message hash
// (InvalidSize otherwise); the key must be a Secp256k1Key.
Result<EcdsaSignature> sign_ecdsa(const SecretRef& key, const std::uint8_t* digest, std::size_t digest_size);

// BIP-340 over a 32-byte message. `aux_rand` is 32 bytes of auxiliary
// randomness, or null for fresh CSPRNG bytes (the recommended use).
Result<std::array<std::uint8_t, 64>> sign_schnorr(const SecretRef& key, const std::uint8_t* message,
                                                  std::size_t message_size, const std::uint8_t* aux_rand = nullptr);

// RFC 8032 Ed25519 (pure) over a message of any length.
Result<std::array<std::uint8_t, 64>> sign_ed25519(const SecretRef& key, const std::uint8_t* message,
                                                  std::size_t message_size);

// ---- Public computations (no secrets) --------------------------------------------

// DER signature, strict (BIP-66) encoding and low S required, as Bitcoin's
// consensus and the Wycheproof "bitcoin" variant demand.
bool verify_ecdsa_der(const std::uint8_t* public_key, std::size_t public_key_size, const std::uint8_t* digest32,
                      const std::uint8_t* der, std::size_t der_size);
bool verify_schnorr(const std::uint8_t* xonly_public_key32, const std::uint8_t* message32,
                    const std::uint8_t* signature64);
bool verify_ed25519(const std::uint8_t* public_key32, const std::uint8_t* message, std::size_t message_size,
                    const std::uint8_t* signature64);
// Keccak-256 of the uncompressed public key, last 20 bytes. Takes a 33- or
// 65-byte secp256k1 public key. InvalidArgument for anything else.
Result<std::array<std::uint8_t, 20>> ethereum_address(const std::uint8_t* public_key, std::size_t size);

// Primitives on caller memory (the caller owns and wipes it). For tests and
// for callers that hash public data.
void sha256(const std::uint8_t* data, std::size_t size, std::uint8_t out[32]);
void keccak256(const std::uint8_t* data, std::size_t size, std::uint8_t out[32]);
void hmac_sha512(const std::uint8_t* key, std::size_t key_size, const std::uint8_t* data, std::size_t size,
                 std::uint8_t out[64]);
Status pbkdf2_hmac_sha512(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt,
                          std::size_t salt_size, std::uint32_t iterations, std::uint8_t* out, std::size_t out_size);

// What the OS says about the pages of libsecp256k1's signing context (its
// blinding is secret): made at first use. Errors as for signing (LockFailed
// when the pages could not be locked).
Result<RangeFacts> signing_context_facts();

// Overwrites the stack area below the caller's frame that the libraries used
// (kBurnedStackBytes): every wallet function calls it before returning, so
// nonces, scalars and hash states left in dead frames are gone.
constexpr std::size_t kBurnedStackBytes = 48 * 1024;
void burn_stack();

}  // namespace strongroom
