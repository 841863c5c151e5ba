// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Count the calls of chosen functions while the program runs.  This file
 * is compiled with the flags that make its functions traceable:
 *
 *	cc ftrace_count.c $(pkg-config --variable=ftrace_cflags textpoke) \
 *		$(pkg-config --cflags --libs textpoke) -O2
 */
#include <stdio.h>

#include <textpoke/ftrace.h>

__attribute__((noinline)) int parse_header(int x) { return x + 1; }
__attribute__((noinline)) int parse_body(int x) { return x * 3; }
__attribute__((noinline)) int checksum(int x) { return x ^ 0x5a; }

static int parse(int x)
{
	return checksum(parse_body(parse_header(x)));
}

/* Runs at the entry of every traced function, in whatever thread calls it. */
static void count(unsigned long ip, unsigned long parent_ip,
		  struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	(void)ip, (void)parent_ip, (void)regs;
	__atomic_fetch_add((unsigned long *)ops->private, 1, __ATOMIC_RELAXED);
}

int main(void)
{
	unsigned long calls = 0;
	struct tp_ftrace_ops ops = { .func = count, .private = &calls };
	int err, sum = 0;

	err = tp_ftrace_set_filter(&ops, "parse_*", 1);
	err = err ?: tp_register_ftrace_function(&ops);
	for (int i = 0; i < 100; i++)
		sum += parse(i);
	err = err ?: tp_unregister_ftrace_function(&ops);
	sum += parse(0);	/* not counted: tracing is off again */
	tp_ftrace_free_filter(&ops);
	if (err) {
		fprintf(stderr, "ftrace_count: %s\n", tp_strerror(err));
		return 1;
	}
	printf("%ld traceable functions match parse_*; 100 parses made %lu calls of them\n",
	       tp_ftrace_count_functions("parse_*"), calls);
	return calls != 200 || !sum;
}
