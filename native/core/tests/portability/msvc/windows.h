// Stand-in for MSVC's windows.h in the portability build (scripts/test-portability.sh):
// the real header, then the min/max macros MSVC's windows.h defines for C++
// too (mingw-w64 defines them for C only). They are defined even though the
// build sets NOMINMAX, as on MSVC without it: no file may depend on their
// absence. This file is on the include path of that build only.
#pragma once
#include_next <windows.h>

#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
