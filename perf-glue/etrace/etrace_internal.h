/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of the E-Trace decoder share: the parsed packets and
 * the walk's state (the variables of the specification's decoder
 * chapter), which is a plain value so that a candidate can be tried on a
 * copy.  What each instruction is comes from arch/riscv (insn_class.h).
 */
#ifndef PERF_GLUE_ETRACE_INTERNAL_H
#define PERF_GLUE_ETRACE_INTERNAL_H

#include "etrace/etrace_decode.h"
#include "../../arch/riscv/tools/insn_class.h"

enum etrace_qual_status {
	ETRACE_QUAL_NO_CHANGE,
	ETRACE_QUAL_ENDED_REP,
	ETRACE_QUAL_TRACE_LOST,
	ETRACE_QUAL_ENDED_NTR,
};

/*
 * One packet of the encapsulation (etrace_encap.c): a null packet, or a
 * normal one with its source ID, timestamp and payload.
 */
struct etrace_frame {
	size_t offset;			/* of its header byte in the trace */
	size_t size;			/* header, source ID, timestamp and payload */
	size_t available;		/* of those, in the trace (less: truncated) */
	unsigned int flow;
	bool null;			/* null.idle, or null.align (extend set) */
	bool has_tstamp;
	uint64_t srcid, tstamp;
	const uint8_t *payload;		/* its available bytes */
	size_t payload_len;		/* the header's length */
};

/* The packet at @pos (< @len).  0, or -EINVAL when it does not all fit. */
int etrace_encap_frame(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
		       size_t pos, struct etrace_frame *f);

/* One te_inst packet, its fields as sent (address unshifted). */
struct etrace_packet {
	size_t offset;			/* of its header byte in the trace */
	size_t size;			/* of the encapsulated packet */
	bool has_tstamp;		/* the encapsulation's timestamp */
	uint64_t tstamp, srcid;
	unsigned int flow;
	unsigned int type;		/* the payload's type field: 0 instruction trace */
	bool longer;			/* more payload bytes than its fields need */
	unsigned int format, subformat;
	/* format 0: subformat 0 branch count, 1 jump target cache */
	uint32_t branch_count;
	unsigned int branch_fmt, jtc_index;
	/* format 3 */
	bool branch, has_time;
	unsigned int privilege;
	uint64_t time, context, ecause, tval;
	bool interrupt, thaddr;
	bool ienable, denable, dloss;
	unsigned int encoder_mode, qual_status, denable_bits, dloss_bits;
	uint64_t ioptions, doptions;
	/* formats 1, 2 (and the address of 3) */
	uint64_t address;
	bool has_address;
	unsigned int branches;		/* format 1: the field */
	uint64_t branch_map;
	/* the flags, true when the bit differs from the one before it */
	bool notify, updiscon, irreport;
	/* the bits as sent, and the address's MSB (what the reference compares each to) */
	bool notify_bit, updiscon_bit, irreport_bit, address_msb;
	uint64_t irdepth;
};

/*
 * The fields of one payload of @len bytes (at least 1), the type field
 * first.  Bits past its end are the sign of its last bit; with
 * @reference, as riscv-etrace-lib reads them: 0 until an address (or a
 * jump target cache packet's branch map) reaches the end, the sign from
 * there on.
 */
void etrace_parse_payload(const struct etrace_config *cfg, const uint8_t *payload, size_t len,
			  bool reference, struct etrace_packet *p);

/*
 * Split @trace into packets and parse their fields, null packets and
 * packets of other flows (cfg->flow_id) and of the data trace left out.
 * -EINVAL with @error for a truncated packet, one longer than its fields
 * or of an unknown type, -EOPNOTSUPP for format 0 and for packets of
 * several sources.
 */
int etrace_parse_packets(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
			 struct etrace_packet **packets, size_t *nr_packets, char *error,
			 size_t error_len);

/*
 * Whether @p starts a piece before it is processed: a synchronisation or
 * context packet with a time (the encapsulation's timestamp first), whose
 * address is the instruction of that time.  Any other packet with an
 * encapsulation timestamp starts one after it.
 */
static inline bool etrace_packet_time_before(const struct etrace_packet *p)
{
	return p->format == 3 && p->subformat != 3 && (p->has_tstamp || p->has_time);
}

/* A candidate decided for (piece, change); @reached: a resolution to report. */
struct etrace_choice {
	struct code_resolution r;
	bool reached;
};

struct etrace_choices {
	struct etrace_choice *v;
	size_t cap;
};

/* The specification's decoder variables, and where the walk is in the trace. */
struct etrace_walk {
	size_t packet;			/* the next packet */
	size_t piece;			/* how many timed packets came before */
	uint64_t time;
	uint64_t pc, last_pc, address, poss_next_epc;
	uint64_t branch_map;
	uint64_t branches;		/* a branch count adds up to 2^32 + 31 */
	unsigned int privilege;
	bool stop_at_last_branch, inferred_address, start_of_trace, pne_valid, full_address;
	/* The support packet's options. */
	bool sijump, bpred_on, jtc_on;
	bool use_bpred;			/* branches now come from the predictor */
	/* Each entry: bit 1 the predicted outcome (1 taken), bit 0 the last one. */
	uint8_t bpred[1u << ETRACE_MAX_BPRED_SIZE];
	uint64_t jtc[1u << ETRACE_MAX_CACHE_SIZE];	/* the jump target cache */
	struct etrace_packet previous;	/* the packet of an inferred address */
	size_t nr_elements, nr_choices;
};

struct etrace_decoder {
	const struct etrace_decode_options *opts;
	const struct code_image *img;
	const struct etrace_packet *packets;
	size_t nr_packets;
	struct etrace_walk w;
	struct etrace_choices *choices;	/* shared with the trial copies */
	struct etrace_element *elements;
	size_t cap_elements;
	/* A trial: a copy that walks pieces [.., last_piece] for one candidate. */
	bool trial;
	/*
	 * It stops (-EAGAIN) at another undecided site to try that site's
	 * candidates too; else, a trial of such a candidate, it takes the
	 * old bytes of any other.
	 */
	bool trial_neighbours;
	size_t last_piece;
	uint64_t trial_site;
	bool trial_trapped;
	/* An ambiguous read with no choice yet (-EAGAIN from the walk). */
	long pending_change;
	char error[256];
};

/* Process the packet at dec->w.packet.  -EAGAIN: an undecided read, see pending_change. */
int etrace_process_packet(struct etrace_decoder *dec);
/* The choice for @change in the current piece, or NULL. */
const struct etrace_choice *etrace_find_choice(const struct etrace_decoder *dec, size_t change);
/* Append a choice; -E2BIG past the limit, -ENOMEM. */
int etrace_add_choice(struct etrace_decoder *dec, const struct etrace_choice *c);
/* A sentence in dec->error (unless a trial), and @err back. */
int etrace_fail(struct etrace_decoder *dec, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* PERF_GLUE_ETRACE_INTERNAL_H */
