/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ETMv4 instruction trace decoding with OpenCSD, against the code image
 * of perf-glue/image/code_image.h, so that a trace of code textpoke
 * changed while it was traced decodes to the path that ran.
 *
 * OpenCSD reads code through a memory accessor and caches what it read;
 * 1.3.3 has no call that invalidates the cache.  So the raw trace is fed
 * in pieces split right after the timestamp packet at which a change
 * time has passed, and between two pieces the accessor is removed and
 * added again, which empties the cache (built against OpenCSD >= 1.5.3,
 * ocsd_dt_set_mem_acc_cacheing() turns it off and on instead).
 * Flushing when a decoded timestamp element comes out would be one atom
 * late: the decoder has already walked the atom after it with the old
 * bytes.
 *
 * Time model: code traced after a timestamp packet of value T ran at
 * time T or later, and before the next one; the code image answers for
 * time T.  Before the first timestamp the image is the binaries' bytes.
 * Timestamps must count in the events' clock (CLOCK_MONOTONIC ns, what
 * perf record -k CLOCK_MONOTONIC makes the trace's timestamps).
 *
 * When a piece's time falls inside a PRE/POST window and the decoder
 * reads the changing site, the answer is ambiguous: each candidate (old
 * bytes, new bytes, and for a breakpoint window the trap at the site) is
 * tried, and the one that agrees with the packets that follow wins (the
 * checks are in etm_consistency.c).  When none or several agree, the
 * result says so.
 */
#ifndef PERF_GLUE_ETM_DECODE_H
#define PERF_GLUE_ETM_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <opencsd/c_api/opencsd_c_api.h>

#include "image/code_image.h"

/* One element OpenCSD produced, with where it came from. */
struct etm_element {
	ocsd_generic_trace_elem elem;	/* ptr_extended_data cleared */
	ocsd_trc_index_t index;		/* trace byte offset of its packet */
	size_t piece;			/* which piece of the split trace */
	uint32_t last_insn;		/* the bytes of a range's last instruction, as read */
};

struct etm_decode_options {
	ocsd_etmv4_cfg config;
	bool ignore_events;		/* decode against the binaries' bytes only */
	bool no_flush;			/* split, but keep OpenCSD's cache (shows why the flush is needed) */
	/*
	 * A trace whose timestamps count another clock than the events (a
	 * perf recording's TIME_CONV): each timestamp's time in the events'
	 * clock.  NULL: they count the same.
	 */
	uint64_t (*event_time)(const void *arg, uint64_t timestamp);
	const void *event_time_arg;
};

struct etm_decode_result {
	struct etm_element *elements;
	size_t nr_elements;
	struct code_resolution *resolutions;
	size_t nr_resolutions;
	size_t nr_pieces;		/* 1 + the number of cache flushes */
	size_t nr_timestamps;
	char error[256];
};

/*
 * Decode @len bytes of raw ETMv4 trace (one trace ID, no CoreSight frame
 * formatter) against @img (frozen).  0, or a negative errno with
 * res->error: -EINVAL for a corrupt or truncated trace or configuration,
 * -ENOMEM.  An ambiguity that no candidate (or more than one) explains
 * is not an error: see res->resolutions.
 */
int etm_decode(const struct etm_decode_options *opts, const struct code_image *img,
	       const uint8_t *trace, size_t len, struct etm_decode_result *res);
void etm_decode_result_free(struct etm_decode_result *res);

/*
 * The ETMv4 configuration of a trace: the registers OpenCSD needs, read
 * from "NAME=value" lines (the [regs] section of an OpenCSD snapshot's
 * device file reads as is: TRCIDR0..2, TRCIDR8..13, TRCCONFIGR,
 * TRCTRACEIDR, with or without "(0xoffset)").  Unknown names are
 * ignored, bad values refused.  The profile is an A-profile v8 core.
 */
int etm_config_parse(const char *text, size_t len, ocsd_etmv4_cfg *cfg, char *error,
		     size_t error_len);
int etm_config_load(const char *path, ocsd_etmv4_cfg *cfg, char *error, size_t error_len);
/* Write @cfg as such lines (for a snapshot's device file). */
int etm_config_write(FILE *out, const ocsd_etmv4_cfg *cfg);

/* "0x...-0x... E|N": an instruction range, the form tp-decode prints. */
void etm_element_format(const struct etm_element *e, char *buf, size_t len);

#endif /* PERF_GLUE_ETM_DECODE_H */
