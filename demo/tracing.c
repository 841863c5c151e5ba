// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The demo's function-tracing phases, on the request functions the
 * worker threads keep calling: count the calls of each by glob, redirect
 * the buggy function to its fixed version, graph-trace one request and
 * print its call graph, then take everything away again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <textpoke/ftrace.h>

#include "demo.h"
#include "requests.h"
#include "../tools/tp-graph/replay.h"

#define TRACED_GLOB	"req_*"

static const struct {
	const char *name;
	int (*fn)();
} traced[] = {
	{ "req_handle", (int (*)())req_handle },
	{ "req_parse", (int (*)())req_parse },
	{ "req_price", (int (*)())req_price },
	{ "req_price_fixed", (int (*)())req_price_fixed },
	{ "req_reply", (int (*)())req_reply },
};
#define NR_TRACED	(sizeof(traced) / sizeof(traced[0]))

static unsigned long calls[NR_TRACED];

/* Runs in the workers at every traced entry: async-signal-safe, no locks. */
static void count_call(unsigned long ip, unsigned long parent_ip,
		       struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	size_t i;

	(void)parent_ip, (void)ops, (void)regs;
	for (i = 0; i < NR_TRACED; i++)
		if (ip == (unsigned long)traced[i].fn)
			__atomic_fetch_add(&calls[i], 1, __ATOMIC_RELAXED);
}

static struct tp_ftrace_ops counter = { .func = count_call };

static void print_counts(bool final)
{
	size_t i;

	printf(final ? "  " : "\r  ");
	for (i = 0; i < NR_TRACED; i++)
		printf("%s %lu%s", traced[i].name, __atomic_load_n(&calls[i], __ATOMIC_RELAXED),
		       i + 1 < NR_TRACED ? ", " : "");
	printf(final ? "\n" : "   ");
	fflush(stdout);
}

static unsigned long all_calls(void)
{
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i < NR_TRACED; i++)
		sum += __atomic_load_n(&calls[i], __ATOMIC_RELAXED);
	return sum;
}

static const char *const backend_names[] = {
	[TP_BACKEND_AUTO] = "auto", [TP_BACKEND_NOSYNC] = "nosync",
	[TP_BACKEND_BREAKPOINT] = "breakpoint", [TP_BACKEND_STOP_MACHINE] = "stop_machine",
};

/* The glob traced for 100 ms, its entries switched by @backend. */
static int trace_with(enum tp_backend backend)
{
	unsigned long before;
	double start;
	int err = tp_ftrace_set_backend(backend);

	start = demo_now();
	err = err ?: tp_register_ftrace_function(&counter);
	if (err) {
		printf("  %-12s refused (%d): %s\n", backend_names[backend], err,
		       backend == TP_BACKEND_NOSYNC ?
		       "this architecture has no nosync transition for it" : tp_strerror(err));
		return backend == TP_BACKEND_NOSYNC && err == -EINVAL ? 0 : err;
	}
	printf("  %-12s on in %6.2f ms, ", backend_names[backend], (demo_now() - start) * 1e3);
	before = all_calls();
	usleep(100000);
	printf("%9lu calls counted in 100 ms, ", all_calls() - before);
	start = demo_now();
	err = tp_unregister_ftrace_function(&counter);
	if (!err)
		printf("off in %6.2f ms\n", (demo_now() - start) * 1e3);
	return err;
}

int demo_count_calls(void)
{
	/*
	 * A function's first entry change sets its site up, which always runs
	 * under stop_machine whatever the backend; nosync comes last, when
	 * the entries only toggle, so that x86 refuses it at the start (it has
	 * no nosync transition) instead of at the way back.
	 */
	static const enum tp_backend backends[] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_NOSYNC,
	};
	double start;
	long found = tp_ftrace_count_functions(TRACED_GLOB);
	size_t i;
	int err;

	if (found < 0)
		return found;
	err = tp_ftrace_set_filter(&counter, TRACED_GLOB, 1);
	if (err)
		return err;
	printf("  tracing \"%s\" (%ld functions) with each backend:\n", TRACED_GLOB, found);
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]) && !err; i++)
		err = trace_with(backends[i]);
	err = err ?: tp_ftrace_set_backend(TP_BACKEND_AUTO);
	start = demo_now();
	err = err ?: tp_register_ftrace_function(&counter);
	if (err)
		return err;
	for (i = 0; i < NR_TRACED; i++)
		__atomic_store_n(&calls[i], 0, __ATOMIC_RELAXED);
	printf("  %-12s on in %6.2f ms; calls of each so far:\n", "auto",
	       (demo_now() - start) * 1e3);
	for (start = demo_now(); demo_now() - start < 0.5;) {
		usleep(100000);
		if (demo_tty())
			print_counts(false);
	}
	if (demo_tty())
		printf("\r");
	print_counts(true);
	return 0;
}

/* Wrong prices the workers found in @seconds. */
static unsigned long wrong_for(double seconds)
{
	unsigned long before = demo_wrong_prices();

	usleep(seconds * 1e6);
	return demo_wrong_prices() - before;
}

int demo_redirect_fix(void)
{
	unsigned long before, after;
	int err;

	before = wrong_for(0.2);
	err = tp_ftrace_redirect((unsigned long)req_price, (unsigned long)req_price_fixed);
	if (err)
		return err;
	usleep(20000);		/* a request priced just before may still arrive */
	after = wrong_for(0.2);
	printf("  live patch: req_price -> req_price_fixed; wrong prices in 200 ms: "
	       "%lu before, %lu after\n", before, after);
	return before && !after ? 0 : -EPROTO;
}

/* Print the main thread's part of the recording at @path. */
static int print_graph(const char *path, unsigned long tid)
{
	struct replay_opts opts = { .tid = tid };
	struct stat st;
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	int err = -EIO;

	if (f && !fstat(fileno(f), &st) && (buf = malloc(st.st_size)) &&
	    fread(buf, 1, st.st_size, f) == (size_t)st.st_size)
		err = graph_replay(stdout, stderr, buf, st.st_size, &opts);
	free(buf);
	if (f)
		fclose(f);
	return err;
}

int demo_graph_one_request(const char *path)
{
	int err = tp_fgraph_record_start(path, TRACED_GLOB), price;

	if (err)
		return err;
	price = req_handle(4);
	err = tp_fgraph_record_stop();
	if (err)
		return err;
	printf("  graph of one request (5 items: %d cents), recorded in %s:\n", price, path);
	return print_graph(path, syscall(SYS_gettid));
}

int demo_undo_tracing(void)
{
	int err = tp_unregister_ftrace_function(&counter);

	if (!err)
		err = tp_ftrace_unredirect((unsigned long)req_price);
	tp_ftrace_free_filter(&counter);
	if (!err)
		printf("  tracing off, req_price as compiled again\n");
	return err;
}
