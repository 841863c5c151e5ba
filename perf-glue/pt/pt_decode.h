/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel Processor Trace decoding with libipt's instruction flow decoder,
 * against the code image of perf-glue/image/code_image.h, so that a
 * trace of x86-64 code textpoke changed while it was traced decodes to
 * the path that ran.
 *
 * libipt reads code through the image's read-memory callback
 * (pt_image_set_callback), which answers from the code image at the
 * trace's current time.  libipt caches nothing it read through the
 * callback (only sections of its image section cache are cached), so
 * there is no cache to empty between two times.
 *
 * Time model: pt_insn_time() gives the TSC of the last timing packet the
 * decoder has passed (TSC, and MTC/CYC when the configuration gives
 * their frequencies), converted to the events' clock (see struct
 * pt_time_conv).  The trace is split where that time passes a PRE or
 * POST time: the code after a timing packet of time T is read from the
 * image at T, as the ETMv4 path does.  Before the first TSC the image is
 * the binaries' bytes.
 *
 * When the time falls inside a PRE/POST window and the decoder reads the
 * changing site, the answer is ambiguous: each candidate (old bytes, new
 * bytes, and for a breakpoint window the INT3 at the site) is tried, and
 * the one with which libipt decodes the packets of that piece and the
 * next without an error (TNT bits for conditional branches only, TIPs
 * for indirect ones) wins.  The breakpoint backend's INT3 shows in the
 * trace as an asynchronous disable (FUP, TIP.PGD) at the site: only the
 * trap candidate explains it, and the trap candidate needs it.  With
 * none or several, the old bytes are used and the result says so.
 *
 * Where the trace does not fit the code, libipt's error is a gap in the
 * result and decoding resynchronises at the next PSB, as libipt does.
 */
#ifndef PERF_GLUE_PT_DECODE_H
#define PERF_GLUE_PT_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/code_image.h"

/*
 * TSC to the events' clock, perf's TIME_CONV form: ns = zero + (tsc *
 * mult) >> shift, plus @offset (signed, two's complement) from perf's
 * clock to CLOCK_MONOTONIC.  mult 0: the TSC already counts the events'
 * nanoseconds (traces of the tests' encoder).
 */
struct pt_time_conv {
	uint32_t mult;
	uint16_t shift;
	uint64_t zero;
	uint64_t offset;
};

/* What libipt needs to know of the trace, and the clock. */
struct pt_decode_config {
	uint16_t cpu_family;		/* 0: no errata applied */
	uint8_t cpu_model, cpu_stepping;
	uint8_t mtc_freq;		/* IA32_RTIT_CTL.MTCFreq, for MTC */
	uint8_t nom_freq;		/* MSR_PLATFORM_INFO[15:8], for CYC */
	uint32_t cpuid_0x15_eax, cpuid_0x15_ebx;	/* the TSC:CTC ratio, for MTC */
	/*
	 * The IP filter (IA32_RTIT_CTL.ADDRn_CFG, 4 bits each: 1 a filter
	 * range, 2 a stop range; IA32_RTIT_ADDRn_A/B, B inclusive): where
	 * tracing may be enabled tells libipt which branch a TIP.PGD that
	 * leaves the range belongs to.
	 */
	uint64_t addr_cfg;
	uint64_t addr_a[4], addr_b[4];
	struct pt_time_conv time;
};

enum pt_element_type {
	PT_ELEM_RANGE,			/* instructions from start to end, the last a branch */
	PT_ELEM_ENABLED,		/* tracing began at @start (TIP.PGE) */
	PT_ELEM_DISABLED,		/* tracing stopped after the last range (TIP.PGD) */
	PT_ELEM_TRAP,			/* asynchronous disable at @start (FUP, TIP.PGD): a trap */
	PT_ELEM_OVERFLOW,		/* the trace unit lost trace; resumes at @start */
	PT_ELEM_GAP,			/* libipt's error @error at trace offset @offset */
};

/* A gap's error that is not libipt's: the walk looped at one trace offset. */
#define PT_GAP_NO_PROGRESS	1000
/* ... or a TIP.PGD whose IP is not the target of the direct branch before it. */
#define PT_GAP_BAD_DISABLE	1001

struct pt_element {
	enum pt_element_type type;
	uint64_t start, end;		/* a range: end exclusive */
	size_t nr_insns;
	int last_class;			/* enum pt_insn_class of a range's last instruction */
	bool taken;			/* the last instruction went elsewhere than end */
	uint64_t time;			/* of the piece, in the events' clock */
	size_t piece;
	uint64_t offset;		/* trace offset of the decoder when it came out */
	int error;			/* a gap: libipt's negative pt_error_code */
};

struct pt_decode_options {
	struct pt_decode_config config;
	bool ignore_events;		/* decode against the binaries' bytes only */
};

struct pt_decode_result {
	struct pt_element *elements;
	size_t nr_elements;
	struct code_resolution *resolutions;
	size_t nr_resolutions;
	size_t nr_pieces;
	size_t nr_gaps;
	bool timed;			/* a TSC came: the events applied */
	char error[256];
};

/*
 * Decode @len bytes of raw Intel PT (one CPU's or thread's AUX data)
 * against @img (frozen).  0, or a negative errno with res->error:
 * -EINVAL for a trace with no PSB or a bad configuration, -E2BIG past
 * the resolutions it tries, -ENOMEM.  Gaps (the trace not fitting the
 * code, corrupt packets) and ambiguities that no candidate or several
 * explain are not errors: see res->nr_gaps and res->resolutions.
 * pt_decode_result_free() in every case.
 */
int pt_decode(const struct pt_decode_options *opts, const struct code_image *img,
	      const uint8_t *trace, size_t len, struct pt_decode_result *res);
void pt_decode_result_free(struct pt_decode_result *res);

/* TSC @tsc on the events' clock. */
uint64_t pt_time_convert(const struct pt_time_conv *conv, uint64_t tsc);

/*
 * "name=value" lines over zeros: cpu_family, cpu_model, cpu_stepping,
 * mtc_freq, nom_freq, cpuid_0x15_eax, cpuid_0x15_ebx, addr_cfg,
 * addr0_a, addr0_b .. addr3_a, addr3_b, time_mult, time_shift, time_zero,
 * time_offset (may be negative); '#' starts a
 * comment.  -EINVAL and @error for an unknown name or a bad value.
 */
int pt_config_parse(const char *text, size_t len, struct pt_decode_config *cfg, char *error,
		    size_t error_len);
int pt_config_load(const char *path, struct pt_decode_config *cfg, char *error,
		   size_t error_len);

/* "range 0x...-0x... N E|N", "trap 0x...", "gap ...": the form tp-decode prints. */
void pt_element_format(const struct pt_element *e, char *buf, size_t len);

#endif /* PERF_GLUE_PT_DECODE_H */
