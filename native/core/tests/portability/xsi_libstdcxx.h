// Force-included by the portability build's XSI pass (scripts/test-portability.sh).
// g++ always defines _GNU_SOURCE because libstdc++'s <mutex> and
// <condition_variable> call two GNU pthread functions; with -U_GNU_SOURCE
// glibc no longer declares them. Declaring those two (glibc's prototypes) lets
// libstdc++ compile while every other GNU extension stays hidden from the
// project's code, as in macOS's and musl's headers.
#pragma once
#include <pthread.h>
#include <time.h>

extern "C" {
int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex, clockid_t clock,
                           const struct timespec* abstime);
int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t clock, const struct timespec* abstime);
}
