// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Encoding and decoding of the perf.data pieces of perf_file.h.  No
 * allocation and no system calls: the library's writer calls these while
 * other threads may be parked.
 */
#include <errno.h>
#include <string.h>

#include "perf_file.h"

#define ALIGN8(x)	(((x) + 7) & ~(size_t)7)
#define NAME_ALIGN	64		/* perf pads string features to this */

/*
 * The trailer, in file order: {pid, tid}, time, id, stream_id, {cpu, res},
 * identifier, each present when its bit is set (perf_event_open(2),
 * sample_id).  IDENTIFIER is last so that perf can find it from the end.
 */
size_t sample_id_size(uint64_t sample_type)
{
	return 8 * __builtin_popcountll(sample_type & SAMPLE_ID_BITS);
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
	return p + 8;
}

static uint8_t *put_u32_pair(uint8_t *p, uint32_t a, uint32_t b)
{
	memcpy(p, &a, 4);
	memcpy(p + 4, &b, 4);
	return p + 8;
}

void sample_id_write(void *dst, uint64_t sample_type, const struct sample_id *sid)
{
	uint8_t *p = dst;

	if (sample_type & PERF_SAMPLE_TID)
		p = put_u32_pair(p, sid->pid, sid->tid);
	if (sample_type & PERF_SAMPLE_TIME)
		p = put_u64(p, sid->time);
	if (sample_type & PERF_SAMPLE_ID)
		p = put_u64(p, sid->id);
	if (sample_type & PERF_SAMPLE_STREAM_ID)
		p = put_u64(p, sid->id);
	if (sample_type & PERF_SAMPLE_CPU)
		p = put_u32_pair(p, sid->cpu, 0);
	if (sample_type & PERF_SAMPLE_IDENTIFIER)
		put_u64(p, sid->id);
}

void sample_id_read(const void *end, uint64_t sample_type, struct sample_id *sid)
{
	const uint8_t *p = (const uint8_t *)end - sample_id_size(sample_type);

	memset(sid, 0, sizeof(*sid));
	if (sample_type & PERF_SAMPLE_TID) {
		memcpy(&sid->pid, p, 4);
		memcpy(&sid->tid, p + 4, 4);
		p += 8;
	}
	if (sample_type & PERF_SAMPLE_TIME) {
		memcpy(&sid->time, p, 8);
		p += 8;
	}
	if (sample_type & PERF_SAMPLE_ID) {
		memcpy(&sid->id, p, 8);
		p += 8;
	}
	if (sample_type & PERF_SAMPLE_STREAM_ID)
		p += 8;
	if (sample_type & PERF_SAMPLE_CPU) {
		memcpy(&sid->cpu, p, 4);
		p += 8;
	}
	if (sample_type & PERF_SAMPLE_IDENTIFIER)
		memcpy(&sid->id, p, 8);
}

/* The kernel's layout: the lengths and the bytes together padded to 8. */
static size_t text_poke_body(unsigned int old_len, unsigned int new_len)
{
	return sizeof(struct text_poke_head) - 4 + ALIGN8(4 + old_len + new_len);
}

size_t text_poke_size(unsigned int old_len, unsigned int new_len, uint64_t sample_type)
{
	return text_poke_body(old_len, new_len) + sizeof(struct textpoke_tail) +
	       sample_id_size(sample_type);
}

size_t text_poke_write(void *dst, const struct text_poke *poke, uint64_t sample_type)
{
	size_t body = text_poke_body(poke->old_len, poke->new_len);
	size_t size = body + (poke->has_tail ? sizeof(poke->tail) : 0) +
		      sample_id_size(sample_type);
	struct text_poke_head head = {
		.header = { PERF_RECORD_TEXT_POKE, PERF_RECORD_MISC_USER, size },
		.addr = poke->addr,
		.old_len = poke->old_len,
		.new_len = poke->new_len,
	};
	uint8_t *p = dst;

	memset(p, 0, body);
	memcpy(p, &head, sizeof(head));
	memcpy(p + sizeof(head), poke->old, poke->old_len);
	memcpy(p + sizeof(head) + poke->old_len, poke->new, poke->new_len);
	p += body;
	if (poke->has_tail) {
		memcpy(p, &poke->tail, sizeof(poke->tail));
		p += sizeof(poke->tail);
	}
	sample_id_write(p, sample_type, &poke->sid);
	return size;
}

int text_poke_parse(const void *rec, size_t len, uint64_t sample_type,
		    struct text_poke *out)
{
	const uint8_t *p = rec;
	struct text_poke_head head;
	size_t body, trailer = sample_id_size(sample_type);

	if (len < sizeof(head))
		return -EINVAL;
	memcpy(&head, p, sizeof(head));
	body = text_poke_body(head.old_len, head.new_len);
	if (body + trailer > len)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->addr = head.addr;
	out->old_len = head.old_len;
	out->new_len = head.new_len;
	out->old = p + sizeof(head);
	out->new = out->old + head.old_len;
	if (body + sizeof(out->tail) + trailer <= len) {
		memcpy(&out->tail, p + body, sizeof(out->tail));
		out->has_tail = out->tail.magic == TEXTPOKE_TAIL_MAGIC;
	}
	if (!out->has_tail)
		memset(&out->tail, 0, sizeof(out->tail));
	if (trailer)
		sample_id_read(p + len, sample_type, &out->sid);
	return 0;
}

size_t perf_string_size(const char *s)
{
	return 4 + ((strlen(s) + 1 + NAME_ALIGN - 1) & ~(size_t)(NAME_ALIGN - 1));
}

size_t perf_string_write(void *dst, const char *s)
{
	size_t size = perf_string_size(s);
	uint32_t padded = size - 4;

	memset(dst, 0, size);
	memcpy(dst, &padded, 4);
	memcpy((uint8_t *)dst + 4, s, strlen(s));
	return size;
}
