// SPDX-License-Identifier: GPL-2.0
/*
 * The poke engine on every arch: every backend under threads that run the
 * site, the syncs of a batch of 10,000 sites (three for breakpoint on
 * x86, two on arm64 and riscv, one for nosync), the error contract (each
 * refused poke leaves the text byte for byte as it was), stop_machine's PC
 * check and timeout, SIGTRAP chaining, fork and the two text writers.
 *
 * The tests are arch-neutral: the bytes of each arch's instructions come
 * from arch_<arch>.c and its sites from sites_<arch>.S (engine.h says what
 * differs).  A few tests exist only where the arch has the feature: the
 * nosync backend (arm64 CMODX, riscv Ziccif) and its refusals.
 *
 * Each test runs in its own forked process (kselftest harness), so the
 * text changes and the library state of one test never reach the next.
 * TP_TOGGLES changes the number of toggles of the concurrency tests
 * (default: TOGGLES_DEFAULT of the arch, TOGGLES_EMULATED under an
 * emulator; TP_TOGGLE_SECONDS their time budget, TP_MIN_TOGGLES the least
 * they must do in it), TP_MERGES the number of stop_machine rewrites of
 * site_multi, TP_RACES the breakpoint batches of bp_trap_races_removal.
 */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asm/insn.h>
#include <textpoke/textpoke.h>

#include "kselftest_harness.h"
#include "engine.h"

#define TOGGLE_SECONDS		30	/* time budget of a toggle test */
#define MIN_TOGGLES		1000	/* the least a toggle test must do */
#define MIN_REWRITES		200	/* the least the stop_machine rewrite must do */
/* Room for three times make soak's budget (TP_TOGGLE_SECONDS=600), see over_budget() */
#define TOGGLE_TIMEOUT		1900
#define TOGGLE_WORKERS		4
#define SNAP			16	/* bytes compared around a refused poke */
/* A NOP sequence one unit longer than any site may be. */
#define BIG_LEN			(TP_MAX_INSN_LEN + NOP_UNIT)

/*
 * Test names that carry the arch's words: the foreign trap instruction,
 * the breakpoint batch's syncs, what the stop_machine test rewrites.
 */
#define PASTE3_(a, b, c)	a##b##c
#define PASTE3(a, b, c)		PASTE3_(a, b, c)
#if defined(__x86_64__)
#define TRAP_WORD		int3
#define BATCH_TEST		batch_10000_sites_three_syncs
#define MULTI_TEST		stop_machine_merges_nop1_run
#elif defined(__aarch64__)
#define TRAP_WORD		brk
#define BATCH_TEST		batch_10000_sites_two_syncs
#define MULTI_TEST		stop_machine_rewrites_two_insn_site
#else
#define TRAP_WORD		ebreak
#define BATCH_TEST		batch_10000_sites_two_syncs
#define MULTI_TEST		stop_machine_swaps_auipc_jalr_pair
#endif
#define FOREIGN_TEST(rest)	PASTE3(foreign_, TRAP_WORD, rest)

/* Declared here: linked statically (riscv), it has no dynamic symbol. */
void urcu_bp_synchronize_rcu(void);

/* The two states of a two-state site: @old is what the binary holds. */
struct site {
	const char *name;
	uint8_t *addr;
	int (*fn)(void);
	uint8_t old[SITE_LEN];
	uint8_t new[SITE_LEN];
};

static int site_nopjmp_states(struct site *s)
{
	s->name = "site_nopjmp";
	s->addr = site_nopjmp;
	s->fn = site_nopjmp_fn;
	if (site_enc_nop(s->old, (uintptr_t)site_nopjmp) != SITE_LEN)
		return -1;
	return site_enc_jump(s->new, (uintptr_t)site_nopjmp,
			     (uintptr_t)site_nopjmp_alt) == SITE_LEN ? 0 : -1;
}

static int site_call_states(struct site *s)
{
	s->name = "site_call";
	s->addr = site_call;
	s->fn = site_call_fn;
	if (site_enc_call(s->old, (uintptr_t)site_call,
			  (uintptr_t)site_f) != SITE_LEN)
		return -1;
	return site_enc_call(s->new, (uintptr_t)site_call,
			     (uintptr_t)site_g) == SITE_LEN ? 0 : -1;
}

#if SITE_LEN == 4
/* NOP <-> call: the one-instruction toggle of function-entry tracing. */
static int site_nopcall_states(struct site *s)
{
	s->name = "site_nopcall";
	s->addr = site_nopcall;
	s->fn = site_nopcall_fn;
	if (site_enc_nop(s->old, (uintptr_t)site_nopcall) != SITE_LEN)
		return -1;
	return site_enc_call(s->new, (uintptr_t)site_nopcall,
			     (uintptr_t)site_g) == SITE_LEN ? 0 : -1;
}
#endif

/* One NOP of SITE_LEN bytes, wherever it goes. */
static void nop_insn(uint8_t *buf)
{
	site_enc_nop(buf, (uintptr_t)site_many);
}

static uint8_t *many_site(unsigned int i)
{
	return site_many + (size_t)i * SITE_LEN;
}

/* Site @i of site_many as a NOP (@jmp == 0) or a jump to site_many_end. */
static void many_state(uint8_t *buf, unsigned int i, int jmp)
{
	if (jmp)
		site_enc_jump(buf, (uintptr_t)many_site(i),
			      (uintptr_t)site_many_end);
	else
		site_enc_nop(buf, (uintptr_t)many_site(i));
}

static int many_batch_add(struct tp_batch *batch, unsigned int first,
			  unsigned int count, int to_jmp)
{
	uint8_t from[SITE_LEN], to[SITE_LEN];
	unsigned int i;
	int ret;

	for (i = first; i < first + count; i++) {
		many_state(from, i, !to_jmp);
		many_state(to, i, to_jmp);
		ret = tp_batch_add(batch, many_site(i), from, to, SITE_LEN);
		if (ret)
			return ret;
	}
	return 0;
}

/* How many of sites [first, first + count) are in state @jmp. */
static unsigned int many_in_state(unsigned int first, unsigned int count,
				  int jmp)
{
	uint8_t want[SITE_LEN];
	unsigned int i, n = 0;

	for (i = first; i < first + count; i++) {
		many_state(want, i, jmp);
		n += !memcmp(many_site(i), want, SITE_LEN);
	}
	return n;
}

/*
 * A poke that must be refused: returns its result after checking that the
 * @snap bytes at @addr (0 where @addr is not readable) did not change.
 */
static int poke_refused(struct __test_metadata *_metadata, void *addr,
			size_t snap, const void *expect, const void *insn,
			size_t len, enum tp_backend backend)
{
	uint8_t before[64];
	int ret;

	if (snap)
		memcpy(before, addr, snap);
	ret = tp_poke(addr, expect, insn, len, backend);
	if (snap)
		EXPECT_EQ(0, memcmp(before, addr, snap))
			TH_LOG("refused poke (%d) changed the text at %p", ret, addr);
	return ret;
}

#define REFUSED(err, addr, snap, expect, insn, len, backend)		\
	EXPECT_EQ(err, poke_refused(_metadata, addr, snap, expect, insn,	\
				    len, backend))

static void bp_toggles(struct __test_metadata *_metadata, struct site *s,
		       unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		const uint8_t *from = i & 1 ? s->new : s->old;
		const uint8_t *to = i & 1 ? s->old : s->new;

		ASSERT_EQ(0, tp_poke(s->addr, from, to, SITE_LEN,
				     TP_BACKEND_BREAKPOINT));
		ASSERT_EQ(i & 1 ? 1 : 2, s->fn());
	}
}

/*
 * The workers run at the lowest priority so that the poking thread always
 * gets a CPU.  When the machine is loaded by something else (another test
 * run on 2 cores), they can then get no CPU at all for a while, and a
 * concurrency test without concurrent calls proves nothing.  So every so
 * many pokes a test waits (bounded) until every worker has run the site
 * again and, where the state has an answer of its own, until one of them
 * got that answer: the site must really run each state's code.  A time
 * budget, not a count, bounds the test: on a loaded machine it may do
 * fewer pokes than asked, but never fewer than the minimum.
 */
/*
 * Whether a test past its time budget stops: once it has done the least
 * asked of it, or at three times the budget whatever it has done (and
 * then fails for it).
 */
static bool over_budget(double deadline, double seconds, unsigned long done,
			unsigned long least)
{
	double now = now_seconds();

	return now > deadline && (done >= least || now > deadline + 2 * seconds);
}

static int workers_ran_state(struct __test_metadata *_metadata,
			     struct workers *pool, int value)
{
	int ret = workers_wait(pool, value, WORKERS_WAIT_SECONDS);

	EXPECT_EQ(0, ret)
		TH_LOG("no worker call%s%.0d within %d s", value ? " returned " : "",
		       value, WORKERS_WAIT_SECONDS);
	return ret;
}

/* --- every backend under load ------------------------------------------- */

FIXTURE(toggle) {
	struct workers pool;
};

FIXTURE_VARIANT(toggle) {
	enum tp_backend backend;
	int syncs_per_poke;		/* -1: not part of the contract */
	bool signal_round_sync;		/* as on a kernel without SYNC_CORE */
	unsigned long max_toggles;	/* 0: TOGGLES_DEFAULT */
	unsigned long min_toggles;	/* 0: MIN_TOGGLES */
};

FIXTURE_VARIANT_ADD(toggle, breakpoint) {
	.backend = TP_BACKEND_BREAKPOINT,
	.syncs_per_poke = BP_SYNCS,
};

/*
 * Kernels without MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE get a signal
 * round to every thread for each sync; each costs a stop_machine round
 * trip, so fewer toggles (on a loaded machine, three round trips to
 * starved workers per toggle: a few hundred in the budget).
 */
FIXTURE_VARIANT_ADD(toggle, breakpoint_signal_sync) {
	.backend = TP_BACKEND_BREAKPOINT,
	.syncs_per_poke = BP_SYNCS,
	.signal_round_sync = true,
	.max_toggles = 5000,
	.min_toggles = 200,
};

FIXTURE_VARIANT_ADD(toggle, stop_machine) {
	.backend = TP_BACKEND_STOP_MACHINE,
	.syncs_per_poke = -1,
};

/*
 * x86 has no nosync transition: AUTO takes breakpoint for NOP/JMP/CALL.
 * arm64 (B, BL, NOP are CMODX) and riscv (aligned 4-byte words) take
 * nosync.
 */
FIXTURE_VARIANT_ADD(toggle, auto) {
	.backend = TP_BACKEND_AUTO,
	.syncs_per_poke = AUTO_SYNCS,
};

#if HAVE_NOSYNC
FIXTURE_VARIANT_ADD(toggle, nosync) {
	.backend = TP_BACKEND_NOSYNC,
	.syncs_per_poke = NOSYNC_SYNCS,
};
#endif

FIXTURE_SETUP(toggle)
{
	ASSERT_EQ(0, init_with_app_handler());
}

FIXTURE_TEARDOWN(toggle)
{
	workers_stop(&self->pool);
	tp_debug_force_signal_sync(false);
}

/*
 * qemu-user notices stores to translated code through host page
 * protection; a single store (nosync) that lands while another vCPU
 * thread translates the page can leave that thread on a stale block for
 * good (seen under load: 20,000 toggles, every call old).  Every call
 * still runs one whole instruction, which is what is asserted there;
 * that both versions were seen is asserted natively.  Breakpoint and
 * stop_machine rewrite the site in several steps and are not affected.
 */
static bool stale_code_possible(const FIXTURE_VARIANT(toggle) *variant)
{
	return under_emulator() && variant->syncs_per_poke == NOSYNC_SYNCS;
}

/*
 * TOGGLE_WORKERS threads call the site's function in a loop while this
 * thread flips the site between its two states, each poke expecting the
 * state the previous one left.  Every call must return 1 or 2, both must
 * be seen, and textpoke's traps must never reach the application.
 */
static void toggle_under_load(struct __test_metadata *_metadata,
			      struct workers *pool,
			      const FIXTURE_VARIANT(toggle) *variant,
			      const struct site *s)
{
	unsigned long want = env_ulong("TP_TOGGLES", under_emulator() ? TOGGLES_EMULATED
									: TOGGLES_DEFAULT);
	unsigned long seconds = env_ulong("TP_TOGGLE_SECONDS", TOGGLE_SECONDS);
	unsigned long least, done = 0, syncs, calls;
	bool check_state = !stale_code_possible(variant);
	struct worker_stats sum;
	double start, deadline;
	int ret = 0, waited = 0;

	if (variant->max_toggles && want > variant->max_toggles)
		want = variant->max_toggles;
	least = env_ulong("TP_MIN_TOGGLES", variant->min_toggles ?: MIN_TOGGLES);
	if (least > want)
		least = want;
	tp_debug_force_signal_sync(variant->signal_round_sync);

	ASSERT_EQ(0, memcmp(s->addr, s->old, SITE_LEN))
		TH_LOG("%s does not hold the expected original bytes", s->name);
	ASSERT_EQ(1, s->fn());
	ASSERT_EQ(0, workers_start(pool, TOGGLE_WORKERS, s->fn));

	calls = workers_calls(pool);
	syncs = tp_debug_sync_count();
	start = now_seconds();
	deadline = start + seconds;
	while (done < want) {
		const uint8_t *from = done & 1 ? s->new : s->old;
		const uint8_t *to = done & 1 ? s->old : s->new;

		ret = tp_poke(s->addr, from, to, SITE_LEN, variant->backend);
		if (ret)
			break;
		done++;
		/* now in the new state (2) when done is odd, else the old (1) */
		if (done % 1024 < 2) {
			waited = workers_ran_state(_metadata, pool,
						   check_state ? 2 - !(done & 1) : 0);
			if (waited)
				break;
		}
		if (over_budget(deadline, seconds, done, least))
			break;
	}
	/* the workers ran the state the site is left in */
	if (!ret && !waited)
		waited = workers_ran_state(_metadata, pool,
					   check_state ? 2 - !(done & 1) : 0);
	syncs = tp_debug_sync_count() - syncs;
	calls = workers_calls(pool) - calls;
	workers_stop(pool);
	workers_sum(pool, &sum);
	TH_LOG("%s: %lu toggles in %.1f s; %lu calls (%lu while toggling): "
	       "%lu old, %lu new, %lu bad", s->name, done,
	       now_seconds() - start, sum.calls, calls, sum.ret1, sum.ret2,
	       sum.other);

	ASSERT_EQ(0, ret)
		TH_LOG("toggle %lu: %s", done, tp_strerror(ret));
	ASSERT_EQ(0, waited);
	ASSERT_LE(least, done)
		TH_LOG("only %lu of %lu toggles within %lu s", done, want,
		       seconds);
	ASSERT_EQ(0, memcmp(s->addr, done & 1 ? s->new : s->old, SITE_LEN));
	ASSERT_EQ(done & 1 ? 2 : 1, s->fn());

	EXPECT_EQ(0UL, sum.other)
		TH_LOG("a worker's call returned %d", sum.bad_value);
	EXPECT_EQ(sum.calls, sum.ret1 + sum.ret2 + sum.other);
	if (check_state && done >= 2) {
		EXPECT_NE(0UL, sum.ret1);
		EXPECT_NE(0UL, sum.ret2);
	}
	EXPECT_EQ(0UL, app_sigtrap_count)
		TH_LOG("textpoke's own traps reached the application");
	if (variant->syncs_per_poke >= 0)
		EXPECT_EQ(done * variant->syncs_per_poke, syncs);
}

TEST_F_TIMEOUT(toggle, nop_jmp_site_runs_old_or_new, TOGGLE_TIMEOUT)
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	toggle_under_load(_metadata, &self->pool, variant, &s);
}

TEST_F_TIMEOUT(toggle, call_site_runs_old_or_new, TOGGLE_TIMEOUT)
{
	struct site s;

	ASSERT_EQ(0, site_call_states(&s));
	toggle_under_load(_metadata, &self->pool, variant, &s);
}

#if SITE_LEN == 4
TEST_F_TIMEOUT(toggle, nop_call_site_runs_old_or_new, TOGGLE_TIMEOUT)
{
	struct site s;

	ASSERT_EQ(0, site_nopcall_states(&s));
	toggle_under_load(_metadata, &self->pool, variant, &s);
}
#endif

/* --- the rest share one setup ----------------------------------------------- */

FIXTURE(engine) {
	struct workers pool;
	struct blocker blocker;
};

FIXTURE_SETUP(engine)
{
	ASSERT_EQ(0, init_with_app_handler());
}

FIXTURE_TEARDOWN(engine)
{
	workers_stop(&self->pool);
	blocker_stop(&self->blocker);
}

/* --- the in-flight table ------------------------------------------------- */

/*
 * Threads trap at a site while batch after batch publishes and removes it.
 * Each batch's sites live in heap memory freed right after the commit (and
 * a tp_poke()'s on its stack), and the engine poisons every entry once its
 * grace period is over: a handler that read an entry after that would be
 * counted as a stale read.  The traps must really race the removals, so
 * the test also requires that many of them were resolved by emulation:
 * on a loaded machine the workers may rarely run while a batch is in
 * flight, so the batches go on past TP_RACES until they did, within the
 * time budget.
 */
#define RACES_MIN		100

TEST_F_TIMEOUT(engine, bp_trap_races_removal, 120)
{
	unsigned long emulated = tp_debug_emulations();
	unsigned long stale = tp_debug_stale_reads();
	/* Under qemu-user fewer: its rewritten code fails under load (emulator.h). */
	unsigned long i, rounds = env_ulong("TP_RACES", under_emulator() ? 5000 : 20000);
	double deadline = now_seconds() + TOGGLE_SECONDS;
	uint8_t nop[SITE_LEN], jmp[SITE_LEN];
	const uint8_t *now;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	memcpy(nop, s.old, SITE_LEN);
	memcpy(jmp, s.new, SITE_LEN);
	now = nop;
	ASSERT_EQ(0, workers_start(&self->pool, 4, site_nopjmp_fn));
	for (i = 0; i < rounds || tp_debug_emulations() - emulated <= RACES_MIN; i++) {
		const uint8_t *from = i & 1 ? jmp : nop, *to = i & 1 ? nop : jmp;
		struct tp_batch *batch = tp_batch_new();

		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, tp_batch_add(batch, site_nopjmp, from, to, SITE_LEN));
		ASSERT_EQ(0, tp_batch_commit(batch, TP_BACKEND_BREAKPOINT));
		tp_batch_free(batch);
		now = to;
		if (i % 1024 == 1)
			ASSERT_EQ(0, workers_ran_state(_metadata, &self->pool, 0));
		if (now_seconds() > deadline)
			break;
	}
	workers_stop(&self->pool);
	TH_LOG("%lu batches, %lu traps emulated", i,
	       tp_debug_emulations() - emulated);
	EXPECT_EQ(stale, tp_debug_stale_reads());
	EXPECT_LT(emulated + RACES_MIN, tp_debug_emulations())
		TH_LOG("only %lu traps raced the batches",
		       tp_debug_emulations() - emulated);
	/* What the last batch wrote, whether the rounds or the time ended the loop. */
	EXPECT_EQ(0, memcmp(site_nopjmp, now, SITE_LEN));
}

/* --- batches --------------------------------------------------------------- */

/*
 * One batch of every site of site_many (> 10,000) is one run of the
 * protocol: BP_SYNCS cross-core syncs for breakpoint (three on x86, two
 * on arm64 and riscv) and one for nosync, whatever the count, and a
 * bounded number of mprotect calls (one window per contiguous run, not
 * per site or page).  Threads run the sites throughout.
 */
TEST_F_TIMEOUT(engine, BATCH_TEST, 90)
{
	static const struct {
		enum tp_backend backend;
		long syncs;		/* -1: not part of the contract */
	} passes[] = {
		{ TP_BACKEND_BREAKPOINT, BP_SYNCS },
		{ TP_BACKEND_BREAKPOINT, BP_SYNCS },
		{ TP_BACKEND_AUTO, AUTO_SYNCS },
		{ TP_BACKEND_AUTO, AUTO_SYNCS },
		{ TP_BACKEND_STOP_MACHINE, -1 },
		{ TP_BACKEND_STOP_MACHINE, -1 },
#if HAVE_NOSYNC
		{ TP_BACKEND_NOSYNC, NOSYNC_SYNCS },
		{ TP_BACKEND_NOSYNC, NOSYNC_SYNCS },
#endif
	};
	unsigned int n = (site_many_end - site_many) / SITE_LEN;
	struct worker_stats sum;
	unsigned int pass;

	ASSERT_EQ((unsigned int)SITE_MANY_COUNT, n);
	ASSERT_LE(10000U, n);
	ASSERT_EQ(n, many_in_state(0, n, 0));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_many_fn));

	for (pass = 0; pass < ARRAY_SIZE(passes); pass++) {
		int to_jmp = !(pass & 1);
		unsigned long syncs, mprotects;
		struct tp_batch *batch = tp_batch_new();
		int ret;

		ASSERT_NE(NULL, batch);
		ret = many_batch_add(batch, 0, n, to_jmp);
		if (ret)
			tp_batch_free(batch);
		ASSERT_EQ(0, ret);
		syncs = tp_debug_sync_count();
		mprotects = tp_debug_mprotect_count();
		ret = tp_batch_commit(batch, passes[pass].backend);
		syncs = tp_debug_sync_count() - syncs;
		mprotects = tp_debug_mprotect_count() - mprotects;
		tp_batch_free(batch);

		ASSERT_EQ(0, ret)
			TH_LOG("pass %u: %s", pass, tp_strerror(ret));
		ASSERT_EQ(n, many_in_state(0, n, to_jmp))
			TH_LOG("pass %u", pass);
		if (passes[pass].syncs >= 0)
			EXPECT_EQ((unsigned long)passes[pass].syncs, syncs)
				TH_LOG("pass %u: one batch, %lu syncs", pass, syncs);
		EXPECT_GE(6UL, mprotects)
			TH_LOG("pass %u: %lu mprotect calls for one contiguous run",
			       pass, mprotects);
		ASSERT_EQ(1, site_many_fn());
	}
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_NE(0UL, sum.calls);
	EXPECT_EQ(sum.calls, sum.ret1)
		TH_LOG("%lu calls of site_many_fn returned %d", sum.calls - sum.ret1,
		       sum.bad_value);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/* Site @k of the order a batch adds them in: see batch_in_any_order. */
static unsigned int order_site(unsigned int k, unsigned int n, int order)
{
	if (order == 0)			/* backwards */
		return n - 1 - k;
	if (k + 2 == n || k + 1 == n)	/* in order but for the last two */
		return k + 2 == n ? n - 1 : n - 2;
	return k;
}

/*
 * The engine sorts a batch's sites itself, and skips the sort when they
 * come sorted: sites added in any order are written, the breakpoint
 * handler finds every one of them (threads run the sites throughout: a
 * trap it missed would reach the application), and a duplicate added out
 * of order is still refused.
 */
TEST_F_TIMEOUT(engine, batch_in_any_order, 90)
{
	unsigned int n = (site_many_end - site_many) / SITE_LEN;
	uint8_t from[SITE_LEN], to[SITE_LEN];
	struct worker_stats sum;
	int order;

	ASSERT_EQ(n, many_in_state(0, n, 0));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_many_fn));
	for (order = 0; order < 2; order++) {
		int to_jmp = !order;
		struct tp_batch *batch = tp_batch_new();
		unsigned int k;
		int ret = batch ? 0 : -ENOMEM;

		for (k = 0; k < n && !ret; k++) {
			unsigned int i = order_site(k, n, order);

			many_state(from, i, !to_jmp);
			many_state(to, i, to_jmp);
			ret = tp_batch_add(batch, many_site(i), from, to, SITE_LEN);
		}
		if (!ret)
			ret = tp_batch_commit(batch, TP_BACKEND_BREAKPOINT);
		tp_batch_free(batch);
		ASSERT_EQ(0, ret) TH_LOG("order %d: %s", order, tp_strerror(ret));
		ASSERT_EQ(n, many_in_state(0, n, to_jmp)) TH_LOG("order %d", order);
	}

	/* Sorted but for a duplicate of the first site at the end. */
	{
		struct tp_batch *batch = tp_batch_new();
		int ret;

		ASSERT_NE(NULL, batch);
		ret = many_batch_add(batch, 0, n, 1);
		many_state(from, 0, 0);
		many_state(to, 0, 1);
		if (!ret)
			ret = tp_batch_add(batch, many_site(0), from, to, SITE_LEN);
		if (!ret)
			ret = tp_batch_commit(batch, TP_BACKEND_BREAKPOINT);
		tp_batch_free(batch);
		EXPECT_EQ(-EINVAL, ret);
		ASSERT_EQ(n, many_in_state(0, n, 0));
	}
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_NE(0UL, sum.calls);
	EXPECT_EQ(sum.calls, sum.ret1);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/*
 * A batch is all or nothing: when its last site is bad, none is written,
 * and the next batch over the same sites goes through.
 */
TEST_F(engine, batch_with_bad_last_site_writes_nothing)
{
	static const struct {
		enum tp_backend backend;
		int err;
	} rows[] = {
		{ TP_BACKEND_BREAKPOINT, -EILSEQ },
		{ TP_BACKEND_BREAKPOINT, -EFAULT },
		{ TP_BACKEND_STOP_MACHINE, -EILSEQ },
		{ TP_BACKEND_STOP_MACHINE, -EFAULT },
		{ TP_BACKEND_STOP_MACHINE, -EPERM },
		{ TP_BACKEND_AUTO, -EILSEQ },
		{ TP_BACKEND_AUTO, -EPERM },
#if HAVE_NOSYNC
		{ TP_BACKEND_NOSYNC, -EILSEQ },
		{ TP_BACKEND_NOSYNC, -EFAULT },
		{ TP_BACKEND_NOSYNC, -EPERM },
#endif
	};
	static uint8_t data_nops[SNAP] __attribute__((aligned(16)));
	const unsigned int count = 100;
	uint8_t before[100 * SITE_LEN], nop5[SITE_LEN], lib_before[SNAP];
	struct tp_batch *batch;
	unsigned int i;

	nop_insn(nop5);
	memcpy(data_nops, nop5, SITE_LEN);
	memcpy(before, site_many, sizeof(before));
	memcpy(lib_before, (void *)tp_poke, SNAP);

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int ret;

		batch = tp_batch_new();
		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, many_batch_add(batch, 0, count, 1));
		switch (rows[i].err) {
		case -EILSEQ:	/* expects a jump where a NOP is */
			ret = tp_batch_add(batch, many_site(count), jmp_next,
					   nop5, SITE_LEN);
			break;
		case -EFAULT:
			ret = tp_batch_add(batch, data_nops, nop5, jmp_next,
					   SITE_LEN);
			break;
		default:
			ret = tp_batch_add(batch, (void *)tp_poke, NULL,
					   jmp_next, SITE_LEN);
			break;
		}
		ASSERT_EQ(0, ret);
		ret = tp_batch_commit(batch, rows[i].backend);
		tp_batch_free(batch);
		EXPECT_EQ(rows[i].err, ret)
			TH_LOG("row %u: %s", i, tp_strerror(ret));
		ASSERT_EQ(0, memcmp(before, site_many, sizeof(before)))
			TH_LOG("row %u: %u of %u good sites written", i,
			       many_in_state(0, count, 1), count);
		ASSERT_EQ(0, memcmp(data_nops, nop5, SITE_LEN));
		ASSERT_EQ(0, memcmp(lib_before, (void *)tp_poke, SNAP));
	}

	/* Nothing of the refused batches is left in flight or locked. */
	batch = tp_batch_new();
	ASSERT_NE(NULL, batch);
	ASSERT_EQ(0, many_batch_add(batch, 0, count, 1));
	ASSERT_EQ(0, tp_batch_commit(batch, TP_BACKEND_BREAKPOINT));
	tp_batch_free(batch);
	ASSERT_EQ(count, many_in_state(0, count, 1));
	ASSERT_EQ(1, site_many_fn());
}

/* Sites of one batch may not overlap; tp_batch_add() may see it first. */
TEST_F(engine, batch_refuses_duplicate_and_overlapping_sites)
{
	static const struct {
		int second;		/* offset of the second site */
		size_t len;
	} rows[] = {
		{ 0, SITE_LEN },	/* the same site twice */
#if defined(__x86_64__)
		{ 2, 3 },		/* NOP3 inside the first */
		{ 4, SITE_LEN },	/* runs into the next site */
#else
		{ 0, 2 * SITE_LEN },	/* two NOPs over the first and the next */
		{ -SITE_LEN, 2 * SITE_LEN },	/* starts before, runs into it */
#if INSN_ALIGN == 2
		{ 2, SITE_LEN },	/* a NOP over its second half */
#endif
#endif
	};
	/* from the function's first instruction, just before site_many */
	const uint8_t *base = (const uint8_t *)site_many_fn;
	size_t span = site_many + 2 * SITE_LEN - base;
	uint8_t before[64], nop[2 * SITE_LEN], jmp[SITE_LEN];
	unsigned int i;

	ASSERT_GE(sizeof(before), span);
	memcpy(before, base, span);
	many_state(jmp, 0, 1);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct tp_batch *batch = tp_batch_new();
		int ret;

		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, enc_nops(nop, rows[i].len));
		ASSERT_EQ(0, tp_batch_add(batch, site_many, NULL, jmp, SITE_LEN));
		ret = tp_batch_add(batch, site_many + rows[i].second, NULL, nop,
				   rows[i].len);
		if (!ret)
			ret = tp_batch_commit(batch, TP_BACKEND_STOP_MACHINE);
		tp_batch_free(batch);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("row %u", i);
		ASSERT_EQ(0, memcmp(before, base, span))
			TH_LOG("row %u", i);
	}
}

/* tp_batch_add() checks what it can without the text. */
TEST_F(engine, batch_add_checks_insn)
{
	struct tp_batch *batch = tp_batch_new();
	uint8_t nop5[SITE_LEN];

	ASSERT_NE(NULL, batch);
	nop_insn(nop5);
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, NULL, NULL, nop5, SITE_LEN));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, NULL, SITE_LEN));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5, 0));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5,
					SITE_LEN - 1));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5,
					TP_MAX_INSN_LEN + 1));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_short, NULL, unknown_insn,
					SHORT_LEN));
#if INSN_ALIGN > 1
	/* an instruction start the arch cannot have */
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp + 1, NULL, nop5,
					SITE_LEN));
#endif
	tp_batch_free(batch);
	ASSERT_EQ(0, memcmp(site_nopjmp, nop5, SITE_LEN));
}

/* --- the error contract of tp_poke() ---------------------------------------- */

TEST_F(engine, bad_input_matrix)
{
	static uint8_t data_nops[SNAP] __attribute__((aligned(16)));
	uint8_t stack_nops[SNAP] __attribute__((aligned(16)));
	uint8_t big[BIG_LEN], nop5x[SITE_LEN + 1], two[2 * NOP_UNIT];
	uint8_t nop5[SITE_LEN], multi_old[MULTI_LEN], multi_new[MULTI_LEN];
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *heap_nops, *gone, *rx;
	struct straddle st;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, multi_states(multi_old, multi_new));
	nop_insn(nop5);
	ASSERT_EQ(0, fill_nop_units(big, sizeof(big)));
	ASSERT_EQ(0, fill_nop_units(two, sizeof(two)));
	memcpy(nop5x, nop5, SITE_LEN);
	nop5x[SITE_LEN] = 0xff;
	memcpy(data_nops, nop5, SITE_LEN);
	memcpy(stack_nops, nop5, SITE_LEN);
	heap_nops = malloc(SNAP);
	ASSERT_NE(NULL, heap_nops);
	memcpy(heap_nops, nop5, SITE_LEN);

#if INSN_ALIGN == 1
	/* No alignment row: x86 instructions have none (arch_insn_alignment() == 1). */
#else
	/* -EINVAL: not where an instruction can start */
	REFUSED(-EINVAL, s.addr + 1, SNAP, NULL, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr + 1, SNAP, NULL, s.new, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr + 1, SNAP, NULL, s.new, SITE_LEN, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, s.addr + INSN_ALIGN - 1, SNAP, NULL, s.new, SITE_LEN,
		TP_BACKEND_AUTO);
#endif

	/* -EINVAL: the arguments themselves */
	REFUSED(-EINVAL, NULL, 0, NULL, nop5, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, NULL, 0, NULL, nop5, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, NULL, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, s.old, NULL, SITE_LEN, TP_BACKEND_AUTO);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, 0, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, 0, TP_BACKEND_STOP_MACHINE);
	/* BIG_LEN bytes of NOPs would be a valid stop_machine sequence but
	 * for the length */
	REFUSED(-EINVAL, site_many, SNAP + 8, NULL, big, sizeof(big),
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, s.old, s.new, SITE_LEN,
		(enum tp_backend)42);

	/* -EINVAL: @len is not the length of the instruction(s) */
	REFUSED(-EINVAL, s.addr, SNAP, NULL, nop5, SITE_LEN - 1, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, nop5, SITE_LEN - 1, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, SITE_LEN - 1, TP_BACKEND_AUTO);
	REFUSED(-EINVAL, site_many, SNAP, NULL, nop5x, sizeof(nop5x),
		TP_BACKEND_STOP_MACHINE);
	/* two instructions where breakpoint needs one */
	REFUSED(-EINVAL, site_short, SNAP,
		sizeof(two) == SHORT_LEN ? short_nop : NULL, two, sizeof(two),
		TP_BACKEND_BREAKPOINT);

	/* -EINVAL: instructions textpoke does not know */
	REFUSED(-EINVAL, site_short, SNAP, NULL, unknown_insn, SHORT_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, site_short, SNAP, NULL, unknown_insn, SHORT_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, site_short, SNAP, NULL, unknown_insn, SHORT_LEN,
		TP_BACKEND_AUTO);

	/* -EINVAL: transitions the backend cannot make */
#if !HAVE_NOSYNC
	REFUSED(-EINVAL, s.addr, SNAP, s.old, s.new, SITE_LEN, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, SITE_LEN, TP_BACKEND_NOSYNC);
#else
	/* nosync: several instructions are never one store */
	REFUSED(-EINVAL, site_multi, SNAP, multi_old, multi_new, MULTI_LEN,
		TP_BACKEND_NOSYNC);
#endif
	/* breakpoint: the old bytes (the function's "return 1") are no
	 * known instruction */
	REFUSED(-EINVAL, (void *)site_nopjmp_fn, SNAP, NULL, nop5, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	/* breakpoint: the old bytes are several instructions */
	REFUSED(-EINVAL, site_multi, SNAP, multi_old, multi_new, MULTI_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, site_multi, SNAP, NULL, multi_new, MULTI_LEN,
		TP_BACKEND_BREAKPOINT);

	/* -EFAULT: not executable */
	REFUSED(-EFAULT, data_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, data_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EFAULT, stack_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, stack_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_AUTO);
	REFUSED(-EFAULT, heap_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, heap_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
#if HAVE_NOSYNC
	REFUSED(-EFAULT, data_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_NOSYNC);
	REFUSED(-EFAULT, heap_nops, SNAP, nop5, jmp_next, SITE_LEN,
		TP_BACKEND_NOSYNC);
#endif
	ASSERT_EQ(0, memcmp(data_nops, nop5, SITE_LEN));
	ASSERT_EQ(0, memcmp(stack_nops, nop5, SITE_LEN));
	ASSERT_EQ(0, memcmp(heap_nops, nop5, SITE_LEN));
	free(heap_nops);

	/* -EFAULT: not mapped at all */
	gone = mmap(NULL, page, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gone);
	ASSERT_EQ(0, munmap(gone, page));
	REFUSED(-EFAULT, gone, 0, NULL, jmp_next, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, gone, 0, NULL, jmp_next, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EFAULT, gone, 0, NULL, jmp_next, SITE_LEN, TP_BACKEND_AUTO);

	/*
	 * -EFAULT: a range that starts in an executable mapping and runs past
	 * its end.  Page 0 of @rx is RX (a NOP at its end - st.back -
	 * SITE_LEN, st.old at its end - st.back: x86 NOP5 and NOP2, arm64
	 * NOP and NOP, riscv NOP and C.NOP), page 1 is unmapped.  A poke
	 * inside the page is the control; the old bytes past the end must
	 * not even be read.
	 */
	straddle_states(&st);
	rx = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rx);
	memset(rx, 0xc3, page);
	memcpy(rx + page - st.back - SITE_LEN, nop5, SITE_LEN);
	memcpy(rx + page - st.back, st.old, st.back);
	ASSERT_EQ(0, mprotect(rx, page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, munmap(rx + page, page));
	REFUSED(-EFAULT, rx + page - st.back, st.back, NULL, st.new, st.new_len,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, rx + page - st.back, st.back, NULL, st.new, st.new_len,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EFAULT, rx + page - st.back, st.back, NULL, st.new, st.new_len,
		TP_BACKEND_AUTO);
	EXPECT_EQ(0, tp_poke(rx + page - st.back - SITE_LEN, nop5, jmp_next,
			     SITE_LEN, TP_BACKEND_AUTO))
		TH_LOG("the control poke inside the RX page was refused");
	EXPECT_EQ(0, memcmp(rx + page - st.back - SITE_LEN, jmp_next, SITE_LEN));
	ASSERT_EQ(0, munmap(rx, page));

	/* -EPERM: textpoke's own text (linked into this binary) */
	REFUSED(-EPERM, (void *)tp_poke, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EPERM, (void *)tp_poke, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_AUTO);
	REFUSED(-EPERM, (uint8_t *)tp_poke + 16, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EPERM, (void *)tp_batch_commit, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EPERM, (void *)tp_debug_emulations, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_AUTO);
	REFUSED(-EPERM, (void *)tp_debug_emulations, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
#if HAVE_NOSYNC
	REFUSED(-EPERM, (void *)tp_poke, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_NOSYNC);
#endif

	/* -EILSEQ: @expect is not what is there */
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN, TP_BACKEND_AUTO);
#if HAVE_NOSYNC
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN, TP_BACKEND_NOSYNC);
#endif
	REFUSED(-EILSEQ, site_multi, SNAP, multi_new, multi_old, MULTI_LEN,
		TP_BACKEND_STOP_MACHINE);

	/* after all that, the sites are as built and still poke */
	ASSERT_EQ(0, memcmp(s.addr, s.old, SITE_LEN));
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/*
 * The mapping checks of a batch are made once per run of sites in one
 * mapping: a site that leaves the run's mapping must still be refused.
 * Two executable mappings side by side that the kernel keeps apart (one
 * private, one shared): a batch with a site in each goes through, one
 * whose second site runs from the first mapping into the second is
 * refused and writes nothing.
 */
TEST_F(engine, batch_run_leaving_its_mapping)
{
	long page = sysconf(_SC_PAGESIZE);
	uint8_t nop5[SITE_LEN], nops[2 * SITE_LEN], *rx, *second, *in_first;
	uint8_t before[4 * SITE_LEN];
	struct tp_batch *batch;
	int ret;

	nop_insn(nop5);
	memcpy(nops, nop5, SITE_LEN);
	memcpy(nops + SITE_LEN, nop5, SITE_LEN);
	rx = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rx);
	second = mmap(rx + page, page, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(rx + page, second);
	for (ret = 0; ret < 2; ret++) {		/* NOPs at the ends of the pages */
		memcpy(rx + ret * SITE_LEN, nop5, SITE_LEN);
		memcpy(rx + page - (ret + 1) * SITE_LEN, nop5, SITE_LEN);
		memcpy(second + ret * SITE_LEN, nop5, SITE_LEN);
	}
	ASSERT_EQ(0, mprotect(rx, page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, mprotect(second, page, PROT_READ | PROT_EXEC));
	in_first = rx + page - 2 * SITE_LEN;

	/* A site in each mapping: two runs, both checked, both written. */
	batch = tp_batch_new();
	ASSERT_NE(NULL, batch);
	ret = tp_batch_add(batch, rx, nop5, jmp_next, SITE_LEN);
	if (!ret)
		ret = tp_batch_add(batch, second, nop5, jmp_next, SITE_LEN);
	if (!ret)
		ret = tp_batch_commit(batch, TP_BACKEND_STOP_MACHINE);
	tp_batch_free(batch);
	EXPECT_EQ(0, ret) TH_LOG("%s", tp_strerror(ret));
	EXPECT_EQ(0, memcmp(rx, jmp_next, SITE_LEN));
	EXPECT_EQ(0, memcmp(second, jmp_next, SITE_LEN));

	/* The run of the first mapping, then a site leaving it. */
	memcpy(before, in_first, 2 * SITE_LEN);
	memcpy(before + 2 * SITE_LEN, second, 2 * SITE_LEN);
	batch = tp_batch_new();
	ASSERT_NE(NULL, batch);
	ret = tp_batch_add(batch, rx + SITE_LEN, NULL, jmp_next, SITE_LEN);
	if (!ret)
		ret = tp_batch_add(batch, in_first, NULL, jmp_next, SITE_LEN);
	if (!ret)
		ret = tp_batch_add(batch, in_first + SITE_LEN, NULL, nops, sizeof(nops));
	if (!ret)
		ret = tp_batch_commit(batch, TP_BACKEND_STOP_MACHINE);
	tp_batch_free(batch);
	EXPECT_EQ(-EFAULT, ret) TH_LOG("%s", tp_strerror(ret));
	EXPECT_EQ(0, memcmp(before, in_first, 2 * SITE_LEN));
	EXPECT_EQ(0, memcmp(before + 2 * SITE_LEN, second, 2 * SITE_LEN));
	EXPECT_EQ(0, memcmp(rx + SITE_LEN, nop5, SITE_LEN));
	munmap(rx, 2 * page);
}

/* Whether @addr lies in the executable itself rather than in a library. */
static int in_executable(const void *addr)
{
	Dl_info lib, exe;

	return dladdr(addr, &lib) && dladdr((const void *)site_many_fn, &exe) &&
	       lib.dli_fbase == exe.dli_fbase;
}

/*
 * -EPERM for the libraries textpoke runs on: libc and liburcu-bp.  Linked
 * statically (liburcu on riscv), a library is part of the executable,
 * which stays patchable: that row is left out.
 */
TEST_F(engine, poke_refuses_runtime_libraries)
{
	static const char *const names[] = {
		"memcpy", "pthread_mutex_lock", "sigaction",
		"urcu_bp_synchronize_rcu",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		void *fn = dlsym(RTLD_DEFAULT, names[i]);

		if (!fn && !strcmp(names[i], "urcu_bp_synchronize_rcu"))
			fn = (void *)urcu_bp_synchronize_rcu;
		ASSERT_NE(NULL, fn) TH_LOG("%s: %s", names[i], dlerror());
		if (in_executable(fn)) {
			TH_LOG("%s is linked into the executable: not a library here",
			       names[i]);
			continue;
		}
		REFUSED(-EPERM, fn, SNAP, NULL, jmp_next, SITE_LEN,
			TP_BACKEND_STOP_MACHINE)
			TH_LOG("%s at %p", names[i], fn);
		REFUSED(-EPERM, fn, SNAP, NULL, jmp_next, SITE_LEN,
			TP_BACKEND_AUTO)
			TH_LOG("%s at %p", names[i], fn);
	}
}

TEST(strerror_explains_every_error)
{
	static const int errs[] = {
		-EINVAL, -EFAULT, -EPERM, -EILSEQ, -EBUSY, -ETIMEDOUT,
		-EACCES, -ENOMEM,
	};
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(errs); i++) {
		const char *msg = tp_strerror(errs[i]);

		ASSERT_NE(NULL, msg);
		ASSERT_NE(0U, (unsigned int)strlen(msg));
		for (j = 0; j < i; j++)
			EXPECT_STRNE(tp_strerror(errs[j]), msg);
	}
	ASSERT_NE(NULL, tp_strerror(-9999));
	ASSERT_NE(NULL, tp_strerror(0));
}

/* --- stop_machine ----------------------------------------------------------- */

static int multi_run(void)
{
	return (int)site_multi_fn(256);
}

/*
 * site_multi rewritten as a whole and back while threads loop through it:
 * x86 merges five 1-byte NOPs into one NOP5 (a thread parked on bytes 1-4
 * would resume in the middle of the NOP5: SIGILL or SIGSEGV); arm64
 * rewrites NOP; NOP to MOV X9, X30; NOP (ftrace site init); riscv swaps an
 * AUIPC t0; JALR ra, t0 pair calling site_f for one calling site_g, both
 * words different (a thread parked between them would run the old AUIPC
 * with the new JALR).  stop_machine must retry until no thread is strictly
 * inside.  AUTO must pick stop_machine for it (breakpoint cannot: several
 * instructions; nosync cannot: more than one store).
 */
TEST_F_TIMEOUT(engine, MULTI_TEST, 120)
{
	unsigned long rounds = env_ulong("TP_MERGES", 2000), done = 0;
	unsigned long retries = tp_debug_stop_retries();
	uint8_t old[MULTI_LEN], new[MULTI_LEN];
	bool expect_inside = !under_emulator() || env_ulong("TP_EXPECT_INSIDE", 0);
	bool distinct = multi_ret[0] != multi_ret[1];
	unsigned long calls, least = rounds < MIN_REWRITES ? rounds : MIN_REWRITES;
	struct worker_stats sum;
	double start = now_seconds();
	int ret = 0, waited = 0;

	ASSERT_EQ(0, multi_states(old, new));
	ASSERT_EQ(0, memcmp(site_multi, old, MULTI_LEN));
	ASSERT_EQ(multi_ret[0], site_multi_fn(1));
	ASSERT_EQ(0, workers_start(&self->pool, TOGGLE_WORKERS, multi_run));
	calls = workers_calls(&self->pool);
	/*
	 * On a loaded machine the rounds go on until a thread was parked
	 * inside at least once, within the time budget.
	 */
	while (done < rounds ||
	       (expect_inside && tp_debug_stop_retries() == retries)) {
		enum tp_backend backend = done & 2 ? TP_BACKEND_AUTO :
						     TP_BACKEND_STOP_MACHINE;
		const uint8_t *from = done & 1 ? new : old;
		const uint8_t *to = done & 1 ? old : new;

		ret = tp_poke(site_multi, from, to, MULTI_LEN, backend);
		if (ret)
			break;
		done++;
		if (done % 256 < 2) {
			/* this thread runs either state's bytes at once, too */
			ASSERT_EQ(multi_ret[done & 1], site_multi_fn(1));
			waited = workers_ran_state(_metadata, &self->pool,
						   distinct ? multi_ret[done & 1] : 0);
			if (waited)
				break;
		}
		if (over_budget(start + TOGGLE_SECONDS, TOGGLE_SECONDS, done, least))
			break;
	}
	calls = workers_calls(&self->pool) - calls;
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	TH_LOG("%lu rewrites in %.1f s, %lu calls (%lu while rewriting): "
	       "%lu returned 1, %lu 2", done, now_seconds() - start, sum.calls,
	       calls, sum.ret1, sum.ret2);

	ASSERT_EQ(0, ret) TH_LOG("round %lu: %s", done, tp_strerror(ret));
	ASSERT_EQ(0, waited);
	ASSERT_LE(least, done)
		TH_LOG("only %lu of %lu rounds within %d s", done, rounds,
		       TOGGLE_SECONDS);
	ASSERT_EQ(0, memcmp(site_multi, done & 1 ? new : old, MULTI_LEN));
	ASSERT_EQ(multi_ret[done & 1], site_multi_fn(1));
	EXPECT_NE(0UL, sum.calls);
	EXPECT_EQ(0UL, sum.other)
		TH_LOG("a call returned %d", sum.bad_value);
	if (multi_ret[0] == 1 && multi_ret[1] == 1)
		EXPECT_EQ(sum.calls, sum.ret1)
			TH_LOG("a call returned %d", sum.bad_value);
	if (distinct && done >= 2) {
		/* riscv: the workers called through both pairs */
		EXPECT_NE(0UL, sum.ret1);
		EXPECT_NE(0UL, sum.ret2);
	}
	EXPECT_EQ(0UL, app_sigtrap_count);
	/*
	 * Natively, threads looping through the range are often parked
	 * inside it: the poke must have waited and tried again.  qemu-user
	 * delivers signals only between its translated blocks, never
	 * inside this range, unless it runs one instruction per block
	 * (QEMU_SINGLESTEP), which the test runner says with
	 * TP_EXPECT_INSIDE=1.
	 */
	retries = tp_debug_stop_retries() - retries;
	TH_LOG("%lu retries: a thread was parked inside the range", retries);
	if (expect_inside)
		EXPECT_NE(0UL, retries);
}

/*
 * A thread that blocks only SIGTRAP can be parked, but a trap would kill
 * the process in it: breakpoint is refused with -EBUSY and the text is
 * unchanged, and AUTO does the change with stop_machine instead.  Once
 * the thread unblocks SIGTRAP, breakpoint works again.  Natively only:
 * an emulator hides the thread's mask from textpoke.
 */
TEST_F(engine, sigtrap_blocking_thread_avoids_breakpoint)
{
	struct site s;
	unsigned long syncs;

	if (under_emulator())
		SKIP(return, "the emulator hides signal masks");
	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, sigtrap_blocker_start(&self->blocker));
	REFUSED(-EBUSY, s.addr, SNAP, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT);
	ASSERT_EQ(1, site_nopjmp_fn());
	syncs = tp_debug_sync_count();
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(syncs, tp_debug_sync_count());	/* stop_machine: no syncs */
	blocker_stop(&self->blocker);
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(1, site_nopjmp_fn());
}

/*
 * A thread that blocks every signal cannot be parked: stop_machine gives
 * up with -ETIMEDOUT, text unchanged, and releases the threads it did
 * park; breakpoint is refused (-EBUSY) while it blocks SIGTRAP.  Once
 * that thread is gone the same pokes succeed.
 */
TEST_F(engine, stop_timeout_leaves_text)
{
	uint8_t multi_old[MULTI_LEN], multi_new[MULTI_LEN];
	unsigned long calls;
	struct worker_stats sum;
	struct site s;
	double start;
	long ms;
	int ret;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, multi_states(multi_old, multi_new));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));
	ASSERT_EQ(0, blocker_start(&self->blocker));

	start = now_seconds();
	ret = poke_refused(_metadata, s.addr, SNAP, s.old, s.new, SITE_LEN,
			   TP_BACKEND_STOP_MACHINE);
	ms = (long)((now_seconds() - start) * 1000);
	ASSERT_EQ(-ETIMEDOUT, ret) TH_LOG("%s", tp_strerror(ret));
	EXPECT_GT(15000L, ms) TH_LOG("gave up after %ld ms", ms);
	ASSERT_EQ(1, site_nopjmp_fn());

	/* AUTO for site_multi can only use stop_machine: same outcome */
	ret = poke_refused(_metadata, site_multi, SNAP, multi_old, multi_new,
			   MULTI_LEN, TP_BACKEND_AUTO);
	ASSERT_EQ(-ETIMEDOUT, ret) TH_LOG("%s", tp_strerror(ret));

	/* the workers were released */
	calls = workers_calls(&self->pool);
	usleep(100 * 1000);
	ASSERT_LT(calls, workers_calls(&self->pool));

#if HAVE_NOSYNC
	/* nosync needs no parking and no trap */
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_NOSYNC));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_NOSYNC));
	ASSERT_EQ(1, site_nopjmp_fn());
#endif

	/*
	 * Breakpoint needs no parking, but the blocker blocks SIGTRAP too, and
	 * a trap in it would be forced through with the default action: where
	 * the kernel shows the masks, textpoke refuses with -EBUSY, text
	 * unchanged.  Under an emulator the masks may be hidden from it: then
	 * the poke may go ahead (the blocker never runs the site).
	 */
	if (under_emulator())
		ret = tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT);
	else
		ret = poke_refused(_metadata, s.addr, SNAP, s.old, s.new, SITE_LEN,
				   TP_BACKEND_BREAKPOINT);
	if (!under_emulator() || ret) {
		ASSERT_EQ(-EBUSY, ret) TH_LOG("%s", tp_strerror(ret));
	}
	if (!ret) {
		ASSERT_EQ(2, site_nopjmp_fn());
		ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN,
				     TP_BACKEND_BREAKPOINT));
	}
	ASSERT_EQ(1, site_nopjmp_fn());

	blocker_stop(&self->blocker);
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN,
			     TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN,
			     TP_BACKEND_STOP_MACHINE));
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(site_multi, multi_old, multi_new, MULTI_LEN,
			     TP_BACKEND_AUTO));
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other);
}

/* --- SIGTRAP chaining --------------------------------------------------------- */

/*
 * The arch's trap instruction executed by the application itself (not at
 * a site of textpoke's): its handler gets it, with the kernel's si_code.
 */
TEST_F(engine, FOREIGN_TEST(_reaches_app_handler))
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);
	ASSERT_EQ(0UL, app_sigtrap_count);

	foreign_trap();
	ASSERT_EQ(1UL, app_sigtrap_count);
	ASSERT_EQ(foreign_trap_code, app_sigtrap_code);

	bp_toggles(_metadata, &s, 2);
	ASSERT_EQ(1UL, app_sigtrap_count);
}

TEST_F(engine, foreign_raise_reaches_app_handler)
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);
	ASSERT_EQ(0UL, app_sigtrap_count);

	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(1UL, app_sigtrap_count);
	ASSERT_EQ(SI_TKILL, app_sigtrap_code);

	bp_toggles(_metadata, &s, 2);
	ASSERT_EQ(1UL, app_sigtrap_count);
}

/*
 * foreign_trap() for a handler without the context: where the trap is
 * reported with the PC on it (arm64, riscv), returning would run it again,
 * so the handler leaves through siglongjmp, as such a program must.
 */
static void foreign_trap_plain(void)
{
#if TRAP_PC_AFTER
	foreign_trap();
#else
	sigjmp_buf escape;

	if (!sigsetjmp(escape, 1)) {
		app_trap_escape = &escape;
		foreign_trap();
	}
	app_trap_escape = NULL;
#endif
}

/* The same with a handler installed without SA_SIGINFO. */
TEST(FOREIGN_TEST(_reaches_plain_handler))
{
	struct site s;

	ASSERT_EQ(0, app_sigtrap_install_plain());
	ASSERT_EQ(0, crash_reporter_install());
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);

	foreign_trap_plain();
	ASSERT_EQ(1UL, app_sigtrap_count);
	ASSERT_EQ(SIGTRAP, app_sigtrap_code);
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(2UL, app_sigtrap_count);
}

/* With no application handler, a foreign trap kills as it would have. */
TEST_SIGNAL(FOREIGN_TEST(_without_handler_kills), SIGTRAP)
{
	struct rlimit no_core = { 0, 0 };
	struct site s;

	ASSERT_EQ(0, setrlimit(RLIMIT_CORE, &no_core));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);
	foreign_trap();
	TH_LOG("survived a foreign trap with SIGTRAP at SIG_DFL");
}

/*
 * A SIGTRAP handler installed after textpoke's: breakpoint pokes would
 * send their traps to it, so they fail with -EBUSY and AUTO falls back to
 * stop_machine (x86) or takes nosync, which needs no trap (arm64, riscv).
 */
TEST_F(engine, late_sigtrap_handler_makes_breakpoint_busy)
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, app_sigtrap_install());
	REFUSED(-EBUSY, s.addr, SNAP, s.old, s.new, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0UL, app_sigtrap_count);
}

/* --- fork -------------------------------------------------------------------------- */

/*
 * In a child: the site must hold one whole state (never a trap left by a
 * batch the parent was running), and a breakpoint poke must work.
 * Returns an exit code: 0 or which step failed.
 */
static int child_pokes(void)
{
	const uint8_t *from, *to;
	struct site s;

	alarm(10);	/* an inherited locked text mutex: die, not hang */
	if (site_nopjmp_states(&s))
		return 2;
	if (!memcmp(s.addr, s.old, SITE_LEN)) {
		from = s.old;
		to = s.new;
	} else if (!memcmp(s.addr, s.new, SITE_LEN)) {
		from = s.new;
		to = s.old;
	} else {
		return 3;
	}
	if (tp_poke(s.addr, from, to, SITE_LEN, TP_BACKEND_BREAKPOINT))
		return 4;
	if (memcmp(s.addr, to, SITE_LEN))
		return 5;
	if (site_nopjmp_fn() != (to == s.new ? 2 : 1))
		return 6;
	if (tp_poke(s.addr, to, from, SITE_LEN, TP_BACKEND_STOP_MACHINE))
		return 7;
	return 0;
}

#define CHILD_SECONDS	20

/*
 * Reap the child; one that is still there after CHILD_SECONDS (its
 * alarm(10) did not end it: it blocks SIGALRM, as liburcu does in its
 * grace-period wait) is killed and the test fails at once instead of
 * running into the harness timeout.
 */
static void expect_child_ok(struct __test_metadata *_metadata, pid_t pid)
{
	double deadline = now_seconds() + CHILD_SECONDS;
	pid_t got;
	int status;

	while ((got = waitpid(pid, &status, WNOHANG)) == 0 &&
	       now_seconds() < deadline)
		usleep(1000);
	if (!got) {
		char path[64], line[256] = "";
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
		f = fopen(path, "r");
		if (f) {
			if (!fgets(line, sizeof(line), f))
				line[0] = '\0';
			fclose(f);
		}
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ASSERT_NE(0, got)
			TH_LOG("child hung for %d s (alarm blocked); in syscall %s",
			       CHILD_SECONDS, line);
	}
	ASSERT_EQ(pid, got);
	ASSERT_TRUE(WIFEXITED(status))
		TH_LOG("child killed by signal %d", WTERMSIG(status));
	ASSERT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child failed at step %d", WEXITSTATUS(status));
}

TEST_F(engine, fork_child_can_poke)
{
	struct site s;
	pid_t pid;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 2);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_pokes());
	expect_child_ok(_metadata, pid);

	/* the child's change was its own copy */
	ASSERT_EQ(0, memcmp(s.addr, s.old, SITE_LEN));
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
}

struct toggler {
	pthread_t tid;
	int stop;
	int err;
	unsigned long toggles;
};

static void *toggler_main(void *arg)
{
	struct toggler *t = arg;
	struct site s;

	int err = site_nopjmp_states(&s) ? -EINVAL : 0;

	while (!err && !__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		const uint8_t *from = t->toggles & 1 ? s.new : s.old;
		const uint8_t *to = t->toggles & 1 ? s.old : s.new;

		err = tp_poke(s.addr, from, to, SITE_LEN, TP_BACKEND_BREAKPOINT);
		if (!err)
			__atomic_store_n(&t->toggles, t->toggles + 1,
					 __ATOMIC_RELAXED);
	}
	__atomic_store_n(&t->err, err, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * fork() while another thread runs breakpoint batches back to back: the
 * child must never inherit a half-done batch (a trap at the site, the text
 * mutex held).
 */
TEST_F_TIMEOUT(engine, fork_during_pokes_sees_whole_text, 60)
{
	struct toggler t = { 0 };
	unsigned long before;
	struct worker_stats sum;
	unsigned int i;

	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	ASSERT_EQ(0, pthread_create(&t.tid, NULL, toggler_main, &t));
	for (i = 0; i < 40; i++) {
		pid_t pid;

		before = __atomic_load_n(&t.toggles, __ATOMIC_RELAXED);
		while (__atomic_load_n(&t.toggles, __ATOMIC_RELAXED) == before &&
		       !__atomic_load_n(&t.err, __ATOMIC_RELAXED))
			usleep(100);
		pid = fork();
		if (!pid)
			_exit(child_pokes());
		if (pid < 0)
			break;
		expect_child_ok(_metadata, pid);
	}
	__atomic_store_n(&t.stop, 1, __ATOMIC_RELAXED);
	pthread_join(t.tid, NULL);
	ASSERT_EQ(40U, i);
	ASSERT_EQ(0, t.err) TH_LOG("%s", tp_strerror(t.err));
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/* --- writers --------------------------------------------------------------------- */

#define QEMU_PROC_MEM \
	"qemu-user does not see writes through /proc/self/mem (stale code)"

/*
 * /proc/self/mem writes without changing a page's protection: breakpoint
 * (where the trap is one byte: x86) and stop_machine pokes work under load
 * with no mprotect call at all.  Where the trap is a whole word (arm64,
 * riscv), the writer's copy is not single-copy atomic, so breakpoint and
 * nosync are refused with -EACCES and AUTO takes stop_machine.
 */
TEST_F_TIMEOUT(engine, proc_mem_writer_needs_no_mprotect, 60)
{
	unsigned long mprotects, i;
	struct worker_stats sum;
	struct site s;

	if (under_emulator())
		SKIP(return, QEMU_PROC_MEM);
	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));

	mprotects = tp_debug_mprotect_count();
#if !TRAP_ONE_BYTE
	REFUSED(-EACCES, s.addr, SNAP, s.old, s.new, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EACCES, s.addr, SNAP, s.old, s.new, SITE_LEN,
		TP_BACKEND_NOSYNC);
#endif
	for (i = 0; i < 4000; i++) {
		enum tp_backend backend = i < 3800 ? TP_BACKEND_BREAKPOINT :
						     TP_BACKEND_STOP_MACHINE;
		const uint8_t *from = i & 1 ? s.new : s.old;
		const uint8_t *to = i & 1 ? s.old : s.new;

		if (!TRAP_ONE_BYTE)
			backend = i & 2 ? TP_BACKEND_AUTO : TP_BACKEND_STOP_MACHINE;
		ASSERT_EQ(0, tp_poke(s.addr, from, to, SITE_LEN, backend))
			TH_LOG("toggle %lu", i);
		ASSERT_EQ(0, memcmp(s.addr, to, SITE_LEN));
		ASSERT_EQ(i & 1 ? 1 : 2, site_nopjmp_fn());
		/* the workers run both states' code, however loaded */
		if (i % 500 < 2)
			ASSERT_EQ(0, workers_ran_state(_metadata, &self->pool,
						       i & 1 ? 1 : 2));
	}
	ASSERT_EQ(0UL, tp_debug_mprotect_count() - mprotects);
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other);
	EXPECT_NE(0UL, sum.ret1);
	EXPECT_NE(0UL, sum.ret2);
	EXPECT_EQ(0UL, app_sigtrap_count);

	/* the mprotect writer does call it */
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_MPROTECT));
	mprotects = tp_debug_mprotect_count();
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_NE(0UL, tp_debug_mprotect_count() - mprotects);
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_AUTO));
}

/*
 * A W^X policy (here a seccomp filter: mprotect asking for write and
 * execute at once fails with EACCES, as SELinux execmem refuses it): the
 * mprotect writer cannot write and says -EACCES with the text unchanged;
 * the automatic writer falls back to /proc/self/mem before writing
 * anything, and every backend that may use it still works.  The filter
 * covers only this thread, the one that pokes.  Natively only: qemu does
 * not see writes through /proc/self/mem.
 */
TEST_F(engine, rwx_refused_falls_back_to_proc_mem)
{
	struct site s;

	if (under_emulator())
		SKIP(return, QEMU_PROC_MEM);
	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, refuse_text_writes(false));
	ASSERT_EQ(-1, mprotect((void *)((uintptr_t)s.addr & ~4095ul), 4096,
			       PROT_READ | PROT_WRITE | PROT_EXEC));
	ASSERT_EQ(EACCES, errno);

	ASSERT_EQ(0, tp_set_writer(TP_WRITER_MPROTECT));
	REFUSED(-EACCES, s.addr, SNAP, s.old, s.new, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	ASSERT_EQ(1, site_nopjmp_fn());

	ASSERT_EQ(0, tp_set_writer(TP_WRITER_AUTO));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_STOP_MACHINE));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(1, site_nopjmp_fn());
#if TRAP_ONE_BYTE
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(1, site_nopjmp_fn());
#endif
	workers_stop(&self->pool);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/*
 * An unknown writer is refused and the current one stays.  Under qemu-user
 * the /proc/self/mem poke is checked in memory only (qemu may run the
 * stale code); the next poke, through the mprotect window, makes qemu
 * drop it.
 */
TEST_F(engine, unknown_writer_is_refused)
{
	/* breakpoint through /proc/self/mem needs a one-byte trap */
	const enum tp_backend backend = TRAP_ONE_BYTE ? TP_BACKEND_BREAKPOINT :
							TP_BACKEND_STOP_MACHINE;
	unsigned long mprotects;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
	ASSERT_EQ(-EINVAL, tp_set_writer((enum tp_writer)99));
	ASSERT_EQ(-EINVAL, tp_set_writer((enum tp_writer)-1));

	mprotects = tp_debug_mprotect_count();
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, backend));
	ASSERT_EQ(0, memcmp(s.addr, s.new, SITE_LEN));
	if (!under_emulator()) {
		ASSERT_EQ(2, site_nopjmp_fn());
	}
	ASSERT_EQ(0UL, tp_debug_mprotect_count() - mprotects)
		TH_LOG("the refused writer replaced /proc/self/mem");
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_AUTO));
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(1, site_nopjmp_fn());
}

#if HAVE_NOSYNC
/* --- nosync: one store, one sync ------------------------------------------------- */

/*
 * A batch of sites costs one cross-core sync with nosync and BP_SYNCS
 * (two) with breakpoint, however many sites it has; AUTO takes nosync
 * for these transitions.
 */
TEST_F(engine, nosync_batch_one_sync_breakpoint_two)
{
	static const struct {
		enum tp_backend backend;
		unsigned long syncs;
	} rows[] = {
		{ TP_BACKEND_NOSYNC, NOSYNC_SYNCS },
		{ TP_BACKEND_NOSYNC, NOSYNC_SYNCS },
		{ TP_BACKEND_BREAKPOINT, BP_SYNCS },
		{ TP_BACKEND_BREAKPOINT, BP_SYNCS },
		{ TP_BACKEND_AUTO, NOSYNC_SYNCS },
		{ TP_BACKEND_AUTO, NOSYNC_SYNCS },
	};
	struct site sites[3];
	unsigned int i, j;

	ASSERT_EQ(0, site_nopjmp_states(&sites[0]));
	ASSERT_EQ(0, site_call_states(&sites[1]));
	ASSERT_EQ(0, site_nopcall_states(&sites[2]));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct tp_batch *batch = tp_batch_new();
		unsigned long syncs;
		int ret;

		ASSERT_NE(NULL, batch);
		for (j = 0; j < ARRAY_SIZE(sites); j++) {
			struct site *s = &sites[j];

			ASSERT_EQ(0, tp_batch_add(batch, s->addr,
						  i & 1 ? s->new : s->old,
						  i & 1 ? s->old : s->new,
						  SITE_LEN));
		}
		syncs = tp_debug_sync_count();
		ret = tp_batch_commit(batch, rows[i].backend);
		syncs = tp_debug_sync_count() - syncs;
		tp_batch_free(batch);
		ASSERT_EQ(0, ret) TH_LOG("row %u: %s", i, tp_strerror(ret));
		EXPECT_EQ(rows[i].syncs, syncs) TH_LOG("row %u", i);
		for (j = 0; j < ARRAY_SIZE(sites); j++) {
			const char *name = sites[j].name;

			ASSERT_EQ(i & 1 ? 1 : 2, sites[j].fn())
				TH_LOG("row %u, %s", i, name);
		}
	}
	/* a refused nosync batch costs nothing */
	{
		uint8_t multi_old[MULTI_LEN], multi_new[MULTI_LEN];
		struct tp_batch *batch = tp_batch_new();
		unsigned long syncs;

		ASSERT_EQ(0, multi_states(multi_old, multi_new));
		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, tp_batch_add(batch, sites[0].addr, sites[0].old,
					  sites[0].new, SITE_LEN));
		ASSERT_EQ(0, tp_batch_add(batch, site_multi, multi_old,
					  multi_new, MULTI_LEN));
		syncs = tp_debug_sync_count();
		EXPECT_EQ(-EINVAL, tp_batch_commit(batch, TP_BACKEND_NOSYNC));
		EXPECT_EQ(0UL, tp_debug_sync_count() - syncs);
		tp_batch_free(batch);
		ASSERT_EQ(0, memcmp(sites[0].addr, sites[0].old, SITE_LEN));
		ASSERT_EQ(0, memcmp(site_multi, multi_old, MULTI_LEN));
	}
	workers_stop(&self->pool);
	EXPECT_EQ(0UL, app_sigtrap_count);
}
#endif

#if defined(__aarch64__)
/*
 * Outside the CMODX set (B, BL, NOP, BRK, SVC, HVC, SMC, ISB) nosync is
 * refused, in either direction, and the text stays; AUTO makes the same
 * change with stop_machine (MOV X9, X30 cannot be emulated).
 */
TEST_F(engine, nosync_outside_cmodx_is_refused)
{
	uint8_t nop[SITE_LEN], mov[SITE_LEN], b[SITE_LEN];
	uint32_t w;

	memcpy(nop, short_nop, SITE_LEN);
	ASSERT_EQ(4, a64_encode_mov_x9_x30(&w));
	memcpy(mov, &w, sizeof(w));
	ASSERT_EQ(SITE_LEN, site_enc_jump(b, (uintptr_t)site_short,
					  (uintptr_t)site_short + 4));
	ASSERT_EQ(0, memcmp(site_short, nop, SITE_LEN));

	/* NOP -> MOV X9, X30 */
	REFUSED(-EINVAL, site_short, SNAP, nop, mov, SITE_LEN, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, site_short, SNAP, NULL, mov, SITE_LEN, TP_BACKEND_NOSYNC);
	ASSERT_EQ(1, site_short_fn());
	ASSERT_EQ(0, tp_poke(site_short, nop, mov, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, memcmp(site_short, mov, SITE_LEN));
	ASSERT_EQ(1, site_short_fn());

	/* MOV X9, X30 -> NOP, and -> B (both in the set, the old word not) */
	REFUSED(-EINVAL, site_short, SNAP, mov, nop, SITE_LEN, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, site_short, SNAP, mov, b, SITE_LEN, TP_BACKEND_NOSYNC);
	ASSERT_EQ(0, tp_poke(site_short, mov, nop, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, memcmp(site_short, nop, SITE_LEN));

	/* inside the set it goes through */
	ASSERT_EQ(0, tp_poke(site_short, nop, b, SITE_LEN, TP_BACKEND_NOSYNC));
	ASSERT_EQ(1, site_short_fn());
	ASSERT_EQ(0, tp_poke(site_short, b, nop, SITE_LEN, TP_BACKEND_NOSYNC));
	ASSERT_EQ(1, site_short_fn());
	EXPECT_EQ(0UL, app_sigtrap_count);
}
#endif

#if defined(__riscv)
/*
 * Ziccif makes only naturally aligned 4-byte fetches atomic: nosync is
 * refused for a C.NOP site, for a 4-byte site at 2 mod 4, and for the
 * AUIPC+JALR pair; the text stays, and breakpoint (C.EBREAK first where
 * EBREAK cannot be one store) or AUTO makes the same changes.
 */
TEST_F(engine, nosync_outside_ziccif_is_refused)
{
	uint8_t nop[SITE_LEN], jal[SITE_LEN], c_nop[2];
	uint8_t multi_old[MULTI_LEN], multi_new[MULTI_LEN];

	ASSERT_EQ(0, multi_states(multi_old, multi_new));
	ASSERT_EQ(2, rv_encode_c_nop(c_nop));
	ASSERT_EQ(SITE_LEN, rv_encode_nop(nop));
	ASSERT_EQ(SITE_LEN, site_enc_jump(jal, (uintptr_t)site_unaligned,
					  (uintptr_t)site_unaligned + 4));
	ASSERT_EQ(2U, (uintptr_t)site_unaligned % 4);
	ASSERT_EQ(0, memcmp(site_short, c_nop, 2));
	ASSERT_EQ(0, memcmp(site_unaligned, nop, SITE_LEN));

	/* C.NOP: two bytes */
	REFUSED(-EINVAL, site_short, SNAP, c_nop, c_nop, 2, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, site_short, SNAP, NULL, c_nop, 2, TP_BACKEND_NOSYNC);
	ASSERT_EQ(0, tp_poke(site_short, c_nop, c_nop, 2, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(0, tp_poke(site_short, c_nop, c_nop, 2, TP_BACKEND_AUTO));
	ASSERT_EQ(1, site_short_fn());

	/* a 4-byte NOP at 2 mod 4: NOP <-> JAL x0, .+4 */
	REFUSED(-EINVAL, site_unaligned, SNAP, nop, jal, SITE_LEN,
		TP_BACKEND_NOSYNC);
	ASSERT_EQ(1, site_unaligned_fn());
	ASSERT_EQ(0, tp_poke(site_unaligned, nop, jal, SITE_LEN,
			     TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(0, memcmp(site_unaligned, jal, SITE_LEN));
	ASSERT_EQ(1, site_unaligned_fn());
	REFUSED(-EINVAL, site_unaligned, SNAP, jal, nop, SITE_LEN,
		TP_BACKEND_NOSYNC);
	ASSERT_EQ(0, tp_poke(site_unaligned, jal, nop, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, memcmp(site_unaligned, nop, SITE_LEN));
	ASSERT_EQ(1, site_unaligned_fn());

	/* AUIPC+JALR: two words */
	REFUSED(-EINVAL, site_multi, SNAP, multi_old, multi_new, MULTI_LEN,
		TP_BACKEND_NOSYNC);
	ASSERT_EQ(1, site_multi_fn(1));
	EXPECT_EQ(0UL, app_sigtrap_count);
}
#endif

TEST_HARNESS_MAIN
