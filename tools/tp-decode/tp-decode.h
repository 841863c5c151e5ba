/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What tp-decode's trace formats share (tp-decode.c), and the Intel PT
 * format's entry points (pt.c).
 */
#ifndef TOOLS_TP_DECODE_H
#define TOOLS_TP_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/code_image.h"

/*
 * The whole regular file @path, malloc()ed: 0 or -errno, -EINVAL for a
 * file that is not a regular one or is larger than @max bytes.
 */
int read_whole_file(const char *path, uint64_t max, uint8_t **buf, size_t *len);
/* The raw trace file @path (at most 1 GiB: a larger one is not one trace unit's). */
int read_trace(const char *path, uint8_t **buf, size_t *len);

/*
 * The perf.data file @events (NULL: none) into @img, @img frozen, the raw
 * trace @trace_path read: 0, or the exit status with one line on stderr.
 */
int load_trace_inputs(const char *events, const char *trace_path, struct code_image *img,
		      uint8_t **trace, size_t *len);

/* Each window the trace reached inside, on stderr: 3 if one stayed ambiguous, else 0. */
int report_resolutions(const struct code_resolution *resolutions, size_t nr);

/* The command line of --format pt. */
struct pt_args {
	const char *trace, *perf_data, *config, *events;
	bool ranges, ignore_events;
	bool have_files;		/* -b or -m given: the image is those */
};

/* A raw trace (-t) on the image of -b/-m and -e: the exit status. */
int decode_pt_trace(const struct pt_args *a, struct code_image *img);
/* perf record -e intel_pt//u's file (-i): its queues, on its binaries or -b's. */
int decode_pt_perf(const struct pt_args *a, struct code_image *img);

#endif /* TOOLS_TP_DECODE_H */
