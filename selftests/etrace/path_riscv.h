/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path the E-Trace tests' riscv64 program ran, from its own log
 * (prog.c, prog_riscv.c), and what follows from it without any decoder: the
 * E-Trace an encoder filtering on decode_work would have written, and
 * the instructions and traps that trace must decode to.
 */
#ifndef SELFTESTS_ETRACE_PATH_RISCV_H
#define SELFTESTS_ETRACE_PATH_RISCV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etrace_encode.h"
#include "poked.h"

enum path_version {
	PATH_NOP = 1,			/* the site holds NOP (C.NOP: a 2-byte site) */
	PATH_JAL = 2,			/* the site holds JAL x0, decode_alt */
};

/* One step of the expected path: an instruction reached, or a trap at @addr. */
struct path_step {
	uint64_t addr;
	bool trap;
};

/* Read the program's log (poked.h); -EINVAL for one it did not write on riscv64. */
int path_load(const char *log, struct path *p);

/*
 * The trace of every call of @p: per call a start packet with its time
 * (a trap packet first when it trapped), the branch map and address
 * packets of its path, and a support packet that ends the qualification.
 */
int path_trace(const struct path *p, struct etrace_stream *s);

/* The steps of @p's calls in order; returns how many (at most @max stored). */
size_t path_steps(const struct path *p, struct path_step *out, size_t max);

#endif
