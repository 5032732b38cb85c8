/*
 * Test support, never part of the package: an LD_PRELOAD library whose
 * constructor declares "any process may ptrace me" to the Yama LSM.
 *
 * Under Yama ptrace_scope=1 (Ubuntu, GitHub's runners) a process may only
 * PTRACE_ATTACH to its own descendants or to a process that named it (or
 * any process) with prctl(PR_SET_PTRACER). The tests' gdb is a sibling of
 * the child it attaches to, so the child has to say so; Node cannot call
 * prctl, and the addon must not grow an API that loosens ptrace, so the
 * tests preload this into their children instead.
 *
 * The constructor runs while the dynamic loader starts the process, before
 * any JavaScript, so a child that later calls disableCoreDumps() has made
 * this declaration first: Yama then allows the attach, and a refusal can
 * only come from the kernel's own dumpable check.
 *
 * Without Yama, PR_SET_PTRACER fails with EINVAL; nothing depends on it
 * there, so the result is ignored.
 */
#include <sys/prctl.h>

#ifndef PR_SET_PTRACER
#define PR_SET_PTRACER 0x59616d61
#endif
#ifndef PR_SET_PTRACER_ANY
#define PR_SET_PTRACER_ANY ((unsigned long)-1)
#endif

__attribute__((constructor)) static void allow_any_tracer(void) {
  (void)prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
}
