// SPDX-License-Identifier: GPL-2.0
/*
 * Static keys: start states, every form of site, reference counts, bad
 * input, broken tables, shared objects loaded and unloaded, and threads
 * running the branches while keys change tens of thousands of times.
 * The harness runs each test in a child process, so every test starts
 * from the keys' initial states.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../emulator.h"
#include "kselftest_harness.h"
#include "static_key.h"

TP_DEFINE_STATIC_KEY_FALSE(sk_shared);

/* A site in this translation unit too: the table spans several units. */
__attribute__((noinline)) int shared_unlikely(void)
{
	if (tp_static_branch_unlikely(&sk_shared))
		return 1;
	return 0;
}


static unsigned long env_count(const char *name, unsigned long dflt)
{
	const char *value = getenv(name);

	return value ? strtoul(value, NULL, 0) : dflt;
}

static int key_count(const struct tp_static_key *key)
{
	return __atomic_load_n(&key->enabled, __ATOMIC_ACQUIRE);
}

TEST(start_states_cost_nothing_to_set_up)
{
	EXPECT_EQ(0, false_unlikely());
	EXPECT_EQ(0, false_likely());
	EXPECT_EQ(1, true_unlikely());
	EXPECT_EQ(1, true_likely());
	EXPECT_EQ(0, far_likely());
	EXPECT_EQ(1, loop_both());
	EXPECT_EQ(0, shared_unlikely());
	EXPECT_FALSE(tp_static_key_enabled(&sk_false));
	EXPECT_TRUE(tp_static_key_enabled(&sk_true));
	EXPECT_EQ(0, key_count(&sk_false.key));
	EXPECT_EQ(1, key_count(&sk_true.key));
}

TEST(enable_and_disable_flip_every_site)
{
	ASSERT_EQ(0, tp_static_key_enable(&sk_false));
	EXPECT_EQ(1, false_unlikely());
	EXPECT_EQ(1, false_likely());
	ASSERT_EQ(0, tp_static_key_enable(&sk_false));	/* already on */
	EXPECT_EQ(1, key_count(&sk_false.key));

	ASSERT_EQ(0, tp_static_key_disable(&sk_true));
	EXPECT_EQ(0, true_unlikely());
	EXPECT_EQ(0, true_likely());
	ASSERT_EQ(0, tp_static_key_disable(&sk_true));	/* already off */

	ASSERT_EQ(0, tp_static_key_enable(&sk_far));
	EXPECT_EQ(1, far_likely());
	ASSERT_EQ(0, tp_static_key_disable(&sk_loop));
	EXPECT_EQ(0, loop_both());

	/* Other keys' sites were not touched. */
	EXPECT_EQ(0, shared_unlikely());

	ASSERT_EQ(0, tp_static_key_disable(&sk_false));
	ASSERT_EQ(0, tp_static_key_enable(&sk_true));
	ASSERT_EQ(0, tp_static_key_disable(&sk_far));
	ASSERT_EQ(0, tp_static_key_enable(&sk_loop));
	EXPECT_EQ(0, false_unlikely());
	EXPECT_EQ(0, false_likely());
	EXPECT_EQ(1, true_unlikely());
	EXPECT_EQ(1, true_likely());
	EXPECT_EQ(0, far_likely());
	EXPECT_EQ(1, loop_both());
}

/* Library internals, exported from libtextpoke.a for tests. */
#include "../../textpoke/test_support.h"

/*
 * A change is one batch with the cheapest safe protocol, however many
 * sites the key has: breakpoint on x86 (3 syncs), one store per site on
 * arm64 and riscv64 (1 sync).
 */
TEST(a_change_is_one_batch)
{
#if defined(__x86_64__)
	const unsigned long syncs_per_change = 3;
#else
	const unsigned long syncs_per_change = 1;
#endif
	unsigned long before;

	EXPECT_EQ(1, loop_both());
	before = tp_debug_sync_count();
	ASSERT_EQ(0, tp_static_key_disable(&sk_loop));
	EXPECT_EQ(syncs_per_change, tp_debug_sync_count() - before);
	EXPECT_EQ(0, loop_both());

	/* Nothing to change: no batch at all. */
	before = tp_debug_sync_count();
	ASSERT_EQ(0, tp_static_key_disable(&sk_loop));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_loop));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_loop));
	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_loop));
	EXPECT_EQ(syncs_per_change, tp_debug_sync_count() - before);
}

/* The sites of this program, resolved like the library does. */
static uintptr_t entry_code(const struct tp_jump_entry *e)
{
	return (uintptr_t)&e->code + e->code;
}

static uintptr_t entry_target(const struct tp_jump_entry *e)
{
	return (uintptr_t)&e->target + e->target;
}

static size_t nr_entries(void)
{
	return __stop___tp_jump_table - __start___tp_jump_table;
}

/*
 * Every site is in the form its entry says, and toggling every key there
 * and back restores every byte.  On x86 the table must have the three
 * forms: NOP5, JMP rel8 and JMP rel32.
 */
TEST(sites_match_their_table_and_come_back)
{
	struct tp_static_key *keys[] = {
		&sk_false.key, &sk_true.key, &sk_far.key, &sk_loop.key, &sk_shared.key,
	};
	size_t nr = nr_entries(), i, k;
	uint8_t (*before)[8];
	int forms[3] = { 0 };	/* NOP, short jump, long jump */

	ASSERT_LE(8UL, nr);	/* loop_both() may be unrolled */
	before = calloc(nr, sizeof(*before));
	ASSERT_NE(NULL, before);
	for (i = 0; i < nr; i++) {
		const struct tp_jump_entry *e = __start___tp_jump_table + i;
		uint8_t buf[TP_MAX_INSN_LEN];
		int len;

		memcpy(before[i], (void *)entry_code(e), sizeof(before[i]));
		if (!(e->key & TP_JUMP_ENTRY_ASSEMBLED_JUMP)) {
			forms[0]++;
			continue;
		}
		len = tp_encode_jump(buf, (void *)entry_code(e), (void *)entry_target(e), 2);
		if (len == 2 && !memcmp(buf, before[i], 2)) {
			forms[1]++;
			continue;
		}
		len = tp_encode_jump(buf, (void *)entry_code(e), (void *)entry_target(e), 5);
		if (len < 0)	/* arm64, riscv: one form of 4 bytes */
			len = tp_encode_jump(buf, (void *)entry_code(e),
					     (void *)entry_target(e), 4);
		ASSERT_LT(0, len);
		EXPECT_EQ(0, memcmp(buf, before[i], len)) TH_LOG("site %zu", i);
		forms[2]++;
	}
	EXPECT_LT(0, forms[0]);
#if defined(__x86_64__)
	EXPECT_LT(0, forms[1]);
#endif
	EXPECT_LT(0, forms[2]);

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		if (key_count(keys[k])) {
			ASSERT_EQ(0, (tp_static_key_disable)(keys[k]));
			ASSERT_EQ(0, (tp_static_key_enable)(keys[k]));
		} else {
			ASSERT_EQ(0, (tp_static_key_enable)(keys[k]));
			ASSERT_EQ(0, (tp_static_key_disable)(keys[k]));
		}
	}
	for (i = 0; i < nr; i++)
		EXPECT_EQ(0, memcmp(before[i], (void *)entry_code(__start___tp_jump_table + i),
				    sizeof(before[i]))) TH_LOG("site %zu", i);
	free(before);
}

TEST(references_keep_the_key_on)
{
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_false));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_false));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_false));
	EXPECT_EQ(3, key_count(&sk_false.key));
	EXPECT_EQ(1, false_unlikely());

	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_false));
	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_false));
	EXPECT_EQ(1, false_unlikely());
	EXPECT_EQ(1, false_likely());
	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_false));
	EXPECT_EQ(0, false_unlikely());
	EXPECT_EQ(0, false_likely());

	/* Below zero: refused, nothing changes. */
	EXPECT_EQ(-EINVAL, tp_static_key_slow_dec(&sk_false));
	EXPECT_EQ(0, key_count(&sk_false.key));
	EXPECT_EQ(0, false_unlikely());

	/* A TRUE key starts with one reference. */
	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_true));
	EXPECT_EQ(0, true_likely());
	EXPECT_EQ(-EINVAL, tp_static_key_slow_dec(&sk_true));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_true));
	EXPECT_EQ(1, true_likely());
}

TEST(disable_refuses_held_references)
{
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_false));
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_false));
	EXPECT_EQ(-EBUSY, tp_static_key_disable(&sk_false));
	EXPECT_EQ(2, key_count(&sk_false.key));
	EXPECT_EQ(1, false_unlikely());
	ASSERT_EQ(0, tp_static_key_slow_dec(&sk_false));
	ASSERT_EQ(0, tp_static_key_disable(&sk_false));
	EXPECT_EQ(0, false_unlikely());
}

TEST(count_stops_at_int_max)
{
	sk_far.key.enabled = INT_MAX - 1;	/* as if INT_MAX - 1 references */
	ASSERT_EQ(0, tp_static_key_slow_inc(&sk_far));
	EXPECT_EQ(-EOVERFLOW, tp_static_key_slow_inc(&sk_far));
	EXPECT_EQ(INT_MAX, key_count(&sk_far.key));
}

TEST(bad_arguments_are_refused)
{
	EXPECT_EQ(-EINVAL, (tp_static_key_enable)(NULL));
	EXPECT_EQ(-EINVAL, (tp_static_key_disable)(NULL));
	EXPECT_EQ(-EINVAL, (tp_static_key_slow_inc)(NULL));
	EXPECT_EQ(-EINVAL, (tp_static_key_slow_dec)(NULL));
	EXPECT_EQ(-EINVAL, tp_jump_table_register(NULL, NULL));
	EXPECT_EQ(-EINVAL, tp_jump_table_register(__start___tp_jump_table + 1,
						  __start___tp_jump_table));
	tp_jump_table_unregister(NULL);		/* unknown: ignored */
	EXPECT_NE(NULL, strstr(tp_strerror(-EOVERFLOW), "static key"));

	/* An empty table registers and unregisters. */
	EXPECT_EQ(0, tp_jump_table_register(__stop___tp_jump_table,
					    __stop___tp_jump_table));
	tp_jump_table_unregister(__stop___tp_jump_table);
}

/* Code that is no static branch site: it starts with no NOP and no jump. */
__attribute__((noinline)) static int not_a_site(void)
{
	return 42;
}

static struct tp_static_key *broken_slot = &sk_false.key;
static struct tp_jump_entry broken_table[1] __attribute__((aligned(8)));

static void make_broken_table(void)
{
	struct tp_jump_entry *e = broken_table;

	e->code = (int32_t)((uintptr_t)not_a_site - (uintptr_t)&e->code);
	e->target = (int32_t)((uintptr_t)not_a_site - (uintptr_t)&e->target);
	e->key = (int64_t)((uintptr_t)&broken_slot - (uintptr_t)&e->key);
}

/*
 * A table whose site is not what it says registers as broken: its key
 * refuses to change (so no site of it is left behind), other keys work,
 * and the block lasts until the last reference to the table is dropped.
 */
TEST(broken_table_blocks_its_keys)
{
	uint8_t code[8];

	make_broken_table();
	memcpy(code, (void *)not_a_site, sizeof(code));
	EXPECT_EQ(-EILSEQ, tp_jump_table_register(broken_table, broken_table + 1));
	EXPECT_EQ(-EILSEQ, tp_jump_table_register(broken_table, broken_table + 1));

	EXPECT_EQ(-EILSEQ, tp_static_key_enable(&sk_false));
	EXPECT_EQ(-EILSEQ, tp_static_key_slow_inc(&sk_false));
	EXPECT_EQ(0, key_count(&sk_false.key));
	EXPECT_EQ(0, false_unlikely());
	EXPECT_EQ(0, memcmp(code, (void *)not_a_site, sizeof(code)));
	EXPECT_EQ(42, not_a_site());

	ASSERT_EQ(0, tp_static_key_disable(&sk_true));
	EXPECT_EQ(0, true_likely());

	tp_jump_table_unregister(broken_table);
	EXPECT_EQ(-EILSEQ, tp_static_key_enable(&sk_false));
	tp_jump_table_unregister(broken_table);
	ASSERT_EQ(0, tp_static_key_enable(&sk_false));
	EXPECT_EQ(1, false_unlikely());
}

/* --- tables built at run time: any bytes at all -------------------------- */

#define SANDBOX_SITES	64
#define SANDBOX_STRIDE	8

/*
 * Code, a guard page and a table page in one mapping, so that every
 * 32-bit offset of an entry can reach all three (and beyond them).
 */
struct sandbox {
	uint8_t *code, *guard;
	struct tp_jump_entry *table;
	uint8_t compiled[SANDBOX_SITES * SANDBOX_STRIDE];
	size_t page;
	int site_len;
};

static struct tp_static_key sandbox_keys[4];
static struct tp_static_key *sandbox_slots[4] __attribute__((aligned(8))) = {
	&sandbox_keys[0], &sandbox_keys[1], &sandbox_keys[2], &sandbox_keys[3],
};

/* Every fourth site a jump four sites on, the others NOPs; padding NOPs. */
static int sandbox_fill(struct sandbox *sb)
{
	uint8_t pad[SANDBOX_STRIDE];
	int i, n;

	sb->site_len = tp_encode_nop(pad, 5) == 5 ? 5 : 4;
	for (i = 0; i < SANDBOX_SITES; i++) {
		uint8_t *site = sb->compiled + i * SANDBOX_STRIDE;
		uint8_t *at = sb->code + i * SANDBOX_STRIDE;

		n = i % 4 == 3 && i + 4 < SANDBOX_SITES ?
		    tp_encode_jump(site, at, at + 4 * SANDBOX_STRIDE, sb->site_len) :
		    tp_encode_nop(site, sb->site_len);
		if (n != sb->site_len ||
		    tp_encode_nop(site + n, SANDBOX_STRIDE - n) != SANDBOX_STRIDE - n)
			return -1;
	}
	return 0;
}

static int sandbox_reset(struct sandbox *sb)
{
	if (mprotect(sb->code, sb->page, PROT_READ | PROT_WRITE))
		return -1;
	memcpy(sb->code, sb->compiled, sizeof(sb->compiled));
	__builtin___clear_cache((char *)sb->code, (char *)sb->code + sizeof(sb->compiled));
	return mprotect(sb->code, sb->page, PROT_READ | PROT_EXEC);
}

static int sandbox_make(struct sandbox *sb)
{
	uint8_t *p;

	sb->page = sysconf(_SC_PAGESIZE);
	p = mmap(NULL, 3 * sb->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	sb->code = p;
	sb->guard = p + sb->page;
	sb->table = (struct tp_jump_entry *)(p + 2 * sb->page);
	if (mprotect(sb->guard, sb->page, PROT_NONE) || sandbox_fill(sb))
		return -1;
	return sandbox_reset(sb);
}

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Somewhere around the sandbox: sites, between them, the guard, the table, far off. */
static uintptr_t wild_address(const struct sandbox *sb, uint32_t *rnd)
{
	uint32_t r = next_rand(rnd);

	switch (r % 8) {
	case 0: case 1: case 2: case 3:
		return (uintptr_t)sb->code + (next_rand(rnd) % SANDBOX_SITES) * SANDBOX_STRIDE;
	case 4:
		return (uintptr_t)sb->code + next_rand(rnd) % (3 * sb->page) - 64;
	case 5:
		return (uintptr_t)sb->guard - 1 - next_rand(rnd) % 4;
	case 6:
		return (uintptr_t)sb->table + next_rand(rnd) % sb->page;
	default:
		return (uintptr_t)sb->code + (int32_t)next_rand(rnd);
	}
}

/* A key slot, or something that only looks like one. */
static uintptr_t wild_slot(const struct sandbox *sb, uint32_t *rnd)
{
	uint32_t r = next_rand(rnd);

	switch (r % 6) {
	case 0: case 1: case 2:
		return (uintptr_t)&sandbox_slots[r % 4];
	case 3:
		return (uintptr_t)&sandbox_slots[0] + 1 + r % 7;
	case 4:
		return (uintptr_t)sb->code + next_rand(rnd) % (3 * sb->page);
	default:
		return (uintptr_t)next_rand(rnd) << 12;
	}
}

static void wild_entry(struct tp_jump_entry *e, const struct sandbox *sb, uint32_t *rnd)
{
	e->code = (int32_t)(wild_address(sb, rnd) - (uintptr_t)&e->code);
	e->target = (int32_t)(wild_address(sb, rnd) - (uintptr_t)&e->target);
	e->key = (int64_t)(wild_slot(sb, rnd) - (uintptr_t)&e->key) | (next_rand(rnd) & 3);
}

/* Each registered site holds its key's state (all keys are off). */
static bool sites_follow_keys(const struct sandbox *sb, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const struct tp_jump_entry *e = &sb->table[i];
		uintptr_t code = (uintptr_t)&e->code + e->code;
		uintptr_t target = (uintptr_t)&e->target + e->target;
		uint8_t want[TP_MAX_INSN_LEN];
		bool jump = e->key & TP_JUMP_ENTRY_BRANCH;	/* key off: likely jumps */
		int n = jump ? tp_encode_jump(want, (void *)code, (void *)target, sb->site_len)
			     : tp_encode_nop(want, sb->site_len);

		if (n != sb->site_len || memcmp((void *)code, want, n))
			return false;
	}
	return true;
}

/*
 * Tables a program builds at run time can say anything: entries pointing
 * between instructions, into a guard page, at data, at no key, at a key
 * slot that is misaligned.  Registration answers with an error, never a
 * crash, and changes no byte unless the whole table is right, and then
 * only its sites, to their keys' state.
 */
TEST(tables_built_at_run_time_never_crash)
{
	unsigned long cases = env_count("TP_FUZZ_CASES", 3000), i, ok = 0;
	uint32_t rnd = 0x7ab1e5u;
	struct sandbox sb;

	ASSERT_EQ(0, sandbox_make(&sb));
	for (i = 0; i < cases; i++) {
		size_t nr = 1 + next_rand(&rnd) % 4, j;
		int err;

		for (j = 0; j < nr; j++)
			wild_entry(&sb.table[j], &sb, &rnd);
		err = tp_jump_table_register(sb.table, sb.table + nr);
		if (err) {
			ASSERT_TRUE(err == -EILSEQ || err == -EFAULT || err == -ERANGE ||
				    err == -EINVAL) TH_LOG("case %lu: %d", i, err);
			ASSERT_EQ(0, memcmp(sb.code, sb.compiled, sizeof(sb.compiled)))
				TH_LOG("case %lu: refused, yet the code changed", i);
		} else {
			ok++;
			ASSERT_TRUE(sites_follow_keys(&sb, nr)) TH_LOG("case %lu", i);
		}
		tp_jump_table_unregister(sb.table);
		ASSERT_EQ(0, sandbox_reset(&sb));
	}
	TH_LOG("%lu tables, %lu of them right", cases, ok);
	EXPECT_GT(ok, 0UL);
	EXPECT_LT(ok, cases);
}

/*
 * A table in memory that cannot be read (never mapped, unmapped, no
 * access, running off the end of its mapping) is -EFAULT, and one at an
 * address no table can be at (misaligned start, or a length that is no
 * whole number of entries) -EINVAL, before any of it is read, even at
 * the start of a table registered before.  Neither is registered: every
 * key still changes, the sites of this program still follow them, and
 * unregistering it is a no-op.
 */
TEST(tables_in_bad_memory_are_refused_before_any_read)
{
	size_t page = sysconf(_SC_PAGESIZE), entry = sizeof(struct tp_jump_entry);
	const struct tp_jump_entry *good = __start___tp_jump_table;
	uint8_t *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	const struct {
		const char *what;
		const void *start, *stop;
		int err;
	} rows[] = {
		{ "no access", p, p + entry, -EFAULT },
		{ "unmapped", p + 2 * page, p + 2 * page + entry, -EFAULT },
		{ "past the end", p + 2 * page - entry, p + 2 * page + entry, -EFAULT },
		{ "misaligned", (const uint8_t *)good + 4, (const uint8_t *)good + 4 + entry,
		  -EINVAL },
		{ "part of an entry", good, (const uint8_t *)good + entry + 4, -EINVAL },
		{ "no access, misaligned", p + 4, p + 4 + entry, -EINVAL },
	};
	size_t i;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p, page, PROT_NONE));
	ASSERT_EQ(0, munmap(p + 2 * page, page));
	ASSERT_LE(2UL, (size_t)(__stop___tp_jump_table - __start___tp_jump_table));
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		int err = tp_jump_table_register(rows[i].start, rows[i].stop);

		EXPECT_EQ(rows[i].err, err) TH_LOG("%s: %d", rows[i].what, err);
		if (rows[i].start != good)	/* the program's own table stays */
			tp_jump_table_unregister(rows[i].start);
	}
	ASSERT_EQ(0, tp_static_key_enable(&sk_false));
	EXPECT_EQ(1, false_unlikely());
	ASSERT_EQ(0, tp_static_key_disable(&sk_false));
	EXPECT_EQ(0, false_unlikely());
	ASSERT_EQ(0, tp_static_key_disable(&sk_true));
	EXPECT_EQ(0, true_likely());
}

/* --- concurrency ------------------------------------------------------- */

struct counting {
	unsigned long rounds;
	unsigned long off_while_held;
	int error;
};

/* Take a reference, check the key is on, drop it; rounds times. */
static void *count_references(void *arg)
{
	struct counting *c = arg;
	unsigned long i;
	int err;

	for (i = 0; i < c->rounds; i++) {
		err = tp_static_key_slow_inc(&sk_false);
		if (!err && (!false_unlikely() || !false_likely()))
			c->off_while_held++;
		if (!err)
			err = tp_static_key_slow_dec(&sk_false);
		if (err) {
			c->error = err;
			break;
		}
	}
	return NULL;
}

TEST(references_count_right_under_concurrency)
{
	enum { THREADS = 4 };
	struct counting c[THREADS];
	pthread_t tid[THREADS];
	unsigned long rounds = env_count("TP_SK_ROUNDS", 5000);
	int i;

	for (i = 0; i < THREADS; i++) {
		c[i] = (struct counting){ .rounds = rounds };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, count_references, &c[i]));
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		EXPECT_EQ(0, c[i].error);
		EXPECT_EQ(0UL, c[i].off_while_held);
	}
	EXPECT_EQ(0, key_count(&sk_false.key));
	EXPECT_EQ(0, false_unlikely());
	EXPECT_EQ(0, false_likely());
}

/*
 * A key's history as the workers see it: the toggler makes seq odd before
 * it changes the key and even after, so the state at an even seq is the
 * start state flipped seq/2 times.
 */
struct key_history {
	struct tp_static_key *key;
	int (*fn[3])(void);
	bool start_on;
	unsigned long seq;
};

struct verdicts {
	unsigned long exact, during, wrong;
};

static bool state_at(const struct key_history *h, unsigned long seq)
{
	return h->start_on ^ ((seq / 2) & 1);
}

/* Run @fn once and judge its answer against the key's history. */
static void judge_call(struct key_history *h, int (*fn)(void), struct verdicts *v)
{
	unsigned long before = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
	int seen = fn();
	unsigned long after;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	after = __atomic_load_n(&h->seq, __ATOMIC_ACQUIRE);
	if (before == after && !(before & 1)) {
		if (seen == state_at(h, before))
			v->exact++;
		else
			v->wrong++;
	} else if (seen == 0 || seen == 1 || (seen == -1 && fn == loop_both)) {
		v->during++;	/* a change was under way: either answer */
	} else {
		v->wrong++;
	}
}

/* Change key @h once, recording the change in its history. */
static int toggle(struct key_history *h)
{
	unsigned long seq = __atomic_load_n(&h->seq, __ATOMIC_RELAXED);
	int err;

	__atomic_store_n(&h->seq, seq + 1, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (state_at(h, seq))
		err = (tp_static_key_disable)(h->key);
	else
		err = (tp_static_key_enable)(h->key);
	__atomic_store_n(&h->seq, seq + 2, __ATOMIC_RELEASE);
	return err;
}

struct stress {
	struct key_history *keys;
	unsigned int nr_keys;
	int stop;
	struct verdicts v;
};

static void *run_branches(void *arg)
{
	struct stress *s = arg;
	struct verdicts v = { 0 };
	unsigned int k, f;

	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		for (k = 0; k < s->nr_keys; k++)
			for (f = 0; f < 3 && s->keys[k].fn[f]; f++)
				judge_call(&s->keys[k], s->keys[k].fn[f], &v);
	}
	__atomic_fetch_add(&s->v.exact, v.exact, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->v.during, v.during, __ATOMIC_RELAXED);
	__atomic_fetch_add(&s->v.wrong, v.wrong, __ATOMIC_RELAXED);
	return NULL;
}

static struct key_history program_keys[] = {
	{ &sk_false.key, { false_unlikely, false_likely }, false, 0 },
	{ &sk_true.key, { true_unlikely, true_likely }, true, 0 },
	{ &sk_far.key, { far_likely }, false, 0 },
	{ &sk_loop.key, { loop_both }, true, 0 },
	{ &sk_shared.key, { shared_unlikely }, false, 0 },
};

/* The stress tests take longer than the default 30 s under emulation. */
FIXTURE(stress) {};
FIXTURE_SETUP(stress) {}
FIXTURE_TEARDOWN(stress) {}

/*
 * Threads run every branch of five keys while this thread changes the
 * keys TP_SK_TOGGLES times (50,000 by default): every answer given while
 * no change was under way is the key's state, and every other answer is
 * one of the two states.
 */
TEST_F_TIMEOUT(stress, branches_agree_with_keys_while_they_change, 300)
{
	enum { MAX_WORKERS = 2 };
	struct stress s = { program_keys, 5, 0, { 0 } };
	unsigned long toggles = env_count("TP_SK_TOGGLES", 50000), i;
	int workers = MAX_WORKERS;
	pthread_t tid[MAX_WORKERS];
	int w, err = 0;

	if (qemu_smc_unreliable())
		SKIP(return, "qemu-user 7.2 runs stale or broken code when threads run code rewritten this often");

	for (w = 0; w < workers; w++)
		ASSERT_EQ(0, pthread_create(&tid[w], NULL, run_branches, &s));
	for (i = 0; i < toggles && !err; i++)
		err = toggle(&program_keys[i % s.nr_keys]);
	__atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
	for (w = 0; w < workers; w++)
		pthread_join(tid[w], NULL);

	EXPECT_EQ(0, err);
	EXPECT_EQ(toggles, i);
	EXPECT_EQ(0UL, s.v.wrong);
	EXPECT_LT(0UL, s.v.exact);
	TH_LOG("%lu toggles, %d workers; answers: %lu exact, %lu during a change, %lu wrong",
	       i, workers, s.v.exact, s.v.during, s.v.wrong);
}

/* --- shared objects ---------------------------------------------------- */

static void *dso_open(struct __test_metadata *_metadata)
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	void *dso;

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(exe), DSO_NAME);
	dso = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	EXPECT_NE(NULL, dso) TH_LOG("%s", dlerror());
	return dso;
}

static dso_branch_fn *dso_fn(void *dso, const char *name)
{
	return (dso_branch_fn *)dlsym(dso, name);
}

/*
 * The object is loaded after the key it uses was turned on: its
 * constructor brings its sites to the key's state.  Then one change
 * flips the program's and the object's sites together.
 */
TEST(shared_object_follows_the_program_keys)
{
	dso_branch_fn *dso_unlikely, *dso_likely, *dso_own;
	dso_key_fn *dso_key;
	void *dso;

	ASSERT_EQ(0, tp_static_key_enable(&sk_shared));
	dso = dso_open(_metadata);
	ASSERT_NE(NULL, dso);
	dso_unlikely = dso_fn(dso, "dso_shared_unlikely");
	dso_likely = dso_fn(dso, "dso_shared_likely");
	dso_own = dso_fn(dso, "dso_own_likely");
	dso_key = (dso_key_fn *)dlsym(dso, "dso_own_key");
	ASSERT_TRUE(dso_unlikely && dso_likely && dso_own && dso_key);

	EXPECT_EQ(1, dso_unlikely());
	EXPECT_EQ(1, dso_likely());
	EXPECT_EQ(1, shared_unlikely());

	ASSERT_EQ(0, tp_static_key_disable(&sk_shared));
	EXPECT_EQ(0, dso_unlikely());
	EXPECT_EQ(0, dso_likely());
	EXPECT_EQ(0, shared_unlikely());

	/* The object's own key: its sites only. */
	EXPECT_EQ(1, dso_own());
	ASSERT_EQ(0, tp_static_key_disable(dso_key()));
	EXPECT_EQ(0, dso_own());
	EXPECT_EQ(0, dso_unlikely());
	EXPECT_EQ(1, true_likely());

	ASSERT_EQ(0, tp_static_key_enable(&sk_shared));
	EXPECT_EQ(1, dso_unlikely());
	EXPECT_EQ(1, shared_unlikely());
	EXPECT_EQ(0, dlclose(dso));
}

/*
 * After dlclose() the object's pages may hold anything: map a page of
 * known bytes where its site was and change the key.  Had the library
 * kept the object's sites, the change would write there or fail on the
 * unexpected bytes.
 */
TEST(dlclose_leaves_no_site_behind)
{
	long page = sysconf(_SC_PAGESIZE);
	dso_branch_fn *fn;
	void *dso, *where;
	uint8_t *map;
	long i, changed = 0;

	dso = dso_open(_metadata);
	ASSERT_NE(NULL, dso);
	fn = dso_fn(dso, "dso_shared_unlikely");
	ASSERT_TRUE(fn != NULL);
	ASSERT_EQ(0, tp_static_key_enable(&sk_shared));
	EXPECT_EQ(1, fn());
	where = (void *)((uintptr_t)fn & ~(uintptr_t)(page - 1));
	ASSERT_EQ(0, dlclose(dso));

	map = mmap(where, page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (map != where)
		SKIP(return, "the object's old text page was taken: %s", strerror(errno));
	memset(map, 0x5a, page);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ | PROT_EXEC));

	EXPECT_EQ(0, tp_static_key_disable(&sk_shared));
	EXPECT_EQ(0, tp_static_key_enable(&sk_shared));
	EXPECT_EQ(1, shared_unlikely());
	for (i = 0; i < page; i++)
		changed += map[i] != 0x5a;
	EXPECT_EQ(0, changed);
	munmap(map, page);
}

struct loader_race {
	struct key_history *key;
	int stop;
	unsigned long toggles;
	int error;
};

/*
 * Stable windows for the loader's calls too, a quarter of what the change
 * took (at least 50 us): under an emulator on a loaded machine a change
 * can take tens of milliseconds, and a fixed pause left no call outside
 * one.
 */
static void *toggle_until_stopped(void *arg)
{
	struct loader_race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) && !r->error) {
		struct timespec t0, t1;
		long us;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		r->error = toggle(r->key);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		r->toggles++;
		us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
		us /= 4;
		usleep(us < 50 ? 50 : us > 25000 ? 25000 : us);
	}
	return NULL;
}

/*
 * Objects come and go while another thread changes the key they use:
 * each load brings its sites to the key's state, each unload takes them
 * out of the next change, and the answers stay right throughout.
 */
TEST_F_TIMEOUT(stress, dlopen_and_dlclose_while_a_key_changes, 120)
{
	struct key_history shared = { &sk_shared.key, { NULL }, false, 0 };
	struct loader_race race = { &shared, 0, 0, 0 };
	unsigned long loads = env_count("TP_SK_LOADS", 200), i;
	struct verdicts v = { 0 };
	pthread_t tid;

	ASSERT_EQ(0, pthread_create(&tid, NULL, toggle_until_stopped, &race));
	for (i = 0; i < loads; i++) {
		void *dso = dso_open(_metadata);
		dso_branch_fn *fn;
		int call;

		if (!dso)
			break;
		fn = dso_fn(dso, i & 1 ? "dso_shared_likely" : "dso_shared_unlikely");
		for (call = 0; fn && call < 100; call++)
			judge_call(&shared, fn, &v);
		judge_call(&shared, shared_unlikely, &v);
		EXPECT_EQ(0, dlclose(dso));
	}
	__atomic_store_n(&race.stop, 1, __ATOMIC_RELEASE);
	pthread_join(tid, NULL);

	EXPECT_EQ(loads, i);
	EXPECT_EQ(0, race.error);
	EXPECT_EQ(0UL, v.wrong);
	EXPECT_LT(0UL, v.exact);
	TH_LOG("%lu loads, %lu toggles; answers: %lu exact, %lu during a change",
	       i, race.toggles, v.exact, v.during);
}

TEST_HARNESS_MAIN
