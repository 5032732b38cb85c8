// Web3 Secret Storage v3: the KDFs (scrypt, PBKDF2-HMAC-SHA256), the MAC
// check and AES-128-CTR, with every secret state in the job's locked mapping.
#include "strongroom/keystore.h"

#include <secp256k1.h>
#include <torsion/cipher.h>
#include <torsion/hash.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <utility>

#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#include <emmintrin.h>
#endif
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#endif

#include "strongroom/log.h"
#include "strongroom/memlock.h"
#include "strongroom/platform_memory.h"
#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {

// Everything secret a job holds besides scrypt's B, X and Y (which follow it
// in the same mapping): plain C structs, so the mapping's wipe clears them.
struct KeystoreJob::State {
  std::uint8_t password[kKeystoreMaxPasswordBytes];
  std::size_t password_size;
  std::uint8_t derived[kKeystoreMaxDerivedKeyBytes];
  // PBKDF2 (RFC 8018 5.2): the password-keyed HMAC, the same after the salt,
  // the running round, the block being summed and the last round's output.
  hmac_t keyed;
  hmac_t salted;
  hmac_t round;
  std::uint8_t block[32];
  std::uint8_t u[32];
  std::uint8_t counter[4];
  // AES-128 under derived[0..16], its counter block and keystream block.
  aes_t aes;
  std::uint8_t ctr_block[16];
  std::uint8_t ctr_keystream[16];
  std::uint8_t key[kKeystoreMaxKeyBytes];  // plaintext (open) or the loaded key (seal)
  std::size_t key_size;
  // The MAC over derived[16..32] || ciphertext.
  keccak_t mac_state;
  std::uint8_t mac[32];
};

namespace {

// AES-128-CTR (NIST SP 800-38A 6.5): block i of the keystream is AES_k of the
// 16-byte counter block, incremented as one big-endian 128-bit number after
// each block, as Web3 keystores (and Node's and OpenSSL's aes-128-ctr) use it.
// libtorsion's AES block function only: its generic cipher interface would
// link every cipher it has (Twofish, CAST5, Camellia, ...) into the addon.
// `counter` starts as the IV and `keystream` is scratch; the caller wipes both.
void aes_ctr_xor(const aes_t* aes, std::uint8_t counter[16], std::uint8_t keystream[16], std::uint8_t* out,
                 const std::uint8_t* in, std::size_t size) {
  for (std::size_t done = 0; done < size; done += 16) {
    aes_encrypt(aes, keystream, counter);
    const std::size_t n = size - done < 16 ? size - done : 16;
    for (std::size_t i = 0; i < n; ++i) out[done + i] = static_cast<std::uint8_t>(in[done + i] ^ keystream[i]);
    for (std::size_t i = 16; i-- > 0;) {
      if (++counter[i] != 0) break;
    }
  }
}

std::size_t round_up(std::size_t value, std::size_t to) {
  return (value + to - 1) / to * to;
}

std::uint32_t load32le(const std::uint8_t* in) {
  return std::uint32_t{in[0]} | (std::uint32_t{in[1]} << 8) | (std::uint32_t{in[2]} << 16) |
         (std::uint32_t{in[3]} << 24);
}

void store32le(std::uint8_t* out, std::uint32_t value) {
  out[0] = static_cast<std::uint8_t>(value);
  out[1] = static_cast<std::uint8_t>(value >> 8);
  out[2] = static_cast<std::uint8_t>(value >> 16);
  out[3] = static_cast<std::uint8_t>(value >> 24);
}

struct Progress {
  KeystoreProgress report;
  void* context;
  std::uint64_t total;
  std::uint64_t done = 0;
  bool step(std::uint64_t units) {
    done += units;
    return report == nullptr || report(context, done, total);
  }
};

Error aborted() {
  return make_error(ErrorCode::Aborted, "the keystore operation was cancelled");
}

// A scrypt working array: not locked (hundreds of MiB cannot be under the
// usual lock limits) but kept out of core dumps and forked children, and
// wiped before it is unmapped. Where the OS has transparent huge pages
// (Linux), the array starts on a 2 MiB boundary inside a mapping one huge
// page larger and is advised MADV_HUGEPAGE: 128 page faults instead of
// 65,536 for 256 MiB, and fewer TLB misses in ROMix's random reads. The
// bytes before and after the array are never touched, so never backed.
class WorkingArray {
 public:
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  static Result<WorkingArray> allocate(std::size_t size) {
    const std::size_t slack = size >= kHugePage ? kHugePage : 0;
    Result<Allocation> memory =
        platform_memory::allocate(size + slack, 64, Protection::ReadWrite, AllocationType::Regular);
    if (!memory) {
      Error error = memory.error();
      error.message = "could not map scrypt's " + std::to_string(size >> 20) + " MiB working array: " + error.message;
      return error;
    }
    const Allocation& mapped = memory.value();
    // Best effort: macOS and Windows have no per-range dump exclusion
    // (docs/keystore.md), and none of these calls changes the bytes.
    (void)madvise_dontdump(mapped.ptr, mapped.size);
    (void)madvise_dontfork(mapped.ptr, mapped.size);
    (void)minherit_none(mapped.ptr, mapped.size);
    std::uint8_t* start = static_cast<std::uint8_t*>(mapped.ptr);
    if (slack != 0) {
      // Only a hint: the kernel may still use small pages (THP `never`, or no free huge page).
      (void)madvise_hugepage(mapped.ptr, mapped.size);
      const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(start);
      start += (kHugePage - at % kHugePage) % kHugePage;
    }
    return WorkingArray(mapped, start, size);
  }
  WorkingArray(WorkingArray&& other) noexcept : memory_(other.memory_), start_(other.start_), size_(other.size_) {
    other.memory_ = Allocation();
  }
  WorkingArray& operator=(WorkingArray&&) = delete;
  ~WorkingArray() {
    if (memory_.ptr == nullptr) return;
    // Only [start_, start_ + size_) was ever written; wiping the rest would
    // only fault in zero pages.
    (void)platform_memory::secure_clear(start_, size_);
    (void)platform_memory::free(memory_);
  }
  std::uint32_t* words() const { return reinterpret_cast<std::uint32_t*>(start_); }

 private:
  WorkingArray(Allocation memory, std::uint8_t* start, std::size_t size)
      : memory_(memory), start_(start), size_(size) {}
  Allocation memory_;
  std::uint8_t* start_;
  std::size_t size_;
};

// scrypt's Salsa20/8 core, BlockMix and ROMix. libtorsion has Salsa20 only as
// a 20-round stream cipher, whose state layout cannot take an arbitrary
// block, so scrypt's 8-round core is spelled out here from RFC 7914 section 3;
// the RFC 7914 vectors check each core (native/wallet/tests/06_keystore.cc).
//
// Three cores compute the same function; scrypt_core_selected() picks one
// per call. The portable one keeps each 64-byte block's words in order. The
// SSE2 one (every x86-64) runs on four 128-bit rows, each word kept at the
// position that puts Salsa20's diagonals in the rows: position i holds word
// 5i mod 16 (word_at), so ROMix decodes B into that order and encodes it
// back, and Integerify reads word 1 at position 13. The AVX-512 one is the
// SSE2 one with each rotation one instruction (AVX-512VL's 128-bit vprold)
// instead of two shifts and a combine: the rounds are a chain of dependent
// add, rotate, xor steps, so this shortens the chain itself. It is compiled
// by GCC and Clang on x86 (a function-level target, chosen at run time when
// the CPU and OS offer AVX-512F and AVX-512VL); MSVC and clang-cl builds
// keep the others (their run-time CPU checks differ).
#if defined(__SSE2__) || defined(_M_X64) || (defined(_M_IX86_FP) && _M_IX86_FP >= 2)
#define STRONGROOM_SCRYPT_SSE2 1
#else
#define STRONGROOM_SCRYPT_SSE2 0
#endif
#if STRONGROOM_SCRYPT_SSE2 && (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER) && \
    (defined(__x86_64__) || defined(__i386__))
#define STRONGROOM_SCRYPT_AVX512 1
#define STRONGROOM_TARGET_AVX512 __attribute__((target("avx512f,avx512vl")))
#else
#define STRONGROOM_SCRYPT_AVX512 0
#endif

// The cores' building blocks are inlined into each core's ROMix, so that
// they are compiled with that core's instruction set (a function-level
// target applies to what is inlined into the function).
#if defined(_MSC_VER) && !defined(__clang__)
#define STRONGROOM_SCRYPT_INLINE __forceinline
#else
#define STRONGROOM_SCRYPT_INLINE inline __attribute__((always_inline))
#endif

// ROMix's second loop reads the 128*r bytes of V[j] as soon as j is known;
// asking for all of its cache lines at once overlaps their misses.
STRONGROOM_SCRYPT_INLINE void prefetch_entry(const std::uint32_t* entry, std::size_t bytes) {
#if defined(__GNUC__) || defined(__clang__)
  for (std::size_t at = 0; at < bytes; at += 64) __builtin_prefetch(reinterpret_cast<const char*>(entry) + at);
#elif STRONGROOM_SCRYPT_SSE2
  for (std::size_t at = 0; at < bytes; at += 64) _mm_prefetch(reinterpret_cast<const char*>(entry) + at, _MM_HINT_T0);
#else
  (void)entry;
  (void)bytes;
#endif
}

std::uint32_t rotl(std::uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

struct PortableCore {
  static constexpr std::size_t kIntegerifyHigh = 1;
  static std::size_t word_at(std::size_t position) { return position; }

  static void salsa20_8(std::uint32_t block[16]) {
    std::uint32_t x[16];
    for (int i = 0; i < 16; ++i) x[i] = block[i];
    for (int i = 0; i < 8; i += 2) {
      x[4] ^= rotl(x[0] + x[12], 7);
      x[8] ^= rotl(x[4] + x[0], 9);
      x[12] ^= rotl(x[8] + x[4], 13);
      x[0] ^= rotl(x[12] + x[8], 18);
      x[9] ^= rotl(x[5] + x[1], 7);
      x[13] ^= rotl(x[9] + x[5], 9);
      x[1] ^= rotl(x[13] + x[9], 13);
      x[5] ^= rotl(x[1] + x[13], 18);
      x[14] ^= rotl(x[10] + x[6], 7);
      x[2] ^= rotl(x[14] + x[10], 9);
      x[6] ^= rotl(x[2] + x[14], 13);
      x[10] ^= rotl(x[6] + x[2], 18);
      x[3] ^= rotl(x[15] + x[11], 7);
      x[7] ^= rotl(x[3] + x[15], 9);
      x[11] ^= rotl(x[7] + x[3], 13);
      x[15] ^= rotl(x[11] + x[7], 18);
      x[1] ^= rotl(x[0] + x[3], 7);
      x[2] ^= rotl(x[1] + x[0], 9);
      x[3] ^= rotl(x[2] + x[1], 13);
      x[0] ^= rotl(x[3] + x[2], 18);
      x[6] ^= rotl(x[5] + x[4], 7);
      x[7] ^= rotl(x[6] + x[5], 9);
      x[4] ^= rotl(x[7] + x[6], 13);
      x[5] ^= rotl(x[4] + x[7], 18);
      x[11] ^= rotl(x[10] + x[9], 7);
      x[8] ^= rotl(x[11] + x[10], 9);
      x[9] ^= rotl(x[8] + x[11], 13);
      x[10] ^= rotl(x[9] + x[8], 18);
      x[12] ^= rotl(x[15] + x[14], 7);
      x[13] ^= rotl(x[12] + x[15], 9);
      x[14] ^= rotl(x[13] + x[12], 13);
      x[15] ^= rotl(x[14] + x[13], 18);
    }
    for (int i = 0; i < 16; ++i) block[i] += x[i];
  }

  // scryptBlockMix (RFC 7914 section 4) of `in` XOR `mix` (a V entry, or
  // null for `in` alone) into `out` (2r blocks of 16 words each); `in` is only read.
  static void block_mix(const std::uint32_t* in, const std::uint32_t* mix, std::uint32_t* out, std::size_t r) {
    const std::size_t last = (2 * r - 1) * 16;
    std::uint32_t x[16];
    for (int k = 0; k < 16; ++k) x[k] = in[last + k] ^ (mix != nullptr ? mix[last + k] : 0);
    for (std::size_t i = 0; i < 2 * r; ++i) {
      for (int k = 0; k < 16; ++k) x[k] ^= in[i * 16 + k] ^ (mix != nullptr ? mix[i * 16 + k] : 0);
      salsa20_8(x);
      // Even blocks to the first half, odd ones to the second.
      std::memcpy(out + ((i / 2) + (i & 1) * r) * 16, x, sizeof(x));
    }
  }
};

#if STRONGROOM_SCRYPT_SSE2
struct Rows {
  __m128i a, b, c, d;
};

STRONGROOM_SCRYPT_INLINE Rows load_rows(const std::uint32_t* words) {
  const __m128i* p = reinterpret_cast<const __m128i*>(words);
  return {_mm_loadu_si128(p), _mm_loadu_si128(p + 1), _mm_loadu_si128(p + 2), _mm_loadu_si128(p + 3)};
}

STRONGROOM_SCRYPT_INLINE void xor_rows(Rows& x, const std::uint32_t* words) {
  const Rows y = load_rows(words);
  x.a = _mm_xor_si128(x.a, y.a);
  x.b = _mm_xor_si128(x.b, y.b);
  x.c = _mm_xor_si128(x.c, y.c);
  x.d = _mm_xor_si128(x.d, y.d);
}

STRONGROOM_SCRYPT_INLINE void store_rows(std::uint32_t* words, const Rows& x) {
  __m128i* p = reinterpret_cast<__m128i*>(words);
  _mm_storeu_si128(p, x.a);
  _mm_storeu_si128(p + 1, x.b);
  _mm_storeu_si128(p + 2, x.c);
  _mm_storeu_si128(p + 3, x.d);
}

struct ShiftRotate {
  template <int n>
  static STRONGROOM_SCRYPT_INLINE __m128i rotl(__m128i t) {
    return _mm_xor_si128(_mm_slli_epi32(t, n), _mm_srli_epi32(t, 32 - n));
  }
};

#if STRONGROOM_SCRYPT_AVX512
struct Avx512Rotate {
  // Not always_inline: a function with a narrower target (the shared
  // templates' own bodies) may not inline it, only romix_avx512 once they
  // are inlined into it, which GCC and Clang then do.
  template <int n>
  STRONGROOM_TARGET_AVX512 static inline __m128i rotl(__m128i t) {
    return _mm_rol_epi32(t, n);
  }
};
#endif

template <class Rotate>
struct RowsCore {
  static constexpr std::size_t kIntegerifyHigh = 13;
  static std::size_t word_at(std::size_t position) { return position * 5 % 16; }

  static STRONGROOM_SCRYPT_INLINE void salsa20_8(Rows& x) {
    const Rows in = x;
    __m128i x0 = x.a, x1 = x.b, x2 = x.c, x3 = x.d;
    for (int i = 0; i < 8; i += 2) {
      // Columns.
      x1 = _mm_xor_si128(x1, Rotate::template rotl<7>(_mm_add_epi32(x0, x3)));
      x2 = _mm_xor_si128(x2, Rotate::template rotl<9>(_mm_add_epi32(x1, x0)));
      x3 = _mm_xor_si128(x3, Rotate::template rotl<13>(_mm_add_epi32(x2, x1)));
      x0 = _mm_xor_si128(x0, Rotate::template rotl<18>(_mm_add_epi32(x3, x2)));
      x1 = _mm_shuffle_epi32(x1, 0x93);
      x2 = _mm_shuffle_epi32(x2, 0x4E);
      x3 = _mm_shuffle_epi32(x3, 0x39);
      // Rows.
      x3 = _mm_xor_si128(x3, Rotate::template rotl<7>(_mm_add_epi32(x0, x1)));
      x2 = _mm_xor_si128(x2, Rotate::template rotl<9>(_mm_add_epi32(x3, x0)));
      x1 = _mm_xor_si128(x1, Rotate::template rotl<13>(_mm_add_epi32(x2, x3)));
      x0 = _mm_xor_si128(x0, Rotate::template rotl<18>(_mm_add_epi32(x1, x2)));
      x1 = _mm_shuffle_epi32(x1, 0x39);
      x2 = _mm_shuffle_epi32(x2, 0x4E);
      x3 = _mm_shuffle_epi32(x3, 0x93);
    }
    x.a = _mm_add_epi32(in.a, x0);
    x.b = _mm_add_epi32(in.b, x1);
    x.c = _mm_add_epi32(in.c, x2);
    x.d = _mm_add_epi32(in.d, x3);
  }

  // As PortableCore::block_mix, on rows.
  static STRONGROOM_SCRYPT_INLINE void block_mix(const std::uint32_t* in, const std::uint32_t* mix, std::uint32_t* out,
                                                 std::size_t r) {
    const std::size_t last = (2 * r - 1) * 16;
    Rows x = load_rows(in + last);
    if (mix != nullptr) xor_rows(x, mix + last);
    for (std::size_t i = 0; i < 2 * r; ++i) {
      xor_rows(x, in + i * 16);
      if (mix != nullptr) xor_rows(x, mix + i * 16);
      salsa20_8(x);
      store_rows(out + ((i / 2) + (i & 1) * r) * 16, x);
    }
  }
};
#endif

// scryptROMix (RFC 7914 section 5) on one 128*r-byte block of B, with X and
// Y in `xy` (locked) and V in `v`. The first loop writes each BlockMix
// straight into the next V entry (no copy); the second does two BlockMix
// steps per turn, so X and Y keep their places (n is even).
template <class Core>
STRONGROOM_SCRYPT_INLINE bool romix_with(std::uint8_t* block, std::size_t r, std::uint64_t n, std::uint32_t* v,
                                         std::uint32_t* xy, Progress& progress, std::uint64_t chunk) {
  const std::size_t words = 32 * r;
  const std::size_t bytes = 128 * r;
  std::uint32_t* x = xy;
  std::uint32_t* y = xy + words;
  for (std::size_t k = 0; k < words; ++k) {
    v[k] = load32le(block + 4 * ((k & ~std::size_t{15}) + Core::word_at(k & 15)));
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    Core::block_mix(v + i * words, nullptr, i + 1 < n ? v + (i + 1) * words : x, r);
    if ((i + 1) % chunk == 0 && !progress.step(chunk)) return false;
  }
  const std::size_t high = (2 * r - 1) * 16 + Core::kIntegerifyHigh;
  for (std::uint64_t i = 0; i < n; i += 2) {
    // Integerify: words 0 and 1 of the last 64-byte block, low bits first.
    std::uint64_t j = (x[(2 * r - 1) * 16] | (std::uint64_t{x[high]} << 32)) & (n - 1);
    prefetch_entry(v + j * words, bytes);
    Core::block_mix(x, v + j * words, y, r);
    j = (y[(2 * r - 1) * 16] | (std::uint64_t{y[high]} << 32)) & (n - 1);
    prefetch_entry(v + j * words, bytes);
    Core::block_mix(y, v + j * words, x, r);
    if ((i + 2) % chunk == 0 && !progress.step(chunk)) return false;
  }
  for (std::size_t k = 0; k < words; ++k) {
    store32le(block + 4 * ((k & ~std::size_t{15}) + Core::word_at(k & 15)), x[k]);
  }
  return true;
}

bool romix_portable(std::uint8_t* block, std::size_t r, std::uint64_t n, std::uint32_t* v, std::uint32_t* xy,
                    Progress& progress, std::uint64_t chunk) {
  return romix_with<PortableCore>(block, r, n, v, xy, progress, chunk);
}

#if STRONGROOM_SCRYPT_SSE2
bool romix_sse2(std::uint8_t* block, std::size_t r, std::uint64_t n, std::uint32_t* v, std::uint32_t* xy,
                Progress& progress, std::uint64_t chunk) {
  return romix_with<RowsCore<ShiftRotate>>(block, r, n, v, xy, progress, chunk);
}
#endif

#if STRONGROOM_SCRYPT_AVX512
STRONGROOM_TARGET_AVX512 bool romix_avx512(std::uint8_t* block, std::size_t r, std::uint64_t n, std::uint32_t* v,
                                           std::uint32_t* xy, Progress& progress, std::uint64_t chunk) {
  return romix_with<RowsCore<Avx512Rotate>>(block, r, n, v, xy, progress, chunk);
}

bool cpu_has_avx512vl() {
  // libgcc (GCC 8 and later) and compiler-rt also check that the OS saves
  // the AVX-512 state (XCR0; on macOS, which enables it on first use, compiler-rt trusts it).
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  }();
  return has;
}
#endif

using Romix = bool (*)(std::uint8_t*, std::size_t, std::uint64_t, std::uint32_t*, std::uint32_t*, Progress&,
                       std::uint64_t);

Romix romix_of(ScryptCore core) {
  switch (core) {
    case ScryptCore::Portable:
      return romix_portable;
#if STRONGROOM_SCRYPT_SSE2
    case ScryptCore::Sse2:
      return romix_sse2;
#endif
#if STRONGROOM_SCRYPT_AVX512
    case ScryptCore::Avx512:
      return cpu_has_avx512vl() ? romix_avx512 : nullptr;
#endif
    default:
      return nullptr;
  }
}

struct Pbkdf2Scratch {
  hmac_t* keyed;
  hmac_t* salted;
  hmac_t* round;
  std::uint8_t* block;
  std::uint8_t* u;
  std::uint8_t* counter;
};

// PBKDF2-HMAC-SHA256 with its states in `s` (locked), reporting `iterations`
// units per output block through `progress` (or none when it is null).
bool pbkdf2_sha256(const Pbkdf2Scratch& s, const std::uint8_t* password, std::size_t password_size,
                   const std::uint8_t* salt, std::size_t salt_size, std::uint32_t iterations, std::uint8_t* out,
                   std::size_t out_size, Progress* progress) {
  constexpr std::uint32_t kChunk = 4096;
  hmac_init(s.keyed, HASH_SHA256, password, password_size);
  *s.salted = *s.keyed;
  hmac_update(s.salted, salt, salt_size);
  std::uint32_t index = 0;
  for (std::size_t done = 0; done < out_size; done += 32) {
    std::uint32_t reported = 0;
    wallet::write32be(s.counter, ++index);
    *s.round = *s.salted;
    hmac_update(s.round, s.counter, 4);
    hmac_final(s.round, s.block);
    std::memcpy(s.u, s.block, 32);
    for (std::uint32_t i = 1; i < iterations; ++i) {
      *s.round = *s.keyed;
      hmac_update(s.round, s.u, 32);
      hmac_final(s.round, s.u);
      for (std::size_t k = 0; k < 32; ++k) s.block[k] = static_cast<std::uint8_t>(s.block[k] ^ s.u[k]);
      if (progress != nullptr && i % kChunk == 0) {
        reported += kChunk;
        if (!progress->step(kChunk)) return false;
      }
    }
    if (progress != nullptr && !progress->step(iterations - reported)) return false;
    const std::size_t take = out_size - done < 32 ? out_size - done : 32;
    std::memcpy(out + done, s.block, take);
  }
  return true;
}

bool power_of_two(std::uint64_t n) {
  return n >= 2 && (n & (n - 1)) == 0;
}

Error invalid(const std::string& message) {
  return make_error(ErrorCode::InvalidArgument, message);
}
Error too_large(const std::string& message) {
  return make_error(ErrorCode::InvalidSize, message);
}

}  // namespace

const char* scrypt_core_name(ScryptCore core) {
  switch (core) {
    case ScryptCore::Auto:
      return "auto";
    case ScryptCore::Portable:
      return "portable";
    case ScryptCore::Sse2:
      return "sse2";
    case ScryptCore::Avx512:
      return "avx512";
  }
  return "unknown";
}

Status scrypt_core_available(ScryptCore core) {
  if (romix_of(core) != nullptr) return Status();
  std::string why;
  switch (core) {
    case ScryptCore::Auto:
      why = "auto names no core of its own";
      break;
    case ScryptCore::Portable:
      break;
    case ScryptCore::Sse2:
      why = "it needs an x86 build with SSE2";
      break;
    case ScryptCore::Avx512:
#if STRONGROOM_SCRYPT_AVX512
      why = "the CPU (or the OS) does not offer AVX-512F and AVX-512VL";
#else
      why =
          "it is compiled only by GCC and Clang for x86, not by MSVC or clang-cl (this build has another compiler or "
          "CPU "
          "architecture)";
#endif
      break;
  }
  return make_error(ErrorCode::Unsupported,
                    std::string("the ") + scrypt_core_name(core) + " scrypt core cannot run here: " + why);
}

Result<ScryptCore> scrypt_core_selected() {
  static const Result<ScryptCore> selected = []() -> Result<ScryptCore> {
    const char* value = std::getenv(kScryptCoreVariable);
    if (value == nullptr || *value == '\0' || std::strcmp(value, "auto") == 0) {
      for (ScryptCore core : {ScryptCore::Avx512, ScryptCore::Sse2}) {
        if (romix_of(core) != nullptr) return core;
      }
      return ScryptCore::Portable;
    }
    // Test-only, as STRONGROOM_SIMULATED_PAGE_SIZE: a forced core that
    // cannot run fails every scrypt call (Unsupported), so that a test run
    // never reports a core it did not use.
    for (ScryptCore core : {ScryptCore::Portable, ScryptCore::Sse2, ScryptCore::Avx512}) {
      if (std::strcmp(value, scrypt_core_name(core)) != 0) continue;
      Status available = scrypt_core_available(core);
      if (!available) {
        Error error = available.error();
        error.message = std::string(kScryptCoreVariable) + "=" + value + ": " + error.message;
        return error;
      }
      log_message(LogLevel::Warn,
                  std::string(kScryptCoreVariable) + ": scrypt runs on the " + value + " core (for tests only)");
      return core;
    }
    return make_error(ErrorCode::Unsupported, std::string(kScryptCoreVariable) + "=\"" + value +
                                                  "\" is not one of auto, portable, sse2, avx512");
  }();
  return selected;
}

Status check_keystore_kdf(const KeystoreKdfParams& params) {
  if (params.dklen < kKeystoreMinDerivedKeyBytes) {
    return invalid("the keystore's dklen must be at least 32 (the MAC takes derived bytes 16..32), not " +
                   std::to_string(params.dklen));
  }
  if (params.dklen > kKeystoreMaxDerivedKeyBytes) {
    return too_large("the keystore's dklen is at most " + std::to_string(kKeystoreMaxDerivedKeyBytes));
  }
  if (params.salt.size() > kKeystoreMaxSaltBytes) {
    return too_large("the keystore's KDF salt is at most " + std::to_string(kKeystoreMaxSaltBytes) + " bytes");
  }
  if (params.kdf == KeystoreKdf::Pbkdf2HmacSha256) {
    if (params.iterations == 0) return invalid("the keystore's pbkdf2 iteration count c must be at least 1");
    if (params.iterations > kKeystoreMaxPbkdf2Iterations) {
      return too_large("the keystore's pbkdf2 iteration count c is at most " +
                       std::to_string(kKeystoreMaxPbkdf2Iterations));
    }
    return Status();
  }
  if (!power_of_two(params.n)) return invalid("the keystore's scrypt n must be a power of two, at least 2");
  if (params.r == 0 || params.p == 0) return invalid("the keystore's scrypt r and p must be at least 1");
  if (params.r > kKeystoreMaxScryptR || params.p > kKeystoreMaxScryptP) {
    return too_large("the keystore's scrypt r is at most " + std::to_string(kKeystoreMaxScryptR) + " and p at most " +
                     std::to_string(kKeystoreMaxScryptP));
  }
  // r is at most 32, so neither product overflows before n is bounded.
  if (params.n > kKeystoreMaxScryptMemory / (128 * std::uint64_t{params.r})) {
    return too_large("the keystore's scrypt parameters need more than " +
                     std::to_string(kKeystoreMaxScryptMemory >> 20) + " MiB (128 * r * n bytes)");
  }
  if (params.n * params.r * params.p > kKeystoreMaxScryptWork) {
    return too_large("the keystore's scrypt parameters need more work than n * r * p = " +
                     std::to_string(kKeystoreMaxScryptWork));
  }
  return Status();
}

std::uint64_t keystore_kdf_work(const KeystoreKdfParams& params) {
  if (params.kdf == KeystoreKdf::Pbkdf2HmacSha256) {
    return std::uint64_t{params.iterations} * ((params.dklen + 31) / 32);
  }
  return 2 * params.n * params.p;
}

KeystoreJob::KeystoreJob(const KeystoreKdfParams& params, Allocation memory)
    : params_(params), memory_(memory), state_(new(memory.ptr) State()) {
  std::uint8_t* base = static_cast<std::uint8_t*>(memory.ptr);
  const std::size_t state_bytes = round_up(sizeof(State), 64);
  block_ = base + state_bytes;
  const std::size_t block_bytes = params.kdf == KeystoreKdf::Scrypt ? 128 * std::size_t{params.r} * params.p : 0;
  xy_ = reinterpret_cast<std::uint32_t*>(block_ + block_bytes);
}

KeystoreJob::~KeystoreJob() {
  (void)platform_memory::free(memory_);
}  // Secure: wiped before unmapping

Result<std::unique_ptr<KeystoreJob>> KeystoreJob::create(const KeystoreKdfParams& params, const std::uint8_t* password,
                                                         std::size_t password_size, LockPolicy policy) {
  Status checked = check_keystore_kdf(params);
  if (!checked) return checked.error();
  if (password_size > kKeystoreMaxPasswordBytes) {
    return too_large("a keystore password is at most " + std::to_string(kKeystoreMaxPasswordBytes) + " bytes");
  }
  std::size_t size = round_up(sizeof(State), 64);
  if (params.kdf == KeystoreKdf::Scrypt) size += 128 * std::size_t{params.r} * (params.p + 2);
  Result<Allocation> memory = platform_memory::allocate(size, 64, Protection::ReadWrite, AllocationType::Secure);
  if (!memory) return memory.error();
  if (!memory.value().locked && policy == LockPolicy::Require) {
    (void)platform_memory::free(memory.value());
    return make_error(ErrorCode::LockFailed,
                      "could not lock the keystore job's memory (password, derived key, plaintext); raise the "
                      "locked-memory limit or use the best-effort lock policy");
  }
  std::unique_ptr<KeystoreJob> job(new KeystoreJob(params, memory.value()));
  if (password_size > 0) std::memcpy(job->state_->password, password, password_size);
  job->state_->password_size = password_size;
  return job;
}

Status KeystoreJob::load_key(const SecretRef& key) {
  Status kind = wallet::require_kind(key, SecretKind::Secp256k1Key, "in a keystore");
  if (!kind) return kind;
  Status read = wallet::read_secret(key, [&](const std::uint8_t* bytes, std::size_t size) -> Status {
    if (size != 32 && size != 64) {
      return make_error(ErrorCode::InvalidSize, "a secp256k1 key secret has 32 or 64 bytes");
    }
    std::memcpy(state_->key, bytes, 32);
    state_->key_size = 32;
    return Status();
  });
  burn_stack();
  if (!read) return read;
  key_loaded_ = true;
  return Status();
}

Status KeystoreJob::derive_now(KeystoreProgress report, void* context) {
  State& s = *state_;
  const Pbkdf2Scratch scratch{&s.keyed, &s.salted, &s.round, s.block, s.u, s.counter};
  Progress progress{report, context, keystore_kdf_work(params_)};
  if (params_.kdf == KeystoreKdf::Pbkdf2HmacSha256) {
    if (!pbkdf2_sha256(scratch, s.password, s.password_size, params_.salt.data(), params_.salt.size(),
                       params_.iterations, s.derived, params_.dklen, &progress)) {
      return aborted();
    }
    return Status();
  }
  const std::size_t r = params_.r;
  const std::size_t block_bytes = 128 * r;
  ScryptCore core = params_.scrypt_core;
  if (core == ScryptCore::Auto) {
    Result<ScryptCore> selected = scrypt_core_selected();
    if (!selected) return selected.error();
    core = selected.value();
  }
  const Romix romix = romix_of(core);
  if (romix == nullptr) return scrypt_core_available(core);
  Result<WorkingArray> v = WorkingArray::allocate(block_bytes * params_.n);
  if (!v) return v.error();
  if (!pbkdf2_sha256(scratch, s.password, s.password_size, params_.salt.data(), params_.salt.size(), 1, block_,
                     block_bytes * params_.p, nullptr)) {
    return aborted();
  }
  // About a hundred reports in all, each after a whole number of turns.
  std::uint64_t chunk = 2;
  while (chunk * 128 < 2 * params_.n * params_.p && chunk < params_.n) chunk *= 2;
  for (std::uint32_t i = 0; i < params_.p; ++i) {
    if (!romix(block_ + i * block_bytes, r, params_.n, v.value().words(), xy_, progress, chunk)) return aborted();
  }
  if (!pbkdf2_sha256(scratch, s.password, s.password_size, block_, block_bytes * params_.p, 1, s.derived, params_.dklen,
                     nullptr)) {
    return aborted();
  }
  return Status();
}

Status KeystoreJob::derive(KeystoreProgress progress, void* context) {
  if (derived_) return invalid("this keystore job has already derived its key");
  Status done = derive_now(progress, context);
  // B, X and Y have served; only the derived key stays.
  if (params_.kdf == KeystoreKdf::Scrypt) {
    (void)platform_memory::secure_clear(block_, 128 * std::size_t{params_.r} * (params_.p + 2));
  }
  burn_stack();
  if (!done) return done;
  derived_ = true;
  return Status();
}

Status KeystoreJob::open(const std::uint8_t* ciphertext, std::size_t size, const std::uint8_t iv[16],
                         const std::uint8_t mac[32]) {
  if (!derived_) return invalid("a keystore job opens its ciphertext after derive()");
  if (size == 0 || size > kKeystoreMaxKeyBytes) {
    return too_large("a keystore's ciphertext holds a private key of 1 to 32 bytes, not " + std::to_string(size));
  }
  State& s = *state_;
  keccak256_init(&s.mac_state);
  keccak256_update(&s.mac_state, s.derived + 16, 16);
  keccak256_update(&s.mac_state, ciphertext, size);
  keccak256_final(&s.mac_state, s.mac);
  // Constant time: every byte is compared whatever the first difference.
  unsigned difference = 0;
  for (std::size_t i = 0; i < 32; ++i) difference |= static_cast<unsigned>(s.mac[i] ^ mac[i]);
  if (difference != 0) {
    burn_stack();
    return make_error(ErrorCode::WrongPassword,
                      "the keystore's MAC does not match: wrong password (or a damaged keystore)");
  }
  aes_init_encrypt(&s.aes, 128, s.derived);
  std::memcpy(s.ctr_block, iv, 16);
  aes_ctr_xor(&s.aes, s.ctr_block, s.ctr_keystream, s.key, ciphertext, size);
  s.key_size = size;
  burn_stack();
  opened_ = true;
  return Status();
}

Result<KeystoreCiphertext> KeystoreJob::seal(const std::uint8_t iv[16]) {
  if (!derived_ || !key_loaded_) return invalid("a keystore job seals a loaded key after derive()");
  State& s = *state_;
  KeystoreCiphertext out;
  aes_init_encrypt(&s.aes, 128, s.derived);
  std::memcpy(s.ctr_block, iv, 16);
  aes_ctr_xor(&s.aes, s.ctr_block, s.ctr_keystream, out.ciphertext.data(), s.key, 32);
  keccak256_init(&s.mac_state);
  keccak256_update(&s.mac_state, s.derived + 16, 16);
  keccak256_update(&s.mac_state, out.ciphertext.data(), 32);
  keccak256_final(&s.mac_state, out.mac.data());
  burn_stack();
  return out;
}

Result<OwnedSecret> KeystoreJob::take_key(const SecretTarget& target) {
  if (!opened_) return invalid("a keystore job hands its key over after open()");
  Result<const secp256k1_context*> context = wallet::signing_context();
  if (!context) return context.error();
  const State& s = *state_;
  Result<OwnedSecret> made =
      wallet::make_secret(target, SecretKind::Secp256k1Key, 32, [&](std::uint8_t* bytes, std::size_t) -> Status {
        const std::size_t pad = 32 - s.key_size;
        std::memset(bytes, 0, pad);
        std::memcpy(bytes + pad, s.key, s.key_size);
        if (secp256k1_ec_seckey_verify(context.value(), bytes) != 1) {
          return invalid("the keystore decrypts to a value that is not a secp256k1 private key (zero or not below n)");
        }
        return Status();
      });
  burn_stack();
  return made;
}

Result<OwnedSecret> keystore_decrypt(const KeystoreKdfParams& params, const std::uint8_t* password,
                                     std::size_t password_size, const std::uint8_t* ciphertext,
                                     std::size_t ciphertext_size, const std::uint8_t iv[16], const std::uint8_t mac[32],
                                     const SecretTarget& target) {
  const LockPolicy policy = target.pool != nullptr ? LockPolicy::Require : target.region.lock_policy;
  Result<std::unique_ptr<KeystoreJob>> job = KeystoreJob::create(params, password, password_size, policy);
  if (!job) return job.error();
  Status derived = job.value()->derive();
  if (!derived) return derived.error();
  Status opened = job.value()->open(ciphertext, ciphertext_size, iv, mac);
  if (!opened) return opened.error();
  return job.value()->take_key(target);
}

Result<KeystoreCiphertext> keystore_encrypt(const KeystoreKdfParams& params, const std::uint8_t* password,
                                            std::size_t password_size, const SecretRef& key,
                                            const std::uint8_t iv[16]) {
  Result<std::unique_ptr<KeystoreJob>> job = KeystoreJob::create(params, password, password_size, LockPolicy::Require);
  if (!job) return job.error();
  Status loaded = job.value()->load_key(key);
  if (!loaded) return loaded.error();
  Status derived = job.value()->derive();
  if (!derived) return derived.error();
  return job.value()->seal(iv);
}

Status scrypt(const std::uint8_t* password, std::size_t password_size, const std::uint8_t* salt, std::size_t salt_size,
              std::uint64_t n, std::uint32_t r, std::uint32_t p, std::uint8_t* out, std::size_t out_size,
              ScryptCore core) {
  KeystoreKdfParams params;
  params.kdf = KeystoreKdf::Scrypt;
  params.scrypt_core = core;
  params.n = n;
  params.r = r;
  params.p = p;
  params.salt.assign(salt, salt + salt_size);
  params.dklen = out_size;
  if (out_size < kKeystoreMinDerivedKeyBytes || out_size > kKeystoreMaxDerivedKeyBytes) {
    return too_large("scrypt() writes 32 to 64 bytes");
  }
  Result<std::unique_ptr<KeystoreJob>> job = KeystoreJob::create(params, password, password_size, LockPolicy::Require);
  if (!job) return job.error();
  Status derived = job.value()->derive();
  if (!derived) return derived;
  std::memcpy(out, job.value()->state_->derived, out_size);
  return Status();
}

void aes128_ctr(const std::uint8_t key[16], const std::uint8_t iv[16], const std::uint8_t* in, std::uint8_t* out,
                std::size_t size) {
  aes_t aes;
  std::uint8_t counter[16];
  std::uint8_t keystream[16];
  aes_init_encrypt(&aes, 128, key);
  std::memcpy(counter, iv, 16);
  aes_ctr_xor(&aes, counter, keystream, out, in, size);
  secure_wipe(&aes, sizeof(aes));
  secure_wipe(keystream, sizeof(keystream));
  secure_wipe(counter, sizeof(counter));
}

}  // namespace strongroom
