// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-graph tracing: an entry and a return callback per traced
 * function, built on function-entry tracing.  A graph ops is an ordinary
 * ops whose callback, at the entry, pushes a frame on the thread's
 * return stack and replaces the function's return address with
 * arch_ftrace_return_entry; the function returns there, and
 * ftrace_graph_return() pops the frame, calls the return callback and
 * gives the trampoline the real return address.
 *
 * Everything on these paths runs in any thread and context, signal
 * handlers included: no locks, no malloc.  A thread's stack is mmap()ed
 * at its first traced entry (mmap is async-signal-safe) and stays in a
 * list for reuse once its thread has exited, never unmapped: a return
 * can be pending in any thread at any time, even after the graph ops is
 * gone, and unwinders walk the list (ftrace_graph_cfi.h).
 *
 * Frames are matched to returns by the stack pointer the function has
 * once it has returned.  Every frame pushed gets one return callback:
 * when it returns, or when it is known to be left without returning
 * (TP_FGRAPH_RET_UNWOUND):
 * - an unwinder (a C++ exception, pthread_exit()) passes the
 *   trampoline's frame and calls its personality routine: the frames
 *   at and above that stack pointer are left.  They stay on the stack,
 *   marked, until the next entry or return, for the unwinder still
 *   reads their return addresses;
 * - an entry whose return address takes the place of a frame's (the
 *   same stack pointer, and not a tail call from that frame, whose
 *   return address would be the trampoline), after longjmp(),
 *   siglongjmp() or setcontext() left it: that frame and those above it;
 * - a return: the frames above the one returning.
 * A frame whose stack pointer is merely below the new one is kept: it
 * may belong to another context of the thread (swapcontext() to a stack
 * above it, a handler on an alternate stack) and return later.
 * A signal handler's frames, on any stack, sit above the ones it
 * interrupted and return first.
 *
 * Every traced return comes through here: urcu-bp's read side is
 * inlined (_LGPL_SOURCE), with its thread-local reader reached through
 * the initial-exec TLS model (Makefile), as in the dispatcher.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>
#include <urcu-bp.h>

#include "ftrace_graph_layout.h"
#include "ftrace_internal.h"

#define FGRAPH_DEPTH	4096		/* frames per thread */
#define FGRAPH_MAX_OPS	16		/* graph ops registered at once */

struct fgraph_frame {
	uintptr_t ret;			/* where the function really returns */
	uintptr_t sp;			/* its stack pointer once it has */
	uintptr_t func;
	unsigned long long calltime;
	unsigned long gen;		/* of its graph ops' table entry */
	unsigned int ops;		/* index in fgraph_table */
	unsigned int unwound;		/* left; its return callback was called */
};

struct fgraph_stack {
	struct fgraph_stack *next;	/* every stack made, never unlinked */
	pid_t owner;			/* the thread using it; 0: free */
	unsigned int depth;
	struct fgraph_frame frames[FGRAPH_DEPTH];
};

_Static_assert(offsetof(struct fgraph_stack, next) == FGRAPH_STACK_NEXT &&
	       offsetof(struct fgraph_stack, depth) == FGRAPH_STACK_DEPTH &&
	       offsetof(struct fgraph_stack, frames) == FGRAPH_STACK_FRAMES &&
	       offsetof(struct fgraph_frame, ret) == FGRAPH_FRAME_RET &&
	       offsetof(struct fgraph_frame, sp) == FGRAPH_FRAME_SP &&
	       sizeof(struct fgraph_frame) == FGRAPH_FRAME_SIZE,
	       "the trampolines' unwind information reads the stacks at these offsets");

/*
 * The registered graph ops, as returns find them: a frame's return
 * callback runs only while the ops that pushed it is still there, the
 * same registration (gen) and not a later one in the same entry.
 */
static struct {
	struct tp_fgraph_ops *gops;
	unsigned long gen;
} fgraph_table[FGRAPH_MAX_OPS];

/* Every stack made: read by unwinders through ftrace_graph_cfi.h. */
struct fgraph_stack *ftrace_graph_stacks;
static unsigned long fgraph_skipped;
static __thread struct fgraph_stack *fgraph_stack __attribute__((tls_model("initial-exec")));

/*
 * Frees a thread's stack when the thread exits.  glibc keeps the values
 * of the first 32 keys in the thread itself: pthread_setspecific() on
 * them allocates nothing, in a signal handler too.  With a later key a
 * stack is freed when its thread is found gone, as below.
 */
#define FGRAPH_KEY_INLINE	32
static pthread_key_t fgraph_key;
static bool fgraph_key_usable;

static pid_t this_thread(void)
{
	return syscall(SYS_gettid);
}

/* A tid whose thread is alive again under the same number only costs a stack. */
static bool thread_gone(pid_t tid)
{
	int saved_errno = errno;
	bool gone = syscall(SYS_tgkill, getpid(), tid, 0) < 0 && errno == ESRCH;

	errno = saved_errno;
	return gone;
}

/* Free: its thread exited, or is gone (a tid alive again costs a stack). */
static bool stack_claim(struct fgraph_stack *s, pid_t self)
{
	pid_t owner = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);

	if (owner && !thread_gone(owner))
		return false;
	if (!__atomic_compare_exchange_n(&s->owner, &owner, self, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return false;
	s->depth = 0;
	return true;
}

static struct fgraph_stack *stack_reuse(pid_t self)
{
	struct fgraph_stack *s;

	for (s = __atomic_load_n(&ftrace_graph_stacks, __ATOMIC_ACQUIRE); s; s = s->next)
		if (stack_claim(s, self))
			return s;
	return NULL;
}

static struct fgraph_stack *stack_new(pid_t self)
{
	struct fgraph_stack *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		return NULL;
	s->owner = self;
	s->next = __atomic_load_n(&ftrace_graph_stacks, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&ftrace_graph_stacks, &s->next, s, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return s;
}

/*
 * A stack left with frames of a thread gone holds stack pointers that a
 * thread given the same stack memory may use again: emptied before any
 * frame of this thread can be looked up.
 */
static void stacks_of_gone_threads_empty(pid_t self)
{
	struct fgraph_stack *s;

	for (s = __atomic_load_n(&ftrace_graph_stacks, __ATOMIC_ACQUIRE); s; s = s->next)
		if (__atomic_load_n(&s->depth, __ATOMIC_RELAXED) && stack_claim(s, self))
			__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
}

static struct fgraph_stack *stack_get(void)
{
	pid_t self;
	struct fgraph_stack *s = fgraph_stack;

	if (s)
		return s;
	self = this_thread();
	stacks_of_gone_threads_empty(self);
	s = stack_reuse(self);
	if (!s)
		s = stack_new(self);
	fgraph_stack = s;
	if (s && fgraph_key_usable)
		pthread_setspecific(fgraph_key, s);
	return s;
}

/*
 * The thread is exiting, past its last traced frame: whatever its stack
 * holds was left (pthread_exit() unwound it, or the thread jumped out).
 * Code that runs later in the thread's exit takes a stack again.
 */
static void fgraph_thread_exit(void *arg)
{
	struct fgraph_stack *s = arg;

	if (fgraph_stack == s)
		fgraph_stack = NULL;
	s->depth = 0;
	__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
}

/*
 * The child's one thread has a new tid: its stack must not look free.
 * The other threads' stacks are free, and empty.
 */
void ftrace_graph_fork_child(void)
{
	struct fgraph_stack *s;

	for (s = ftrace_graph_stacks; s; s = s->next) {
		if (s == fgraph_stack)
			continue;
		s->depth = 0;
		s->owner = 0;
	}
	if (fgraph_stack)
		fgraph_stack->owner = this_thread();
}

/*
 * At load time: the key that frees a thread's stack at its exit.  No
 * first-use once here, so that a graph registration has nothing to set up.
 */
__attribute__((constructor))
static void fgraph_key_init(void)
{
	fgraph_key_usable = !pthread_key_create(&fgraph_key, fgraph_thread_exit) &&
			    fgraph_key < FGRAPH_KEY_INLINE;
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void frame_skipped(void)
{
	__atomic_fetch_add(&fgraph_skipped, 1, __ATOMIC_RELAXED);
}

/*
 * The return callback of @f, the frame at @depth: @regs NULL when the
 * call was left without returning.
 */
static void call_return(const struct fgraph_frame *f, unsigned int depth,
			const struct tp_fgraph_ret_regs *regs)
{
	struct tp_fgraph_ops *gops;
	struct tp_ftrace_graph_ret ret;
	unsigned int nested = ftrace_thread.in_callback;

	urcu_bp_read_lock();
	gops = __atomic_load_n(&fgraph_table[f->ops].gops, __ATOMIC_ACQUIRE);
	if (gops && gops->retfunc &&
	    __atomic_load_n(&fgraph_table[f->ops].gen, __ATOMIC_RELAXED) == f->gen) {
		ret = (struct tp_ftrace_graph_ret){
			.func = f->func, .depth = depth,
			.calltime = f->calltime, .rettime = now_ns(),
			.flags = regs ? 0 : TP_FGRAPH_RET_UNWOUND, .regs = regs,
		};
		ftrace_thread.in_callback = nested + 1;
		gops->retfunc(&ret, gops);
		ftrace_thread.in_callback = nested;
	}
	urcu_bp_read_unlock();
}

/*
 * Pop the top frame, a call left without returning: its return callback
 * as unwound, unless it had it.  The frame is copied and popped before
 * the callback: a signal handler that traces functions meanwhile pushes
 * where it was.
 */
static void frame_drop(struct fgraph_stack *s)
{
	unsigned int top = s->depth - 1;
	struct fgraph_frame f = s->frames[top];

	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->depth, top, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!f.unwound)
		call_return(&f, top, NULL);
}

/*
 * Before an entry at stack pointer @sp whose return address is @parent:
 * drop the frames it shows were left without returning, and the frames
 * above them.  The search goes down to the first frame above @sp, which
 * this call is nested in.  A frame an unwinder left is marked; a frame
 * at @sp was left if this call's return address took the place of its
 * own, that is unless the entry is a tail call from it (which leaves the
 * trampoline as the return address).  A frame below @sp but not marked
 * is passed over, not dropped: it may be another context's (see above).
 * A marked frame above @sp is kept: the entry is then one of a signal
 * handler interrupting the unwinder, which may not have read the frame's
 * return address yet.
 */
static void frames_left_drop(struct fgraph_stack *s, uintptr_t sp, uintptr_t parent)
{
	unsigned int i, from = s->depth;

	for (i = from; i > 0; i--) {
		const struct fgraph_frame *f = &s->frames[i - 1];

		if (f->sp > sp)
			break;
		if (f->unwound || (f->sp == sp && parent != (uintptr_t)arch_ftrace_return_entry))
			from = i - 1;
	}
	while (s->depth > from)
		frame_drop(s);
}

/*
 * The graph ops' callback at every entry it traces.  The frame is
 * claimed before it is written, and the return address replaced only
 * once it is: a signal handler that traces functions in between pushes
 * above it and pops back to it.  No room, no frame and no entry
 * callback: every entry seen has its return.
 */
static void fgraph_entry(unsigned long ip, unsigned long parent,
			 struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
{
	struct tp_fgraph_ops *gops = (void *)((char *)ops - offsetof(struct tp_fgraph_ops, ops));
	struct fgraph_stack *s = stack_get();
	unsigned int idx = ops->state->graph - 1, depth;
	uintptr_t *loc = arch_ftrace_parent_loc(regs);
	uintptr_t sp = arch_ftrace_return_sp(regs);
	unsigned long long calltime = now_ns();
	struct fgraph_frame *f;

	(void)parent;
	/* Not below the top frame: not simply a call nested in it. */
	if (s && s->depth && s->frames[s->depth - 1].sp <= sp)
		frames_left_drop(s, sp, *loc);
	if (!s || s->depth >= FGRAPH_DEPTH) {
		frame_skipped();
		return;
	}
	if (gops->entryfunc) {
		struct tp_ftrace_graph_ent ent = {
			.func = ip, .depth = s->depth, .calltime = calltime,
		};

		if (!gops->entryfunc(&ent, gops))
			return;
	}
	depth = s->depth;
	if (depth >= FGRAPH_DEPTH) {	/* a handler unwound out of its frames */
		frame_skipped();
		return;
	}
	f = &s->frames[depth];
	__atomic_store_n(&s->depth, depth + 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	f->ret = *loc;
	f->sp = sp;
	f->func = ip;
	f->gen = __atomic_load_n(&fgraph_table[idx].gen, __ATOMIC_RELAXED);
	f->ops = idx;
	f->unwound = 0;
	f->calltime = calltime;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*loc = (uintptr_t)arch_ftrace_return_entry;
}

static void frame_lost(void)
{
	static const char msg[] = "textpoke: a function returned through the graph "
				  "trampoline with no frame of its own\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)r;
	abort();
}

/*
 * From arch_ftrace_return_trampoline, with the stack pointer the
 * returning function left, the slot the trampoline returns through and
 * the return registers: the function's frame is the topmost with that
 * stack pointer.  The real return address goes to the slot first, so
 * that unwinding from the callbacks finds it; then the frames above,
 * left without returning, and the frame itself are popped, each with
 * its return callback.
 */
void ftrace_graph_return(uintptr_t sp, uintptr_t *slot, const struct tp_fgraph_ret_regs *regs)
{
	struct fgraph_stack *s = fgraph_stack;
	int saved_errno = errno;
	struct fgraph_frame f;
	unsigned int i;

	for (i = s ? s->depth : 0; i > 0; i--)
		if (s->frames[i - 1].sp == sp)
			break;
	if (!i)
		frame_lost();
	*slot = s->frames[i - 1].ret;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	while (s->depth > i)
		frame_drop(s);
	f = s->frames[i - 1];
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->depth, i - 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (!f.unwound)
		call_return(&f, i - 1, regs);
	errno = saved_errno;
}

/*
 * The personality routine of the return trampoline's frame, which an
 * unwinder calls as it passes: in the cleanup phase, that frame (the
 * call that would have returned there) is being left, and so is every
 * frame above it, and any below it at the same stack pointer (tail
 * calls from them, left together).  Their return callbacks run now; the
 * frames stay until the next entry or return, for the unwinder reads
 * their return addresses after this (ftrace_graph_cfi.h).
 */
_Unwind_Reason_Code ftrace_graph_personality(int version, _Unwind_Action actions,
					     _Unwind_Exception_Class exception_class,
					     struct _Unwind_Exception *exception,
					     struct _Unwind_Context *context);
_Unwind_Reason_Code ftrace_graph_personality(int version, _Unwind_Action actions,
					     _Unwind_Exception_Class exception_class,
					     struct _Unwind_Exception *exception,
					     struct _Unwind_Context *context)
{
	struct fgraph_stack *s = fgraph_stack;
	uintptr_t sp = _Unwind_GetCFA(context);
	int saved_errno = errno;
	unsigned int i, top;

	(void)version, (void)exception_class, (void)exception;
	if (!(actions & _UA_CLEANUP_PHASE) || !s)
		return _URC_CONTINUE_UNWIND;
	for (i = s->depth; i > 0 && s->frames[i - 1].sp != sp; i--)
		;
	while (i > 1 && s->frames[i - 2].sp == sp)
		i--;
	for (top = s->depth; i && top >= i; top--) {
		struct fgraph_frame *f = &s->frames[top - 1];

		if (!f->unwound) {
			f->unwound = 1;
			call_return(f, top - 1, NULL);
		}
	}
	errno = saved_errno;
	return _URC_CONTINUE_UNWIND;
}

unsigned long tp_fgraph_ret_int(const struct tp_ftrace_graph_ret *ret, unsigned int n)
{
	return ret && ret->regs ? arch_fgraph_ret_int(ret->regs, n) : 0;
}

unsigned long long tp_fgraph_ret_fp_bits(const struct tp_ftrace_graph_ret *ret, unsigned int n)
{
	return ret && ret->regs ? arch_fgraph_ret_fp_bits(ret->regs, n) : 0;
}

unsigned long tp_ftrace_graph_skipped(void)
{
	return __atomic_load_n(&fgraph_skipped, __ATOMIC_RELAXED);
}

static int table_claim(struct tp_fgraph_ops *gops)
{
	unsigned int i;

	for (i = 0; i < FGRAPH_MAX_OPS; i++) {
		if (fgraph_table[i].gops)
			continue;
		/* A frame of the last registration here must not take this one for its own. */
		__atomic_store_n(&fgraph_table[i].gen, fgraph_table[i].gen + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&fgraph_table[i].gops, gops, __ATOMIC_RELEASE);
		return i + 1;
	}
	return -ENOSPC;
}

static void table_release(unsigned int graph)
{
	__atomic_store_n(&fgraph_table[graph - 1].gops, NULL, __ATOMIC_RELEASE);
}

int tp_register_ftrace_graph(struct tp_fgraph_ops *gops)
{
	struct tp_ftrace_state *st;
	int err;

	if (!gops || (!gops->entryfunc && !gops->retfunc))
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	err = ftrace_state_get(&gops->ops);
	st = gops->ops.state;
	if (!err && st->registered)
		err = -EBUSY;
	if (!err)
		err = table_claim(gops);
	if (err >= 0) {
		tp_ftrace_func_t func = gops->ops.func;

		st->graph = err;
		gops->ops.func = fgraph_entry;
		err = ftrace_register_locked(&gops->ops);
		if (err) {
			table_release(st->graph);
			st->graph = 0;
			gops->ops.func = func;
		}
	}
	ftrace_unlock();
	return err;
}

/*
 * Frames pushed by this ops may still be on threads' stacks: they return
 * through the trampoline as before, without calling the return callback
 * once this has returned.
 */
int tp_unregister_ftrace_graph(struct tp_fgraph_ops *gops)
{
	struct tp_ftrace_state *st;
	int err;

	if (!gops)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	st = gops->ops.state;
	if (!st || !st->graph || !st->registered)
		err = -ENOENT;
	else
		err = ftrace_unregister_locked(&gops->ops);
	if (!err) {
		table_release(st->graph);
		st->graph = 0;
		urcu_bp_synchronize_rcu();
	}
	ftrace_unlock();
	return err;
}
