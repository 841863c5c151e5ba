// SPDX-License-Identifier: GPL-2.0
/*
 * The test writer of perf_writer.h.  Offsets are spelled out field by
 * field from perf's documented layouts so that a mistake in the reader's
 * own description of them cannot cancel out here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/perf_event.h>

#include "perf_writer.h"

#define SAMPLE_TYPE	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)
#define SID_BYTES	24	/* pid, tid; time; cpu, res */

static uint8_t *room(struct pw_file *f, size_t len)
{
	uint8_t *p;

	if (f->failed)
		return NULL;
	if (f->len + len > f->cap) {
		size_t cap = f->cap ? f->cap : 4096;

		while (cap < f->len + len)
			cap *= 2;
		p = realloc(f->data, cap);
		if (!p) {
			f->failed = -ENOMEM;
			return NULL;
		}
		f->data = p;
		f->cap = cap;
	}
	p = f->data + f->len;
	memset(p, 0, len);
	f->len += len;
	return p;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A record of @len bytes (8-aligned), its header filled in. */
static uint8_t *record(struct pw_file *f, uint32_t type, uint16_t misc, size_t len)
{
	uint8_t *p = room(f, len);

	if (p) {
		put32(p, type);
		put16(p + 4, misc);
		put16(p + 6, len);
	}
	return p;
}

static void put_sid(uint8_t *end, const struct pw_sid *sid)
{
	uint8_t *p = end - SID_BYTES;

	put32(p, sid->pid);
	put32(p + 4, sid->tid);
	put64(p + 8, sid->time);
	put32(p + 16, sid->cpu);
}

void pw_auxtrace_info(struct pw_file *f, uint32_t type, const uint64_t *priv, size_t nr)
{
	uint8_t *p = record(f, 70, 0, 16 + 8 * nr);
	size_t i;

	if (!p)
		return;
	put32(p + 8, type);
	for (i = 0; i < nr; i++)
		put64(p + 16 + 8 * i, priv[i]);
}

void pw_auxtrace(struct pw_file *f, uint64_t offset, uint32_t idx, uint32_t tid, uint32_t cpu,
		 const void *payload, uint64_t size)
{
	uint8_t *p = record(f, 71, 0, 48);
	size_t padded = (size + 7) & ~7ull;

	if (!p)
		return;
	put64(p + 8, padded);
	put64(p + 16, offset);
	put64(p + 24, 0x1234);	/* reference */
	put32(p + 32, idx);
	put32(p + 36, tid);
	put32(p + 40, cpu);
	p = room(f, padded);
	if (p)
		memcpy(p, payload, size);
}

static size_t name_bytes(const char *name)
{
	return (strlen(name) + 1 + 7) & ~7ull;
}

void pw_mmap2(struct pw_file *f, const struct pw_sid *sid, uint64_t addr, uint64_t len,
	      uint64_t pgoff, uint32_t prot, const char *name, const uint8_t *build_id,
	      uint8_t build_id_size)
{
	size_t size = 72 + name_bytes(name) + SID_BYTES;
	uint16_t misc = PERF_RECORD_MISC_USER | (build_id ? PERF_RECORD_MISC_MMAP_BUILD_ID : 0);
	uint8_t *p = record(f, PERF_RECORD_MMAP2, misc, size);

	if (!p)
		return;
	put32(p + 8, sid->pid);
	put32(p + 12, sid->tid);
	put64(p + 16, addr);
	put64(p + 24, len);
	put64(p + 32, pgoff);
	if (build_id) {
		p[40] = build_id_size;
		memcpy(p + 44, build_id, build_id_size);
	}
	put32(p + 64, prot);
	put32(p + 68, 2);	/* MAP_PRIVATE */
	memcpy(p + 72, name, strlen(name));
	put_sid(p + size, sid);
}

void pw_mmap(struct pw_file *f, const struct pw_sid *sid, uint64_t addr, uint64_t len,
	     uint64_t pgoff, const char *name)
{
	size_t size = 40 + name_bytes(name) + SID_BYTES;
	uint8_t *p = record(f, PERF_RECORD_MMAP, PERF_RECORD_MISC_USER, size);

	if (!p)
		return;
	put32(p + 8, sid->pid);
	put32(p + 12, sid->tid);
	put64(p + 16, addr);
	put64(p + 24, len);
	put64(p + 32, pgoff);
	memcpy(p + 40, name, strlen(name));
	put_sid(p + size, sid);
}

void pw_time_conv(struct pw_file *f, uint16_t shift, uint32_t mult, uint64_t zero,
		  uint64_t cycles, uint64_t mask, int user_short)
{
	uint8_t *p = record(f, 79, 0, 56 + 8);

	if (!p)
		return;
	put64(p + 8, shift);
	put64(p + 16, mult);
	put64(p + 24, zero);
	put64(p + 32, cycles);
	put64(p + 40, mask);
	p[48] = 1;		/* cap_user_time_zero */
	p[49] = user_short;
}

void pw_itrace_start(struct pw_file *f, const struct pw_sid *sid)
{
	uint8_t *p = record(f, PERF_RECORD_ITRACE_START, 0, 16 + SID_BYTES);

	if (!p)
		return;
	put32(p + 8, sid->pid);
	put32(p + 12, sid->tid);
	put_sid(p + 16 + SID_BYTES, sid);
}

void pw_aux(struct pw_file *f, const struct pw_sid *sid, uint64_t offset, uint64_t size,
	    uint64_t flags)
{
	uint8_t *p = record(f, PERF_RECORD_AUX, 0, 32 + SID_BYTES);

	if (!p)
		return;
	put64(p + 8, offset);
	put64(p + 16, size);
	put64(p + 24, flags);
	put_sid(p + 32 + SID_BYTES, sid);
}

void pw_aux_output_hw_id(struct pw_file *f, const struct pw_sid *sid, uint64_t hw_id)
{
	uint8_t *p = record(f, 21, 0, 16 + SID_BYTES);	/* PERF_RECORD_AUX_OUTPUT_HW_ID */

	if (!p)
		return;
	put64(p + 8, hw_id);
	put_sid(p + 16 + SID_BYTES, sid);
}

void pw_raw(struct pw_file *f, uint32_t type, uint16_t misc, const void *body, size_t len)
{
	uint8_t *p = record(f, type, misc, 8 + ((len + 7) & ~7ull));

	if (p)
		memcpy(p + 8, body, len);
}

/* The header's fields, by offset: magic, size, attr_size, attrs, data, event_types, features. */
#define HEADER_BYTES	104
#define ATTR_BYTES	128	/* PERF_ATTR_SIZE_VER7 */

int pw_finish(struct pw_file *f, uint8_t **out, size_t *out_len)
{
	size_t attrs = HEADER_BYTES, ids = attrs + ATTR_BYTES + 16, data = ids + 8;
	size_t total = data + f->len;
	uint64_t flags = 1ull << 18;	/* sample_id_all */
	int32_t clockid = CLOCK_MONOTONIC;
	uint8_t *p;

	if (f->failed)
		return f->failed;
	p = calloc(1, total);
	if (!p)
		return -ENOMEM;
	memcpy(p, "PERFILE2", 8);
	put64(p + 8, HEADER_BYTES);
	put64(p + 16, ATTR_BYTES + 16);
	put64(p + 24, attrs);
	put64(p + 32, ATTR_BYTES + 16);
	put64(p + 40, data);
	put64(p + 48, f->len);
	/* The attribute: type, size, config, period, sample_type, read_format, flags. */
	put32(p + attrs, PERF_TYPE_HARDWARE);
	put32(p + attrs + 4, ATTR_BYTES);
	put64(p + attrs + 24, SAMPLE_TYPE);
	if (f->monotonic) {
		flags |= 1ull << 25;	/* use_clockid */
		memcpy(p + attrs + 92, &clockid, 4);
	}
	put64(p + attrs + 40, flags);
	put64(p + attrs + ATTR_BYTES, ids);
	put64(p + attrs + ATTR_BYTES + 8, 8);
	put64(p + ids, 1);
	memcpy(p + data, f->data, f->len);
	*out = p;
	*out_len = total;
	return 0;
}

int pw_write_file(struct pw_file *f, const char *path)
{
	uint8_t *buf;
	size_t len;
	FILE *out;
	int err = pw_finish(f, &buf, &len);

	if (err)
		return err;
	out = fopen(path, "we");
	if (!out) {
		free(buf);
		return -errno;
	}
	err = fwrite(buf, 1, len, out) == len ? 0 : -EIO;
	free(buf);
	return fclose(out) || err ? -EIO : 0;
}

void pw_free(struct pw_file *f)
{
	free(f->data);
	memset(f, 0, sizeof(*f));
}
