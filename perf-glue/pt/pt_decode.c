// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pt_decode(): decode the trace with libipt on the code image, and
 * resolve every ambiguous read by trying each candidate (pt_decode.h
 * says why and how).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_internal.h"

/* Each resolution costs a few passes; a trace with more is not a test of ours. */
#define MAX_CHOICES	4096

static void pass_setup(struct pt_pass *pass, const struct pt_decode_options *opts,
		       const struct code_image *img, const uint8_t *trace, size_t len,
		       const struct pt_choice *choices, size_t nr_choices)
{
	memset(pass, 0, sizeof(*pass));
	pass->opts = opts;
	pass->img = img;
	pass->trace = trace;
	pass->len = len;
	pass->choices = choices;
	pass->nr_choices = nr_choices;
}

static bool in_window(const struct pt_element *e, size_t piece)
{
	return e->piece == piece || e->piece == piece + 1;
}

/*
 * Whether the pass agrees with candidate @c at @change in @piece: libipt
 * decoded that piece and the next without a gap, and the trace shows a
 * trap at the site if and only if @c is the trap.
 */
static bool pass_consistent(const struct pt_pass *pass, size_t piece, size_t change,
			    enum code_candidate c)
{
	const struct code_change *site = &pass->img->changes[change];
	bool trapped = false;
	size_t i;

	for (i = 0; i < pass->nr_elements; i++) {
		const struct pt_element *e = &pass->elements[i];

		if (!in_window(e, piece))
			continue;
		if (e->type == PT_ELEM_GAP)
			return false;
		if (e->type == PT_ELEM_TRAP && e->piece == piece && e->start == site->addr)
			trapped = true;
	}
	return trapped == (c == CODE_CANDIDATE_TRAP);
}

/* Whether the pass walked over the site of @change in @piece (or trapped there). */
static bool pass_reached(const struct pt_pass *pass, size_t piece, size_t change)
{
	const struct code_change *site = &pass->img->changes[change];
	size_t i;

	for (i = 0; i < pass->nr_elements; i++) {
		const struct pt_element *e = &pass->elements[i];

		if (e->piece != piece)
			continue;
		if (e->type == PT_ELEM_RANGE && e->start < site->addr + site->len &&
		    site->addr < e->end)
			return true;
		if (e->type == PT_ELEM_TRAP && e->start == site->addr)
			return true;
	}
	return false;
}

/* Try every candidate of @u with the choices so far; fill in the next choice. */
static int resolve(const struct pt_pass *base, struct pt_choice *choices, size_t nr_choices,
		   const struct code_resolution *u)
{
	struct pt_choice *choice = &choices[nr_choices];
	enum code_candidate c;
	int err = 0;

	choice->r = *u;
	choice->reached = true;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES && !err; c++) {
		struct pt_pass pass;

		if (c == CODE_CANDIDATE_TRAP &&
		    base->img->changes[u->change].backend != TP_BACKEND_BREAKPOINT)
			continue;
		choice->r.chosen = c;
		pass_setup(&pass, base->opts, base->img, base->trace, base->len, choices,
			   nr_choices + 1);
		err = pt_run_pass(&pass);
		if (!err && pass_consistent(&pass, u->piece, u->change, c))
			choice->r.consistent |= 1u << c;
		pt_pass_free(&pass);
	}
	/* The one that agrees; with none or several, the old bytes, and the result says so. */
	choice->r.chosen = CODE_CANDIDATE_OLD;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES; c++)
		if (choice->r.consistent == 1u << c)
			choice->r.chosen = c;
	return err;
}

/* The first undecided read of @pass in trace order that the walk reached, or NULL. */
static const struct code_resolution *first_reached(const struct pt_pass *pass)
{
	const struct code_resolution *first = NULL;
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++) {
		const struct code_resolution *u = &pass->undecided[i];

		if ((!first || u->piece < first->piece) && pass_reached(pass, u->piece, u->change))
			first = u;
	}
	return first;
}

/*
 * Reads of a site the walk never reached (libipt reads up to 15 bytes
 * from an instruction on) need no resolution: any answer does.  Those up
 * to the first reached one are settled at once; later ones may be
 * reached once that one is resolved.  -E2BIG past MAX_CHOICES.
 */
static int settle_unreached(const struct pt_pass *pass, const struct code_resolution *reached,
			    struct pt_choice *choices, size_t *nr_choices)
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

static int keep_result(struct pt_pass *pass, const struct pt_choice *choices, size_t nr_choices,
		       struct pt_decode_result *res)
{
	size_t i;

	res->elements = pass->elements;
	res->nr_elements = pass->nr_elements;
	pass->elements = NULL;
	res->nr_pieces = pass->piece + 1;
	res->nr_gaps = pass->nr_gaps;
	res->timed = pass->timed;
	res->resolutions = calloc(nr_choices ? nr_choices : 1, sizeof(*res->resolutions));
	if (!res->resolutions)
		return -ENOMEM;
	for (i = 0; i < nr_choices; i++)
		if (choices[i].reached)
			res->resolutions[res->nr_resolutions++] = choices[i].r;
	return 0;
}

int pt_decode(const struct pt_decode_options *opts, const struct code_image *img,
	      const uint8_t *trace, size_t len, struct pt_decode_result *res)
{
	struct pt_choice *choices;
	size_t nr_choices = 0;
	struct pt_pass pass;
	int err;

	memset(res, 0, sizeof(*res));
	if (!img->frozen || !len) {
		snprintf(res->error, sizeof(res->error), len ? "the image is not frozen" : "no trace");
		return -EINVAL;
	}
	choices = calloc(MAX_CHOICES + 1, sizeof(*choices));
	if (!choices)
		return -ENOMEM;
	for (;;) {
		const struct code_resolution *u;

		pass_setup(&pass, opts, img, trace, len, choices, nr_choices);
		err = pt_run_pass(&pass);
		if (err || !pass.nr_undecided)
			break;
		u = first_reached(&pass);
		err = settle_unreached(&pass, u, choices, &nr_choices);
		if (!err && u && nr_choices == MAX_CHOICES)
			err = -E2BIG;
		if (!err && u)
			err = resolve(&pass, choices, nr_choices++, u);
		if (err == -E2BIG)
			snprintf(pass.error, sizeof(pass.error),
				 "more than %d ambiguous reads to resolve", MAX_CHOICES);
		if (err)
			break;
		pt_pass_free(&pass);
	}
	if (!err)
		err = keep_result(&pass, choices, nr_choices, res);
	else
		snprintf(res->error, sizeof(res->error), "%s",
			 *pass.error ? pass.error : strerror(-err));
	pt_pass_free(&pass);
	free(choices);
	if (err)
		pt_decode_result_free(res);
	return err;
}

void pt_decode_result_free(struct pt_decode_result *res)
{
	free(res->elements);
	free(res->resolutions);
	res->elements = NULL;
	res->resolutions = NULL;
	res->nr_elements = res->nr_resolutions = 0;
}

static const char *gap_reason(int error)
{
	if (error == -PT_GAP_NO_PROGRESS)
		return "the code loops without trace";
	if (error == -PT_GAP_BAD_DISABLE)
		return "TIP.PGD is not the target of the direct branch before it";
	return pt_errstr(pt_errcode(error));
}

void pt_element_format(const struct pt_element *e, char *buf, size_t len)
{
	switch (e->type) {
	case PT_ELEM_RANGE:
		snprintf(buf, len, "range 0x%" PRIx64 "-0x%" PRIx64 " %zu %s", e->start, e->end,
			 e->nr_insns, e->taken ? "E" : "N");
		break;
	case PT_ELEM_ENABLED:
		snprintf(buf, len, "enabled 0x%" PRIx64, e->start);
		break;
	case PT_ELEM_DISABLED:
		snprintf(buf, len, "disabled");
		break;
	case PT_ELEM_TRAP:
		snprintf(buf, len, "trap 0x%" PRIx64, e->start);
		break;
	case PT_ELEM_OVERFLOW:
		snprintf(buf, len, "overflow 0x%" PRIx64, e->start);
		break;
	case PT_ELEM_GAP:
		snprintf(buf, len, "gap at trace offset 0x%" PRIx64 ": %s", e->offset,
			 gap_reason(e->error));
		break;
	}
}
