/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of the Intel PT decoder share: one decode pass with
 * libipt over the whole trace, and the resolution of ambiguous reads
 * that runs passes with each candidate.
 */
#ifndef PERF_GLUE_PT_INTERNAL_H
#define PERF_GLUE_PT_INTERNAL_H

#include <intel-pt.h>

#include "image/code_resolve.h"
#include "pt/pt_decode.h"

struct pt_pass {
	/* the image, choices, piece and time (on the events' clock), undecided reads, error */
	struct code_pass cp;
	/* inputs */
	const struct pt_decode_options *opts;
	const uint8_t *trace;
	size_t len;
	/* state while decoding */
	struct pt_insn_decoder *decoder;
	uint64_t last;			/* the last time the decoder gave */
	bool timed;
	uint64_t last_ip;		/* the last instruction, for disable_fits() */
	uint8_t last_raw[pt_max_insn_size];
	size_t last_size;
	bool bad_disable;
	size_t open_range;		/* index of the range the next instruction may extend */
	/* outputs */
	struct pt_element *elements;
	size_t nr_elements, cap_elements;
	size_t nr_gaps;
};

/* One decode pass; its elements and undecided reads in @pass. */
int pt_run_pass(struct pt_pass *pass);
void pt_pass_free(struct pt_pass *pass);

#endif /* PERF_GLUE_PT_INTERNAL_H */
