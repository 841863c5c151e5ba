/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small ETMv4 instruction-trace encoder for the tests: it writes the
 * packets a trace unit would emit for a path the test knows, from the
 * ETMv4 architecture's packet formats.  It shares nothing with the
 * decoder under test (OpenCSD), so that a decode that matches the path
 * proves the decoding, not an agreement of one implementation with itself.
 */
#ifndef SELFTESTS_DECODE_ETM4_ENCODE_H
#define SELFTESTS_DECODE_ETM4_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct etm4_stream {
	uint8_t *buf;
	size_t len, cap;
	bool failed;			/* out of memory: the stream is unusable */
};

void etm4_stream_free(struct etm4_stream *s);

/* Alignment synchronisation: eleven 0x00 bytes and 0x80. */
void etm4_async(struct etm4_stream *s);
/* Trace info with no optional section: no cycle counts, no speculation. */
void etm4_trace_info(struct etm4_stream *s);
/* A full 64-bit timestamp. */
void etm4_timestamp(struct etm4_stream *s, uint64_t value);
void etm4_trace_on(struct etm4_stream *s);
/* Context: AArch64, non-secure, exception level @el, no VMID or context ID. */
void etm4_context(struct etm4_stream *s, unsigned int el);
/* Long address, 64-bit, A64 instruction set. */
void etm4_address(struct etm4_stream *s, uint64_t addr);
/* One atom: E (taken / executed) or N. */
void etm4_atom(struct etm4_stream *s, bool executed);
/* An exception of @type whose preferred return address is @ret. */
void etm4_exception(struct etm4_stream *s, unsigned int type, uint64_t ret);
/* The exception packet alone, for traces that leave out the address. */
void etm4_exception_packet(struct etm4_stream *s, unsigned int type);
/* Commit @count speculative P0 elements (a speculative trace unit's packet). */
void etm4_commit(struct etm4_stream *s, unsigned int count);

/* The exception type of a BRK: a debug exception taken on an instruction. */
#define ETM4_EXCEPTION_INST_DEBUG	0x6

#endif
