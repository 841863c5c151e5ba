// SPDX-License-Identifier: GPL-2.0
/*
 * The E-Trace tests' riscv64 program: it switches the site of
 * decode_work between NOP and JAL x0, decode_alt with each backend while
 * it runs, one poke between two calls, and logs what it did, so that the
 * test can build the trace an E-Trace encoder would have written and
 * the path it must decode to:
 *
 *   work SITE ALT DONE            the addresses of decode_work
 *   call TIME VERSION             CLOCK_MONOTONIC ns just before a call,
 *                                 and which version (1 NOP, 2 JAL) it ran
 *   poke BACKEND                  a poke done with that backend
 *
 * The pokes' PRE/POST events go to the perf.data of TEXTPOKE_PERF_DATA.
 * Run under qemu-riscv64 on other hosts; one thread only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <textpoke/textpoke.h>

long decode_work(void);
extern char decode_site[], decode_alt[], decode_done[];

#define RV_NOP_WORD	0x00000013u

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

/* JAL x0, decode_alt at decode_site (J-type: imm[20|10:1|11|19:12]). */
static uint32_t jump_to_alt(void)
{
	uint32_t off = (uint32_t)(decode_alt - decode_site);

	return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3ff) << 21 | ((off >> 11) & 1) << 20 |
	       ((off >> 12) & 0xff) << 12 | 0x6f;
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
	uint32_t nop = RV_NOP_WORD, jal = jump_to_alt();
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
	fprintf(log, "work %p %p %p\n", (void *)decode_site, (void *)decode_alt,
		(void *)decode_done);
	bad |= call(log);
	bad |= call(log);
	for (i = 0; i < sizeof(plan) / sizeof(plan[0]) && !bad; i++) {
		bad |= i % 2 ? poke(log, plan[i], jal, nop) : poke(log, plan[i], nop, jal);
		bad |= call(log);
		bad |= call(log);
	}
	return fclose(log) || bad;
}
