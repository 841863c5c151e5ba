/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function-entry tracing: call a function of yours on entry to chosen
 * functions of this process, at the cost of nothing for the functions
 * that are not traced.
 *
 *	static void hit(unsigned long ip, unsigned long parent_ip,
 *			struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
 *	{
 *		__atomic_fetch_add((long *)ops->priv, 1, __ATOMIC_RELAXED);
 *	}
 *	static long hits;
 *	static struct tp_ftrace_ops ops = { .func = hit, .priv = &hits };
 *
 *	tp_ftrace_set_filter(&ops, "parse_*", 1);
 *	tp_register_ftrace_function(&ops);
 *	...
 *	tp_unregister_ftrace_function(&ops);
 *
 * Traceable code is compiled with the flags the library publishes:
 * `pkg-config --variable=ftrace_cflags textpoke` (docs/ftrace.md).  They
 * leave a patch site at every function entry and an 8-byte slot before
 * it, listed in the __patchable_function_entries section of the object.
 * The executable and every shared object loaded when a function of this
 * header is called are searched; functions are named by the ELF symbol
 * tables of their files (.symtab, else .dynsym), the files they were
 * mapped from: a file replaced since an object was loaded is not read
 * (the mapped one is, through /proc/self/map_files, where the process
 * may; otherwise the object has no traceable function).
 *
 * The contract:
 * - When tp_register_ftrace_function() returns 0, every thread that
 *   enters one of the ops' functions calls ops->func first; on error
 *   (any call of this header) nothing changed, not a byte of text, even
 *   when memory ran out (-ENOMEM: the call can be made again).  While it runs, a thread entering such a function
 *   calls the callback or does not, never twice and never anything else.
 * - When tp_unregister_ftrace_function() returns 0, no thread calls the
 *   callback any more and none is still inside it: the ops may be freed
 *   (after tp_ftrace_free_filter()).
 * - Several ops may be registered at once; each sees only its functions.
 *   A function traced by one ops calls that ops' callback directly; by
 *   several, a list of them.
 * - A callback that calls a traced function is not called again for it
 *   on the same thread (the nested entry is not seen by any ops that
 *   lacks TP_FTRACE_OPS_FL_RECURSION_SAFE).
 * - Callbacks may run in any thread, in signal handlers too: they must
 *   be async-signal-safe.  errno is preserved around them.  They may not
 *   call any function of this header.
 * - Filters are globs (fnmatch(3)) on symbol names.  No filter means
 *   every traceable function.  A filter changed while the ops is
 *   registered moves it to the functions the new filter names, in one
 *   batch, or fails and changes nothing.
 * - Functions in objects loaded after the ops was registered are traced
 *   by it once tp_ftrace_update_objects() has run (call it after
 *   dlopen()).  Functions of an object that is unloaded are never
 *   touched again, and the next call forgets them: direct calls and
 *   redirections on them are gone, an object loaded again starts with
 *   nothing on it.
 *
 * Errors: the poke engine's (see textpoke.h), and -EINVAL (NULL ops or
 * callback), -ENOENT (a glob that names no traceable function, no
 * function at all to trace, or unregistering an ops that is not
 * registered), -ERANGE (no room for a veneer within reach of an
 * object's functions), -EBUSY (the ops is registered: registering
 * it again or freeing its filter), -EDEADLK (called from a callback),
 * -ENOSYS (built without CONFIG_FTRACE).  Direct calls and redirection
 * add -EINVAL (a zero address, or a trampoline that is not the one
 * registered) and -ENOENT (@ip is not a traceable function, or has no
 * such trampoline or redirection).
 */
#ifndef TEXTPOKE_FTRACE_H
#define TEXTPOKE_FTRACE_H

#include <textpoke/textpoke.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The registers of the traced function at its entry (arch layout). */
struct tp_ftrace_regs;

struct tp_ftrace_ops;

/*
 * @ip: the traced function's entry address (its symbol's value);
 * @parent_ip: where it returns to; @regs: its arguments.
 */
typedef void (*tp_ftrace_func_t)(unsigned long ip, unsigned long parent_ip,
				 struct tp_ftrace_ops *ops,
				 struct tp_ftrace_regs *regs);

/* The callback protects itself against being re-entered on one thread. */
#define TP_FTRACE_OPS_FL_RECURSION_SAFE	(1ul << 0)
/*
 * The callback, and everything it calls, leaves the vector and
 * floating-point registers alone (C compiled with -mgeneral-regs-only on
 * x86-64 and arm64, or -march=rv64imac -mabi=lp64 on riscv64, and calling
 * no function that uses them: most of libc's string functions do).  A
 * function traced by this ops alone then only keeps the integer argument
 * registers around the call: the cheapest entry (docs/ftrace.md).  The
 * integer registers, errno, the recursion guard and unregistration's
 * guarantee stay as for any ops.  A callback that breaks the promise
 * corrupts the traced function's floating-point and vector arguments.
 * Set it before registering the ops and leave it while registered (it
 * is read as the ops' functions are turned on); ignored on a graph ops
 * (struct tp_fgraph_ops), whose entry code is the library's.
 */
#define TP_FTRACE_OPS_FL_GENERAL_REGS_ONLY	(1ul << 1)

struct tp_ftrace_state;

/*
 * @priv is the caller's.  C code may also call it by its first name,
 * @private, a keyword of C++ (the same member: an anonymous union).
 */
#ifdef __cplusplus
#define TP_FTRACE_PRIVATE	void *priv
#else
#define TP_FTRACE_PRIVATE	union { void *priv; void *private; }
#endif

struct tp_ftrace_ops {
	tp_ftrace_func_t func;
	unsigned long flags;		/* TP_FTRACE_OPS_FL_* */
	TP_FTRACE_PRIVATE;
	struct tp_ftrace_state *state;	/* textpoke's: zero in a new ops */
};

/*
 * Trace the functions whose names match @glob (add to the filter, or
 * replace it when @reset; @glob NULL with @reset clears the filter).
 * tp_ftrace_set_notrace() excludes the functions it matches.
 */
TP_EXPORT int tp_ftrace_set_filter(struct tp_ftrace_ops *ops, const char *glob,
				   int reset);
TP_EXPORT int tp_ftrace_set_notrace(struct tp_ftrace_ops *ops, const char *glob,
				    int reset);

/*
 * Release what the filters hold, the set of functions the ops traced
 * last among it (kept after unregistering, so that registering again
 * with the same filters over the same objects need not match every
 * name again); -EBUSY while the ops is registered.
 * On a registered ops, a change that would leave it no function at all
 * fails with -ENOENT.
 */
TP_EXPORT int tp_ftrace_free_filter(struct tp_ftrace_ops *ops);

TP_EXPORT int tp_register_ftrace_function(struct tp_ftrace_ops *ops);
TP_EXPORT int tp_unregister_ftrace_function(struct tp_ftrace_ops *ops);

/*
 * Argument @n (0 for the first) of the traced function, as its integer
 * argument registers held it at entry; 0 past the last one (x86-64: 6,
 * arm64 and riscv64: 8).  Only valid inside the callback.
 */
TP_EXPORT unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
						    unsigned int n);

/* Number of traceable functions found in the loaded objects. */
TP_EXPORT long tp_ftrace_count_functions(const char *glob);

/*
 * The protocol that turns entries on and off from now on (default
 * TP_BACKEND_AUTO: nosync on arm64 and riscv64, breakpoint on x86-64,
 * stop_machine when breakpoints are not safe).  A backend that cannot make
 * the change makes the call that needs it fail with nothing changed
 * (nosync on x86-64: -EINVAL).  A call that traces a function for the
 * first time (site init) runs under stop_machine, whatever the backend.
 * -EINVAL for an unknown backend.
 */
TP_EXPORT int tp_ftrace_set_backend(enum tp_backend backend);

/*
 * After dlopen() or dlclose(): every registered ops (and graph ops)
 * traces the functions of the objects loaded since that its filters
 * name, and forgets those of objects unloaded.  One batch per ops.
 */
TP_EXPORT int tp_ftrace_update_objects(void);

/*
 * Function-graph tracing: a callback at the entry and one at the return
 * of each traced function, with the time it took.
 *
 *	static int entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
 *	{
 *		return 1;	(0: no return callback for this call)
 *	}
 *	static void ret(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
 *	{
 *		... r->rettime - r->calltime ...
 *	}
 *	static struct tp_fgraph_ops graph = { .entryfunc = entry, .retfunc = ret };
 *
 *	tp_ftrace_set_filter(&graph.ops, "parse_*", 1);
 *	tp_register_ftrace_graph(&graph);
 *
 * The return callback runs by making the function return to the
 * library: its return address is replaced at entry and kept on a
 * per-thread stack of 4096 frames.  An entry that finds no room is
 * neither reported nor hooked (tp_ftrace_graph_skipped() counts them):
 * every entry reported has exactly one return callback, for a call that
 * returned or for one that was left without returning
 * (TP_FGRAPH_RET_UNWOUND): a C++ exception (or any unwinding: the
 * unwinder tells the library as it leaves the frame), pthread_exit(),
 * longjmp(), siglongjmp(), setcontext() out of traced functions (seen at
 * the next traced entry or return of the thread that proves the frame
 * gone, docs/ftrace.md).  Supported besides: recursion, threads created
 * while tracing, signal handlers (on any stack), swapcontext() between
 * stacks, tracing switched off while threads are deep inside traced
 * functions (they return normally; the return callback is not called
 * once tp_unregister_ftrace_graph() has returned), and unwinders reading
 * through traced frames (exceptions, backtrace(), debuggers: the
 * trampoline's unwind information gives the real return address; the
 * trampoline shows as one frame more above each traced one).  Vector
 * registers are kept whole around the callbacks (YMM and ZMM on x86-64,
 * Z and P registers with SVE on arm64).  The callbacks follow the rules
 * of tp_ftrace_func_t.  Up to 16 graph ops at once (-ENOSPC).
 */
struct tp_ftrace_graph_ent {
	unsigned long func;		/* the traced function's entry */
	int depth;			/* frames of this thread below this one */
	unsigned long long calltime;	/* as the return will give it */
};

/* The call did not return: it was unwound past (rettime: when that was seen). */
#define TP_FGRAPH_RET_UNWOUND	(1u << 0)

struct tp_fgraph_ret_regs;

struct tp_ftrace_graph_ret {
	unsigned long func;
	int depth;
	unsigned long long calltime;	/* CLOCK_MONOTONIC, nanoseconds */
	unsigned long long rettime;
	unsigned int flags;		/* TP_FGRAPH_RET_* */
	/* The return registers, for the accessors below; NULL when unwound. */
	const struct tp_fgraph_ret_regs *regs;
};

/*
 * The traced function's return value, as its return registers held it:
 * valid inside the return callback, 0 for a call unwound.
 * tp_fgraph_ret_int(): integer return register @n, 0 or 1 (x86-64 RAX,
 * RDX; arm64 X0, X1; riscv64 a0, a1): an integer or pointer result is
 * in register 0, one narrower than it in its low bits (x86-64 leaves the
 * others undefined), a 16-byte one in both.  tp_fgraph_ret_fp_bits():
 * the low 64 bits of floating-point return register @n (x86-64 XMM0,
 * XMM1; arm64 V0-V3; riscv64 fa0, fa1): a double result is register 0's
 * 64 bits, a float its low 32.  0 for a register the arch does not have.
 */
TP_EXPORT unsigned long tp_fgraph_ret_int(const struct tp_ftrace_graph_ret *ret, unsigned int n);
TP_EXPORT unsigned long long tp_fgraph_ret_fp_bits(const struct tp_ftrace_graph_ret *ret,
						   unsigned int n);

struct tp_fgraph_ops;
typedef int (*tp_fgraph_entry_t)(const struct tp_ftrace_graph_ent *trace,
				 struct tp_fgraph_ops *gops);
typedef void (*tp_fgraph_return_t)(const struct tp_ftrace_graph_ret *trace,
				   struct tp_fgraph_ops *gops);

struct tp_fgraph_ops {
	tp_fgraph_entry_t entryfunc;	/* may be NULL: every return */
	tp_fgraph_return_t retfunc;	/* may be NULL */
	TP_FTRACE_PRIVATE;
	struct tp_ftrace_ops ops;	/* filters: tp_ftrace_set_filter(&gops->ops, ...) */
};

TP_EXPORT int tp_register_ftrace_graph(struct tp_fgraph_ops *gops);
TP_EXPORT int tp_unregister_ftrace_graph(struct tp_fgraph_ops *gops);
TP_EXPORT unsigned long tp_ftrace_graph_skipped(void);

/*
 * Graph-trace the functions matching @glob (NULL: all) into the file at
 * @path (created or truncated), for tp-graph(1) to print as an indented
 * call graph with durations; format in <textpoke/fgraph_record.h>.  One
 * recording at a time (-EBUSY); each entry and return costs a write(2).
 * The file names every loaded object (path, build-id, load address) and
 * its traced functions, and each object loaded or unloaded while it
 * records, when the library notices (tp_ftrace_update_objects() after a
 * dlopen(), which also starts tracing the new object's functions): each
 * call is named from the object loaded at its address at that time.
 * tp_fgraph_record_stop() ends it (-ENOENT when none runs).
 */
TP_EXPORT int tp_fgraph_record_start(const char *path, const char *glob);
TP_EXPORT int tp_fgraph_record_stop(void);

/*
 * Direct calls: the entry of the function at @ip goes to @tramp, code of
 * the caller's written for the architecture, entered with the registers
 * and stack the entry site leaves, which must continue into the
 * function the way the site would (docs/ftrace.md: x86-64, on the stack
 * the way into the function above its return address, RET; arm64, X30
 * into the function and X9 its return address, which goes back to X30;
 * riscv64, t0 into the function and ra its return address, JR t0).
 * Alone on a function the entry calls @tramp itself where it reaches it;
 * with other ops, the shared trampoline runs them and then @tramp.
 * One direct trampoline or redirection per function (-EBUSY).  Threads
 * may still be running an old trampoline when these return: it must stay
 * where it is.
 */
TP_EXPORT int tp_register_ftrace_direct(unsigned long ip, unsigned long tramp);
TP_EXPORT int tp_modify_ftrace_direct(unsigned long ip, unsigned long old_tramp,
				      unsigned long new_tramp);
TP_EXPORT int tp_unregister_ftrace_direct(unsigned long ip, unsigned long tramp);

/*
 * Redirection (live patching): every call of the function at @old_fn
 * runs @new_fn instead, with the same arguments, returning to the
 * caller; both must have the same prototype.  Other ops on @old_fn still
 * see its entry.  When tp_ftrace_redirect() returns, no thread enters
 * @old_fn's body any more (threads already inside finish there);
 * tp_ftrace_unredirect() restores it.  One per function (-EBUSY).
 */
TP_EXPORT int tp_ftrace_redirect(unsigned long old_fn, unsigned long new_fn);
TP_EXPORT int tp_ftrace_unredirect(unsigned long old_fn);

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_FTRACE_H */
