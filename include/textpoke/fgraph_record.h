/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The file tp_fgraph_record_start() writes and tp-graph(1) prints: a
 * header, then records of 40 bytes, little-endian, in the order the
 * threads wrote them (each thread's own records are in its order).
 *
 *	struct tp_fgraph_file_header	once
 *	TP_FGRAPH_LOAD			an object (the executable, a shared
 *					object) is loaded: struct tp_fgraph_object,
 *					then @len bytes: its build-id and its path
 *	TP_FGRAPH_SYMBOL		a function of the object numbered @object:
 *					its address and @len bytes of name (none
 *					for a function without a symbol)
 *	TP_FGRAPH_UNLOAD		the object numbered @object is gone
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
 * What follows a record is padded to 8 bytes.  The objects loaded when
 * the recording starts come first, with time 0, each followed by the
 * symbols of its functions the recording traces; an object loaded or
 * unloaded later is written when the library notices it, which is at the
 * latest when tp_ftrace_update_objects() runs, and before any call of its
 * functions is traced.  An address is the function of the object whose
 * load came before the call and whose unload did not: after dlclose()
 * another object may be loaded at the same address.
 *
 * Times are CLOCK_MONOTONIC nanoseconds.  An entry without its return is
 * a call still running when recording stopped.
 *
 * Version 1 files are read as well.  They had no objects (their symbols
 * hold for the whole recording), no @flags (a call a longjmp() unwound
 * has no return) and no TP_FGRAPH_RETVAL.
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
	TP_FGRAPH_LOAD = 4,
	TP_FGRAPH_UNLOAD = 5,
	TP_FGRAPH_RETVAL = 6,
};

/* TP_FGRAPH_RETURN's @flags: the call was left without returning. */
#define TP_FGRAPH_RECORD_UNWOUND	(1u << 0)

/* TP_FGRAPH_ENTRY, TP_FGRAPH_RETURN, TP_FGRAPH_SYMBOL. */
struct tp_fgraph_record {
	uint32_t type;			/* enum tp_fgraph_record_type */
	union {
		uint32_t tid;		/* ENTRY, RETURN */
		uint32_t object;	/* SYMBOL: its object's number */
	};
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

/* TP_FGRAPH_LOAD, TP_FGRAPH_UNLOAD. */
struct tp_fgraph_object {
	uint32_t type;			/* enum tp_fgraph_record_type */
	uint32_t object;		/* its number, one for each load */
	uint64_t base;			/* LOAD: load bias (memory - file address) */
	uint64_t time;			/* 0: loaded before the recording started */
	uint32_t build_id_len;		/* LOAD: bytes of build-id (0: none) */
	uint32_t reserved[2];		/* 0 */
	uint32_t len;			/* LOAD: bytes of build-id and path */
};

#ifdef __cplusplus
static_assert(sizeof(struct tp_fgraph_file_header) == 24, "file layout");
static_assert(sizeof(struct tp_fgraph_record) == 40, "file layout");
static_assert(sizeof(struct tp_fgraph_retval) == 40, "file layout");
static_assert(sizeof(struct tp_fgraph_object) == 40, "file layout");
#else
_Static_assert(sizeof(struct tp_fgraph_file_header) == 24, "file layout");
_Static_assert(sizeof(struct tp_fgraph_record) == 40, "file layout");
_Static_assert(sizeof(struct tp_fgraph_retval) == 40, "file layout");
_Static_assert(sizeof(struct tp_fgraph_object) == 40, "file layout");
#endif

#endif /* TEXTPOKE_FGRAPH_RECORD_H */
