// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A feature switch that costs one NOP while off: a static key.
 *
 *	cc static_key.c $(pkg-config --cflags --libs textpoke) -O2
 */
#include <stdio.h>

#include <textpoke/static_key.h>

TP_DEFINE_STATIC_KEY_FALSE(verbose);

static unsigned long logged;

static __attribute__((noinline)) int handle(int x)
{
	/* A NOP here while the key is off, a jump to the logging while it is on. */
	if (tp_static_branch_unlikely(&verbose))
		logged++;
	return 2 * x;
}

static unsigned long run(int n)
{
	unsigned long before = logged;

	for (int i = 0; i < n; i++)
		handle(i);
	return logged - before;
}

int main(void)
{
	unsigned long off, on, off_again, counted;
	int err;

	off = run(1000);
	err = tp_static_key_enable(&verbose);
	on = run(1000);
	err = err ?: tp_static_key_disable(&verbose);
	off_again = run(1000);
	/* Reference counts: on while anyone holds a reference. */
	err = err ?: tp_static_key_slow_inc(&verbose);
	err = err ?: tp_static_key_slow_inc(&verbose);
	err = err ?: tp_static_key_slow_dec(&verbose);
	counted = run(10);
	err = err ?: tp_static_key_slow_dec(&verbose);
	if (err) {
		fprintf(stderr, "static_key: %s\n", tp_strerror(err));
		return 1;
	}
	printf("logged %lu calls while off, %lu while on, %lu after; %lu with one reference left\n",
	       off, on, off_again, counted);
	return off || on != 1000 || off_again || counted != 10 || tp_static_key_enabled(&verbose);
}
