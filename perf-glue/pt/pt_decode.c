// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pt_decode(): decode the trace with libipt on the code image, and
 * resolve every ambiguous read by trying each candidate (pt_decode.h
 * says why, image/code_resolve.h how): this file gives the driver a
 * libipt pass and says what agreeing with the trace means for it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pt/pt_internal.h"

/* What every pass decodes. */
struct pt_input {
	const struct pt_decode_options *opts;
	const uint8_t *trace;
	size_t len;
};

static bool in_window(const struct pt_element *e, size_t piece)
{
	return e->piece == piece || e->piece == piece + 1;
}

/*
 * Whether the pass agrees with candidate @c at @change in @piece: libipt
 * decoded that piece and the next without a gap, and the trace shows a
 * trap at the site if and only if @c is the trap.
 */
static bool pass_consistent(const struct code_pass *cp, size_t piece, size_t change,
			    enum code_candidate c)
{
	const struct pt_pass *pass = (const struct pt_pass *)cp;
	const struct code_change *site = &pass->cp.img->changes[change];
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
static bool pass_reached(const struct code_pass *cp, size_t piece, size_t change)
{
	const struct pt_pass *pass = (const struct pt_pass *)cp;
	const struct code_change *site = &pass->cp.img->changes[change];
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

/* The driver's passes: struct code_pass is the first member of struct pt_pass. */
static int run_pass(struct code_pass *cp, const void *arg)
{
	struct pt_pass *pass = (struct pt_pass *)cp;
	const struct pt_input *in = arg;

	pass->opts = in->opts;
	pass->trace = in->trace;
	pass->len = in->len;
	return pt_run_pass(pass);
}

static void free_pass(struct code_pass *cp)
{
	pt_pass_free((struct pt_pass *)cp);
}

static const struct code_pass_ops pt_pass_ops = {
	.pass_size = sizeof(struct pt_pass),
	.run = run_pass,
	.free = free_pass,
	.consistent = pass_consistent,
	.reached = pass_reached,
};

int pt_decode(const struct pt_decode_options *opts, const struct code_image *img,
	      const uint8_t *trace, size_t len, struct pt_decode_result *res)
{
	const struct pt_input in = { .opts = opts, .trace = trace, .len = len };
	struct pt_pass pass;
	int err;

	memset(res, 0, sizeof(*res));
	if (!img->frozen || !len) {
		snprintf(res->error, sizeof(res->error), len ? "the image is not frozen" : "no trace");
		return -EINVAL;
	}
	err = code_decode_passes(&pt_pass_ops, &in, img, &pass.cp, &res->resolutions,
				 &res->nr_resolutions, res->error, sizeof(res->error));
	if (err) {
		if (!*res->error)
			snprintf(res->error, sizeof(res->error), "%s", strerror(-err));
		pt_decode_result_free(res);
		return err;
	}
	res->elements = pass.elements;
	res->nr_elements = pass.nr_elements;
	pass.elements = NULL;
	res->nr_pieces = pass.cp.piece + 1;
	res->nr_gaps = pass.nr_gaps;
	res->timed = pass.timed;
	pt_pass_free(&pass);
	return 0;
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
