// Web3 Secret Storage v3: scrypt against RFC 7914, AES-128-CTR against RFC
// 3686 (both from python3-cryptography-vectors), the definition's own
// examples, wrong passwords, limits, progress and cancellation, and keys
// that old tools wrote shorter than 32 bytes.
#include "strongroom/keystore.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "strongroom/wallet.h"
#include "test.h"
#include "vectors.h"

using namespace strongroom;
using namespace wallet_test;

namespace {

std::vector<std::uint8_t> text_bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

// The blocks of a "KEY = value" vector file, one map per blank-line-separated record.
std::vector<std::vector<std::pair<std::string, std::string>>> records(const std::string& text) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out(1);
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line[0] == '[') {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    const std::size_t eq = line.find(" =");
    if (eq == std::string::npos) continue;
    std::string value = line.size() > eq + 3 ? line.substr(eq + 3) : "";
    out.back().emplace_back(line.substr(0, eq), value);
  }
  if (out.back().empty()) out.pop_back();
  return out;
}

std::string field(const std::vector<std::pair<std::string, std::string>>& record, const std::string& name) {
  for (const auto& entry : record) {
    if (entry.first == name) return entry.second;
  }
  return "";
}

std::vector<std::uint8_t> hex_any_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  return hex(text);
}

KeystoreKdfParams scrypt_params(std::uint64_t n, std::uint32_t r, std::uint32_t p, const std::string& salt_hex) {
  KeystoreKdfParams params;
  params.kdf = KeystoreKdf::Scrypt;
  params.n = n;
  params.r = r;
  params.p = p;
  params.salt = hex(salt_hex);
  return params;
}

// Every scrypt core, and which of them run here: a core this build or CPU
// lacks is reported with its reason (and must refuse to run), never skipped silently.
std::vector<ScryptCore> cores_that_run() {
  std::vector<ScryptCore> out;
  for (ScryptCore core : {ScryptCore::Portable, ScryptCore::Sse2, ScryptCore::Avx512}) {
    Status available = scrypt_core_available(core);
    if (available) {
      out.push_back(core);
    } else {
      std::printf("    %s core: not run here, %s\n", scrypt_core_name(core), available.error().message.c_str());
      CHECK(available.error().code == ErrorCode::Unsupported);
      // Forcing it is refused before any work, not replaced by another core.
      const std::uint8_t password[1] = {'x'};
      std::uint8_t out_key[32];
      Status forced = scrypt(password, 1, password, 1, 16, 1, 1, out_key, 32, core);
      CHECK(!forced.ok() && forced.error().code == ErrorCode::Unsupported);
    }
  }
  return out;
}

const char kSpecKey[] = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";

struct Fixed16 {
  std::uint8_t bytes[16];
};
Fixed16 iv_of(const std::string& text) {
  Fixed16 out{};
  std::vector<std::uint8_t> decoded = hex(text);
  std::memcpy(out.bytes, decoded.data(), 16);
  return out;
}

}  // namespace

TEST_CASE("the scrypt cores: portable everywhere, SSE2 on x86-64, and which one Auto picks") {
  const std::vector<ScryptCore> cores = cores_that_run();
  for (ScryptCore core : cores) std::printf("    %s core: runs here\n", scrypt_core_name(core));
  CHECK(std::find(cores.begin(), cores.end(), ScryptCore::Portable) != cores.end());
#if defined(__x86_64__) || defined(_M_X64)
  CHECK(std::find(cores.begin(), cores.end(), ScryptCore::Sse2) != cores.end());
#endif
  Result<ScryptCore> selected = scrypt_core_selected();
  REQUIRE_OK(selected);
  std::printf("    auto: %s\n", scrypt_core_name(selected.value()));
  CHECK(scrypt_core_available(selected.value()).ok());
  if (std::getenv(kScryptCoreVariable) == nullptr) CHECK(selected.value() == cores.back());  // the fastest
  CHECK(!scrypt_core_available(ScryptCore::Auto).ok());
}

TEST_CASE("scrypt: every RFC 7914 vector within the limits on every core, the 1 GiB one refused before any work") {
  const auto file = records(read_cryptography_vector("KDF/scrypt.txt"));
  std::size_t computed = 0, refused = 0;
  const std::vector<ScryptCore> cores = cores_that_run();
  for (ScryptCore core : cores) {
    for (const auto& record : file) {
      const std::vector<std::uint8_t> password = text_bytes(field(record, "PASSWORD"));
      const std::vector<std::uint8_t> salt = text_bytes(field(record, "SALT"));
      const std::uint64_t n = std::stoull(field(record, "N"));
      const std::uint32_t r = static_cast<std::uint32_t>(std::stoul(field(record, "r")));
      const std::uint32_t p = static_cast<std::uint32_t>(std::stoul(field(record, "p")));
      const std::vector<std::uint8_t> expected = hex(field(record, "DERIVED_KEY"));
      std::vector<std::uint8_t> out(expected.size());
      Status made =
          scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p, out.data(), out.size(), core);
      if (128 * r * n > kKeystoreMaxScryptMemory) {
        CHECK(!made.ok());
        CHECK(made.error().code == ErrorCode::InvalidSize);
        ++refused;
        continue;
      }
      REQUIRE_OK(made);
      CHECK_EQ(to_hex(out), to_hex(expected));
      ++computed;
    }
    std::printf("    %s core: %zu computed, %zu refused by the memory limit\n", scrypt_core_name(core), computed,
                refused);
    CHECK_EQ(computed, std::size_t{3});
    CHECK_EQ(refused, std::size_t{1});
    computed = refused = 0;
  }
}

TEST_CASE("every scrypt core derives the same bytes (random passwords and salts, r from 1 to 9, p 1 and 3)") {
  const std::vector<ScryptCore> cores = cores_that_run();
  std::uint32_t state = 0x9e3779b9u;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  std::size_t cases = 0;
  for (std::uint32_t r = 1; r <= 9; ++r) {
    for (std::uint32_t p : {1u, 3u}) {
      std::vector<std::uint8_t> password(next() % 40), salt(next() % 40);
      for (auto& b : password) b = static_cast<std::uint8_t>(next());
      for (auto& b : salt) b = static_cast<std::uint8_t>(next());
      const std::uint64_t n = std::uint64_t{2} << (next() % 9);
      std::string first;
      for (ScryptCore core : cores) {
        std::uint8_t out[64];
        REQUIRE_OK(scrypt(password.data(), password.size(), salt.data(), salt.size(), n, r, p, out, 64, core));
        if (first.empty()) first = to_hex(out, 64);
        CHECK_EQ(to_hex(out, 64), first);
      }
      ++cases;
    }
  }
  std::printf("    %zu cases on %zu cores\n", cases, cores.size());
}

TEST_CASE("AES-128-CTR: every RFC 3686 vector") {
  const auto file = records(read_cryptography_vector("ciphers/AES/CTR/aes-128-ctr.txt"));
  std::size_t checked = 0;
  for (const auto& record : file) {
    const std::vector<std::uint8_t> key = hex_any_case(field(record, "KEY"));
    const std::vector<std::uint8_t> iv = hex_any_case(field(record, "IV"));
    const std::vector<std::uint8_t> plain = hex_any_case(field(record, "PLAINTEXT"));
    const std::vector<std::uint8_t> expected = hex_any_case(field(record, "CIPHERTEXT"));
    REQUIRE(key.size() == 16 && iv.size() == 16);
    std::vector<std::uint8_t> out(plain.size());
    aes128_ctr(key.data(), iv.data(), plain.data(), out.data(), plain.size());
    CHECK_EQ(to_hex(out), to_hex(expected));
    ++checked;
  }
  std::printf("    %zu vectors\n", checked);
  CHECK(checked >= 3);
}

TEST_CASE("the Web3 Secret Storage definition's examples decrypt to their key (both KDFs, scrypt on every core)") {
  const std::vector<std::uint8_t> password = text_bytes("testpassword");
  {
    KeystoreKdfParams params;
    params.kdf = KeystoreKdf::Pbkdf2HmacSha256;
    params.iterations = 262144;
    params.salt = hex("ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd");
    const std::vector<std::uint8_t> ciphertext =
        hex("5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46");
    const std::vector<std::uint8_t> mac = hex("517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2");
    const Fixed16 iv = iv_of("6087dab2f9fdbbfaddc31a909735c1e6");
    auto key = keystore_decrypt(params, password.data(), password.size(), ciphertext.data(), ciphertext.size(),
                                iv.bytes, mac.data(), SecretTarget::isolated());
    REQUIRE_OK(key);
    CHECK(key.value().kind() == SecretKind::Secp256k1Key);
    CHECK_EQ(to_hex(bytes_of(key.value().ref())), std::string(kSpecKey));
  }
  for (ScryptCore core : cores_that_run()) {
    std::printf("    scrypt example, %s core\n", scrypt_core_name(core));
    KeystoreKdfParams params =
        scrypt_params(262144, 1, 8, "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19");
    params.scrypt_core = core;
    const std::vector<std::uint8_t> ciphertext =
        hex("d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c");
    const std::vector<std::uint8_t> mac = hex("2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097");
    const Fixed16 iv = iv_of("83dbcc02d8ccb40e466191a123791e0e");
    auto key = keystore_decrypt(params, password.data(), password.size(), ciphertext.data(), ciphertext.size(),
                                iv.bytes, mac.data(), SecretTarget::isolated());
    REQUIRE_OK(key);
    CHECK_EQ(to_hex(bytes_of(key.value().ref())), std::string(kSpecKey));

    // One wrong byte of password: WrongPassword, and no secret.
    std::vector<std::uint8_t> wrong = password;
    wrong.back() ^= 1;
    auto refused = keystore_decrypt(params, wrong.data(), wrong.size(), ciphertext.data(), ciphertext.size(), iv.bytes,
                                    mac.data(), SecretTarget::isolated());
    REQUIRE(!refused.ok());
    CHECK(refused.error().code == ErrorCode::WrongPassword);
  }
}

TEST_CASE("encrypt then decrypt, in every storage; a flipped MAC or ciphertext bit is a wrong password") {
  const std::vector<std::uint8_t> password = text_bytes("p\xc3\xa4ssw\xc3\xb6rd \xf0\x9f\x94\x91");
  const KeystoreKdfParams params = scrypt_params(1024, 8, 1, "0102030405060708090a0b0c0d0e0f10");
  const Fixed16 iv = iv_of("000102030405060708090a0b0c0d0e0f");
  const std::vector<std::uint8_t> key_bytes = hex(kSpecKey);
  for (Storage& storage : every_storage()) {
    std::printf("    %s\n", storage.label.c_str());
    OwnedSecret key = import(storage, SecretKind::Secp256k1Key, key_bytes);
    auto sealed = keystore_encrypt(params, password.data(), password.size(), key.ref(), iv.bytes);
    REQUIRE_OK(sealed);
    // The ciphertext is AES-128-CTR under the first half of scrypt's output.
    std::uint8_t derived[32];
    REQUIRE_OK(scrypt(password.data(), password.size(), params.salt.data(), params.salt.size(), params.n, params.r,
                      params.p, derived, 32));
    std::uint8_t expected[32];
    aes128_ctr(derived, iv.bytes, key_bytes.data(), expected, 32);
    CHECK_EQ(to_hex(sealed.value().ciphertext), to_hex(expected, 32));
    std::uint8_t mac_input[48];
    std::memcpy(mac_input, derived + 16, 16);
    std::memcpy(mac_input + 16, expected, 32);
    std::uint8_t mac[32];
    keccak256(mac_input, 48, mac);
    CHECK_EQ(to_hex(sealed.value().mac), to_hex(mac, 32));

    auto opened = keystore_decrypt(params, password.data(), password.size(), sealed.value().ciphertext.data(), 32,
                                   iv.bytes, sealed.value().mac.data(), storage.target);
    REQUIRE_OK(opened);
    CHECK_EQ(opened.value().pooled(), storage.pool != nullptr);
    CHECK_EQ(to_hex(bytes_of(opened.value().ref())), std::string(kSpecKey));

    KeystoreCiphertext damaged = sealed.value();
    damaged.mac[31] ^= 0x80;
    auto bad_mac = keystore_decrypt(params, password.data(), password.size(), damaged.ciphertext.data(), 32, iv.bytes,
                                    damaged.mac.data(), storage.target);
    REQUIRE(!bad_mac.ok());
    CHECK(bad_mac.error().code == ErrorCode::WrongPassword);
    damaged = sealed.value();
    damaged.ciphertext[0] ^= 1;
    auto bad_text = keystore_decrypt(params, password.data(), password.size(), damaged.ciphertext.data(), 32, iv.bytes,
                                     damaged.mac.data(), storage.target);
    REQUIRE(!bad_text.ok());
    CHECK(bad_text.error().code == ErrorCode::WrongPassword);
  }
}

TEST_CASE("a key written with 30 or 31 bytes imports as the same number, left-padded") {
  const std::vector<std::uint8_t> password = text_bytes("old tool");
  const KeystoreKdfParams params = scrypt_params(16, 1, 1, "aa");
  std::uint8_t derived[32];
  REQUIRE_OK(scrypt(password.data(), password.size(), params.salt.data(), params.salt.size(), 16, 1, 1, derived, 32));
  const Fixed16 iv = iv_of("ffffffffffffffffffffffffffffffff");  // the counter wraps inside the second block
  for (std::size_t dropped : {std::size_t{1}, std::size_t{2}}) {
    std::vector<std::uint8_t> key = hex(kSpecKey);
    std::fill(key.begin(), key.begin() + static_cast<long>(dropped), 0);
    const std::vector<std::uint8_t> written(key.begin() + static_cast<long>(dropped), key.end());
    std::vector<std::uint8_t> ciphertext(written.size());
    aes128_ctr(derived, iv.bytes, written.data(), ciphertext.data(), written.size());
    std::vector<std::uint8_t> mac_input(derived + 16, derived + 32);
    mac_input.insert(mac_input.end(), ciphertext.begin(), ciphertext.end());
    std::uint8_t mac[32];
    keccak256(mac_input.data(), mac_input.size(), mac);
    auto opened = keystore_decrypt(params, password.data(), password.size(), ciphertext.data(), ciphertext.size(),
                                   iv.bytes, mac, SecretTarget::isolated());
    REQUIRE_OK(opened);
    CHECK_EQ(to_hex(bytes_of(opened.value().ref())), to_hex(key));
  }
}

TEST_CASE("parameters are checked before any work: malformed ones and those over the limits") {
  const auto code_of = [](const KeystoreKdfParams& params) {
    Status checked = check_keystore_kdf(params);
    return checked.ok() ? std::string("ok") : std::string(error_code_name(checked.error().code));
  };
  CHECK_EQ(code_of(scrypt_params(262144, 8, 1, "00")), std::string("ok"));
  CHECK_EQ(code_of(scrypt_params(3, 8, 1, "00")), std::string("INVALID_ARGUMENT"));
  CHECK_EQ(code_of(scrypt_params(1, 8, 1, "00")), std::string("INVALID_ARGUMENT"));
  CHECK_EQ(code_of(scrypt_params(0, 8, 1, "00")), std::string("INVALID_ARGUMENT"));
  CHECK_EQ(code_of(scrypt_params(1024, 0, 1, "00")), std::string("INVALID_ARGUMENT"));
  CHECK_EQ(code_of(scrypt_params(1024, 8, 0, "00")), std::string("INVALID_ARGUMENT"));
  CHECK_EQ(code_of(scrypt_params(std::uint64_t{1} << 22, 8, 1, "00")), std::string("INVALID_SIZE"));  // 4 GiB
  CHECK_EQ(code_of(scrypt_params(std::uint64_t{1} << 62, 1, 1, "00")), std::string("INVALID_SIZE"));
  CHECK_EQ(code_of(scrypt_params(std::uint64_t{1} << 19, 8, 16, "00")), std::string("INVALID_SIZE"));  // work
  CHECK_EQ(code_of(scrypt_params(1024, 4096, 1, "00")), std::string("INVALID_SIZE"));
  KeystoreKdfParams short_key = scrypt_params(1024, 8, 1, "00");
  short_key.dklen = 31;
  CHECK_EQ(code_of(short_key), std::string("INVALID_ARGUMENT"));
  KeystoreKdfParams pbkdf2;
  pbkdf2.kdf = KeystoreKdf::Pbkdf2HmacSha256;
  pbkdf2.salt = {1};
  pbkdf2.iterations = 0;
  CHECK_EQ(code_of(pbkdf2), std::string("INVALID_ARGUMENT"));
  pbkdf2.iterations = kKeystoreMaxPbkdf2Iterations + 1;
  CHECK_EQ(code_of(pbkdf2), std::string("INVALID_SIZE"));
  // A job over the limits is never made (so nothing is mapped).
  const std::uint8_t password[1] = {'x'};
  auto job = KeystoreJob::create(scrypt_params(std::uint64_t{1} << 30, 8, 1, "00"), password, 1, LockPolicy::Require);
  CHECK(!job.ok());
}

namespace {
struct Reports {
  std::vector<std::uint64_t> done;
  std::uint64_t total = 0;
  std::uint64_t stop_after = ~std::uint64_t{0};
};
bool record(void* context, std::uint64_t done, std::uint64_t total) {
  Reports& reports = *static_cast<Reports*>(context);
  reports.done.push_back(done);
  reports.total = total;
  return done < reports.stop_after;
}
}  // namespace

TEST_CASE("the KDF reports progress up to its total and stops when asked (Aborted, nothing derived)") {
  const std::uint8_t password[] = {'p', 'w'};
  for (KeystoreKdf kdf : {KeystoreKdf::Scrypt, KeystoreKdf::Pbkdf2HmacSha256}) {
    KeystoreKdfParams params = scrypt_params(16384, 8, 2, "00112233");
    params.kdf = kdf;
    params.iterations = 20000;
    {
      auto job = KeystoreJob::create(params, password, 2, LockPolicy::Require);
      REQUIRE_OK(job);
      Reports reports;
      REQUIRE_OK(job.value()->derive(record, &reports));
      REQUIRE(!reports.done.empty());
      CHECK_EQ(reports.total, keystore_kdf_work(params));
      CHECK_EQ(reports.done.back(), reports.total);
      CHECK(std::is_sorted(reports.done.begin(), reports.done.end()));
      if (kdf == KeystoreKdf::Scrypt) CHECK(reports.done.size() >= 50 && reports.done.size() <= 200);
    }
    {
      auto job = KeystoreJob::create(params, password, 2, LockPolicy::Require);
      REQUIRE_OK(job);
      Reports reports;
      reports.stop_after = keystore_kdf_work(params) / 3;
      Status stopped = job.value()->derive(record, &reports);
      REQUIRE(!stopped.ok());
      CHECK(stopped.error().code == ErrorCode::Aborted);
      CHECK(reports.done.back() < keystore_kdf_work(params));
      // Not derived: it cannot open anything.
      const std::uint8_t zeros[32] = {};
      CHECK(!job.value()->open(zeros, 32, zeros, zeros).ok());
    }
  }
}

STRONGROOM_TEST_MAIN
