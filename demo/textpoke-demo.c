// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke demo: worker threads serve requests through serve(), whose
 * first instruction after the setup is a patch site, and through the
 * request functions of requests.c, built with the ftrace flags.  While
 * they run, the main thread switches the site between "v1" (a NOP: fall
 * through) and "v2" (a jump to the second version) with each backend,
 * then changes a block of 4096 sites in one batch, turns a static key
 * ("audit every request") on and off while requests keep coming, counts
 * the calls of each request function, fixes a bug by redirecting a
 * function to its fixed version, graph-traces one request and prints its
 * call graph, takes the tracing away, and shows what a bad request gets.
 * Every poke goes to a perf.data file as PRE and POST events.
 * Every request must have been served by v1 or v2: anything else would be
 * a thread that ran half-changed code.
 *
 *	textpoke-demo [DIR]	files go to DIR (default: the current one)
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/events.h>
#include <textpoke/static_key.h>
#include <textpoke/textpoke.h>

#include "demo.h"
#include "requests.h"

int serve(void);
extern char serve_site[], serve_v2[], demo_block[], demo_block_end[];

#define WORKERS		4
#define FLIPS		2000

struct worker {
	pthread_t thread;
	unsigned long served[3];	/* [0]: neither v1 nor v2 */
	unsigned long audited;
	unsigned long priced, wrong_prices;
} __attribute__((aligned(64)));

/* Off: a NOP in every request.  On: each request is also audited. */
TP_DEFINE_STATIC_KEY_FALSE(audit);

static struct worker workers[WORKERS];
static int stop;

/* The price req_handle() must give, worked out here, away from the traced code. */
int req_expected(int id)
{
	int qty = id % 7 + 1, total = qty * (100 + id % 13);

	return qty >= 5 ? total - total / 10 : total;
}

static void *serve_requests(void *arg)
{
	struct worker *w = arg;
	int id = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		int version = serve();

		w->served[version == 1 || version == 2 ? version : 0]++;
		if (tp_static_branch_unlikely(&audit))
			w->audited++;
		__atomic_store_n(&w->wrong_prices, w->wrong_prices +
				 (req_handle(id) != req_expected(id)), __ATOMIC_RELAXED);
		__atomic_store_n(&w->priced, w->priced + 1, __ATOMIC_RELAXED);
		id = (id + 1) % 1000;
	}
	return NULL;
}

double demo_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool demo_tty(void)
{
	return isatty(STDOUT_FILENO);
}

static unsigned long sum_of(size_t offset)
{
	unsigned long sum = 0;

	for (int i = 0; i < WORKERS; i++)
		sum += __atomic_load_n((unsigned long *)((char *)&workers[i] + offset),
				       __ATOMIC_RELAXED);
	return sum;
}

unsigned long demo_requests(void)
{
	return sum_of(offsetof(struct worker, priced));
}

unsigned long demo_wrong_prices(void)
{
	return sum_of(offsetof(struct worker, wrong_prices));
}

static void totals(unsigned long sum[3])
{
	sum[0] = sum[1] = sum[2] = 0;
	for (int i = 0; i < WORKERS; i++)
		for (int v = 0; v < 3; v++)
			sum[v] += __atomic_load_n(&workers[i].served[v], __ATOMIC_RELAXED);
}

static const char *const backend_names[] = {
	[TP_BACKEND_AUTO] = "auto",
	[TP_BACKEND_NOSYNC] = "nosync",
	[TP_BACKEND_BREAKPOINT] = "breakpoint",
	[TP_BACKEND_STOP_MACHINE] = "stop_machine",
};

static unsigned long audited(void)
{
	return sum_of(offsetof(struct worker, audited));
}

/* Requests audited while the key is off, on, and off again (100 ms each). */
static int toggle_audit(void)
{
	unsigned long before, during, after;
	int err;

	before = audited();
	usleep(100000);
	before = audited() - before;
	err = tp_static_key_enable(&audit);
	if (err)
		return err;
	during = audited();
	usleep(100000);
	during = audited() - during;
	err = tp_static_key_disable(&audit);
	if (err)
		return err;
	usleep(20000);	/* a request that took the branch just before may still count */
	after = audited();
	usleep(100000);
	after = audited() - after;
	printf("  static key: audited %lu requests while off, %lu while on, %lu after\n",
	       before, during, after);
	return before || after || !during ? -EPROTO : 0;
}

/* Flip serve_site FLIPS times; returns 0 or the first error. */
static int flip_with(enum tp_backend backend, const unsigned char *v1,
		     const unsigned char *v2, int len)
{
	unsigned long before[3], after[3];
	double start = demo_now(), took;
	int err = 0, i;

	totals(before);
	for (i = 0; i < FLIPS && !err; i++) {
		err = tp_poke(serve_site, v1, v2, len, backend);
		if (!err)
			err = tp_poke(serve_site, v2, v1, len, backend);
		if (i % 250 == 0 && demo_tty()) {
			printf("\r  %-12s %4d/%d flips", backend_names[backend], i, FLIPS);
			fflush(stdout);
		}
	}
	took = demo_now() - start;
	totals(after);
	if (err) {
		printf("\r  %-12s refused (%d): %s\n", backend_names[backend], err,
		       backend == TP_BACKEND_NOSYNC ?
		       "this architecture has no nosync transition for it" :
		       tp_strerror(err));
		return err;
	}
	printf("\r  %-12s %5d flips  %7.1f us/poke  %10lu requests: %lu v1, %lu v2, %lu broken\n",
	       backend_names[backend], 2 * FLIPS, took * 1e6 / (2 * FLIPS),
	       after[1] + after[2] + after[0] - before[1] - before[2] - before[0],
	       after[1] - before[1], after[2] - before[2], after[0] - before[0]);
	return 0;
}

static int batch_block(const unsigned char *nop, int len)
{
	struct tp_batch *batch = tp_batch_new();
	unsigned char jump[TP_MAX_INSN_LEN];
	double start;
	int err = 0, sites = 0;
	char *p;

	if (!batch)
		return -ENOMEM;
	for (p = demo_block; p + len <= demo_block_end && !err; p += len, sites++) {
		int n = tp_encode_jump(jump, p, demo_block_end, len);

		err = n < 0 ? n : tp_batch_add(batch, p, nop, jump, len);
	}
	start = demo_now();
	if (!err)
		err = tp_batch_commit(batch, TP_BACKEND_AUTO);
	tp_batch_free(batch);
	if (!err)
		printf("  one batch of %d sites: %.2f ms, all or nothing\n", sites,
		       (demo_now() - start) * 1e3);
	return err;
}

static void show_refusals(const unsigned char *v1, const unsigned char *v2, int len)
{
	static const unsigned char junk[TP_MAX_INSN_LEN] = { 0xff, 0xff, 0xff, 0xff };
	int data = 0;

	printf("  bad requests are refused and change nothing:\n");
	printf("    wrong expected bytes:  %s\n",
	       tp_strerror(tp_poke(serve_site, v2, v1, len, TP_BACKEND_AUTO)));
	printf("    a data address:        %s\n",
	       tp_strerror(tp_poke(&data, NULL, v1, len, TP_BACKEND_AUTO)));
	printf("    libc's memcpy:         %s\n",
	       tp_strerror(tp_poke((void *)memcpy, NULL, v1, len, TP_BACKEND_AUTO)));
	printf("    unknown instruction:   %s\n",
	       tp_strerror(tp_poke(serve_site, v1, junk, len, TP_BACKEND_AUTO)));
}

/* A phase that fails is reported; the demo goes on and fails at the end. */
static int phase(const char *what, int err)
{
	if (err)
		printf("  %s: %s\n", what, err == -EPROTO ? "wrong result" : tp_strerror(err));
	return err;
}

static int trace_requests(const char *dir)
{
	char graph[4096];
	int err;

	snprintf(graph, sizeof(graph), "%s/textpoke-demo.graph", dir);
	err = phase("function tracing", demo_count_calls());
	if (!err)
		err = phase("live patch", demo_redirect_fix());
	if (!err)
		err = phase("graph tracing", demo_graph_one_request(graph));
	return phase("undo", demo_undo_tracing()) ?: err;
}

int main(int argc, char **argv)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
		TP_BACKEND_AUTO,
	};
	const char *dir = argc > 1 ? argv[1] : ".";
	unsigned char v1[TP_MAX_INSN_LEN], v2[TP_MAX_INSN_LEN];
	char perf_data[4096];
	unsigned long sum[3];
	int len, err, i;

	len = tp_encode_nop(v1, 5);
	if (len < 0)
		len = tp_encode_nop(v1, 4);
	if (len < 0 || tp_encode_jump(v2, serve_site, serve_v2, len) != len) {
		fprintf(stderr, "demo: cannot encode the site's instructions\n");
		return 1;
	}
	err = tp_init();
	snprintf(perf_data, sizeof(perf_data), "%s/textpoke-demo.perf.data", dir);
	if (!err)
		err = tp_perf_data_open(perf_data);
	if (err) {
		fprintf(stderr, "demo: %s: %s\n", perf_data, tp_strerror(err));
		return 1;
	}
	printf("textpoke demo: %d threads serve requests through a %d-byte site\n",
	       WORKERS, len);
	for (i = 0; i < WORKERS; i++)
		pthread_create(&workers[i].thread, NULL, serve_requests, &workers[i]);

	for (i = 0; i < (int)(sizeof(backends) / sizeof(backends[0])); i++)
		flip_with(backends[i], v1, v2, len);
	err = phase("batch", batch_block(v1, len));
	if (!err)
		err = phase("static key", toggle_audit());
	if (!err)
		err = trace_requests(dir);
	show_refusals(v1, v2, len);

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < WORKERS; i++)
		pthread_join(workers[i].thread, NULL);
	totals(sum);
	printf("served %lu requests: %lu by v1, %lu by v2, %lu broken\n",
	       sum[0] + sum[1] + sum[2], sum[1], sum[2], sum[0]);
	err = phase("perf.data", tp_perf_data_close()) ?: err;
	if (!err)
		printf("every poke's PRE and POST event: %s\n", perf_data);
	return sum[0] || err ? 1 : 0;
}
