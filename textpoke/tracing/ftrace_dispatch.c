// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dispatcher: where every traced entry lands, from the trampoline.
 * It runs in any thread and context, signal handlers included, so it
 * takes no lock and allocates nothing: the ops list and the slots it
 * reads are published by ftrace.c under RCU (urcu-bp, whose read side is
 * signal-safe and needs no registration).
 *
 * The common case, one callback ops in the slot, does not come here:
 * the slot's tags (ftrace_resume.h) tell the trampoline, which calls the
 * callback itself between ftrace_enter() and ftrace_exit()
 * (ftrace_fast.c).  This file is the rest: a thread's first traced
 * entry, lists, direct calls and redirections, and slots whose ops is
 * not plain (ftrace_slot_word()).  Built as ftrace_fast.c is
 * (Makefile): initial-exec TLS, and the integer registers only.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "ftrace_resume.h"

struct ops_list *ftrace_registered;

/* Slot values that are not a registered ops. */
struct tp_ftrace_ops ftrace_stub_ops;
struct tp_ftrace_ops ftrace_list_ops;

bool ftrace_ops_traces(const struct tp_ftrace_ops *ops, uintptr_t ip)
{
	const struct ftrace_set *set = __atomic_load_n(&ops->state->set, __ATOMIC_ACQUIRE);
	size_t lo = 0, hi = set ? set->nr : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (set->funcs[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return set && lo < set->nr && set->funcs[lo].ip == ip;
}

/*
 * A graph ops' callback is the library's own entry code, which keeps no
 * such promise whatever the flags say: it never goes the light way.
 */
uintptr_t ftrace_slot_word(const struct tp_ftrace_ops *ops)
{
	uintptr_t word = (uintptr_t)ops;

	if (ops == &ftrace_stub_ops || ops == &ftrace_list_ops || !ops->state ||
	    ops->state->kind != FTRACE_OPS_CALLBACK)
		return word | FTRACE_SLOT_SLOW;
	/* ftrace_fast.c's read side is right only with sys_membarrier(). */
	if (!__atomic_load_n(&urcu_bp_has_sys_membarrier, __ATOMIC_RELAXED))
		return word | FTRACE_SLOT_SLOW;
	if ((ops->flags & TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY) && !ops->state->graph)
		return word | FTRACE_SLOT_LIGHT;
	return word;
}

/* A callback ops' callback, unless this thread is inside one already. */
static inline __attribute__((always_inline)) void
call_callback(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
	      struct tp_ftrace_regs *regs)
{
	if (unlikely(ftrace_thread.in_callback) && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE))
		return;
	ftrace_thread.in_callback++;
	ops->func(ip, parent, ops, regs);
	ftrace_thread.in_callback--;
}

/*
 * One ops of a list.  A direct trampoline or a redirection applies on
 * every entry, nested in a callback or not: the function itself must
 * never run instead.
 */
static inline __attribute__((always_inline)) void
ops_call(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
	 struct tp_ftrace_regs *regs, struct ftrace_resume *resume)
{
	const struct tp_ftrace_state *st = ops->state;

	if (st->kind == FTRACE_OPS_CALLBACK) {
		call_callback(ops, ip, parent, regs);
		return;
	}
	resume->addr = __atomic_load_n(&st->target, __ATOMIC_ACQUIRE);
	resume->how = st->kind == FTRACE_OPS_DIRECT ? FTRACE_RESUME_DIRECT
						     : FTRACE_RESUME_REDIRECT;
}

/* Anything but one callback ops: none, a list, a direct call, a redirection. */
static __attribute__((noinline)) struct ftrace_resume
dispatch_slow(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
	      struct tp_ftrace_regs *regs)
{
	struct ftrace_resume resume = { 0, FTRACE_RESUME_FUNC };
	const struct ops_list *list;
	size_t i;

	if (ops == &ftrace_stub_ops)
		return resume;
	if (ops != &ftrace_list_ops) {
		ops_call(ops, ip, parent, regs, &resume);
		return resume;
	}
	list = __atomic_load_n(&ftrace_registered, __ATOMIC_ACQUIRE);
	for (i = 0; list && i < list->nr; i++)
		if (ftrace_ops_traces(list->ops[i], ip))
			ops_call(list->ops[i], ip, parent, regs, &resume);
	return resume;
}

/*
 * A thread's first traced entry: urcu-bp registers it (which may use
 * any register: only the full way calls this), and its errno is found.
 */
static __attribute__((noinline)) int *thread_setup(void)
{
	urcu_bp_read_lock();
	urcu_bp_read_unlock();
	ftrace_thread.errno_ptr = &errno;
	return ftrace_thread.errno_ptr;
}

/*
 * Every traced entry comes here from the trampoline, with the function's
 * entry address.  The slot is read inside the RCU read section, so an
 * ops that unregistration replaced is either seen whole before the grace
 * period or not at all.  Async-signal-safe: no locks, no allocation
 * (urcu-bp's read side registers a new thread by itself, signal-safely).
 */
struct ftrace_resume ftrace_dispatch(uintptr_t ip, uintptr_t parent,
				     struct tp_ftrace_regs *regs)
{
	struct ftrace_resume resume = { 0, FTRACE_RESUME_FUNC };
	int *err = ftrace_thread.errno_ptr;
	int saved_errno;
	uintptr_t word;

	if (unlikely(!err)) {
		saved_errno = errno;	/* before the setup may change it */
		err = thread_setup();
	} else {
		saved_errno = *err;
	}
	urcu_bp_read_lock();
	word = ftrace_slot_load(ip);
	if (unlikely(word & FTRACE_SLOT_SLOW))
		resume = dispatch_slow(ftrace_slot_ops(word), ip, parent, regs);
	else
		call_callback(ftrace_slot_ops(word), ip, parent, regs);
	urcu_bp_read_unlock();
	*err = saved_errno;
	return resume;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	return regs ? arch_ftrace_regs_argument(regs, n) : 0;
}
