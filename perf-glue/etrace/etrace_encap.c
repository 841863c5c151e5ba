// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RISC-V's ratified packet encapsulation ("Unformatted Trace &
 * Diagnostic Data Packet Encapsulation for RISC-V"), as trace encoders,
 * QEMU's trace encoder and Linux's rvtrace driver write E-Trace:
 *
 *   header     bits 0-4 the payload length in bytes, 5-6 the flow,
 *              7 extend (a timestamp follows)
 *   srcid      srcid_bytes_p bytes, LSB first: which encoder (hart)
 *   timestamp  tstamp_bytes_p bytes, LSB first, when extend is set
 *   payload    length bytes
 *
 * A header of length 0 is a null packet of that one byte: null.idle
 * (extend clear) or null.align (extend set), both filler.
 */
#include <errno.h>
#include <string.h>

#include "etrace/etrace_internal.h"

#define HEADER_LENGTH_MASK	0x1fu
#define HEADER_FLOW_SHIFT	5
#define HEADER_FLOW_MASK	0x3u
#define HEADER_EXTEND		0x80u

/* @bytes (at most 8) LSB first from @p, of which only @available exist (the rest: 0). */
static uint64_t read_le(const uint8_t *p, size_t bytes, size_t available)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < bytes && i < available; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

int etrace_encap_frame(const struct etrace_config *cfg, const uint8_t *trace, size_t len,
		       size_t pos, struct etrace_frame *f)
{
	uint8_t header = trace[pos];
	size_t left = len - pos - 1, tstamp_bytes, at;

	memset(f, 0, sizeof(*f));
	f->offset = pos;
	f->flow = (header >> HEADER_FLOW_SHIFT) & HEADER_FLOW_MASK;
	f->payload_len = header & HEADER_LENGTH_MASK;
	if (!f->payload_len) {
		f->null = true;
		f->size = f->available = 1;
		return 0;
	}
	f->has_tstamp = (header & HEADER_EXTEND) && cfg->tstamp_bytes;
	tstamp_bytes = f->has_tstamp ? cfg->tstamp_bytes : 0;
	f->size = 1 + cfg->srcid_bytes + tstamp_bytes + f->payload_len;
	f->available = f->size - 1 > left ? left + 1 : f->size;
	at = pos + 1;
	f->srcid = read_le(trace + at, cfg->srcid_bytes, left);
	at += cfg->srcid_bytes;
	left = left > cfg->srcid_bytes ? left - cfg->srcid_bytes : 0;
	f->tstamp = read_le(trace + at, tstamp_bytes, left);
	at += tstamp_bytes;
	left = left > tstamp_bytes ? left - tstamp_bytes : 0;
	f->payload = left ? trace + at : NULL;
	return f->available < f->size ? -EINVAL : 0;
}
