/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of the ETMv4 decoder share: the packet scan that finds
 * the timestamp packets, one decode pass over the split trace, and the
 * resolution of ambiguous reads that runs passes with each candidate.
 */
#ifndef PERF_GLUE_ETM_INTERNAL_H
#define PERF_GLUE_ETM_INTERNAL_H

#include "etm/etm_decode.h"
#include "image/code_resolve.h"

/* A piece of the trace, decoded with the image of one time. */
struct etm_piece {
	size_t start, end;		/* trace byte offsets */
	uint64_t time;
};

/* A timestamp packet: its bytes and value. */
struct etm_timestamp {
	size_t start, end;
	uint64_t value;
};

struct etm_pass {
	/* the image, choices, piece and its time, undecided reads, error */
	struct code_pass cp;
	/* inputs */
	const struct etm_decode_options *opts;
	const uint8_t *trace;
	size_t len;
	const struct etm_piece *pieces;
	size_t nr_pieces;
	/* state while decoding */
	dcd_tree_handle_t tree;
	ocsd_vaddr_t acc_start, acc_end;
	/* outputs */
	struct etm_element *elements;
	size_t nr_elements, cap_elements;
	size_t *atoms;				/* atoms in each piece's packets */
};

/* Scan the packets: the timestamps, and -EINVAL with @error for a corrupt or truncated trace. */
int etm_scan_packets(const ocsd_etmv4_cfg *cfg, const uint8_t *trace, size_t len,
		     struct etm_timestamp **ts, size_t *nr_ts, char *error, size_t error_len);

/* One decode pass; its elements and undecided reads in @pass. */
int etm_run_pass(struct etm_pass *pass);
void etm_pass_free(struct etm_pass *pass);

/* Whether the pass's elements of pieces [piece, piece + 1] agree with candidate @c at @change. */
bool etm_pass_consistent(const struct etm_pass *pass, const struct code_image *img,
			 size_t piece, size_t change, enum code_candidate c);
/* Whether the pass walked over the site of @change in @piece (or trapped there). */
bool etm_pass_reached(const struct etm_pass *pass, const struct code_image *img,
		      size_t piece, size_t change);

/* The target of the A64 direct branch @insn at @pc; false if it is none. */
bool a64_direct_branch_target(uint32_t insn, uint64_t pc, uint64_t *target);

#endif /* PERF_GLUE_ETM_INTERNAL_H */
