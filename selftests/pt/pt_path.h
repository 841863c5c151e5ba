/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path the Intel PT tests' x86-64 program ran, from its own log
 * (prog.c, prog_x86.c), and what follows from it without any decoder:
 * the Intel PT trace a core filtering on decode_work would have written,
 * encoded with libipt's own packet encoder, and the instruction ranges
 * and traps that trace must decode to.
 */
#ifndef SELFTESTS_PT_PATH_H
#define SELFTESTS_PT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "poked.h"

enum path_version {
	PATH_NOP = 1,			/* the site holds NOP5 */
	PATH_JMP = 2,			/* the site holds JMP rel32 decode_alt */
};

/* traced_x86.S's layout, which its assembler checks. */
#define PATH_MID_OFFSET		14	/* after JZ: LEA, JMP *%rcx */
#define PATH_ALT_OFFSET		23
#define PATH_DONE_OFFSET	31

/* One step of the expected path: a range of instructions, or a trap at @start. */
struct path_step {
	uint64_t start, end;		/* end exclusive */
	size_t nr_insns;
	bool taken, trap;
};

/* Read the program's log (poked.h); -EINVAL for one it did not write on x86-64. */
int path_load(const char *log, struct path *p);

/* The MTC frequency (IA32_RTIT_CTL.MTCFreq) of traces with MTC. */
#define PATH_MTC_FREQ		3

/* How the trace gives its time, and what else it shows. */
struct path_encoding {
	bool mtc;			/* an MTC in each call after its TSC (and a TMA) */
	/*
	 * The TSC counts 2 per ns from PATH_TSC_BASE (what a perf.data's
	 * conversion, PATH_TSC_MULT >> PATH_TSC_SHIFT, undoes), not the
	 * events' ns themselves.
	 */
	bool tsc_scaled;
	/*
	 * A trapped call's trace goes through a signal handler at this
	 * address (MOV, RET: PATH_HANDLER_BYTES) between the trap and the
	 * resumption, as a core tracing all user code would show it; 0: no.
	 */
	uint64_t handler;
};

#define PATH_HANDLER_BYTES	6

#define PATH_TSC_BASE		1000000
#define PATH_TSC_SHIFT		10
#define PATH_TSC_MULT		512

/* The TSC of events' time @time under @timing. */
uint64_t path_tsc(const struct path_encoding *timing, uint64_t time);

/*
 * The trace of every call of @p: a PSB, then per call a TSC of its time,
 * TIP.PGE at decode_work, the TNT and TIP of its path (FUP and TIP.PGD
 * first when it trapped, then TIP.PGE where the handler resumed) and
 * TIP.PGD at its return.  A buffer to free(), or NULL.
 */
uint8_t *path_trace(const struct path *p, const struct path_encoding *timing, size_t *len);

/*
 * One call of @p's NOP version that leaves the traced range by the JZ
 * (TIP.PGD at @leave): a PSB, its TSC, TIP.PGE, TIP.PGD.  To free().
 */
uint8_t *path_trace_leaving(const struct path *p, uint64_t leave, size_t *len);

/* The steps of @p's calls in order; returns how many (at most @max stored). */
size_t path_steps(const struct path *p, struct path_step *out, size_t max);
/* The same with the steps @enc adds (the handler's). */
size_t path_steps_encoded(const struct path *p, const struct path_encoding *enc,
			  struct path_step *out, size_t max);

#endif
