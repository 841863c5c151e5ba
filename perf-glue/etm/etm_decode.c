// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * etm_decode(): split the trace at the timestamp packets where the image
 * changes, decode it, and resolve every ambiguous read by trying each
 * candidate (etm_decode.h says why and how).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etm/etm_internal.h"

/* Each resolution costs a few passes; a trace with more is not a test of ours. */
#define MAX_CHOICES	4096

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

static void pass_setup(struct etm_pass *pass, const struct etm_decode_options *opts,
		       const struct code_image *img, const uint8_t *trace, size_t len,
		       const struct etm_piece *pieces, size_t nr_pieces,
		       const struct etm_choice *choices, size_t nr_choices)
{
	memset(pass, 0, sizeof(*pass));
	pass->opts = opts;
	pass->img = img;
	pass->trace = trace;
	pass->len = len;
	pass->pieces = pieces;
	pass->nr_pieces = nr_pieces;
	pass->choices = choices;
	pass->nr_choices = nr_choices;
	pass->tree = C_API_INVALID_TREE_HANDLE;
}

/* Try every candidate of @u with the choices so far; fill in @choice. */
static int resolve(const struct etm_pass *base, struct etm_choice *choices, size_t nr_choices,
		   const struct code_resolution *u)
{
	struct etm_choice *choice = &choices[nr_choices];
	enum code_candidate c;
	int err = 0;

	choice->r = *u;
	choice->reached = true;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES && !err; c++) {
		struct etm_pass pass;

		if (c == CODE_CANDIDATE_TRAP &&
		    base->img->changes[u->change].backend != TP_BACKEND_BREAKPOINT)
			continue;
		choice->r.chosen = c;
		pass_setup(&pass, base->opts, base->img, base->trace, base->len, base->pieces,
			   base->nr_pieces, choices, nr_choices + 1);
		/* A corrupt trace failed the first pass: an error here is this candidate's. */
		if (etm_run_pass(&pass) == -ENOMEM)
			err = -ENOMEM;
		else if (!pass.err &&
			 etm_pass_consistent(&pass, base->img, u->piece, u->change, c))
			choice->r.consistent |= 1u << c;
		etm_pass_free(&pass);
	}
	/* The one that agrees; with none or several, the old bytes, and the result says so. */
	choice->r.chosen = CODE_CANDIDATE_OLD;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES; c++)
		if (choice->r.consistent == 1u << c)
			choice->r.chosen = c;
	return err;
}

/* The first undecided read of @pass in trace order that the walk reached, or NULL. */
static const struct code_resolution *first_reached(const struct etm_pass *pass,
						  const struct code_image *img)
{
	const struct code_resolution *first = NULL;
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++) {
		const struct code_resolution *u = &pass->undecided[i];

		if ((!first || u->piece < first->piece) &&
		    etm_pass_reached(pass, img, u->piece, u->change))
			first = u;
	}
	return first;
}

/*
 * Reads of a site the walk never reached (OpenCSD reads code a page at a
 * time) need no resolution: any answer does.  Those up to the first
 * reached one are settled at once; later ones may be reached once that
 * one is resolved.  -E2BIG past MAX_CHOICES.
 */
static int settle_unreached(const struct etm_pass *pass, const struct code_resolution *reached,
			    struct etm_choice *choices, size_t *nr_choices)
{
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++) {
		const struct code_resolution *u = &pass->undecided[i];

		if (u == reached || (reached && u->piece > reached->piece))
			continue;
		if (*nr_choices == MAX_CHOICES)
			return -E2BIG;
		choices[*nr_choices].r = *u;
		choices[*nr_choices].reached = false;
		(*nr_choices)++;
	}
	return 0;
}

static int keep_result(struct etm_pass *pass, const struct etm_choice *choices, size_t nr_choices,
		       struct etm_decode_result *res)
{
	size_t i;

	res->elements = pass->elements;
	res->nr_elements = pass->nr_elements;
	pass->elements = NULL;
	res->resolutions = calloc(nr_choices ? nr_choices : 1, sizeof(*res->resolutions));
	if (!res->resolutions)
		return -ENOMEM;
	for (i = 0; i < nr_choices; i++)
		if (choices[i].reached)
			res->resolutions[res->nr_resolutions++] = choices[i].r;
	return 0;
}

static int decode_pieces(const struct etm_decode_options *opts, const struct code_image *img,
			 const uint8_t *trace, size_t len, const struct etm_piece *pieces,
			 size_t nr_pieces, struct etm_decode_result *res)
{
	struct etm_choice *choices = calloc(MAX_CHOICES + 1, sizeof(*choices));
	size_t nr_choices = 0;
	struct etm_pass pass;
	int err;

	if (!choices)
		return -ENOMEM;
	for (;;) {
		const struct code_resolution *u;

		pass_setup(&pass, opts, img, trace, len, pieces, nr_pieces, choices, nr_choices);
		err = etm_run_pass(&pass);
		if (err || !pass.nr_undecided)
			break;
		u = first_reached(&pass, img);
		err = settle_unreached(&pass, u, choices, &nr_choices);
		if (!err && u && nr_choices == MAX_CHOICES)
			err = -E2BIG;
		if (!err && u)
			err = resolve(&pass, choices, nr_choices++, u);
		if (err == -E2BIG)
			snprintf(pass.error, sizeof(pass.error),
				 "more than %d ambiguous reads to resolve", MAX_CHOICES);
		etm_pass_free(&pass);
		if (err)
			break;
	}
	if (!err)
		err = keep_result(&pass, choices, nr_choices, res);
	else
		snprintf(res->error, sizeof(res->error), "%s", pass.error);
	etm_pass_free(&pass);
	free(choices);
	return err;
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
	if (!err)
		err = decode_pieces(opts, img, trace, len, pieces, nr_pieces, res);
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
