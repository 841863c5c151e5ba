// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for the engine selftests: worker threads that run a patch site
 * while the test pokes it, a thread that refuses every signal, the
 * application's own SIGTRAP handler and a crash reporter.  No test lives
 * here (the kselftest harness allows one file of tests per binary).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <textpoke/textpoke.h>

#include "engine.h"

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long v;

	if (!s || !*s)
		return dflt;
	v = strtoul(s, &end, 0);
	return *end ? dflt : v;
}

static void pause_briefly(void)
{
	struct timespec ts = { .tv_nsec = 100 * 1000 };

	nanosleep(&ts, NULL);
}

/* --- workers ------------------------------------------------------------ */

static void *worker_main(void *arg)
{
	struct worker *me = arg;
	struct workers *pool = me->pool;
	struct worker_stats st = { 0 };
	int first = 1;

	/*
	 * Lowest priority: with more workers than CPUs the poking thread
	 * still gets a CPU at once, and the workers fill every gap.
	 */
	setpriority(PRIO_PROCESS, gettid(), 19);
	while (!__atomic_load_n(&pool->stop, __ATOMIC_RELAXED)) {
		int ret = pool->fn();

		/* live, for workers_wait() */
		if (ret == 1) {
			__atomic_store_n(&me->stats.ret1, ++st.ret1, __ATOMIC_RELAXED);
		} else if (ret == 2) {
			__atomic_store_n(&me->stats.ret2, ++st.ret2, __ATOMIC_RELAXED);
		} else {
			st.other++;
			st.bad_value = ret;
		}
		__atomic_store_n(&me->stats.calls, ++st.calls, __ATOMIC_RELAXED);
		if (first) {
			__atomic_add_fetch(&pool->started, 1, __ATOMIC_RELEASE);
			first = 0;
		}
	}
	/* calls, ret1 and ret2 are out already, read as they change (TSan). */
	__atomic_store_n(&me->stats.other, st.other, __ATOMIC_RELAXED);
	__atomic_store_n(&me->stats.bad_value, st.bad_value, __ATOMIC_RELAXED);
	return NULL;
}

int workers_start(struct workers *pool, unsigned int count, int (*fn)(void))
{
	unsigned int i;
	int err;

	if (count > MAX_WORKERS)
		return -EINVAL;
	memset(pool, 0, sizeof(*pool));
	pool->fn = fn;
	for (i = 0; i < count; i++) {
		pool->worker[i].pool = pool;
		err = pthread_create(&pool->worker[i].tid, NULL, worker_main,
				     &pool->worker[i]);
		if (err) {
			workers_stop(pool);
			return -err;
		}
		pool->count++;
	}
	while (__atomic_load_n(&pool->started, __ATOMIC_ACQUIRE) < (int)count)
		pause_briefly();
	return 0;
}

void workers_stop(struct workers *pool)
{
	unsigned int i;

	if (pool->joined || !pool->count)
		return;
	__atomic_store_n(&pool->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < pool->count; i++)
		pthread_join(pool->worker[i].tid, NULL);
	pool->joined = 1;
}

unsigned long workers_calls(struct workers *pool)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < pool->count; i++)
		sum += __atomic_load_n(&pool->worker[i].stats.calls,
				       __ATOMIC_RELAXED);
	return sum;
}

static unsigned long workers_returned(struct workers *pool, int value)
{
	unsigned long sum = 0;
	unsigned int i;

	for (i = 0; i < pool->count; i++) {
		struct worker_stats *st = &pool->worker[i].stats;

		sum += __atomic_load_n(value == 1 ? &st->ret1 : &st->ret2,
				       __ATOMIC_RELAXED);
	}
	return sum;
}

int workers_wait(struct workers *pool, int value, double seconds)
{
	unsigned long calls[MAX_WORKERS], returned = 0;
	double deadline = now_seconds() + seconds;
	unsigned int i;

	for (i = 0; i < pool->count; i++)
		calls[i] = __atomic_load_n(&pool->worker[i].stats.calls,
					   __ATOMIC_RELAXED);
	if (value)
		returned = workers_returned(pool, value);
	for (;;) {
		bool done = !value || workers_returned(pool, value) != returned;

		/*
		 * Two more calls: the one running at the snapshot may have
		 * begun before the caller's change, the next one did not.
		 */
		for (i = 0; done && i < pool->count; i++)
			done = __atomic_load_n(&pool->worker[i].stats.calls,
					       __ATOMIC_RELAXED) >= calls[i] + 2;
		if (done)
			return 0;
		if (now_seconds() > deadline)
			return -ETIMEDOUT;
		pause_briefly();
	}
}

void workers_sum(const struct workers *pool, struct worker_stats *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < pool->count; i++) {
		const struct worker_stats *st = &pool->worker[i].stats;

		sum->calls += st->calls;
		sum->ret1 += st->ret1;
		sum->ret2 += st->ret2;
		sum->other += st->other;
		if (st->other)
			sum->bad_value = st->bad_value;
	}
}

/* --- a thread that blocks every signal ------------------------------------ */

static void *blocker_main(void *arg)
{
	struct blocker *blocker = arg;
	sigset_t all;

	if (blocker->sigtrap_only) {
		sigemptyset(&all);
		sigaddset(&all, SIGTRAP);
	} else {
		sigfillset(&all);
	}
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	__atomic_store_n(&blocker->ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&blocker->stop, __ATOMIC_RELAXED))
		pause_briefly();
	return NULL;
}

static int blocker_start_with(struct blocker *blocker, int sigtrap_only)
{
	int err;

	memset(blocker, 0, sizeof(*blocker));
	blocker->sigtrap_only = sigtrap_only;
	err = pthread_create(&blocker->tid, NULL, blocker_main, blocker);
	if (err)
		return -err;
	blocker->running = 1;
	while (!__atomic_load_n(&blocker->ready, __ATOMIC_ACQUIRE))
		pause_briefly();
	return 0;
}

int blocker_start(struct blocker *blocker)
{
	return blocker_start_with(blocker, 0);
}

int sigtrap_blocker_start(struct blocker *blocker)
{
	return blocker_start_with(blocker, 1);
}

void blocker_stop(struct blocker *blocker)
{
	if (!blocker->running)
		return;
	__atomic_store_n(&blocker->stop, 1, __ATOMIC_RELAXED);
	pthread_join(blocker->tid, NULL);
	blocker->running = 0;
}

/* --- the application's SIGTRAP handler ------------------------------------ */

volatile unsigned long app_sigtrap_count;
volatile int app_sigtrap_code;
sigjmp_buf *volatile app_trap_escape;

static void app_sigtrap(int sig, siginfo_t *info, void *uctx)
{
	app_sigtrap_code = info->si_code;
	app_sigtrap_count++;
	/* Raised by an instruction (not raise()): continue after it. */
	if (info->si_code > 0)
		skip_foreign_trap(uctx);
}

static void app_sigtrap_plain(int sig)
{
	sigjmp_buf *escape = app_trap_escape;

	app_sigtrap_code = sig;
	app_sigtrap_count++;
	if (escape) {
		app_trap_escape = NULL;
		siglongjmp(*escape, 1);
	}
}

int app_sigtrap_install(void)
{
	struct sigaction sa = {
		.sa_sigaction = app_sigtrap,
		.sa_flags = SA_SIGINFO,
	};

	app_sigtrap_count = 0;
	app_sigtrap_code = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTRAP, &sa, NULL) ? -errno : 0;
}

int app_sigtrap_install_plain(void)
{
	struct sigaction sa = { .sa_handler = app_sigtrap_plain };

	app_sigtrap_count = 0;
	app_sigtrap_code = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGTRAP, &sa, NULL) ? -errno : 0;
}

/* --- a W^X policy ----------------------------------------------------------- */

int refuse_text_writes(bool also_open_for_write)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_WRITE, 0, 1),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 4, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
			 also_open_for_write ? O_WRONLY | O_RDWR : 0, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}

int init_with_app_handler(void)
{
	int err = app_sigtrap_install();

	if (!err)
		err = crash_reporter_install();
	if (!err)
		err = tp_init();
	return err;
}

/* --- crash reporter -------------------------------------------------------- */

static const struct {
	const char *name;
	const uint8_t *addr;
} known_sites[] = {
	{ "site_nopjmp", site_nopjmp },
	{ "site_nopjmp_alt", site_nopjmp_alt },
	{ "site_call", site_call },
	{ "site_f", site_f },
	{ "site_g", site_g },
	{ "site_multi", site_multi },
	{ "site_short", site_short },
	{ "site_many", site_many },
	{ "site_many_end", site_many_end },
#if SITE_LEN == 4
	{ "site_nopcall", site_nopcall },
#endif
#if defined(__riscv)
	{ "site_unaligned", site_unaligned },
#endif
};

/* Async-signal-safe output: no stdio in a handler. */
static void put_str(const char *s)
{
	ssize_t ret = write(STDERR_FILENO, s, strlen(s));

	(void)ret;
}

static void put_hex(uintptr_t v)
{
	char buf[2 + 16 + 1];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = '\0';
	put_str(buf);
}

static void crash_report(int sig, siginfo_t *info, void *uctx)
{
	ucontext_t *uc = uctx;
	uintptr_t pc = context_pc(uc);
	uintptr_t best = 0;
	const char *name = NULL;
	size_t i;

	for (i = 0; i < sizeof(known_sites) / sizeof(known_sites[0]); i++) {
		uintptr_t a = (uintptr_t)known_sites[i].addr;

		if (a <= pc && pc - a < 0x10000 && (!name || a > best)) {
			best = a;
			name = known_sites[i].name;
		}
	}
	put_str("# fatal signal ");
	put_str(sig == SIGSEGV ? "SIGSEGV" : sig == SIGILL ? "SIGILL" :
		sig == SIGBUS ? "SIGBUS" : "SIGFPE");
	put_str(" pc=");
	put_hex(pc);
	if (name) {
		put_str(" (");
		put_str(name);
		put_str("+");
		put_hex(pc - best);
		put_str(")");
	}
	put_str(" addr=");
	put_hex((uintptr_t)info->si_addr);
	put_str("\n");
	/* SA_RESETHAND: returning re-executes the fault under SIG_DFL. */
}

int crash_reporter_install(void)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGFPE };
	struct sigaction sa = {
		.sa_sigaction = crash_report,
		.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER,
	};
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			return -errno;
	return 0;
}
