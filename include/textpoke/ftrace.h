/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function-entry tracing: call a function of yours on entry to chosen
 * functions of this process, at the cost of nothing for the functions
 * that are not traced.
 *
 *	static void hit(unsigned long ip, unsigned long parent_ip,
 *			struct tp_ftrace_ops *ops, struct tp_ftrace_regs *regs)
 *	{
 *		__atomic_fetch_add((long *)ops->private, 1, __ATOMIC_RELAXED);
 *	}
 *	static long hits;
 *	static struct tp_ftrace_ops ops = { .func = hit, .private = &hits };
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
 * tables of their files (.symtab, else .dynsym).
 *
 * The contract:
 * - When tp_register_ftrace_function() returns 0, every thread that
 *   enters one of the ops' functions calls ops->func first; on error
 *   nothing changed.  While it runs, a thread entering such a function
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
 *   every traceable function.  A filter may not change while the ops is
 *   registered.
 * - Functions in objects loaded after the ops was registered are not
 *   traced by it (register it again).  Functions of an object that is
 *   unloaded are never touched again.
 *
 * Errors: the poke engine's (see textpoke.h), and -EINVAL (NULL ops or
 * callback), -ENOENT (a glob that names no traceable function, no
 * function at all to trace, or unregistering an ops that is not
 * registered), -ERANGE (no room for a veneer within reach of an
 * object's functions), -EBUSY (the ops is registered: registering
 * it again or changing its filter), -EDEADLK (called from a callback),
 * -ENOSYS (built without CONFIG_FTRACE).
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

struct tp_ftrace_state;

struct tp_ftrace_ops {
	tp_ftrace_func_t func;
	unsigned long flags;		/* TP_FTRACE_OPS_FL_* */
	void *private;			/* the caller's */
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

/* Release what the filters hold; -EBUSY while the ops is registered. */
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

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_FTRACE_H */
