// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program, for the traced architecture: it switches
 * the site of a traced function (decode_work, or another one the arch
 * file names, given as the second argument) between its original
 * instruction and a branch with each backend of its plan while it runs,
 * one poke between two calls, and logs what it did (poked.h) so that a
 * test can build the trace a trace unit would have recorded and the path
 * it must decode to.  The arch file (prog_<arch>.c) gives the
 * instructions and plans; the traced functions are in its assembler.
 *
 * The pokes' PRE/POST events go to the perf.data of TEXTPOKE_PERF_DATA.
 * One thread only (qemu-user is not reliable for code another thread
 * changes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <textpoke/textpoke.h>

#include "prog.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int call(FILE *log, const struct prog_work *w)
{
	uint64_t t = now_ns();
	long version = w->fn();

	return fprintf(log, "call %llu %ld\n", (unsigned long long)t, version) < 0;
}

static int poke(FILE *log, const struct prog_work *w, enum tp_backend backend,
		const uint8_t *from, const uint8_t *to)
{
	int err = tp_poke(w->site, from, to, w->len, backend);

	if (err) {
		fprintf(stderr, "poke: %s\n", tp_strerror(err));
		return 1;
	}
	return fprintf(log, "poke %d\n", (int)backend) < 0;
}

const enum tp_backend prog_every_backend[PROG_EVERY_BACKEND] = {
	TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_NOSYNC,
};

int main(int argc, char **argv)
{
	struct prog_work w;
	int bad = 0, err;
	size_t i;
	FILE *log;

	if (argc < 2 || argc > 3 || prog_work(argc == 3 ? argv[2] : NULL, &w)) {
		fprintf(stderr, "usage: %s LOG [WORK]\n", argv[0]);
		return 2;
	}
	err = tp_init();
	if (err) {
		fprintf(stderr, "tp_init: %s\n", tp_strerror(err));
		return 1;
	}
	log = fopen(argv[1], "w");
	if (!log)
		return 1;
	fprintf(log, "work %p %p %p %p\n", (void *)w.fn, (void *)w.site, (void *)w.alt,
		(void *)w.done);
	bad |= call(log, &w);
	bad |= call(log, &w);
	for (i = 0; i < w.nr_plan && !bad; i++) {
		bad |= i % 2 ? poke(log, &w, w.plan[i], w.branch, w.original) :
			       poke(log, &w, w.plan[i], w.original, w.branch);
		bad |= call(log, &w);
		bad |= call(log, &w);
	}
	return fclose(log) || bad;
}
