// The BIP-39 English word list, embedded at build time from the
// @scure/bip39 package (cmake/embed_wordlist.cmake checks its SHA-256).
#pragma once

#include <cstddef>

namespace strongroom {
namespace bip39 {

constexpr std::size_t kWordCount = 2048;
constexpr std::size_t kMaxWordLength = 8;

// Zero-padded, so every entry is compared in full (constant time).
struct EnglishWord {
  char text[kMaxWordLength];
};
extern const EnglishWord kEnglishWords[kWordCount];

}  // namespace bip39
}  // namespace strongroom
