// SPDX-License-Identifier: GPL-2.0
/*
 * The resolution of ambiguous reads by whole passes (perf-glue's
 * image/code_resolve.c), which the ETMv4 and the Intel PT decoders
 * share, driven by a model decoder: its "trace" is a list of reads of
 * window sites, each reached by the walk or not, with the candidates the
 * trace agrees with, and the candidates whose pass fails.  No decoder
 * library: what is tested is the driver's own rules.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"

#include "image/code_resolve.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

/* One read of a window site in the model's trace. */
struct model_read {
	size_t piece, change;
	bool reached;
	unsigned int agrees;		/* bit per candidate the trace agrees with */
	unsigned int fails;		/* bit per candidate whose pass fails */
	int fail_err;			/* ... with this error */
};

struct model {
	const struct model_read *reads;
	size_t nr_reads;
	int first_err;			/* the first pass's error (a corrupt trace) */
	/*
	 * As the real decoders judge: a piece agrees only if every read of
	 * that piece and the next was decoded with a candidate the trace
	 * agrees with (a wrong one makes the walk leave the trace).
	 */
	bool piece_wide;
	size_t runs;
};

struct model_pass {
	struct code_pass cp;		/* first, as the driver wants */
	const struct model *m;
	enum code_candidate got[8];	/* what the first reads were decoded with */
};

/* Whether every read in @piece and the next was decoded with a candidate that agrees. */
static bool model_walk_agrees(const struct model_pass *pass, size_t piece)
{
	const struct model *m = pass->m;
	size_t i;

	for (i = 0; i < m->nr_reads && i < 8; i++) {
		const struct model_read *r = &m->reads[i];

		if ((r->piece == piece || r->piece == piece + 1) && r->reached &&
		    !(r->agrees & (1u << pass->got[i])))
			return false;
	}
	return true;
}

static int model_run(struct code_pass *cp, const void *arg)
{
	struct model_pass *pass = (struct model_pass *)cp;
	struct model *m = (struct model *)arg;
	size_t i;

	pass->m = m;
	if (m->runs++ == 0 && m->first_err) {
		snprintf(cp->error, sizeof(cp->error), "a corrupt trace");
		return cp->err = m->first_err;
	}
	for (i = 0; i < m->nr_reads && !cp->err; i++) {
		const struct model_read *r = &m->reads[i];
		enum code_candidate c;

		cp->piece = r->piece;
		c = code_pass_choose(r->change, cp);
		if (i < 8)
			pass->got[i] = c;
		if (r->fails & (1u << c)) {
			snprintf(cp->error, sizeof(cp->error), "candidate %d fails", c);
			cp->err = r->fail_err;
		}
	}
	return cp->err;
}

static void model_free(struct code_pass *cp)
{
	free(cp->undecided);
	cp->undecided = NULL;
	cp->nr_undecided = 0;
}

static const struct model_read *model_find(const struct code_pass *cp, size_t piece,
					   size_t change)
{
	const struct model *m = ((const struct model_pass *)cp)->m;
	size_t i;

	for (i = 0; i < m->nr_reads; i++)
		if (m->reads[i].piece == piece && m->reads[i].change == change)
			return &m->reads[i];
	return NULL;
}

static bool model_consistent(const struct code_pass *cp, size_t piece, size_t change,
			     enum code_candidate c)
{
	const struct model_pass *pass = (const struct model_pass *)cp;
	const struct model_read *r = model_find(cp, piece, change);

	if (pass->m->piece_wide && !model_walk_agrees(pass, piece))
		return false;
	return r && (r->agrees & (1u << c));
}

static bool model_reached(const struct code_pass *cp, size_t piece, size_t change)
{
	const struct model_read *r = model_find(cp, piece, change);

	return r && r->reached;
}

static const struct code_pass_ops model_ops = {
	.pass_size = sizeof(struct model_pass),
	.run = model_run,
	.free = model_free,
	.consistent = model_consistent,
	.reached = model_reached,
};

static const struct code_pass_ops model_ops_rejecting = {
	.pass_size = sizeof(struct model_pass),
	.run = model_run,
	.free = model_free,
	.consistent = model_consistent,
	.reached = model_reached,
	.trial_errors_reject = true,
};

#define BIT(c)	(1u << (c))

FIXTURE(resolve) {
	struct code_change changes[2];
	struct code_image img;
	struct model_pass last;
	struct code_resolution *res;
	size_t nr_res;
	char error[256];
};

FIXTURE_SETUP(resolve)
{
	memset(self->changes, 0, sizeof(self->changes));
	self->changes[0].addr = 0x1000;
	self->changes[0].backend = TP_BACKEND_NOSYNC;
	self->changes[1].addr = 0x2000;
	self->changes[1].backend = TP_BACKEND_BREAKPOINT;
	memset(&self->img, 0, sizeof(self->img));
	self->img.changes = self->changes;
	self->img.nr_changes = 2;
	self->img.frozen = true;
	self->res = NULL;
	self->nr_res = 0;
}

FIXTURE_TEARDOWN(resolve)
{
	free(self->res);
}

static int decode(FIXTURE_DATA(resolve) *self, const struct code_pass_ops *ops, struct model *m)
{
	int err;

	err = code_decode_passes(ops, m, &self->img, &self->last.cp, &self->res, &self->nr_res,
				 self->error, sizeof(self->error));
	if (!err)
		model_free(&self->last.cp);
	return err;
}

/* The one candidate the trace agrees with is chosen, and the last pass decodes with it. */
TEST_F(resolve, the_one_agreeing_candidate_is_chosen)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 1 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(1, self->nr_res);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[0].chosen);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[0].consistent);
	EXPECT_EQ(1, self->res[0].piece);
	EXPECT_EQ(0x1000, self->res[0].addr);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[0]);
	/* The first pass, a trial per candidate (no trap outside breakpoint windows), the last. */
	EXPECT_EQ(4, m.runs);
}

/* The trap is a candidate of a breakpoint window only. */
TEST_F(resolve, the_trap_is_tried_in_breakpoint_windows_only)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_TRAP) },
		{ .piece = 2, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_TRAP) },
	};
	struct model m = { .reads = reads, .nr_reads = 2 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(2, self->nr_res);
	EXPECT_EQ(0, self->res[0].change);
	EXPECT_EQ(0, self->res[0].consistent);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->res[0].chosen);
	EXPECT_EQ(1, self->res[1].change);
	EXPECT_EQ(BIT(CODE_CANDIDATE_TRAP), self->res[1].consistent);
	EXPECT_EQ(CODE_CANDIDATE_TRAP, self->res[1].chosen);
	EXPECT_EQ(CODE_CANDIDATE_TRAP, self->last.got[1]);
}

/* With several agreeing (or none), the old bytes, and the resolution says which agreed. */
TEST_F(resolve, several_agreeing_keep_the_old_bytes)
{
	const struct model_read reads[] = {
		{ .piece = 0, .change = 1, .reached = true,
		  .agrees = BIT(CODE_CANDIDATE_NEW) | BIT(CODE_CANDIDATE_TRAP) },
	};
	struct model m = { .reads = reads, .nr_reads = 1 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(1, self->nr_res);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->res[0].chosen);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW) | BIT(CODE_CANDIDATE_TRAP), self->res[0].consistent);
	EXPECT_FALSE(code_resolution_unique(&self->res[0]));
}

/* A read the walk never reached is settled without trials and not reported. */
TEST_F(resolve, unreached_reads_are_settled_and_not_reported)
{
	const struct model_read reads[] = {
		{ .piece = 0, .change = 0, .reached = false, .agrees = BIT(CODE_CANDIDATE_NEW) },
		{ .piece = 1, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
		{ .piece = 2, .change = 0, .reached = false },
	};
	struct model m = { .reads = reads, .nr_reads = 3 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(1, self->nr_res);
	EXPECT_EQ(1, self->res[0].piece);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[0].chosen);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->last.got[0]);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[1]);
	/* First pass, three trials, one pass that settles piece 2, the last. */
	EXPECT_EQ(6, m.runs);
}

/*
 * Two windows of one batch reached in the same piece: each is resolved
 * and reported, the second too (it used to be settled with the old
 * bytes, as if the walk had never reached it).
 */
TEST_F(resolve, two_windows_reached_in_one_piece_are_both_resolved)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
		{ .piece = 1, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 2 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(2, self->nr_res);
	EXPECT_EQ(0, self->res[0].change);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[0].chosen);
	EXPECT_EQ(1, self->res[1].change);
	EXPECT_EQ(1, self->res[1].piece);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[1].consistent);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[1].chosen);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[0]);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[1]);
}

/*
 * The same, judged as the decoders judge (the whole piece must agree):
 * the first read still ran the old bytes, the second the new.  Tried
 * first with the second's old bytes, nothing agrees for the first; once
 * the second is resolved, the first is tried again with it and found.
 */
TEST_F(resolve, a_read_no_candidate_explained_is_retried_with_its_neighbours_resolved)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_OLD) },
		{ .piece = 1, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 2, .piece_wide = true };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(2, self->nr_res);
	EXPECT_EQ(0, self->res[0].change);
	EXPECT_EQ(BIT(CODE_CANDIDATE_OLD), self->res[0].consistent);
	EXPECT_TRUE(code_resolution_unique(&self->res[0]));
	EXPECT_EQ(1, self->res[1].change);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[1].consistent);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[1]);
}

/*
 * When both changed what ran, no single trial explains either, retried
 * or not: the pairs of their candidates are tried, and the one pair that
 * agrees decides both.
 */
TEST_F(resolve, two_windows_that_explain_the_trace_only_together_are_found_as_a_pair)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
		{ .piece = 1, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 2, .piece_wide = true };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(2, self->nr_res);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[0].consistent);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[0].chosen);
	EXPECT_EQ(1, self->res[1].change);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[1].consistent);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[1].chosen);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[0]);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[1]);
	/*
	 * Bounded: first pass, 2 trials, a pass, 3 trials, a pass, a round
	 * of retries (2 + 3) that changes nothing, 2 x 3 pairs, the last.
	 */
	EXPECT_EQ(20, m.runs);
}

/*
 * A read nothing explains, beside another: neither alone nor as a pair
 * does any candidate agree, and both are reported, never settled in
 * silence.
 */
TEST_F(resolve, reads_no_candidate_explains_are_reported)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = 0 },
		{ .piece = 1, .change = 1, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 2, .piece_wide = true };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(2, self->nr_res);
	EXPECT_EQ(0, self->res[0].consistent);
	EXPECT_EQ(0, self->res[1].consistent);
	EXPECT_EQ(1, self->res[1].change);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->last.got[0]);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->last.got[1]);
	/* The same passes, but no pair decides: the last pass is the one before. */
	EXPECT_EQ(19, m.runs);
}

/* An unreached read in the piece of a reached one waits until that one is resolved. */
TEST_F(resolve, an_unreached_read_beside_a_reached_one_is_settled_later)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 1, .reached = false },
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 2 };

	ASSERT_EQ(0, decode(self, &model_ops, &m));
	ASSERT_EQ(1, self->nr_res);
	EXPECT_EQ(0, self->res[0].change);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->last.got[1]);
	EXPECT_EQ(CODE_CANDIDATE_OLD, self->last.got[0]);
}

/* A trial's error rejects its candidate when the decoder asks for that... */
TEST_F(resolve, a_failing_trial_rejects_its_candidate_when_asked)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 1, .reached = true,
		  .agrees = BIT(CODE_CANDIDATE_NEW) | BIT(CODE_CANDIDATE_TRAP),
		  .fails = BIT(CODE_CANDIDATE_TRAP), .fail_err = -EINVAL },
	};
	struct model m = { .reads = reads, .nr_reads = 1 };

	ASSERT_EQ(0, decode(self, &model_ops_rejecting, &m));
	ASSERT_EQ(1, self->nr_res);
	EXPECT_EQ(BIT(CODE_CANDIDATE_NEW), self->res[0].consistent);
	EXPECT_EQ(CODE_CANDIDATE_NEW, self->res[0].chosen);
}

/* ... and ends the decode otherwise. */
TEST_F(resolve, a_failing_trial_ends_the_decode_otherwise)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW),
		  .fails = BIT(CODE_CANDIDATE_NEW), .fail_err = -EINVAL },
	};
	struct model m = { .reads = reads, .nr_reads = 1 };

	EXPECT_EQ(-EINVAL, decode(self, &model_ops, &m));
	EXPECT_TRUE(self->res == NULL);
	EXPECT_EQ(0, self->nr_res);
}

/* Running out of memory in a trial ends the decode even when trials may fail. */
TEST_F(resolve, enomem_in_a_trial_ends_the_decode)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW),
		  .fails = BIT(CODE_CANDIDATE_NEW), .fail_err = -ENOMEM },
	};
	struct model m = { .reads = reads, .nr_reads = 1 };

	EXPECT_EQ(-ENOMEM, decode(self, &model_ops_rejecting, &m));
	EXPECT_TRUE(self->res == NULL);
}

/* The first pass's error is the decode's, with its words. */
TEST_F(resolve, the_first_pass_error_is_the_decode_error)
{
	const struct model_read reads[] = {
		{ .piece = 1, .change = 0, .reached = true, .agrees = BIT(CODE_CANDIDATE_NEW) },
	};
	struct model m = { .reads = reads, .nr_reads = 1, .first_err = -EINVAL };

	EXPECT_EQ(-EINVAL, decode(self, &model_ops_rejecting, &m));
	EXPECT_STREQ("a corrupt trace", self->error);
	EXPECT_EQ(1, m.runs);
}

/* More ambiguous reads than the driver resolves: -E2BIG, said. */
TEST_F(resolve, more_reads_than_the_limit_is_too_many)
{
	struct model_read *reads = calloc(CODE_MAX_CHOICES + 1, sizeof(*reads));
	struct model m = { .reads = reads, .nr_reads = CODE_MAX_CHOICES + 1 };
	size_t i;

	ASSERT_TRUE(reads != NULL);
	for (i = 0; i < m.nr_reads; i++)
		reads[i].piece = i;
	EXPECT_EQ(-E2BIG, decode(self, &model_ops, &m));
	EXPECT_TRUE(strstr(self->error, "ambiguous reads") != NULL);
	free(reads);
	/* Exactly at the limit, it decodes. */
	reads = calloc(CODE_MAX_CHOICES, sizeof(*reads));
	ASSERT_TRUE(reads != NULL);
	for (i = 0; i < CODE_MAX_CHOICES; i++)
		reads[i].piece = i;
	m = (struct model){ .reads = reads, .nr_reads = CODE_MAX_CHOICES };
	EXPECT_EQ(0, decode(self, &model_ops, &m));
	EXPECT_EQ(0, self->nr_res);
	free(reads);
}

TEST_HARNESS_MAIN
