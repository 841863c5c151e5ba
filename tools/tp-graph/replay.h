/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Printing a graph recording (<textpoke/fgraph_record.h>) as an indented
 * call graph with durations, one block per thread.
 */
#ifndef TP_GRAPH_REPLAY_H
#define TP_GRAPH_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * How return values are printed: not, or from the first integer return
 * register or the first floating-point one.
 */
enum replay_retval {
	REPLAY_RETVAL_NONE,
	REPLAY_RETVAL_INT,		/* its low 32 bits, a signed int */
	REPLAY_RETVAL_LONG,		/* its 64 bits, signed */
	REPLAY_RETVAL_HEX,		/* its 64 bits */
	REPLAY_RETVAL_FP,		/* a double */
};

struct replay_opts {
	unsigned long tid;		/* 0: every thread */
	bool raw_names;			/* C++ names as in the symbol table */
	bool objects;			/* first a line for each load of an object */
	enum replay_retval retval;
};

/*
 * Print the recording in @buf (@len bytes) to @out.  0, or -EINVAL with
 * a message to @err when the file is not a recording or is cut or
 * corrupt; -ENOMEM.
 */
int graph_replay(FILE *out, FILE *err, const void *buf, size_t len,
		 const struct replay_opts *opts);

#endif /* TP_GRAPH_REPLAY_H */
