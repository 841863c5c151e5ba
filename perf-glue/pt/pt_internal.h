/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of the Intel PT decoder share: one decode pass with
 * libipt over the whole trace, and the resolution of ambiguous reads
 * that runs passes with each candidate.
 */
#ifndef PERF_GLUE_PT_INTERNAL_H
#define PERF_GLUE_PT_INTERNAL_H

#include <intel-pt.h>

#include "pt/pt_decode.h"

/* A candidate decided for a (piece, change); @reached says it mattered. */
struct pt_choice {
	struct code_resolution r;
	bool reached;
};

struct pt_pass {
	/* inputs */
	const struct pt_decode_options *opts;
	const struct code_image *img;
	const uint8_t *trace;
	size_t len;
	const struct pt_choice *choices;
	size_t nr_choices;
	/* state while decoding */
	struct pt_insn_decoder *decoder;
	size_t piece;
	uint64_t time;			/* the piece's, on the events' clock */
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
	struct code_resolution *undecided;	/* ambiguous reads with no choice yet */
	size_t nr_undecided;
	size_t nr_gaps;
	int err;
	char error[256];
};

/* One decode pass; its elements and undecided reads in @pass. */
int pt_run_pass(struct pt_pass *pass);
void pt_pass_free(struct pt_pass *pass);

#endif /* PERF_GLUE_PT_INTERNAL_H */
