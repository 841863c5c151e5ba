/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RISC-V E-Trace (the ratified RISC-V trace specification, "Efficient
 * Trace for RISC-V") instruction trace decoding against the code image
 * of perf-glue/code_image.h, so that a trace of code textpoke changed
 * while it was traced decodes to the path that ran.
 *
 * Input: te_inst packets of formats 1, 2 and 3, each framed by one
 * header byte (docs/decode.md, "E-Trace input"): bits 0-4 the payload
 * length in bytes (1-31), bits 5-7 zero (flow 0, no encapsulation
 * timestamp); a zero byte between packets is padding.  A payload is the
 * packet's fields LSB first, sign-extended from its last bit (the
 * specification's sign-based compression).
 *
 * Time model: the time field of format 3 packets (subformats 0, 1, 2).
 * Code walked after a packet of time T is read from the image at T; the
 * trace between two such packets is one "piece".  When the walk reads a
 * site whose PRE/POST window holds T, each candidate (old, new, and for
 * a breakpoint window the trap) is tried on the packets of that piece and
 * the next, the rules of the ETMv4 path: the one that walks them without
 * an error wins, a trap packet at the site is explained by the trap
 * candidate only and the trap candidate needs one; with none or several
 * the old bytes are used and the result says so.
 *
 * Options: see struct etrace_config.  Implicit return, sequentially
 * inferred jumps, implicit exceptions, branch prediction and the jump
 * target cache (format 0) are refused with -EOPNOTSUPP, never guessed.
 */
#ifndef PERF_GLUE_ETRACE_DECODE_H
#define PERF_GLUE_ETRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/code_image.h"

/*
 * The encoder's parameters (the specification's *_p names) and run-time
 * options.  etrace_config_default() gives the ones docs/decode.md lists.
 */
struct etrace_config {
	unsigned int iaddress_width;	/* iaddress_width_p: 64 */
	unsigned int iaddress_lsb;	/* iaddress_lsb_p: 1 (the C extension) */
	unsigned int privilege_width;	/* privilege_width_p: 2 */
	unsigned int time_width;	/* time_width_p: 64; 0 (notime_p) is refused */
	unsigned int context_width;	/* context_width_p: 0 (nocontext_p) */
	unsigned int ecause_width;	/* ecause_width_p: 6 */
	unsigned int encoder_mode_width; /* E: 1 (branch trace, value 0) */
	unsigned int ioptions_width;	/* N: 6, the ETRACE_IOPTION_* bits */
	unsigned int doptions_width;	/* M: 0 */
	unsigned int return_stack_size;	/* return_stack_size_p: 0 (else refused) */
	unsigned int call_counter_size;	/* call_counter_size_p: 0 (else refused) */
	unsigned int bpred_size;	/* bpred_size_p: 0 (else refused) */
	unsigned int cache_size;	/* cache_size_p: 0 (else refused) */
	bool full_address;		/* the 'full address' option before a support packet */
};

/* The ioptions bits of a support packet, in the order the specification lists them. */
enum etrace_ioption {
	ETRACE_IOPTION_SIJUMP		= 1u << 0,	/* refused */
	ETRACE_IOPTION_IMPLICIT_RETURN	= 1u << 1,	/* refused */
	ETRACE_IOPTION_IMPLICIT_EXCEPTION = 1u << 2,	/* refused */
	ETRACE_IOPTION_BRANCH_PREDICTION = 1u << 3,	/* refused */
	ETRACE_IOPTION_JUMP_TARGET_CACHE = 1u << 4,	/* refused */
	ETRACE_IOPTION_FULL_ADDRESS	= 1u << 5,	/* supported */
};

void etrace_config_default(struct etrace_config *cfg);
/*
 * "name=value" lines (the *_p names, e.g. iaddress_lsb_p=2, and
 * full_address=1) over the defaults; '#' starts a comment.  -EINVAL for a
 * bad line or value, -EOPNOTSUPP for an option this decoder refuses,
 * with @error.
 */
int etrace_config_parse(const char *text, size_t len, struct etrace_config *cfg, char *error,
			size_t error_len);
int etrace_config_load(const char *path, struct etrace_config *cfg, char *error,
		       size_t error_len);
/* -EINVAL or -EOPNOTSUPP with @error for parameters this decoder cannot use. */
int etrace_config_check(const struct etrace_config *cfg, char *error, size_t error_len);

enum etrace_element_type {
	ETRACE_ELEM_INSN,		/* the walk reached the instruction at addr */
	ETRACE_ELEM_TRAP,		/* an exception or interrupt (format 3, subformat 1) */
};

struct etrace_element {
	enum etrace_element_type type;
	uint64_t addr;			/* the instruction; a trap's EPC (epc_known) */
	uint64_t time;			/* of the piece */
	size_t packet;			/* index of the packet that produced it */
	uint64_t ecause, tval;		/* traps */
	bool interrupt, epc_known;
};

struct etrace_decode_options {
	struct etrace_config config;
	bool ignore_events;		/* decode against the binaries' bytes only */
};

struct etrace_decode_result {
	struct etrace_element *elements;
	size_t nr_elements;
	struct code_resolution *resolutions;
	size_t nr_resolutions;
	size_t nr_packets;
	size_t nr_pieces;
	char error[256];
};

/*
 * Decode @len bytes of framed E-Trace against @img (frozen).  0, or a
 * negative errno with res->error: -EINVAL for corrupt or truncated input
 * or parameters, -EOPNOTSUPP for an option or format this decoder
 * refuses, -EILSEQ when the trace does not fit the code (the elements up
 * to that point stay in @res), -E2BIG for a walk without end, -ENOMEM.
 * etrace_decode_result_free() in every case.
 */
int etrace_decode(const struct etrace_decode_options *opts, const struct code_image *img,
		  const uint8_t *trace, size_t len, struct etrace_decode_result *res);
void etrace_decode_result_free(struct etrace_decode_result *res);

/* "pc 0x..." or "trap ...": the form tp-decode prints. */
void etrace_element_format(const struct etrace_element *e, char *buf, size_t len);

#endif /* PERF_GLUE_ETRACE_DECODE_H */
