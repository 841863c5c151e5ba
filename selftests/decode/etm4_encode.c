// SPDX-License-Identifier: GPL-2.0
/*
 * ETMv4 packet encodings (ETMv4 architecture specification, "Instruction
 * trace packets"), as the tests need them.
 */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "etm4_encode.h"

static void put(struct etm4_stream *s, uint8_t byte)
{
	if (!s->failed && !bytes_append(&s->buf, &s->len, &s->cap, byte))
		s->failed = true;
}

void etm4_stream_free(struct etm4_stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

void etm4_async(struct etm4_stream *s)
{
	int i;

	for (i = 0; i < 11; i++)
		put(s, 0x00);
	put(s, 0x80);
}

void etm4_trace_info(struct etm4_stream *s)
{
	put(s, 0x01);
	put(s, 0x00);		/* PLCTL: no INFO, KEY, SPEC or CYCT section */
}

/* Header 0b0000001C; then TS[6:0], TS[13:7], ... with continuation bits, the ninth byte whole. */
void etm4_timestamp(struct etm4_stream *s, uint64_t value)
{
	int i;

	put(s, 0x02);
	for (i = 0; i < 8; i++)
		put(s, 0x80 | ((value >> (7 * i)) & 0x7f));
	put(s, (value >> 56) & 0xff);
}

void etm4_trace_on(struct etm4_stream *s)
{
	put(s, 0x04);
}

/* Header 0b1000000P with P=1; info: EL[1:0], SF (AArch64) bit 4, NS bit 5. */
void etm4_context(struct etm4_stream *s, unsigned int el)
{
	put(s, 0x81);
	put(s, (el & 3) | 1 << 4 | 1 << 5);
}

/*
 * Long Address 64-bit IS0 (header 0x9D): A[8:2], A[15:9], then A[23:16]
 * up to A[63:56] a byte each.
 */
void etm4_address(struct etm4_stream *s, uint64_t addr)
{
	int i;

	put(s, 0x9d);
	put(s, (addr >> 2) & 0x7f);
	put(s, (addr >> 9) & 0x7f);
	for (i = 2; i < 8; i++)
		put(s, (addr >> (8 * i)) & 0xff);
}

/* Atom format 1: 0b1111011E. */
void etm4_atom(struct etm4_stream *s, bool executed)
{
	put(s, 0xf6 | (executed ? 1 : 0));
}

/*
 * Exception (header 0x06): one info byte, E0 in bit 0, TYPE[4:0] in bits
 * 5:1, E1 in bit 6, no continuation; E1:E0 = 0b01 says the address that
 * follows is the preferred return address.
 */
void etm4_exception_packet(struct etm4_stream *s, unsigned int type)
{
	put(s, 0x06);
	put(s, 0x01 | (type & 0x1f) << 1);
}

void etm4_exception(struct etm4_stream *s, unsigned int type, uint64_t ret)
{
	etm4_exception_packet(s, type);
	etm4_address(s, ret);
}

/* Commit (header 0x2D): COMMIT[6:0], COMMIT[13:7], ... with continuation bits. */
void etm4_commit(struct etm4_stream *s, unsigned int count)
{
	put(s, 0x2d);
	do {
		put(s, (count & 0x7f) | (count > 0x7f ? 0x80 : 0));
		count >>= 7;
	} while (count);
}
