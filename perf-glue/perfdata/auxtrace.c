// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hardware-trace records of a perf.data file, collected for the
 * decoders (auxtrace.h).  The layouts are perf's (perf_event.h and
 * tools/lib/perf/include/perf/event.h); each is checked against its
 * record's size before a field is read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "array.h"
#include "perfdata/auxtrace.h"

/* More would be a corrupt file, not a trace unit's configuration. */
#define MAX_INFO_WORDS	(1u << 16)

static int fail(struct auxtrace_data *d, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->error, sizeof(d->error), fmt, ap);
	va_end(ap);
	return err;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t file_offset(const struct auxtrace_data *d, const struct perf_record *rec)
{
	return rec->data - d->file.buf;
}

static int add_info(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_info *info = &d->info;
	size_t i, nr;

	/* header, u32 type, u32 reserved, u64 priv[] */
	if (rec->size < 16 || (rec->size - 16) % 8)
		return fail(d, -EINVAL, "AUXTRACE_INFO record of %zu bytes", rec->size);
	if (info->present)
		return fail(d, -EINVAL, "a second AUXTRACE_INFO record at %llu",
			    (unsigned long long)file_offset(d, rec));
	nr = (rec->size - 16) / 8;
	if (nr > MAX_INFO_WORDS)
		return fail(d, -EINVAL, "AUXTRACE_INFO of %zu words", nr);
	info->priv = calloc(nr ? nr : 1, sizeof(*info->priv));
	if (!info->priv)
		return -ENOMEM;
	for (i = 0; i < nr; i++)
		info->priv[i] = get64(rec->data + 16 + 8 * i);
	info->nr_priv = nr;
	info->type = get32(rec->data + 8);
	info->present = true;
	return 0;
}

static int add_buffer(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_buffer *b;

	/* header, size, offset, reference, idx, tid, cpu, reserved; then the payload */
	if (rec->size < 48)
		return fail(d, -EINVAL, "AUXTRACE record of %zu bytes", rec->size);
	if (array_make_room(&d->buffers, &d->cap_buffers, d->nr_buffers, sizeof(*b), 16))
		return -ENOMEM;
	b = &d->buffers[d->nr_buffers++];
	b->size = get64(rec->data + 8);
	b->offset = get64(rec->data + 16);
	b->reference = get64(rec->data + 24);
	b->idx = get32(rec->data + 32);
	b->tid = get32(rec->data + 36);
	b->cpu = get32(rec->data + 40);
	b->data = rec->data + rec->size;	/* perf_file_next() checked the payload */
	b->file_offset = file_offset(d, rec);
	return 0;
}

static void sample_time(struct auxtrace_data *d, const struct perf_record *rec,
			uint64_t *time, uint32_t *cpu)
{
	struct sample_id sid;

	if (perf_record_sample_id(&d->file, rec, &sid)) {
		*time = sid.time;
		if (cpu)
			*cpu = sid.cpu;
	}
}

static int add_mmap(struct auxtrace_data *d, const struct perf_record *rec)
{
	bool two = rec->type == PERF_RECORD_MMAP2;
	size_t head = two ? 72 : 40;	/* up to the file name */
	struct auxtrace_mmap *m;
	const char *name;

	if (rec->size <= head)
		return fail(d, -EINVAL, "MMAP record of %zu bytes at %llu", rec->size,
			    (unsigned long long)file_offset(d, rec));
	name = (const char *)rec->data + head;
	if (!memchr(name, '\0', rec->size - head))
		return fail(d, -EINVAL, "MMAP record at %llu: file name not terminated",
			    (unsigned long long)file_offset(d, rec));
	if (array_make_room(&d->mmaps, &d->cap_mmaps, d->nr_mmaps, sizeof(*m), 16))
		return -ENOMEM;
	m = &d->mmaps[d->nr_mmaps++];
	memset(m, 0, sizeof(*m));
	m->pid = get32(rec->data + 8);
	m->tid = get32(rec->data + 12);
	m->addr = get64(rec->data + 16);
	m->len = get64(rec->data + 24);
	m->pgoff = get64(rec->data + 32);
	m->filename = name;
	if (two) {
		m->prot = get32(rec->data + 64);
		m->exec = m->prot & PROT_EXEC;
		/* The build-id form of MMAP2 replaces the device and inode. */
		if (rec->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
			m->build_id_size = rec->data[40];
			if (m->build_id_size > sizeof(m->build_id))
				return fail(d, -EINVAL, "MMAP2 build-id of %u bytes",
					    m->build_id_size);
			memcpy(m->build_id, rec->data + 44, m->build_id_size);
		}
	} else {
		/* MMAP has no protection: perf sets DATA for the other ones. */
		m->exec = !(rec->misc & PERF_RECORD_MISC_MMAP_DATA);
		m->prot = m->exec ? PROT_READ | PROT_EXEC : PROT_READ;
	}
	sample_time(d, rec, &m->time, NULL);
	return 0;
}

static int add_time_conv(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_time_conv *tc = &d->time_conv;

	/* shift, mult, zero; then (since 5.11) cycles, mask and two flags */
	if (rec->size < 32)
		return fail(d, -EINVAL, "TIME_CONV record of %zu bytes", rec->size);
	memset(tc, 0, sizeof(*tc));
	tc->time_shift = get64(rec->data + 8);
	tc->time_mult = get64(rec->data + 16);
	tc->time_zero = get64(rec->data + 24);
	if (rec->size >= 58) {
		tc->time_cycles = get64(rec->data + 32);
		tc->time_mask = get64(rec->data + 40);
		tc->cap_user_time_zero = rec->data[48];
		tc->cap_user_time_short = rec->data[49];
	} else {
		tc->cap_user_time_zero = true;
	}
	if (tc->time_shift >= 64)
		return fail(d, -EINVAL, "TIME_CONV shift of %llu",
			    (unsigned long long)tc->time_shift);
	tc->present = true;
	return 0;
}

static int add_start(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_start *s;

	if (rec->size < 16)
		return fail(d, -EINVAL, "ITRACE_START record of %zu bytes", rec->size);
	if (array_make_room(&d->starts, &d->cap_starts, d->nr_starts, sizeof(*s), 16))
		return -ENOMEM;
	s = &d->starts[d->nr_starts++];
	memset(s, 0, sizeof(*s));
	s->pid = get32(rec->data + 8);
	s->tid = get32(rec->data + 12);
	s->cpu = AUXTRACE_NONE;
	sample_time(d, rec, &s->time, &s->cpu);
	return 0;
}

static int add_aux(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_aux *a;

	if (rec->size < 32)
		return fail(d, -EINVAL, "AUX record of %zu bytes", rec->size);
	if (array_make_room(&d->aux, &d->cap_aux, d->nr_aux, sizeof(*a), 16))
		return -ENOMEM;
	a = &d->aux[d->nr_aux++];
	memset(a, 0, sizeof(*a));
	a->offset = get64(rec->data + 8);
	a->size = get64(rec->data + 16);
	a->flags = get64(rec->data + 24);
	a->cpu = AUXTRACE_NONE;
	sample_time(d, rec, &a->time, &a->cpu);
	return 0;
}

static int add_hw_id(struct auxtrace_data *d, const struct perf_record *rec)
{
	struct auxtrace_hw_id *h;

	if (rec->size < 16)
		return fail(d, -EINVAL, "AUX_OUTPUT_HW_ID record of %zu bytes", rec->size);
	if (array_make_room(&d->hw_ids, &d->cap_hw_ids, d->nr_hw_ids, sizeof(*h), 16))
		return -ENOMEM;
	h = &d->hw_ids[d->nr_hw_ids++];
	memset(h, 0, sizeof(*h));
	h->hw_id = get64(rec->data + 8);
	h->cpu = AUXTRACE_NONE;
	sample_time(d, rec, &h->time, &h->cpu);
	return 0;
}

static int count_poke(struct auxtrace_data *d, const struct perf_record *rec)
{
	const struct perf_attr_info *a = perf_file_attr_of(&d->file, rec);
	struct text_poke poke;

	if (!a)
		return fail(d, -EINVAL, "%s", d->file.error);
	if (text_poke_parse(rec->data, rec->size, a->attr.sample_type, &poke))
		return fail(d, -EINVAL, "a corrupt TEXT_POKE record at %llu",
			    (unsigned long long)file_offset(d, rec));
	d->nr_text_pokes += poke.has_tail;
	return 0;
}

static int add_record(struct auxtrace_data *d, const struct perf_record *rec)
{
	switch (rec->type) {
	case PERF_RECORD_AUXTRACE_INFO_TYPE: return add_info(d, rec);
	case PERF_RECORD_AUXTRACE_TYPE: return add_buffer(d, rec);
	case PERF_RECORD_MMAP:
	case PERF_RECORD_MMAP2: return add_mmap(d, rec);
	case PERF_RECORD_TIME_CONV_TYPE: return add_time_conv(d, rec);
	case PERF_RECORD_ITRACE_START: return add_start(d, rec);
	case PERF_RECORD_AUX: return add_aux(d, rec);
	case PERF_RECORD_AUX_OUTPUT_HW_ID: return add_hw_id(d, rec);
	case PERF_RECORD_TEXT_POKE: return count_poke(d, rec);
	case PERF_RECORD_COMPRESSED_TYPE:
		return fail(d, -EINVAL, "compressed records (perf record -z): record without -z");
	default: return 0;
	}
}

/* The queues' order: by AUX offset, equal offsets in file order. */
static int by_offset(const void *a, const void *b, void *arg)
{
	const struct auxtrace_buffer *buffers = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (buffers[i].offset != buffers[j].offset)
		return buffers[i].offset < buffers[j].offset ? -1 : 1;
	return i < j ? -1 : i > j;
}

static struct auxtrace_queue *queue_for(struct auxtrace_data *d, uint32_t idx)
{
	return (struct auxtrace_queue *)auxtrace_queue_of(d, idx);
}

static int make_queues(struct auxtrace_data *d)
{
	size_t i;

	d->queues = calloc(d->nr_buffers ? d->nr_buffers : 1, sizeof(*d->queues));
	if (!d->queues)
		return -ENOMEM;
	for (i = 0; i < d->nr_buffers; i++) {
		const struct auxtrace_buffer *b = &d->buffers[i];
		struct auxtrace_queue *q = queue_for(d, b->idx);

		if (!q) {
			q = &d->queues[d->nr_queues++];
			q->idx = b->idx;
			q->cpu = b->cpu;
			q->tid = b->tid;
			q->buffers = calloc(d->nr_buffers, sizeof(*q->buffers));
			if (!q->buffers)
				return -ENOMEM;
		}
		q->buffers[q->nr_buffers++] = i;
	}
	for (i = 0; i < d->nr_queues; i++)
		qsort_r(d->queues[i].buffers, d->queues[i].nr_buffers, sizeof(size_t), by_offset,
			d->buffers);
	return 0;
}

static int collect(struct auxtrace_data *d)
{
	struct perf_record rec;
	uint64_t pos = 0;
	int more, err;

	while ((more = perf_file_next(&d->file, &pos, &rec)) > 0) {
		err = add_record(d, &rec);
		if (err)
			return err == -ENOMEM ? fail(d, err, "out of memory") : err;
	}
	if (more < 0)
		return fail(d, more, "%s", d->file.error);
	err = make_queues(d);
	return err ? fail(d, err, "out of memory") : 0;
}

static void reset(struct auxtrace_data *d)
{
	memset(d, 0, sizeof(*d));
}

int auxtrace_parse(struct auxtrace_data *d, const uint8_t *buf, size_t size)
{
	int err;

	reset(d);
	err = perf_file_parse(&d->file, buf, size);
	if (err)
		return fail(d, err, "%s", d->file.error);
	err = collect(d);
	if (err) {
		char why[sizeof(d->error)];

		memcpy(why, d->error, sizeof(why));
		auxtrace_close(d);
		memcpy(d->error, why, sizeof(why));
	}
	return err;
}

int auxtrace_open(struct auxtrace_data *d, const char *path)
{
	int err;

	reset(d);
	err = perf_file_open(&d->file, path);
	if (err)
		return fail(d, err, "%s", d->file.error);
	err = collect(d);
	if (err) {
		char why[sizeof(d->error)];

		memcpy(why, d->error, sizeof(why));
		auxtrace_close(d);
		memcpy(d->error, why, sizeof(why));
	}
	return err;
}

void auxtrace_close(struct auxtrace_data *d)
{
	size_t i;

	for (i = 0; d->queues && i < d->nr_queues; i++)
		free(d->queues[i].buffers);
	free(d->queues);
	free(d->buffers);
	free(d->mmaps);
	free(d->starts);
	free(d->aux);
	free(d->hw_ids);
	free(d->info.priv);
	perf_file_close(&d->file);
	reset(d);
}

const struct auxtrace_queue *auxtrace_queue_of(const struct auxtrace_data *d, uint32_t idx)
{
	size_t i;

	for (i = 0; i < d->nr_queues; i++)
		if (d->queues[i].idx == idx)
			return &d->queues[i];
	return NULL;
}

uint64_t auxtrace_cycles_to_time(const struct auxtrace_time_conv *tc, uint64_t cycles)
{
	uint64_t whole, part;

	if (!tc->present)
		return cycles;
	/* A short counter wrapped since time_cycles: extend it from there. */
	if (tc->cap_user_time_short)
		cycles = tc->time_cycles + ((cycles - tc->time_cycles) & tc->time_mask);
	/* mult * cycles >> shift without the 128-bit product. */
	whole = cycles >> tc->time_shift;
	part = cycles & ((1ull << tc->time_shift) - 1);
	return tc->time_zero + whole * tc->time_mult + ((part * tc->time_mult) >> tc->time_shift);
}
