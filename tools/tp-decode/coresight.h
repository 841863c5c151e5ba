/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * tp-decode's CoreSight inputs as recorded: OpenCSD snapshot directories
 * and perf.data files of cs_etm recordings.  Each returns tp-decode's
 * exit status (docs/tp-decode.1).
 */
#ifndef TP_DECODE_CORESIGHT_H
#define TP_DECODE_CORESIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coresight/cs_decode.h"

/* Exit status: decoded, but the trace had packets OpenCSD could not decode. */
#define TP_DECODE_TRACE_ERRORS	4

enum cs_output {
	CS_OUT_ELEMENTS,		/* trc_pkt_lister's element lines */
	CS_OUT_RANGES,			/* the executed ranges */
	CS_OUT_LISTING,			/* perf script-like: branches with symbols */
};

struct cs_binary {
	const char *path;
	uint64_t bias;			/* UINT64_MAX: from the mapping */
};

struct cs_args {
	const char *snapshot;		/* --snapshot DIR */
	const char *perf_data;		/* -i perf.data */
	const char *symfs;		/* --symfs DIR */
	struct cs_binary *binaries;	/* -b FILE[@BIAS] */
	size_t nr_binaries;
	bool ignore_events;
	const char *buffer;		/* --buffer NAME: one of its buffers */
	int id;				/* --id ID, or CS_ALL_IDS */
	enum cs_output output;
};

int cs_decode_snapshot(const struct cs_args *a);
int cs_decode_perf_data(const struct cs_args *a);

#endif /* TP_DECODE_CORESIGHT_H */
