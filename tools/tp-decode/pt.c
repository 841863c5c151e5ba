// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode --format pt: Intel PT with libipt on the code image
 * (perf-glue/pt/), from a raw trace (-t) or from the perf.data of perf
 * record -e intel_pt//u (-i), whose queues are decoded one by one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp-decode.h"
#include "pt/pt_perf.h"

/* One Intel PT decode's path, then what stayed ambiguous: the exit status (gaps: 1). */
static int report_pt(const struct pt_args *a, const struct code_image *img, const char *trace,
		     struct pt_decode_result *res)
{
	char text[256];
	size_t i;
	int err;

	for (i = 0; i < res->nr_elements; i++) {
		const struct pt_element *e = &res->elements[i];
		const struct code_symbol *sym;
		uint64_t offset;

		if (a->ranges && e->type != PT_ELEM_RANGE)
			continue;
		pt_element_format(e, text, sizeof(text));
		/* Where the binaries name it: the function holding the start. */
		sym = e->type == PT_ELEM_RANGE || e->type == PT_ELEM_TRAP ||
		      e->type == PT_ELEM_ENABLED ? code_image_symbol(img, e->start, &offset) : NULL;
		if (sym)
			printf("%s %s+0x%" PRIx64 "\n", text, sym->name, offset);
		else
			printf("%s\n", text);
	}
	fflush(stdout);
	if (img->nr_changes && res->nr_pieces == 1 && !a->ignore_events)
		fprintf(stderr, "tp-decode: warning: no timing packet of %s is later than a change: "
			"does its TSC convert to CLOCK_MONOTONIC ns (-c)?\n", trace);
	err = report_resolutions(res->resolutions, res->nr_resolutions);
	if (res->nr_gaps) {
		fprintf(stderr, "tp-decode: %s: %zu gap%s where the trace does not fit the code\n",
			trace, res->nr_gaps, res->nr_gaps == 1 ? "" : "s");
		err = 1;
	}
	return err;
}

static int load_pt_config(const struct pt_args *a, struct pt_decode_options *opts)
{
	char error[256];

	opts->ignore_events = a->ignore_events;
	if (a->config && pt_config_load(a->config, &opts->config, error, sizeof(error))) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->config, error);
		return 1;
	}
	return 0;
}

int decode_pt_trace(const struct pt_args *a, struct code_image *img)
{
	struct pt_decode_options opts = { 0 };
	struct pt_decode_result res;
	uint8_t *trace = NULL;
	size_t len = 0;
	int err;

	err = load_pt_config(a, &opts);
	if (err)
		return err;
	err = load_trace_inputs(a->events, a->trace, img, &trace, &len);
	if (err)
		return err;
	err = pt_decode(&opts, img, trace, len, &res);
	free(trace);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->trace, res.error);
		return 1;
	}
	err = report_pt(a, img, a->trace, &res);
	pt_decode_result_free(&res);
	return err;
}

/*
 * Besides the -b files, the code of every other executable mapping whose
 * file is there (a trap's signal handler runs in the library's): its
 * regions that no -b file covers, and their functions' names.  A mapping
 * that cannot be read is left out, as if it had not been recorded.
 */
static int add_other_mappings(struct auxtrace_data *d, struct code_image *img)
{
	struct auxtrace_image_options o = { .ignore_events = true };
	struct code_image all;
	size_t i, first = img->nr_regions;
	int err = 0;

	code_image_init(&all);
	if (auxtrace_load_image(d, &o, &all)) {
		code_image_free(&all);
		return 0;
	}
	for (i = 0; i < all.nr_regions && !err; i++) {
		const struct code_region *r = &all.regions[i];

		err = code_image_add_region(img, r->addr, r->bytes, r->size);
		if (err == -EINVAL)
			err = 0;		/* a -b file's code: the user's file wins */
	}
	for (i = 0; i < all.nr_symbols && !err; i++) {
		const struct code_symbol *s = &all.symbols[i];
		size_t k;

		for (k = first; k < img->nr_regions; k++)
			if (s->addr - img->regions[k].addr < img->regions[k].size)
				break;
		if (k < img->nr_regions)
			err = code_image_take_symbol(img, s);
	}
	code_image_free(&all);
	return err;
}

/*
 * The code image of a perf.data: the binaries its executable mappings
 * name, the -b files instead of theirs; the textpoke records merged into
 * it (tp-perf inject) and those of -e.  Frozen.
 */
static int load_perf_image(const struct pt_args *a, struct auxtrace_data *d, struct code_image *img)
{
	struct auxtrace_image_options o = { .ignore_events = a->ignore_events };
	int err = 0;

	if (!a->have_files)
		err = auxtrace_load_image(d, &o, img);
	else
		err = add_other_mappings(d, img);
	if (!err && a->have_files && !a->ignore_events)
		err = code_image_add_perf_data(img, a->perf_data);
	if (!err && a->events && !a->ignore_events)
		err = code_image_add_perf_data(img, a->events);
	if (!err)
		err = code_image_freeze(img);
	if (err)
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, img->error);
	return err ? 1 : 0;
}

/* Each queue (CPU or thread) of the perf.data's Intel PT, decoded on its own. */
static int decode_pt_queues(const struct pt_args *a, struct auxtrace_data *d,
			    const struct pt_decode_options *base, bool time_zero,
			    const struct code_image *img)
{
	int status = 0;
	size_t i;

	for (i = 0; i < d->nr_queues; i++) {
		const struct auxtrace_queue *q = &d->queues[i];
		struct pt_decode_options opts = *base;
		struct pt_decode_result res;
		uint8_t *trace;
		size_t len;
		int err;

		if (pt_perf_queue_trace(d, q, &trace, &len))
			return 1;
		if (d->nr_queues > 1)
			printf("queue %u cpu %d tid %d\n", q->idx, (int)q->cpu, (int)q->tid);
		if (!time_zero && pt_perf_anchor_clock(d, q, trace, len, &opts.config.time))
			fprintf(stderr, "tp-decode: %s: queue %u: no ITRACE_START or no TSC: its "
				"TSC has no origin on the events' clock\n", a->perf_data, q->idx);
		err = pt_decode(&opts, img, trace, len, &res);
		free(trace);
		if (err) {
			fprintf(stderr, "tp-decode: %s: queue %u: %s\n", a->perf_data, q->idx,
				res.error);
			return 1;
		}
		err = report_pt(a, img, a->perf_data, &res);
		pt_decode_result_free(&res);
		if (err == 1 || (err && !status))
			status = err;
	}
	return status;
}

int decode_pt_perf(const struct pt_args *a, struct code_image *img)
{
	struct pt_decode_options opts = { 0 };
	struct pt_perf_info info;
	struct auxtrace_data d;
	char error[256];
	int err;

	err = load_pt_config(a, &opts);
	if (err)
		return err;
	err = auxtrace_open(&d, a->perf_data);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data,
			err == -EINVAL ? d.error : strerror(-err));
		return 1;
	}
	err = pt_perf_info(&d, &info, error, sizeof(error));
	if (err)
		fprintf(stderr, "tp-decode: %s: %s\n", a->perf_data, error);
	else
		err = load_perf_image(a, &d, img);
	if (!err) {
		/* The file's parameters; the CPU, the filter and a clock offset from -c. */
		struct pt_decode_config c = opts.config;

		opts.config = info.config;
		opts.config.cpu_family = c.cpu_family;
		opts.config.cpu_model = c.cpu_model;
		opts.config.cpu_stepping = c.cpu_stepping;
		opts.config.addr_cfg = c.addr_cfg;
		memcpy(opts.config.addr_a, c.addr_a, sizeof(c.addr_a));
		memcpy(opts.config.addr_b, c.addr_b, sizeof(c.addr_b));
		opts.config.time.offset = c.time.offset;
		err = decode_pt_queues(a, &d, &opts, info.time_zero, img);
	}
	auxtrace_close(&d);
	/* A negative errno is an input this cannot use: status 1. */
	return err < 0 ? 1 : err;
}
