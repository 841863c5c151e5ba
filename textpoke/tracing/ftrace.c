// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-entry tracing on the engine.
 *
 * The core decides: which functions an ops traces (globs on the names
 * ftrace_elf.c found), which ops pointer each function's slot holds (the
 * ops itself when it is the only one, the list ops when there are
 * several, the stub ops when none), when a site is initialised, and that
 * one register or unregister is one engine batch: the slots and the
 * one-instruction toggles, all written or none.  The arch layer only
 * says which bytes those are.
 *
 * Order of a change, so that a thread entering a function always finds a
 * valid ops in its slot: publish the ops for the list dispatch, then the
 * batch, which stores the slots before it turns the entries on (with
 * site init, under stop_machine, for a function traced the first time).
 * Off: the batch stores the slots (the stub, or the ops that stays)
 * before it turns the entries off; unpublish, wait for a grace period
 * (no thread is still inside the callback).
 *
 * Locking: ftrace_mutex, then the engine's text mutex (inside the engine
 * calls).  dl_iterate_phdr() takes only the loader's list lock, never the
 * lock dlopen() holds while it runs constructors.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>

#include "ftrace_glob.h"
#include "ftrace_internal.h"
#include "../internal.h"

enum { FILTER, NOTRACE };

static pthread_mutex_t ftrace_mutex = PTHREAD_MUTEX_INITIALIZER;
static int fork_handlers_err;

static void fork_prepare(void)
{
	pthread_mutex_lock(&ftrace_mutex);
}

static void fork_parent(void)
{
	pthread_mutex_unlock(&ftrace_mutex);
}

static void fork_child(void)
{
	ftrace_graph_fork_child();
	pthread_mutex_unlock(&ftrace_mutex);
}

/* After the engine's, before any call (internal.h): this mutex is taken first. */
__attribute__((constructor(FORK_HANDLERS_CLIENT)))
static void fork_handlers_register(void)
{
	fork_handlers_err = -pthread_atfork(fork_prepare, fork_parent, fork_child);
}

bool ftrace_thread_in_callback(void)
{
	return ftrace_thread.in_callback;
}

/* The text mutex comes after this one: an event callback may not take it. */
int ftrace_lock(void)
{
	if (in_library_callback())
		return -EDEADLK;
	if (fork_handlers_err)
		return fork_handlers_err;
	pthread_mutex_lock(&ftrace_mutex);
	return 0;
}

void ftrace_unlock(void)
{
	pthread_mutex_unlock(&ftrace_mutex);
}

/* --- which functions an ops traces ----------------------------------------- */

/* @ops stops tracing the functions of unloaded objects: nothing is written. */
static int ops_forget_unloaded(struct tp_ftrace_ops *ops)
{
	const struct ftrace_set *old = ops->state->set;
	struct ftrace_set *set;
	size_t i, nr = 0;

	for (i = 0; old && i < old->nr; i++)
		nr += ftrace_func_find(&old->funcs[i], NULL) != NULL;
	if (!old || nr == old->nr)
		return 0;
	set = ftrace_set_new(nr);
	if (!set)
		return -ENOMEM;
	for (i = 0; i < old->nr; i++)
		if (ftrace_func_find(&old->funcs[i], NULL))
			set->funcs[set->nr++] = old->funcs[i];
	return ftrace_ops_move(ops, set);
}

/*
 * The objects as the loader has them now, and nothing left of those
 * unloaded since: no registered ops traces their functions any more,
 * and a direct call or redirection of one of them is gone, so that an
 * object loaded again, at the same address or not, starts with nothing
 * on it.  Until this has succeeded once, every call that needs the
 * objects tries it again.
 */
int ftrace_objects_update(void)
{
	const struct ops_list *list;
	size_t i;
	int err = ftrace_objects_scan();

	if (err || !ftrace_objects_unloaded)
		return err;
	ftrace_objects_unloaded = false;	/* unregistering comes back here */
	list = ftrace_registered;
	for (i = 0; list && i < list->nr && !err; i++)
		err = ops_forget_unloaded(list->ops[i]);
	if (!err)
		err = ftrace_modifiers_forget();
	if (err)
		ftrace_objects_unloaded = true;
	return err;
}

/* The globs of an ops, read once for a pass over every function. */
struct ops_globs {
	size_t nr[2];			/* FILTER, NOTRACE */
	struct ftrace_glob *of[2];
};

static int ops_globs_init(struct ops_globs *g, const struct tp_ftrace_state *st)
{
	size_t nr = st->nr_globs[FILTER] + st->nr_globs[NOTRACE], i;
	int which;

	g->of[FILTER] = malloc((nr ? nr : 1) * sizeof(*g->of[FILTER]));
	if (!g->of[FILTER])
		return -ENOMEM;
	g->of[NOTRACE] = g->of[FILTER] + st->nr_globs[FILTER];
	for (which = FILTER; which <= NOTRACE; which++) {
		g->nr[which] = st->nr_globs[which];
		for (i = 0; i < g->nr[which]; i++)
			ftrace_glob_init(&g->of[which][i], st->globs[which][i]);
	}
	return 0;
}

static bool glob_any(const struct ftrace_glob *globs, size_t nr, const char *name)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (ftrace_glob_match(&globs[i], name))
			return true;
	return false;
}

/* With no filter every function is traced, named or not. */
static bool ops_wants(const struct tp_ftrace_state *st, const struct ops_globs *g,
		      const struct ftrace_func *f)
{
	if (st->ip)
		return f->layout.func == st->ip;
	if (g->nr[FILTER] && (!f->name || !glob_any(g->of[FILTER], g->nr[FILTER], f->name)))
		return false;
	return !f->name || !glob_any(g->of[NOTRACE], g->nr[NOTRACE], f->name);
}

/*
 * Every loaded function @st wants, sorted; -ENOENT when there is none.
 * One pass over the names into room for all of them: a glob is matched
 * once a name, and the room left over is given back.  The set @st traced
 * last, when nothing it was made from changed since: tracing switched
 * off and on again with the same filters matches no name again.
 */
static int ops_resolve(struct tp_ftrace_state *st, struct ftrace_set **out)
{
	struct ftrace_set *set = st->resolved, *smaller;
	struct ftrace_object *obj;
	struct ops_globs g;
	size_t total = 0, i;
	int err;

	st->resolved = NULL;
	if (set && set->objects_gen == ftrace_objects_gen && set->filter_gen == st->filter_gen) {
		*out = set;
		return 0;
	}
	free(set);
	err = ops_globs_init(&g, st);
	if (err)
		return err;
	for (obj = ftrace_objects; obj; obj = obj->next)
		total += obj->nr;
	set = ftrace_set_new(total);
	for (obj = ftrace_objects; set && obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			if (ops_wants(st, &g, &obj->funcs[i]))
				set->funcs[set->nr++] = (struct traced_func){
					obj->funcs[i].layout.func, obj->load };
	free(g.of[FILTER]);
	if (!set)
		return -ENOMEM;
	if (!set->nr) {
		free(set);
		return -ENOENT;
	}
	if (set->nr < total / 2) {
		smaller = realloc(set, sizeof(*set) + set->nr * sizeof(set->funcs[0]));
		set = smaller ? smaller : set;
	}
	ftrace_set_sort(set);
	set->objects_gen = ftrace_objects_gen;
	set->filter_gen = st->filter_gen;
	*out = set;
	return 0;
}

/* Functions named by @glob (NULL: every function, named or not). */
static bool glob_names(const struct ftrace_glob *g, const char *pattern,
		       const struct ftrace_func *f)
{
	return !pattern || (f->name && ftrace_glob_match(g, f->name));
}

static long count_matches(const char *glob)
{
	struct ftrace_object *obj;
	struct ftrace_glob g = { 0 };
	long nr = 0;
	size_t i;

	if (glob)
		ftrace_glob_init(&g, glob);
	for (obj = ftrace_objects; obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			nr += glob_names(&g, glob, &obj->funcs[i]);
	return nr;
}

long tp_ftrace_count_functions(const char *glob)
{
	long nr;
	int err = ftrace_lock();

	if (err)
		return err;
	err = ftrace_objects_update();
	nr = err ? err : count_matches(glob);
	ftrace_unlock();
	return nr;
}

int ftrace_for_each_function(const char *glob,
			     int (*fn)(uintptr_t ip, const char *name, void *data),
			     void *data)
{
	struct ftrace_object *obj;
	struct ftrace_glob g = { 0 };
	size_t i;
	int err = ftrace_lock();

	if (err)
		return err;
	if (glob)
		ftrace_glob_init(&g, glob);
	err = ftrace_objects_update();
	for (obj = ftrace_objects; obj && !err; obj = obj->next)
		for (i = 0; i < obj->nr && !err; i++)
			if (obj->funcs[i].name && glob_names(&g, glob, &obj->funcs[i]))
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

static void globs_free(char **globs, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(globs[i]);
	free(globs);
}

static void globs_clear(struct tp_ftrace_state *st, int which)
{
	globs_free(st->globs[which], st->nr_globs[which]);
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

/*
 * The new globs, and for a registered ops the move to the functions they
 * name; on error the old globs are back and nothing changed.
 */
static int globs_change(struct tp_ftrace_ops *ops, int which, const char *glob,
			bool reset)
{
	struct tp_ftrace_state *st = ops->state;
	char **saved = st->globs[which];
	size_t nr_saved = st->nr_globs[which], i;
	struct ftrace_set *set;
	int err = 0;

	/* Even put back, they are not what a kept set was made from. */
	st->filter_gen++;
	st->globs[which] = NULL;
	st->nr_globs[which] = 0;
	for (i = 0; i < nr_saved && !reset && !err; i++)
		err = globs_add(st, which, saved[i]);
	if (!err && glob)
		err = globs_add(st, which, glob);
	if (!err && st->registered) {
		err = ops_resolve(st, &set);
		if (!err)
			err = ftrace_ops_move(ops, set);
	}
	if (err) {
		globs_clear(st, which);
		st->globs[which] = saved;
		st->nr_globs[which] = nr_saved;
	} else {
		globs_free(saved, nr_saved);
	}
	return err;
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
	if (!err && (glob || ops->state->registered))
		err = ftrace_objects_update();
	if (!err && glob && !count_matches(glob))
		err = -ENOENT;
	if (!err)
		err = globs_change(ops, which, glob, reset);
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
		free(ops->state->set);
		free(ops->state->resolved);
		free(ops->state);
		ops->state = NULL;
	}
	ftrace_unlock();
	return err;
}

/* --- registering ----------------------------------------------------------- */

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
	struct ftrace_set *set;
	int err = ftrace_objects_update();

	if (!err)
		err = ops_resolve(st, &set);
	if (err)
		return err;
	list = list_with(ops, NULL);
	if (!list) {
		free(set);
		return -ENOMEM;
	}
	old = list_publish(list);
	err = ftrace_ops_move(ops, set);
	if (err) {
		list_publish(old);
		urcu_bp_synchronize_rcu();
		free(list);
		return err;
	}
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
 * Functions of objects unloaded since the ops was registered are
 * forgotten first (ftrace_objects_update()): their text is never
 * touched again.  The move to no function at all stores the slots
 * first: a thread that took the call just before the entry changed and
 * is slow to reach the dispatcher finds the stub (or the ops that
 * stays), never this one after the grace period.
 */
int ftrace_unregister_locked(struct tp_ftrace_ops *ops)
{
	struct tp_ftrace_state *st = ops->state;
	struct ops_list *list;
	struct ftrace_set *none = ftrace_set_new(0);
	int err = none ? ftrace_objects_update() : -ENOMEM;

	list = err ? NULL : list_with(NULL, ops);
	if (!list) {
		free(none);
		return err ?: -ENOMEM;
	}
	err = ftrace_ops_move(ops, none);
	if (err) {
		free(list);
		return err;
	}
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
 * Every registered ops that names its functions by glob moves to the
 * functions its globs name now: those of objects loaded since are
 * traced, those of objects unloaded are forgotten.
 */
static int update_ops(struct tp_ftrace_ops *ops)
{
	struct ftrace_set *set = NULL;
	int err = ops_resolve(ops->state, &set);

	if (err == -ENOENT)		/* everything it traced was unloaded */
		err = (set = ftrace_set_new(0)) ? 0 : -ENOMEM;
	return err ? err : ftrace_ops_move(ops, set);
}

int tp_ftrace_update_objects(void)
{
	const struct ops_list *list;
	size_t i;
	int err = ftrace_lock(), e;

	if (err)
		return err;
	err = ftrace_objects_update();
	list = err ? NULL : ftrace_registered;
	for (i = 0; list && i < list->nr; i++) {
		if (list->ops[i]->state->ip)
			continue;
		e = update_ops(list->ops[i]);
		err = err ?: e;
	}
	ftrace_unlock();
	return err;
}

int tp_ftrace_set_backend(enum tp_backend backend)
{
	int err;

	if (backend < TP_BACKEND_AUTO || backend > TP_BACKEND_STOP_MACHINE)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	ftrace_backend = backend;
	ftrace_unlock();
	return 0;
}
