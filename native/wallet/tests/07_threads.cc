// Wallet calls on two threads at once, as the addon's async mnemonic -> seed
// runs them: a worker thread reads a mnemonic in a region made by this thread
// and writes each seed into a new region of its own, while this thread signs
// with a pooled key. Each thread's intermediates live in its own locked
// scratch buffer and each opens only its own scopes, so both must give the
// answers of a single thread, under every sealing method here.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

namespace {

constexpr int kSeedsOnWorker = 64;
const std::string kWords = "test test test test test test test test test test test junk";
const std::uint8_t kPassphrase[] = {'T', 'R', 'E', 'Z', 'O', 'R'};

}  // namespace

TEST_CASE("A worker's mnemonic -> seed in regions of its own while this thread signs: single-threaded answers") {
  std::vector<Storage> storages = every_storage();
  std::size_t pairs = 0;
  for (std::size_t i = 0; i + 1 < storages.size(); i += 2) {
    Storage& pooled = storages[i];
    Storage& isolated = storages[i + 1];
    REQUIRE(pooled.pool != nullptr);
    REQUIRE(isolated.pool == nullptr);

    // The answers of one thread.
    OwnedSecret mnemonic =
        import(isolated, SecretKind::Mnemonic, std::vector<std::uint8_t>(kWords.begin(), kWords.end()));
    Result<OwnedSecret> seed =
        mnemonic_to_seed(mnemonic.ref(), kPassphrase, sizeof(kPassphrase), MnemonicCheck::English, isolated.target);
    REQUIRE_OK(seed);
    const std::vector<std::uint8_t> expected_seed = bytes_of(seed.value().ref());
    Result<DerivationPath> path = parse_derivation_path("m/44'/60'/0'/0/0");
    REQUIRE_OK(path);
    Result<DerivedKey> key = derive_key(seed.value().ref(), Curve::Secp256k1, path.value(), pooled.target);
    REQUIRE_OK(key);
    std::uint8_t digest[32];
    for (std::size_t b = 0; b < sizeof digest; ++b) digest[b] = static_cast<std::uint8_t>(b * 13 + 1);
    Result<EcdsaSignature> expected_signature = sign_ecdsa(key.value().secret.ref(), digest, sizeof digest);
    REQUIRE_OK(expected_signature);

    // Both at once. The worker only collects; the checks run here after join.
    std::vector<std::vector<std::uint8_t>> worker_seeds;
    std::string worker_error;
    std::atomic<bool> worker_done{false};
    std::thread worker([&] {
      struct Done {
        std::atomic<bool>& flag;
        ~Done() { flag = true; }
      } done{worker_done};
      for (int n = 0; n < kSeedsOnWorker; ++n) {
        Result<OwnedSecret> made =
            mnemonic_to_seed(mnemonic.ref(), kPassphrase, sizeof(kPassphrase), MnemonicCheck::English, isolated.target);
        if (!made) {
          worker_error = made.error().message;
          return;
        }
        worker_seeds.push_back(bytes_of(made.value().ref()));
      }
    });
    // Signing goes on for as long as the worker runs, so the two overlap
    // throughout.
    int signatures = 0;
    int signatures_equal = 0;
    std::string signing_error;
    while (!worker_done || signatures == 0) {
      ++signatures;
      Result<EcdsaSignature> signature = sign_ecdsa(key.value().secret.ref(), digest, sizeof digest);
      if (!signature) {
        signing_error = signature.error().message;
        break;
      }
      if (signature.value().compact == expected_signature.value().compact &&
          signature.value().recovery_id == expected_signature.value().recovery_id) {
        ++signatures_equal;
      }
    }
    worker.join();

    CHECK_EQ(worker_error, std::string());
    CHECK_EQ(signing_error, std::string());
    CHECK_EQ(worker_seeds.size(), static_cast<std::size_t>(kSeedsOnWorker));
    for (const std::vector<std::uint8_t>& made : worker_seeds) CHECK(made == expected_seed);
    CHECK_EQ(signatures_equal, signatures);
    CHECK_EQ(pooled.pool->stats().chunks_used, static_cast<std::size_t>(1));  // the key; the worker never used the pool
    std::printf("    %s + %s: %d seeds on a worker, %d signatures here meanwhile\n", isolated.label.c_str(),
                pooled.label.c_str(), kSeedsOnWorker, signatures);
    ++pairs;
  }
  REQUIRE(pairs >= 1);
}

STRONGROOM_TEST_MAIN
