// The libraries' contexts, the public computations and the stack burn.
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_preallocated.h>
#include <secp256k1_schnorrsig.h>
#include <torsion/ecc.h>
#include <torsion/hash.h>

#include <cstring>
#include <mutex>

#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {
namespace wallet {

namespace {

struct SigningContext {
  const secp256k1_context* context = nullptr;
  Allocation memory;
  Error error;
};

SigningContext make_signing_context() {
  SigningContext made;
  const unsigned int flags = SECP256K1_CONTEXT_SIGN;
  const std::size_t size = secp256k1_context_preallocated_size(flags);
  Result<Allocation> memory = platform_memory::allocate(size, 64, Protection::ReadWrite, AllocationType::Secure);
  if (!memory) {
    made.error = memory.error();
    made.error.message = "could not map the secp256k1 signing context: " + made.error.message;
    return made;
  }
  if (!memory.value().locked) {
    (void)platform_memory::free(memory.value());
    made.error = make_error(ErrorCode::LockFailed,
                            "could not lock the secp256k1 signing context (it holds the library's blinding); raise the "
                            "locked-memory limit");
    return made;
  }
  secp256k1_context* context = secp256k1_context_preallocated_create(memory.value().ptr, flags);
  unsigned char seed[32];
  Status random = fill_random(seed, sizeof(seed));
  if (!random || secp256k1_context_randomize(context, seed) != 1) {
    secure_wipe(seed, sizeof(seed));
    secp256k1_context_preallocated_destroy(context);
    (void)platform_memory::free(memory.value());
    made.error = random ? make_error(ErrorCode::OsError, "secp256k1_context_randomize failed") : random.error();
    return made;
  }
  secure_wipe(seed, sizeof(seed));
  made.context = context;
  made.memory = memory.value();
  return made;
}

const SigningContext& signing_context_made() {
  static std::once_flag once;
  static SigningContext made;
  std::call_once(once, [] { made = make_signing_context(); });
  return made;
}

}  // namespace

Result<const secp256k1_context*> signing_context() {
  const SigningContext& made = signing_context_made();
  if (made.context == nullptr) return made.error;
  return made.context;
}

const secp256k1_context* verify_context() {
  static const secp256k1_context* context = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  return context;
}

const void* ed25519_curve() {
  static const edwards_curve_t* curve = edwards_curve_create(EDWARDS_CURVE_ED25519);
  return curve;
}

namespace {

// PBKDF2's state (RFC 8018 5.2): the password-keyed HMAC, the same after the
// salt, the running round, and the block being summed.
struct Pbkdf2State {
  hmac_t keyed;
  hmac_t salted;
  hmac_t round;
  std::uint8_t block[64];
  std::uint8_t mac[64];
  std::uint8_t counter[4];
};

}  // namespace

Status pbkdf2_sha512(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt,
                     std::size_t salt_size, std::uint32_t iterations, std::uint8_t* out, std::size_t out_size) {
  if (iterations == 0) return make_error(ErrorCode::InvalidArgument, "PBKDF2 needs at least one iteration");
  if (out_size / 64 >= 0xFFFFFFFFu) return make_error(ErrorCode::InvalidSize, "PBKDF2 output too long");
  Result<Workspace<Pbkdf2State>> workspace = Workspace<Pbkdf2State>::acquire();
  if (!workspace) return workspace.error();
  Pbkdf2State& state = *workspace.value();
  hmac_init(&state.keyed, HASH_SHA512, password, password_size);
  state.salted = state.keyed;
  hmac_update(&state.salted, salt, salt_size);
  std::uint32_t index = 0;
  for (std::size_t done = 0; done < out_size; done += 64) {
    write32be(state.counter, ++index);
    state.round = state.salted;
    hmac_update(&state.round, state.counter, 4);
    hmac_final(&state.round, state.block);
    std::memcpy(state.mac, state.block, 64);
    for (std::uint32_t i = 1; i < iterations; ++i) {
      state.round = state.keyed;
      hmac_update(&state.round, state.mac, 64);
      hmac_final(&state.round, state.mac);
      for (std::size_t k = 0; k < 64; ++k) state.block[k] = static_cast<std::uint8_t>(state.block[k] ^ state.mac[k]);
    }
    const std::size_t take = out_size - done < 64 ? out_size - done : 64;
    std::memcpy(out + done, state.block, take);
  }
  return Status();
}

std::uint32_t fingerprint_of(const std::uint8_t* public_key, std::size_t size) {
  hash160_t hash;
  std::uint8_t digest[20];
  hash160_init(&hash);
  hash160_update(&hash, public_key, size);
  hash160_final(&hash, digest);
  return read32be(digest);
}

void write32be(std::uint8_t* out, std::uint32_t value) {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t read32be(const std::uint8_t* in) {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

}  // namespace wallet

const char* curve_name(Curve curve) {
  switch (curve) {
    case Curve::Secp256k1:
      return "secp256k1";
    case Curve::Ed25519:
      return "ed25519";
  }
  return "unknown";
}

namespace {

// Copies of 16 or 32 bytes (memcpy of a key, a chain code) go through the
// vector registers, and the last ones stay there until something else
// overwrites them: a later call that saves registers on the stack (a lazy
// symbol binding, a signal frame) would write them below us again. The
// caller-saved vector registers are zeroed here; where no inline assembly is
// available (MSVC x64) the compiler's own zeroing of the burned area has
// already reused some of them.
void clear_vector_registers() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  __asm__ __volatile__(
      "pxor %%xmm0, %%xmm0\n\tpxor %%xmm1, %%xmm1\n\tpxor %%xmm2, %%xmm2\n\tpxor %%xmm3, %%xmm3\n\t"
      "pxor %%xmm4, %%xmm4\n\tpxor %%xmm5, %%xmm5\n\tpxor %%xmm6, %%xmm6\n\tpxor %%xmm7, %%xmm7\n\t"
      "pxor %%xmm8, %%xmm8\n\tpxor %%xmm9, %%xmm9\n\tpxor %%xmm10, %%xmm10\n\tpxor %%xmm11, %%xmm11\n\t"
      "pxor %%xmm12, %%xmm12\n\tpxor %%xmm13, %%xmm13\n\tpxor %%xmm14, %%xmm14\n\tpxor %%xmm15, %%xmm15"
      :
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
        "xmm13", "xmm14", "xmm15");
  // pxor leaves the upper halves of the AVX registers (glibc's memcpy copies
  // 32 bytes through ymm), and AVX-512 string functions use ymm16-31.
  // The clobbers matter on Windows (mingw): xmm6-15 are callee-saved there, so
  // the compiler must save and restore them around this.
  if (__builtin_cpu_supports("avx")) {
    __asm__ __volatile__("vzeroall"
                         :
                         :
                         : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
                           "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "memory");
  }
  if (__builtin_cpu_supports("avx512f")) {
    __asm__ __volatile__(
        "vpxord %%zmm16, %%zmm16, %%zmm16\n\tvpxord %%zmm17, %%zmm17, %%zmm17\n\t"
        "vpxord %%zmm18, %%zmm18, %%zmm18\n\tvpxord %%zmm19, %%zmm19, %%zmm19\n\t"
        "vpxord %%zmm20, %%zmm20, %%zmm20\n\tvpxord %%zmm21, %%zmm21, %%zmm21\n\t"
        "vpxord %%zmm22, %%zmm22, %%zmm22\n\tvpxord %%zmm23, %%zmm23, %%zmm23\n\t"
        "vpxord %%zmm24, %%zmm24, %%zmm24\n\tvpxord %%zmm25, %%zmm25, %%zmm25\n\t"
        "vpxord %%zmm26, %%zmm26, %%zmm26\n\tvpxord %%zmm27, %%zmm27, %%zmm27\n\t"
        "vpxord %%zmm28, %%zmm28, %%zmm28\n\tvpxord %%zmm29, %%zmm29, %%zmm29\n\t"
        "vpxord %%zmm30, %%zmm30, %%zmm30\n\tvpxord %%zmm31, %%zmm31, %%zmm31" ::
            : "memory");
  }
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
  __asm__ __volatile__(
      "movi v0.16b, #0\n\tmovi v1.16b, #0\n\tmovi v2.16b, #0\n\tmovi v3.16b, #0\n\t"
      "movi v4.16b, #0\n\tmovi v5.16b, #0\n\tmovi v6.16b, #0\n\tmovi v7.16b, #0\n\t"
      "movi v16.16b, #0\n\tmovi v17.16b, #0\n\tmovi v18.16b, #0\n\tmovi v19.16b, #0\n\t"
      "movi v20.16b, #0\n\tmovi v21.16b, #0\n\tmovi v22.16b, #0\n\tmovi v23.16b, #0\n\t"
      "movi v24.16b, #0\n\tmovi v25.16b, #0\n\tmovi v26.16b, #0\n\tmovi v27.16b, #0\n\t"
      "movi v28.16b, #0\n\tmovi v29.16b, #0\n\tmovi v30.16b, #0\n\tmovi v31.16b, #0"
      :
      :
      : "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "v16", "v17", "v18", "v19", "v20", "v21", "v22", "v23", "v24",
        "v25", "v26", "v27", "v28", "v29", "v30", "v31");
#endif
}

}  // namespace

Result<RangeFacts> signing_context_facts() {
  const wallet::SigningContext& made = wallet::signing_context_made();
  if (made.context == nullptr) return made.error;
  return query_range(made.memory.ptr, made.memory.size);
}

STRONGROOM_NOINLINE void burn_stack() {
  // The area sits below the caller's frame, where the library calls it just
  // made had theirs: explicit_bzero / SecureZeroMemory on it cannot be elided.
  unsigned char area[kBurnedStackBytes];
  secure_wipe(area, sizeof(area));
  clear_vector_registers();
}

void sha256(const std::uint8_t* data, std::size_t size, std::uint8_t out[32]) {
  sha256_t hash;
  sha256_init(&hash);
  sha256_update(&hash, data, size);
  sha256_final(&hash, out);
  secure_wipe(&hash, sizeof(hash));
}

void keccak256(const std::uint8_t* data, std::size_t size, std::uint8_t out[32]) {
  keccak_t hash;
  keccak256_init(&hash);
  keccak256_update(&hash, data, size);
  keccak256_final(&hash, out);
  secure_wipe(&hash, sizeof(hash));
}

void hmac_sha512(const std::uint8_t* key, std::size_t key_size, const std::uint8_t* data, std::size_t size,
                 std::uint8_t out[64]) {
  hmac_t mac;
  hmac_init(&mac, HASH_SHA512, key, key_size);
  hmac_update(&mac, data, size);
  hmac_final(&mac, out);
  secure_wipe(&mac, sizeof(mac));
  burn_stack();
}

Status pbkdf2_hmac_sha512(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt,
                          std::size_t salt_size, std::uint32_t iterations, std::uint8_t* out, std::size_t out_size) {
  Status derived = wallet::pbkdf2_sha512(password, password_size, salt, salt_size, iterations, out, out_size);
  burn_stack();
  return derived;
}

bool verify_ecdsa_der(const std::uint8_t* public_key, std::size_t public_key_size, const std::uint8_t* digest32,
                      const std::uint8_t* der, std::size_t der_size) {
  const secp256k1_context* context = wallet::verify_context();
  secp256k1_pubkey key;
  secp256k1_ecdsa_signature signature;
  if (public_key == nullptr || der == nullptr || der_size == 0) return false;
  if (secp256k1_ec_pubkey_parse(context, &key, public_key, public_key_size) != 1) return false;
  if (secp256k1_ecdsa_signature_parse_der(context, &signature, der, der_size) != 1) return false;
  // normalize returns 1 when S was high: Bitcoin (BIP-62/146) refuses those.
  if (secp256k1_ecdsa_signature_normalize(context, nullptr, &signature) == 1) return false;
  return secp256k1_ecdsa_verify(context, &signature, digest32, &key) == 1;
}

bool verify_schnorr(const std::uint8_t* xonly_public_key32, const std::uint8_t* message32,
                    const std::uint8_t* signature64) {
  const secp256k1_context* context = wallet::verify_context();
  secp256k1_xonly_pubkey key;
  if (secp256k1_xonly_pubkey_parse(context, &key, xonly_public_key32) != 1) return false;
  return secp256k1_schnorrsig_verify(context, signature64, message32, &key) == 1;
}

bool verify_ed25519(const std::uint8_t* public_key32, const std::uint8_t* message, std::size_t message_size,
                    const std::uint8_t* signature64) {
  const auto* curve = static_cast<const edwards_curve_t*>(wallet::ed25519_curve());
  return eddsa_verify(curve, message, message_size, signature64, public_key32, -1, nullptr, 0) == 1;
}

Result<std::array<std::uint8_t, 20>> ethereum_address(const std::uint8_t* public_key, std::size_t size) {
  const secp256k1_context* context = wallet::verify_context();
  secp256k1_pubkey key;
  if ((size != 33 && size != 65) || secp256k1_ec_pubkey_parse(context, &key, public_key, size) != 1) {
    return make_error(ErrorCode::InvalidArgument, "not a secp256k1 public key (33 or 65 bytes on the curve)");
  }
  std::uint8_t uncompressed[65];
  std::size_t length = sizeof(uncompressed);
  secp256k1_ec_pubkey_serialize(context, uncompressed, &length, &key, SECP256K1_EC_UNCOMPRESSED);
  std::uint8_t digest[32];
  keccak256(uncompressed + 1, 64, digest);
  std::array<std::uint8_t, 20> address{};
  std::memcpy(address.data(), digest + 12, 20);
  return address;
}

}  // namespace strongroom
