// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * E-Trace out of a perf.data: what `perf record -e rvtrace/.../` (Linux's
 * RISC-V trace driver) writes is one PERF_RECORD_AUXTRACE per copy of
 * a CPU's AUX buffer, its payload the encapsulated packets.  One CPU's
 * payloads, in the order of the file, are that CPU's trace.  perf pads
 * each payload to 8 bytes with zeros, which inside a packet would be
 * corruption: where the kernel's PERF_RECORD_AUX records (with the CPU
 * in their sample_id) say how much of the buffer was written, the
 * padding is left out.  The records come from perfdata/auxtrace.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etrace/etrace_decode.h"
#include "perfdata/auxtrace.h"

/* perf's padding of an AUXTRACE payload: less than this. */
#define AUXTRACE_ALIGN		8

bool etrace_perf_is_perf_data(const uint8_t *buf, size_t len)
{
	uint64_t magic;

	if (len < sizeof(magic))
		return false;
	memcpy(&magic, buf, sizeof(magic));
	return magic == PERF_MAGIC2;
}

/*
 * How much of the payload of @b is data: the end of the last AUX range
 * of its CPU inside it, when that leaves out padding only; else all.
 */
static uint64_t data_size(const struct auxtrace_data *d, const struct auxtrace_buffer *b)
{
	uint64_t end = 0;
	size_t i;

	for (i = 0; i < d->nr_aux; i++) {
		const struct auxtrace_aux *x = &d->aux[i];

		if (x->cpu == b->cpu && x->offset >= b->offset && x->size <= b->size &&
		    x->offset - b->offset <= b->size - x->size &&
		    x->offset - b->offset + x->size > end)
			end = x->offset - b->offset + x->size;
	}
	return end && b->size - end < AUXTRACE_ALIGN ? end : b->size;
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

int etrace_perf_trace_of(const struct auxtrace_data *d, int cpu, bool *several_cpus,
			 uint8_t **trace, size_t *len, char *error, size_t error_len)
{
	size_t i, cap = 0;
	int err = 0;

	*trace = NULL;
	*len = 0;
	*several_cpus = false;
	for (i = 0; !err && i < d->nr_buffers; i++) {
		const struct auxtrace_buffer *b = &d->buffers[i];

		if (cpu < 0)
			cpu = b->cpu;
		if (b->cpu != (uint32_t)cpu)
			*several_cpus = true;
		else
			err = append(trace, len, &cap, b->data, data_size(d, b));
	}
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
	}
	return err;
}

int etrace_perf_trace(const uint8_t *buf, size_t size, int cpu, bool *several_cpus,
		      uint8_t **trace, size_t *len, char *error, size_t error_len)
{
	struct auxtrace_data d;
	int err = auxtrace_parse(&d, buf, size);

	*trace = NULL;
	*len = 0;
	*several_cpus = false;
	if (err) {
		snprintf(error, error_len, "%s", d.error);
		return err;
	}
	err = etrace_perf_trace_of(&d, cpu, several_cpus, trace, len, error, error_len);
	auxtrace_close(&d);
	return err;
}
