/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine selftests: the patch sites of sites_<arch>.S, the thread helpers of
 * concurrency.c and the library's debug counters the tests read before and
 * after each poke.
 */
#ifndef SELFTESTS_ENGINE_H
#define SELFTESTS_ENGINE_H

/* 5-byte NOP sites in site_many: more than 10,000 for the batch test. */
#define SITE_MANY_COUNT		10240
#define SITE_LEN		5

#ifndef __ASSEMBLER__

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/*
 * sites_x86.S.  Every function returns 1 in its original state; the
 * patched states are described next to each site.
 */
extern uint8_t site_nopjmp[], site_nopjmp_alt[];
int site_nopjmp_fn(void);		/* NOP5: 1, JMP site_nopjmp_alt: 2 */
extern uint8_t site_call[], site_f[], site_g[];
int site_call_fn(void);			/* CALL site_f: 1, CALL site_g: 2 */
extern uint8_t site_nop1x5[];
int site_nop1x5_fn(long loops);		/* 5 x NOP1 or NOP5: 1 */
extern uint8_t site_nop2[];
int site_nop2_fn(void);			/* 66 90: 1 */
extern uint8_t site_many[], site_many_end[];
int site_many_fn(void);			/* NOP5s or JMPs to site_many_end: 1 */

/* Library internals, exported from libtextpoke.a for tests. */
unsigned long tp_debug_sync_count(void);	/* cross-core syncs so far */
unsigned long tp_debug_mprotect_count(void);	/* mprotect calls so far */
unsigned long tp_debug_emulations(void);	/* traps resolved by emulation */
unsigned long tp_debug_stale_reads(void);	/* handler reads of freed sites */

/*
 * concurrency.c: threads that keep calling one site function while the
 * test pokes it, and count what it returned.
 */
#define MAX_WORKERS	8

struct worker_stats {
	unsigned long calls;
	unsigned long ret1;
	unsigned long ret2;
	unsigned long other;
	int bad_value;			/* the last value not 1 or 2 */
};

struct worker {
	pthread_t tid;
	struct workers *pool;
	struct worker_stats stats;	/* .calls is live, the rest at exit */
} __attribute__((aligned(64)));

struct workers {
	int (*fn)(void);
	unsigned int count;
	int started;
	int stop;
	int joined;
	struct worker worker[MAX_WORKERS];
};

/* Start @count threads calling @fn; returns once each has called it once. */
int workers_start(struct workers *pool, unsigned int count, int (*fn)(void));
/* Stop and join them; safe to call twice or on a pool never started. */
void workers_stop(struct workers *pool);
/* Calls made so far, while they run. */
unsigned long workers_calls(struct workers *pool);
/* Totals after workers_stop(). */
void workers_sum(const struct workers *pool, struct worker_stats *sum);

/* A thread that blocks every signal until blocker_stop(). */
struct blocker {
	pthread_t tid;
	int ready;
	int stop;
	int running;
};

int blocker_start(struct blocker *blocker);
void blocker_stop(struct blocker *blocker);

/*
 * The application's own SIGTRAP handler, counting.  Installed before
 * tp_init(): textpoke must chain foreign traps to it and never call it
 * for its own breakpoints.
 */
extern volatile unsigned long app_sigtrap_count;
extern volatile int app_sigtrap_code;	/* si_code of the last one */
int app_sigtrap_install(void);
int app_sigtrap_install_plain(void);	/* sa_handler, no SA_SIGINFO */

/* Print where SIGSEGV/SIGILL/SIGBUS/SIGFPE hit, then die of it. */
int crash_reporter_install(void);

double now_seconds(void);
unsigned long env_ulong(const char *name, unsigned long dflt);

#endif /* __ASSEMBLER__ */
#endif /* SELFTESTS_ENGINE_H */
