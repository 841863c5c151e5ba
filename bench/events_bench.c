// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The cost of PRE+POST emission per event, measured on the engine's own
 * emission path (the calls the protocols make) without writing text:
 *   - nobody listens: the one branch per site;
 *   - one empty subscriber callback;
 *   - the perf.data writer, in batches of 1000 sites (one flush per
 *     batch) and of one site (a flush, three writes, per batch).
 * Prints ns per event and the ratios to the no-subscriber case.
 *
 *   make bench            (ARCH=arm64|riscv: under qemu, for the ratios only)
 *   BENCH_EVENTS=N        events per measurement (default 2,000,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/events.h>

#include "../textpoke/internal.h"

#define BIG_BATCH	1000

static struct site sites[BIG_BATCH];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void empty_callback(const struct tp_event *ev, void *arg)
{
	(void)ev;
	(void)arg;
}

/* ns per event for @events events in batches of @batch sites. */
static double measure(unsigned long events, unsigned int batch)
{
	unsigned long done = 0;
	double start = now();

	while (done < events) {
		unsigned int i;

		events_batch_begin(TP_BACKEND_BREAKPOINT);
		for (i = 0; i < batch; i++)
			events_pre(&sites[i]);
		events_post(sites, batch, true);
		events_batch_end();
		done += 2 * batch;
	}
	return (now() - start) * 1e9 / done;
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

	printf("events per run:            %lu\n", events);
	printf("no subscriber:             %8.2f ns/event\n", none);
	printf("empty callback:            %8.2f ns/event  (x%.1f)\n", callback, callback / none);
	printf("perf.data, batch of %d:  %8.2f ns/event  (x%.1f)\n", BIG_BATCH, writer_big,
	       writer_big / none);
	printf("perf.data, batch of 1:     %8.2f ns/event  (x%.1f)\n", writer_one,
	       writer_one / none);
	return 0;
}
