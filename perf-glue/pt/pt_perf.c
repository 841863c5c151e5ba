// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The intel_pt side of a perf.data (pt_perf.h): AUXTRACE_INFO's words
 * and the attribute's config bits turned into libipt's configuration,
 * queues into traces, and the TSC's origin on the events' clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-pt.h>

#include "pt/pt_perf.h"

static int fail(char *error, size_t len, const char *what, unsigned long long value)
{
	snprintf(error, len, what, value);
	return -EINVAL;
}

static bool config_bit(uint64_t config, uint64_t bit)
{
	return bit < 64 && (config >> bit) & 1;
}

/* The intel_pt attribute: the one whose type is the PMU's. */
static const struct perf_attr_info *pt_attr(const struct auxtrace_data *d, uint64_t type)
{
	size_t i;

	for (i = 0; i < d->file.nr_attrs; i++)
		if (d->file.attrs[i].attr.type == type)
			return &d->file.attrs[i];
	return NULL;
}

static void copy_filter(const struct auxtrace_info *aux, struct pt_perf_info *info)
{
	uint64_t len;
	size_t i;

	if (aux->nr_priv <= PT_INFO_FILTER_STR_LEN)
		return;
	len = aux->priv[PT_INFO_FILTER_STR_LEN];
	for (i = 0; i < len && i + 1 < sizeof(info->filter) &&
		    PT_INFO_WORDS + i / 8 < aux->nr_priv; i++) {
		char c = (char)(aux->priv[PT_INFO_WORDS + i / 8] >> (8 * (i % 8)));

		if (!c)
			break;
		info->filter[i] = c;
	}
	info->filter[i] = '\0';
}

/* MTC, CYC and the CPU's frequencies: words newer perf versions write. */
static int timing_words(const struct auxtrace_info *aux, struct pt_perf_info *info, char *error,
			size_t error_len)
{
	const uint64_t *w = aux->priv;
	uint64_t freq_bits;

	if (aux->nr_priv <= PT_INFO_CYC_BIT)
		return 0;
	info->mtc = config_bit(info->attr_config, w[PT_INFO_MTC_BIT]);
	info->cyc = config_bit(info->attr_config, w[PT_INFO_CYC_BIT]);
	freq_bits = w[PT_INFO_MTC_FREQ_BITS];
	if (info->mtc) {
		if (freq_bits > 60)
			return fail(error, error_len, "intel_pt MTC frequency bits at %llu",
				    freq_bits);
		if (!w[PT_INFO_TSC_CTC_N] || !w[PT_INFO_TSC_CTC_D] ||
		    w[PT_INFO_TSC_CTC_N] > UINT32_MAX || w[PT_INFO_TSC_CTC_D] > UINT32_MAX)
			return fail(error, error_len, "intel_pt TSC:CTC ratio with %llu",
				    w[PT_INFO_TSC_CTC_N]);
		info->config.mtc_freq = (uint8_t)((info->attr_config >> freq_bits) & 0xf);
		/* CPUID 0x15: TSC = CTC * EBX / EAX. */
		info->config.cpuid_0x15_ebx = (uint32_t)w[PT_INFO_TSC_CTC_N];
		info->config.cpuid_0x15_eax = (uint32_t)w[PT_INFO_TSC_CTC_D];
	}
	if (aux->nr_priv > PT_INFO_MAX_NONTURBO_RATIO && info->cyc)
		info->config.nom_freq = (uint8_t)w[PT_INFO_MAX_NONTURBO_RATIO];
	return 0;
}

int pt_perf_info(const struct auxtrace_data *d, struct pt_perf_info *info, char *error,
		 size_t error_len)
{
	const struct auxtrace_info *aux = &d->info;
	const struct perf_attr_info *attr;
	const uint64_t *w = aux->priv;

	memset(info, 0, sizeof(*info));
	if (!aux->present || aux->type != AUXTRACE_TYPE_INTEL_PT) {
		snprintf(error, error_len, "no intel_pt AUXTRACE_INFO: not perf record -e intel_pt");
		return -EINVAL;
	}
	if (aux->nr_priv <= PT_INFO_PER_CPU_MMAPS)
		return fail(error, error_len, "intel_pt AUXTRACE_INFO of %llu words",
			    aux->nr_priv);
	attr = pt_attr(d, w[PT_INFO_PMU_TYPE]);
	if (!attr)
		return fail(error, error_len, "no attribute of the intel_pt PMU (type %llu)",
			    w[PT_INFO_PMU_TYPE]);
	if (w[PT_INFO_TIME_SHIFT] > 63 || !w[PT_INFO_TIME_MULT] ||
	    w[PT_INFO_TIME_MULT] > UINT32_MAX)
		return fail(error, error_len, "intel_pt TSC conversion with multiplier %llu",
			    w[PT_INFO_TIME_MULT]);
	info->attr_config = attr->attr.config;
	info->tsc = config_bit(info->attr_config, w[PT_INFO_TSC_BIT]);
	info->noretcomp = config_bit(info->attr_config, w[PT_INFO_NORETCOMP_BIT]);
	info->snapshot = w[PT_INFO_SNAPSHOT_MODE];
	info->per_cpu = w[PT_INFO_PER_CPU_MMAPS];
	info->config.time.shift = (uint16_t)w[PT_INFO_TIME_SHIFT];
	info->config.time.mult = (uint32_t)w[PT_INFO_TIME_MULT];
	info->config.time.zero = w[PT_INFO_TIME_ZERO];
	info->time_zero = w[PT_INFO_CAP_USER_TIME_ZERO];
	copy_filter(aux, info);
	return timing_words(aux, info, error, error_len);
}

/*
 * How many bytes of buffer @i of @q are trace: perf pads each AUXTRACE
 * payload to 8 bytes and counts the padding in its size, while the next
 * buffer's offset in the AUX area says where the trace went on.  The
 * last one's padding is zeros, PAD packets.
 */
static uint64_t trace_bytes(const struct auxtrace_data *d, const struct auxtrace_queue *q,
			    size_t i)
{
	const struct auxtrace_buffer *b = &d->buffers[q->buffers[i]], *next;

	if (i + 1 == q->nr_buffers)
		return b->size;
	next = &d->buffers[q->buffers[i + 1]];
	if (next->offset > b->offset && next->offset - b->offset < b->size)
		return next->offset - b->offset;
	return b->size;
}

int pt_perf_queue_trace(const struct auxtrace_data *d, const struct auxtrace_queue *q,
			uint8_t **trace, size_t *len)
{
	size_t i, total = 0, done = 0;

	for (i = 0; i < q->nr_buffers; i++) {
		uint64_t size = trace_bytes(d, q, i);

		if (size > SIZE_MAX - total)
			return -EOVERFLOW;
		total += size;
	}
	*trace = malloc(total ? total : 1);
	if (!*trace)
		return -ENOMEM;
	for (i = 0; i < q->nr_buffers; i++) {
		uint64_t size = trace_bytes(d, q, i);

		memcpy(*trace + done, d->buffers[q->buffers[i]].data, size);
		done += size;
	}
	*len = total;
	return 0;
}

/* The first TSC packet of @trace; false if it has none. */
static bool first_tsc(const uint8_t *trace, size_t len, uint64_t *tsc)
{
	struct pt_packet_decoder *dec;
	struct pt_config config;
	struct pt_packet pkt;
	bool found = false;

	pt_config_init(&config);
	config.begin = (uint8_t *)trace;
	config.end = (uint8_t *)trace + len;
	dec = pt_pkt_alloc_decoder(&config);
	if (!dec)
		return false;
	if (pt_pkt_sync_forward(dec) >= 0)
		while (!found && pt_pkt_next(dec, &pkt, sizeof(pkt)) >= 0)
			if (pkt.type == ppt_tsc) {
				*tsc = pkt.payload.tsc.tsc;
				found = true;
			}
	pt_pkt_free_decoder(dec);
	return found;
}

static const struct auxtrace_start *start_of(const struct auxtrace_data *d,
					     const struct auxtrace_queue *q)
{
	size_t i;

	for (i = 0; i < d->nr_starts; i++) {
		const struct auxtrace_start *s = &d->starts[i];

		if (!s->time)
			continue;
		if (q->cpu != AUXTRACE_NONE ? s->cpu == q->cpu : s->tid == q->tid)
			return s;
	}
	return NULL;
}

int pt_perf_anchor_clock(const struct auxtrace_data *d, const struct auxtrace_queue *q,
			 const uint8_t *trace, size_t len, struct pt_time_conv *conv)
{
	const struct auxtrace_start *s = start_of(d, q);
	struct pt_time_conv scale = *conv;
	uint64_t tsc;

	if (!s || !first_tsc(trace, len, &tsc))
		return -ENOENT;
	scale.zero = 0;
	scale.offset = 0;
	conv->zero = s->time - pt_time_convert(&scale, tsc);
	return 0;
}
