// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program, for the traced architecture: it switches
 * the site of decode_work between its original instruction and a branch
 * to decode_alt with each backend while it runs, one poke between two
 * calls, and logs what it did (poked.h) so that a test can build the
 * trace a trace unit would have recorded and the path it must decode to.
 * The arch file (prog_<arch>.c) gives the two instructions; the traced
 * function is in its assembler.
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

static int call(FILE *log)
{
	uint64_t t = now_ns();
	long version = decode_work();

	return fprintf(log, "call %llu %ld\n", (unsigned long long)t, version) < 0;
}

static int poke(FILE *log, enum tp_backend backend, uint32_t from, uint32_t to)
{
	int err = tp_poke(decode_site, &from, &to, 4, backend);

	if (err) {
		fprintf(stderr, "poke: %s\n", tp_strerror(err));
		return 1;
	}
	return fprintf(log, "poke %d\n", (int)backend) < 0;
}

int main(int argc, char **argv)
{
	static const enum tp_backend plan[] = {
		TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_NOSYNC,
	};
	uint32_t original = prog_site_original(), branch = prog_site_branch();
	int bad = 0, err;
	size_t i;
	FILE *log;

	if (argc != 2) {
		fprintf(stderr, "usage: %s LOG\n", argv[0]);
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
	fprintf(log, "work %p %p %p %p\n", (void *)decode_work, (void *)decode_site,
		(void *)decode_alt, (void *)decode_done);
	bad |= call(log);
	bad |= call(log);
	for (i = 0; i < sizeof(plan) / sizeof(plan[0]) && !bad; i++) {
		bad |= i % 2 ? poke(log, plan[i], branch, original) :
			       poke(log, plan[i], original, branch);
		bad |= call(log);
		bad |= call(log);
	}
	return fclose(log) || bad;
}
