// BIP-39: mnemonic words, their checksum, and the seed (PBKDF2-HMAC-SHA512).
#include <torsion/hash.h>

#include <cstring>
#include <string>

#include "english_wordlist.h"
#include "strongroom/wipe.h"
#include "wallet_internal.h"

namespace strongroom {

namespace {

using bip39::kEnglishWords;
using bip39::kMaxWordLength;
using bip39::kWordCount;

constexpr std::size_t kMaxWords = 24;
constexpr std::uint32_t kSeedRounds = 2048;
constexpr char kSaltPrefix[] = "mnemonic";
constexpr std::size_t kSaltPrefixSize = sizeof(kSaltPrefix) - 1;

bool valid_word_count(std::size_t words) {
  return words >= 12 && words <= kMaxWords && words % 3 == 0;
}

// The intermediates of one mnemonic: word indices, entropy, hash state.
struct MnemonicState {
  std::uint16_t indices[kMaxWords];
  std::uint8_t word[kMaxWordLength];
  std::uint8_t entropy[33];
  std::uint8_t digest[32];
  sha256_t hash;
};

// 0xFF..FF when a == b, else 0, without a branch on either.
std::uint32_t equal_mask(std::uint32_t a, std::uint32_t b) {
  std::uint32_t x = a ^ b;
  return ((x | (0u - x)) >> 31) - 1u;
}

// The index of `word` (zero-padded) in the list, comparing every entry in full
// so the time does not depend on which word it is. found: 0 or 1.
std::uint32_t find_word(const std::uint8_t* word, std::uint32_t& found) {
  std::uint32_t index = 0;
  std::uint32_t hit = 0;
  for (std::uint32_t i = 0; i < kWordCount; ++i) {
    std::uint32_t diff = 0;
    for (std::size_t k = 0; k < kMaxWordLength; ++k) {
      diff |= static_cast<std::uint32_t>(word[k] ^ static_cast<std::uint8_t>(kEnglishWords[i].text[k]));
    }
    std::uint32_t same = equal_mask(diff, 0);
    index |= same & i;
    hit |= same;
  }
  found = hit & 1u;
  return index;
}

// Copies the word at `index` into `out` (zero-padded), touching every entry.
void select_word(std::uint32_t index, std::uint8_t* out) {
  std::memset(out, 0, kMaxWordLength);
  for (std::uint32_t i = 0; i < kWordCount; ++i) {
    auto mask = static_cast<std::uint8_t>(equal_mask(i, index));
    for (std::size_t k = 0; k < kMaxWordLength; ++k) {
      out[k] |= static_cast<std::uint8_t>(kEnglishWords[i].text[k]) & mask;
    }
  }
}

std::size_t padded_length(const std::uint8_t* word) {
  std::size_t n = 0;
  while (n < kMaxWordLength && word[n] != 0) ++n;
  return n;
}

// Packs the 11-bit indices into entropy || checksum bits, big-endian.
void pack_indices(const MnemonicState& state, std::size_t words, std::uint8_t* bits) {
  std::memset(bits, 0, 33);
  for (std::size_t w = 0; w < words; ++w) {
    for (std::size_t b = 0; b < 11; ++b) {
      std::size_t position = w * 11 + b;
      std::uint8_t bit = static_cast<std::uint8_t>((state.indices[w] >> (10 - b)) & 1u);
      bits[position / 8] = static_cast<std::uint8_t>(bits[position / 8] | (bit << (7 - position % 8)));
    }
  }
}

Status check_words(const std::uint8_t* text, std::size_t size, MnemonicState& state) {
  std::size_t words = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= size; ++i) {
    if (i < size && text[i] != ' ') continue;
    std::size_t length = i - start;
    ++words;
    if (words > kMaxWords) {
      return make_error(ErrorCode::InvalidArgument, "a mnemonic has 12, 15, 18, 21 or 24 words, not more than 24");
    }
    if (length == 0) {
      return make_error(ErrorCode::InvalidArgument, "word " + std::to_string(words) +
                                                        " of the mnemonic is empty (words are separated by single "
                                                        "spaces)");
    }
    std::memset(state.word, 0, sizeof(state.word));
    std::uint32_t found = 0;
    if (length <= kMaxWordLength) {
      std::memcpy(state.word, text + start, length);
      state.indices[words - 1] = static_cast<std::uint16_t>(find_word(state.word, found));
    }
    if (found == 0) {
      return make_error(ErrorCode::InvalidArgument,
                        "word " + std::to_string(words) + " of the mnemonic is not in the BIP-39 English list");
    }
    start = i + 1;
  }
  if (!valid_word_count(words)) {
    return make_error(ErrorCode::InvalidArgument,
                      "a mnemonic has 12, 15, 18, 21 or 24 words, not " + std::to_string(words));
  }
  const std::size_t entropy_bytes = words * 4 / 3;
  const std::size_t checksum_bits = words / 3;
  pack_indices(state, words, state.entropy);
  sha256_init(&state.hash);
  sha256_update(&state.hash, state.entropy, entropy_bytes);
  sha256_final(&state.hash, state.digest);
  const auto mask = static_cast<std::uint8_t>(0xFFu << (8 - checksum_bits));
  if (((state.entropy[entropy_bytes] ^ state.digest[0]) & mask) != 0) {
    return make_error(ErrorCode::InvalidArgument,
                      "the mnemonic's checksum does not match: a word is wrong or out of order");
  }
  return Status();
}

STRONGROOM_NOINLINE Status check_mnemonic_now(const SecretRef& mnemonic) {
  Status kind = wallet::require_kind(mnemonic, SecretKind::Mnemonic, "as a mnemonic");
  if (!kind) return kind;
  Result<wallet::Workspace<MnemonicState>> state = wallet::Workspace<MnemonicState>::acquire();
  if (!state) return state.error();
  return wallet::read_secret(
      mnemonic, [&](const std::uint8_t* text, std::size_t size) { return check_words(text, size, *state.value()); });
}

STRONGROOM_NOINLINE Result<OwnedSecret> generate_mnemonic_now(std::size_t word_count, const SecretTarget& target) {
  if (!valid_word_count(word_count)) {
    return make_error(ErrorCode::InvalidArgument,
                      "a mnemonic has 12, 15, 18, 21 or 24 words, not " + std::to_string(word_count));
  }
  Result<wallet::Workspace<MnemonicState>> workspace = wallet::Workspace<MnemonicState>::acquire();
  if (!workspace) return workspace.error();
  MnemonicState& state = *workspace.value();
  const std::size_t entropy_bytes = word_count * 4 / 3;
  Status random = fill_random(state.entropy, entropy_bytes);
  if (!random) return random.error();
  sha256_init(&state.hash);
  sha256_update(&state.hash, state.entropy, entropy_bytes);
  sha256_final(&state.hash, state.digest);
  state.entropy[entropy_bytes] = state.digest[0];
  std::size_t size = word_count - 1;  // the spaces
  for (std::size_t w = 0; w < word_count; ++w) {
    std::uint32_t index = 0;
    for (std::size_t b = 0; b < 11; ++b) {
      std::size_t position = w * 11 + b;
      index = (index << 1) | ((state.entropy[position / 8] >> (7 - position % 8)) & 1u);
    }
    state.indices[w] = static_cast<std::uint16_t>(index);
    select_word(index, state.word);
    size += padded_length(state.word);
  }
  return wallet::make_secret(target, SecretKind::Mnemonic, size, [&](std::uint8_t* out, std::size_t n) {
    std::size_t at = 0;
    for (std::size_t w = 0; w < word_count; ++w) {
      select_word(state.indices[w], state.word);
      std::size_t length = padded_length(state.word);
      if (w > 0) out[at++] = ' ';
      std::memcpy(out + at, state.word, length);
      at += length;
    }
    if (at != n) return Status(make_error(ErrorCode::InvalidSize, "mnemonic length changed while writing"));
    return Status();
  });
}

// The mnemonic and the salt, side by side in the workspace's extra bytes.
struct SeedState {
  std::size_t mnemonic_size;
  MnemonicState check;
};

STRONGROOM_NOINLINE Result<OwnedSecret> mnemonic_to_seed_now(const SecretRef& mnemonic, const std::uint8_t* passphrase,
                                                             std::size_t passphrase_size, MnemonicCheck check,
                                                             const SecretTarget& target) {
  Status kind = wallet::require_kind(mnemonic, SecretKind::Mnemonic, "to make a seed");
  if (!kind) return kind.error();
  // The size decides the workspace; reading it opens no bytes beyond the size.
  std::size_t mnemonic_size = 0;
  Status sized = wallet::read_secret(mnemonic, [&](const std::uint8_t*, std::size_t size) {
    mnemonic_size = size;
    return Status();
  });
  if (!sized) return sized.error();
  const std::size_t salt_size = kSaltPrefixSize + passphrase_size;
  Result<wallet::Workspace<SeedState>> workspace = wallet::Workspace<SeedState>::acquire(mnemonic_size + salt_size);
  if (!workspace) return workspace.error();
  SeedState& state = *workspace.value();
  std::uint8_t* words = workspace.value().extra();
  std::uint8_t* salt = words + mnemonic_size;
  Status copied = wallet::read_secret(mnemonic, [&](const std::uint8_t* text, std::size_t size) {
    if (size != mnemonic_size) return Status(make_error(ErrorCode::InvalidArgument, "the mnemonic changed size"));
    if (check == MnemonicCheck::English) {
      Status valid = check_words(text, size, state.check);
      if (!valid) return valid;
    }
    std::memcpy(words, text, size);
    return Status();
  });
  if (!copied) return copied.error();
  std::memcpy(salt, kSaltPrefix, kSaltPrefixSize);
  if (passphrase_size != 0) std::memcpy(salt + kSaltPrefixSize, passphrase, passphrase_size);
  return wallet::make_secret(target, SecretKind::Seed, 64, [&](std::uint8_t* out, std::size_t n) {
    return wallet::pbkdf2_sha512(words, mnemonic_size, salt, salt_size, kSeedRounds, out, n);
  });
}

}  // namespace

Status check_mnemonic(const SecretRef& mnemonic) {
  Status checked = check_mnemonic_now(mnemonic);
  burn_stack();
  return checked;
}

Result<OwnedSecret> generate_mnemonic(std::size_t word_count, const SecretTarget& target) {
  Result<OwnedSecret> made = generate_mnemonic_now(word_count, target);
  burn_stack();
  return made;
}

Result<OwnedSecret> mnemonic_to_seed(const SecretRef& mnemonic, const std::uint8_t* passphrase,
                                     std::size_t passphrase_size, MnemonicCheck check, const SecretTarget& target) {
  Result<OwnedSecret> made = mnemonic_to_seed_now(mnemonic, passphrase, passphrase_size, check, target);
  burn_stack();
  return made;
}

}  // namespace strongroom
