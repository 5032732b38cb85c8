// Error and result types shared by every part of the core.
//
// The core never throws for OS failures: every call that can fail returns a
// Status or Result<T> that carries a stable code, the OS error number and the
// name of the system call, so the addon can map them to SecureMemoryError
// without guessing.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace strongroom {

enum class ErrorCode {
  InvalidArgument,  // a caller bug: bad pointer, bad alignment, bad enum
  InvalidSize,      // zero, too large, or overflowing size
  LockFailed,       // the OS refused to lock pages and the policy required it
  Unsupported,      // this platform has no such call
  CanaryCorrupted,  // the bytes after a secret were overwritten
  OsError,          // any other OS failure (mmap, mprotect, ...)
  WrongPassword,    // a password-derived MAC did not match (keystores)
  Aborted,          // the caller cancelled a long operation
};

const char* error_code_name(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::OsError;
  // errno on POSIX, GetLastError() on Windows, 0 when the OS gave none.
  int os_error = 0;
  // Name of the failing system call (a string literal), or nullptr.
  const char* syscall = nullptr;
  std::string message;
};

Error make_error(ErrorCode code, std::string message);
// Builds an error from an OS failure; message gets the OS's own text appended.
Error make_os_error(ErrorCode code, const char* syscall, int os_error, std::string message);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit on purpose
  static Status ok_status() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit on purpose
  Result(Error error) : value_(std::move(error)) {}  // NOLINT: implicit on purpose
  Result(Status status) : value_(status.error()) {}  // only for failed statuses

  bool ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  const Error& error() const { return std::get<Error>(value_); }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> value_;
};

// The OS's message for an error number (strerror / FormatMessage).
std::string os_error_text(int os_error);

}  // namespace strongroom
