/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C++ exceptions through graph-traced frames: traced_cxx.cc is built
 * with the ftrace flags, cxx_driver.cc (which catches) without.  Both
 * speak C to the tests.
 */
#ifndef SELFTESTS_FGRAPH_TRACED_CXX_H
#define SELFTESTS_FGRAPH_TRACED_CXX_H

#include "../traced_attr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Objects of traced frames destroyed, by unwinding or by return. */
extern int fgx_destroyed;

/*
 * Each nests @depth calls of itself, one object with a destructor per
 * frame, and throws @value (an int) from the deepest.  fgx_throw lets
 * it through; fgx_catch catches it in its outermost frame and returns
 * it + 1000; fgx_rethrow catches it there and throws it on with
 * `throw;`.
 */
TRACED int fgx_throw(int depth, int value);
TRACED int fgx_catch(int depth, int value);
TRACED int fgx_rethrow(int depth, int value);

enum fgx_how { FGX_THROW, FGX_CATCH, FGX_RETHROW };

/*
 * cxx_driver.cc: call the traced function of @how and catch what comes
 * out of it: the value it returned, or -(caught value), or -1 for an
 * exception of another type.
 */
int fgx_run(enum fgx_how how, int depth, int value);

/*
 * In a child process, throw through @depth traced frames with no
 * handler anywhere: std::terminate() must abort it.  The child's wait
 * status, or -1 when it does not end within @seconds (it is killed).
 */
int fgx_terminate_in_child(int depth, unsigned int seconds);

#ifdef __cplusplus
}
#endif

#endif /* SELFTESTS_FGRAPH_TRACED_CXX_H */
