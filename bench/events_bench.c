// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cost of PRE+POST emission per event, measured on the engine's own
 * emission path (the calls the protocols make) without writing text:
 *   - nobody listens: the one branch per site;
 *   - one empty subscriber callback;
 *   - the perf.data writer, in batches of 1000 sites (one flush per
 *     batch) and of one site (a flush, three writes, per batch).
 * ns per event, as bench.h's "metric<TAB>value" lines.
 *
 *   make bench            (ARCH=arm64|riscv: under qemu, for the ratios only)
 *   BENCH_EVENTS=N        events per measurement (default 2,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textpoke/events.h>

#include "../textpoke/internal.h"
#include "bench.h"

#define BIG_BATCH	1000

static struct site sites[BIG_BATCH];

static void empty_callback(const struct tp_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

/* ns per event for @events events in batches of @batch sites. */
static double measure(unsigned long events, unsigned int batch)
{
	unsigned long done = 0;
	unsigned long long start = bench_ns();

	while (done < events) {
		unsigned int i;

		events_batch_begin(TP_BACKEND_BREAKPOINT);
		for (i = 0; i < batch; i++)
			events_pre(&sites[i]);
		events_post(sites, batch, true);
		events_batch_end();
		done += 2 * batch;
	}
	return (double)(bench_ns() - start) / done;
}

int main(void)
{
	const char *env = getenv("BENCH_EVENTS");
	unsigned long events = env ? strtoul(env, NULL, 0) : 2000000;
	char path[] = "/tmp/textpoke-bench-XXXXXX";
	double none, callback, writer_big, writer_one;
	unsigned int i;
	int fd = mkstemp(path);

	if (fd < 0 || tp_init())
		return 1;
	close(fd);
	for (i = 0; i < BIG_BATCH; i++) {
		sites[i].addr = 0x400000 + 8 * i;
		sites[i].len = 4;
	}
	none = measure(events, BIG_BATCH);
	tp_events_subscribe(empty_callback, NULL, 0);
	callback = measure(events, BIG_BATCH);
	tp_events_unsubscribe(empty_callback, NULL);
	if (tp_perf_data_open(path))
		return 1;
	writer_big = measure(events, BIG_BATCH);
	writer_one = measure(events / 20, 1);
	tp_perf_data_close();
	unlink(path);

	bench_metric(none, "events.none.ns");
	bench_metric(callback, "events.callback.ns");
	bench_metric(writer_big, "events.perf_data_%d.ns", BIG_BATCH);
	bench_metric(writer_one, "events.perf_data_1.ns");
	bench_metric(1e3 / writer_big, "events.perf_data_%d.mevents_per_s", BIG_BATCH);
	return 0;
}
