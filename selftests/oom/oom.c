// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failure at every point of a call.  Each call of the API
 * that allocates (a poke, a batch, registering and unregistering
 * function tracing, graph tracing, a redirection, a filter change, a
 * static key change, registering a jump table) is made once for every n
 * from 1 on with the n-th allocation failing (oom_shim.c), then again
 * with every allocation from the n-th on failing, until the call no
 * longer gets to its n-th allocation.  Each run is a child process of
 * its own, forked from the same state.  Every run: no abort, 0 or
 * -ENOMEM; on -ENOMEM the text byte for byte as it was and the library
 * as usable as before (the same call, with memory back, works); on 0,
 * everything the call promises.  From a process that never called the
 * library (its initialisation is part of the call) and from one that
 * has.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TP_NO_JUMP_TABLE_CONSTRUCTOR
#include <textpoke/ftrace.h>
#include <textpoke/static_key.h>
#include <textpoke/textpoke.h>

#include "kselftest_harness.h"
#include "../engine/engine.h"
#include "oom_shim.h"
#include "traced.h"

#define MAX_ALLOCS	20000	/* a call that allocates more is a bug */
#define CHILD_SECONDS	20	/* one run of one call, hung if longer */

/* What a child found, in memory its parent shares. */
struct outcome {
	bool injected;		/* the call got to the allocation made to fail */
	unsigned long allocs;	/* allocations the call made */
	int err;		/* what it returned */
	int line;		/* of the check that failed; 0: none did */
	char msg[200];
};

static struct outcome *out;

static int failed(int line, const char *fmt, ...)
{
	va_list ap;

	out->line = line;
	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
	return 1;
}

#define CHECK(cond, ...) do {						\
	if (!(cond))							\
		return failed(__LINE__, __VA_ARGS__);			\
} while (0)

/* Arm the shim for the run in hand, and note what the call did. */
static unsigned long run_n;
static bool run_persist;

static void arm(void)
{
	oom_arm(run_n, run_persist);
}

static int disarm(int err)
{
	out->allocs = oom_disarm();
	out->injected = oom_injected();
	out->err = err;
	return err;
}

/* What a failed call must have left: 0 or -ENOMEM, nothing else. */
static bool enomem(int err)
{
	return err == -ENOMEM;
}

#define CHECK_RESULT(err) CHECK((err) == 0 || (err) == -ENOMEM,	\
				"returned %d (%s)", (err), tp_strerror(err))

/* --- text before and after ------------------------------------------------ */

#define SNAP_MAX	64

struct snap {
	const uint8_t *at;
	size_t len;
	uint8_t bytes[SNAP_MAX];
};

static void snap_take(struct snap *s, const void *at, size_t len)
{
	s->at = at;
	s->len = len;
	memcpy(s->bytes, at, len);
}

static bool snap_same(const struct snap *s)
{
	return !memcmp(s->bytes, s->at, s->len);
}

/* The ops slot, the site and what follows, of a traced function. */
static void snap_func(struct snap *s, int (*fn)(int))
{
	uintptr_t at = (uintptr_t)fn - 16;

	snap_take(s, (const void *)at, 40);
}

/* --- running a call n times ----------------------------------------------- */

typedef int (*scenario_fn)(void);

/* One run in a child: 0 when it exited 0 having checked everything. */
static int run_once(scenario_fn scenario, unsigned long n, bool persist, int *status)
{
	pid_t pid;

	memset(out, 0, sizeof(*out));
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		alarm(CHILD_SECONDS);
		run_n = n;
		run_persist = persist;
		_exit(scenario());
	}
	if (waitpid(pid, status, 0) != pid)
		return -errno;
	return 0;
}

static const char *describe(int status)
{
	static char buf[300];

	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (out->line)
		snprintf(buf, sizeof(buf), "line %d: %s", out->line, out->msg);
	else
		snprintf(buf, sizeof(buf), "exited %d", WEXITSTATUS(status));
	return buf;
}

/*
 * Every allocation of the call made to fail in turn, alone and with
 * every later one: at least one must have been (the test could not fail
 * otherwise), and never more than MAX_ALLOCS.  The first few runs that
 * fail are told, and the sweep goes on.
 */
#define FAILURES_TOLD	4

static void sweep(struct __test_metadata *_metadata, const char *what,
		  scenario_fn scenario)
{
	static const char *const modes[] = { "alone", "and every later one" };
	unsigned long n, allocs = 0, failures = 0;
	struct timespec t0, t1;
	int mode, status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (mode = 0; mode < 2; mode++) {
		for (n = 1; n <= MAX_ALLOCS; n++) {
			ASSERT_EQ(0, run_once(scenario, n, mode, &status));
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				if (failures++ < FAILURES_TOLD)
					TH_LOG("%s, allocation %lu failing %s: %s", what, n,
					       modes[mode], describe(status));
				if (WIFSIGNALED(status))
					continue;
			}
			if (!out->injected)
				break;
		}
		ASSERT_LT(1UL, n) TH_LOG("%s allocates nothing", what);
		ASSERT_GE((unsigned long)MAX_ALLOCS, n);
		allocs = n - 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("%s: each of %lu allocations failed, alone and onwards (%.1f s)\n",
		       what, allocs, t1.tv_sec - t0.tv_sec + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);
	EXPECT_EQ(0UL, failures) TH_LOG("%s: %lu runs failed", what, failures);
}

FIXTURE(oom) {};

FIXTURE_SETUP(oom)
{
	out = mmap(NULL, sizeof(*out), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, out);
}

FIXTURE_TEARDOWN(oom)
{
	munmap(out, sizeof(*out));
}

/* --- pokes and batches ------------------------------------------------------ */

static enum tp_backend poke_backend;

static int site_states(uint8_t *nop, uint8_t *jump)
{
	if (tp_encode_nop(nop, SITE_LEN) != SITE_LEN)
		return -1;
	return tp_encode_jump(jump, site_nopjmp, site_nopjmp_alt, SITE_LEN) == SITE_LEN ? 0 : -1;
}

static int poke_scenario(void)
{
	uint8_t nop[TP_MAX_INSN_LEN], jump[TP_MAX_INSN_LEN];
	struct snap s;
	int err;

	CHECK(!site_states(nop, jump), "no encodings");
	snap_take(&s, site_nopjmp, SITE_LEN);
	arm();
	err = disarm(tp_poke(site_nopjmp, nop, jump, SITE_LEN, poke_backend));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&s), "the text changed");
		CHECK(site_nopjmp_fn() == 1, "the old code does not run");
		err = tp_poke(site_nopjmp, nop, jump, SITE_LEN, poke_backend);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(!memcmp(site_nopjmp, jump, SITE_LEN), "the new bytes are not there");
	CHECK(site_nopjmp_fn() == 2, "the new code does not run");
	return 0;
}

/* Poke and poke back, so that a child starts from an initialised library. */
static int warm_poke(void)
{
	uint8_t nop[TP_MAX_INSN_LEN], jump[TP_MAX_INSN_LEN];
	int err = site_states(nop, jump) ? -EINVAL : 0;

	if (!err)
		err = tp_poke(site_nopjmp, nop, jump, SITE_LEN, poke_backend);
	if (!err)
		err = tp_poke(site_nopjmp, jump, nop, SITE_LEN, poke_backend);
	return err;
}

static const struct {
	enum tp_backend backend;
	const char *name;
} poke_backends[] = {
	{ TP_BACKEND_AUTO, "auto" },
	{ TP_BACKEND_BREAKPOINT, "breakpoint" },
	{ TP_BACKEND_STOP_MACHINE, "stop_machine" },
};

TEST_F_TIMEOUT(oom, poke, 300)
{
	char what[80];
	size_t i;
	int warm;

	for (warm = 0; warm < 2; warm++) {
		for (i = 0; i < ARRAY_SIZE(poke_backends); i++) {
			poke_backend = poke_backends[i].backend;
			if (warm)
				ASSERT_EQ(0, warm_poke());
			snprintf(what, sizeof(what), "tp_poke %s, %s", poke_backends[i].name,
				 warm ? "initialised" : "first call");
			sweep(_metadata, what, poke_scenario);
		}
	}
}

/*
 * The library's initialisation registers fork handlers, which allocates
 * once libc's table of them is full, and may fail.  It must fail that
 * call only: the next one initialises.
 */
static void nothing(void)
{
}

/* Fork handlers that fit in libc's table before it must grow, as a child sees. */
static int fork_handlers_room(void)
{
	int i, status;
	pid_t pid = fork();

	if (pid == 0) {
		for (i = 0; i < 100000; i++) {
			oom_arm(0, false);
			pthread_atfork(nothing, nothing, nothing);
			if (oom_disarm())
				_exit(i < 255 ? i : 255);
		}
		_exit(255);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F_TIMEOUT(oom, first_call_with_fork_handlers_full, 120)
{
	int i, room = fork_handlers_room();

	ASSERT_LE(0, room);
	ASSERT_GT(255, room) TH_LOG("libc's table of fork handlers never grows");
	for (i = 0; i < room; i++)
		ASSERT_EQ(0, pthread_atfork(nothing, nothing, nothing));
	poke_backend = TP_BACKEND_AUTO;
	sweep(_metadata, "tp_poke auto, first call, libc's fork handlers full", poke_scenario);
}

/* Every site of site_many in one breakpoint batch: more than 10,000. */
static uint8_t many_before[SITE_MANY_COUNT * SITE_LEN];

static uint8_t *many_site(unsigned int i)
{
	return site_many + (size_t)i * SITE_LEN;
}

static int many_fill(struct tp_batch *batch, bool to_jump)
{
	uint8_t nop[TP_MAX_INSN_LEN], jump[TP_MAX_INSN_LEN];
	unsigned int i;
	int err = 0;

	for (i = 0; i < SITE_MANY_COUNT && !err; i++) {
		if (tp_encode_nop(nop, SITE_LEN) != SITE_LEN ||
		    tp_encode_jump(jump, many_site(i), site_many_end, SITE_LEN) != SITE_LEN)
			return -EINVAL;
		err = tp_batch_add(batch, many_site(i), to_jump ? nop : jump,
				   to_jump ? jump : nop, SITE_LEN);
	}
	return err;
}

static int many_batch(bool to_jump)
{
	struct tp_batch *batch = tp_batch_new();
	int err = batch ? many_fill(batch, to_jump) : -ENOMEM;

	if (!err)
		err = tp_batch_commit(batch, TP_BACKEND_BREAKPOINT);
	tp_batch_free(batch);
	return err;
}

static int batch_scenario(void)
{
	uint8_t jump[TP_MAX_INSN_LEN];
	int err;

	memcpy(many_before, site_many, sizeof(many_before));
	arm();
	err = disarm(many_batch(true));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(!memcmp(many_before, site_many, sizeof(many_before)), "the text changed");
		err = many_batch(true);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(tp_encode_jump(jump, many_site(SITE_MANY_COUNT - 1), site_many_end,
			     SITE_LEN) == SITE_LEN, "no encoding");
	CHECK(!memcmp(many_site(SITE_MANY_COUNT - 1), jump, SITE_LEN), "not written");
	CHECK(site_many_fn() == 1, "the sites do not run");
	return 0;
}

TEST_F_TIMEOUT(oom, batch, 300)
{
	sweep(_metadata, "batch of every site_many site, first call", batch_scenario);
	ASSERT_EQ(0, many_batch(true));
	ASSERT_EQ(0, many_batch(false));
	sweep(_metadata, "batch of every site_many site, initialised", batch_scenario);
}

#ifdef CONFIG_FTRACE
/* --- function tracing -------------------------------------------------------- */

static unsigned long hits;

static void count_hit(unsigned long ip, unsigned long parent_ip,
		      struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	__atomic_fetch_add((unsigned long *)ops->private, 1, __ATOMIC_RELAXED);
}

static struct tp_ftrace_ops ops = { .func = count_hit, .private = &hits };

/* Hits of one call of each traced function. */
static unsigned long hits_of_calls(void)
{
	unsigned long before = __atomic_load_n(&hits, __ATOMIC_RELAXED);

	if (oom_traced_a(1) != 2 || oom_traced_b(1) != 3)
		return ~0ul;
	return __atomic_load_n(&hits, __ATOMIC_RELAXED) - before;
}

static int register_scenario(void)
{
	struct snap a, b;
	int err = tp_ftrace_set_filter(&ops, "oom_traced_*", 1);

	CHECK(!err, "set_filter: %s", tp_strerror(err));
	snap_func(&a, oom_traced_a);
	snap_func(&b, oom_traced_b);
	arm();
	err = disarm(tp_register_ftrace_function(&ops));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a) && snap_same(&b), "the text changed");
		CHECK(hits_of_calls() == 0, "traced after an error");
		err = tp_register_ftrace_function(&ops);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(hits_of_calls() == 2, "not traced");
	err = tp_unregister_ftrace_function(&ops);
	CHECK(!err, "unregister: %s", tp_strerror(err));
	CHECK(hits_of_calls() == 0, "still traced");
	return 0;
}

/*
 * Unregister: either done (no callback, and it registers again) or not
 * done at all (every function still calls the callback, and a later
 * unregister works).
 */
static int unregister_scenario(void)
{
	struct snap a, b;
	int err = tp_ftrace_set_filter(&ops, "oom_traced_*", 1);

	if (!err)
		err = tp_register_ftrace_function(&ops);
	CHECK(!err, "setup: %s", tp_strerror(err));
	snap_func(&a, oom_traced_a);
	snap_func(&b, oom_traced_b);
	arm();
	err = disarm(tp_unregister_ftrace_function(&ops));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a) && snap_same(&b), "the text changed");
		CHECK(hits_of_calls() == 2, "half unregistered: not traced any more");
		err = tp_unregister_ftrace_function(&ops);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(hits_of_calls() == 0, "still traced");
	err = tp_register_ftrace_function(&ops);
	CHECK(!err, "register again: %s", tp_strerror(err));
	CHECK(hits_of_calls() == 2, "not traced again");
	return 0;
}

/* A filter changed while registered: the ops moves from one function to the other. */
static int filter_scenario(void)
{
	struct snap a, b;
	int err = tp_ftrace_set_filter(&ops, "oom_traced_a", 1);

	if (!err)
		err = tp_register_ftrace_function(&ops);
	CHECK(!err, "setup: %s", tp_strerror(err));
	snap_func(&a, oom_traced_a);
	snap_func(&b, oom_traced_b);
	arm();
	err = disarm(tp_ftrace_set_filter(&ops, "oom_traced_b", 1));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a) && snap_same(&b), "the text changed");
		CHECK(hits_of_calls() == 1 && oom_traced_a(0) == 1 && hits_of_calls() == 1,
		      "not as before");
		err = tp_ftrace_set_filter(&ops, "oom_traced_b", 1);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	hits = 0;
	CHECK(oom_traced_a(0) == 1 && hits == 0, "the old function is still traced");
	CHECK(oom_traced_b(0) == 2 && hits == 1, "the new function is not traced");
	return 0;
}

/* The first call of all: the library's initialisation and the objects' scan. */
static int first_filter_scenario(void)
{
	int err;

	arm();
	err = disarm(tp_ftrace_set_filter(&ops, "oom_traced_*", 1));
	CHECK_RESULT(err);
	if (enomem(err)) {
		err = tp_ftrace_set_filter(&ops, "oom_traced_*", 1);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(tp_ftrace_count_functions("oom_traced_*") == 2, "functions not found");
	err = tp_register_ftrace_function(&ops);
	CHECK(!err, "register: %s", tp_strerror(err));
	CHECK(hits_of_calls() == 2, "not traced");
	return 0;
}

/* Register and unregister, so that a child starts with the sites initialised. */
static int warm_ftrace(void)
{
	int err = tp_ftrace_set_filter(&ops, "oom_traced_*", 1);

	if (!err)
		err = tp_register_ftrace_function(&ops);
	if (!err)
		err = tp_unregister_ftrace_function(&ops);
	return err;
}

TEST_F_TIMEOUT(oom, ftrace, 300)
{
	sweep(_metadata, "tp_ftrace_set_filter, first call", first_filter_scenario);
	sweep(_metadata, "tp_register_ftrace_function, sites never traced", register_scenario);
	sweep(_metadata, "tp_ftrace_set_filter, registered, sites never traced", filter_scenario);
	ASSERT_EQ(0, warm_ftrace());
	sweep(_metadata, "tp_register_ftrace_function, sites traced before", register_scenario);
	sweep(_metadata, "tp_unregister_ftrace_function", unregister_scenario);
	sweep(_metadata, "tp_ftrace_set_filter, registered", filter_scenario);
}

/* --- graph tracing and redirection ------------------------------------------ */

static unsigned long graph_entries, graph_returns;

static int graph_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
{
	__atomic_fetch_add(&graph_entries, 1, __ATOMIC_RELAXED);
	return 1;
}

static void graph_return(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	__atomic_fetch_add(&graph_returns, 1, __ATOMIC_RELAXED);
}

static struct tp_fgraph_ops graph = { .entryfunc = graph_entry, .retfunc = graph_return };

static bool graph_saw(unsigned long calls)
{
	graph_entries = graph_returns = 0;
	return oom_traced_a(1) == 2 && graph_entries == calls && graph_returns == calls;
}

static int graph_scenario(void)
{
	struct snap a;
	int err = tp_ftrace_set_filter(&graph.ops, "oom_traced_a", 1);

	CHECK(!err, "set_filter: %s", tp_strerror(err));
	snap_func(&a, oom_traced_a);
	arm();
	err = disarm(tp_register_ftrace_graph(&graph));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a), "the text changed");
		CHECK(graph_saw(0), "traced after an error");
		err = tp_register_ftrace_graph(&graph);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(graph_saw(1), "not graph-traced");
	err = tp_unregister_ftrace_graph(&graph);
	CHECK(!err, "unregister: %s", tp_strerror(err));
	CHECK(graph_saw(0), "still traced");
	return 0;
}

static int redirect_scenario(void)
{
	struct snap a;
	int err;

	snap_func(&a, oom_traced_a);
	arm();
	err = disarm(tp_ftrace_redirect((unsigned long)oom_traced_a,
					(unsigned long)oom_traced_b));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a), "the text changed");
		CHECK(oom_traced_a(1) == 2, "redirected after an error");
		err = tp_ftrace_redirect((unsigned long)oom_traced_a, (unsigned long)oom_traced_b);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(oom_traced_a(1) == 3, "not redirected");
	err = tp_ftrace_unredirect((unsigned long)oom_traced_a);
	CHECK(!err, "unredirect: %s", tp_strerror(err));
	CHECK(oom_traced_a(1) == 2, "still redirected");
	return 0;
}

static int unredirect_scenario(void)
{
	struct snap a;
	int err = tp_ftrace_redirect((unsigned long)oom_traced_a, (unsigned long)oom_traced_b);

	CHECK(!err, "setup: %s", tp_strerror(err));
	snap_func(&a, oom_traced_a);
	arm();
	err = disarm(tp_ftrace_unredirect((unsigned long)oom_traced_a));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&a), "the text changed");
		CHECK(oom_traced_a(1) == 3, "half undone: not redirected any more");
		err = tp_ftrace_unredirect((unsigned long)oom_traced_a);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(oom_traced_a(1) == 2, "still redirected");
	err = tp_ftrace_redirect((unsigned long)oom_traced_a, (unsigned long)oom_traced_b);
	CHECK(!err, "redirect again: %s", tp_strerror(err));
	CHECK(oom_traced_a(1) == 3, "not redirected again");
	return 0;
}

TEST_F_TIMEOUT(oom, graph_and_redirect, 300)
{
	sweep(_metadata, "tp_register_ftrace_graph, first call", graph_scenario);
	sweep(_metadata, "tp_ftrace_redirect, first call", redirect_scenario);
	ASSERT_EQ(0, warm_ftrace());
	sweep(_metadata, "tp_register_ftrace_graph, initialised", graph_scenario);
	sweep(_metadata, "tp_ftrace_redirect, initialised", redirect_scenario);
	sweep(_metadata, "tp_ftrace_unredirect", unredirect_scenario);
}
#endif /* CONFIG_FTRACE */

#ifdef CONFIG_STATIC_KEYS
/* --- static keys ----------------------------------------------------------- */

/* This file's table, registered by the tests themselves (no constructor). */
extern const struct tp_jump_entry __start___tp_jump_table[]
	__attribute__((weak, visibility("hidden")));
extern const struct tp_jump_entry __stop___tp_jump_table[]
	__attribute__((weak, visibility("hidden")));

TP_DEFINE_STATIC_KEY_FALSE(oom_key);
TP_DEFINE_STATIC_KEY_FALSE(oom_other_key);

__attribute__((noinline)) static int oom_branch(void)
{
	if (tp_static_branch_unlikely(&oom_key))
		return 1;
	return 0;
}

__attribute__((noinline)) static int oom_other_branch(void)
{
	if (tp_static_branch_unlikely(&oom_other_key))
		return 1;
	return 0;
}

static int table_register(void)
{
	return tp_jump_table_register(__start___tp_jump_table, __stop___tp_jump_table);
}

static int key_scenario(void)
{
	struct snap s;
	int err = table_register();

	CHECK(!err, "register: %s", tp_strerror(err));
	snap_take(&s, (const void *)oom_branch, 32);
	arm();
	err = disarm(tp_static_key_enable(&oom_key));
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&s), "the text changed");
		CHECK(!tp_static_key_enabled(&oom_key) && oom_branch() == 0, "half on");
		err = tp_static_key_enable(&oom_key);
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(tp_static_key_enabled(&oom_key) && oom_branch() == 1, "not on");
	err = tp_static_key_disable(&oom_key);
	CHECK(!err, "disable: %s", tp_strerror(err));
	CHECK(oom_branch() == 0, "not off");
	return 0;
}

/*
 * A table registered while one of its keys is on already (as an object
 * loaded after a key of another object changed): on error it is not
 * registered and no key is affected, every key still changes; once it
 * is, its sites follow their keys.
 */
static int table_scenario(void)
{
	bool on = tp_static_key_enabled(&oom_key);
	struct snap s;
	int err;

	snap_take(&s, (const void *)oom_branch, 32);
	arm();
	err = disarm(table_register());
	CHECK_RESULT(err);
	if (enomem(err)) {
		CHECK(snap_same(&s), "the text changed");
		CHECK(oom_branch() == 0, "a site changed");
		err = tp_static_key_enable(&oom_other_key);
		CHECK(!err, "another key refuses to change: %s", tp_strerror(err));
		err = tp_static_key_disable(&oom_other_key);
		CHECK(!err, "another key refuses to change: %s", tp_strerror(err));
		CHECK(tp_static_key_enabled(&oom_key) == on, "the key changed");
		err = table_register();
		CHECK(!err, "with memory back: %s", tp_strerror(err));
	}
	CHECK(oom_branch() == tp_static_key_enabled(&oom_key), "a site does not follow its key");
	err = tp_static_key_enable(&oom_other_key);
	CHECK(!err && oom_other_branch() == 1, "not on: %s", tp_strerror(err));
	err = tp_static_key_disable(&oom_key);
	CHECK(!err && oom_branch() == 0, "not off: %s", tp_strerror(err));
	/* Registered once: one unregister forgets it, and keys no longer touch it. */
	tp_jump_table_unregister(__start___tp_jump_table);
	err = tp_static_key_enable(&oom_key);
	CHECK(!err && oom_branch() == 0, "a site still follows its key: %s", tp_strerror(err));
	return 0;
}

TEST_F_TIMEOUT(oom, static_keys, 300)
{
	ASSERT_TRUE(__start___tp_jump_table != NULL);
	sweep(_metadata, "tp_jump_table_register, first call", table_scenario);
	ASSERT_EQ(0, tp_static_key_enable(&oom_key));
	sweep(_metadata, "tp_jump_table_register, a key on", table_scenario);
	ASSERT_EQ(0, tp_static_key_disable(&oom_key));
	sweep(_metadata, "tp_static_key_enable", key_scenario);
}
#endif /* CONFIG_STATIC_KEYS */

TEST_HARNESS_MAIN
