// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The SIGTRAP handler of the breakpoint protocol.
 *
 * Three cases, in this order:
 *  1. The trap is at a site of the batch in flight: execute the site's
 *     new instruction for the thread (arch_emulate) and resume.
 *  2. No such site, but the trap instruction is gone: the batch finished
 *     between the trap and the lookup; run the instruction now there.
 *  3. Anything else is the application's: a trap of its own code, a
 *     raise(), a single step or a hardware breakpoint, a debugger's.  Hand it to the disposition that was there
 *     before textpoke, exactly as if textpoke were not installed
 *     (chain.c).
 *
 * Async-signal-safe throughout: lookups under the urcu-bp read lock,
 * no allocation, no locks.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

static struct chained_action previous_action;
static bool traced_traps_pass;		/* TEXTPOKE_BREAKPOINT_UNDER_TRACER=1 */
unsigned long tp_stat_emulations;
unsigned long tp_stat_stale_reads;

/*
 * Find the site of the trap at @addr, or learn that it is not ours.  A
 * miss followed by a trap still in place may be a batch that began after
 * the lookup: batches publish their sites before they write their traps,
 * and count themselves first, so a changed count means look again.  A
 * miss with the trap in place and no new batch is the application's.
 */
enum trap_owner { TRAP_EMULATED, TRAP_FINISHED, TRAP_FOREIGN };

static enum trap_owner resolve_trap(ucontext_t *uc, uintptr_t addr)
{
	for (;;) {
		unsigned long generation = inflight_generation();
		struct trap_site site;
		bool found;

		inflight_read_lock();
		found = inflight_lookup(addr, &site);
		if (found && __atomic_load_n(site.state, __ATOMIC_RELAXED) != SITE_LIVE) {
			/* Never happens with a correct grace period; counted for the tests. */
			__atomic_add_fetch(&tp_stat_stale_reads, 1, __ATOMIC_RELAXED);
			found = false;
		}
		if (found) {
			arch_emulate(uc, addr, &site.insn);
			/* Still live at the end of the read section, too. */
			if (__atomic_load_n(site.state, __ATOMIC_RELAXED) != SITE_LIVE)
				__atomic_add_fetch(&tp_stat_stale_reads, 1, __ATOMIC_RELAXED);
			inflight_read_unlock();
			__atomic_add_fetch(&tp_stat_emulations, 1, __ATOMIC_RELAXED);
			return TRAP_EMULATED;
		}
		inflight_read_unlock();
		if (!arch_trap_insn_at(addr)) {
			arch_context_set_pc(uc, addr);
			return TRAP_FINISHED;
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (inflight_generation() == generation)
			return TRAP_FOREIGN;
	}
}

static void trap_handler(int sig, siginfo_t *info, void *context)
{
	int saved_errno = errno;

	/*
	 * Not raised by a breakpoint instruction (sent by a process, a
	 * single step, a hardware breakpoint): the application's, and no
	 * trap address to look at.
	 */
	if (!arch_trap_from_breakpoint(info) ||
	    resolve_trap(context, arch_trap_address(context)) == TRAP_FOREIGN)
		chain_deliver(&previous_action, sig, info, context, info->si_code > 0);
	errno = saved_errno;
}

int trap_init(void)
{
	const char *under_tracer = getenv("TEXTPOKE_BREAKPOINT_UNDER_TRACER");
	struct sigaction sa, previous;

	if (sigaction(SIGTRAP, NULL, &previous))
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	/*
	 * SA_NODEFER: a thread inside this handler must not look like a
	 * thread that blocks SIGTRAP to trap_unsafe_in_a_thread() (the
	 * application's handler gets its own mask in chain_deliver()).
	 * SA_RESTART and SA_ONSTACK matter only to the application's
	 * SIGTRAPs (textpoke's traps interrupt no system call and need
	 * little stack), so they are its handler's.  Without a handler of
	 * its own, an ignored SIGTRAP must not make a system call fail.
	 */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	if (chain_is_handler(&previous))
		sa.sa_flags |= previous.sa_flags & (SA_RESTART | SA_ONSTACK);
	else
		sa.sa_flags |= SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	chain_save(&previous_action, &previous);
	traced_traps_pass = under_tracer && !strcmp(under_tracer, "1");
	if (sigaction(SIGTRAP, &sa, NULL))
		return -errno;
	return 0;
}

/*
 * Whether some thread blocks SIGTRAP, or is traced.  A trap in a thread
 * that blocks it is forced through by the kernel with the default action:
 * the process would die.  A debugger (ptrace) sees every trap first and,
 * as gdb does by default, stops and keeps it: continued without it, the
 * thread resumes inside the site (x86: after the INT3, in the middle of
 * an instruction).  Only TEXTPOKE_BREAKPOINT_UNDER_TRACER=1 says that the
 * tracer passes every SIGTRAP on (strace does).
 * Threads block every signal for a moment in many places (a new thread
 * until libc has set it up, a thread on its way out, urcu-bp registering
 * a reader, handlers with a full mask).  Such a moment costs a thread
 * microseconds of CPU, but on a loaded machine a low-priority thread can
 * wait a second for a CPU in the middle of it.  So a thread counts as
 * blocking SIGTRAP only once, still blocking it, it has run
 * BLOCKED_CPU_NS on a CPU since it was first seen so, or has slept
 * through BLOCKED_SLEEP_US of scans; a thread that stays runnable
 * without running is waited for, up to BLOCKED_PATIENCE_US in all.
 * Unknowable under an emulator, which keeps guest masks to itself (and
 * whose helper task blocks everything).
 */
#define BLOCKED_CPU_NS		2000000
#define BLOCKED_SLEEP_US	6000
#define BLOCKED_PATIENCE_US	2000000
#define BLOCKERS_TRACKED	16

struct sigtrap_blockers {
	struct {
		pid_t tid;
		uint64_t cpu_time;	/* when first seen blocking */
		long slept_since;	/* scan time it was first seen asleep, or -1 */
	} seen[BLOCKERS_TRACKED];
	unsigned int nr_seen;
	long now;			/* µs since the first scan */
	unsigned int blocking;		/* in this scan */
	bool settled;			/* one of them surely blocks it */
};

static int note_sigtrap_blocker(pid_t tid, void *arg)
{
	struct sigtrap_blockers *b = arg;
	uint64_t cpu_time, blocked;
	unsigned int i;
	pid_t tracer;

	if (task_signal_status(tid, &blocked, &tracer))
		return 0;
	if (tracer && !traced_traps_pass) {
		b->blocking++;
		b->settled = true;	/* a debugger: for as long as it is attached */
		return 0;
	}
	if (!(blocked & SIGNAL_BIT(SIGTRAP)))
		return 0;
	b->blocking++;
	cpu_time = task_cpu_time(tid);
	for (i = 0; i < b->nr_seen; i++)
		if (b->seen[i].tid == tid)
			break;
	if (i == b->nr_seen) {
		if (b->nr_seen == BLOCKERS_TRACKED)
			return 0;	/* followed once a tracked one is gone */
		b->seen[i].tid = tid;
		b->seen[i].cpu_time = cpu_time;
		b->seen[i].slept_since = -1;
		b->nr_seen++;
	}
	if (cpu_time - b->seen[i].cpu_time >= BLOCKED_CPU_NS)
		b->settled = true;
	if (task_runnable(tid))
		b->seen[i].slept_since = -1;
	else if (b->seen[i].slept_since < 0)
		b->seen[i].slept_since = b->now;
	else if (b->now - b->seen[i].slept_since >= BLOCKED_SLEEP_US)
		b->settled = true;
	return 0;
}

/* Forget the tracked threads that no longer block SIGTRAP (or are gone). */
static void forget_unblocked(struct sigtrap_blockers *b)
{
	unsigned int i = 0;

	while (i < b->nr_seen) {
		if (task_blocked_signals(b->seen[i].tid) & SIGNAL_BIT(SIGTRAP))
			i++;
		else
			b->seen[i] = b->seen[--b->nr_seen];
	}
}

bool trap_unsafe_in_a_thread(void)
{
	struct sigtrap_blockers b = { .nr_seen = 0 };
	useconds_t pause = 100;

	if (!signal_masks_visible())
		return false;
	for (;;) {
		b.blocking = 0;
		b.settled = false;
		forget_unblocked(&b);
		tasks_for_each(note_sigtrap_blocker, &b);
		if (!b.blocking)
			return false;
		if (b.settled || b.now >= BLOCKED_PATIENCE_US)
			return true;
		usleep(pause);
		b.now += pause;
		if (pause < 3200)
			pause *= 2;
	}
}

/* Whether a handler installed after ours has replaced it. */
bool trap_handler_is_ours(void)
{
	struct sigaction now;

	if (sigaction(SIGTRAP, NULL, &now))
		return false;
	return (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == trap_handler;
}
