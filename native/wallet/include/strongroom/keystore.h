// Web3 Secret Storage ("keystore v3") on sealed memory: a secp256k1 key
// encrypted under a password-derived key, decrypted straight into a new
// secret and encrypted from one, without the key, the password or the
// derived key ever reaching the caller's memory.
//
// The JSON text is parsed by the caller; what crosses this interface is the
// decoded fields (salt, IV, ciphertext, MAC: public) and the password bytes
// (the caller wipes its copy). A KeystoreJob holds the password, the derived
// key, the MAC key, the PBKDF2 and AES states and the plaintext in one
// locked, dump- and fork-excluded mapping of its own, so it can run its long
// KDF on any thread and be handed between threads. Only scrypt's large
// working array (128 * r * n bytes) is not locked: it is excluded from core
// dumps and forked children and wiped before it is unmapped (docs/keystore.md
// says what that leaves).
//
// The hashes, HMAC, AES and Keccak are libtorsion's; scrypt (RFC 7914) is
// composed here from libtorsion's HMAC-SHA256 (PBKDF2) and a Salsa20/8 core,
// so that its ROMix loop can report progress and stop between chunks
// (libtorsion exposes scrypt only as one uninterruptible call on heap memory).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "strongroom/wallet.h"

namespace strongroom {

enum class KeystoreKdf : std::uint8_t { Scrypt, Pbkdf2HmacSha256 };

// Limits a keystore's parameters must keep, checked before any work (the
// caller's parser checks them too, with the same numbers).
constexpr std::uint64_t kKeystoreMaxScryptMemory = std::uint64_t{512} << 20;  // 128 * r * n bytes
constexpr std::uint64_t kKeystoreMaxScryptWork = std::uint64_t{1} << 25;      // n * r * p
constexpr std::uint32_t kKeystoreMaxScryptR = 32;
constexpr std::uint32_t kKeystoreMaxScryptP = 16;
constexpr std::uint32_t kKeystoreMaxPbkdf2Iterations = 10000000;
constexpr std::size_t kKeystoreMinDerivedKeyBytes = 32;
constexpr std::size_t kKeystoreMaxDerivedKeyBytes = 64;
constexpr std::size_t kKeystoreMaxSaltBytes = 1024;
constexpr std::size_t kKeystoreMaxPasswordBytes = 4096;
constexpr std::size_t kKeystoreMaxKeyBytes = 32;

// scrypt's Salsa20/8, BlockMix and ROMix come in several implementations
// ("cores") of the same RFC 7914 function: portable C++ (every build), SSE2
// rows (x86 with SSE2) and the same rows with AVX-512VL rotations (GCC and
// Clang on x86, when the CPU and OS offer AVX-512F and AVX-512VL). Auto is
// the one scrypt_core_selected() names.
enum class ScryptCore : std::uint8_t { Auto, Portable, Sse2, Avx512 };

// "auto", "portable", "sse2", "avx512".
const char* scrypt_core_name(ScryptCore core);
// Ok when `core` runs on this build and CPU; Unsupported saying why otherwise.
Status scrypt_core_available(ScryptCore core);
// Read once per process. Tests only: the environment variable below forces a
// core by name ("auto" or unset: no forcing); a core that cannot run here, or
// an unknown name, is Unsupported (and so is every scrypt that asks for it).
constexpr const char* kScryptCoreVariable = "STRONGROOM_SCRYPT_CORE";
// The core Auto stands for: the forced one, else the fastest that runs here.
Result<ScryptCore> scrypt_core_selected();

struct KeystoreKdfParams {
  KeystoreKdf kdf = KeystoreKdf::Scrypt;
  std::uint64_t n = 0;           // scrypt: a power of two, at least 2
  std::uint32_t r = 0;           // scrypt
  std::uint32_t p = 0;           // scrypt
  std::uint32_t iterations = 0;  // pbkdf2 ("c")
  std::vector<std::uint8_t> salt;
  std::size_t dklen = 32;
  ScryptCore scrypt_core = ScryptCore::Auto;  // tests force a core; Unsupported if it cannot run here
};

// InvalidArgument naming the parameter that is malformed (n not a power of
// two, r or p zero, dklen below 32); InvalidSize when a
// parameter exceeds the limits above.
Status check_keystore_kdf(const KeystoreKdfParams& params);

// Units of work a KDF does (the `total` that progress reports count to).
std::uint64_t keystore_kdf_work(const KeystoreKdfParams& params);

// Called between chunks of the KDF, about a hundred times in all, on the
// thread that runs it. Returning false stops the KDF (Aborted).
using KeystoreProgress = bool (*)(void* context, std::uint64_t done, std::uint64_t total);

struct KeystoreCiphertext {
  std::array<std::uint8_t, 32> ciphertext{};
  std::array<std::uint8_t, 32> mac{};
};

class KeystoreJob {
 public:
  // Copies the password (at most kKeystoreMaxPasswordBytes) into the job's
  // locked memory; the caller wipes its copy. LockFailed when the memory
  // cannot be locked under LockPolicy::Require.
  static Result<std::unique_ptr<KeystoreJob>> create(const KeystoreKdfParams& params, const std::uint8_t* password,
                                                     std::size_t password_size, LockPolicy policy);
  ~KeystoreJob();  // wipes and unmaps everything it holds
  KeystoreJob(const KeystoreJob&) = delete;
  KeystoreJob& operator=(const KeystoreJob&) = delete;

  // Encryption only, on the thread that owns the key's storage: copies the
  // 32-byte private key (a Secp256k1Key of 32 or 64 bytes) into the job.
  Status load_key(const SecretRef& key);

  // The KDF, on any thread (one at a time). Aborted when progress said stop.
  Status derive(KeystoreProgress progress = nullptr, void* context = nullptr);

  // After derive(), on any thread. open() checks the MAC (keccak-256 of
  // derived[16..32] || ciphertext) in constant time, then decrypts into the
  // job: WrongPassword when the MAC differs (nothing is decrypted), InvalidSize
  // for a ciphertext of 0 or more than 32 bytes.
  Status open(const std::uint8_t* ciphertext, std::size_t size, const std::uint8_t iv[16], const std::uint8_t mac[32]);
  // Encrypts the loaded key (aes-128-ctr under derived[0..16]) and MACs it.
  Result<KeystoreCiphertext> seal(const std::uint8_t iv[16]);

  // After open(), on the thread that owns `target`: the plaintext, left-padded
  // with zeros to 32 bytes when it is shorter (old tools dropped leading zero
  // bytes), in a new Secp256k1Key secret. InvalidArgument when it is not a
  // valid secp256k1 private key.
  Result<OwnedSecret> take_key(const SecretTarget& target);

  const KeystoreKdfParams& params() const { return params_; }

 private:
  struct State;
  KeystoreJob(const KeystoreKdfParams& params, Allocation memory);
  Status derive_now(KeystoreProgress progress, void* context);
  friend Status scrypt(const std::uint8_t*, std::size_t, const std::uint8_t*, std::size_t, std::uint64_t, std::uint32_t,
                       std::uint32_t, std::uint8_t*, std::size_t, ScryptCore);
  KeystoreKdfParams params_;
  Allocation memory_;
  State* state_;
  std::uint8_t* block_;  // scrypt's B (128 * r * p bytes), locked
  std::uint32_t* xy_;    // scrypt's X and Y (256 * r bytes), locked
  bool derived_ = false;
  bool key_loaded_ = false;
  bool opened_ = false;
};

// The two operations at once, on the calling thread (tests, small KDFs).
Result<OwnedSecret> keystore_decrypt(const KeystoreKdfParams& params, const std::uint8_t* password,
                                     std::size_t password_size, const std::uint8_t* ciphertext,
                                     std::size_t ciphertext_size, const std::uint8_t iv[16], const std::uint8_t mac[32],
                                     const SecretTarget& target);
Result<KeystoreCiphertext> keystore_encrypt(const KeystoreKdfParams& params, const std::uint8_t* password,
                                            std::size_t password_size, const SecretRef& key, const std::uint8_t iv[16]);

// RFC 7914 scrypt into caller memory (public computations and tests). The
// working array is allocated and wiped as a job's is; the limits above apply.
Status scrypt(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt, std::size_t salt_size,
              std::uint64_t n, std::uint32_t r, std::uint32_t p, std::uint8_t* out, std::size_t out_size,
              ScryptCore core = ScryptCore::Auto);
// AES-128-CTR (the 16-byte IV is a big-endian counter) on caller memory.
void aes128_ctr(const std::uint8_t key[16], const std::uint8_t iv[16], const std::uint8_t* in, std::uint8_t* out,
                std::size_t size);

}  // namespace strongroom
