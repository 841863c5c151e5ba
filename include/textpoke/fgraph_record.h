/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The file tp_fgraph_record_start() writes and tp-graph(1) prints: a
 * header, then records of 40 bytes, little-endian, in the order the
 * threads wrote them (each thread's own records are in its order).
 *
 *	struct tp_fgraph_file_header	once
 *	TP_FGRAPH_SYMBOL		a function's address and name: @len bytes
 *					of name follow, padded to 8
 *	TP_FGRAPH_ENTRY			@tid entered @func at @calltime
 *	TP_FGRAPH_RETURN		and returned at @rettime: @calltime is the
 *					entry's, which is how the two are matched;
 *					@flags TP_FGRAPH_RECORD_UNWOUND: it did not
 *					return, it was left (an exception, longjmp(),
 *					thread exit) at @rettime
 *	TP_FGRAPH_RETVAL		(struct tp_fgraph_retval) right after the
 *					TP_FGRAPH_RETURN of a call that returned,
 *					in the same write: its return registers
 *
 * Times are CLOCK_MONOTONIC nanoseconds.  An entry without its return is
 * a call still running when recording stopped.  Version 1 files, which
 * have neither flags nor TP_FGRAPH_RETVAL, are read as well.
 */
#ifndef TEXTPOKE_FGRAPH_RECORD_H
#define TEXTPOKE_FGRAPH_RECORD_H

#include <stdint.h>

#define TP_FGRAPH_MAGIC		"TPFGRAPH"
#define TP_FGRAPH_VERSION	2

struct tp_fgraph_file_header {
	char magic[8];			/* TP_FGRAPH_MAGIC, no NUL */
	uint32_t version;		/* TP_FGRAPH_VERSION */
	uint32_t record_size;		/* sizeof(struct tp_fgraph_record) */
	uint64_t pid;
};

enum tp_fgraph_record_type {
	TP_FGRAPH_SYMBOL = 1,
	TP_FGRAPH_ENTRY = 2,
	TP_FGRAPH_RETURN = 3,
	TP_FGRAPH_RETVAL = 4,
};

/* TP_FGRAPH_RETURN's @flags: the call was left without returning. */
#define TP_FGRAPH_RECORD_UNWOUND	(1u << 0)

struct tp_fgraph_record {
	uint32_t type;			/* enum tp_fgraph_record_type */
	uint32_t tid;
	uint64_t func;
	uint64_t calltime;
	uint64_t rettime;		/* TP_FGRAPH_RETURN */
	int32_t depth;			/* frames of the thread below this one */
	union {
		uint32_t len;		/* TP_FGRAPH_SYMBOL: bytes of name */
		uint32_t flags;		/* TP_FGRAPH_RETURN: TP_FGRAPH_RECORD_* */
	};
};

/*
 * The return registers, as tp_fgraph_ret_int() and
 * tp_fgraph_ret_fp_bits() give them (<textpoke/ftrace.h>).
 */
struct tp_fgraph_retval {
	uint32_t type;			/* TP_FGRAPH_RETVAL */
	uint32_t tid;
	uint64_t ints[2];
	uint64_t fp_bits[2];
};

#ifdef __cplusplus
static_assert(sizeof(struct tp_fgraph_file_header) == 24, "file layout");
static_assert(sizeof(struct tp_fgraph_record) == 40, "file layout");
static_assert(sizeof(struct tp_fgraph_retval) == 40, "file layout");
#else
_Static_assert(sizeof(struct tp_fgraph_file_header) == 24, "file layout");
_Static_assert(sizeof(struct tp_fgraph_record) == 40, "file layout");
_Static_assert(sizeof(struct tp_fgraph_retval) == 40, "file layout");
#endif

#endif /* TEXTPOKE_FGRAPH_RECORD_H */
