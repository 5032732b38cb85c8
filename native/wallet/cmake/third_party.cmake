# The vetted C libraries the wallet layer runs on, compiled from the exact
# registry package that pins them (package.json devDependencies, with its
# integrity in package-lock.json): bcrypto 5.5.2 ships libsecp256k1 (with the
# recovery, extrakeys and schnorrsig modules) under deps/secp256k1 and
# libtorsion under deps/torsion. Nothing of them is copied into this tree, and
# bcrypto's own addon (its install script) is never built or used.
#
# Third-party code keeps its own warning settings: the project's warning flags
# (and any -Werror) apply to our sources only.

set(STRONGROOM_BCRYPTO_VERSION 5.5.2)
set(STRONGROOM_BCRYPTO_DIR "${PROJECT_SOURCE_DIR}/node_modules/bcrypto"
    CACHE PATH "Folder of the bcrypto ${STRONGROOM_BCRYPTO_VERSION} npm package (libsecp256k1 and libtorsion sources)")
set(STRONGROOM_BIP39_DIR "${PROJECT_SOURCE_DIR}/node_modules/@scure/bip39"
    CACHE PATH "Folder of the @scure/bip39 npm package (the BIP-39 English word list)")

function(strongroom_require_package dir name version probe)
  if(NOT EXISTS "${dir}/${probe}" OR NOT EXISTS "${dir}/package.json")
    message(FATAL_ERROR
      "The wallet layer needs the sources of the npm package ${name}@${version}, not found in\n"
      "  ${dir}\n"
      "Install the project's development dependencies (`npm ci` in the checkout), or\n"
      "`npm install --no-save --ignore-scripts ${name}@${version}`, or point CMake at the package with\n"
      "  -D${ARGV4}=/path/to/node_modules/${name}")
  endif()
  file(READ "${dir}/package.json" manifest)
  string(REGEX MATCH "\"version\"[ \t]*:[ \t]*\"([^\"]+)\"" found "${manifest}")
  if(NOT CMAKE_MATCH_1 STREQUAL version)
    message(FATAL_ERROR
      "${dir} holds ${name}@${CMAKE_MATCH_1}; the wallet layer is built and tested against ${name}@${version} "
      "only (`npm ci` installs it).")
  endif()
endfunction()

strongroom_require_package("${STRONGROOM_BCRYPTO_DIR}" bcrypto ${STRONGROOM_BCRYPTO_VERSION}
                           "deps/secp256k1/src/secp256k1.c" STRONGROOM_BCRYPTO_DIR)
strongroom_require_package("${STRONGROOM_BIP39_DIR}" @scure/bip39 2.4.0 "wordlists/english.js" STRONGROOM_BIP39_DIR)

set(secp_dir "${STRONGROOM_BCRYPTO_DIR}/deps/secp256k1")
set(torsion_dir "${STRONGROOM_BCRYPTO_DIR}/deps/torsion")

include(CheckTypeSize)
include(TestBigEndian)
check_type_size("__int128" STRONGROOM_HAVE_INT128 LANGUAGE C)
test_big_endian(STRONGROOM_BIG_ENDIAN)

# libsecp256k1, as bcrypto's binding.gyp builds it, minus the modules the
# wallet does not use (ECDH, Schnorr legacy, Elligator, extra). The field and
# scalar code is the portable C: 5x52/4x64 limbs with __int128 where the
# compiler has it (gcc, clang, mingw), else the 64-bit-multiply fallback
# (MSVC has no __int128). No inline assembly: the C field code is the one
# upstream recommends and tests most.
add_library(strongroom_secp256k1 STATIC "${secp_dir}/src/secp256k1.c")
target_include_directories(strongroom_secp256k1 PRIVATE "${secp_dir}" "${secp_dir}/src"
                           PUBLIC "${secp_dir}/include")
target_compile_definitions(strongroom_secp256k1 PRIVATE
  USE_NUM_NONE=1 USE_FIELD_INV_BUILTIN=1 USE_SCALAR_INV_BUILTIN=1
  ECMULT_WINDOW_SIZE=15 ECMULT_GEN_PREC_BITS=4 USE_ENDOMORPHISM=1
  ENABLE_MODULE_RECOVERY=1 ENABLE_MODULE_EXTRAKEYS=1 ENABLE_MODULE_SCHNORRSIG=1)
if(STRONGROOM_HAVE_INT128)
  target_compile_definitions(strongroom_secp256k1 PRIVATE USE_FORCE_WIDEMUL_INT128=1)
else()
  target_compile_definitions(strongroom_secp256k1 PRIVATE USE_FORCE_WIDEMUL_INT64=1)
endif()
if(STRONGROOM_BIG_ENDIAN)
  target_compile_definitions(strongroom_secp256k1 PRIVATE SECP256K1_BIG_ENDIAN)
else()
  target_compile_definitions(strongroom_secp256k1 PRIVATE SECP256K1_LITTLE_ENDIAN)
endif()

# libtorsion: SHA-2, RIPEMD-160, Keccak, HMAC, AES (keystores), base58 and Ed25519 (ecc.c,
# which needs mpi, asn1 and drbg, and drbg AES from cipher.c). PBKDF2 is the
# wallet's own loop over torsion's HMAC, so its state stays in locked memory. Its own header detects the
# compiler's features (inline assembly for the value barriers, __int128,
# thread-local storage) when TORSION_HAVE_CONFIG is not given, as bcrypto's
# gyp build relies on.
add_library(strongroom_torsion STATIC
  "${torsion_dir}/src/asn1.c" "${torsion_dir}/src/cipher.c" "${torsion_dir}/src/drbg.c"
  "${torsion_dir}/src/ecc.c" "${torsion_dir}/src/encoding.c" "${torsion_dir}/src/hash.c"
  "${torsion_dir}/src/internal.c" "${torsion_dir}/src/mpi.c"
  "${torsion_dir}/src/util.c")
target_include_directories(strongroom_torsion PUBLIC "${torsion_dir}/include")

if(STRONGROOM_SANITIZE AND NOT MSVC)
  # cipher.c (the DRBG's AES, and AES-128-CTR for keystores) stays
  # uninstrumented: instrumenting all its ciphers costs minutes of compile
  # time; keystores check its AES against RFC 3686's vectors in every build.
  set_source_files_properties("${torsion_dir}/src/cipher.c" PROPERTIES COMPILE_OPTIONS "-fno-sanitize=all")
endif()

foreach(lib strongroom_secp256k1 strongroom_torsion)
  set_target_properties(${lib} PROPERTIES C_STANDARD 99 C_EXTENSIONS OFF C_VISIBILITY_PRESET hidden
                                          POSITION_INDEPENDENT_CODE ON)
  if(MSVC)
    # The libraries' own MSVC settings (bcrypto's binding.gyp).
    target_compile_options(${lib} PRIVATE /W3 /wd4146 /wd4244 /wd4267 /wd4334)
  else()
    # Their own warning set, never -Werror: an upstream warning is not ours to fix.
    # -O2 in optimized builds, as libsecp256k1's own build uses: -O3's inlining
    # and unrolling grow the addon past its 1 MiB budget for no measured gain.
    target_compile_options(${lib} PRIVATE -w $<$<OR:$<CONFIG:Release>,$<CONFIG:RelWithDebInfo>>:-O2>)
  endif()
endforeach()
set_target_properties(strongroom_secp256k1 PROPERTIES C_STANDARD 90)

# The BIP-39 English word list, from @scure/bip39's wordlists/english.js,
# checked against the list's published SHA-256 and embedded as a table.
set(wordlist_source "${STRONGROOM_BIP39_DIR}/wordlists/english.js")
set(wordlist_out "${CMAKE_CURRENT_BINARY_DIR}/generated/english_wordlist.cc")
add_custom_command(
  OUTPUT "${wordlist_out}"
  COMMAND "${CMAKE_COMMAND}" -DINPUT=${wordlist_source} -DOUTPUT=${wordlist_out}
          -P "${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_wordlist.cmake"
  DEPENDS "${wordlist_source}" "${CMAKE_CURRENT_SOURCE_DIR}/cmake/embed_wordlist.cmake"
  COMMENT "Embedding the BIP-39 English word list from @scure/bip39"
  VERBATIM)
