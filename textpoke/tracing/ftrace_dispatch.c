// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dispatcher: where every traced entry lands, from the trampoline.
 * It runs in any thread and context, signal handlers included, so it
 * takes no lock and allocates nothing: the ops list and the slots it
 * reads are published by ftrace.c under RCU (urcu-bp, whose read side is
 * signal-safe and needs no registration).
 *
 * This is the per-call cost of tracing, so the common case is short:
 * the slot's tags (ftrace_resume.h) say whether the one ops there is a
 * plain callback, which the trampoline calls itself between
 * ftrace_enter() and ftrace_exit(); lists, direct calls and redirections
 * go the general way, ftrace_dispatch().  urcu-bp's read side is inlined
 * (_LGPL_SOURCE) and this file is built with the initial-exec TLS model,
 * so that its thread-local words are one %fs/TPIDR/tp-relative access
 * each instead of calls into the dynamic linker; and with the integer
 * registers only (Makefile), because ftrace_enter_light() and
 * ftrace_exit() run with the vector state of the traced function still
 * live.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "ftrace_resume.h"

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

struct ops_list *ftrace_registered;

/* Slot values that are not a registered ops. */
struct tp_ftrace_ops ftrace_stub_ops;
struct tp_ftrace_ops ftrace_list_ops;

/*
 * Callbacks this thread is inside of (a count, so that leaving one needs
 * nothing kept across it).  initial-exec: the dispatcher runs in any
 * context, and a dynamic TLS access may allocate.
 */
__thread unsigned int ftrace_in_callback __attribute__((tls_model("initial-exec")));

/*
 * This thread's errno, once the thread has been through the full
 * dispatch: found without a call, and the sign that urcu-bp knows the
 * thread (its registration, which may use any register, is done).
 */
static __thread int *thread_errno __attribute__((tls_model("initial-exec")));

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
	if ((ops->flags & TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY) && !ops->state->graph)
		return word | FTRACE_SLOT_LIGHT;
	return word;
}

static inline struct tp_ftrace_ops *slot_ops(uintptr_t word)
{
	return (struct tp_ftrace_ops *)(word & ~(uintptr_t)FTRACE_SLOT_TAGS);
}

static inline uintptr_t slot_load(uintptr_t ip)
{
	return __atomic_load_n((const uintptr_t *)(ip - FTRACE_SLOT_SIZE), __ATOMIC_ACQUIRE);
}

/* A callback ops' callback, unless this thread is inside one already. */
static inline __attribute__((always_inline)) void
call_callback(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
	      struct tp_ftrace_regs *regs)
{
	if (unlikely(ftrace_in_callback) && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE))
		return;
	ftrace_in_callback++;
	ops->func(ip, parent, ops, regs);
	ftrace_in_callback--;
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
	thread_errno = &errno;
	return thread_errno;
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
	int *err = thread_errno;
	int saved_errno;
	uintptr_t word;

	if (unlikely(!err)) {
		saved_errno = errno;	/* before the setup may change it */
		err = thread_setup();
	} else {
		saved_errno = *err;
	}
	urcu_bp_read_lock();
	word = slot_load(ip);
	if (unlikely(word & FTRACE_SLOT_SLOW))
		resume = dispatch_slow(slot_ops(word), ip, parent, regs);
	else
		call_callback(slot_ops(word), ip, parent, regs);
	urcu_bp_read_unlock();
	*err = saved_errno;
	return resume;
}

/*
 * The common case, in three calls from the trampoline, none of which
 * keeps anything across a call (so none saves a register): enter, the
 * callback called by the trampoline itself, exit.
 *
 * ftrace_enter(): the slot holds one callback ops.  Save errno into
 * *@saved_errno, take the read lock, and return the ops with the thread
 * counted inside it: the trampoline calls ops->func and then
 * ftrace_exit(*@saved_errno).  FTRACE_ENTER_NONE: nothing to call (a
 * nested entry the ops does not want), nothing held.  FTRACE_ENTER_SLOW:
 * anything else, nothing held: the trampoline calls ftrace_dispatch().
 *
 * ftrace_enter_light(): the same from the light trampoline, which kept
 * the integer registers only: FTRACE_ENTER_SLOW unless the slot still
 * holds a light ops (it may have changed since the trampoline looked):
 * then the trampoline saves the vector state after all and goes the full
 * way.  Both say FTRACE_ENTER_SLOW on a thread's first traced entry:
 * ftrace_dispatch() has urcu-bp register it (which may use any
 * register).
 */
_Static_assert(__builtin_offsetof(struct tp_ftrace_ops, func) == 0,
	       "the trampolines call ops->func through the ops' address");

static inline __attribute__((always_inline)) uintptr_t
enter(uintptr_t ip, int *saved_errno, uintptr_t must, uintptr_t must_not)
{
	int *err = thread_errno;
	struct tp_ftrace_ops *ops;
	uintptr_t word;

	if (unlikely(!err || !URCU_TLS(urcu_bp_reader)))
		return FTRACE_ENTER_SLOW;	/* ftrace_dispatch() sets the thread up */
	urcu_bp_read_lock();
	word = slot_load(ip);
	if (unlikely((word & must) != must || (word & must_not))) {
		urcu_bp_read_unlock();
		return FTRACE_ENTER_SLOW;
	}
	ops = slot_ops(word);
	if (unlikely(ftrace_in_callback) && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE)) {
		urcu_bp_read_unlock();
		return FTRACE_ENTER_NONE;
	}
	*saved_errno = *err;
	ftrace_in_callback++;
	return (uintptr_t)ops;
}

uintptr_t ftrace_enter(uintptr_t ip, int *saved_errno)
{
	return enter(ip, saved_errno, 0, FTRACE_SLOT_SLOW);
}

uintptr_t ftrace_enter_light(uintptr_t ip, int *saved_errno)
{
	return enter(ip, saved_errno, FTRACE_SLOT_LIGHT, 0);
}

void ftrace_exit(int saved_errno)
{
	ftrace_in_callback--;
	urcu_bp_read_unlock();
	*thread_errno = saved_errno;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	return regs ? arch_ftrace_regs_argument(regs, n) : 0;
}
