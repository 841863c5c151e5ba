/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel PT in a perf.data from perf record -e intel_pt//u: what the
 * intel_pt AUXTRACE_INFO and the intel_pt attribute say about the trace
 * (read from perfdata/auxtrace.h's format-neutral collection), each
 * queue's AUXTRACE buffers as one trace, and its TSC on the events'
 * clock.
 *
 * The clock.  AUXTRACE_INFO (and TIME_CONV) carry the kernel's TSC
 * conversion, ns = time_zero + (tsc * time_mult) >> time_shift, which
 * gives the kernel's perf clock.  With perf record -k CLOCK_MONOTONIC,
 * which tp-perf inject needs so that textpoke's events and perf's share a
 * clock, x86's kernel writes no time_zero (cap_user_time_zero 0: "a
 * different time base for the records"): the scale is known, the origin
 * is not.  It is then taken from the queue's PERF_RECORD_ITRACE_START,
 * whose time is CLOCK_MONOTONIC and which the kernel writes as it turns
 * the trace on, when the core writes a PSB with the first TSC: the first
 * TSC is put at that time.  The result says the clock was anchored so;
 * time_offset (pt_config) corrects it by hand.
 */
#ifndef PERF_GLUE_PT_PERF_H
#define PERF_GLUE_PT_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "perfdata/auxtrace.h"
#include "pt/pt_decode.h"

/* The intel_pt AUXTRACE_INFO words, as perf's tools/perf/util/intel-pt.h numbers them. */
enum pt_perf_word {
	PT_INFO_PMU_TYPE,
	PT_INFO_TIME_SHIFT,
	PT_INFO_TIME_MULT,
	PT_INFO_TIME_ZERO,
	PT_INFO_CAP_USER_TIME_ZERO,
	PT_INFO_TSC_BIT,		/* bit numbers in the intel_pt attribute's config */
	PT_INFO_NORETCOMP_BIT,
	PT_INFO_HAVE_SCHED_SWITCH,
	PT_INFO_SNAPSHOT_MODE,
	PT_INFO_PER_CPU_MMAPS,
	PT_INFO_MTC_BIT,
	PT_INFO_MTC_FREQ_BITS,
	PT_INFO_TSC_CTC_N,
	PT_INFO_TSC_CTC_D,
	PT_INFO_CYC_BIT,
	PT_INFO_MAX_NONTURBO_RATIO,
	PT_INFO_FILTER_STR_LEN,
	PT_INFO_WORDS,			/* the filter string follows, padded to 8 bytes */
};

struct pt_perf_info {
	struct pt_decode_config config;	/* for libipt, and the TSC conversion */
	uint64_t attr_config;		/* the intel_pt attribute's config */
	bool tsc, mtc, cyc, noretcomp;
	bool snapshot, per_cpu;
	bool time_zero;			/* the kernel gave time_zero: no anchoring */
	char filter[256];		/* perf's --filter string, as recorded (not applied) */
};

/*
 * The intel_pt parameters of @d (the CPU and the IP filter are not in
 * the file: pt_config lines give them).  -EINVAL and @error for a file
 * without intel_pt AUXTRACE_INFO or with words that cannot be.
 */
int pt_perf_info(const struct auxtrace_data *d, struct pt_perf_info *info, char *error,
		 size_t error_len);

/*
 * Queue @q's buffers in offset order as one trace, malloc()ed: each but
 * the last cut where the next one's AUX offset says the trace went on
 * (perf counts its 8-byte padding in a buffer's size).  A buffer after
 * lost trace follows the one before as it is; libipt resynchronises.
 */
int pt_perf_queue_trace(const struct auxtrace_data *d, const struct auxtrace_queue *q,
			uint8_t **trace, size_t *len);

/*
 * Without time_zero: @conv's origin such that the first TSC of @trace is
 * the time of @q's ITRACE_START (its CPU's, or its thread's).  -ENOENT
 * when the trace has no TSC or the file no such record.
 */
int pt_perf_anchor_clock(const struct auxtrace_data *d, const struct auxtrace_queue *q,
			 const uint8_t *trace, size_t len, struct pt_time_conv *conv);

#endif /* PERF_GLUE_PT_PERF_H */
