/*
 * Test support, never part of the package: a Node-API module, built by the
 * tests with cc (helpers.ts osTamper()), that does to this process what the
 * vault must notice or must survive, without a debugger:
 *
 * - madvise, mprotect, munlock and pkey_mprotect on an address range, so
 *   the OS disagrees with the vault's record behind its back (gdb cannot
 *   `call` into a process that uses protection keys);
 * - pkey_get for this thread: whether its PKRU denies a key right now, read
 *   inside a user callback;
 * - a thread started now that reads one byte of an address later, when told
 *   to: it copies the PKRU of the thread that started it.
 *
 * Linux only. Addresses come from /proc/self/maps (the vault never hands
 * one out) and are below 2^53, exact in a double.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>

static napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

/* Reads up to `count` numeric arguments; false (and a thrown TypeError) if one is missing. */
static int numbers(napi_env env, napi_callback_info info, size_t count, double* out) {
  napi_value argv[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < count) {
    napi_throw_type_error(env, NULL, "missing numeric arguments");
    return 0;
  }
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_double(env, argv[i], &out[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "arguments must be numbers");
      return 0;
    }
  }
  return 1;
}

#define ADDRESS(x) ((void*)(uintptr_t)(x))
#define RESULT(call) number(env, (call) == 0 ? 0 : -errno)

/* madvise(address, length, advice): 0 or -errno. */
static napi_value Madvise(napi_env env, napi_callback_info info) {
  double a[3];
  if (!numbers(env, info, 3, a)) return NULL;
  return RESULT(madvise(ADDRESS(a[0]), (size_t)a[1], (int)a[2]));
}

/* mprotect(address, length, prot): 0 or -errno. */
static napi_value Mprotect(napi_env env, napi_callback_info info) {
  double a[3];
  if (!numbers(env, info, 3, a)) return NULL;
  return RESULT(mprotect(ADDRESS(a[0]), (size_t)a[1], (int)a[2]));
}

/* munlock(address, length): 0 or -errno. */
static napi_value Munlock(napi_env env, napi_callback_info info) {
  double a[2];
  if (!numbers(env, info, 2, a)) return NULL;
  return RESULT(munlock(ADDRESS(a[0]), (size_t)a[1]));
}

/* pkey_mprotect(address, length, prot, key): 0 or -errno (ENOSYS/EINVAL without keys). */
static napi_value PkeyMprotect(napi_env env, napi_callback_info info) {
  double a[4];
  if (!numbers(env, info, 4, a)) return NULL;
  return RESULT(pkey_mprotect(ADDRESS(a[0]), (size_t)a[1], (int)a[2], (int)a[3]));
}

/* pkey_get(key) for the calling thread: its PKEY_DISABLE_* bits, or -errno. */
static napi_value PkeyGet(napi_env env, napi_callback_info info) {
  double a[1];
  if (!numbers(env, info, 1, a)) return NULL;
  int rights = pkey_get((int)a[0]);
  return number(env, rights >= 0 ? rights : -errno);
}

/* pkey_set(key, rights) for the calling thread: 0 or -errno. The control that
 * shows what an open key would let through. */
static napi_value PkeySet(napi_env env, napi_callback_info info) {
  double a[2];
  if (!numbers(env, info, 2, a)) return NULL;
  return RESULT(pkey_set((int)a[0], (unsigned)a[1]));
}

/* One reader thread at a time. */
static pthread_t reader;
static pthread_mutex_t reader_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reader_go = PTHREAD_COND_INITIALIZER;
static int reader_released = 0;
static volatile const unsigned char* reader_address = NULL;
static volatile int reader_byte = -1;

static void* read_when_released(void* unused) {
  (void)unused;
  pthread_mutex_lock(&reader_lock);
  while (!reader_released) pthread_cond_wait(&reader_go, &reader_lock);
  pthread_mutex_unlock(&reader_lock);
  reader_byte = *reader_address; /* faults if this thread's PKRU denies the page's key */
  return NULL;
}

/* startReader(address): starts the thread now; it waits. */
static napi_value StartReader(napi_env env, napi_callback_info info) {
  double a[1];
  if (!numbers(env, info, 1, a)) return NULL;
  reader_address = (const unsigned char*)ADDRESS(a[0]);
  reader_released = 0;
  reader_byte = -1;
  return number(env, -pthread_create(&reader, NULL, read_when_released, NULL));
}

/* releaseReader(): lets the thread read, waits for it, returns the byte it read. */
static napi_value ReleaseReader(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&reader_lock);
  reader_released = 1;
  pthread_cond_signal(&reader_go);
  pthread_mutex_unlock(&reader_lock);
  pthread_join(reader, NULL);
  return number(env, reader_byte);
}

NAPI_MODULE_INIT() {
  const napi_property_descriptor functions[] = {
      {"madvise", NULL, Madvise, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mprotect", NULL, Mprotect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"munlock", NULL, Munlock, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pkeyMprotect", NULL, PkeyMprotect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pkeyGet", NULL, PkeyGet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pkeySet", NULL, PkeySet, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReader", NULL, StartReader, NULL, NULL, NULL, napi_enumerable, NULL},
      {"releaseReader", NULL, ReleaseReader, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof functions / sizeof functions[0], functions);
  return exports;
}
