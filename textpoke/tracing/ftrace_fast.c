// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The common case of a traced call, in three calls from the trampoline,
 * none of which keeps anything across a call (so none saves a register):
 * ftrace_enter(), the callback called by the trampoline itself,
 * ftrace_exit().  Everything else goes to ftrace_dispatch.c.
 *
 * Built as ftrace_dispatch.c is (initial-exec TLS, integer registers
 * only: the light trampoline calls it with the traced function's vector
 * arguments still live), and with urcu-bp's read side in the form
 * liburcu gives readers of a process where sys_membarrier() works
 * (CONFIG_RCU_FORCE_SYS_MEMBARRIER): a compiler barrier where it would
 * otherwise test urcu_bp_has_sys_membarrier and maybe fence, on each
 * side, on every call.  That is right only when liburcu-bp's writers do
 * use sys_membarrier(): ftrace_slot_word() tags every slot
 * FTRACE_SLOT_SLOW when they do not, and a slow slot's callbacks are
 * called by ftrace_dispatch(), whose read side tests and fences.  What
 * ftrace_enter() does before it sees that tag (a read section around
 * the load of the slot word, which lives as long as the text) reads
 * nothing a grace period protects.
 */
#define CONFIG_RCU_FORCE_SYS_MEMBARRIER
#define _LGPL_SOURCE
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "ftrace_resume.h"

/*
 * The thread's words, together so that both are reached from one
 * thread-pointer offset.  initial-exec: the dispatcher runs in any
 * context, and a dynamic TLS access may allocate.
 */
__thread struct ftrace_thread ftrace_thread __attribute__((tls_model("initial-exec")));

_Static_assert(__builtin_offsetof(struct tp_ftrace_ops, func) == 0,
	       "the trampolines call ops->func through the ops' address");

/*
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
static inline __attribute__((always_inline)) uintptr_t
enter(uintptr_t ip, int *saved_errno, uintptr_t must, uintptr_t must_not)
{
	int *err = ftrace_thread.errno_ptr;
	struct tp_ftrace_ops *ops;
	uintptr_t word;

	if (unlikely(!err || !URCU_TLS(urcu_bp_reader)))
		return FTRACE_ENTER_SLOW;	/* ftrace_dispatch() sets the thread up */
	urcu_bp_read_lock();
	word = ftrace_slot_load(ip);
	if (unlikely((word & must) != must || (word & must_not))) {
		urcu_bp_read_unlock();
		return FTRACE_ENTER_SLOW;
	}
	ops = ftrace_slot_ops(word);
	if (unlikely(ftrace_thread.in_callback) && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE)) {
		urcu_bp_read_unlock();
		return FTRACE_ENTER_NONE;
	}
	*saved_errno = *err;
	ftrace_thread.in_callback++;
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
	ftrace_thread.in_callback--;
	urcu_bp_read_unlock();
	*ftrace_thread.errno_ptr = saved_errno;
}
