/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The path the decode tests' arm64 program ran, from its own log
 * (prog.c, prog_arm64.c), and what follows from it without any decoder: the
 * ETMv4 trace a trace unit filtering on decode_work would have written,
 * and the instruction ranges that trace must decode to.
 */
#ifndef SELFTESTS_DECODE_PATH_H
#define SELFTESTS_DECODE_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etm4_encode.h"
#include "poked.h"

enum path_version {
	PATH_NOP = 1,			/* the site holds NOP */
	PATH_BRANCH = 2,		/* the site holds B decode_alt */
};

struct path_range {
	uint64_t start, end;		/* end exclusive, as OpenCSD reports */
	bool executed;			/* the last instruction's atom */
};

/* Read the program's log (poked.h); -EINVAL for one it did not write on arm64. */
int path_load(const char *log, struct path *p);

/* The trace of every call of @p: A-sync, trace info, then per call a
 * timestamp, trace on, context and the atoms and addresses of its path. */
int path_trace(const struct path *p, struct etm4_stream *s);

/* The ranges of @p's calls in order; returns how many (at most @max). */
size_t path_ranges(const struct path *p, struct path_range *out, size_t max);

#endif
