// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Live patching: a thread keeps calling a buggy function; redirect it to
 * the fixed one without stopping anything, then take the fix back.
 * Built with the ftrace flags (see ftrace_count.c).
 */
#include <pthread.h>
#include <stdio.h>

#include <textpoke/ftrace.h>

static unsigned long calls;	/* a side effect: no call may be moved or merged */

/* Meant to round up to a multiple of 8. */
__attribute__((noinline)) int round_up8(int x)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	return x + 8 - x % 8;
}

__attribute__((noinline)) int round_up8_fixed(int x)
{
	__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
	return (x + 7) / 8 * 8;
}

static int stop;
static volatile int sixteen = 16;

static void *caller(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
		if (round_up8(sixteen) % 8)
			return (void *)1;
	return NULL;
}

int main(void)
{
	pthread_t t;
	int before, after, undone, err;

	pthread_create(&t, NULL, caller, NULL);
	before = round_up8(sixteen);
	err = tp_ftrace_redirect((unsigned long)round_up8, (unsigned long)round_up8_fixed);
	after = round_up8(sixteen);	/* every thread runs the fix from here on */
	err = err ?: tp_ftrace_unredirect((unsigned long)round_up8);
	undone = round_up8(sixteen);
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (err) {
		fprintf(stderr, "live_patch: %s\n", tp_strerror(err));
		return 1;
	}
	printf("round_up8(16): %d before the patch, %d with it, %d once it is undone\n",
	       before, after, undone);
	return before != 24 || after != 16 || undone != 24;
}
