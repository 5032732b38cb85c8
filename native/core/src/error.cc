#include "strongroom/error.h"

namespace strongroom {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "INVALID_ARGUMENT";
    case ErrorCode::InvalidSize:
      return "INVALID_SIZE";
    case ErrorCode::LockFailed:
      return "LOCK_FAILED";
    case ErrorCode::Unsupported:
      return "UNSUPPORTED";
    case ErrorCode::CanaryCorrupted:
      return "CANARY_CORRUPTED";
    case ErrorCode::OsError:
      return "OS_ERROR";
    case ErrorCode::WrongPassword:
      return "WRONG_PASSWORD";
    case ErrorCode::Aborted:
      return "ABORTED";
  }
  return "OS_ERROR";
}

Error make_error(ErrorCode code, std::string message) {
  Error error;
  error.code = code;
  error.message = std::move(message);
  return error;
}

Error make_os_error(ErrorCode code, const char* syscall, int os_error, std::string message) {
  Error error;
  error.code = code;
  error.os_error = os_error;
  error.syscall = syscall;
  error.message = std::move(message);
  error.message += ": ";
  error.message += syscall;
  error.message += " failed (";
  error.message += os_error_text(os_error);
  error.message += ")";
  return error;
}

}  // namespace strongroom
