/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Static key selftests: the keys and the functions that branch on them,
 * shared by the test files and the shared object the tests dlopen().
 * Every branch function returns 1 when it saw its key on, 0 when off.
 */
#ifndef SELFTESTS_STATIC_KEY_H
#define SELFTESTS_STATIC_KEY_H

#include <textpoke/static_key.h>

TP_DECLARE_STATIC_KEY_FALSE(sk_false);
TP_DECLARE_STATIC_KEY_TRUE(sk_true);
TP_DECLARE_STATIC_KEY_FALSE(sk_far);
TP_DECLARE_STATIC_KEY_TRUE(sk_loop);
/* Defined by the test program, used by the shared object too. */
TP_DECLARE_STATIC_KEY_FALSE(sk_shared);

int false_unlikely(void);
int false_likely(void);
int true_unlikely(void);
int true_likely(void);
int far_likely(void);		/* the jump crosses 300 bytes of code */
int loop_both(void);		/* two sites of one key in one function */
int shared_unlikely(void);

/* The shared object's functions (found with dlsym). */
#define DSO_NAME		"static_key_dso.so"
typedef int dso_branch_fn(void);
typedef struct tp_static_key_true *dso_key_fn(void);

#endif /* SELFTESTS_STATIC_KEY_H */
