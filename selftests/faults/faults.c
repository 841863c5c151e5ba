// SPDX-License-Identifier: GPL-2.0
/*
 * The fault matrix: what an application does to itself while textpoke
 * changes its code, each row with the behaviour the library must keep.
 *
 *  - threads created and exiting all the time during stop_machine and
 *    breakpoint batches: every poke succeeds, every thread runs the old
 *    or the new code;
 *  - signals arriving at the threads that run the site, with handlers
 *    that run the site themselves, during every backend's batches;
 *  - a thread that blocks SIGTRAP and runs through the site: breakpoint
 *    is refused before anything is written (the kernel would kill the
 *    process), AUTO gets the change done without a trap;
 *  - no writer left (RWX refused and /proc/self/mem refused too): a clear
 *    -EACCES from every backend, the text byte for byte unchanged;
 *  - text the application unmapped or re-protected after a poke: -EFAULT
 *    with nothing written and the protection as the application left it;
 *    a page it made RWX is poked and stays RWX;
 *  - the code textpoke's signal handlers run (libc, liburcu, the dynamic
 *    linker, a sanitizer's runtime): refused, found by what it is and
 *    not by where a symbol resolves (a sanitizer intercepts memcpy);
 *  - writes through /proc/self/mem that fail at any point of a
 *    breakpoint batch: no trap is ever left without its site, the batch
 *    is all or nothing for every thread, and the text ends up whole.
 *
 * Rows already proved elsewhere are not repeated here: fork during
 * batches, a SIGTRAP handler installed after textpoke's, foreign traps,
 * RWX refused with /proc/self/mem left (selftests/engine); dlclose of an
 * object with sites while a key changes (selftests/static_key).
 *
 * The patch sites and thread helpers are the engine tests' own.
 * TP_FAULT_POKES changes the pokes per test (FAULT_POKES by default),
 * within FAULT_SECONDS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <textpoke/textpoke.h>
#include <urcu-bp.h>
#include <urcu/rculfhash.h>

#include "kselftest_harness.h"
#include "../engine/engine.h"

#define FAULT_SECONDS		20	/* time budget of one test's pokes */
#define FAULT_POKES		2000
#define MIN_POKES		200	/* the least a test must do in it */
#define SPAWNERS		2	/* threads that create threads */
#define SNAP			16

/* site_nopjmp's two states: NOP (the function returns 1), jump (2). */
struct site {
	uint8_t old[SITE_LEN];
	uint8_t new[SITE_LEN];
};

static int site_states(struct site *s)
{
	if (site_enc_nop(s->old, (uintptr_t)site_nopjmp) != SITE_LEN)
		return -1;
	return site_enc_jump(s->new, (uintptr_t)site_nopjmp,
			     (uintptr_t)site_nopjmp_alt) == SITE_LEN ? 0 : -1;
}

/* Threads of the churn row that ran the site and exited. */
static unsigned long threads_done;

/* What a thread other than the workers saw when it ran the site. */
static unsigned long extra_calls, extra_bad;
static int extra_bad_value;

static void run_site_counted(void)
{
	int ret = site_nopjmp_fn();

	if (ret != 1 && ret != 2) {
		__atomic_store_n(&extra_bad_value, ret, __ATOMIC_RELAXED);
		__atomic_add_fetch(&extra_bad, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&extra_calls, 1, __ATOMIC_RELAXED);
}

/* Wait (bounded) until *@counter has moved past @since; 0 or -ETIMEDOUT. */
static int wait_counter(unsigned long *counter, unsigned long since)
{
	double deadline = now_seconds() + WORKERS_WAIT_SECONDS;

	while (__atomic_load_n(counter, __ATOMIC_RELAXED) <= since) {
		if (now_seconds() > deadline)
			return -ETIMEDOUT;
		usleep(200);
	}
	return 0;
}

/*
 * qemu-user can leave a thread on a stale translation after a single
 * store to the code (AUTO is nosync on arm64 and riscv): there, only
 * that the workers ran, and ran whole instructions, is required (as in
 * the engine's toggle tests).
 */
static bool stale_code_possible(enum tp_backend backend)
{
	return HAVE_NOSYNC && backend == TP_BACKEND_AUTO && under_emulator();
}

/*
 * Toggle site_nopjmp with @backend until @want pokes are done or the time
 * budget is over.  Every so many pokes, wait until the workers have run
 * the new state and, when @counter is given, until it moved (the fault
 * under test happened again).  Returns the pokes done; *@err is the first
 * failure.
 */
static unsigned long refused_busy;

static unsigned long toggle_for_a_while(struct __test_metadata *_metadata,
					struct workers *pool, enum tp_backend backend,
					unsigned long *counter, int *err)
{
	unsigned long want = env_ulong("TP_FAULT_POKES", FAULT_POKES), done = 0;
	bool busy_allowed = counter == &threads_done && backend == TP_BACKEND_BREAKPOINT;
	int value = stale_code_possible(backend) ? 0 : 2;
	double deadline = now_seconds() + FAULT_SECONDS;
	struct site s;

	*err = site_states(&s);
	while (!*err && done < want) {
		const uint8_t *from = done & 1 ? s.new : s.old;
		const uint8_t *to = done & 1 ? s.old : s.new;
		unsigned long mark = counter ? __atomic_load_n(counter, __ATOMIC_RELAXED) : 0;

		*err = tp_poke(site_nopjmp, from, to, SITE_LEN, backend);
		if (*err == -EBUSY && busy_allowed &&
		    !memcmp(site_nopjmp, from, SITE_LEN) &&
		    ++refused_busy <= done / 10 + 10) {
			*err = 0;
			continue;
		}
		if (*err)
			break;
		done++;
		if (done % 100 == 1) {
			const char *what = "workers";

			*err = workers_wait(pool, value, WORKERS_WAIT_SECONDS);
			if (!*err && counter) {
				what = "fault";
				*err = wait_counter(counter, mark);
			}
			EXPECT_EQ(0, *err)
				TH_LOG("poke %lu: the %s did not run within %d s", done,
				       what, WORKERS_WAIT_SECONDS);
			if (*err || now_seconds() > deadline)
				break;
		}
	}
	/* back to the original state */
	if (!*err && (done & 1))
		*err = tp_poke(site_nopjmp, s.new, s.old, SITE_LEN, backend);
	return done;
}

static void expect_clean_run(struct __test_metadata *_metadata,
			     struct workers *pool, enum tp_backend backend,
			     unsigned long done, int err)
{
	unsigned long want = env_ulong("TP_FAULT_POKES", FAULT_POKES);
	struct worker_stats sum;

	workers_stop(pool);
	workers_sum(pool, &sum);
	TH_LOG("%lu pokes; workers: %lu calls (%lu old, %lu new); others: %lu calls",
	       done, sum.calls, sum.ret1, sum.ret2, extra_calls);
	ASSERT_EQ(0, err) TH_LOG("poke %lu: %s", done, tp_strerror(err));
	ASSERT_LE(want < MIN_POKES ? want : MIN_POKES, done);
	EXPECT_EQ(0UL, sum.other) TH_LOG("a worker's call returned %d", sum.bad_value);
	if (!stale_code_possible(backend)) {
		EXPECT_NE(0UL, sum.ret1);
		EXPECT_NE(0UL, sum.ret2);
	}
	EXPECT_EQ(0UL, extra_bad) TH_LOG("a call returned %d", extra_bad_value);
	EXPECT_EQ(0UL, app_sigtrap_count)
		TH_LOG("textpoke's own traps reached the application");
	EXPECT_EQ(1, site_nopjmp_fn());
}

FIXTURE(faults) {
	struct workers pool;
	pthread_t helper[SPAWNERS];
	unsigned int helpers;
	int stop;
};

FIXTURE_VARIANT(faults) {
	enum tp_backend backend;
};

FIXTURE_VARIANT_ADD(faults, breakpoint) {
	.backend = TP_BACKEND_BREAKPOINT,
};

FIXTURE_VARIANT_ADD(faults, stop_machine) {
	.backend = TP_BACKEND_STOP_MACHINE,
};

FIXTURE_VARIANT_ADD(faults, auto) {
	.backend = TP_BACKEND_AUTO,
};

static void fixture_setup(struct __test_metadata *_metadata, struct workers *pool)
{
	extra_calls = extra_bad = 0;
	ASSERT_EQ(0, init_with_app_handler());
	ASSERT_EQ(0, workers_start(pool, 2, site_nopjmp_fn));
}

static void fixture_teardown(pthread_t *helper, unsigned int helpers, int *stop,
			     struct workers *pool)
{
	unsigned int i;

	__atomic_store_n(stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < helpers; i++)
		pthread_join(helper[i], NULL);
	workers_stop(pool);
}

FIXTURE_SETUP(faults)
{
	fixture_setup(_metadata, &self->pool);
}

FIXTURE_TEARDOWN(faults)
{
	fixture_teardown(self->helper, self->helpers, &self->stop, &self->pool);
}

/* The same, for the rows that need no backend of their own. */
FIXTURE(fault) {
	struct workers pool;
	pthread_t helper[SPAWNERS];
	unsigned int helpers;
	int stop;
};

FIXTURE_SETUP(fault)
{
	fixture_setup(_metadata, &self->pool);
}

FIXTURE_TEARDOWN(fault)
{
	fixture_teardown(self->helper, self->helpers, &self->stop, &self->pool);
}

/* --- threads that come and go ------------------------------------------------ */

static void *short_lived(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 20; i++)
		run_site_counted();
	__atomic_add_fetch(&threads_done, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* Creates a thread that runs the site a few times, joins it, again. */
static void *spawner(void *arg)
{
	int *stop = arg;

	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		pthread_t t;

		if (pthread_create(&t, NULL, short_lived, NULL))
			usleep(1000);
		else
			pthread_join(t, NULL);
	}
	return NULL;
}

/*
 * stop_machine must park the threads that appear while it parks and not
 * wait for those that exit; every new thread that traps at a breakpoint
 * must be emulated.  glibc blocks every signal while a thread starts and
 * exits; a thread held there long (a loaded machine, ASan's own thread
 * teardown) is one textpoke cannot tell from one that blocks SIGTRAP, and
 * refusing the breakpoint poke before writing (-EBUSY) is then the safe
 * answer: allowed with the text unchanged, for at most a tenth of the
 * pokes.  Between checks the test waits until more threads came and went.
 */
TEST_F_TIMEOUT(faults, threads_come_and_go_during_batches, 120)
{
	unsigned long done;
	unsigned int i;
	int err;

	threads_done = refused_busy = 0;
	for (i = 0; i < SPAWNERS; i++) {
		ASSERT_EQ(0, pthread_create(&self->helper[i], NULL, spawner,
					    &self->stop));
		self->helpers++;
	}
	done = toggle_for_a_while(_metadata, &self->pool, variant->backend,
				  &threads_done, &err);
	__atomic_store_n(&self->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < self->helpers; i++)
		pthread_join(self->helper[i], NULL);
	self->helpers = 0;
	TH_LOG("%lu threads came and went; %lu breakpoint pokes refused (-EBUSY)",
	       threads_done, refused_busy);
	expect_clean_run(_metadata, &self->pool, variant->backend, done, err);
}

/* --- signals at the threads that run the site ----------------------------- */

static unsigned long signals_handled;

/* The application's handler runs the site too, wherever it interrupted. */
static void on_usr1(int sig)
{
	int saved_errno = errno;

	(void)sig;
	run_site_counted();
	__atomic_add_fetch(&signals_handled, 1, __ATOMIC_RELAXED);
	errno = saved_errno;
}

static void *signaller(void *arg)
{
	struct workers *pool = arg;
	unsigned int i = 0;

	while (!__atomic_load_n(&pool->stop, __ATOMIC_RELAXED)) {
		pthread_kill(pool->worker[i++ % pool->count].tid, SIGUSR1);
		usleep(50);
	}
	return NULL;
}

/*
 * SIGUSR1 at the workers all the time, its handler running the site:
 * threads trap inside that handler, are parked inside it, get the
 * sync signal round inside it; each call still runs the old or the new
 * code and every poke succeeds.
 */
TEST_F_TIMEOUT(faults, signals_at_workers_during_batches, 120)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	unsigned long done;
	int err;

	signals_handled = 0;
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&self->helper[0], NULL, signaller, &self->pool));
	self->helpers = 1;
	done = toggle_for_a_while(_metadata, &self->pool, variant->backend,
				  &signals_handled, &err);
	/* workers_stop() ends the signaller too: it watches the pool */
	workers_stop(&self->pool);
	pthread_join(self->helper[0], NULL);
	self->helpers = 0;
	TH_LOG("%lu signals handled", signals_handled);
	expect_clean_run(_metadata, &self->pool, variant->backend, done, err);
}

/* --- a thread that blocks SIGTRAP runs the site ------------------------------- */

static void *sigtrap_blocked_runner(void *arg)
{
	int *stop = arg;
	sigset_t trap;

	sigemptyset(&trap);
	sigaddset(&trap, SIGTRAP);
	pthread_sigmask(SIG_BLOCK, &trap, NULL);
	while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
		run_site_counted();
		usleep(100);	/* it must be seen running, not only runnable */
	}
	return NULL;
}

/*
 * A trap in a thread that blocks SIGTRAP is forced through with the
 * default action: the process would die.  With such a thread running
 * the site, breakpoint must be refused before anything is written
 * (-EBUSY, text unchanged) every time, and AUTO must make the change
 * without a trap (stop_machine on x86, nosync on arm64 and riscv), while
 * the thread keeps running the site.  Natively only: an emulator keeps
 * guest signal masks to itself.
 */
TEST_F_TIMEOUT(fault, sigtrap_blocked_thread_runs_site_and_survives, 60)
{
	struct worker_stats sum;
	struct site s;
	unsigned long i, calls;
	uint8_t before[SNAP];

	if (under_emulator())
		SKIP(return, "the emulator hides signal masks");
	ASSERT_EQ(0, site_states(&s));
	ASSERT_EQ(0, pthread_create(&self->helper[0], NULL,
				    sigtrap_blocked_runner, &self->stop));
	self->helpers = 1;
	ASSERT_EQ(0, wait_counter(&extra_calls, 0));
	for (i = 0; i < 40; i++) {
		const uint8_t *from = i & 1 ? s.new : s.old;
		const uint8_t *to = i & 1 ? s.old : s.new;

		memcpy(before, site_nopjmp, SNAP);
		ASSERT_EQ(-EBUSY, tp_poke(site_nopjmp, from, to, SITE_LEN,
					  TP_BACKEND_BREAKPOINT));
		ASSERT_EQ(0, memcmp(before, site_nopjmp, SNAP));
		ASSERT_EQ(0, tp_poke(site_nopjmp, from, to, SITE_LEN,
				     TP_BACKEND_AUTO));
		ASSERT_EQ(i & 1 ? 1 : 2, site_nopjmp_fn());
		calls = __atomic_load_n(&extra_calls, __ATOMIC_RELAXED);
		ASSERT_EQ(0, wait_counter(&extra_calls, calls + 1));
	}
	__atomic_store_n(&self->stop, 1, __ATOMIC_RELAXED);
	pthread_join(self->helper[0], NULL);
	self->helpers = 0;
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other);
	EXPECT_EQ(0UL, extra_bad) TH_LOG("a call returned %d", extra_bad_value);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/* --- no writer left ----------------------------------------------------------- */

/*
 * Every backend and every writer setting: -EACCES, before anything is
 * written (the text compared byte for byte), the site still runs the old
 * code; the workers never noticed.
 */
TEST_F(fault, no_writer_left_is_a_clear_error)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_AUTO,
#if HAVE_NOSYNC
		TP_BACKEND_NOSYNC,
#endif
	};
	static const enum tp_writer writers[] = {
		TP_WRITER_AUTO, TP_WRITER_MPROTECT, TP_WRITER_PROC_MEM,
	};
	uint8_t before[SNAP];
	struct worker_stats sum;
	struct site s;
	size_t b, w;
	int err;

	ASSERT_EQ(0, site_states(&s));
	err = refuse_text_writes(true);
	if (err && under_emulator())
		SKIP(return, "the emulator refuses seccomp filters (%d)", err);
	ASSERT_EQ(0, err);
	ASSERT_EQ(-1, open("/proc/self/mem", O_RDWR | O_CLOEXEC));
	ASSERT_EQ(EACCES, errno);

	memcpy(before, site_nopjmp, SNAP);
	for (w = 0; w < ARRAY_SIZE(writers); w++) {
		ASSERT_EQ(0, tp_set_writer(writers[w]));
		for (b = 0; b < ARRAY_SIZE(backends); b++) {
			err = tp_poke(site_nopjmp, s.old, s.new, SITE_LEN, backends[b]);
			EXPECT_EQ(-EACCES, err)
				TH_LOG("writer %d, backend %d: %s", (int)writers[w],
				       (int)backends[b], tp_strerror(err));
			ASSERT_EQ(0, memcmp(before, site_nopjmp, SNAP))
				TH_LOG("writer %d, backend %d changed the text",
				       (int)writers[w], (int)backends[b]);
			ASSERT_EQ(1, site_nopjmp_fn());
		}
	}
	ASSERT_EQ(0, workers_wait(&self->pool, 1, WORKERS_WAIT_SECONDS));
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(sum.calls, sum.ret1);
	EXPECT_EQ(0UL, app_sigtrap_count);
}

/* --- text unmapped or re-protected after a poke ------------------------------- */

/* page.S: a site alone in its page. */
extern uint8_t page_site[];
int page_site_fn(void);

static const enum tp_backend every_backend[] = {
	TP_BACKEND_AUTO, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
#if HAVE_NOSYNC
	TP_BACKEND_NOSYNC,
#endif
};

static const enum tp_writer every_writer[] = {
	TP_WRITER_AUTO, TP_WRITER_MPROTECT, TP_WRITER_PROC_MEM,
};

/* PROT_* of the mapping that holds @addr, as the kernel shows it; -1 if none. */
static int prot_at(const void *addr)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	unsigned long start, end;
	char perms[5], line[512];
	int prot = -1;

	if (!maps)
		return -2;
	while (prot == -1 && fgets(line, sizeof(line), maps)) {
		if (sscanf(line, "%lx-%lx %4s", &start, &end, perms) != 3)
			continue;
		if ((uintptr_t)addr < start || (uintptr_t)addr >= end)
			continue;
		prot = (perms[0] == 'r' ? PROT_READ : 0) |
		       (perms[1] == 'w' ? PROT_WRITE : 0) |
		       (perms[2] == 'x' ? PROT_EXEC : 0);
	}
	fclose(maps);
	return prot;
}

static size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * Poke page_site to the jump and back: afterwards the library has seen
 * the page as the read-execute text of the program, and may have kept
 * that view.
 */
static void page_site_poked_once(struct __test_metadata *_metadata, uint8_t *nop)
{
	memcpy(nop, page_site, SITE_LEN);
	ASSERT_EQ(PROT_READ | PROT_EXEC, prot_at(page_site));
	ASSERT_EQ(0, tp_poke(page_site, nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(0, tp_poke(page_site, jmp_next, nop, SITE_LEN, TP_BACKEND_AUTO));
	ASSERT_EQ(1, page_site_fn());
}

FIXTURE(reprotected) {
	uint8_t nop[SITE_LEN];
};

FIXTURE_VARIANT(reprotected) {
	int prot;
};

FIXTURE_VARIANT_ADD(reprotected, read_only) {
	.prot = PROT_READ,
};

FIXTURE_VARIANT_ADD(reprotected, no_access) {
	.prot = PROT_NONE,
};

FIXTURE_VARIANT_ADD(reprotected, execute_only) {
	.prot = PROT_EXEC,
};

FIXTURE_SETUP(reprotected)
{
	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, self->nop);
}

FIXTURE_TEARDOWN(reprotected)
{
	tp_set_writer(TP_WRITER_AUTO);
}

/*
 * The application takes the execute (or every) permission from the page
 * of a site poked before: every writer and backend refuses with -EFAULT,
 * alone or in a batch with a good site, writes nothing, and leaves the
 * page with the protection the application gave it.  Given back its
 * permissions, the page is poked again as before.
 */
TEST_F(reprotected, poke_again_is_refused_and_changes_nothing)
{
	uint8_t site_before[SNAP];
	struct tp_batch *batch;
	struct site s;
	size_t w, b;
	int err;

	ASSERT_EQ(0, mprotect(page_site, page_size(), variant->prot));
	ASSERT_EQ(variant->prot, prot_at(page_site));
	for (w = 0; w < ARRAY_SIZE(every_writer); w++) {
		ASSERT_EQ(0, tp_set_writer(every_writer[w]));
		for (b = 0; b < ARRAY_SIZE(every_backend); b++) {
			err = tp_poke(page_site, self->nop, jmp_next, SITE_LEN,
				      every_backend[b]);
			EXPECT_EQ(-EFAULT, err)
				TH_LOG("writer %d, backend %d: %s", (int)every_writer[w],
				       (int)every_backend[b], tp_strerror(err));
			ASSERT_EQ(variant->prot, prot_at(page_site))
				TH_LOG("writer %d, backend %d changed the protection",
				       (int)every_writer[w], (int)every_backend[b]);
		}
	}

	/* In a batch with a site that could be poked: neither is. */
	ASSERT_EQ(0, site_states(&s));
	memcpy(site_before, site_nopjmp, SNAP);
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_AUTO));
	batch = tp_batch_new();
	ASSERT_NE(NULL, batch);
	ASSERT_EQ(0, tp_batch_add(batch, site_nopjmp, s.old, s.new, SITE_LEN));
	ASSERT_EQ(0, tp_batch_add(batch, page_site, self->nop, jmp_next, SITE_LEN));
	EXPECT_EQ(-EFAULT, tp_batch_commit(batch, TP_BACKEND_AUTO));
	tp_batch_free(batch);
	EXPECT_EQ(0, memcmp(site_before, site_nopjmp, SNAP));
	EXPECT_EQ(variant->prot, prot_at(page_site));

	/* Nothing was written; readable and executable again, it pokes. */
	ASSERT_EQ(0, mprotect(page_site, page_size(), PROT_READ | PROT_EXEC));
	EXPECT_EQ(0, memcmp(page_site, self->nop, SITE_LEN));
	EXPECT_EQ(1, page_site_fn());
	EXPECT_EQ(0, tp_poke(page_site, self->nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(0, memcmp(page_site, jmp_next, SITE_LEN));
	EXPECT_EQ(PROT_READ | PROT_EXEC, prot_at(page_site));
	EXPECT_EQ(1, page_site_fn());
}

/*
 * The application re-protects the page next to a site's, splitting the
 * mapping the library saw: the site still pokes, with every writer and
 * backend, and neither page's protection changes.
 */
TEST(neighbour_reprotected_site_still_pokes)
{
	uint8_t *next = page_site + page_size();
	uint8_t nop[SITE_LEN];
	size_t w, b;
	int err;

	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, nop);
	ASSERT_EQ(0, mprotect(next, page_size(), PROT_READ));
	for (w = 0; w < ARRAY_SIZE(every_writer); w++) {
		ASSERT_EQ(0, tp_set_writer(every_writer[w]));
		for (b = 0; b < ARRAY_SIZE(every_backend); b++) {
			err = tp_poke(page_site, nop, jmp_next, SITE_LEN, every_backend[b]);
			if (err == -EACCES || err == -EINVAL)
				continue;	/* a writer or backend that cannot do it here */
			ASSERT_EQ(0, err) TH_LOG("writer %d, backend %d: %s",
						 (int)every_writer[w], (int)every_backend[b],
						 tp_strerror(err));
			ASSERT_EQ(0, tp_poke(page_site, jmp_next, nop, SITE_LEN, every_backend[b]));
			ASSERT_EQ(PROT_READ | PROT_EXEC, prot_at(page_site));
			ASSERT_EQ(PROT_READ, prot_at(next));
		}
	}
	tp_set_writer(TP_WRITER_AUTO);
	EXPECT_EQ(1, page_site_fn());
}

/*
 * The application unmaps the page of a site poked before: -EFAULT from
 * every writer and backend, no fault inside the library, and the page
 * stays unmapped.
 */
TEST(unmapped_text_poke_again_is_refused)
{
	uint8_t nop[SITE_LEN];
	size_t w, b;
	int err;

	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, crash_reporter_install());
	page_site_poked_once(_metadata, nop);
	ASSERT_EQ(0, munmap(page_site, page_size()));
	ASSERT_EQ(-1, prot_at(page_site));
	for (w = 0; w < ARRAY_SIZE(every_writer); w++) {
		ASSERT_EQ(0, tp_set_writer(every_writer[w]));
		for (b = 0; b < ARRAY_SIZE(every_backend); b++) {
			err = tp_poke(page_site, nop, jmp_next, SITE_LEN, every_backend[b]);
			EXPECT_EQ(-EFAULT, err)
				TH_LOG("writer %d, backend %d: %s", (int)every_writer[w],
				       (int)every_backend[b], tp_strerror(err));
			ASSERT_EQ(-1, prot_at(page_site));
		}
	}
}

/*
 * The application makes the page of a site poked before RWX (a JIT's
 * own policy): pokes that go through leave it RWX, pokes that a writer
 * cannot make leave it RWX and unchanged.
 */
TEST(rwx_text_stays_rwx)
{
	const int rwx = PROT_READ | PROT_WRITE | PROT_EXEC;
	uint8_t nop[SITE_LEN];
	unsigned int done = 0;
	size_t w, b;
	int err;

	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, nop);
	if (mprotect(page_site, page_size(), rwx))
		SKIP(return, "RWX refused here: %s", strerror(errno));
	ASSERT_EQ(rwx, prot_at(page_site));
	for (w = 0; w < ARRAY_SIZE(every_writer); w++) {
		ASSERT_EQ(0, tp_set_writer(every_writer[w]));
		for (b = 0; b < ARRAY_SIZE(every_backend); b++) {
			err = tp_poke(page_site, nop, jmp_next, SITE_LEN, every_backend[b]);
			ASSERT_EQ(rwx, prot_at(page_site))
				TH_LOG("writer %d, backend %d: %s", (int)every_writer[w],
				       (int)every_backend[b], tp_strerror(err));
			if (err) {
				ASSERT_EQ(0, memcmp(page_site, nop, SITE_LEN));
				continue;
			}
			done++;
			ASSERT_EQ(0, memcmp(page_site, jmp_next, SITE_LEN));
			ASSERT_EQ(0, tp_poke(page_site, jmp_next, nop, SITE_LEN,
					     every_backend[b]));
			ASSERT_EQ(rwx, prot_at(page_site));
		}
	}
	/* The window writer can always do AUTO and stop_machine. */
	EXPECT_LE(4U, done);
	tp_set_writer(TP_WRITER_AUTO);
}

/*
 * The same in a child: it must ask about its own mappings, not about
 * those of the parent it was forked from after a poke.
 */
TEST(reprotected_text_in_a_forked_child_is_refused)
{
	uint8_t nop[SITE_LEN];
	int status;
	pid_t pid;

	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, nop);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (mprotect(page_site, page_size(), PROT_READ))
			_exit(2);
		if (tp_poke(page_site, nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO) != -EFAULT)
			_exit(3);
		_exit(prot_at(page_site) == PROT_READ ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(PROT_READ | PROT_EXEC, prot_at(page_site));
}

/*
 * A program may close every descriptor it did not open itself (a daemon
 * does) and reuse the numbers: the library must neither trust the
 * descriptor it kept nor close what now has its number, and must still
 * see that the text was re-protected.
 */
TEST(closed_descriptors_leave_the_checks_whole)
{
	struct stat before, after;
	int fd, reused[8], nr = 0, i;
	uint8_t nop[SITE_LEN];

	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, nop);
	for (fd = 3; fd < 64; fd++)
		close(fd);
	while (nr < 8 && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		reused[nr++] = fd;
	ASSERT_EQ(8, nr);
	ASSERT_EQ(0, fstat(reused[0], &before));
	ASSERT_EQ(0, mprotect(page_site, page_size(), PROT_READ));
	EXPECT_EQ(-EFAULT, tp_poke(page_site, nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(PROT_READ, prot_at(page_site));
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, fstat(reused[i], &after));
		EXPECT_TRUE(after.st_dev == before.st_dev && after.st_ino == before.st_ino)
			TH_LOG("descriptor %d was closed under the program", reused[i]);
	}
	ASSERT_EQ(0, mprotect(page_site, page_size(), PROT_READ | PROT_EXEC));
	EXPECT_EQ(0, tp_poke(page_site, nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(PROT_READ | PROT_EXEC, prot_at(page_site));
}

/* Whether the kernel answers PROCMAP_QUERY (Linux 6.11) for this process. */
static bool kernel_answers_map_queries(void)
{
	uint64_t q[13] = { sizeof(q), 0, (uintptr_t)page_site };
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && !ioctl(fd, _IOWR('f', 17, uint64_t[13]), q);

	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Revalidation must stay cheap: where the kernel answers questions about
 * one mapping, pokes of the same site read /proc/self/maps once at most
 * after the first; where it cannot, every commit reads it (the cached
 * view is never trusted alone), though it need not be parsed whole.
 */
TEST(cached_mappings_are_revalidated_not_reread)
{
	unsigned long reads;
	uint8_t nop[SITE_LEN];
	int i;

	ASSERT_EQ(0, tp_init());
	page_site_poked_once(_metadata, nop);
	reads = tp_debug_maps_reads();
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, tp_poke(page_site, nop, jmp_next, SITE_LEN, TP_BACKEND_AUTO));
		ASSERT_EQ(0, tp_poke(page_site, jmp_next, nop, SITE_LEN, TP_BACKEND_AUTO));
	}
	reads = tp_debug_maps_reads() - reads;
	TH_LOG("200 pokes read the mappings %lu times", reads);
	if (kernel_answers_map_queries()) {
		EXPECT_GE(1UL, reads);
	} else {
		EXPECT_LE(200UL, reads);
	}
}

/* --- the code the handlers run ----------------------------------------------- */

/* The start of the dynamic linker's executable segment, or 0. */
static int find_interpreter_text(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t *text = data;
	int i;

	(void)size;
	if (!getauxval(AT_BASE) || info->dlpi_addr != getauxval(AT_BASE))
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			*text = info->dlpi_addr + ph->p_vaddr;
			return 1;
		}
	}
	return 0;
}

/*
 * Poke a NOP over the first instruction(s) at @addr with stop_machine;
 * it must be refused with -EPERM and write nothing.  Should it go
 * through, the bytes are put back before the test fails, so that the
 * rest of the run still has a working libc.
 */
static int poke_handlers_code(const void *addr, bool *changed)
{
	uint8_t before[SITE_LEN], nop[SITE_LEN];
	uintptr_t page = (uintptr_t)addr & ~(page_size() - 1);
	int err;

	memcpy(before, addr, SITE_LEN);
	if (site_enc_nop(nop, (uintptr_t)addr) != SITE_LEN)
		return -ENOEXEC;
	err = tp_poke((void *)addr, NULL, nop, SITE_LEN, TP_BACKEND_STOP_MACHINE);
	*changed = memcmp(before, addr, SITE_LEN) != 0;
	if (*changed && !mprotect((void *)page, 2 * page_size(),
				  PROT_READ | PROT_WRITE | PROT_EXEC)) {
		memcpy((void *)addr, before, SITE_LEN);
		__builtin___clear_cache((char *)addr, (char *)addr + SITE_LEN);
		mprotect((void *)page, 2 * page_size(), PROT_READ | PROT_EXEC);
	}
	return err;
}

/*
 * libc (getpid: no sanitizer intercepts it), whatever memcpy resolves to
 * (libc, or a sanitizer's runtime that intercepts it, which the handlers
 * then run too), liburcu where it is a shared object, and the dynamic
 * linker (lazy binding, TLS): -EPERM, nothing written.  Under ASan the
 * library once recognised libc by &memcpy, libasan's, and poked getpid.
 */
TEST(code_the_handlers_run_is_refused)
{
	struct {
		const char *name;
		const void *addr;
	} code[] = {
		{ "getpid", (const void *)getpid },
		{ "memcpy", (const void *)memcpy },
#if !defined(__riscv)	/* liburcu is linked statically there */
		{ "urcu_bp_synchronize_rcu", (const void *)urcu_bp_synchronize_rcu },
		{ "cds_lfht_add_unique", (const void *)cds_lfht_add_unique },
#endif
		{ "the dynamic linker", NULL },
	};
	uintptr_t interpreter = 0;
	size_t i;

	ASSERT_EQ(0, tp_init());
	dl_iterate_phdr(find_interpreter_text, &interpreter);
	ASSERT_NE(0UL, interpreter) TH_LOG("no dynamic linker found");
	code[ARRAY_SIZE(code) - 1].addr = (const void *)
		((interpreter + 15) & ~(uintptr_t)15);
	for (i = 0; i < ARRAY_SIZE(code); i++) {
		bool changed = false;
		int err = poke_handlers_code(code[i].addr, &changed);

		EXPECT_EQ(-EPERM, err)
			TH_LOG("%s at %p: %s", code[i].name, code[i].addr, tp_strerror(err));
		EXPECT_FALSE(changed) TH_LOG("%s was changed", code[i].name);
	}
	EXPECT_NE(0, getpid());
}

/* --- writes that fail in a breakpoint batch ------------------------------------ */

/*
 * The library's pwrite() calls, linked into this program, come here:
 * once armed, calls number [from, from + count) since fail with EIO;
 * every other one goes to the kernel.
 */
static struct {
	int armed;
	unsigned long calls, from, count, failed;
} inject;

static ssize_t pwrite_injected(int fd, const void *buf, size_t len, off_t off)
{
	if (__atomic_load_n(&inject.armed, __ATOMIC_ACQUIRE)) {
		unsigned long call = inject.calls++;

		if (call >= inject.from && call - inject.from < inject.count) {
			inject.failed++;
			errno = EIO;
			return -1;
		}
	}
	return syscall(SYS_pwrite64, fd, buf, len, off);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
	return pwrite_injected(fd, buf, len, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off64_t off)
{
	return pwrite_injected(fd, buf, len, off);
}

static void inject_arm(unsigned long from, unsigned long count)
{
	inject.calls = inject.failed = 0;
	inject.from = from;
	inject.count = count;
	__atomic_store_n(&inject.armed, 1, __ATOMIC_RELEASE);
}

static void inject_disarm(void)
{
	__atomic_store_n(&inject.armed, 0, __ATOMIC_RELEASE);
}

/* site_nopjmp and site_call, each in its old and its new state. */
struct two_sites {
	struct site nopjmp, call;
};

static int two_sites_states(struct two_sites *t)
{
	if (site_states(&t->nopjmp) ||
	    site_enc_call(t->call.old, (uintptr_t)site_call, (uintptr_t)site_f) != SITE_LEN ||
	    site_enc_call(t->call.new, (uintptr_t)site_call, (uintptr_t)site_g) != SITE_LEN)
		return -1;
	return memcmp(site_call, t->call.old, SITE_LEN) ? -1 : 0;
}

/* Both sites from one state to the other in one breakpoint batch. */
static int two_sites_commit(const struct two_sites *t, bool to_new)
{
	struct tp_batch *batch = tp_batch_new();
	int err = batch ? 0 : -ENOMEM;

	if (!err)
		err = tp_batch_add(batch, site_nopjmp, to_new ? t->nopjmp.old : t->nopjmp.new,
				   to_new ? t->nopjmp.new : t->nopjmp.old, SITE_LEN);
	if (!err)
		err = tp_batch_add(batch, site_call, to_new ? t->call.old : t->call.new,
				   to_new ? t->call.new : t->call.old, SITE_LEN);
	if (!err)
		err = tp_batch_commit(batch, TP_BACKEND_BREAKPOINT);
	tp_batch_free(batch);
	return err;
}

/* A commit elsewhere, which retries the stuck sites first: site_short as it is. */
static int commit_elsewhere(void)
{
	return tp_poke(site_short, short_nop, short_nop, SHORT_LEN, TP_BACKEND_STOP_MACHINE);
}

/*
 * The breakpoint batch of two sites through /proc/self/mem, with the
 * writes failing from each one on: once or twice (the library tries a
 * write again), three times (one write fails for good), or for good.
 * Meanwhile workers run site_nopjmp.  Whatever failed:
 *  - the batch succeeded and both sites run the new code, or it failed
 *    and both run the old code, though a site may still hold its trap;
 *  - such a stuck site refuses other commits (-EBUSY) while writes fail,
 *    and the first commit after they work again finishes it: the text
 *    then holds exactly the new bytes (success) or the old (failure);
 *  - no trap of textpoke's ever reaches the application, no worker call
 *    ever sees anything but the old or the new code.
 * Where the trap is longer than one byte, this writer cannot run the
 * breakpoint protocol at all (-EACCES, tested elsewhere).
 */
TEST_F_TIMEOUT(fault, breakpoint_writes_that_fail_leave_no_trap_behind, 120)
{
	static const unsigned long counts[] = { 1, 2, 3, ULONG_MAX };
	struct worker_stats sum;
	struct two_sites t;
	unsigned long from, failed, refused = 0, stuck = 0;
	size_t c;
	int err, runs;

	if (!TRAP_ONE_BYTE)
		SKIP(return, "/proc/self/mem cannot run the breakpoint protocol here");
	ASSERT_EQ(0, two_sites_states(&t));
	ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		for (from = 0;; from++) {
			inject_arm(from, counts[c]);
			err = two_sites_commit(&t, true);
			failed = inject.failed;
			inject_disarm();
			if (!failed) {
				ASSERT_EQ(0, err);
				ASSERT_EQ(0, two_sites_commit(&t, false));
				break;		/* past the last write */
			}
			runs = err ? 1 : 2;
			refused += err != 0;
			if (counts[c] < 3) {
				EXPECT_EQ(0, err) TH_LOG("%lu failures from write %lu: %s",
							 counts[c], from, tp_strerror(err));
			}
			ASSERT_EQ(runs, site_nopjmp_fn())
				TH_LOG("%lu failures from write %lu: %s", counts[c], from,
				       tp_strerror(err));
			ASSERT_EQ(runs, site_call_fn());
			ASSERT_EQ(0, workers_wait(&self->pool, runs, WORKERS_WAIT_SECONDS));
			if (tp_debug_stuck_sites()) {
				stuck++;
				inject_arm(0, ULONG_MAX);
				EXPECT_EQ(-EBUSY, two_sites_commit(&t, !err));
				inject_disarm();
				ASSERT_EQ(runs, site_nopjmp_fn());
				ASSERT_EQ(runs, site_call_fn());
				ASSERT_EQ(0, commit_elsewhere());
			}
			ASSERT_EQ(0UL, tp_debug_stuck_sites())
				TH_LOG("%lu failures from write %lu: still stuck", counts[c], from);
			ASSERT_EQ(0, memcmp(site_nopjmp, err ? t.nopjmp.old : t.nopjmp.new, SITE_LEN))
				TH_LOG("%lu failures from write %lu", counts[c], from);
			ASSERT_EQ(0, memcmp(site_call, err ? t.call.old : t.call.new, SITE_LEN))
				TH_LOG("%lu failures from write %lu", counts[c], from);
			if (!err)
				ASSERT_EQ(0, two_sites_commit(&t, false));
		}
		TH_LOG("%lu failures at a time: %lu writes a batch", counts[c], from);
		ASSERT_LE(6UL, from);
	}
	TH_LOG("%lu batches refused, %lu left sites stuck until the next commit",
	       refused, stuck);
	EXPECT_LT(0UL, refused);
	EXPECT_LT(0UL, stuck);
	tp_set_writer(TP_WRITER_AUTO);
	workers_stop(&self->pool);
	workers_sum(&self->pool, &sum);
	EXPECT_EQ(0UL, sum.other) TH_LOG("a worker's call returned %d", sum.bad_value);
	EXPECT_EQ(0UL, app_sigtrap_count) TH_LOG("textpoke's own traps reached the application");
}

TEST_HARNESS_MAIN
