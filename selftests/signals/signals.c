// SPDX-License-Identifier: GPL-2.0
/*
 * The signals textpoke uses, as the application sees them:
 *
 *  - its own SIGTRAP handler, installed before textpoke's, runs as the
 *    kernel would have run it: with its sa_mask and SIGTRAP blocked (not
 *    with SA_NODEFER), once with SA_RESETHAND, on the stack and with the
 *    restart behaviour its flags ask for; SIG_IGN and SIG_DFL as the
 *    kernel treats them;
 *  - the park signal of stop_machine: taken by the application after
 *    textpoke's handler (a handler or SIG_IGN), every protocol that needs
 *    it fails at once with -EBUSY and nothing written; it is chosen with
 *    TEXTPOKE_PARK_SIGNAL or tp_set_park_signal(); an application handler
 *    (or SIG_IGN) installed on it before textpoke's is chained exactly;
 *  - what a stop_machine poke does to threads blocked in system calls:
 *    those that SA_RESTART restarts are not disturbed, the timed sleeps
 *    and waits that signal(7) never restarts return EINTR, as documented;
 *  - gdb: with the one setting the documentation gives (the park signal
 *    passed silently), a program that pokes runs under gdb to its end,
 *    gdb's own breakpoints (ld.so's, the user's) included: no breakpoint
 *    protocol under a tracer, unless TEXTPOKE_BREAKPOINT_UNDER_TRACER=1.
 *
 * The patch sites and thread helpers are the engine tests' own.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/events.h>
#include <textpoke/textpoke.h>

#include "kselftest_harness.h"
#include "../engine/engine.h"

#define DEFAULT_PARK_SIGNAL	(SIGRTMIN + 3)
#define BUSY_FAST_MS		1000	/* -EBUSY comes at once, not after a timeout */
#define SLEEP_SECONDS		20	/* longer than any test waits */
#define SNAP			16

/* site_nopjmp's two states: NOP (the function returns 1), jump (2). */
struct states {
	uint8_t old[SITE_LEN];
	uint8_t new[SITE_LEN];
};

static int nopjmp_states(struct states *s)
{
	if (site_enc_nop(s->old, (uintptr_t)site_nopjmp) != SITE_LEN)
		return -1;
	return site_enc_jump(s->new, (uintptr_t)site_nopjmp,
			     (uintptr_t)site_nopjmp_alt) == SITE_LEN ? 0 : -1;
}

/* Toggle site_nopjmp @count times with @backend; 0 or the first error. */
static int toggle(enum tp_backend backend, unsigned int count)
{
	struct states s;
	unsigned int i;
	int err;

	if (nopjmp_states(&s))
		return -EINVAL;
	for (i = 0; i < count; i++) {
		bool on = site_nopjmp_fn() == 2;

		err = tp_poke(site_nopjmp, on ? s.new : s.old, on ? s.old : s.new,
			      SITE_LEN, backend);
		if (err)
			return err;
	}
	return 0;
}

static bool signal_blocked(const sigset_t *set, int sig)
{
	return sigismember(set, sig) == 1;
}

static void no_core_dump(void)
{
	struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
}

/* --- the application's SIGTRAP handler ------------------------------------ */

/* What the application's handler saw, the last time it ran. */
static volatile unsigned long app_calls;
static volatile int app_signo;
static sigset_t app_mask;			/* the thread's mask inside */
static volatile uintptr_t app_stack;		/* an address on its stack */

static void note_delivery(int sig)
{
	char here;

	pthread_sigmask(SIG_BLOCK, NULL, &app_mask);
	app_stack = (uintptr_t)&here;
	app_signo = sig;
	app_calls++;
}

static void app_siginfo_handler(int sig, siginfo_t *info, void *uctx)
{
	note_delivery(sig);
	if (sig == SIGTRAP && info->si_code > 0)
		skip_foreign_trap(uctx);
}

static void app_plain_handler(int sig)
{
	note_delivery(sig);
}

/* Install the application's handler for @sig, before textpoke's. */
static int app_install(int sig, bool siginfo, int flags, int masked)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	if (siginfo)
		sa.sa_sigaction = app_siginfo_handler;
	else
		sa.sa_handler = app_plain_handler;
	sa.sa_flags = flags | (siginfo ? SA_SIGINFO : 0);
	sigemptyset(&sa.sa_mask);
	if (masked)
		sigaddset(&sa.sa_mask, masked);
	app_calls = 0;
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

static void expect_mask_unchanged(struct __test_metadata *_metadata,
				  const sigset_t *before)
{
	sigset_t now;
	int sig;

	pthread_sigmask(SIG_BLOCK, NULL, &now);
	for (sig = 1; sig < SIGRTMIN; sig++) {
		EXPECT_EQ(signal_blocked(before, sig), signal_blocked(&now, sig))
			TH_LOG("signal %d", sig);
	}
}

/*
 * A handler with sa_mask {SIGUSR1} and no SA_NODEFER: the kernel runs it
 * with SIGUSR1 and SIGTRAP blocked, and restores the mask after it, for a
 * trap instruction and for raise() alike.
 */
TEST(sigtrap_app_handler_runs_with_its_mask)
{
	sigset_t before;

	ASSERT_EQ(0, app_install(SIGTRAP, true, 0, SIGUSR1));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, toggle(TP_BACKEND_BREAKPOINT, 4));
	ASSERT_EQ(0UL, app_calls);
	pthread_sigmask(SIG_BLOCK, NULL, &before);

	foreign_trap();
	ASSERT_EQ(1UL, app_calls);
	EXPECT_TRUE(signal_blocked(&app_mask, SIGTRAP));
	EXPECT_TRUE(signal_blocked(&app_mask, SIGUSR1));
	expect_mask_unchanged(_metadata, &before);

	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(2UL, app_calls);
	EXPECT_TRUE(signal_blocked(&app_mask, SIGTRAP));
	EXPECT_TRUE(signal_blocked(&app_mask, SIGUSR1));
	expect_mask_unchanged(_metadata, &before);
}

/* SA_NODEFER: SIGTRAP stays deliverable inside, sa_mask is still blocked. */
TEST(sigtrap_app_handler_nodefer)
{
	ASSERT_EQ(0, app_install(SIGTRAP, true, SA_NODEFER, SIGUSR2));
	ASSERT_EQ(0, tp_init());
	foreign_trap();
	ASSERT_EQ(1UL, app_calls);
	EXPECT_FALSE(signal_blocked(&app_mask, SIGTRAP));
	EXPECT_TRUE(signal_blocked(&app_mask, SIGUSR2));
}

/* A handler without SA_SIGINFO: the same mask, and the signal number. */
TEST(sigtrap_app_plain_handler_runs_with_its_mask)
{
	ASSERT_EQ(0, app_install(SIGTRAP, false, 0, SIGUSR1));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(1UL, app_calls);
	EXPECT_EQ(SIGTRAP, app_signo);
	EXPECT_TRUE(signal_blocked(&app_mask, SIGTRAP));
	EXPECT_TRUE(signal_blocked(&app_mask, SIGUSR1));
}

/*
 * SA_RESETHAND: the first trap runs the handler and resets the
 * disposition to SIG_DFL, so the second kills the process of SIGTRAP.
 * Breakpoint pokes keep working in between: textpoke's own traps never
 * count as the application's.
 */
TEST_SIGNAL(sigtrap_app_handler_resethand_trap, SIGTRAP)
{
	no_core_dump();
	ASSERT_EQ(0, app_install(SIGTRAP, true, SA_RESETHAND, 0));
	ASSERT_EQ(0, tp_init());
	foreign_trap();
	ASSERT_EQ(1UL, app_calls);
	ASSERT_EQ(0, toggle(TP_BACKEND_AUTO, 4));
	foreign_trap();
	TH_LOG("the handler ran %lu times; SA_RESETHAND was ignored", app_calls);
}

TEST_SIGNAL(sigtrap_app_handler_resethand_raise, SIGTRAP)
{
	no_core_dump();
	ASSERT_EQ(0, app_install(SIGTRAP, false, SA_RESETHAND, 0));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(1UL, app_calls);
	ASSERT_EQ(0, raise(SIGTRAP));
	TH_LOG("the handler ran %lu times; SA_RESETHAND was ignored", app_calls);
}

/* SIG_IGN: a SIGTRAP sent by a process stays ignored ... */
TEST(sigtrap_ignored_raise_stays_ignored)
{
	ASSERT_TRUE(signal(SIGTRAP, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(0, toggle(TP_BACKEND_AUTO, 4));
}

/* ... and a trap instruction kills: the kernel cannot ignore a trap. */
TEST_SIGNAL(sigtrap_ignored_trap_kills, SIGTRAP)
{
	no_core_dump();
	ASSERT_TRUE(signal(SIGTRAP, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, tp_init());
	foreign_trap();
	TH_LOG("survived a trap with SIGTRAP ignored");
}

/* SIG_DFL: a SIGTRAP sent by a process kills, as without textpoke. */
TEST_SIGNAL(sigtrap_default_raise_kills, SIGTRAP)
{
	no_core_dump();
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, toggle(TP_BACKEND_AUTO, 4));
	ASSERT_EQ(0, raise(SIGTRAP));
	TH_LOG("survived raise(SIGTRAP) with SIGTRAP at SIG_DFL");
}

#if defined(__x86_64__)
/*
 * A SIGTRAP that no trap instruction raised (here the trap flag's single
 * step, si_code TRAP_TRACE; a hardware breakpoint or perf's sigtrap
 * alike) is the application's: its handler gets it, and the thread goes
 * on after the stepped instruction, not a byte before it.
 */
#define X86_EFLAGS_TF	0x100

static volatile int app_code;

static void single_step_handler(int sig, siginfo_t *info, void *uctx)
{
	ucontext_t *uc = uctx;

	note_delivery(sig);
	app_code = info->si_code;
	uc->uc_mcontext.gregs[REG_EFL] &= ~X86_EFLAGS_TF;
}

TEST(sigtrap_app_handler_gets_single_steps)
{
	struct sigaction sa = { .sa_sigaction = single_step_handler,
				.sa_flags = SA_SIGINFO };
	int value;

	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGTRAP, &sa, NULL));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, toggle(TP_BACKEND_BREAKPOINT, 2));
	/* set TF: the instruction after popf is stepped (a 5-byte MOV) */
	__asm__ volatile("pushfq\n\t"
			 "orq %1, (%%rsp)\n\t"
			 "popfq\n\t"
			 "movl $0x12345678, %0\n\t"
			 : "=r"(value) : "i"(X86_EFLAGS_TF) : "memory", "cc");
	ASSERT_EQ(1UL, app_calls);
	EXPECT_EQ(TRAP_TRACE, app_code);
	EXPECT_EQ(0x12345678, value);
	ASSERT_EQ(0, toggle(TP_BACKEND_BREAKPOINT, 2));
}
#endif

/*
 * The alternate stack: the application's handler runs on it exactly when
 * it asked for it with SA_ONSTACK.
 */
static char alt_stack[64 * 1024] __attribute__((aligned(16)));

static void stack_as_asked(struct __test_metadata *_metadata, int flags)
{
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	bool on_alt;

	ASSERT_EQ(0, sigaltstack(&ss, NULL));
	ASSERT_EQ(0, app_install(SIGTRAP, true, flags, 0));
	ASSERT_EQ(0, tp_init());
	foreign_trap();
	ASSERT_EQ(1UL, app_calls);
	on_alt = app_stack >= (uintptr_t)alt_stack &&
		 app_stack < (uintptr_t)alt_stack + sizeof(alt_stack);
	EXPECT_EQ(!!(flags & SA_ONSTACK), on_alt);
}

TEST(sigtrap_app_handler_without_sa_onstack_runs_on_thread_stack)
{
	stack_as_asked(_metadata, 0);
}

TEST(sigtrap_app_handler_with_sa_onstack_runs_on_alt_stack)
{
	stack_as_asked(_metadata, SA_ONSTACK);
}

/* --- threads blocked in a system call ----------------------------------------- */

/* The state letter of a thread in /proc (R, S, D, ...), or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

enum blocking_call {
	CALL_READ,		/* read() on a pipe: SA_RESTART restarts it */
	CALL_SEM_WAIT,		/* sem_wait(): restarted too */
	CALL_NANOSLEEP,		/* never restarted (signal(7)) */
	CALL_POLL,
	CALL_SEM_TIMEDWAIT,
};

struct sleeper {
	pthread_t thread;
	pid_t tid;
	enum blocking_call call;
	int pipe[2];
	sem_t sem;
	int entered;
	int done;
	long ret;
	int err;
};

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct timespec ts = { SLEEP_SECONDS, 0 };
	char byte;
	long ret = -1;

	__atomic_store_n(&s->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELAXED);
	__atomic_store_n(&s->entered, 1, __ATOMIC_RELEASE);
	switch (s->call) {
	case CALL_READ:
		ret = read(s->pipe[0], &byte, 1);
		break;
	case CALL_SEM_WAIT:
		ret = sem_wait(&s->sem);
		break;
	case CALL_NANOSLEEP:
		ret = nanosleep(&ts, NULL);
		break;
	case CALL_POLL:
		ret = poll(NULL, 0, SLEEP_SECONDS * 1000);
		break;
	case CALL_SEM_TIMEDWAIT:
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += SLEEP_SECONDS;
		ret = sem_timedwait(&s->sem, &ts);
		break;
	}
	s->err = ret < 0 ? errno : 0;
	s->ret = ret;
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Start a thread in @call; 0 once it sleeps in it, or -1. */
static int sleeper_start(struct sleeper *s, enum blocking_call call)
{
	double deadline = now_seconds() + 10;
	int asleep = 0;

	memset(s, 0, sizeof(*s));
	s->call = call;
	if (pipe(s->pipe) || sem_init(&s->sem, 0, 0))
		return -1;
	if (pthread_create(&s->thread, NULL, sleeper_main, s))
		return -1;
	while (!__atomic_load_n(&s->entered, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* Asleep for 20 ms in a row: in the call, not on the way to it. */
	while (asleep < 20 && now_seconds() < deadline) {
		asleep = thread_state(s->tid) == 'S' ? asleep + 1 : 0;
		usleep(1000);
	}
	return asleep >= 20 ? 0 : -1;
}

/* Wait up to @seconds for the call to return; whether it did. */
static bool sleeper_returned(struct sleeper *s, double seconds)
{
	double deadline = now_seconds() + seconds;

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE)) {
		if (now_seconds() > deadline)
			return false;
		usleep(1000);
	}
	return true;
}

/* Let a restartable call complete normally. */
static void sleeper_wake(struct sleeper *s)
{
	if (s->call == CALL_READ)
		(void)!write(s->pipe[1], "x", 1);
	else
		sem_post(&s->sem);
}

/*
 * SA_RESTART as the application asked for it: a SIGTRAP sent to a thread
 * blocked in read() on a pipe makes the read fail with EINTR unless the
 * application's handler has SA_RESTART.
 */
static void restart_as_asked(struct __test_metadata *_metadata, int flags)
{
	double deadline = now_seconds() + 5;
	struct sleeper s;

	ASSERT_EQ(0, app_install(SIGTRAP, true, flags, 0));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, sleeper_start(&s, CALL_READ));
	ASSERT_EQ(0, pthread_kill(s.thread, SIGTRAP));
	while (!app_calls && now_seconds() < deadline)
		usleep(1000);
	ASSERT_EQ(1UL, app_calls);
	if (flags & SA_RESTART) {
		EXPECT_FALSE(sleeper_returned(&s, 0.1)) TH_LOG("%s", strerror(s.err));
		sleeper_wake(&s);
		ASSERT_TRUE(sleeper_returned(&s, 5));
		EXPECT_EQ(1, s.ret);
	} else {
		ASSERT_TRUE(sleeper_returned(&s, 5));
		EXPECT_EQ(-1, s.ret);
		EXPECT_EQ(EINTR, s.err);
	}
	pthread_join(s.thread, NULL);
}

TEST(sigtrap_app_handler_without_sa_restart_interrupts_read)
{
	restart_as_asked(_metadata, 0);
}

TEST(sigtrap_app_handler_with_sa_restart_restarts_read)
{
	restart_as_asked(_metadata, SA_RESTART);
}

static const char *const call_names[] = {
	"read", "sem_wait", "nanosleep", "poll", "sem_timedwait",
};

/*
 * stop_machine signals every thread.  With SA_RESTART, a read() on a
 * pipe and a sem_wait() go on waiting; a nanosleep() in the same process
 * is the witness that the signal did reach the sleeping threads.
 */
TEST(stop_machine_leaves_restartable_calls_waiting)
{
	static const enum blocking_call calls[] = { CALL_READ, CALL_SEM_WAIT };
	struct sleeper waiting[2], witness;
	unsigned int i;

	ASSERT_EQ(0, tp_init());
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, sleeper_start(&waiting[i], calls[i]));
	}
	ASSERT_EQ(0, sleeper_start(&witness, CALL_NANOSLEEP));

	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 2));
	ASSERT_TRUE(sleeper_returned(&witness, 5));
	ASSERT_EQ(EINTR, witness.err);
	for (i = 0; i < 2; i++) {
		EXPECT_FALSE(sleeper_returned(&waiting[i], 0.1))
			TH_LOG("%s returned %ld (%s)", call_names[calls[i]],
			       waiting[i].ret, strerror(waiting[i].err));
		sleeper_wake(&waiting[i]);
		ASSERT_TRUE(sleeper_returned(&waiting[i], 5));
		EXPECT_EQ(0, waiting[i].err) TH_LOG("%s", call_names[calls[i]]);
		EXPECT_EQ(waiting[i].call == CALL_READ ? 1 : 0, waiting[i].ret);
		pthread_join(waiting[i].thread, NULL);
	}
	pthread_join(witness.thread, NULL);
}

/*
 * What signal(7) says no SA_RESTART restarts, as docs/engine.md
 * documents: a stop_machine poke makes a nanosleep(), poll() or
 * sem_timedwait() of another thread return early with EINTR.
 */
TEST(stop_machine_interrupts_timed_sleeps)
{
	static const enum blocking_call calls[] = {
		CALL_NANOSLEEP, CALL_POLL, CALL_SEM_TIMEDWAIT,
	};
	struct sleeper s[3];
	unsigned int i;

	ASSERT_EQ(0, tp_init());
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, sleeper_start(&s[i], calls[i]));
	}
	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 2));
	for (i = 0; i < 3; i++) {
		ASSERT_TRUE(sleeper_returned(&s[i], 5)) TH_LOG("%s", call_names[calls[i]]);
		EXPECT_EQ(-1, s[i].ret);
		EXPECT_EQ(EINTR, s[i].err) TH_LOG("%s", call_names[calls[i]]);
		pthread_join(s[i].thread, NULL);
	}
}

/*
 * The breakpoint protocol sends no signal to other threads where the
 * kernel has membarrier SYNC_CORE: a sleeping thread sleeps on.
 */
TEST(breakpoint_leaves_sleepers_alone)
{
	struct sleeper s;

	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, sleeper_start(&s, CALL_NANOSLEEP));
	ASSERT_EQ(0, toggle(TP_BACKEND_BREAKPOINT, 4));
	EXPECT_FALSE(sleeper_returned(&s, 0.1)) TH_LOG("%s", strerror(s.err));
}

/* --- the park signal ---------------------------------------------------------- */

static long elapsed_ms(double since)
{
	return (long)((now_seconds() - since) * 1000);
}

/* The poke must fail with @err at once, the text byte for byte unchanged. */
static void expect_refused_now(struct __test_metadata *_metadata, int err,
			       void *addr, const void *expect, const void *insn,
			       size_t len, enum tp_backend backend)
{
	uint8_t before[SNAP], after[SNAP];
	double start = now_seconds();
	int ret;

	memcpy(before, addr, SNAP);
	ret = tp_poke(addr, expect, insn, len, backend);
	EXPECT_EQ(err, ret) TH_LOG("backend %d: %s", backend, tp_strerror(ret));
	EXPECT_GT(BUSY_FAST_MS, elapsed_ms(start));
	memcpy(after, addr, SNAP);
	EXPECT_EQ(0, memcmp(before, after, SNAP));
}

FIXTURE(park)
{
	struct workers pool;
	struct states s;
	uint8_t multi_old[MULTI_LEN], multi_new[MULTI_LEN];
};

FIXTURE_SETUP(park)
{
	ASSERT_EQ(0, crash_reporter_install());
	ASSERT_EQ(0, nopjmp_states(&self->s));
	ASSERT_EQ(0, multi_states(self->multi_old, self->multi_new));
}

FIXTURE_TEARDOWN(park)
{
	workers_stop(&self->pool);
}

/*
 * The application takes the park signal after textpoke: every backend
 * that needs it is refused at once with -EBUSY, nothing written and the
 * application's handler never called; site_multi, which only
 * stop_machine can change, gets -EBUSY from AUTO too.  With textpoke's
 * handler back, the same pokes succeed.
 */
static void taken_park_signal_is_busy(struct __test_metadata *_metadata,
				      FIXTURE_DATA(park) *self, bool ignore)
{
	int sig = DEFAULT_PARK_SIGNAL;
	struct sigaction app, textpoke;

	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	memset(&app, 0, sizeof(app));
	app.sa_handler = ignore ? SIG_IGN : app_plain_handler;
	sigemptyset(&app.sa_mask);
	app_calls = 0;
	ASSERT_EQ(0, sigaction(sig, &app, &textpoke));

	expect_refused_now(_metadata, -EBUSY, site_nopjmp, self->s.old, self->s.new,
			   SITE_LEN, TP_BACKEND_STOP_MACHINE);
	expect_refused_now(_metadata, -EBUSY, site_multi, self->multi_old,
			   self->multi_new, MULTI_LEN, TP_BACKEND_AUTO);
	ASSERT_EQ(1, site_nopjmp_fn());
	EXPECT_EQ(0UL, app_calls);

	ASSERT_EQ(0, sigaction(sig, &textpoke, NULL));
	ASSERT_EQ(0, tp_poke(site_nopjmp, self->s.old, self->s.new, SITE_LEN,
			     TP_BACKEND_STOP_MACHINE));
	ASSERT_EQ(2, site_nopjmp_fn());
	ASSERT_EQ(0, tp_poke(site_multi, self->multi_old, self->multi_new,
			     MULTI_LEN, TP_BACKEND_AUTO));
	EXPECT_EQ(0UL, app_calls);
}

TEST_F_TIMEOUT(park, handler_installed_after_textpoke_is_busy, 60)
{
	taken_park_signal_is_busy(_metadata, self, false);
}

TEST_F_TIMEOUT(park, ignored_after_textpoke_is_busy, 60)
{
	taken_park_signal_is_busy(_metadata, self, true);
}

/*
 * On a kernel without membarrier SYNC_CORE, the cross-core syncs of the
 * breakpoint and nosync protocols are signal rounds with the park signal:
 * taken, those protocols are refused before anything is written too.
 */
TEST_F_TIMEOUT(park, signal_syncs_need_it, 60)
{
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	tp_debug_force_signal_sync(true);
	ASSERT_TRUE(signal(DEFAULT_PARK_SIGNAL, SIG_IGN) != SIG_ERR);
	expect_refused_now(_metadata, -EBUSY, site_nopjmp, self->s.old, self->s.new,
			   SITE_LEN, TP_BACKEND_BREAKPOINT);
	expect_refused_now(_metadata, -EBUSY, site_nopjmp, self->s.old, self->s.new,
			   SITE_LEN, TP_BACKEND_AUTO);
#if HAVE_NOSYNC
	expect_refused_now(_metadata, -EBUSY, site_nopjmp, self->s.old, self->s.new,
			   SITE_LEN, TP_BACKEND_NOSYNC);
#endif
	ASSERT_EQ(1, site_nopjmp_fn());
}

/*
 * An application handler on the park signal installed before textpoke's:
 * textpoke's parking never reaches it; the application's own signals do,
 * with the mask the kernel would have given the handler (its sa_mask and
 * the signal itself, nothing more).
 */
TEST_F_TIMEOUT(park, app_handler_installed_before_is_chained, 60)
{
	int sig = DEFAULT_PARK_SIGNAL;

	ASSERT_EQ(0, app_install(sig, true, 0, SIGUSR1));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 10));
	EXPECT_EQ(0UL, app_calls);

	ASSERT_EQ(0, raise(sig));
	ASSERT_EQ(1UL, app_calls);
	EXPECT_EQ(sig, app_signo);
	EXPECT_TRUE(signal_blocked(&app_mask, sig));
	EXPECT_TRUE(signal_blocked(&app_mask, SIGUSR1));
	EXPECT_FALSE(signal_blocked(&app_mask, SIGUSR2));
	EXPECT_FALSE(signal_blocked(&app_mask, SIGALRM));
}

/*
 * SA_RESETHAND on the park signal: the application's first signal runs
 * its handler, the second finds SIG_DFL and ends the process, as without
 * textpoke; textpoke's parking in between neither counts nor resets.
 */
static int resethand_child(void)
{
	struct workers pool;

	if (app_install(DEFAULT_PARK_SIGNAL, false, SA_RESETHAND, 0) || tp_init() ||
	    workers_start(&pool, 1, site_nopjmp_fn) || toggle(TP_BACKEND_STOP_MACHINE, 4))
		return 1;
	if (app_calls || raise(DEFAULT_PARK_SIGNAL) || app_calls != 1)
		return 2;
	if (toggle(TP_BACKEND_STOP_MACHINE, 4))
		return 3;
	raise(DEFAULT_PARK_SIGNAL);
	return 4;
}

TEST(park_signal_app_handler_resethand)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(resethand_child());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSIGNALED(status))
		TH_LOG("child exited at step %d", WEXITSTATUS(status));
	EXPECT_EQ(DEFAULT_PARK_SIGNAL, WTERMSIG(status));
}

/* SIG_IGN before textpoke: the application's signal stays ignored. */
TEST_F_TIMEOUT(park, ignored_before_textpoke_stays_ignored, 60)
{
	ASSERT_TRUE(signal(DEFAULT_PARK_SIGNAL, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	ASSERT_EQ(0, raise(DEFAULT_PARK_SIGNAL));
	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 4));
	ASSERT_EQ(0, raise(DEFAULT_PARK_SIGNAL));
}

/* A signal named by TEXTPOKE_PARK_SIGNAL parks; the default one is left alone. */
static void parks_with(struct __test_metadata *_metadata, FIXTURE_DATA(park) *self,
		       const char *setting, int sig)
{
	struct sigaction now;

	ASSERT_EQ(0, setenv("TEXTPOKE_PARK_SIGNAL", setting, 1));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(sig, tp_park_signal());
	ASSERT_EQ(0, sigaction(DEFAULT_PARK_SIGNAL, NULL, &now));
	EXPECT_TRUE(!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL);
	ASSERT_EQ(0, sigaction(sig, NULL, &now));
	EXPECT_TRUE(now.sa_flags & SA_SIGINFO);

	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	ASSERT_TRUE(signal(DEFAULT_PARK_SIGNAL, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 10));
	ASSERT_EQ(0, tp_poke(site_multi, self->multi_old, self->multi_new,
			     MULTI_LEN, TP_BACKEND_AUTO));
}

TEST_F_TIMEOUT(park, signal_from_environment_by_name, 60)
{
	parks_with(_metadata, self, "SIGRTMIN+5", SIGRTMIN + 5);
}

TEST_F_TIMEOUT(park, signal_from_environment_by_number, 60)
{
	char number[16];

	snprintf(number, sizeof(number), "%d", SIGRTMAX - 2);
	parks_with(_metadata, self, number, SIGRTMAX - 2);
}

TEST_F_TIMEOUT(park, signal_from_environment_from_max, 60)
{
	parks_with(_metadata, self, "SIGRTMAX-1", SIGRTMAX - 1);
}

/*
 * A TEXTPOKE_PARK_SIGNAL that names no real-time signal: tp_init() fails
 * with -EINVAL before it installs anything.  Each value in a process of
 * its own (initialisation happens once).
 */
static int init_with_setting(const char *setting)
{
	struct sigaction trap, park;
	int err;

	if (setenv("TEXTPOKE_PARK_SIGNAL", setting, 1))
		return 10;
	err = tp_init();
	if (err != -EINVAL)
		return 11;
	if (tp_park_signal() != -EINVAL)
		return 12;
	if (sigaction(SIGTRAP, NULL, &trap) || sigaction(DEFAULT_PARK_SIGNAL, NULL, &park))
		return 13;
	if ((trap.sa_flags & SA_SIGINFO) || trap.sa_handler != SIG_DFL)
		return 14;
	if ((park.sa_flags & SA_SIGINFO) || park.sa_handler != SIG_DFL)
		return 15;
	return 0;
}

TEST(park_signal_bad_environment_fails_init)
{
	static const char *const bad[] = {
		"0", "-1", "5", "31", "65", "99999999999999999999", "SIGTRAP",
		"SIGRTMIN+99", "SIGRTMAX+1", "SIGRTMIN-1", "SIGRTMIN+", "SIGRTMIN+3x",
		"37 ", "rtmin", "0x25",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t pid = fork();
		int status;

		ASSERT_LE(0, pid);
		if (!pid)
			_exit(init_with_setting(bad[i]));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("TEXTPOKE_PARK_SIGNAL=\"%s\": step %d", bad[i],
			       WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
	}
}

/*
 * tp_set_park_signal() moves parking to another signal at run time: the
 * old one gets back the disposition it had before textpoke (here the
 * application's handler, which from then on gets its signals directly).
 */
TEST_F_TIMEOUT(park, set_park_signal_moves_it, 60)
{
	int sig = SIGRTMIN + 6;
	struct sigaction now;

	ASSERT_EQ(0, app_install(DEFAULT_PARK_SIGNAL, false, 0, 0));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(DEFAULT_PARK_SIGNAL, tp_park_signal());
	ASSERT_EQ(0, workers_start(&self->pool, 1, site_nopjmp_fn));
	ASSERT_EQ(0, tp_set_park_signal(sig));
	ASSERT_EQ(sig, tp_park_signal());
	ASSERT_EQ(0, sigaction(DEFAULT_PARK_SIGNAL, NULL, &now));
	EXPECT_TRUE(!(now.sa_flags & SA_SIGINFO) && now.sa_handler == app_plain_handler);

	ASSERT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 10));
	EXPECT_EQ(0UL, app_calls);
	/* the old signal is the application's again: taking it changes nothing */
	ASSERT_TRUE(signal(DEFAULT_PARK_SIGNAL, SIG_IGN) != SIG_ERR);
	ASSERT_EQ(0, tp_poke(site_multi, self->multi_old, self->multi_new,
			     MULTI_LEN, TP_BACKEND_AUTO));
	/* the new one is textpoke's: taking it makes stop_machine busy */
	ASSERT_TRUE(signal(sig, SIG_IGN) != SIG_ERR);
	expect_refused_now(_metadata, -EBUSY, site_multi, self->multi_new,
			   self->multi_old, MULTI_LEN, TP_BACKEND_AUTO);
	/* and setting the same signal again installs textpoke's handler back */
	ASSERT_EQ(0, tp_set_park_signal(sig));
	ASSERT_EQ(0, tp_poke(site_multi, self->multi_new, self->multi_old,
			     MULTI_LEN, TP_BACKEND_AUTO));
}

/* From an event callback, which runs with the text mutex held: -EDEADLK. */
static int set_from_callback = 1;

static void set_park_signal_in_callback(const struct tp_event *event, void *arg)
{
	(void)event;
	(void)arg;
	if (set_from_callback == 1)
		set_from_callback = tp_set_park_signal(SIGRTMIN + 6);
}

TEST(set_park_signal_from_event_callback_is_deadlk)
{
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, tp_events_subscribe(set_park_signal_in_callback, NULL, 0));
	ASSERT_EQ(0, toggle(TP_BACKEND_AUTO, 2));
	ASSERT_EQ(0, tp_events_unsubscribe(set_park_signal_in_callback, NULL));
	EXPECT_EQ(-EDEADLK, set_from_callback);
	EXPECT_EQ(DEFAULT_PARK_SIGNAL, tp_park_signal());
}

TEST(set_park_signal_refuses_what_is_not_realtime)
{
	const int bad[] = {
		0, -1, SIGTRAP, SIGKILL, SIGUSR1, SIGRTMIN - 1, SIGRTMAX + 1, 65,
		INT_MAX, INT_MIN,
	};
	unsigned int i;

	ASSERT_EQ(0, tp_init());
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, tp_set_park_signal(bad[i])) TH_LOG("signal %d", bad[i]);
	}
	EXPECT_EQ(DEFAULT_PARK_SIGNAL, tp_park_signal());
	EXPECT_EQ(0, toggle(TP_BACKEND_STOP_MACHINE, 2));
}

/* --- gdb ------------------------------------------------------------------------ */

/*
 * The program gdb runs: this test binary again, with TP_SIGNALS_GDB_CHILD
 * set, which runs gdb_child() before the harness's main.  It pokes with
 * AUTO and stop_machine while a worker runs the site, loads a library
 * (gdb's breakpoint in the dynamic linker) and calls gdb_checkpoint(),
 * where the test sets a breakpoint of the user's.
 */
#define GDB_CHILD_ENV	"TP_SIGNALS_GDB_CHILD"
#define GDB_SECONDS	60

void __attribute__((noinline)) gdb_checkpoint(void)
{
	__asm__ volatile("" ::: "memory");
}

/*
 * AUTO toggles for GDB_CHILD_TOGGLE_SECONDS: long enough that the workers
 * run into the site during breakpoint batches many times over, were
 * breakpoints used under the debugger.
 */
#define GDB_CHILD_TOGGLE_SECONDS	2

static int toggle_for_a_while(void)
{
	double deadline = now_seconds() + GDB_CHILD_TOGGLE_SECONDS;
	int err = 0;

	while (!err && now_seconds() < deadline)
		err = toggle(TP_BACKEND_AUTO, 10);
	return err;
}

static int gdb_child_pokes(void)
{
	struct workers pool;
	void *lib;
	int err;

	err = tp_init();
	if (!err)
		err = workers_start(&pool, 2, site_nopjmp_fn);
	if (err) {
		printf("child: init: %s\n", tp_strerror(err));
		return 1;
	}
	err = toggle_for_a_while();
	if (!err) {
		lib = dlopen("libresolv.so.2", RTLD_NOW);
		if (lib)
			dlclose(lib);
		gdb_checkpoint();
		err = toggle(TP_BACKEND_STOP_MACHINE, 20);
	}
	if (!err)
		err = toggle_for_a_while();
	workers_stop(&pool);
	if (err) {
		printf("child: poke: %s\n", tp_strerror(err));
		return 2;
	}
	printf("child: pokes done, %lu traps, park signal %d\n",
	       tp_debug_emulations(), tp_park_signal());
	return 0;
}

/* Breakpoint pokes of a site no thread runs: no trap for gdb to see. */
static int gdb_child_breakpoint(void)
{
	int err = tp_init();

	if (!err)
		err = toggle(TP_BACKEND_BREAKPOINT, 2);
	printf("child: breakpoint pokes: %s\n", err ? tp_strerror(err) : "done");
	return 0;
}

static void __attribute__((constructor)) gdb_child(void)
{
	const char *mode = getenv(GDB_CHILD_ENV);
	int ret;

	if (!mode)
		return;
	/* "probe": only whether gdb can run a program here at all */
	if (!strcmp(mode, "pokes"))
		ret = gdb_child_pokes();
	else if (!strcmp(mode, "breakpoint"))
		ret = gdb_child_breakpoint();
	else
		ret = 0;
	fflush(stdout);
	_exit(ret);
}

/*
 * Run this binary under gdb -batch with @commands, @env ("NAME=value" or
 * "") in its environment; its output in @out.
 */
static int run_gdb(const char *mode, const char *env, const char *commands,
		   char *out, size_t size)
{
	char self_exe[PATH_MAX], cmd[PATH_MAX + 1024];
	ssize_t n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	size_t len = 0;
	FILE *f;

	if (n <= 0)
		return -1;
	self_exe[n] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "%s=%s %s timeout -k 5 %d gdb -batch -nx %s --args '%s' 2>&1",
		 GDB_CHILD_ENV, mode, env, GDB_SECONDS, commands, self_exe);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (len + 1 < size && (n = fread(out + len, 1, size - 1 - len, f)) > 0)
		len += n;
	out[len] = '\0';
	return pclose(f);
}

#define GDB_OUT_SIZE	(64 * 1024)

/* Skip unless gdb can run a program here (installed, ptrace allowed). */
static bool gdb_usable(struct __test_metadata *_metadata, char *out)
{
	if (under_emulator()) {
		SKIP(return false, "gdb would debug the emulator, not this program");
	}
	if (system("command -v gdb >/dev/null 2>&1")) {
		SKIP(return false, "gdb is not installed (scripts/bootstrap.sh installs it)");
	}
	run_gdb("probe", "", "-ex run", out, GDB_OUT_SIZE);
	if (!strstr(out, "exited normally")) {
		SKIP(return false, "gdb cannot run a program here (ptrace refused?): %.200s",
		     out);
	}
	return true;
}

/*
 * The documented setting: the park signal passed on without stopping.
 * Nothing about SIGTRAP: under a tracer textpoke uses no breakpoint, so
 * gdb's own breakpoints work as they always do.
 */
FIXTURE(gdb)
{
	char *out;
};

FIXTURE_SETUP(gdb)
{
	self->out = malloc(GDB_OUT_SIZE);
	ASSERT_NE(NULL, self->out);
}

FIXTURE_TEARDOWN(gdb)
{
	free(self->out);
}

TEST_F_TIMEOUT(gdb, runs_pokes_with_the_documented_setting, 2 * GDB_SECONDS + 30)
{
	char *out = self->out, commands[256];

	if (!gdb_usable(_metadata, out))
		return;
	snprintf(commands, sizeof(commands),
		 "-ex 'handle SIG%d nostop noprint pass' -ex 'break gdb_checkpoint' "
		 "-ex run -ex continue", DEFAULT_PARK_SIGNAL);
	run_gdb("pokes", "", commands, out, GDB_OUT_SIZE);
	EXPECT_NE(NULL, strstr(out, "Breakpoint 1, ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "child: pokes done, 0 traps")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "exited normally")) TH_LOG("%s", out);
}

/* Without it, gdb stops at the park signal, under the documented name. */
TEST_F_TIMEOUT(gdb, stops_at_the_park_signal_unless_told, 2 * GDB_SECONDS + 30)
{
	char *out = self->out, name[32];

	if (!gdb_usable(_metadata, out))
		return;
	run_gdb("pokes", "", "-ex run", out, GDB_OUT_SIZE);
	snprintf(name, sizeof(name), "received signal SIG%d", DEFAULT_PARK_SIGNAL);
	EXPECT_NE(NULL, strstr(out, name)) TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "exited normally")) TH_LOG("%s", out);
}

/*
 * Under a tracer, explicit breakpoint pokes are refused with -EBUSY,
 * nothing written; TEXTPOKE_BREAKPOINT_UNDER_TRACER=1, for a tracer that
 * passes every SIGTRAP on, allows them.
 */
TEST_F_TIMEOUT(gdb, breakpoint_refused_unless_tracer_passes_traps, 2 * GDB_SECONDS + 30)
{
	char *out = self->out;

	if (!gdb_usable(_metadata, out))
		return;
	run_gdb("breakpoint", "", "-ex run", out, GDB_OUT_SIZE);
	EXPECT_NE(NULL, strstr(out, "child: breakpoint pokes: busy")) TH_LOG("%s", out);
	run_gdb("breakpoint", "TEXTPOKE_BREAKPOINT_UNDER_TRACER=1", "-ex run", out,
		GDB_OUT_SIZE);
	EXPECT_NE(NULL, strstr(out, "child: breakpoint pokes: done")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "exited normally")) TH_LOG("%s", out);
}

TEST_HARNESS_MAIN
