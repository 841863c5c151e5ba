// SPDX-License-Identifier: GPL-2.0
/*
 * The tests' E-Trace encoder: fields appended LSB first into a bit
 * buffer, the payload sign-extended to a whole byte and then shortened
 * by dropping top bytes that only repeat the sign.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "etrace_encode.h"

#define ADDRESS_BITS	63	/* iaddress_width_p 64 - iaddress_lsb_p 1 */
#define MAX_BITS	(31 * 8)

struct packet_bits {
	uint8_t bit[MAX_BITS];
	unsigned int n;
};

static void put(struct packet_bits *p, uint64_t value, unsigned int width)
{
	unsigned int i;

	for (i = 0; i < width && p->n < MAX_BITS; i++)
		p->bit[p->n++] = (value >> i) & 1;
}

static void emit_byte(struct etrace_stream *s, uint8_t b)
{
	if (!s->failed && !bytes_append(&s->buf, &s->len, &s->cap, b))
		s->failed = true;
}

static void finish(struct etrace_stream *s, struct packet_bits *p)
{
	uint8_t bytes[31] = { 0 };
	unsigned int i, len = (p->n + 7) / 8, sign = p->bit[p->n - 1];

	for (i = 0; i < len * 8; i++)
		if (i < p->n ? p->bit[i] : sign)
			bytes[i / 8] |= 1u << (i % 8);
	/* A top byte that is all sign bits, under a byte whose top bit is that sign, says nothing. */
	while (len > 1 && (bytes[len - 1] == 0x00 || bytes[len - 1] == 0xff) &&
	       (bytes[len - 1] & 1) == bytes[len - 2] >> 7)
		len--;
	/* The encapsulation: header, source ID, the timestamp of a timed packet. */
	emit_byte(s, len | (s->timed ? 0x80 : 0));
	for (i = 0; i < s->srcid_bytes; i++)
		emit_byte(s, s->srcid >> (8 * i));
	for (i = 0; s->timed && i < ETRACE_ENC_TSTAMP_BYTES; i++)
		emit_byte(s, s->tstamp >> (8 * i));
	s->timed = false;
	for (i = 0; i < len; i++)
		emit_byte(s, bytes[i]);
}

static void put_sync_head(struct etrace_stream *s, struct packet_bits *p,
			  unsigned int subformat, bool branch_taken, uint64_t time)
{
	put(p, 3, 2);
	put(p, subformat, 2);
	put(p, !branch_taken, 1);
	put(p, ETRACE_ENC_PRIVILEGE_USER, 2);
	if (!s->encap_time) {
		put(p, time, 64);
		return;
	}
	s->timed = true;
	s->tstamp = time;
}

void etrace_enc_start(struct etrace_stream *s, uint64_t time, uint64_t addr, bool branch_taken)
{
	struct packet_bits p = { .n = 0 };

	put_sync_head(s, &p, 0, branch_taken, time);
	put(&p, addr >> 1, ADDRESS_BITS);
	finish(s, &p);
	s->last_address = addr;
}

void etrace_enc_trap(struct etrace_stream *s, uint64_t time, unsigned int ecause, bool thaddr,
		     uint64_t addr, uint64_t tval)
{
	struct packet_bits p = { .n = 0 };

	put_sync_head(s, &p, 1, false, time);
	put(&p, ecause, 6);
	put(&p, 0, 1);			/* an exception, not an interrupt */
	put(&p, thaddr, 1);
	put(&p, addr >> 1, ADDRESS_BITS);
	put(&p, tval, 64);
	finish(s, &p);
	if (thaddr)
		s->last_address = addr;
}

void etrace_enc_support(struct etrace_stream *s, enum etrace_enc_qual qual, unsigned int ioptions)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 3, 2);
	put(&p, 3, 2);
	put(&p, 1, 1);			/* ienable */
	put(&p, 0, 1);			/* encoder_mode: branch trace */
	put(&p, qual, 2);
	put(&p, ioptions, 6);
	put(&p, 0, 1);			/* denable */
	put(&p, 0, 1);			/* dloss */
	finish(s, &p);
}

/* address, then notify, updiscon, irreport each equal to the bit before unless flagged. */
static void put_address_tail(struct packet_bits *p, uint64_t field, bool updiscon)
{
	unsigned int msb = (field >> (ADDRESS_BITS - 1)) & 1;
	unsigned int notify = msb, upd = notify ^ updiscon;

	put(p, field, ADDRESS_BITS);
	put(p, notify, 1);
	put(p, upd, 1);
	put(p, upd, 1);			/* irreport: no return stack */
}

static unsigned int map_width(unsigned int n)
{
	unsigned int w = 1;

	while (w < n)
		w = w * 2 + 1;
	return w;
}

void etrace_enc_branches_field(struct etrace_stream *s, unsigned int n, uint32_t not_taken,
			       uint64_t field, bool updiscon)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 1, 2);
	put(&p, n, 5);
	put(&p, not_taken, map_width(n));
	put_address_tail(&p, field, updiscon);
	finish(s, &p);
}

void etrace_enc_branch_map_full(struct etrace_stream *s, uint32_t not_taken)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 1, 2);
	put(&p, 0, 5);
	put(&p, not_taken, 31);
	finish(s, &p);
}

void etrace_enc_branches_address(struct etrace_stream *s, unsigned int n, uint32_t not_taken,
				 uint64_t addr, bool updiscon)
{
	etrace_enc_branches_field(s, n, not_taken, (addr - s->last_address) >> 1, updiscon);
	s->last_address = addr;
}

void etrace_enc_address(struct etrace_stream *s, uint64_t addr, bool updiscon)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 2, 2);
	put_address_tail(&p, ((addr - s->last_address) >> 1) & ((1ull << ADDRESS_BITS) - 1),
			 updiscon);
	finish(s, &p);
	s->last_address = addr;
}

void etrace_enc_branch_count(struct etrace_stream *s, uint32_t count_field, unsigned int branch_fmt)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 0, 2);			/* format 0, no subformat field (f0s_width_p 0) */
	put(&p, count_field, 32);
	put(&p, branch_fmt, 2);
	finish(s, &p);
}

void etrace_enc_cache_index(struct etrace_stream *s, unsigned int index, unsigned int cache_size,
			    unsigned int n, uint32_t not_taken)
{
	struct packet_bits p = { .n = 0 };

	put(&p, 0, 2);			/* format 0, no subformat field (f0s_width_p 0) */
	put(&p, index, cache_size);
	put(&p, n, 5);
	if (n)
		put(&p, not_taken, map_width(n));
	put(&p, p.bit[p.n - 1], 1);	/* irreport: as the bit before, nothing to report */
	finish(s, &p);
}

void etrace_enc_bytes(struct etrace_stream *s, const void *bytes, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		emit_byte(s, ((const uint8_t *)bytes)[i]);
}

void etrace_stream_free(struct etrace_stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}
