// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * E-Trace te_inst packets out of the encapsulation (etrace_encap.c): the
 * fields of formats 0, 1, 2 and 3 (the specification's "Instruction
 * Trace Encoder Output Packets" chapter).  Every read is bounded by the
 * payload; bits past its end are the sign of its last bit, as sign-based
 * compression requires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "etrace/etrace_internal.h"

struct bit_reader {
	const uint8_t *payload;
	size_t len;			/* bytes */
	size_t pos;			/* bits consumed */
	unsigned int sign;
	bool last_bit;			/* the value of the last bit read */
	/*
	 * Whether bits past the end are the sign (the specification), or 0
	 * until an address reaches the end (how riscv-etrace-lib reads them).
	 */
	bool sign_extends, reference;
};

static unsigned int read_bit(struct bit_reader *br)
{
	unsigned int bit = br->pos < br->len * 8 ?
		(br->payload[br->pos / 8] >> (br->pos % 8)) & 1u : br->sign_extends ? br->sign : 0;

	br->pos++;
	br->last_bit = bit;
	return bit;
}

/* A field of @bits (at most 64), LSB first. */
static uint64_t read_field(struct bit_reader *br, unsigned int bits)
{
	uint64_t value = 0;
	unsigned int i;

	for (i = 0; i < bits; i++)
		value |= (uint64_t)read_bit(br) << i;
	return value;
}

/* A field sign-based compression is certain to have cut: an address, a branch map. */
static uint64_t read_compressed(struct bit_reader *br, unsigned int bits)
{
	if (br->pos + bits >= br->len * 8)
		br->sign_extends = true;
	return read_field(br, bits);
}

/* A one-bit flag coded as "differs from the bit before it"; @bit: as sent. */
static bool read_flag(struct bit_reader *br, bool *bit)
{
	bool before = br->last_bit;

	*bit = read_bit(br);
	return *bit != before;
}

/* format 1 branch_map sizes by the branches field: 1, 3, 7, 15 or 31 bits. */
static unsigned int branch_map_bits(unsigned int branches)
{
	if (branches == 0)
		return 31;
	if (branches == 1)
		return 1;
	if (branches <= 3)
		return 3;
	if (branches <= 7)
		return 7;
	if (branches <= 15)
		return 15;
	return 31;
}

static unsigned int irdepth_bits(const struct etrace_config *cfg)
{
	return cfg->return_stack_size + (cfg->return_stack_size ? 1 : 0) + cfg->call_counter_size;
}

/* address, notify, updiscon, irreport, irdepth: the tail of formats 1 and 2. */
static void read_address_tail(const struct etrace_config *cfg, struct bit_reader *br,
			      struct etrace_packet *p)
{
	p->has_address = true;
	p->address = read_compressed(br, cfg->iaddress_width - cfg->iaddress_lsb);
	p->address_msb = br->last_bit;
	p->notify = read_flag(br, &p->notify_bit);
	/* updiscon differs from notify, irreport from updiscon: both compare to the bit before. */
	p->updiscon = read_flag(br, &p->updiscon_bit);
	p->irreport = read_flag(br, &p->irreport_bit);
	p->irdepth = read_field(br, irdepth_bits(cfg));
}

static unsigned int time_bits(const struct etrace_config *cfg)
{
	return cfg->notime ? 0 : cfg->time_width;
}

static unsigned int context_bits(const struct etrace_config *cfg)
{
	return cfg->nocontext ? 0 : cfg->context_width;
}

static void read_context_and_time(const struct etrace_config *cfg, struct bit_reader *br,
				  struct etrace_packet *p)
{
	p->privilege = read_field(br, cfg->privilege_width);
	p->has_time = time_bits(cfg) > 0;
	p->time = read_field(br, time_bits(cfg));
	p->context = read_field(br, context_bits(cfg));
}

static void read_format3(const struct etrace_config *cfg, struct bit_reader *br,
			 struct etrace_packet *p)
{
	unsigned int bits;

	p->subformat = read_field(br, 2);
	switch (p->subformat) {
	case 0:
	case 1:
		p->branch = read_bit(br);
		read_context_and_time(cfg, br, p);
		if (p->subformat == 1) {
			p->ecause = read_field(br, cfg->ecause_width);
			p->interrupt = read_bit(br);
			p->thaddr = read_bit(br);
		}
		p->has_address = true;
		/* (riscv-etrace-lib extends the sign into the address of subformat 0 only) */
		bits = cfg->iaddress_width - cfg->iaddress_lsb;
		p->address = p->subformat ? read_field(br, bits) : read_compressed(br, bits);
		if (p->subformat == 1 && !p->interrupt)
			p->tval = read_field(br, cfg->iaddress_width);
		break;
	case 2:
		read_context_and_time(cfg, br, p);
		break;
	default:
		p->ienable = read_bit(br);
		p->encoder_mode = read_field(br, cfg->encoder_mode_width);
		p->qual_status = read_field(br, 2);
		p->ioptions = read_field(br, cfg->ioptions_width);
		p->denable_bits = read_field(br, cfg->denable_width);
		p->dloss_bits = read_field(br, cfg->dloss_width);
		p->denable = p->denable_bits != 0;
		p->dloss = p->dloss_bits != 0;
		p->doptions = read_field(br, cfg->doptions_width);
		break;
	}
}

/* Format 0: branch counts (branch prediction) and jump target cache indexes. */
static void read_format0(const struct etrace_config *cfg, struct bit_reader *br,
			 struct etrace_packet *p)
{
	bool bit;

	p->subformat = read_field(br, cfg->f0s_width);
	/* No field: the one format 0 the encoder has (the specification's f0s section). */
	if (!cfg->f0s_width && !br->reference)
		p->subformat = cfg->cache_size && !cfg->bpred_size;
	if (p->subformat == 0) {
		p->branch_count = read_field(br, 32);
		p->branch_fmt = read_field(br, 2);
		if (p->branch_fmt)
			read_address_tail(cfg, br, p);
		return;
	}
	p->jtc_index = read_field(br, cfg->cache_size);
	p->branches = read_field(br, 5);
	if (p->branches)
		p->branch_map = read_compressed(br, branch_map_bits(p->branches));
	p->irreport = read_flag(br, &bit);
	p->irreport_bit = bit;
	p->irdepth = read_field(br, irdepth_bits(cfg));
}

void etrace_parse_payload(const struct etrace_config *cfg, const uint8_t *payload, size_t len,
			  bool reference, struct etrace_packet *p)
{
	struct bit_reader br = {
		.payload = payload, .len = len, .sign = payload[len - 1] >> 7,
		.sign_extends = !reference, .reference = reference,
	};

	p->type = read_field(&br, cfg->type_width);
	if (p->type)
		return;
	p->format = read_field(&br, 2);
	switch (p->format) {
	case 0:
		read_format0(cfg, &br, p);
		break;
	case 1:
		p->branches = read_field(&br, 5);
		p->branch_map = read_field(&br, branch_map_bits(p->branches));
		if (p->branches)
			read_address_tail(cfg, &br, p);
		break;
	case 2:
		read_address_tail(cfg, &br, p);
		break;
	default:
		read_format3(cfg, &br, p);
		break;
	}
	/* Sign extension fills at most the last byte: more bytes than fields is padding. */
	p->longer = (br.pos + 7) / 8 < len;
}

static int add_packet(struct etrace_packet **v, size_t *nr, size_t *cap,
		      const struct etrace_packet *p)
{
	if (array_make_room(v, cap, *nr, sizeof(**v), 64))
		return -ENOMEM;
	(*v)[(*nr)++] = *p;
	return 0;
}

/* The packet of @f into @p: 0, or an error with @error. */
static int parse_frame(const struct etrace_config *cfg, const struct etrace_frame *f,
		       struct etrace_packet *p, char *error, size_t error_len)
{
	p->offset = f->offset;
	p->size = f->size;
	p->flow = f->flow;
	p->srcid = f->srcid;
	p->has_tstamp = f->has_tstamp;
	p->tstamp = f->tstamp;
	etrace_parse_payload(cfg, f->payload, f->payload_len, false, p);
	if (p->type > 1) {
		snprintf(error, error_len, "byte %zu: packet of unknown type %u", f->offset,
			 p->type);
		return -EINVAL;
	}
	if (p->longer) {
		snprintf(error, error_len, "byte %zu: packet longer than its fields", f->offset);
		return -EINVAL;
	}
	if (!p->type && p->format == 0 && p->subformat > 1) {
		snprintf(error, error_len, "byte %zu: format 0 subformat %u: no such packet",
			 f->offset, p->subformat);
		return -EINVAL;
	}
	return 0;
}

int etrace_parse_packets(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
			 struct etrace_packet **packets, size_t *nr_packets, char *error,
			 size_t error_len)
{
	size_t pos = 0, nr = 0, cap = 0;
	struct etrace_packet *v = NULL;
	uint64_t first_srcid = 0;
	bool any_srcid = false;
	int err = 0;

	while (!err && pos < len) {
		struct etrace_packet p = { 0 };
		struct etrace_frame f;

		if (etrace_encap_frame(cfg, trace, len, pos, &f)) {
			err = -EINVAL;
			snprintf(error, error_len, "byte %zu: packet truncated (%zu of %zu bytes)",
				 pos, f.available, f.size);
			break;
		}
		pos += f.size;
		if (f.null || (cfg->flow_id >= 0 && f.flow != (unsigned int)cfg->flow_id))
			continue;
		if (any_srcid && f.srcid != first_srcid) {
			err = -EOPNOTSUPP;
			snprintf(error, error_len, "byte %zu: packets of several sources (source "
				 "IDs %llu and %llu): one hart's trace only", f.offset,
				 (unsigned long long)first_srcid, (unsigned long long)f.srcid);
			break;
		}
		any_srcid = true;
		first_srcid = f.srcid;
		err = parse_frame(cfg, &f, &p, error, error_len);
		/* The data trace is not read. */
		if (!err && !p.type)
			err = add_packet(&v, &nr, &cap, &p);
	}
	if (err == -ENOMEM)
		snprintf(error, error_len, "out of memory");
	if (err) {
		free(v);
		return err;
	}
	*packets = v;
	*nr_packets = nr;
	return 0;
}
