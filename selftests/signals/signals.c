// SPDX-License-Identifier: GPL-2.0
/*
 * The signals textpoke uses, as the application sees them:
 *
 *  - its own SIGTRAP handler, installed before textpoke's, runs as the
 *    kernel would have run it: with its sa_mask and SIGTRAP blocked (not
 *    with SA_NODEFER), once with SA_RESETHAND, on the stack and with the
 *    restart behaviour its flags ask for; SIG_IGN as the kernel treats it.
 *
 * The patch sites and thread helpers are the engine tests' own.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/textpoke.h>

#include "kselftest_harness.h"
#include "../engine/engine.h"

#define SLEEP_SECONDS		20	/* longer than any test waits */

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
	ASSERT_NE(SIG_ERR, signal(SIGTRAP, SIG_IGN));
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, raise(SIGTRAP));
	ASSERT_EQ(0, toggle(TP_BACKEND_AUTO, 4));
}

/* ... and a trap instruction kills: the kernel cannot ignore a trap. */
TEST_SIGNAL(sigtrap_ignored_trap_kills, SIGTRAP)
{
	no_core_dump();
	ASSERT_NE(SIG_ERR, signal(SIGTRAP, SIG_IGN));
	ASSERT_EQ(0, tp_init());
	foreign_trap();
	TH_LOG("survived a trap with SIGTRAP ignored");
}

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

TEST_HARNESS_MAIN
