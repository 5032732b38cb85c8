// The OS's text for a Windows error: GetLastError() codes from the system
// message table, NTSTATUS values (BCryptGenRandom) from ntdll's.
#include <windows.h>

#include <cstdio>
#include <string>

#include "strongroom/error.h"

namespace strongroom {
namespace {

std::string format_message(DWORD flags, HMODULE module, DWORD code) {
  char* buffer = nullptr;
  DWORD length = FormatMessageA(
      flags | FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_MAX_WIDTH_MASK, module,
      code, MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT), reinterpret_cast<LPSTR>(&buffer), 0, nullptr);
  std::string text;
  if (length != 0 && buffer != nullptr) text.assign(buffer, length);
  if (buffer != nullptr) LocalFree(buffer);
  // The system texts end in ". " or "\r\n"; the caller adds its own punctuation.
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r' || text.back() == '\n' || text.back() == '.')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

std::string os_error_text(int os_error) {
  const DWORD code = static_cast<DWORD>(os_error);
  std::string text = format_message(FORMAT_MESSAGE_FROM_SYSTEM, nullptr, code);
  if (text.empty()) {
    // NTSTATUS codes (0xC...) live in ntdll's message table, not the system's.
    HMODULE ntdll = GetModuleHandleA("ntdll.dll");
    if (ntdll != nullptr) text = format_message(FORMAT_MESSAGE_FROM_HMODULE, ntdll, code);
  }
  if (text.empty()) text = "unknown error";
  text += ", error " + std::to_string(os_error);
  if (os_error < 0 || os_error > 0xFFFF) {
    char hex[16];
    std::snprintf(hex, sizeof hex, " (0x%08lX)", static_cast<unsigned long>(code));
    text += hex;
  }
  return text;
}

}  // namespace strongroom
