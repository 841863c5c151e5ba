// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-entry tracing on the engine.
 *
 * The core decides: which functions an ops traces (globs on the names
 * ftrace_elf.c found), which ops pointer each function's slot holds (the
 * ops itself when it is the only one, the list ops when there are
 * several, the stub ops when none), when a site is initialised, and that
 * one register or unregister is one engine batch of one-instruction
 * toggles.  The arch layer only says which bytes those are.
 *
 * Order of a change, so that a thread entering a function always finds a
 * valid ops in its slot: site init (stop_machine, once per function),
 * publish the ops for the list dispatch, store the slots, toggle the
 * entries on.  Off: store the slots (the stub, or the ops that stays),
 * toggle the entries off, unpublish, wait for a grace period (no thread
 * is still inside the callback).
 *
 * Locking: ftrace_mutex, then the engine's text mutex (inside the engine
 * calls).  dl_iterate_phdr() takes only the loader's list lock, never the
 * lock dlopen() holds while it runs constructors.
 */
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "internal.h"

enum { FILTER, NOTRACE };

static pthread_mutex_t ftrace_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ftrace_once = PTHREAD_ONCE_INIT;

static void fork_prepare(void)
{
	pthread_mutex_lock(&ftrace_mutex);
}

static void fork_release(void)
{
	pthread_mutex_unlock(&ftrace_mutex);
}

/* After the engine's fork handlers: this mutex is taken first (see jump_label.c). */
static void ftrace_init(void)
{
	tp_init();
	pthread_atfork(fork_prepare, fork_release, fork_release);
}

int ftrace_lock(void)
{
	if (ftrace_in_callback)
		return -EDEADLK;
	pthread_once(&ftrace_once, ftrace_init);
	pthread_mutex_lock(&ftrace_mutex);
	return 0;
}

void ftrace_unlock(void)
{
	pthread_mutex_unlock(&ftrace_mutex);
}

/* --- which functions an ops traces ----------------------------------------- */

static bool glob_any(char *const *globs, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!fnmatch(globs[i], name, 0))
			return true;
	return false;
}

/* With no filter every function is traced, named or not. */
static bool ops_wants(const struct tp_ftrace_state *st, const struct ftrace_func *f)
{
	if (st->ip)
		return f->layout.func == st->ip;
	if (st->nr_globs[FILTER] && (!f->name ||
	    !glob_any(st->globs[FILTER], st->nr_globs[FILTER], f->name)))
		return false;
	return !f->name || !glob_any(st->globs[NOTRACE], st->nr_globs[NOTRACE], f->name);
}
static int compare_traced(const void *a, const void *b)
{
	const struct traced_func *x = a, *y = b;

	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/* The sorted entry addresses of every loaded function @st wants. */
static int ops_resolve(struct tp_ftrace_state *st)
{
	struct ftrace_object *obj;
	size_t nr = 0, i;
	struct traced_func *funcs;

	for (obj = ftrace_objects; obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			nr += ops_wants(st, &obj->funcs[i]);
	if (!nr)
		return -ENOENT;
	funcs = malloc(nr * sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	nr = 0;
	for (obj = ftrace_objects; obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			if (ops_wants(st, &obj->funcs[i]))
				funcs[nr++] = (struct traced_func){
					obj->funcs[i].layout.func, obj->load };
	qsort(funcs, nr, sizeof(*funcs), compare_traced);
	free(st->funcs);
	st->funcs = funcs;
	st->nr_funcs = nr;
	return 0;
}

static long count_matches(const char *glob)
{
	struct ftrace_object *obj;
	long nr = 0;
	size_t i;

	for (obj = ftrace_objects; obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			nr += !glob || (obj->funcs[i].name &&
					!fnmatch(glob, obj->funcs[i].name, 0));
	return nr;
}

long tp_ftrace_count_functions(const char *glob)
{
	long nr;
	int err = ftrace_lock();

	if (err)
		return err;
	err = ftrace_objects_scan();
	nr = err ? err : count_matches(glob);
	ftrace_unlock();
	return nr;
}

int ftrace_for_each_function(const char *glob,
			     int (*fn)(uintptr_t ip, const char *name, void *data),
			     void *data)
{
	struct ftrace_object *obj;
	size_t i;
	int err = ftrace_lock();

	if (err)
		return err;
	err = ftrace_objects_scan();
	for (obj = ftrace_objects; obj && !err; obj = obj->next)
		for (i = 0; i < obj->nr && !err; i++)
			if (obj->funcs[i].name && (!glob || !fnmatch(glob, obj->funcs[i].name, 0)))
				err = fn(obj->funcs[i].layout.func, obj->funcs[i].name, data);
	ftrace_unlock();
	return err;
}

/* --- filters ------------------------------------------------------------------ */

int ftrace_state_get(struct tp_ftrace_ops *ops)
{
	if (!ops->state && !(ops->state = calloc(1, sizeof(*ops->state))))
		return -ENOMEM;
	return 0;
}

static void globs_clear(struct tp_ftrace_state *st, int which)
{
	size_t i;

	for (i = 0; i < st->nr_globs[which]; i++)
		free(st->globs[which][i]);
	free(st->globs[which]);
	st->globs[which] = NULL;
	st->nr_globs[which] = 0;
}

static int globs_add(struct tp_ftrace_state *st, int which, const char *glob)
{
	char **globs = realloc(st->globs[which],
			       (st->nr_globs[which] + 1) * sizeof(*globs));

	if (!globs)
		return -ENOMEM;
	st->globs[which] = globs;
	globs[st->nr_globs[which]] = strdup(glob);
	if (!globs[st->nr_globs[which]])
		return -ENOMEM;
	st->nr_globs[which]++;
	return 0;
}

static int set_globs(struct tp_ftrace_ops *ops, const char *glob, int reset,
		     int which)
{
	int err;

	if (!ops || (!glob && !reset))
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	err = ftrace_state_get(ops);
	if (!err && ops->state->registered)
		err = -EBUSY;
	if (!err && glob) {
		err = ftrace_objects_scan();
		if (!err && !count_matches(glob))
			err = -ENOENT;
	}
	if (!err && reset)
		globs_clear(ops->state, which);
	if (!err && glob)
		err = globs_add(ops->state, which, glob);
	ftrace_unlock();
	return err;
}

int tp_ftrace_set_filter(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	return set_globs(ops, glob, reset, FILTER);
}

int tp_ftrace_set_notrace(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	return set_globs(ops, glob, reset, NOTRACE);
}

int tp_ftrace_free_filter(struct tp_ftrace_ops *ops)
{
	int err;

	if (!ops)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	if (ops->state && ops->state->registered) {
		err = -EBUSY;
	} else if (ops->state) {
		globs_clear(ops->state, FILTER);
		globs_clear(ops->state, NOTRACE);
		free(ops->state->funcs);
		free(ops->state);
		ops->state = NULL;
	}
	ftrace_unlock();
	return err;
}

/* --- site init ------------------------------------------------------------- */

/*
 * The fixed part of every site of @funcs not yet initialised, in one
 * stop_machine batch: the sites are several instructions (x86: five
 * 1-byte NOPs), and the engine parks every thread outside them first.
 */
static int sites_init(const struct traced_func *funcs, size_t nr)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		struct ftrace_object *obj;
		struct ftrace_func *f = ftrace_func_find(&funcs[i], &obj);
		uint8_t insns[TP_MAX_INSN_LEN];

		if (f->initialised)
			continue;
		err = ftrace_object_veneer(obj);
		if (!err)
			err = arch_ftrace_init_insns(&f->layout, obj->veneer, insns);
		if (err >= 0)
			err = tp_batch_add(batch, (void *)f->layout.site, f->compiled,
					   insns, f->layout.site_len);
		empty = false;
	}
	if (!err && !empty)
		err = tp_batch_commit(batch, TP_BACKEND_STOP_MACHINE);
	tp_batch_free(batch);
	for (i = 0; i < nr && !err && !empty; i++)
		ftrace_func_find(&funcs[i], NULL)->initialised = true;
	return err;
}

/* --- enabling and disabling ------------------------------------------------- */

/* The registered ops other than @skip that trace @ip: the slot's value. */
static struct tp_ftrace_ops *slot_value(uintptr_t ip, unsigned int nr_ops,
					const struct tp_ftrace_ops *skip)
{
	const struct ops_list *list = ftrace_registered;
	size_t i;

	if (nr_ops == 0)
		return &ftrace_stub_ops;
	if (nr_ops > 1)
		return &ftrace_list_ops;
	for (i = 0; list && i < list->nr; i++)
		if (list->ops[i] != skip && ftrace_ops_traces(list->ops[i], ip))
			return list->ops[i];
	return &ftrace_stub_ops;	/* not reached: the count says one is there */
}

/*
 * What the entry of @f calls with @nr_ops ops on it, @skip not counted:
 * nothing, a direct trampoline it reaches when that is its only ops, or
 * else the object's veneer to the shared trampoline.
 */
static uintptr_t entry_target(const struct ftrace_object *obj,
			      const struct ftrace_func *f, unsigned int nr_ops,
			      const struct tp_ftrace_ops *skip)
{
	const struct tp_ftrace_ops *ops;
	uint8_t insn[TP_MAX_INSN_LEN];

	if (!nr_ops)
		return 0;
	ops = slot_value(f->layout.func, nr_ops, skip);
	if (ops->state && ops->state->kind == FTRACE_OPS_DIRECT &&
	    arch_ftrace_toggle_insn(&f->layout, obj->veneer, ops->state->target, insn) >= 0)
		return ops->state->target;
	return obj->veneer;
}

static int entry_add(struct tp_batch *batch, const struct ftrace_object *obj,
		     const struct ftrace_func *f, uintptr_t target)
{
	uint8_t old[TP_MAX_INSN_LEN], new[TP_MAX_INSN_LEN];
	int err = arch_ftrace_toggle_insn(&f->layout, obj->veneer, f->target, old);

	if (err >= 0)
		err = arch_ftrace_toggle_insn(&f->layout, obj->veneer, target, new);
	if (err < 0)
		return err;
	return tp_batch_add(batch, (void *)f->layout.toggle, old, new,
			    f->layout.toggle_len);
}

/*
 * One batch moving every entry of @funcs to what it should call once
 * the ops counts changed by @delta (@skip, the ops going away, not
 * counted): each is one instruction, so the engine takes the cheapest
 * protocol (nosync on arm64 and riscv, breakpoint on x86).  The targets
 * are kept only when the batch is in.
 */
static int entries_sync(const struct traced_func *funcs, size_t nr, int delta,
			const struct tp_ftrace_ops *skip)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		struct ftrace_object *obj;
		const struct ftrace_func *f = ftrace_func_find(&funcs[i], &obj);
		uintptr_t target;

		if (!f)
			continue;
		target = entry_target(obj, f, f->nr_ops + delta, skip);
		if (target == f->target)
			continue;
		err = entry_add(batch, obj, f, target);
		empty = false;
	}
	if (!err && !empty)
		err = tp_batch_commit(batch, TP_BACKEND_AUTO);
	tp_batch_free(batch);
	for (i = 0; i < nr && !err && !empty; i++) {
		struct ftrace_object *obj;
		struct ftrace_func *f = ftrace_func_find(&funcs[i], &obj);

		if (f)
			f->target = entry_target(obj, f, f->nr_ops + delta, skip);
	}
	return err;
}

/*
 * Store the slots of @funcs for ops counts changed by @delta, @ops being
 * the one that changes.  Counts are committed by the caller.
 */
static int slots_store(const struct traced_func *funcs, size_t nr, int delta,
		       const struct tp_ftrace_ops *ops)
{
	uintptr_t *addrs = malloc((nr ? nr : 1) * sizeof(*addrs));
	uint64_t *values = malloc((nr ? nr : 1) * sizeof(*values));
	size_t i, n = 0;
	int err = -ENOMEM;

	if (addrs && values) {
		for (i = 0; i < nr; i++) {
			const struct ftrace_func *f = ftrace_func_find(&funcs[i], NULL);

			if (!f)
				continue;
			addrs[n] = funcs[i].ip - FTRACE_SLOT_SIZE;
			values[n++] = (uintptr_t)slot_value(funcs[i].ip, f->nr_ops + delta,
							    delta < 0 ? ops : NULL);
		}
		err = text_store_words(addrs, values, n);
	}
	free(addrs);
	free(values);
	return err;
}

static void counts_add(const struct traced_func *funcs, size_t nr, int delta)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		struct ftrace_func *f = ftrace_func_find(&funcs[i], NULL);

		if (f)
			f->nr_ops += delta;
	}
}

/* Publish @list in place of the current one; the old one is returned. */
static struct ops_list *list_publish(struct ops_list *list)
{
	return __atomic_exchange_n(&ftrace_registered, list, __ATOMIC_RELEASE);
}

static struct ops_list *list_with(struct tp_ftrace_ops *add,
				  const struct tp_ftrace_ops *remove)
{
	size_t nr = ftrace_registered ? ftrace_registered->nr : 0, i;
	struct ops_list *list = malloc(sizeof(*list) + (nr + 1) * sizeof(list->ops[0]));

	if (!list)
		return NULL;
	list->nr = 0;
	for (i = 0; i < nr; i++)
		if (ftrace_registered->ops[i] != remove)
			list->ops[list->nr++] = ftrace_registered->ops[i];
	if (add)
		list->ops[list->nr++] = add;
	return list;
}

int ftrace_register_locked(struct tp_ftrace_ops *ops)
{
	struct tp_ftrace_state *st = ops->state;
	struct ops_list *list, *old;
	int err = ftrace_objects_scan();

	if (!err)
		err = ops_resolve(st);
	if (!err)
		err = sites_init(st->funcs, st->nr_funcs);
	if (err)
		return err;
	list = list_with(ops, NULL);
	if (!list)
		return -ENOMEM;
	old = list_publish(list);
	err = slots_store(st->funcs, st->nr_funcs, 1, NULL);
	if (!err)
		err = entries_sync(st->funcs, st->nr_funcs, 1, NULL);
	if (err) {
		/* Nothing enabled: list back, slots back to what the counts say. */
		list_publish(old);
		slots_store(st->funcs, st->nr_funcs, 0, NULL);
		urcu_bp_synchronize_rcu();
		free(list);
		return err;
	}
	counts_add(st->funcs, st->nr_funcs, 1);
	st->registered = true;
	urcu_bp_synchronize_rcu();
	free(old);
	return 0;
}

int tp_register_ftrace_function(struct tp_ftrace_ops *ops)
{
	int err;

	if (!ops || !ops->func)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	err = ftrace_state_get(ops);
	if (!err && ops->state->registered)
		err = -EBUSY;
	if (!err)
		err = ftrace_register_locked(ops);
	ftrace_unlock();
	return err;
}

/*
 * Functions of objects unloaded since the ops was registered are skipped
 * by every step: their text is never touched again.
 */
int ftrace_unregister_locked(struct tp_ftrace_ops *ops)
{
	struct tp_ftrace_state *st = ops->state;
	struct ops_list *list;
	int err = ftrace_objects_scan();

	if (err)
		return err;
	list = list_with(NULL, ops);
	if (!list)
		return -ENOMEM;
	/*
	 * Slots first: a thread that took the call just before the toggle
	 * and is slow to reach the dispatcher must find the stub (or the
	 * ops that stays), never this one after the grace period.  Undone
	 * if the toggle fails, so a registered ops is never skipped.
	 */
	err = slots_store(st->funcs, st->nr_funcs, -1, ops);
	if (!err) {
		err = entries_sync(st->funcs, st->nr_funcs, -1, ops);
		if (err)
			slots_store(st->funcs, st->nr_funcs, 0, NULL);
	}
	if (err) {
		free(list);
		return err;
	}
	counts_add(st->funcs, st->nr_funcs, -1);
	st->registered = false;
	list = list_publish(list);
	/* No thread is inside the callback, nor can enter it, after this. */
	urcu_bp_synchronize_rcu();
	free(list);
	return 0;
}

int tp_unregister_ftrace_function(struct tp_ftrace_ops *ops)
{
	int err;

	if (!ops)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	if (!ops->state || !ops->state->registered) {
		err = -ENOENT;
	} else {
		err = ftrace_unregister_locked(ops);
	}
	ftrace_unlock();
	return err;
}

/*
 * After a direct ops' trampoline changed: the entries that call it
 * straight call the new one (or the veneer, when it is out of reach).
 */
int ftrace_entries_update(struct tp_ftrace_ops *ops)
{
	return entries_sync(ops->state->funcs, ops->state->nr_funcs, 0, NULL);
}
