/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Engine selftests: the patch sites of sites_<arch>.S, the thread helpers of
 * concurrency.c and the library's debug counters the tests read before and
 * after each poke.
 */
#ifndef SELFTESTS_ENGINE_H
#define SELFTESTS_ENGINE_H

/*
 * Per-arch sizes, shared with sites_<arch>.S:
 *   SITE_LEN	a two-state site (NOP <-> jump, call <-> call)
 *   SHORT_LEN	the shortest NOP: site_short holds one
 *   MULTI_LEN	site_multi, the multi-instruction stop_machine site
 *   INSN_ALIGN	the alignment every instruction start needs
 */
#if defined(__x86_64__)
#define SITE_LEN		5
#define SHORT_LEN		2
#define MULTI_LEN		5	/* 5 x NOP1 <-> NOP5 */
#define INSN_ALIGN		1
#define NOP_UNIT		1	/* the NOP fill_nop_units() repeats */
#elif defined(__aarch64__)
#define SITE_LEN		4
#define SHORT_LEN		4
#define MULTI_LEN		8	/* NOP; NOP <-> MOV X9, X30; NOP */
#define INSN_ALIGN		4
#define NOP_UNIT		4
#elif defined(__riscv) && __riscv_xlen == 64
#define SITE_LEN		4
#define SHORT_LEN		2	/* C.NOP */
#define MULTI_LEN		8	/* AUIPC t0; JALR ra, t0 to site_f or site_g */
#define INSN_ALIGN		2
#define NOP_UNIT		4
#else
#error "engine selftests: unsupported architecture"
#endif

/*
 * What differs in the protocols (docs/design.md, "Backends"):
 *   HAVE_NOSYNC	the nosync backend exists (x86: never, -EINVAL)
 *   BP_SYNCS		cross-core syncs per breakpoint batch
 *   NOSYNC_SYNCS	per nosync batch
 *   AUTO_SYNCS		per AUTO batch of NOP/jump/call sites (x86
 *			breakpoint, arm64 and riscv nosync)
 *   TRAP_ONE_BYTE	the trap is one byte (x86 INT3): the /proc/self/mem
 *			writer can run the breakpoint protocol
 *   TRAP_PC_AFTER	SIGTRAP reports the PC after the trap (x86), not on it
 *   TOGGLES_DEFAULT	toggles per toggle test (TP_TOGGLES overrides);
 *			arm64 and riscv run under qemu-user here
 *   TOGGLES_EMULATED	the same under an emulator: qemu-user cannot answer
 *			the kernel's question about one mapping, so every
 *			poke reads /proc/self/maps there, about ten times
 *			what the rest of a poke costs; about the seconds of
 *			racing 20,000 toggles took before, in fewer toggles
 */
#if defined(__x86_64__)
#define HAVE_NOSYNC		0
#define BP_SYNCS		3
#define NOSYNC_SYNCS		(-1)
#define AUTO_SYNCS		3
#define TRAP_ONE_BYTE		1
#define TRAP_PC_AFTER		1
#define TOGGLES_DEFAULT		100000
#else
#define HAVE_NOSYNC		1
#define BP_SYNCS		2
#define NOSYNC_SYNCS		1
#define AUTO_SYNCS		1
#define TRAP_ONE_BYTE		0
#define TRAP_PC_AFTER		0
#define TOGGLES_DEFAULT		20000
#endif

#define TOGGLES_EMULATED	5000

/* NOP sites in site_many: more than 10,000 for the batch test. */
#define SITE_MANY_COUNT		10240

#ifndef __ASSEMBLER__

#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <ucontext.h>

/*
 * sites_<arch>.S.  Every function returns 1 in its original state; the
 * patched states are described next to each site.
 */
extern uint8_t site_nopjmp[], site_nopjmp_alt[];
int site_nopjmp_fn(void);		/* NOP: 1, jump to site_nopjmp_alt: 2 */
extern uint8_t site_call[], site_f[], site_g[];
int site_call_fn(void);			/* call site_f: 1, call site_g: 2 */
extern uint8_t site_multi[];
/*
 * Runs site_multi @loops (>= 1) times; returns 1, or on riscv what the
 * call through the AUIPC+JALR pair returned (site_f 1, site_g 2).
 */
long site_multi_fn(long loops);
extern uint8_t site_short[];
int site_short_fn(void);		/* the shortest NOP: 1 */
extern uint8_t site_many[], site_many_end[];
int site_many_fn(void);			/* NOPs or jumps to site_many_end: 1 */
#if SITE_LEN == 4
extern uint8_t site_nopcall[];
int site_nopcall_fn(void);		/* NOP: 1, call site_g: 2 */
#endif
#if defined(__riscv)
/* A 4-byte NOP at an address that is 2 mod 4: no nosync (Ziccif). */
extern uint8_t site_unaligned[];
int site_unaligned_fn(void);		/* NOP: 1 */
#endif

/*
 * arch_<arch>.c: the bytes of each arch's instructions, built with the
 * library's own encoders, and what differs between the arches.
 */
extern const int foreign_trap_code;		/* si_code of foreign_trap() */
extern const int multi_ret[2];			/* site_multi_fn(): old, new */
extern const uint8_t jmp_next[SITE_LEN];	/* a jump to the next insn */
extern const uint8_t short_nop[SHORT_LEN];	/* what site_short holds */
extern const uint8_t unknown_insn[SHORT_LEN];	/* decodes as nothing known */

/* One NOP of SITE_LEN bytes (for @pc); returns SITE_LEN or < 0. */
int site_enc_nop(uint8_t *buf, uintptr_t pc);
/* A jump / call at @pc to @target, SITE_LEN bytes; returns SITE_LEN or < 0. */
int site_enc_jump(uint8_t *buf, uintptr_t pc, uintptr_t target);
int site_enc_call(uint8_t *buf, uintptr_t pc, uintptr_t target);
/* @len bytes of NOPs in as few instructions as the arch has; 0 or -1. */
int enc_nops(uint8_t *buf, size_t len);
/* @len bytes of the shortest NOP, one instruction per unit; 0 or -1. */
int fill_nop_units(uint8_t *buf, size_t len);
/* site_multi's original and patched bytes; 0 or -1. */
int multi_states(uint8_t old[MULTI_LEN], uint8_t new[MULTI_LEN]);

/*
 * A range that starts @back bytes before the end of an executable mapping
 * and runs past it: @old (@back bytes, one instruction) sits there and
 * @new (@new_len bytes, longer than @back) would replace it.
 */
struct straddle {
	size_t back;
	uint8_t old[8];
	uint8_t new[16];
	size_t new_len;
};
void straddle_states(struct straddle *st);

/* Executes the arch's trap instruction (x86 INT3, arm64 BRK #0x1234,
 * riscv EBREAK), one that is not textpoke's. */
void foreign_trap(void);
/* In a SIGTRAP handler: step over foreign_trap()'s instruction if the
 * context stopped on it (arm64, riscv report the PC at the trap). */
void skip_foreign_trap(ucontext_t *uc);
uintptr_t context_pc(const ucontext_t *uc);

/* The library's counters (tp_debug_*). */
#include "../../textpoke/test_support.h"

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
	struct worker_stats stats;	/* .calls, .ret1, .ret2 live, the rest at exit */
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
/*
 * Wait (up to @seconds) until every worker has made a whole call since
 * this one began and, when @value is 1 or 2, some call returned @value:
 * on a loaded machine the workers, at the lowest priority, may get no
 * CPU for a while, and a test must not change the site again before they
 * ran it.  0, or -ETIMEDOUT: a worker never got there (with a @value:
 * the site does not run the code it should).
 */
#define WORKERS_WAIT_SECONDS	20
int workers_wait(struct workers *pool, int value, double seconds);
/* Totals after workers_stop(). */
void workers_sum(const struct workers *pool, struct worker_stats *sum);

/* A thread that blocks every signal until blocker_stop(). */
struct blocker {
	pthread_t tid;
	int ready;
	int stop;
	int running;
	int sigtrap_only;		/* block only SIGTRAP, not every signal */
};

int blocker_start(struct blocker *blocker);
/* A thread that blocks SIGTRAP alone: it can still be parked. */
int sigtrap_blocker_start(struct blocker *blocker);
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
/*
 * Where the plain handler leaves a trap from: a handler without the
 * context cannot step over a BRK/EBREAK (reported with the PC on it), so
 * on arm64 and riscv it siglongjmp()s here when set.
 */
extern sigjmp_buf *volatile app_trap_escape;

/* app_sigtrap_install(), crash_reporter_install(), then tp_init(). */
int init_with_app_handler(void);

/*
 * A seccomp filter on the calling thread, as a W^X policy (SELinux
 * execmem) would refuse: mprotect asking for write and execute at once
 * fails with EACCES; with @also_open_for_write, so does opening any file
 * for writing (/proc/self/mem among them; reads still work).
 */
int refuse_text_writes(bool also_open_for_write);

/* Print where SIGSEGV/SIGILL/SIGBUS/SIGFPE hit, then die of it. */
int crash_reporter_install(void);

/* under_emulator(): whether qemu-user runs this process. */
#include "../emulator.h"

double now_seconds(void);
unsigned long env_ulong(const char *name, unsigned long dflt);

#endif /* __ASSEMBLER__ */
#endif /* SELFTESTS_ENGINE_H */
