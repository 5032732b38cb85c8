// The wallet's signing floor: what libsecp256k1's own recoverable ECDSA sign
// costs when its key is taken from a sealed pool chunk by one read scope,
// measured in C++ with no Node-API call, no argument checks and no stack
// burn. The addon's sign with a pooled key is compared with it.
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "floors.h"
#include "strongroom/pool.h"
#include "strongroom/wipe.h"

namespace strongroom {

std::optional<double> measure_wallet_sign_floor(std::size_t iterations, SealingPreference sealing) {
  PoolOptions options;
  options.sealing = sealing;
  Result<std::unique_ptr<Pool>> pool = Pool::create(options);
  if (!pool) return std::nullopt;
  Result<PoolChunk> chunk = pool.value()->allocate(32);
  if (!chunk) return std::nullopt;
  // A fixed valid key: the floor's cost does not depend on the key's value.
  Status written = pool.value()->with_write(chunk.value(), [](std::uint8_t* bytes, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<std::uint8_t>(i + 1);
  });
  if (!written) return std::nullopt;

  secp256k1_context* context = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
  std::uint8_t blinding[32];
  for (std::size_t i = 0; i < sizeof blinding; ++i) blinding[i] = static_cast<std::uint8_t>(0xA5 ^ i);
  if (secp256k1_context_randomize(context, blinding) != 1) {
    secp256k1_context_destroy(context);
    return std::nullopt;
  }
  std::uint8_t digest[32];
  for (std::size_t i = 0; i < sizeof digest; ++i) digest[i] = static_cast<std::uint8_t>(i * 7);

  double best = 0;
  bool failed = false;
  for (int round = 0; round < 5 && !failed; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < iterations; ++i) {
      std::uint8_t key[32];
      Status read = pool.value()->with_read(
          chunk.value(), [&key](const std::uint8_t* bytes, std::size_t size) { std::memcpy(key, bytes, size); });
      secp256k1_ecdsa_recoverable_signature signature;
      std::uint8_t compact[64] = {};
      int recovery_id = 0;
      if (!read || secp256k1_ecdsa_sign_recoverable(context, &signature, digest, key, nullptr, nullptr) != 1 ||
          secp256k1_ecdsa_recoverable_signature_serialize_compact(context, compact, &recovery_id, &signature) != 1) {
        failed = true;
      }
      secure_wipe(key, sizeof key);
      digest[0] ^= compact[0];  // each signature depends on the one before: nothing is hoisted
    }
    const double ns =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / iterations;
    if (round == 0 || ns < best) best = ns;
  }
  secp256k1_context_destroy(context);
  (void)pool.value()->free(chunk.value());
  if (failed) return std::nullopt;
  return best;
}

}  // namespace strongroom
