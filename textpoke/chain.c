// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A signal that reaches one of textpoke's handlers but is not textpoke's
 * goes to the disposition the handler replaced, delivered as the kernel
 * would have delivered it had textpoke never been installed:
 *
 *  - a handler runs with the mask the kernel gives it: the mask at the
 *    signal, its sa_mask, and the signal itself unless SA_NODEFER; the
 *    mask at the signal is back after it returns;
 *  - SA_RESETHAND: the first delivery runs the handler, every later one
 *    finds SIG_DFL;
 *  - SIG_IGN: dropped, except a signal the kernel forces (a trap or fault
 *    of an instruction cannot be ignored: the kernel kills);
 *  - SIG_DFL: the default action, by raising the signal again with
 *    SIG_DFL in place.
 *
 * SA_ONSTACK and SA_RESTART are the flags of textpoke's handler, which
 * takes them from the replaced one where that matters (trap.c).
 * Async-signal-safe: sigprocmask, sigaction and tgkill only.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "internal.h"

void chain_save(struct chained_action *c, const struct sigaction *replaced)
{
	c->act = *replaced;
	__atomic_store_n(&c->reset, 0, __ATOMIC_RELEASE);
}

bool chain_is_handler(const struct sigaction *act)
{
	return (act->sa_flags & SA_SIGINFO) ||
	       (act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN);
}

/* The default action of @sig in this thread, now. */
static void default_action(int sig)
{
	struct sigaction dfl;
	sigset_t only;

	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&only);
	sigaddset(&only, sig);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
	sigprocmask(SIG_UNBLOCK, &only, NULL);
}

static void run_handler(const struct sigaction *act, int sig, siginfo_t *info,
			void *context)
{
	const ucontext_t *uc = context;
	sigset_t during, entry;

	sigorset(&during, &uc->uc_sigmask, &act->sa_mask);
	if (!(act->sa_flags & SA_NODEFER))
		sigaddset(&during, sig);
	sigprocmask(SIG_SETMASK, &during, &entry);
	if (act->sa_flags & SA_SIGINFO)
		act->sa_sigaction(sig, info, context);
	else
		act->sa_handler(sig);
	sigprocmask(SIG_SETMASK, &entry, NULL);
}

void chain_deliver(struct chained_action *c, int sig, siginfo_t *info,
		   void *context, bool forced)
{
	const struct sigaction *act = &c->act;
	bool reset = __atomic_load_n(&c->reset, __ATOMIC_ACQUIRE);

	if (!reset && chain_is_handler(act)) {
		/* The first delivery of a SA_RESETHAND handler wins the reset. */
		if (!(act->sa_flags & SA_RESETHAND) ||
		    !__atomic_exchange_n(&c->reset, 1, __ATOMIC_ACQ_REL)) {
			run_handler(act, sig, info, context);
			return;
		}
		reset = true;
	}
	if (!reset && act->sa_handler == SIG_IGN && !forced)
		return;
	default_action(sig);
}
