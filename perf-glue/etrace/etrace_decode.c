// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * etrace_decode(): parse the packets, walk them, and resolve every
 * ambiguous read by trying each candidate on a copy of the walk over
 * the packets of that piece and the next (etrace_decode.h says why).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "etrace/etrace_internal.h"

/* As the ETMv4 path: each resolution costs a trial per candidate. */
#define MAX_CHOICES	4096

int etrace_add_choice(struct etrace_decoder *dec, const struct etrace_choice *c)
{
	struct etrace_choices *cs = dec->choices;
	size_t n = dec->w.nr_choices;

	if (n == MAX_CHOICES)
		return etrace_fail(dec, -E2BIG, "more than %d ambiguous reads", MAX_CHOICES);
	if (array_make_room(&cs->v, &cs->cap, n, sizeof(*cs->v), 16))
		return -ENOMEM;
	cs->v[n] = *c;
	dec->w.nr_choices++;
	return 0;
}

/* Whether @dec, a trial, has walked past its last piece before the next packet. */
static bool trial_done(const struct etrace_decoder *dec)
{
	const struct etrace_packet *p = &dec->packets[dec->w.packet];

	return dec->w.piece > dec->last_piece ||
	       (etrace_packet_time_before(p) && dec->w.piece >= dec->last_piece);
}

static int trial_walk(struct etrace_decoder *trial, bool want_trap, bool *consistent);

/*
 * A trial met a read of another site in flight with no choice yet (a
 * batch of many sites reached in one piece): it agrees if one of that
 * site's candidates lets it walk on.  Those trials take the old bytes
 * of any further site, so each costs at most the square of the
 * candidates.
 */
static int trial_neighbour(const struct etrace_decoder *trial, const struct etrace_walk *from,
			   bool want_trap, bool *consistent)
{
	const struct code_change *site = &trial->img->changes[trial->pending_change];
	enum code_candidate c;
	int err = 0;

	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES && !err && !*consistent; c++) {
		struct etrace_decoder next = *trial;
		struct etrace_choice choice = { 0 };

		if (!code_candidate_of(site, c))
			continue;
		next.trial_neighbours = false;
		next.w = *from;
		choice.r.piece = trial->w.piece;
		choice.r.change = trial->pending_change;
		choice.r.chosen = c;
		err = etrace_add_choice(&next, &choice);
		if (!err)
			err = trial_walk(&next, want_trap, consistent);
	}
	return err;
}

/*
 * Walk a trial over its pieces: *@consistent when it does without a
 * fault and traps at its site exactly when @want_trap.  Only running
 * out of memory or choices is an error.
 */
static int trial_walk(struct etrace_decoder *trial, bool want_trap, bool *consistent)
{
	*consistent = false;
	while (trial->w.packet < trial->nr_packets && !trial_done(trial)) {
		struct etrace_walk from = trial->w;
		int err = etrace_process_packet(trial);

		if (err == -EAGAIN)
			return trial_neighbour(trial, &from, want_trap, consistent);
		if (err == -ENOMEM || err == -E2BIG)
			return err;
		if (err)
			return 0;
	}
	*consistent = trial->trial_trapped == want_trap;
	return 0;
}

/* Whether candidate @c of @change walks the packets that follow @from without a fault. */
static int try_candidate(const struct etrace_decoder *dec, const struct etrace_walk *from,
			 size_t change, enum code_candidate c, bool *consistent)
{
	struct etrace_decoder trial = *dec;
	struct etrace_choice choice = { 0 };
	int err;

	*consistent = false;
	trial.trial = true;
	trial.trial_neighbours = true;
	trial.w = *from;
	trial.last_piece = dec->w.piece + 1;
	trial.trial_site = dec->img->changes[change].addr;
	trial.trial_trapped = false;
	choice.r.piece = dec->w.piece;
	choice.r.change = change;
	choice.r.chosen = c;
	err = etrace_add_choice(&trial, &choice);
	if (!err)
		err = trial_walk(&trial, c == CODE_CANDIDATE_TRAP, consistent);
	return err;
}

/*
 * The walk stopped at an undecided read of dec->pending_change with the
 * state @from of the packet's start: try each candidate, keep the one
 * that agrees (the old bytes if none or several do, and say so).
 */
static int resolve(struct etrace_decoder *dec, const struct etrace_walk *from)
{
	size_t change = dec->pending_change;
	const struct code_change *site = &dec->img->changes[change];
	struct etrace_choice choice = { .reached = true };
	enum code_candidate c;
	bool ok;
	int err;

	choice.r.piece = dec->w.piece;
	choice.r.change = change;
	choice.r.addr = site->addr;
	choice.r.time = dec->w.time;
	for (c = CODE_CANDIDATE_OLD; c < CODE_NR_CANDIDATES; c++) {
		if (!code_candidate_of(site, c))
			continue;
		err = try_candidate(dec, from, change, c, &ok);
		if (err)
			return err;
		if (ok)
			choice.r.consistent |= 1u << c;
	}
	choice.r.chosen = CODE_CANDIDATE_OLD;
	if (code_resolution_unique(&choice.r))
		choice.r.chosen = __builtin_ctz(choice.r.consistent);
	/* Again from the start of the packet, with the choice made. */
	dec->w = *from;
	return etrace_add_choice(dec, &choice);
}

static int decode_packets(struct etrace_decoder *dec)
{
	while (dec->w.packet < dec->nr_packets) {
		struct etrace_walk from = dec->w;
		int err = etrace_process_packet(dec);

		if (err == -EAGAIN) {
			err = resolve(dec, &from);
			if (err == -E2BIG)
				etrace_fail(dec, err, "more than %d ambiguous reads", MAX_CHOICES);
		}
		if (err)
			return err;
	}
	return 0;
}

static int keep_result(struct etrace_decoder *dec, struct etrace_decode_result *res)
{
	size_t i;

	res->elements = dec->elements;
	res->nr_elements = dec->w.nr_elements;
	dec->elements = NULL;
	res->nr_pieces = dec->w.piece + 1;
	res->resolutions = calloc(dec->w.nr_choices + 1, sizeof(*res->resolutions));
	if (!res->resolutions)
		return -ENOMEM;
	for (i = 0; i < dec->w.nr_choices; i++)
		if (dec->choices->v[i].reached)
			res->resolutions[res->nr_resolutions++] = dec->choices->v[i].r;
	return 0;
}

int etrace_decode(const struct etrace_decode_options *opts, const struct code_image *img,
		  const uint8_t *trace, size_t len, struct etrace_decode_result *res)
{
	struct etrace_choices choices = { 0 };
	struct etrace_packet *packets = NULL;
	struct etrace_decoder dec = {
		.opts = opts, .img = img, .choices = &choices,
		.w = { .start_of_trace = true, .full_address = opts->config.full_address },
	};
	size_t nr_packets = 0;
	int err, kept;

	memset(res, 0, sizeof(*res));
	if (!img->frozen || !len) {
		snprintf(res->error, sizeof(res->error), len ? "the image is not frozen" : "no trace");
		return -EINVAL;
	}
	err = etrace_config_check(&opts->config, res->error, sizeof(res->error));
	if (!err)
		err = etrace_parse_packets(&opts->config, trace, len, &packets, &nr_packets,
					   res->error, sizeof(res->error));
	if (err)
		return err;
	res->nr_packets = nr_packets;
	dec.packets = packets;
	dec.nr_packets = nr_packets;
	err = decode_packets(&dec);
	if (err == -ENOMEM)
		snprintf(dec.error, sizeof(dec.error), "out of memory");
	/* What the walk reached stays: where a trace leaves the code is the point. */
	kept = keep_result(&dec, res);
	if (!err)
		err = kept;
	if (err)
		snprintf(res->error, sizeof(res->error), "%s", dec.error);
	free(dec.elements);
	free(choices.v);
	free(packets);
	return err;
}

void etrace_decode_result_free(struct etrace_decode_result *res)
{
	free(res->elements);
	free(res->resolutions);
	res->elements = NULL;
	res->resolutions = NULL;
	res->nr_elements = res->nr_resolutions = 0;
}

void etrace_element_format(const struct etrace_element *e, char *buf, size_t len)
{
	if (e->type == ETRACE_ELEM_INSN)
		snprintf(buf, len, "pc 0x%llx", (unsigned long long)e->addr);
	else if (e->interrupt)
		snprintf(buf, len, "trap interrupt cause %llu", (unsigned long long)e->ecause);
	else
		snprintf(buf, len, "trap exception cause %llu epc 0x%llx tval 0x%llx",
			 (unsigned long long)e->ecause, (unsigned long long)e->addr,
			 (unsigned long long)e->tval);
}
