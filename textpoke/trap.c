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
 *     raise(), a debugger's.  Hand it to the disposition that was there
 *     before textpoke, exactly as if textpoke were not installed.
 *
 * Async-signal-safe throughout: lookups under the urcu-bp read lock,
 * no allocation, no locks.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

static struct sigaction previous_action;
unsigned long tp_stat_emulations;
unsigned long tp_stat_stale_reads;

static void chain_to_previous(int sig, siginfo_t *info, void *context)
{
	struct sigaction *prev = &previous_action;

	if (prev->sa_flags & SA_SIGINFO) {
		prev->sa_sigaction(sig, info, context);
		return;
	}
	if (prev->sa_handler == SIG_IGN && info->si_code <= 0)
		return;		/* an ignored raise() stays ignored */
	if (prev->sa_handler == SIG_DFL || prev->sa_handler == SIG_IGN) {
		/*
		 * Without textpoke the kernel would have killed the process
		 * (a trap cannot be ignored).  Do the same: the default
		 * action, delivered when this handler returns.
		 */
		signal(SIGTRAP, SIG_DFL);
		raise(SIGTRAP);
		return;
	}
	prev->sa_handler(sig);
}

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
		const struct site *site;

		inflight_read_lock();
		site = inflight_lookup(addr);
		if (site && __atomic_load_n(&site->state, __ATOMIC_RELAXED) != SITE_LIVE) {
			/* Never happens with a correct grace period; counted for the tests. */
			__atomic_add_fetch(&tp_stat_stale_reads, 1, __ATOMIC_RELAXED);
			site = NULL;
		}
		if (site) {
			arch_emulate(uc, addr, &site->new_insn);
			/* Still live at the end of the read section, too. */
			if (__atomic_load_n(&site->state, __ATOMIC_RELAXED) != SITE_LIVE)
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

	/* si_code <= 0: sent by a process (raise, kill), not an instruction. */
	if (info->si_code <= 0 ||
	    resolve_trap(context, arch_trap_address(context)) == TRAP_FOREIGN)
		chain_to_previous(sig, info, context);
	errno = saved_errno;
}

int trap_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = trap_handler;
	/*
	 * SA_NODEFER: a thread inside this handler must not look like a
	 * thread that blocks SIGTRAP to trap_blocked_by_a_thread().
	 */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTRAP, &sa, &previous_action))
		return -errno;
	return 0;
}

static int blocks_sigtrap(pid_t tid, void *arg)
{
	(void)arg;
	return (task_blocked_signals(tid) & SIGNAL_BIT(SIGTRAP)) != 0;
}

/*
 * Whether some thread blocks SIGTRAP.  A trap in such a thread is forced
 * through by the kernel with the default action: the process would die.
 * Threads block every signal for a moment in many places (a new thread
 * until libc has set it up, handlers with a full mask), and a starved
 * thread can stay in such a moment for milliseconds, so a block counts
 * only when it is still there after about 6 ms of looking again.
 * Unknowable under an emulator, which keeps guest masks to itself (and
 * whose helper task blocks everything).
 */
bool trap_blocked_by_a_thread(void)
{
	useconds_t pause;

	if (!signal_masks_visible())
		return false;
	for (pause = 100; pause <= 3200; pause *= 2) {
		if (tasks_for_each(blocks_sigtrap, NULL) <= 0)
			return false;
		usleep(pause);
	}
	return tasks_for_each(blocks_sigtrap, NULL) > 0;
}

/* Whether a handler installed after ours has replaced it. */
bool trap_handler_is_ours(void)
{
	struct sigaction now;

	if (sigaction(SIGTRAP, NULL, &now))
		return false;
	return (now.sa_flags & SA_SIGINFO) && now.sa_sigaction == trap_handler;
}
