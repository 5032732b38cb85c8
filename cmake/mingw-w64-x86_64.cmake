# Cross-compiles for 64-bit Windows with mingw-w64 (Debian:
# g++-mingw-w64-x86-64-posix) and runs the tests under wine, so that ctest
# works unchanged:
#   cmake -S . -B build/core-win32 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
#   cmake --build build/core-win32 && (cd build/core-win32 && ctest)
# The -posix compilers use the winpthreads thread model, which std::mutex and
# std::call_once need with this GCC.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# ctest prefixes every test command with this. Debian's `wine` picks wine64
# when there is no 32-bit wine; wine64 alone is not on PATH there.
if(NOT CMAKE_CROSSCOMPILING_EMULATOR)
  find_program(STRONGROOM_WINE NAMES wine wine64 PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
  if(STRONGROOM_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${STRONGROOM_WINE})
  endif()
endif()
