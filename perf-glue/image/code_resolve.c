// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * code_decode_passes(): the resolution of ambiguous reads by whole
 * passes that the ETMv4 and the Intel PT decoders share (code_resolve.h
 * says how).  What differs between them, the decoder and what agreeing
 * with the trace means, is theirs, given as callbacks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/code_resolve.h"

static const struct code_choice *find_choice(const struct code_pass *pass, size_t change)
{
	size_t i;

	for (i = 0; i < pass->nr_choices; i++)
		if (pass->choices[i].r.piece == pass->piece && pass->choices[i].r.change == change)
			return &pass->choices[i];
	return NULL;
}

/* Remember an ambiguous read with no choice yet: resolution decides it later. */
static void note_undecided(struct code_pass *pass, size_t change)
{
	struct code_resolution *u;
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++)
		if (pass->undecided[i].piece == pass->piece && pass->undecided[i].change == change)
			return;
	u = realloc(pass->undecided, (pass->nr_undecided + 1) * sizeof(*u));
	if (!u) {
		pass->err = -ENOMEM;
		return;
	}
	pass->undecided = u;
	u += pass->nr_undecided++;
	memset(u, 0, sizeof(*u));
	u->piece = pass->piece;
	u->change = change;
	u->addr = pass->img->changes[change].addr;
	u->time = pass->time;
	u->chosen = CODE_CANDIDATE_OLD;
}

enum code_candidate code_pass_choose(size_t change, void *arg)
{
	struct code_pass *pass = arg;
	const struct code_choice *c = find_choice(pass, change);

	if (c)
		return c->r.chosen;
	note_undecided(pass, change);
	return CODE_CANDIDATE_OLD;
}

void code_pass_note_window(struct code_pass *pass, size_t change)
{
	if (!find_choice(pass, change))
		note_undecided(pass, change);
}

static int run_pass(const struct code_pass_ops *ops, const void *arg,
		    const struct code_image *img, struct code_pass *pass,
		    const struct code_choice *choices, size_t nr_choices)
{
	memset(pass, 0, ops->pass_size);
	pass->img = img;
	pass->choices = choices;
	pass->nr_choices = nr_choices;
	return ops->run(pass, arg);
}

/* Whether candidate @c of @u, with the choices before it, agrees with the trace. */
static int try_candidate(const struct code_pass_ops *ops, const void *arg,
			 const struct code_image *img, struct code_pass *trial,
			 const struct code_choice *choices, size_t nr_choices,
			 const struct code_resolution *u, enum code_candidate c, bool *agrees)
{
	int err = run_pass(ops, arg, img, trial, choices, nr_choices);

	*agrees = false;
	if (err && err != -ENOMEM && ops->trial_errors_reject)
		err = 0;
	else if (!err)
		*agrees = ops->consistent(trial, u->piece, u->change, c);
	ops->free(trial);
	return err;
}

/*
 * Try every candidate of @choice, one of @choices, with the others as
 * they are; keep in it the ones the trace agrees with and the one it
 * then takes: the one that agrees, or with none or several, the old
 * bytes (the resolution says so).
 */
static int try_candidates(const struct code_pass_ops *ops, const void *arg,
			  const struct code_image *img, struct code_choice *choices,
			  size_t nr_choices, struct code_choice *choice)
{
	struct code_pass *trial = malloc(ops->pass_size);
	enum code_candidate c;
	bool agrees;
	int err = 0;

	if (!trial)
		return -ENOMEM;
	choice->r.consistent = 0;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES && !err; c++) {
		if (!code_candidate_of(&img->changes[choice->r.change], c))
			continue;
		choice->r.chosen = c;
		err = try_candidate(ops, arg, img, trial, choices, nr_choices, &choice->r, c,
				    &agrees);
		if (!err && agrees)
			choice->r.consistent |= 1u << c;
	}
	free(trial);
	choice->r.chosen = CODE_CANDIDATE_OLD;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES; c++)
		if (choice->r.consistent == 1u << c)
			choice->r.chosen = c;
	return err;
}

/* Resolve @u with the choices so far: it becomes the next choice. */
static int resolve(const struct code_pass_ops *ops, const void *arg,
		   const struct code_image *img, struct code_choice *choices,
		   size_t nr_choices, const struct code_resolution *u)
{
	struct code_choice *choice = &choices[nr_choices];

	choice->r = *u;
	choice->reached = true;
	return try_candidates(ops, arg, img, choices, nr_choices + 1, choice);
}

/*
 * Whether another reached read's window overlaps @choice's: the
 * decoders judge a candidate by the walk over its piece and the next,
 * so a read there decoded with the wrong bytes can make every candidate
 * of @choice look wrong.
 */
static bool has_neighbour(const struct code_choice *choices, size_t nr_choices,
			  const struct code_choice *choice)
{
	size_t i;

	for (i = 0; i < nr_choices; i++) {
		const struct code_choice *o = &choices[i];

		if (o != choice && o->reached && o->r.piece + 1 >= choice->r.piece &&
		    choice->r.piece + 1 >= o->r.piece)
			return true;
	}
	return false;
}

/*
 * A read no candidate explained was tried with the later reads of its
 * windows still on their old bytes; try it again now that they are
 * resolved.  *@changed says whether a choice changed, which asks for
 * another pass (and may change what the others see).
 */
static int retry_unexplained(const struct code_pass_ops *ops, const void *arg,
			     const struct code_image *img, struct code_choice *choices,
			     size_t nr_choices, bool *changed)
{
	size_t i;
	int err = 0;

	*changed = false;
	for (i = 0; i < nr_choices && !err; i++) {
		struct code_choice *choice = &choices[i];
		struct code_resolution before = choice->r;

		if (!choice->reached || choice->r.consistent ||
		    !has_neighbour(choices, nr_choices, choice))
			continue;
		err = try_candidates(ops, arg, img, choices, nr_choices, choice);
		if (choice->r.consistent != before.consistent || choice->r.chosen != before.chosen)
			*changed = true;
	}
	return err;
}

/* Whether the pass with the choices as they are agrees with both @a and @b. */
static int pair_agrees(const struct code_pass_ops *ops, const void *arg,
		       const struct code_image *img, struct code_pass *trial,
		       const struct code_choice *choices, size_t nr_choices,
		       const struct code_choice *a, const struct code_choice *b, bool *agrees)
{
	int err = run_pass(ops, arg, img, trial, choices, nr_choices);

	*agrees = false;
	if (err && err != -ENOMEM && ops->trial_errors_reject)
		err = 0;
	else if (!err)
		*agrees = ops->consistent(trial, a->r.piece, a->r.change, a->r.chosen) &&
			  ops->consistent(trial, b->r.piece, b->r.change, b->r.chosen);
	ops->free(trial);
	return err;
}

/*
 * Two neighbouring reads that no candidate explained alone may explain
 * the trace together (both ran other bytes than the old): try every pair
 * of their candidates.  Exactly one pair agreeing decides both.
 */
static int try_pairs(const struct code_pass_ops *ops, const void *arg,
		     const struct code_image *img, struct code_choice *choices,
		     size_t nr_choices, struct code_choice *a, struct code_choice *b,
		     bool *changed)
{
	struct code_pass *trial = malloc(ops->pass_size);
	enum code_candidate ca, cb, best_a = CODE_CANDIDATE_OLD, best_b = CODE_CANDIDATE_OLD;
	unsigned int found = 0;
	bool agrees;
	int err = 0;

	if (!trial)
		return -ENOMEM;
	for (ca = CODE_CANDIDATE_OLD; ca < CODE_NR_CANDIDATES && !err; ca++) {
		for (cb = CODE_CANDIDATE_OLD; cb < CODE_NR_CANDIDATES && !err; cb++) {
			if (!code_candidate_of(&img->changes[a->r.change], ca) ||
			    !code_candidate_of(&img->changes[b->r.change], cb))
				continue;
			a->r.chosen = ca;
			b->r.chosen = cb;
			err = pair_agrees(ops, arg, img, trial, choices, nr_choices, a, b,
					  &agrees);
			if (!err && agrees) {
				found++;
				best_a = ca;
				best_b = cb;
			}
		}
	}
	free(trial);
	a->r.chosen = b->r.chosen = CODE_CANDIDATE_OLD;
	if (!err && found == 1) {
		a->r.chosen = best_a;
		a->r.consistent = 1u << best_a;
		b->r.chosen = best_b;
		b->r.consistent = 1u << best_b;
		*changed = true;
	}
	return err;
}

/* Whether @o is a reached read no candidate explained, a neighbour of @choice. */
static bool unexplained_neighbour(const struct code_choice *choice, const struct code_choice *o)
{
	return o->reached && !o->r.consistent && o->r.piece + 1 >= choice->r.piece &&
	       choice->r.piece + 1 >= o->r.piece;
}

/* Try pairs of neighbouring reads that stay unexplained, each read in one pair at most. */
static int pair_unexplained(const struct code_pass_ops *ops, const void *arg,
			    const struct code_image *img, struct code_choice *choices,
			    size_t nr_choices, bool *changed)
{
	size_t i, j;
	int err = 0;

	*changed = false;
	for (i = 0; i < nr_choices && !err; i++) {
		if (!choices[i].reached || choices[i].r.consistent)
			continue;
		for (j = i + 1; j < nr_choices; j++)
			if (unexplained_neighbour(&choices[i], &choices[j]))
				break;
		if (j < nr_choices)
			err = try_pairs(ops, arg, img, choices, nr_choices, &choices[i],
					&choices[j], changed);
	}
	return err;
}

/* The first undecided read of @pass in trace order that the walk reached, or NULL. */
static const struct code_resolution *first_reached(const struct code_pass_ops *ops,
						  const struct code_pass *pass)
{
	const struct code_resolution *first = NULL;
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++) {
		const struct code_resolution *u = &pass->undecided[i];

		if ((!first || u->piece < first->piece) &&
		    ops->reached(pass, u->piece, u->change))
			first = u;
	}
	return first;
}

/*
 * Reads of a site the walk never reached (the decoders read code ahead
 * of the walk: OpenCSD a page at a time, libipt up to 15 bytes from an
 * instruction on) need no resolution: any answer does.  Those in pieces
 * before the first reached one are settled at once; those in its piece
 * or later may be reached once it is resolved, and wait (other windows
 * of its batch reached in the same piece are resolved in the rounds
 * after).  -E2BIG past CODE_MAX_CHOICES.
 */
static int settle_unreached(const struct code_pass *pass, const struct code_resolution *reached,
			    struct code_choice *choices, size_t *nr_choices)
{
	size_t i;

	for (i = 0; i < pass->nr_undecided; i++) {
		const struct code_resolution *u = &pass->undecided[i];

		if (reached && u->piece >= reached->piece)
			continue;
		if (*nr_choices == CODE_MAX_CHOICES)
			return -E2BIG;
		choices[*nr_choices].r = *u;
		choices[*nr_choices].reached = false;
		(*nr_choices)++;
	}
	return 0;
}

/* The resolutions of the reads the walk reached, in the order they were made. */
static int keep_resolutions(const struct code_choice *choices, size_t nr_choices,
			    struct code_resolution **resolutions, size_t *nr_resolutions)
{
	size_t i;

	*nr_resolutions = 0;
	*resolutions = calloc(nr_choices ? nr_choices : 1, sizeof(**resolutions));
	if (!*resolutions)
		return -ENOMEM;
	for (i = 0; i < nr_choices; i++)
		if (choices[i].reached)
			(*resolutions)[(*nr_resolutions)++] = choices[i].r;
	return 0;
}

/* One round: resolve the first reached read of @pass, settle the unreached before it. */
static int next_round(const struct code_pass_ops *ops, const void *arg, struct code_pass *pass,
		      struct code_choice *choices, size_t *nr_choices)
{
	const struct code_resolution *u = first_reached(ops, pass);
	int err = settle_unreached(pass, u, choices, nr_choices);

	if (!err && u && *nr_choices == CODE_MAX_CHOICES)
		err = -E2BIG;
	if (!err && u)
		err = resolve(ops, arg, pass->img, choices, (*nr_choices)++, u);
	if (err == -E2BIG)
		snprintf(pass->error, sizeof(pass->error),
			 "more than %d ambiguous reads to resolve", CODE_MAX_CHOICES);
	return err;
}

int code_decode_passes(const struct code_pass_ops *ops, const void *arg,
		       const struct code_image *img, struct code_pass *last,
		       struct code_resolution **resolutions, size_t *nr_resolutions,
		       char *error, size_t error_len)
{
	struct code_choice *choices = calloc(CODE_MAX_CHOICES + 1, sizeof(*choices));
	size_t nr_choices = 0;
	unsigned int retries = 0;
	bool paired = false;
	int err;

	*resolutions = NULL;
	*nr_resolutions = 0;
	*error = '\0';
	if (!choices)
		return -ENOMEM;
	for (;;) {
		bool changed = false;

		err = run_pass(ops, arg, img, last, choices, nr_choices);
		if (err)
			break;
		if (last->nr_undecided)
			err = next_round(ops, arg, last, choices, &nr_choices);
		else if (retries++ < CODE_MAX_RETRIES)
			err = retry_unexplained(ops, arg, img, choices, nr_choices, &changed);
		if (!err && !last->nr_undecided && !changed && !paired) {
			paired = true;
			err = pair_unexplained(ops, arg, img, choices, nr_choices, &changed);
		}
		if (err || (!last->nr_undecided && !changed))
			break;
		ops->free(last);
	}
	if (!err)
		err = keep_resolutions(choices, nr_choices, resolutions, nr_resolutions);
	else
		snprintf(error, error_len, "%s", last->error);
	free(choices);
	if (err)
		ops->free(last);
	return err;
}
