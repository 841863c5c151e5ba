/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RISC-V E-Trace (the ratified RISC-V trace specification, "Efficient
 * Trace for RISC-V") instruction trace decoding against the code image
 * of perf-glue/code_image.h, so that a trace of code textpoke changed
 * while it was traced decodes to the path that ran.
 *
 * Input: te_inst packets of formats 1, 2 and 3 in RISC-V's ratified
 * packet encapsulation ("Unformatted Trace & Diagnostic Data Packet
 * Encapsulation for RISC-V", etrace_encap.c): a header byte (bits 0-4
 * the payload length, 5-6 the flow, 7 extend), a source ID of
 * srcid_bytes, a timestamp of tstamp_bytes when extend is set, then the
 * payload; a header of length 0 is a null packet (null.idle, null.align)
 * and is skipped.  A payload is an optional type field (type_width)
 * then the packet's fields LSB first, sign-extended from its last bit
 * (the specification's sign-based compression).
 *
 * Time model: the encapsulation's timestamps where packets carry them,
 * else the time field of format 3 packets (subformats 0, 1, 2).  Code
 * walked after a packet of time T is read from the image at T; the
 * trace between two such packets is one "piece".  When the walk reads a
 * site whose PRE/POST window holds T, each candidate (old, new, and for
 * a breakpoint window the trap) is tried on the packets of that piece and
 * the next, the rules of the ETMv4 path: the one that walks them without
 * an error wins, a trap packet at the site is explained by the trap
 * candidate only and the trap candidate needs one; with none or several
 * the old bytes are used and the result says so.
 *
 * Options: see struct etrace_config.  Sequentially inferred jumps,
 * branch prediction and the jump target cache (format 0) are decoded as
 * the specification's decoder chapter does; implicit return and
 * implicit exceptions are refused with -EOPNOTSUPP, never guessed;
 * etrace_dump_packets() prints every packet, those included.
 */
#ifndef PERF_GLUE_ETRACE_DECODE_H
#define PERF_GLUE_ETRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "image/code_image.h"

/*
 * The encoder's parameters (the specification's *_p names) and run-time
 * options.  etrace_config_default() gives the ones docs/decode.md lists.
 */
struct etrace_config {
	/* The encapsulation (the reference's .packet.* names). */
	unsigned int srcid_bytes;	/* srcid_bytes_p: 0; more than one source is refused */
	unsigned int tstamp_bytes;	/* tstamp_bytes_p: 0 (at most 8) */
	unsigned int type_width;	/* type_width_p: 0; else 0 instruction, 1 data trace */
	int flow_id;			/* packet_flow_id: -1 any; else only that flow */
	/* The instruction trace (.itrace.*). */
	unsigned int iaddress_width;	/* iaddress_width_p: 64 */
	unsigned int iaddress_lsb;	/* iaddress_lsb_p: 1 (the C extension) */
	unsigned int privilege_width;	/* privilege_width_p: 2 */
	unsigned int time_width;	/* time_width_p: 64 */
	bool notime;			/* notime_p: refused without encapsulation timestamps */
	unsigned int context_width;	/* context_width_p: 0 */
	bool nocontext;			/* nocontext_p */
	unsigned int f0s_width;		/* f0s_width_p: 0, the format 0 subformat field */
	unsigned int ecause_width;	/* ecause_width_p: 6 */
	bool sijump;			/* sijump_p: the encoder may use the option */
	/* The support packet (.sup.*). */
	unsigned int encoder_mode_width; /* E, enc_mode_width_p: 1 (branch trace, value 0) */
	unsigned int ioptions_width;	/* N, ioptions_width_p: 6, the ETRACE_IOPTION_* bits */
	unsigned int denable_width;	/* denable_width_p: 1 */
	unsigned int dloss_width;	/* dloss_width_p: 1 */
	unsigned int doptions_width;	/* M, doptions_width_p: 0 */
	unsigned int return_stack_size;	/* return_stack_size_p: 0 (irdepth's width) */
	unsigned int call_counter_size;	/* call_counter_size_p: 0 (irdepth's width) */
	unsigned int bpred_size;	/* bpred_size_p: 0 */
	unsigned int cache_size;	/* cache_size_p: 0 */
	bool full_address;		/* the 'full address' option before a support packet */
};

/* The largest branch predictor and jump target cache (bpred_size_p, cache_size_p) decoded. */
#define ETRACE_MAX_BPRED_SIZE	10
#define ETRACE_MAX_CACHE_SIZE	8

/* The ioptions bits of a support packet, in the order the specification lists them. */
enum etrace_ioption {
	ETRACE_IOPTION_SIJUMP		= 1u << 0,	/* supported */
	ETRACE_IOPTION_IMPLICIT_RETURN	= 1u << 1,	/* refused */
	ETRACE_IOPTION_IMPLICIT_EXCEPTION = 1u << 2,	/* refused */
	ETRACE_IOPTION_BRANCH_PREDICTION = 1u << 3,	/* supported (format 0 branch counts) */
	ETRACE_IOPTION_JUMP_TARGET_CACHE = 1u << 4,	/* supported (format 0 cache indexes) */
	ETRACE_IOPTION_FULL_ADDRESS	= 1u << 5,	/* supported */
};

void etrace_config_default(struct etrace_config *cfg);
/*
 * Lines over the defaults, in either form: "name=value" (the *_p names,
 * e.g. iaddress_lsb_p=2, and full_address=1; '#' starts a comment) or
 * the reference library's itrace_params.csv, ".section.name,value"
 * (.packet.*, .itrace.*, .dtrace.*, .sup.*).  -EINVAL for a bad line, an
 * unknown name or a value out of range, -EOPNOTSUPP for an option this
 * decoder refuses, with @error naming the parameter.
 * etrace_config_read() checks only what the packet layout needs (what
 * etrace_dump_packets() uses).
 */
int etrace_config_parse(const char *text, size_t len, struct etrace_config *cfg, char *error,
			size_t error_len);
int etrace_config_read(const char *text, size_t len, struct etrace_config *cfg, char *error,
		       size_t error_len);
/* A file of such lines: etrace_config_parse(), or etrace_config_read() with @layout_only. */
int etrace_config_load(const char *path, struct etrace_config *cfg, bool layout_only,
		       char *error, size_t error_len);
/* -EINVAL or -EOPNOTSUPP with @error for parameters this decoder cannot use. */
int etrace_config_check(const struct etrace_config *cfg, char *error, size_t error_len);
/* -EINVAL with @error for widths no packet can have. */
int etrace_config_check_layout(const struct etrace_config *cfg, char *error, size_t error_len);

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

/*
 * One line per packet to @out, the fields riscv-etrace-lib's
 * test_etrace_pktdump prints ("OFFSET:SIZEB: packetN: format...", runs of
 * null packets as "packetN:packetM: NULL").  Every packet is shown,
 * formats and options the decoder refuses included.  0, or -EINVAL with
 * @error when the last packet is truncated (it is printed with the
 * missing bytes as zeros first) or the parameters are unusable.
 */
int etrace_dump_packets(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
			FILE *out, char *error, size_t error_len);

/* Whether @buf is a perf.data file (its magic). */
bool etrace_perf_is_perf_data(const uint8_t *buf, size_t len);
/*
 * The trace of one CPU in the perf.data of @size bytes at @buf: the
 * payloads of its PERF_RECORD_AUXTRACE records (perf record -e rvtrace//)
 * in file order, into *@trace (malloc'ed).  @cpu -1: the CPU of the first
 * such record, *@several_cpus set when others have data too.  0, or
 * -EINVAL (a corrupt file), -ENODATA (no data of that CPU), -ENOMEM,
 * with @error.
 */
int etrace_perf_trace(const uint8_t *buf, size_t size, int cpu, bool *several_cpus,
		      uint8_t **trace, size_t *len, char *error, size_t error_len);
/* The same from a perf.data perfdata/auxtrace.h read (-ENODATA or -ENOMEM). */
struct auxtrace_data;
int etrace_perf_trace_of(const struct auxtrace_data *d, int cpu, bool *several_cpus,
			 uint8_t **trace, size_t *len, char *error, size_t error_len);

/* "pc 0x..." or "trap ...": the form tp-decode prints. */
void etrace_element_format(const struct etrace_element *e, char *buf, size_t len);

#endif /* PERF_GLUE_ETRACE_DECODE_H */
