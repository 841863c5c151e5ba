// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * E-Trace te_inst packets: the framing (one header byte per packet, see
 * etrace_decode.h) and the fields of formats 1, 2 and 3 (the
 * specification's "Instruction Trace Encoder Output Packets" chapter).
 * Every read is bounded by the payload; bits past its end are the sign
 * of its last bit, as sign-based compression requires.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "etrace/etrace_internal.h"

#define HEADER_LENGTH_MASK	0x1fu
/* A payload of this many bits is always enough: the sign of the last bit fills the rest. */
#define MAX_PAYLOAD		31u

struct bit_reader {
	const uint8_t *payload;
	size_t len;			/* bytes */
	size_t pos;			/* bits consumed */
	unsigned int sign;
	bool last_bit;			/* the value of the last bit read */
};

static unsigned int read_bit(struct bit_reader *br)
{
	unsigned int bit = br->pos < br->len * 8 ?
		(br->payload[br->pos / 8] >> (br->pos % 8)) & 1u : br->sign;

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

/* A one-bit flag coded as "differs from the bit before it". */
static bool read_flag(struct bit_reader *br)
{
	bool before = br->last_bit;

	return read_bit(br) != before;
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
	p->address = read_field(br, cfg->iaddress_width - cfg->iaddress_lsb);
	p->notify = read_flag(br);
	/* updiscon differs from notify, irreport from updiscon: both compare to the bit before. */
	p->updiscon = read_flag(br);
	p->irreport = read_flag(br);
	read_field(br, irdepth_bits(cfg));
}

static void read_context_and_time(const struct etrace_config *cfg, struct bit_reader *br,
				  struct etrace_packet *p)
{
	p->privilege = read_field(br, cfg->privilege_width);
	p->has_time = cfg->time_width > 0;
	p->time = read_field(br, cfg->time_width);
	p->context = read_field(br, cfg->context_width);
}

static void read_format3(const struct etrace_config *cfg, struct bit_reader *br,
			 struct etrace_packet *p)
{
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
		p->address = read_field(br, cfg->iaddress_width - cfg->iaddress_lsb);
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
		p->denable = read_bit(br);
		p->dloss = read_bit(br);
		read_field(br, cfg->doptions_width);
		break;
	}
}

static int parse_payload(const struct etrace_config *cfg, const uint8_t *payload, size_t len,
			 struct etrace_packet *p)
{
	struct bit_reader br = {
		.payload = payload, .len = len, .sign = payload[len - 1] >> 7,
	};

	p->format = read_field(&br, 2);
	switch (p->format) {
	case 0:
		/* Branch counts and jump target cache indexes: options this decoder refuses. */
		return -EOPNOTSUPP;
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
	/* Sign extension fills at most the last byte: more bytes than fields is not a packet. */
	return (br.pos + 7) / 8 < len ? -EINVAL : 0;
}

static int add_packet(struct etrace_packet **v, size_t *nr, size_t *cap,
		      const struct etrace_packet *p)
{
	if (array_make_room(v, cap, *nr, sizeof(**v), 64))
		return -ENOMEM;
	(*v)[(*nr)++] = *p;
	return 0;
}

int etrace_parse_packets(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
			 struct etrace_packet **packets, size_t *nr_packets, char *error,
			 size_t error_len)
{
	size_t pos = 0, nr = 0, cap = 0;
	struct etrace_packet *v = NULL;
	int err = 0;

	while (!err && pos < len) {
		struct etrace_packet p = { .offset = pos };
		size_t payload = trace[pos] & HEADER_LENGTH_MASK;

		if (!trace[pos]) {		/* padding between packets */
			pos++;
			continue;
		}
		if (trace[pos] & ~HEADER_LENGTH_MASK || !payload || payload > MAX_PAYLOAD) {
			err = -EINVAL;
			snprintf(error, error_len, "byte %zu: header 0x%02x is not length-only",
				 pos, trace[pos]);
			break;
		}
		if (payload > len - pos - 1) {
			err = -EINVAL;
			snprintf(error, error_len, "byte %zu: packet truncated (%zu of %zu bytes)",
				 pos, len - pos - 1, payload);
			break;
		}
		err = parse_payload(cfg, trace + pos + 1, payload, &p);
		if (err == -EOPNOTSUPP)
			snprintf(error, error_len, "byte %zu: format 0 packets (branch prediction, "
				 "jump target cache) are not supported", pos);
		else if (err)
			snprintf(error, error_len, "byte %zu: packet longer than its fields", pos);
		else
			err = add_packet(&v, &nr, &cap, &p);
		pos += 1 + payload;
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
