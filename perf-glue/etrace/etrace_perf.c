// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * E-Trace out of a perf.data: what `perf record -e rvtrace/.../` (Linux's
 * RISC-V trace driver) writes is one PERF_RECORD_AUXTRACE per copy of
 * a CPU's AUX buffer, its payload the encapsulated packets.  One CPU's
 * payloads, in the order of the file, are that CPU's trace.  perf pads
 * each payload to 8 bytes with zeros, which inside a packet would be
 * corruption: where the kernel's PERF_RECORD_AUX records (with the CPU
 * in their sample_id) say how much of the buffer was written, the
 * padding is left out.  A reader of this one kind of AUX data, on the
 * checked perf.data reader.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etrace/etrace_decode.h"
#include "perfdata/perf_read.h"

/* The fields of PERF_RECORD_AUXTRACE after its header. */
struct auxtrace_fields {
	uint64_t size, offset, reference;
	uint32_t idx, tid, cpu, reserved;
};

#define AUXTRACE_RECORD_SIZE	(8 + sizeof(struct auxtrace_fields))
/* perf's padding of an AUXTRACE payload: less than this. */
#define AUXTRACE_ALIGN		8

/* A PERF_RECORD_AUX: what the kernel wrote into a CPU's AUX buffer. */
struct aux_range {
	uint32_t cpu;
	uint64_t offset, size;
};

struct aux_ranges {
	struct aux_range *v;
	size_t nr, cap;
};

/* The AUX records whose CPU is known (sample_id_all with PERF_SAMPLE_CPU). */
static int collect_aux(struct perf_file *f, struct aux_ranges *r)
{
	struct perf_record rec;
	uint64_t pos = 0;

	while (perf_file_next(f, &pos, &rec) == 1) {
		const struct perf_attr_info *attr;
		struct aux_range a;
		struct sample_id sid;

		if (rec.type != PERF_RECORD_AUX || rec.size < 8 + 24)
			continue;
		attr = perf_file_attr_of(f, &rec);
		if (!attr || !(attr->attr.sample_type & PERF_SAMPLE_CPU) ||
		    !perf_record_sample_id(f, &rec, &sid))
			continue;
		a.cpu = sid.cpu;
		memcpy(&a.offset, rec.data + 8, 8);
		memcpy(&a.size, rec.data + 16, 8);
		if (r->nr == r->cap) {
			size_t cap = r->cap ? 2 * r->cap : 64;
			struct aux_range *v = realloc(r->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			r->v = v;
			r->cap = cap;
		}
		r->v[r->nr++] = a;
	}
	return 0;
}

/*
 * How much of the payload of @a is data: the end of the last AUX range
 * of its CPU inside it, when that leaves out padding only; else all.
 */
static uint64_t data_size(const struct aux_ranges *r, const struct auxtrace_fields *a)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < r->nr; i++) {
		const struct aux_range *x = &r->v[i];

		if (x->cpu == a->cpu && x->offset >= a->offset && x->size <= a->size &&
		    x->offset - a->offset <= a->size - x->size &&
		    x->offset - a->offset + x->size > end)
			end = x->offset - a->offset + x->size;
	}
	return end && a->size - end < AUXTRACE_ALIGN ? end : a->size;
}

bool etrace_perf_is_perf_data(const uint8_t *buf, size_t len)
{
	uint64_t magic;

	if (len < sizeof(magic))
		return false;
	memcpy(&magic, buf, sizeof(magic));
	return magic == PERF_MAGIC2;
}

static int append(uint8_t **trace, size_t *len, size_t *cap, const uint8_t *bytes, size_t n)
{
	if (!n)
		return 0;
	if (n > *cap - *len) {
		size_t want = *cap ? *cap : 4096;
		uint8_t *v;

		while (want - *len < n)
			want *= 2;
		v = realloc(*trace, want);
		if (!v)
			return -ENOMEM;
		*trace = v;
		*cap = want;
	}
	memcpy(*trace + *len, bytes, n);
	*len += n;
	return 0;
}

/* One AUXTRACE record: its payload appended when it is of *@cpu (chosen by the first, at -1). */
static int take_record(const struct aux_ranges *r, const struct perf_record *rec, int *cpu,
		       uint8_t **trace, size_t *len, size_t *cap, char *error, size_t error_len)
{
	struct auxtrace_fields a;

	if (rec->size < AUXTRACE_RECORD_SIZE) {
		snprintf(error, error_len, "AUXTRACE record of %zu bytes: too short", rec->size);
		return -EINVAL;
	}
	memcpy(&a, rec->data + 8, sizeof(a));
	if (*cpu < 0)
		*cpu = a.cpu;
	if (a.cpu != (uint32_t)*cpu)
		return 1;
	return append(trace, len, cap, rec->data + rec->size, data_size(r, &a));
}

int etrace_perf_trace(const uint8_t *buf, size_t size, int cpu, bool *several_cpus,
		      uint8_t **trace, size_t *len, char *error, size_t error_len)
{
	struct aux_ranges ranges = { 0 };
	struct perf_file f;
	struct perf_record rec;
	uint64_t pos = 0;
	size_t cap = 0;
	int err, n = 0;

	*trace = NULL;
	*len = 0;
	*several_cpus = false;
	err = perf_file_parse(&f, buf, size);
	if (err) {
		snprintf(error, error_len, "%s", f.error);
		return err;
	}
	err = collect_aux(&f, &ranges);
	while (!err && (n = perf_file_next(&f, &pos, &rec)) == 1) {
		if (rec.type != PERF_RECORD_AUXTRACE_TYPE)
			continue;
		err = take_record(&ranges, &rec, &cpu, trace, len, &cap, error, error_len);
		if (err == 1) {
			*several_cpus = true;
			err = 0;
		}
	}
	if (!err && n < 0) {
		err = n;
		snprintf(error, error_len, "%s", f.error);
	}
	free(ranges.v);
	perf_file_close(&f);
	if (!err && !*len) {
		err = -ENODATA;
		if (cpu < 0)
			snprintf(error, error_len, "no AUXTRACE data");
		else
			snprintf(error, error_len, "no AUXTRACE data of CPU %d", cpu);
	}
	if (err == -ENOMEM)
		snprintf(error, error_len, "out of memory");
	if (err) {
		free(*trace);
		*trace = NULL;
		*len = 0;
		return err;
	}
	return 0;
}
