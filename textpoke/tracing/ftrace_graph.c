// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-graph tracing: an entry and a return callback per traced
 * function, built on function-entry tracing.  A graph ops is an ordinary
 * ops whose callback, at the entry, pushes a frame on the thread's
 * return stack and replaces the function's return address with
 * arch_ftrace_return_trampoline; the function returns there, and
 * ftrace_graph_return() pops the frame, calls the return callback and
 * gives the trampoline the real return address.
 *
 * Everything on these paths runs in any thread and context, signal
 * handlers included: no locks, no malloc.  A thread's stack is mmap()ed
 * at its first traced entry (mmap is async-signal-safe) and stays in a
 * list for reuse once its thread has exited, never unmapped: a return
 * can be pending in any thread at any time, even after the graph ops is
 * gone.
 *
 * Frames are matched to returns by the stack pointer the function has
 * once it has returned.  A frame the program unwound past (longjmp out
 * of a traced function) is dropped at the next return of a frame below
 * it; a signal handler's frames, on any stack, sit above the ones it
 * interrupted and return first.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <urcu-bp.h>

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
	int depth;
};

struct fgraph_stack {
	struct fgraph_stack *next;	/* every stack made, never unlinked */
	pid_t owner;			/* the thread using it */
	unsigned int depth;
	struct fgraph_frame frames[FGRAPH_DEPTH];
};

/*
 * The registered graph ops, as returns find them: a frame's return
 * callback runs only while the ops that pushed it is still there, the
 * same registration (gen) and not a later one in the same entry.
 */
static struct {
	struct tp_fgraph_ops *gops;
	unsigned long gen;
} fgraph_table[FGRAPH_MAX_OPS];

static struct fgraph_stack *fgraph_stacks;
static unsigned long fgraph_skipped;
static __thread struct fgraph_stack *fgraph_stack __attribute__((tls_model("initial-exec")));

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

static struct fgraph_stack *stack_reuse(pid_t self)
{
	struct fgraph_stack *s;

	for (s = __atomic_load_n(&fgraph_stacks, __ATOMIC_ACQUIRE); s; s = s->next) {
		pid_t owner = __atomic_load_n(&s->owner, __ATOMIC_RELAXED);

		if (thread_gone(owner) &&
		    __atomic_compare_exchange_n(&s->owner, &owner, self, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			s->depth = 0;
			return s;
		}
	}
	return NULL;
}

static struct fgraph_stack *stack_new(pid_t self)
{
	struct fgraph_stack *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		return NULL;
	s->owner = self;
	s->next = __atomic_load_n(&fgraph_stacks, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&fgraph_stacks, &s->next, s, true,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return s;
}

static struct fgraph_stack *stack_get(void)
{
	pid_t self;
	struct fgraph_stack *s = fgraph_stack;

	if (s)
		return s;
	self = this_thread();
	s = stack_reuse(self);
	if (!s)
		s = stack_new(self);
	fgraph_stack = s;
	return s;
}

/* The child's one thread has a new tid: its stack must not look free. */
void ftrace_graph_fork_child(void)
{
	if (fgraph_stack)
		fgraph_stack->owner = this_thread();
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
	unsigned long long calltime = now_ns();
	struct fgraph_frame *f;

	(void)parent;
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
	f->sp = arch_ftrace_return_sp(regs);
	f->func = ip;
	f->gen = __atomic_load_n(&fgraph_table[idx].gen, __ATOMIC_RELAXED);
	f->ops = idx;
	f->depth = depth;
	f->calltime = calltime;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	*loc = (uintptr_t)arch_ftrace_return_trampoline;
}

static void frame_lost(void)
{
	static const char msg[] = "textpoke: a function returned through the graph "
				  "trampoline with no frame of its own\n";
	ssize_t r = write(STDERR_FILENO, msg, sizeof(msg) - 1);

	(void)r;
	abort();
}

static void call_return(const struct fgraph_frame *f)
{
	struct tp_fgraph_ops *gops;
	struct tp_ftrace_graph_ret ret;
	bool nested = ftrace_in_callback;

	urcu_bp_read_lock();
	gops = __atomic_load_n(&fgraph_table[f->ops].gops, __ATOMIC_ACQUIRE);
	if (gops && gops->retfunc &&
	    __atomic_load_n(&fgraph_table[f->ops].gen, __ATOMIC_RELAXED) == f->gen) {
		ret = (struct tp_ftrace_graph_ret){
			.func = f->func, .depth = f->depth,
			.calltime = f->calltime, .rettime = now_ns(),
		};
		ftrace_in_callback = true;
		gops->retfunc(&ret, gops);
		ftrace_in_callback = nested;
	}
	urcu_bp_read_unlock();
}

/*
 * From arch_ftrace_return_trampoline, with the stack pointer the
 * returning function left: its frame is the topmost with that pointer;
 * frames above it were unwound past and are dropped.
 */
uintptr_t ftrace_graph_return(uintptr_t sp)
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
	f = s->frames[i - 1];
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->depth, i - 1, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	call_return(&f);
	errno = saved_errno;
	return f.ret;
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
