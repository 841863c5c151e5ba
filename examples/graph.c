// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-graph tracing: how long each call took, and what it called.
 * Built with the ftrace flags (see ftrace_count.c).  The callbacks only
 * store what they see (they may run in any context); main() prints it.
 */
#include <stdio.h>
#include <time.h>

#include <textpoke/ftrace.h>

__attribute__((noinline)) long step(long x)
{
	for (volatile int i = 0; i < 1000; i++)
		x += i;
	return x;
}

__attribute__((noinline)) long job(long x)
{
	return step(step(x)) + step(x);
}

#define MAX 16
static struct { unsigned long func; int depth; unsigned long long ns; } done[MAX];
static int nr_done;

static void returned(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *gops)
{
	int i = __atomic_fetch_add(&nr_done, 1, __ATOMIC_RELAXED);

	(void)gops;
	if (i < MAX) {
		done[i].func = r->func;
		done[i].depth = r->depth;
		done[i].ns = r->rettime - r->calltime;
	}
}

int main(void)
{
	static struct tp_fgraph_ops gops = { .retfunc = returned };
	int err = tp_ftrace_set_filter(&gops.ops, "job", 1);

	err = err ?: tp_ftrace_set_filter(&gops.ops, "step", 0);
	err = err ?: tp_register_ftrace_graph(&gops);
	job(1);
	err = err ?: tp_unregister_ftrace_graph(&gops);
	if (err) {
		fprintf(stderr, "graph: %s\n", tp_strerror(err));
		return 1;
	}
	/* Returns come innermost first: the three steps, then the job. */
	for (int i = 0; i < nr_done && i < MAX; i++)
		printf("%*s%s returned after %llu ns\n", 2 * done[i].depth, "",
		       done[i].func == (unsigned long)job ? "job" : "step", done[i].ns);
	return nr_done != 4 || done[3].func != (unsigned long)job || done[3].depth != 0 ||
	       done[0].depth != 1;
}
