#include "vectors.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "strongroom/sealing.h"
#include "test.h"

using namespace strongroom;

namespace wallet_test {

namespace {

std::string setting(const char* variable, const char* fallback) {
  const char* value = std::getenv(variable);
  return value != nullptr && value[0] != '\0' ? value : fallback;
}

// The vectors are data outside the repository: a run that must prove the
// oracles (the project's CI sets STRONGROOM_REQUIRE_VECTORS=1) fails without
// them; any other run says what it skipped and why.
bool vectors_required() {
  const char* required = std::getenv("STRONGROOM_REQUIRE_VECTORS");
  return required != nullptr && std::strcmp(required, "1") == 0;
}

std::string read_file_or_skip(const std::string& path, const std::string& how_to_get_it) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    const std::string reason = "test vectors not found at " + path + " (" + how_to_get_it + ")";
    if (vectors_required()) {
      strongroom_test::report_failure(__FILE__, __LINE__, reason + "; STRONGROOM_REQUIRE_VECTORS=1 needs them");
      throw strongroom_test::RequireFailed();
    }
    strongroom_test::skip(reason);
  }
  std::string text;
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file)) > 0) text.append(buffer, n);
  std::fclose(file);
  return text;
}

struct Parser {
  const std::string& s;
  std::size_t at = 0;

  void space() {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\r' || s[at] == '\t')) ++at;
  }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("bad JSON: ") + what + " at byte " + std::to_string(at));
  }
  void expect(char c) {
    space();
    if (at >= s.size() || s[at] != c) fail("unexpected character");
    ++at;
  }
  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }
  unsigned hex4() {
    if (at + 4 > s.size()) fail("short \\u escape");
    unsigned code = static_cast<unsigned>(std::stoul(s.substr(at, 4), nullptr, 16));
    at += 4;
    return code;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (at < s.size() && s[at] != '"') {
      char c = s[at++];
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = s[at++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00 && at + 6 <= s.size() && s[at] == '\\' && s[at + 1] == 'u') {
            at += 2;
            unsigned low = hex4();
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          out += e;
      }
    }
    expect('"');
    return out;
  }
  Json value() {
    space();
    if (at >= s.size()) fail("end of input");
    Json v;
    char c = s[at];
    if (c == '{') {
      v.type = Json::Object;
      ++at;
      space();
      if (s[at] == '}') {
        ++at;
        return v;
      }
      for (;;) {
        std::string key = string();
        expect(':');
        v.members.emplace_back(key, value());
        space();
        if (s[at] == ',') {
          ++at;
          continue;
        }
        expect('}');
        return v;
      }
    }
    if (c == '[') {
      v.type = Json::Array;
      ++at;
      space();
      if (s[at] == ']') {
        ++at;
        return v;
      }
      for (;;) {
        v.items.push_back(value());
        space();
        if (s[at] == ',') {
          ++at;
          continue;
        }
        expect(']');
        return v;
      }
    }
    if (c == '"') {
      v.type = Json::String;
      v.text = string();
      return v;
    }
    if (s.compare(at, 4, "true") == 0) {
      v.type = Json::Bool;
      v.boolean = true;
      at += 4;
      return v;
    }
    if (s.compare(at, 5, "false") == 0) {
      v.type = Json::Bool;
      at += 5;
      return v;
    }
    if (s.compare(at, 4, "null") == 0) {
      at += 4;
      return v;
    }
    std::size_t used = 0;
    v.type = Json::Number;
    v.number = std::stod(s.substr(at, 32), &used);
    at += used;
    return v;
  }
};

}  // namespace

std::string read_vector(const std::string& name) {
  return read_file_or_skip(setting("STRONGROOM_VECTORS", STRONGROOM_VECTORS_DEFAULT) + "/" + name,
                           "set STRONGROOM_VECTORS to the folder of the official BIP, SLIP and Wycheproof vectors");
}

std::string read_cryptography_vector(const std::string& relative) {
  return read_file_or_skip(
      setting("STRONGROOM_CRYPTOGRAPHY_VECTORS", STRONGROOM_CRYPTOGRAPHY_VECTORS_DEFAULT) + "/" + relative,
      "apt-get install python3-cryptography-vectors, or set STRONGROOM_CRYPTOGRAPHY_VECTORS");
}

std::vector<std::uint8_t> hex(const std::string& text) {
  if (text.size() % 2 != 0) throw std::runtime_error("odd hex: " + text);
  std::vector<std::uint8_t> out(text.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>(std::stoul(text.substr(2 * i, 2), nullptr, 16));
  }
  return out;
}

std::string to_hex(const std::uint8_t* bytes, std::size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

const Json& Json::operator[](const std::string& key) const {
  static const Json kNull;
  for (const auto& member : members) {
    if (member.first == key) return member.second;
  }
  return kNull;
}

bool Json::has(const std::string& key) const {
  for (const auto& member : members) {
    if (member.first == key) return true;
  }
  return false;
}

Json parse_json(const std::string& text) {
  Parser parser{text};
  return parser.value();
}

std::vector<Storage> every_storage() {
  std::vector<Storage> out;
  const struct {
    SealingPreference preference;
    const char* name;
  } methods[] = {{SealingPreference::Mprotect, "mprotect"},
                 {SealingPreference::KernelCopy, "kernel-copy"},
                 {SealingPreference::Pkey, "pkey"}};
  for (const auto& method : methods) {
    Result<SealingChoice> available = choose_sealing(method.preference);
    if (!available) {
      static bool said = false;
      if (said) continue;
      said = true;
      std::printf("    (no %s sealing here: %s)\n", method.name, available.error().message.c_str());
      continue;
    }
    PoolOptions pool_options;
    pool_options.sealing = method.preference;
    Result<std::unique_ptr<Pool>> pool = Pool::create(pool_options);
    if (!pool) throw std::runtime_error("Pool::create: " + pool.error().message);
    // The method the pool really got: on Windows a forced mprotect rests read-only (Sealing::None).
    const std::string name = sealing_name(pool.value()->sealing());
    Storage pooled;
    pooled.label = "pooled/" + name;
    pooled.pool = std::move(pool.value());
    pooled.target = SecretTarget::in_pool(*pooled.pool);
    out.push_back(std::move(pooled));
    RegionOptions region_options;
    region_options.sealing = method.preference;
    Storage isolated;
    isolated.label = "isolated/" + name;
    isolated.target = SecretTarget::isolated(region_options);
    out.push_back(std::move(isolated));
  }
  return out;
}

OwnedSecret import(Storage& storage, SecretKind kind, const std::vector<std::uint8_t>& bytes) {
  Result<OwnedSecret> made = import_secret(kind, bytes.data(), bytes.size(), storage.target);
  if (!made) throw std::runtime_error(storage.label + ": import_secret: " + made.error().message);
  return std::move(made.value());
}

std::vector<std::uint8_t> bytes_of(const SecretRef& secret) {
  std::vector<std::uint8_t> out;
  Status read = secret.with_read([&](const std::uint8_t* bytes, std::size_t size) { out.assign(bytes, bytes + size); });
  if (!read) throw std::runtime_error("with_read: " + read.error().message);
  return out;
}

}  // namespace wallet_test
