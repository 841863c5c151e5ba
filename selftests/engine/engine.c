// SPDX-License-Identifier: GPL-2.0
/*
 * The poke engine on x86-64: every backend under threads that run the
 * site, the three syncs of a breakpoint batch of 10,000 sites, the error
 * contract (each refused poke leaves the text byte for byte as it was),
 * stop_machine's PC check and timeout, SIGTRAP chaining, fork and the two
 * text writers.
 *
 * Each test runs in its own forked process (kselftest harness), so the
 * text changes and the library state of one test never reach the next.
 * TP_TOGGLES lowers the number of toggles of the concurrency tests.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asm/insn.h>
#include <textpoke/textpoke.h>

#include "kselftest_harness.h"
#include "engine.h"

#define TOGGLES_DEFAULT		100000
#define TOGGLE_SECONDS		60	/* then fail rather than hit the timeout */
#define TOGGLE_WORKERS		4
#define BP_SYNCS		3	/* DESIGN.md: three syncs per batch on x86 */
#define SNAP			16	/* bytes compared around a refused poke */

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
	if (x86_encode_nop(s->old, SITE_LEN) != SITE_LEN)
		return -1;
	return x86_encode_jmp(s->new, SITE_LEN, (uintptr_t)site_nopjmp,
			      (uintptr_t)site_nopjmp_alt) == SITE_LEN ? 0 : -1;
}

static int site_call_states(struct site *s)
{
	s->name = "site_call";
	s->addr = site_call;
	s->fn = site_call_fn;
	if (x86_encode_call(s->old, (uintptr_t)site_call,
			    (uintptr_t)site_f) != SITE_LEN)
		return -1;
	return x86_encode_call(s->new, (uintptr_t)site_call,
			       (uintptr_t)site_g) == SITE_LEN ? 0 : -1;
}

/* JMP rel32 to the next instruction: a valid new instruction anywhere. */
static const uint8_t jmp_next[SITE_LEN] = { X86_JMP32_OPCODE, 0, 0, 0, 0 };
static const uint8_t nop1_run[SITE_LEN] = { 0x90, 0x90, 0x90, 0x90, 0x90 };

static uint8_t *many_site(unsigned int i)
{
	return site_many + (size_t)i * SITE_LEN;
}

/* Site @i of site_many as NOP5 (@jmp == 0) or JMP rel32 site_many_end. */
static void many_state(uint8_t *buf, unsigned int i, int jmp)
{
	if (jmp)
		x86_encode_jmp(buf, SITE_LEN, (uintptr_t)many_site(i),
			       (uintptr_t)site_many_end);
	else
		x86_encode_nop(buf, SITE_LEN);
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

/* The application's SIGTRAP handler first, then textpoke chains to it. */
static int init_with_app_handler(void)
{
	int err = app_sigtrap_install();

	if (!err)
		err = crash_reporter_install();
	if (!err)
		err = tp_init();
	return err;
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

/* --- every backend under load ------------------------------------------- */

FIXTURE(toggle) {
	struct workers pool;
};

FIXTURE_VARIANT(toggle) {
	enum tp_backend backend;
	int syncs_per_poke;		/* -1: not part of the contract */
};

FIXTURE_VARIANT_ADD(toggle, breakpoint) {
	.backend = TP_BACKEND_BREAKPOINT,
	.syncs_per_poke = BP_SYNCS,
};

FIXTURE_VARIANT_ADD(toggle, stop_machine) {
	.backend = TP_BACKEND_STOP_MACHINE,
	.syncs_per_poke = -1,
};

/* x86 has no nosync transition: AUTO takes breakpoint for NOP/JMP/CALL. */
FIXTURE_VARIANT_ADD(toggle, auto) {
	.backend = TP_BACKEND_AUTO,
	.syncs_per_poke = BP_SYNCS,
};

FIXTURE_SETUP(toggle)
{
	ASSERT_EQ(0, init_with_app_handler());
}

FIXTURE_TEARDOWN(toggle)
{
	workers_stop(&self->pool);
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
	unsigned long want = env_ulong("TP_TOGGLES", TOGGLES_DEFAULT);
	unsigned long done = 0, syncs;
	struct worker_stats sum;
	double start, deadline;
	int ret = 0;

	ASSERT_EQ(0, memcmp(s->addr, s->old, SITE_LEN))
		TH_LOG("%s does not hold the expected original bytes", s->name);
	ASSERT_EQ(1, s->fn());
	ASSERT_EQ(0, workers_start(pool, TOGGLE_WORKERS, s->fn));

	syncs = tp_debug_sync_count();
	start = now_seconds();
	deadline = start + TOGGLE_SECONDS;
	while (done < want) {
		const uint8_t *from = done & 1 ? s->new : s->old;
		const uint8_t *to = done & 1 ? s->old : s->new;

		ret = tp_poke(s->addr, from, to, SITE_LEN, variant->backend);
		if (ret)
			break;
		done++;
		if (!(done % 1024) && now_seconds() > deadline)
			break;
	}
	syncs = tp_debug_sync_count() - syncs;
	workers_stop(pool);
	workers_sum(pool, &sum);
	TH_LOG("%s: %lu toggles in %.1f s; %lu calls: %lu old, %lu new, %lu bad",
	       s->name, done, now_seconds() - start, sum.calls, sum.ret1,
	       sum.ret2, sum.other);

	ASSERT_EQ(0, ret)
		TH_LOG("toggle %lu: %s", done, tp_strerror(ret));
	ASSERT_EQ(want, done)
		TH_LOG("only %lu of %lu toggles within %d s", done, want,
		       TOGGLE_SECONDS);
	ASSERT_EQ(0, memcmp(s->addr, done & 1 ? s->new : s->old, SITE_LEN));
	ASSERT_EQ(done & 1 ? 2 : 1, s->fn());

	EXPECT_EQ(0UL, sum.other)
		TH_LOG("a worker's call returned %d", sum.bad_value);
	EXPECT_EQ(sum.calls, sum.ret1 + sum.ret2 + sum.other);
	if (done >= 1000 && sum.calls >= 10000) {
		EXPECT_NE(0UL, sum.ret1);
		EXPECT_NE(0UL, sum.ret2);
	}
	EXPECT_EQ(0UL, app_sigtrap_count)
		TH_LOG("textpoke's own traps reached the application");
	if (variant->syncs_per_poke >= 0)
		EXPECT_EQ(done * variant->syncs_per_poke, syncs);
}

TEST_F_TIMEOUT(toggle, nop_jmp_site_runs_old_or_new, 120)
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	toggle_under_load(_metadata, &self->pool, variant, &s);
}

TEST_F_TIMEOUT(toggle, call_site_runs_old_or_new, 120)
{
	struct site s;

	ASSERT_EQ(0, site_call_states(&s));
	toggle_under_load(_metadata, &self->pool, variant, &s);
}

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
 * the test also requires that many of them were resolved by emulation.
 */
TEST_F_TIMEOUT(engine, bp_trap_races_removal, 90)
{
	unsigned long emulated = tp_debug_emulations();
	unsigned long stale = tp_debug_stale_reads();
	uint8_t nop5[SITE_LEN], jmp[SITE_LEN];
	unsigned int i, rounds = 20000;

	ASSERT_EQ(5, x86_encode_nop(nop5, SITE_LEN));
	ASSERT_EQ(5, x86_encode_jmp(jmp, SITE_LEN, (uintptr_t)site_nopjmp,
				    (uintptr_t)site_nopjmp_alt));
	ASSERT_EQ(0, workers_start(&self->pool, 4, site_nopjmp_fn));
	for (i = 0; i < rounds; i++) {
		const uint8_t *from = i & 1 ? jmp : nop5, *to = i & 1 ? nop5 : jmp;
		struct tp_batch *batch = tp_batch_new();

		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, tp_batch_add(batch, site_nopjmp, from, to, SITE_LEN));
		ASSERT_EQ(0, tp_batch_commit(batch, TP_BACKEND_BREAKPOINT));
		tp_batch_free(batch);
	}
	workers_stop(&self->pool);
	EXPECT_EQ(stale, tp_debug_stale_reads());
	EXPECT_LT(emulated + 100, tp_debug_emulations())
		TH_LOG("only %lu traps raced the batches",
		       tp_debug_emulations() - emulated);
	EXPECT_EQ(0, memcmp(site_nopjmp, nop5, SITE_LEN));
}

/* --- batches --------------------------------------------------------------- */

/*
 * One batch of every site of site_many (> 10,000) is one run of the
 * protocol: three cross-core syncs for breakpoint, whatever the count, and
 * a bounded number of mprotect calls (one window per contiguous run, not
 * per site or page).  Threads run the sites throughout.
 */
TEST_F_TIMEOUT(engine, batch_10000_sites_three_syncs, 90)
{
	static const struct {
		enum tp_backend backend;
		int check_syncs;
	} passes[] = {
		{ TP_BACKEND_BREAKPOINT, 1 },
		{ TP_BACKEND_BREAKPOINT, 1 },
		{ TP_BACKEND_AUTO, 1 },
		{ TP_BACKEND_AUTO, 1 },
		{ TP_BACKEND_STOP_MACHINE, 0 },
		{ TP_BACKEND_STOP_MACHINE, 0 },
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
		if (passes[pass].check_syncs)
			EXPECT_EQ((unsigned long)BP_SYNCS, syncs)
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
	};
	static uint8_t data_nops[SNAP];
	const unsigned int count = 100;
	uint8_t before[100 * SITE_LEN], nop5[SITE_LEN], lib_before[SNAP];
	struct tp_batch *batch;
	unsigned int i;

	x86_encode_nop(nop5, SITE_LEN);
	memcpy(data_nops, nop5, SITE_LEN);
	memcpy(before, site_many, sizeof(before));
	memcpy(lib_before, (void *)tp_poke, SNAP);

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int ret;

		batch = tp_batch_new();
		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, many_batch_add(batch, 0, count, 1));
		switch (rows[i].err) {
		case -EILSEQ:	/* expects a JMP where a NOP5 is */
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
		unsigned int second;	/* offset of the second site */
		size_t len;
	} rows[] = {
		{ 0, SITE_LEN },	/* the same site twice */
		{ 2, 3 },		/* NOP3 inside the first */
		{ 4, SITE_LEN },	/* runs into the next site */
	};
	uint8_t before[2 * SITE_LEN], nop[SITE_LEN], jmp[SITE_LEN];
	unsigned int i;

	memcpy(before, site_many, sizeof(before));
	many_state(jmp, 0, 1);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		struct tp_batch *batch = tp_batch_new();
		int ret;

		ASSERT_NE(NULL, batch);
		ASSERT_EQ(0, x86_encode_nop(nop, rows[i].len) != (int)rows[i].len);
		ASSERT_EQ(0, tp_batch_add(batch, site_many, NULL, jmp, SITE_LEN));
		ret = tp_batch_add(batch, site_many + rows[i].second, NULL, nop,
				   rows[i].len);
		if (!ret)
			ret = tp_batch_commit(batch, TP_BACKEND_STOP_MACHINE);
		tp_batch_free(batch);
		EXPECT_EQ(-EINVAL, ret) TH_LOG("row %u", i);
		ASSERT_EQ(0, memcmp(before, site_many, sizeof(before)))
			TH_LOG("row %u", i);
	}
}

/* tp_batch_add() checks what it can without the text. */
TEST_F(engine, batch_add_checks_insn)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	struct tp_batch *batch = tp_batch_new();
	uint8_t nop5[SITE_LEN];

	ASSERT_NE(NULL, batch);
	x86_encode_nop(nop5, SITE_LEN);
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, NULL, NULL, nop5, SITE_LEN));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, NULL, SITE_LEN));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5, 0));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5, 4));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nopjmp, NULL, nop5,
					TP_MAX_INSN_LEN + 1));
	EXPECT_EQ(-EINVAL, tp_batch_add(batch, site_nop2, NULL, ud2, sizeof(ud2)));
	tp_batch_free(batch);
	ASSERT_EQ(0, memcmp(site_nopjmp, nop5, SITE_LEN));
}

/* --- the error contract of tp_poke() ---------------------------------------- */

TEST_F(engine, bad_input_matrix)
{
	static const uint8_t two_nops[] = { 0x90, 0x90 };
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static uint8_t data_nops[SNAP];
	uint8_t stack_nops[SNAP], big[TP_MAX_INSN_LEN + 1], nop5x[SITE_LEN + 1];
	uint8_t nop5[SITE_LEN], nop2[2];
	long page = sysconf(_SC_PAGESIZE);
	uint8_t *heap_nops, *gone, *rx;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	x86_encode_nop(nop5, SITE_LEN);
	x86_encode_nop(nop2, 2);
	memset(big, 0x90, sizeof(big));
	memcpy(nop5x, nop5, SITE_LEN);
	nop5x[SITE_LEN] = 0xff;
	memcpy(data_nops, nop5, SITE_LEN);
	memcpy(stack_nops, nop5, SITE_LEN);
	heap_nops = malloc(SNAP);
	ASSERT_NE(NULL, heap_nops);
	memcpy(heap_nops, nop5, SITE_LEN);

	/* No alignment row: x86 instructions have none (arch_insn_alignment() == 1). */

	/* -EINVAL: the arguments themselves */
	REFUSED(-EINVAL, NULL, 0, NULL, nop5, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, NULL, 0, NULL, nop5, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, NULL, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, s.old, NULL, SITE_LEN, TP_BACKEND_AUTO);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, 0, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, 0, TP_BACKEND_STOP_MACHINE);
	/* 17 NOP1s would be a valid stop_machine sequence but for the length */
	REFUSED(-EINVAL, site_many, SNAP + 8, NULL, big, sizeof(big),
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, s.old, s.new, SITE_LEN,
		(enum tp_backend)42);

	/* -EINVAL: @len is not the length of the instruction(s) */
	REFUSED(-EINVAL, s.addr, SNAP, NULL, nop5, 4, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, nop5, 4, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, 4, TP_BACKEND_AUTO);
	REFUSED(-EINVAL, site_many, SNAP, NULL, nop5x, sizeof(nop5x),
		TP_BACKEND_STOP_MACHINE);
	/* two instructions where breakpoint needs one */
	REFUSED(-EINVAL, site_nop2, SNAP, nop2, two_nops, 2, TP_BACKEND_BREAKPOINT);

	/* -EINVAL: instructions textpoke does not know */
	REFUSED(-EINVAL, site_nop2, SNAP, NULL, ud2, 2, TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, site_nop2, SNAP, NULL, ud2, 2, TP_BACKEND_STOP_MACHINE);
	REFUSED(-EINVAL, site_nop2, SNAP, NULL, ud2, 2, TP_BACKEND_AUTO);

	/* -EINVAL: transitions the backend cannot make */
	REFUSED(-EINVAL, s.addr, SNAP, s.old, s.new, SITE_LEN, TP_BACKEND_NOSYNC);
	REFUSED(-EINVAL, s.addr, SNAP, NULL, s.new, SITE_LEN, TP_BACKEND_NOSYNC);
	/* breakpoint: the old bytes (MOV $1,%eax) are no known instruction */
	REFUSED(-EINVAL, (void *)site_nopjmp_fn, SNAP, NULL, nop5, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	/* breakpoint: the old bytes are five instructions */
	REFUSED(-EINVAL, site_nop1x5, SNAP, nop1_run, nop5, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EINVAL, site_nop1x5, SNAP, NULL, nop5, SITE_LEN,
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
	 * its end.  Page 0 of @rx is RX (NOP5 at its end - 7, NOP2 at its
	 * end - 2), page 1 is unmapped.  A poke inside the page is the
	 * control; the old bytes past the end must not even be read.
	 */
	rx = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, rx);
	memset(rx, 0xc3, page);
	memcpy(rx + page - 7, nop5, SITE_LEN);
	memcpy(rx + page - 2, nop2, 2);
	ASSERT_EQ(0, mprotect(rx, page, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, munmap(rx + page, page));
	REFUSED(-EFAULT, rx + page - 2, 2, NULL, nop5, SITE_LEN,
		TP_BACKEND_BREAKPOINT);
	REFUSED(-EFAULT, rx + page - 2, 2, NULL, nop5, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EFAULT, rx + page - 2, 2, NULL, nop5, SITE_LEN, TP_BACKEND_AUTO);
	EXPECT_EQ(0, tp_poke(rx + page - 7, nop5, jmp_next, SITE_LEN,
			     TP_BACKEND_AUTO))
		TH_LOG("the control poke inside the RX page was refused");
	EXPECT_EQ(0, memcmp(rx + page - 7, jmp_next, SITE_LEN));
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
	REFUSED(-EPERM, (void *)tp_strerror, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_AUTO);
	REFUSED(-EPERM, (void *)x86_insn_length, SNAP, NULL, jmp_next, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);

	/* -EILSEQ: @expect is not what is there */
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT);
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);
	REFUSED(-EILSEQ, s.addr, SNAP, s.new, s.old, SITE_LEN, TP_BACKEND_AUTO);
	REFUSED(-EILSEQ, site_nop1x5, SNAP, nop5, nop1_run, SITE_LEN,
		TP_BACKEND_STOP_MACHINE);

	/* after all that, the sites are as built and still poke */
	ASSERT_EQ(0, memcmp(s.addr, s.old, SITE_LEN));
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/* -EPERM for the libraries textpoke runs on: libc and liburcu-bp. */
TEST_F(engine, poke_refuses_runtime_libraries)
{
	static const char *const names[] = {
		"memcpy", "pthread_mutex_lock", "sigaction",
		"urcu_bp_synchronize_rcu",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		void *fn = dlsym(RTLD_DEFAULT, names[i]);

		ASSERT_NE(NULL, fn) TH_LOG("%s: %s", names[i], dlerror());
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

static int nop1x5_run(void)
{
	return site_nop1x5_fn(256);
}

/*
 * Five 1-byte NOPs merged into one NOP5 and back while threads loop over
 * them: a thread parked on bytes 1-4 would resume in the middle of the
 * NOP5 (SIGILL or SIGSEGV), so stop_machine must retry until none is.
 * AUTO must pick stop_machine for it (breakpoint cannot: five old
 * instructions).
 */
TEST_F_TIMEOUT(engine, stop_machine_merges_nop1_run, 90)
{
	unsigned long rounds = env_ulong("TP_MERGES", 2000), done = 0;
	struct worker_stats sum;
	double start = now_seconds();
	uint8_t nop5[SITE_LEN];
	int ret = 0;

	x86_encode_nop(nop5, SITE_LEN);
	ASSERT_EQ(0, memcmp(site_nop1x5, nop1_run, SITE_LEN));
	ASSERT_EQ(0, workers_start(&self->pool, TOGGLE_WORKERS, nop1x5_run));
	while (done < rounds) {
		enum tp_backend backend = done & 2 ? TP_BACKEND_AUTO :
						     TP_BACKEND_STOP_MACHINE;
		const uint8_t *from = done & 1 ? nop5 : nop1_run;
		const uint8_t *to = done & 1 ? nop1_run : nop5;

		ret = tp_poke(site_nop1x5, from, to, SITE_LEN, backend);
		if (ret)
			break;
		done++;
		if (now_seconds() > start + TOGGLE_SECONDS)
			break;
	}
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	TH_LOG("%lu merges and splits in %.1f s, %lu calls", done,
	       now_seconds() - start, sum.calls);

	ASSERT_EQ(0, ret) TH_LOG("round %lu: %s", done, tp_strerror(ret));
	ASSERT_EQ(rounds, done);
	ASSERT_EQ(0, memcmp(site_nop1x5, done & 1 ? nop5 : nop1_run, SITE_LEN));
	EXPECT_NE(0UL, sum.calls);
	EXPECT_EQ(sum.calls, sum.ret1)
		TH_LOG("a call returned %d", sum.bad_value);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/*
 * A thread that blocks every signal cannot be parked: stop_machine gives
 * up with -ETIMEDOUT, text unchanged, and releases the threads it did
 * park.  Once that thread is gone the same poke succeeds.
 */
TEST_F(engine, stop_timeout_leaves_text)
{
	uint8_t nop5[SITE_LEN];
	unsigned long calls;
	struct worker_stats sum;
	struct site s;
	double start;
	long ms;
	int ret;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	x86_encode_nop(nop5, SITE_LEN);
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));
	ASSERT_EQ(0, blocker_start(&self->blocker));

	start = now_seconds();
	ret = poke_refused(_metadata, s.addr, SNAP, s.old, s.new, SITE_LEN,
			   TP_BACKEND_STOP_MACHINE);
	ms = (long)((now_seconds() - start) * 1000);
	ASSERT_EQ(-ETIMEDOUT, ret) TH_LOG("%s", tp_strerror(ret));
	EXPECT_GT(15000L, ms) TH_LOG("gave up after %ld ms", ms);
	ASSERT_EQ(1, site_nopjmp_fn());

	/* AUTO for a NOP1 run can only use stop_machine: same outcome */
	ret = poke_refused(_metadata, site_nop1x5, SNAP, nop1_run, nop5,
			   SITE_LEN, TP_BACKEND_AUTO);
	ASSERT_EQ(-ETIMEDOUT, ret) TH_LOG("%s", tp_strerror(ret));

	/* the workers were released */
	calls = workers_calls(&self->pool);
	usleep(100 * 1000);
	ASSERT_LT(calls, workers_calls(&self->pool));

	/* breakpoint needs no parking */
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());

	blocker_stop(&self->blocker);
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN,
			     TP_BACKEND_STOP_MACHINE));
	ASSERT_EQ(1, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(site_nop1x5, nop1_run, nop5, SITE_LEN,
			     TP_BACKEND_AUTO));
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other);
}

/* --- SIGTRAP chaining --------------------------------------------------------- */

TEST_F(engine, foreign_int3_reaches_app_handler)
{
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);
	ASSERT_EQ(0UL, app_sigtrap_count);

	__asm__ volatile("int3" ::: "memory");
	ASSERT_EQ(1UL, app_sigtrap_count);
	ASSERT_EQ(SI_KERNEL, app_sigtrap_code);

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

/* The same with a handler installed without SA_SIGINFO. */
TEST(foreign_int3_reaches_plain_handler)
{
	struct site s;

	ASSERT_EQ(0, app_sigtrap_install_plain());
	ASSERT_EQ(0, crash_reporter_install());
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);

	__asm__ volatile("int3" ::: "memory");
	ASSERT_EQ(1UL, app_sigtrap_count);
	ASSERT_EQ(SIGTRAP, app_sigtrap_code);
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(2UL, app_sigtrap_count);
}

/* With no application handler, a foreign trap kills as it would have. */
TEST_SIGNAL(foreign_int3_without_handler_kills, SIGTRAP)
{
	struct rlimit no_core = { 0, 0 };
	struct site s;

	ASSERT_EQ(0, setrlimit(RLIMIT_CORE, &no_core));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, site_nopjmp_states(&s));
	bp_toggles(_metadata, &s, 4);
	__asm__ volatile("int3" ::: "memory");
	TH_LOG("survived a foreign int3 with SIGTRAP at SIG_DFL");
}

/*
 * A SIGTRAP handler installed after textpoke's: breakpoint pokes would
 * send their traps to it, so they fail with -EBUSY and AUTO falls back to
 * stop_machine.
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

static void expect_child_ok(struct __test_metadata *_metadata, pid_t pid)
{
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
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

/*
 * /proc/self/mem writes without changing a page's protection: breakpoint
 * and stop_machine pokes work under load with no mprotect call at all.
 */
TEST_F_TIMEOUT(engine, proc_mem_writer_needs_no_mprotect, 60)
{
	unsigned long mprotects, i;
	struct worker_stats sum;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
	ASSERT_EQ(0, workers_start(&self->pool, 2, site_nopjmp_fn));

	mprotects = tp_debug_mprotect_count();
	for (i = 0; i < 4000; i++) {
		enum tp_backend backend = i < 3800 ? TP_BACKEND_BREAKPOINT :
						     TP_BACKEND_STOP_MACHINE;
		const uint8_t *from = i & 1 ? s.new : s.old;
		const uint8_t *to = i & 1 ? s.old : s.new;

		ASSERT_EQ(0, tp_poke(s.addr, from, to, SITE_LEN, backend))
			TH_LOG("toggle %lu", i);
		ASSERT_EQ(0, memcmp(s.addr, to, SITE_LEN));
		ASSERT_EQ(i & 1 ? 1 : 2, site_nopjmp_fn());
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

/* An unknown writer is refused and the current one stays. */
TEST_F(engine, unknown_writer_is_refused)
{
	unsigned long mprotects;
	struct site s;

	ASSERT_EQ(0, site_nopjmp_states(&s));
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
	ASSERT_EQ(-EINVAL, tp_set_writer((enum tp_writer)99));
	ASSERT_EQ(-EINVAL, tp_set_writer((enum tp_writer)-1));

	mprotects = tp_debug_mprotect_count();
	ASSERT_EQ(0, tp_poke(s.addr, s.old, s.new, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0UL, tp_debug_mprotect_count() - mprotects)
		TH_LOG("the refused writer replaced /proc/self/mem");
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_AUTO));
	ASSERT_EQ(0, tp_poke(s.addr, s.new, s.old, SITE_LEN, TP_BACKEND_BREAKPOINT));
	ASSERT_EQ(1, site_nopjmp_fn());
}

TEST_HARNESS_MAIN
