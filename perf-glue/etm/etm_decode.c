// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * etm_decode(): split the trace at the timestamp packets where the image
 * changes, decode it, and resolve every ambiguous read by trying each
 * candidate (etm_decode.h says why, image/code_resolve.h how): this file
 * gives the driver an OpenCSD pass over the pieces.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etm/etm_internal.h"

/*
 * The pieces: a new one right after each timestamp packet at which the
 * image has changed since the previous timestamp.  Before the first
 * timestamp, time 0: the binaries as they are.
 */
static int split_trace(const struct etm_decode_options *opts, const struct code_image *img,
		       const struct etm_timestamp *ts, size_t nr_ts, size_t len,
		       struct etm_piece **pieces, size_t *nr_pieces)
{
	struct etm_piece *p = calloc(nr_ts + 1, sizeof(*p));
	uint64_t before = 0;
	size_t i, n = 1;

	if (!p)
		return -ENOMEM;
	p[0].start = 0;
	p[0].time = 0;
	for (i = 0; i < nr_ts && !opts->ignore_events; i++) {
		if (code_image_changes_between(img, before, ts[i].value)) {
			p[n - 1].end = ts[i].end;
			p[n].start = ts[i].end;
			p[n].time = ts[i].value;
			n++;
		}
		before = ts[i].value;
	}
	p[n - 1].end = len;
	*pieces = p;
	*nr_pieces = n;
	return 0;
}

/* What every pass decodes. */
struct etm_input {
	const struct etm_decode_options *opts;
	const uint8_t *trace;
	size_t len;
	const struct etm_piece *pieces;
	size_t nr_pieces;
};

/* The driver's passes: struct code_pass is the first member of struct etm_pass. */
static int run_pass(struct code_pass *cp, const void *arg)
{
	struct etm_pass *pass = (struct etm_pass *)cp;
	const struct etm_input *in = arg;

	pass->opts = in->opts;
	pass->trace = in->trace;
	pass->len = in->len;
	pass->pieces = in->pieces;
	pass->nr_pieces = in->nr_pieces;
	pass->tree = C_API_INVALID_TREE_HANDLE;
	return etm_run_pass(pass);
}

static void free_pass(struct code_pass *cp)
{
	etm_pass_free((struct etm_pass *)cp);
}

static bool pass_consistent(const struct code_pass *cp, size_t piece, size_t change,
			    enum code_candidate c)
{
	return etm_pass_consistent((const struct etm_pass *)cp, cp->img, piece, change, c);
}

static bool pass_reached(const struct code_pass *cp, size_t piece, size_t change)
{
	return etm_pass_reached((const struct etm_pass *)cp, cp->img, piece, change);
}

static const struct code_pass_ops etm_pass_ops = {
	.pass_size = sizeof(struct etm_pass),
	.run = run_pass,
	.free = free_pass,
	.consistent = pass_consistent,
	.reached = pass_reached,
	/* A corrupt trace failed the first pass: an error in a trial is its candidate's. */
	.trial_errors_reject = true,
};

static int decode_pieces(const struct etm_input *in, const struct code_image *img,
			 struct etm_decode_result *res)
{
	struct etm_pass pass;
	int err;

	err = code_decode_passes(&etm_pass_ops, in, img, &pass.cp, &res->resolutions,
				 &res->nr_resolutions, res->error, sizeof(res->error));
	if (err)
		return err;
	res->elements = pass.elements;
	res->nr_elements = pass.nr_elements;
	pass.elements = NULL;
	etm_pass_free(&pass);
	return 0;
}

int etm_decode(const struct etm_decode_options *opts, const struct code_image *img,
	       const uint8_t *trace, size_t len, struct etm_decode_result *res)
{
	struct etm_timestamp *ts = NULL;
	struct etm_piece *pieces = NULL;
	size_t nr_ts = 0, nr_pieces = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if (!img->frozen || !len) {
		snprintf(res->error, sizeof(res->error), len ? "the image is not frozen" : "no trace");
		return -EINVAL;
	}
	/* OpenCSD would print its own view of every error; ours is res->error. */
	ocsd_def_errlog_init(OCSD_ERR_SEV_NONE, 0);
	err = etm_scan_packets(&opts->config, trace, len, &ts, &nr_ts, res->error,
			       sizeof(res->error));
	for (size_t i = 0; !err && opts->event_time && i < nr_ts; i++)
		ts[i].value = opts->event_time(opts->event_time_arg, ts[i].value);
	if (!err)
		err = split_trace(opts, img, ts, nr_ts, len, &pieces, &nr_pieces);
	if (!err) {
		const struct etm_input in = {
			.opts = opts, .trace = trace, .len = len,
			.pieces = pieces, .nr_pieces = nr_pieces,
		};

		err = decode_pieces(&in, img, res);
	}
	res->nr_pieces = nr_pieces;
	res->nr_timestamps = nr_ts;
	free(ts);
	free(pieces);
	if (err)
		etm_decode_result_free(res);
	return err;
}

void etm_decode_result_free(struct etm_decode_result *res)
{
	free(res->elements);
	free(res->resolutions);
	res->elements = NULL;
	res->resolutions = NULL;
	res->nr_elements = res->nr_resolutions = 0;
}

void etm_element_format(const struct etm_element *e, char *buf, size_t len)
{
	const ocsd_generic_trace_elem *el = &e->elem;

	if (el->elem_type == OCSD_GEN_TRC_ELEM_INSTR_RANGE)
		snprintf(buf, len, "range 0x%llx-0x%llx %u %s", (unsigned long long)el->st_addr,
			 (unsigned long long)el->en_addr, el->num_instr_range,
			 el->last_instr_exec ? "E" : "N");
	else if (ocsd_gen_elem_str(el, buf, (int)len) != OCSD_OK)
		snprintf(buf, len, "element %d", el->elem_type);
}
