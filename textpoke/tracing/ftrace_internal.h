/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function-entry tracing internals: the traceable functions of each
 * loaded object (ftrace_elf.c finds them) and the dispatcher the
 * trampolines call.
 */
#ifndef TEXTPOKE_FTRACE_INTERNAL_H
#define TEXTPOKE_FTRACE_INTERNAL_H

#include <link.h>
#include <stdbool.h>
#include <stdint.h>

#include <textpoke/ftrace.h>
#include <textpoke/textpoke.h>

#include "../arch.h"
#include "ftrace_resume.h"

struct ftrace_func {
	struct ftrace_layout layout;
	uint8_t compiled[TP_MAX_INSN_LEN];	/* the site as the compiler left it */
	const char *name;			/* NULL: no symbol names it */
	unsigned int nr_ops;			/* registered ops tracing it */
	uintptr_t target;			/* what the entry calls: 0, veneer, direct */
	bool initialised;			/* site init done */
};

/* One loaded ELF object: the executable or a shared object. */
struct ftrace_object {
	struct ftrace_object *next;
	uintptr_t base;				/* load bias */
	const void *phdr;			/* with base and path: which object */
	int phnum;
	char *path;
	unsigned long load;			/* one number per load */
	bool seen;				/* still loaded at the last scan */
	uintptr_t veneer;			/* 0 until a site is initialised */
	struct ftrace_func *funcs;		/* sorted by address */
	size_t nr;
	size_t nr_refused;			/* records that are not our layout */
};

/*
 * Read the __patchable_function_entries records and the function names
 * of the object loaded from @path at @bias with @phdr: fills
 * @obj->funcs.  An object without records has none; -errno only when the
 * file cannot be read or is not a valid ELF file.
 */
int ftrace_elf_load(struct ftrace_object *obj, const char *path, uintptr_t bias,
		    const ElfW(Phdr) *phdr, int phnum);
void ftrace_object_free(struct ftrace_object *obj);

/*
 * A function an ops traces: its entry and the load of its object it was
 * found in.  An object unloaded and loaded again at the same address is
 * another load: what an ops registered on the first one does on
 * unregister must not touch the second.
 */
struct traced_func {
	uintptr_t ip;
	unsigned long load;
};

/* What an ops does at the entries it traces. */
enum ftrace_ops_kind {
	FTRACE_OPS_CALLBACK,		/* calls ops->func */
	FTRACE_OPS_DIRECT,		/* the entry goes to the trampoline at target */
	FTRACE_OPS_REDIRECT,		/* the function at target runs instead */
};

/* The functions an ops traces, sorted; replaced whole, under RCU. */
struct ftrace_set {
	size_t nr;
	/*
	 * A set ops_resolve() made: the objects' and the ops' filters'
	 * generations it read (0 for any other set).
	 */
	unsigned long objects_gen, filter_gen;
	struct traced_func funcs[];
};

struct tp_ftrace_state {
	char **globs[2];		/* FILTER, NOTRACE */
	size_t nr_globs[2];
	uintptr_t ip;			/* not 0: this one function, no globs */
	enum ftrace_ops_kind kind;
	uintptr_t target;		/* DIRECT, REDIRECT; read by the dispatcher */
	unsigned int graph;		/* a graph ops: its index in the graph table + 1 */
	struct ftrace_set *set;		/* read by the dispatcher */
	bool registered;
	unsigned long filter_gen;	/* counts changes of globs */
	/*
	 * The set the ops traced last, kept when it stopped: registering
	 * again with the same filters over the same objects finds it
	 * instead of matching every name again (ops_resolve()).
	 */
	struct ftrace_set *resolved;
};

/* The registered ops, as the list dispatch reads them (RCU). */
struct ops_list {
	size_t nr;
	struct tp_ftrace_ops *ops[];
};

/*
 * ftrace_objects.c: the loaded objects; under ftrace.c's mutex.
 * ftrace_objects_unloaded: a scan forgot an object that ops may still
 * name (ftrace.c's ftrace_objects_update() clears it).
 */
extern struct ftrace_object *ftrace_objects;
extern bool ftrace_objects_unloaded;
/* Counts changes of ftrace_objects: objects added or forgotten. */
extern unsigned long ftrace_objects_gen;
int ftrace_objects_scan(void);
struct ftrace_func *ftrace_func_find(const struct traced_func *t,
				     struct ftrace_object **owner);
/*
 * The same for lookups in address order: @cursor (zeroed before the
 * first) remembers where the last one was found, so that the next is
 * usually a few entries on instead of a search away.
 */
struct ftrace_cursor {
	struct ftrace_object *obj;
	size_t index;
};
struct ftrace_func *ftrace_func_find_next(const struct traced_func *t,
					  struct ftrace_cursor *cursor);
int ftrace_object_veneer(struct ftrace_object *obj);

/*
 * ftrace_record.c: told by a scan that found objects loaded or unloaded
 * (not seen), before it forgets the unloaded ones; under the mutex.
 */
void ftrace_record_objects(void);

/* ftrace_dispatch.c: what the dispatcher reads, published by ftrace.c. */
extern struct ops_list *ftrace_registered;
extern struct tp_ftrace_ops ftrace_stub_ops, ftrace_list_ops;
/*
 * ftrace_fast.c: a thread's words.  @errno_ptr: its errno, once the
 * thread has been through ftrace_dispatch(), and the sign that urcu-bp
 * knows it (its registration, which may use any register, is done).
 * @in_callback: the callbacks it is inside of (a count, so that leaving
 * one needs nothing kept across it).
 */
struct ftrace_thread {
	int *errno_ptr;
	unsigned int in_callback;
};
extern __thread struct ftrace_thread ftrace_thread __attribute__((tls_model("initial-exec")));
bool ftrace_ops_traces(const struct tp_ftrace_ops *ops, uintptr_t ip);
/* What a slot holds for @ops: the pointer and its tags (ftrace_resume.h). */
uintptr_t ftrace_slot_word(const struct tp_ftrace_ops *ops);

/*
 * Called by arch_ftrace_caller with the traced function's entry address
 * @ip; see ftrace_entry.S and ftrace_resume.h.
 */
struct ftrace_resume {
	uintptr_t addr;
	uintptr_t how;			/* FTRACE_RESUME_* */
};
struct ftrace_resume ftrace_dispatch(uintptr_t ip, uintptr_t parent,
				     struct tp_ftrace_regs *regs);
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/*
 * A traced function's ops slot, the word before its entry, and the ops
 * in a slot word (ftrace_resume.h).
 */
static inline uintptr_t ftrace_slot_load(uintptr_t ip)
{
	return __atomic_load_n((const uintptr_t *)(ip - FTRACE_SLOT_SIZE), __ATOMIC_ACQUIRE);
}

static inline struct tp_ftrace_ops *ftrace_slot_ops(uintptr_t word)
{
	return (struct tp_ftrace_ops *)(word & ~(uintptr_t)FTRACE_SLOT_TAGS);
}

/* The common case: ftrace_fast.c, "enter, the callback, exit". */
uintptr_t ftrace_enter(uintptr_t ip, int *saved_errno);
uintptr_t ftrace_enter_light(uintptr_t ip, int *saved_errno);
void ftrace_exit(int saved_errno);

/*
 * ftrace.c, for the clients built on it (ftrace_direct.c,
 * ftrace_graph.c): the mutex, and registering an ops whose state the
 * client filled in.
 */
int ftrace_lock(void);
void ftrace_unlock(void);
int ftrace_objects_update(void);
int ftrace_state_get(struct tp_ftrace_ops *ops);
int ftrace_register_locked(struct tp_ftrace_ops *ops);
int ftrace_unregister_locked(struct tp_ftrace_ops *ops);

/* ftrace_direct.c: drop the direct calls and redirections of unloaded functions. */
int ftrace_modifiers_forget(void);

/* ftrace_apply.c: moving a registered ops to another set of functions. */
extern enum tp_backend ftrace_backend;
struct ftrace_set *ftrace_set_new(size_t nr);
void ftrace_set_sort(struct ftrace_set *set);
int ftrace_ops_move(struct tp_ftrace_ops *ops, struct ftrace_set *new);
/* Move the entries of @ops' functions to the calls their ops now want. */
int ftrace_entries_update(struct tp_ftrace_ops *ops);

/* @fn for every named function matching @glob (NULL: all) until it fails. */
int ftrace_for_each_function(const char *glob,
			     int (*fn)(uintptr_t ip, const char *name, void *data),
			     void *data);

/*
 * ftrace_graph.c: called by arch_ftrace_return_trampoline, which returns
 * through @slot; and the list of every thread's return stack, which the
 * trampoline's unwind information reads (ftrace_graph_cfi.h).
 */
struct tp_fgraph_ret_regs;
void ftrace_graph_return(uintptr_t sp, uintptr_t *slot, const struct tp_fgraph_ret_regs *regs);
struct fgraph_stack;
extern struct fgraph_stack *ftrace_graph_stacks;
/* In the child of a fork: its one thread keeps its return stack. */
void ftrace_graph_fork_child(void);

#endif /* TEXTPOKE_FTRACE_INTERNAL_H */
