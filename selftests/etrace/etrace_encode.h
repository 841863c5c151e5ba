/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small E-Trace encoder for the tests, written from the packet tables
 * of the specification ("Instruction Trace Encoder Output Packets"),
 * sharing nothing with the decoder.  Parameters: iaddress_width_p 64,
 * iaddress_lsb_p 1, privilege_width_p 2, time_width_p 64, nocontext_p,
 * ecause_width_p 6, no return stack or call counter, an encoder_mode of
 * 1 bit, 6 ioptions bits, no doptions.  Each packet in the ratified
 * encapsulation: a header byte with the payload length, srcid_bytes of
 * source ID, with encap_time the time of synchronisation packets as an
 * encapsulation timestamp of ETRACE_ENC_TSTAMP_BYTES (their time field
 * left out: notime_p), then the payload with sign-based compression.
 */
#ifndef SELFTESTS_ETRACE_ENCODE_H
#define SELFTESTS_ETRACE_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etrace_stream {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
	uint64_t last_address;		/* the base of differential addresses */
	unsigned int srcid_bytes;	/* set before the first packet */
	uint64_t srcid;
	bool encap_time;
	bool timed;			/* the packet being written has tstamp */
	uint64_t tstamp;
};

#define ETRACE_ENC_TSTAMP_BYTES	8

enum etrace_enc_qual {
	ETRACE_ENC_NO_CHANGE = 0,
	ETRACE_ENC_ENDED_REP = 1,
	ETRACE_ENC_TRACE_LOST = 2,
	ETRACE_ENC_ENDED_NTR = 3,
};

#define ETRACE_ENC_PRIVILEGE_USER	0
#define ETRACE_ENC_ECAUSE_BREAKPOINT	3

/* Format 3 subformat 0: the first traced instruction at @addr. */
void etrace_enc_start(struct etrace_stream *s, uint64_t time, uint64_t addr, bool branch_taken);
/* Format 3 subformat 1, an exception: @thaddr says whether @addr is the handler or the EPC. */
void etrace_enc_trap(struct etrace_stream *s, uint64_t time, unsigned int ecause, bool thaddr,
		     uint64_t addr, uint64_t tval);
/* Format 3 subformat 3. */
void etrace_enc_support(struct etrace_stream *s, enum etrace_enc_qual qual, unsigned int ioptions);
/* Format 1 with an address: @n (1..31) branches, bit i set when branch i was not taken. */
void etrace_enc_branches_address(struct etrace_stream *s, unsigned int n, uint32_t not_taken,
				 uint64_t addr, bool updiscon);
/* The same with the address field as given (a worked example's differential value). */
void etrace_enc_branches_field(struct etrace_stream *s, unsigned int n, uint32_t not_taken,
			       uint64_t field, bool updiscon);
/* Format 1 without an address: a full map of 31 branches (branches field 0). */
void etrace_enc_branch_map_full(struct etrace_stream *s, uint32_t not_taken);
/* Format 2. */
void etrace_enc_address(struct etrace_stream *s, uint64_t addr, bool updiscon);
/*
 * Format 0, no subformat field: a branch count (branch prediction) with
 * @count_field (the correctly predicted branches minus 31) and
 * @branch_fmt 0 (no address: the next branch failed the prediction).
 */
void etrace_enc_branch_count(struct etrace_stream *s, uint32_t count_field, unsigned int branch_fmt);
/* Format 0, no subformat field: a jump target cache @index of @cache_size bits, @n branches. */
void etrace_enc_cache_index(struct etrace_stream *s, unsigned int index, unsigned int cache_size,
			    unsigned int n, uint32_t not_taken);
/* Raw bytes (for corrupt input). */
void etrace_enc_bytes(struct etrace_stream *s, const void *bytes, size_t len);
void etrace_stream_free(struct etrace_stream *s);

#endif
