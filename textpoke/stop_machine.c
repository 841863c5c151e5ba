// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * stop_machine for one process: run a function while every other thread
 * of the process waits in a signal handler, none of them inside a range
 * that is being rewritten.
 *
 * 1. Send the park signal to every task in /proc/self/task but
 *    ourselves; rescan until a scan finds no task we have not parked
 *    (threads may be created meanwhile).  It is queued with a value only
 *    textpoke uses (rt_tgsigqueueinfo), so the handler tells its own
 *    from the application's signals, which go to the application's
 *    disposition (chain.c), and late copies of its own from a stop.
 * 2. Each handler records its interrupted PC and sleeps on a futex.
 * 3. If a PC lies strictly inside a range being changed (a thread between
 *    the two halves of an AUIPC+JALR pair, or between five 1-byte NOPs),
 *    release everyone and try again.
 * 4. Run the function, release.
 *
 * A task that does not park before the deadline (it blocks the signal)
 * makes the whole call fail with -ETIMEDOUT before the function runs.
 * Nothing here allocates or takes a lock once the first thread is
 * parked: the parked thread might hold it.  The slot array is allocated
 * before the first signal and the task list is read with raw getdents64.
 *
 * Under a user-mode emulator (qemu-user), /proc/self/task also lists the
 * emulator's own helper tasks, which never run a guest signal handler.
 * Such an emulator keeps guest signal masks to itself, so the kernel's
 * view of a guest thread's mask never blocks our signal, while its helper
 * tasks block every real-time signal in the kernel.  tasks.c detects the
 * emulator; only then are tasks that block all real-time signals in the
 * kernel left out.  Natively nothing is left out: a thread
 * that blocks the signal makes the call time out.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

#ifndef CONFIG_STOP_MACHINE_TIMEOUT_MS
#define CONFIG_STOP_MACHINE_TIMEOUT_MS 2000
#endif

/*
 * Real-time, so it never merges with the application's standard signals.
 * Chosen at init (park_signal.c), moved under the text mutex.
 */
static int park_signal;
static char park_cookie;		/* its address is the queued value */
#define RT_SIGNAL_BASE	32		/* no real-time signal is below */
#define RT_SIGNAL_SLOTS	(_NSIG - RT_SIGNAL_BASE)

enum slot_state { SLOT_SENT, SLOT_PARKED, SLOT_GONE };

struct park_slot {
	pid_t tid;
	int state;
	uintptr_t pc;
	uint64_t cpu_mark;		/* CPU time once past the deadline */
};

#define NO_CPU_MARK	UINT64_MAX

static struct park_slot *slots;
static size_t slots_cap;
static size_t nr_slots;			/* published with release */
static int session_active;
static uint32_t release_gen;		/* futex: parked threads wait on it */
static uint32_t parked_count;		/* futex: the poker waits on it */
/* What each signal textpoke parked with had before: the application's. */
static struct chained_action previous_park_action[RT_SIGNAL_SLOTS];
static bool emulated_signals;
unsigned long tp_stat_stop_retries;	/* a thread was inside a changed range */

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, word, op, val, ts, NULL, 0);
}

static pid_t current_tid(void)
{
	return syscall(SYS_gettid);
}

static struct park_slot *find_slot(pid_t tid)
{
	size_t i, n = __atomic_load_n(&nr_slots, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++)
		if (slots[i].tid == tid)
			return &slots[i];
	return NULL;
}

static bool sent_by_textpoke(const siginfo_t *info)
{
	return info->si_code == SI_QUEUE && info->si_pid == getpid() &&
	       info->si_value.sival_ptr == &park_cookie;
}

static void park_handler(int sig, siginfo_t *info, void *context)
{
	uint32_t gen = __atomic_load_n(&release_gen, __ATOMIC_ACQUIRE);
	int saved_errno = errno;
	struct park_slot *slot;

	if (!sent_by_textpoke(info)) {
		if (sig >= RT_SIGNAL_BASE && sig < _NSIG)
			chain_deliver(&previous_park_action[sig - RT_SIGNAL_BASE],
				      sig, info, context, false);
		goto out;
	}
	/* A late copy of ours (its stop gave up on this thread): dropped. */
	if (!__atomic_load_n(&session_active, __ATOMIC_ACQUIRE))
		goto out;
	slot = find_slot(current_tid());
	if (!slot || __atomic_load_n(&slot->state, __ATOMIC_ACQUIRE) != SLOT_SENT)
		goto out;
	slot->pc = arch_context_pc(context);
	__atomic_store_n(&slot->state, SLOT_PARKED, __ATOMIC_RELEASE);
	__atomic_add_fetch(&parked_count, 1, __ATOMIC_RELEASE);
	futex(&parked_count, FUTEX_WAKE_PRIVATE, 1, NULL);
	while (__atomic_load_n(&release_gen, __ATOMIC_ACQUIRE) == gen)
		futex(&release_gen, FUTEX_WAIT_PRIVATE, gen, NULL);
out:
	errno = saved_errno;
}

/*
 * SA_RESTART: a parked thread that was in a system call goes on with it
 * where signal(7) allows; the sleeps and waits it lists as never
 * restarted return EINTR (docs/engine.md).
 */
static int install_park_handler(int sig)
{
	struct sigaction sa, previous;

	if (sig < RT_SIGNAL_BASE || sig >= _NSIG)
		return -EINVAL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = park_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	/* A parked thread must not look like one that blocks SIGTRAP. */
	sigfillset(&sa.sa_mask);
	sigdelset(&sa.sa_mask, SIGTRAP);
	if (sigaction(sig, NULL, &previous))
		return -errno;
	if ((previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction == park_handler)
		return sigaction(sig, &sa, NULL) ? -errno : 0;
	chain_save(&previous_park_action[sig - RT_SIGNAL_BASE], &previous);
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

static bool park_handler_installed(int sig)
{
	struct sigaction now;

	return !sigaction(sig, NULL, &now) && (now.sa_flags & SA_SIGINFO) &&
	       now.sa_sigaction == park_handler;
}

int stop_machine_init(int sig)
{
	int err = install_park_handler(sig);

	if (err)
		return err;
	__atomic_store_n(&park_signal, sig, __ATOMIC_RELEASE);
	emulated_signals = !signal_masks_visible();
	return 0;
}

int stop_machine_signal(void)
{
	return __atomic_load_n(&park_signal, __ATOMIC_ACQUIRE);
}

/*
 * Under the text mutex: no stop is in progress.  The old signal gets back
 * what it had before textpoke, unless the application has taken it since.
 * The same signal again puts textpoke's handler back if it was taken.
 */
int stop_machine_set_signal(int sig)
{
	int old = park_signal, err = install_park_handler(sig);

	if (err || sig == old)
		return err;
	__atomic_store_n(&park_signal, sig, __ATOMIC_RELEASE);
	if (park_handler_installed(old))
		sigaction(old, &previous_park_action[old - RT_SIGNAL_BASE].act, NULL);
	return 0;
}

/* The application took the park signal: nobody would park. */
int stop_machine_ready(void)
{
	return park_handler_installed(park_signal) ? 0 : -EBUSY;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

struct new_tasks {
	pid_t self;
	int added;
};

static int send_park_signal(pid_t tid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = park_signal;
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();
	info.si_value.sival_ptr = &park_cookie;
	return syscall(SYS_rt_tgsigqueueinfo, getpid(), tid, park_signal, &info);
}

/* Signal @tid unless it is already in the slot array; -ENOSPC when full. */
static int signal_if_new(pid_t tid, void *arg)
{
	struct new_tasks *nt = arg;
	struct park_slot *slot;

	if (tid == nt->self || find_slot(tid))
		return 0;
	if (emulated_signals && task_is_emulator_helper(tid))
		return 0;
	if (nr_slots == slots_cap)
		return -ENOSPC;
	slot = &slots[nr_slots];
	slot->tid = tid;
	slot->pc = 0;
	slot->cpu_mark = NO_CPU_MARK;
	slot->state = SLOT_SENT;
	__atomic_store_n(&nr_slots, nr_slots + 1, __ATOMIC_RELEASE);
	if (send_park_signal(tid))
		__atomic_store_n(&slot->state, SLOT_GONE, __ATOMIC_RELEASE);
	nt->added++;
	return 0;
}

/* How many tasks were new, or -ENOSPC when the array is full, or -errno. */
static int signal_new_tasks(pid_t self)
{
	struct new_tasks nt = { self, 0 };
	int err = tasks_for_each(signal_if_new, &nt);

	return err ? err : nt.added;
}

/*
 * Past the deadline, whether the tasks still awaited merely had no CPU
 * yet: none of them blocks the park signal, so each runs the handler as
 * soon as the scheduler lets it.  On a loaded machine a low-priority
 * thread can wait seconds for that, and giving up would fail a poke that
 * was never in danger.  Where the kernel shows the masks, a task blocks
 * the signal when its mask says so.  Under an emulator, which keeps
 * guest masks to itself, a task blocks it when it has used
 * STARVED_CPU_NS on a CPU since the deadline without parking: with the
 * signal deliverable, the emulator runs the handler within microseconds
 * of running the thread.
 */
#define STARVED_CPU_NS	10000000ull

static bool only_starved_tasks_left(void)
{
	size_t i;

	for (i = 0; i < nr_slots; i++) {
		struct park_slot *s = &slots[i];
		uint64_t cpu_time;

		if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_SENT)
			continue;
		if (!emulated_signals) {
			if (task_blocked_signals(s->tid) & SIGNAL_BIT(park_signal))
				return false;
			continue;
		}
		cpu_time = task_cpu_time(s->tid);
		if (s->cpu_mark == NO_CPU_MARK)
			s->cpu_mark = cpu_time;
		else if (cpu_time - s->cpu_mark >= STARVED_CPU_NS)
			return false;
	}
	return true;
}

/*
 * Wait until every slot is parked or its task gone; -ETIMEDOUT after
 * @deadline, or after @limit while the tasks left do not block the signal.
 */
static int wait_parked(uint64_t deadline, uint64_t limit)
{
	for (;;) {
		uint32_t seen = __atomic_load_n(&parked_count, __ATOMIC_ACQUIRE);
		struct timespec tick = { 0, 1000000 };
		bool waiting = false;
		size_t i;

		for (i = 0; i < nr_slots; i++) {
			struct park_slot *s = &slots[i];

			if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != SLOT_SENT)
				continue;
			/* A task that exited before it ran the handler. */
			if (syscall(SYS_tgkill, getpid(), s->tid, 0) && errno == ESRCH) {
				__atomic_store_n(&s->state, SLOT_GONE, __ATOMIC_RELEASE);
				continue;
			}
			waiting = true;
		}
		if (!waiting)
			return 0;
		if (now_ns() > deadline &&
		    (now_ns() > limit || !only_starved_tasks_left()))
			return -ETIMEDOUT;
		futex(&parked_count, FUTEX_WAIT_PRIVATE, seen, &tick);
	}
}

static void release_all(void)
{
	__atomic_store_n(&session_active, 0, __ATOMIC_RELEASE);
	__atomic_add_fetch(&release_gen, 1, __ATOMIC_ACQ_REL);
	futex(&release_gen, FUTEX_WAKE_PRIVATE, INT_MAX, NULL);
}

static int park_all(pid_t self, uint64_t deadline, uint64_t limit)
{
	int added, err;

	__atomic_store_n(&nr_slots, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&parked_count, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&session_active, 1, __ATOMIC_RELEASE);
	do {
		added = signal_new_tasks(self);
		if (added < 0)
			return added;
		err = wait_parked(deadline, limit);
		if (err)
			return err;
	} while (added > 0);
	return 0;
}

/*
 * Whether @pc lies strictly inside one of @ranges, sorted by address
 * and apart (as the checks leave them): a binary search for the last
 * range that starts before it.
 */
static bool pc_inside_ranges(uintptr_t pc, const struct insn_ranges *ranges)
{
	size_t lo = 0, hi = ranges_nr(ranges);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (range_addr(ranges, mid) < pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo && pc < range_addr(ranges, lo - 1) + range_len(ranges, lo - 1);
}

static bool pc_inside_sites(const struct insn_ranges *ranges)
{
	size_t i;

	for (i = 0; i < nr_slots; i++)
		if (slots[i].state == SLOT_PARKED && pc_inside_ranges(slots[i].pc, ranges))
			return true;
	return false;
}

static int count_one(pid_t tid, void *arg)
{
	(void)tid;
	(*(int *)arg)++;
	return 0;
}

static int count_tasks(void)
{
	int count = 0, err = tasks_for_each(count_one, &count);

	return err ? err : count;
}

/* Room for every task now and some that may appear while we park. */
static int reserve_slots(size_t want)
{
	struct park_slot *bigger;

	if (want <= slots_cap)
		return 0;
	bigger = realloc(slots, want * sizeof(*slots));
	if (!bigger)
		return -ENOMEM;
	slots = bigger;
	slots_cap = want;
	return 0;
}

/*
 * Each round of parking gets the configured time; a thread that blocks
 * the signal ends the call then.  Starved threads (only_starved_tasks_left)
 * and threads found inside a changed range get more rounds, up to
 * STARVED_ROUNDS times the configured time in all.
 */
#define STARVED_ROUNDS	10

int stop_machine(int (*fn)(void *), void *arg, const struct insn_ranges *ranges)
{
	const uint64_t timeout = CONFIG_STOP_MACHINE_TIMEOUT_MS * 1000000ull;
	uint64_t limit = now_ns() + STARVED_ROUNDS * timeout;
	pid_t self = current_tid();
	int tasks, err = stop_machine_ready();

	if (err)
		return err;
	tasks = count_tasks();
	if (tasks < 0)
		return tasks;
	err = reserve_slots(2 * tasks + 64);
	while (!err) {
		err = park_all(self, now_ns() + timeout, limit);
		if (err == -ENOSPC) {
			release_all();
			err = reserve_slots(2 * slots_cap);
			continue;
		}
		if (!err && pc_inside_sites(ranges)) {
			release_all();
			__atomic_add_fetch(&tp_stat_stop_retries, 1, __ATOMIC_RELAXED);
			if (now_ns() > limit)
				return -ETIMEDOUT;
			sched_yield();
			continue;
		}
		if (!err)
			err = fn(arg);
		release_all();
		return err;
	}
	return err;
}

struct stop_machine_write {
	struct site *sites;
	size_t nr;
	struct text_writer *w;
};

/*
 * Runs with every other thread parked: no allocation, no locks.  The
 * events too: no thread runs the sites between PRE and POST.
 */
static int write_sites(void *arg)
{
	struct stop_machine_write *sw = arg;
	size_t i;
	int err;

	for (i = 0; i < sw->nr; i++) {
		events_pre(&sw->sites[i]);
		err = text_write(sw->w, sw->sites[i].addr, sw->sites[i].new, sw->sites[i].len);
		if (err) {
			/* Nobody runs the text now: put back what was done. */
			size_t done = i;

			while (i--)
				text_write(sw->w, sw->sites[i].addr, sw->sites[i].old,
					   sw->sites[i].len);
			events_post(sw->sites, done + 1, false);
			return err;
		}
		arch_flush_icache(sw->sites[i].addr, sw->sites[i].len);
	}
	events_post(sw->sites, sw->nr, true);
	return 0;
}

/*
 * The parked threads leave through sigreturn, an exception return, which
 * is context-synchronising on every supported arch: no further sync, and
 * POST can be emitted before they are released.
 */
int stop_machine_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	struct stop_machine_write sw = { sites, nr, w };

	return stop_machine(write_sites, &sw, &(struct insn_ranges){ .sites = sites, .nr = nr });
}

/* The toggle lane's entries, through the window: no store fails. */
struct stop_machine_toggles {
	const struct toggle *t;
	size_t nr;
	unsigned int len;
};

static int write_toggles(void *arg)
{
	const struct stop_machine_toggles *st = arg;

	toggle_store_all(st->t, st->nr, st->len);
	toggle_emit_posts(st->t, st->nr, st->len);
	return 0;
}

int toggle_stop_machine_commit(const struct toggle *t, size_t nr, unsigned int len,
			       struct text_writer *w)
{
	struct stop_machine_toggles st = { t, nr, len };

	(void)w;	/* the window is open: plain stores */
	return stop_machine(write_toggles, &st,
			    &(struct insn_ranges){ .toggles = t, .nr = nr, .toggle_len = len });
}
