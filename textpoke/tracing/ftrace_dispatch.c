// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dispatcher: where every traced entry lands, from the trampoline.
 * It runs in any thread and context, signal handlers included, so it
 * takes no lock and allocates nothing: the ops list and the slots it
 * reads are published by ftrace.c under RCU (urcu-bp, whose read side is
 * signal-safe and needs no registration).
 */
#include <errno.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "ftrace_resume.h"

struct ops_list *ftrace_registered;

/* Slot values that are not a registered ops. */
struct tp_ftrace_ops ftrace_stub_ops;
struct tp_ftrace_ops ftrace_list_ops;

/*
 * Inside a callback on this thread.  initial-exec: the dispatcher runs in
 * any context, and a dynamic TLS access may allocate.
 */
__thread bool ftrace_in_callback __attribute__((tls_model("initial-exec")));

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
 * A direct trampoline or a redirection applies on every entry, nested in
 * a callback or not: the function itself must never run instead.
 * Inlined: it is most of what a traced entry costs.
 */
static inline __attribute__((always_inline)) void call_ops(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
		     struct tp_ftrace_regs *regs, struct ftrace_resume *resume)
{
	const struct tp_ftrace_state *st = ops->state;
	bool nested = ftrace_in_callback;

	if (st->kind != FTRACE_OPS_CALLBACK) {
		resume->addr = __atomic_load_n(&st->target, __ATOMIC_ACQUIRE);
		resume->how = st->kind == FTRACE_OPS_DIRECT ? FTRACE_RESUME_DIRECT
							     : FTRACE_RESUME_REDIRECT;
		return;
	}
	if (nested && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE))
		return;
	ftrace_in_callback = true;
	ops->func(ip, parent, ops, regs);
	ftrace_in_callback = nested;
}

static void call_list(uintptr_t ip, uintptr_t parent, struct tp_ftrace_regs *regs,
		      struct ftrace_resume *resume)
{
	const struct ops_list *list = __atomic_load_n(&ftrace_registered, __ATOMIC_ACQUIRE);
	size_t i;

	for (i = 0; list && i < list->nr; i++)
		if (ftrace_ops_traces(list->ops[i], ip))
			call_ops(list->ops[i], ip, parent, regs, resume);
}

/*
 * Every traced entry comes here from the trampoline.  The slot is read
 * inside the RCU read section, so an ops that unregistration replaced is
 * either seen whole before the grace period or not at all.
 * Async-signal-safe: no locks, no allocation (urcu-bp's read side).
 */
struct ftrace_resume ftrace_dispatch(uintptr_t ret, uintptr_t parent,
				     struct tp_ftrace_regs *regs)
{
	uintptr_t ip = arch_ftrace_func_of(ret);
	struct tp_ftrace_ops *const *slot = (void *)(ip - FTRACE_SLOT_SIZE);
	struct ftrace_resume resume = { 0, FTRACE_RESUME_FUNC };
	struct tp_ftrace_ops *ops;
	int saved_errno = errno;

	urcu_bp_read_lock();
	ops = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (ops == &ftrace_list_ops)
		call_list(ip, parent, regs, &resume);
	else if (ops != &ftrace_stub_ops)
		call_ops(ops, ip, parent, regs, &resume);
	urcu_bp_read_unlock();
	errno = saved_errno;
	return resume;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	return regs ? arch_ftrace_regs_argument(regs, n) : 0;
}
