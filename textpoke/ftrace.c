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
 * entries on.  Off: toggle the entries off, store the slots, unpublish,
 * wait for a grace period (no thread is still inside the callback).
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
#include <sys/mman.h>
#include <unistd.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "internal.h"

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

struct tp_ftrace_state {
	char **globs[2];		/* FILTER, NOTRACE */
	size_t nr_globs[2];
	struct traced_func *funcs;	/* resolved at register, sorted by ip */
	size_t nr_funcs;
	bool registered;
};

enum { FILTER, NOTRACE };

/* The registered ops, as the list dispatch reads them (RCU). */
struct ops_list {
	size_t nr;
	struct tp_ftrace_ops *ops[];
};

static pthread_mutex_t ftrace_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t ftrace_once = PTHREAD_ONCE_INIT;
static struct ftrace_object *objects;
static struct ops_list *registered;
static unsigned long loads;
static unsigned long long scanned_adds = ~0ull, scanned_subs = ~0ull;

/* Slot values that are not a registered ops. */
static struct tp_ftrace_ops stub_ops;
static struct tp_ftrace_ops list_ops;

/*
 * Inside a callback on this thread.  initial-exec: the dispatcher runs in
 * any context, and a dynamic TLS access may allocate.
 */
static __thread bool in_callback __attribute__((tls_model("initial-exec")));

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

static int ftrace_lock(void)
{
	if (in_callback)
		return -EDEADLK;
	pthread_once(&ftrace_once, ftrace_init);
	pthread_mutex_lock(&ftrace_mutex);
	return 0;
}

static void ftrace_unlock(void)
{
	pthread_mutex_unlock(&ftrace_mutex);
}

/* --- the dispatcher ------------------------------------------------------ */

static bool ops_traces(const struct tp_ftrace_ops *ops, uintptr_t ip)
{
	const struct tp_ftrace_state *st = ops->state;
	size_t lo = 0, hi = st->nr_funcs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->funcs[mid].ip < ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->nr_funcs && st->funcs[lo].ip == ip;
}

static void call_ops(struct tp_ftrace_ops *ops, uintptr_t ip, uintptr_t parent,
		     struct tp_ftrace_regs *regs)
{
	bool nested = in_callback;

	if (nested && !(ops->flags & TP_FTRACE_OPS_FL_RECURSION_SAFE))
		return;
	in_callback = true;
	ops->func(ip, parent, ops, regs);
	in_callback = nested;
}

static void call_list(uintptr_t ip, uintptr_t parent, struct tp_ftrace_regs *regs)
{
	const struct ops_list *list = __atomic_load_n(&registered, __ATOMIC_ACQUIRE);
	size_t i;

	for (i = 0; list && i < list->nr; i++)
		if (ops_traces(list->ops[i], ip))
			call_ops(list->ops[i], ip, parent, regs);
}

/*
 * Every traced entry comes here from the trampoline.  The slot is read
 * inside the RCU read section, so an ops that unregistration replaced is
 * either seen whole before the grace period or not at all.
 * Async-signal-safe: no locks, no allocation (urcu-bp's read side).
 */
void ftrace_dispatch(uintptr_t ret, uintptr_t parent, struct tp_ftrace_regs *regs)
{
	uintptr_t ip = arch_ftrace_func_of(ret);
	struct tp_ftrace_ops *const *slot = (void *)(ip - FTRACE_SLOT_SIZE);
	struct tp_ftrace_ops *ops;
	int saved_errno = errno;

	urcu_bp_read_lock();
	ops = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (ops == &list_ops)
		call_list(ip, parent, regs);
	else if (ops != &stub_ops)
		call_ops(ops, ip, parent, regs);
	urcu_bp_read_unlock();
	errno = saved_errno;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	return regs ? arch_ftrace_regs_argument(regs, n) : 0;
}

/* --- the loaded objects -------------------------------------------------- */

struct loaded {
	char *path;
	uintptr_t base;
	const ElfW(Phdr) *phdr;
	int phnum;
};

struct scan {
	struct loaded *objs;
	size_t nr, cap;
	unsigned long long adds, subs;
	int err;
};

static int collect_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	struct scan *scan = data;
	const char *name = info->dlpi_name;
	struct loaded *l;

	(void)size;
	scan->adds = info->dlpi_adds;
	scan->subs = info->dlpi_subs;
	if (!name || !*name) {
		/* The executable comes first; an unnamed later one (vDSO) has no file. */
		if (scan->nr || scan->err)
			return 0;
		name = "/proc/self/exe";
	}
	if (scan->nr == scan->cap) {
		size_t cap = scan->cap ? scan->cap * 2 : 16;

		l = realloc(scan->objs, cap * sizeof(*l));
		if (!l) {
			scan->err = -ENOMEM;
			return 1;
		}
		scan->objs = l;
		scan->cap = cap;
	}
	l = &scan->objs[scan->nr];
	l->path = strdup(name);
	if (!l->path) {
		scan->err = -ENOMEM;
		return 1;
	}
	l->base = info->dlpi_addr;
	l->phdr = info->dlpi_phdr;
	l->phnum = info->dlpi_phnum;
	scan->nr++;
	return 0;
}

static struct ftrace_object *object_find(const struct loaded *l)
{
	struct ftrace_object *obj;

	for (obj = objects; obj; obj = obj->next)
		if (obj->base == l->base && obj->phdr == l->phdr && !strcmp(obj->path, l->path))
			return obj;
	return NULL;
}

/* Whether @f's site holds what site init wrote, tracing on or off. */
static bool site_is_initialised(const struct ftrace_object *obj,
				const struct ftrace_func *f)
{
	uint8_t want[TP_MAX_INSN_LEN];
	size_t toggle_at = f->layout.toggle - f->layout.site;
	const void *site = (const void *)f->layout.site;

	if (arch_ftrace_init_insns(&f->layout, obj->veneer, want) < 0)
		return false;
	if (!memcmp(site, want, f->layout.site_len))
		return true;
	if (arch_ftrace_toggle_insn(&f->layout, obj->veneer, true, want + toggle_at) < 0)
		return false;
	return !memcmp(site, want, f->layout.site_len);
}

/*
 * An object unloaded and loaded again at the same address between two
 * scans looks the same to the loader's list, but its sites are as the
 * compiler left them again: an initialised site that is not says so.
 * (arm64 must never get a BL without its MOV X9, X30.)
 */
static bool object_reloaded(const struct ftrace_object *obj)
{
	size_t i;

	for (i = 0; i < obj->nr; i++)
		if (obj->funcs[i].initialised)
			return !site_is_initialised(obj, &obj->funcs[i]);
	return false;
}

/*
 * A new object: its functions, or none when its file cannot be read (the
 * vDSO, a deleted file); it is remembered either way, so that it is read
 * once.
 */
static int object_add(const struct loaded *l)
{
	struct ftrace_object *obj = calloc(1, sizeof(*obj));
	int err;

	if (!obj)
		return -ENOMEM;
	obj->base = l->base;
	obj->phdr = l->phdr;
	obj->load = ++loads;
	obj->seen = true;
	obj->path = strdup(l->path);
	if (!obj->path) {
		free(obj);
		return -ENOMEM;
	}
	err = ftrace_elf_load(obj, l->path, l->base, l->phdr, l->phnum);
	if (err == -ENOMEM) {
		ftrace_object_free(obj);
		return err;
	}
	obj->next = objects;
	objects = obj;
	return 0;
}

/*
 * Forget the objects that were unloaded: their text is gone and nothing
 * may touch it again.  Their veneer pages stay mapped: a thread
 * preempted inside one must not fault there.
 */
static void objects_prune(void)
{
	struct ftrace_object **link = &objects, *obj;

	while ((obj = *link)) {
		if (obj->seen) {
			link = &obj->next;
			continue;
		}
		*link = obj->next;
		ftrace_object_free(obj);
	}
}

/* Bring the object list up to date with the loader's, when it changed. */
static int objects_scan(void)
{
	struct scan scan = { 0 };
	struct ftrace_object *obj;
	size_t i;
	int err;

	dl_iterate_phdr(collect_loaded, &scan);
	err = scan.err;
	if (!err && scan.adds == scanned_adds && scan.subs == scanned_subs)
		goto out;
	for (obj = objects; obj && !err; obj = obj->next)
		obj->seen = false;
	for (i = 0; i < scan.nr && !err; i++) {
		obj = object_find(&scan.objs[i]);
		if (obj && object_reloaded(obj))
			obj = NULL;	/* left unseen: pruned below */
		if (obj)
			obj->seen = true;
		else
			err = object_add(&scan.objs[i]);
	}
	if (!err) {
		objects_prune();
		scanned_adds = scan.adds;
		scanned_subs = scan.subs;
	}
out:
	for (i = 0; i < scan.nr; i++)
		free(scan.objs[i].path);
	free(scan.objs);
	return err;
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
	if (st->nr_globs[FILTER] && (!f->name ||
	    !glob_any(st->globs[FILTER], st->nr_globs[FILTER], f->name)))
		return false;
	return !f->name || !glob_any(st->globs[NOTRACE], st->nr_globs[NOTRACE], f->name);
}

/* The function @t names, if that load of its object is still there. */
static struct ftrace_func *func_find(const struct traced_func *t,
				     struct ftrace_object **owner)
{
	struct ftrace_object *obj;
	uintptr_t ip = t->ip;

	for (obj = objects; obj; obj = obj->next) {
		if (obj->load != t->load)
			continue;
		size_t lo = 0, hi = obj->nr;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (obj->funcs[mid].layout.func < ip)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < obj->nr && obj->funcs[lo].layout.func == ip) {
			if (owner)
				*owner = obj;
			return &obj->funcs[lo];
		}
	}
	return NULL;
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

	for (obj = objects; obj; obj = obj->next)
		for (i = 0; i < obj->nr; i++)
			nr += ops_wants(st, &obj->funcs[i]);
	if (!nr)
		return -ENOENT;
	funcs = malloc(nr * sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	nr = 0;
	for (obj = objects; obj; obj = obj->next)
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

	for (obj = objects; obj; obj = obj->next)
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
	err = objects_scan();
	nr = err ? err : count_matches(glob);
	ftrace_unlock();
	return nr;
}

/* --- filters ------------------------------------------------------------------ */

static int state_get(struct tp_ftrace_ops *ops)
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
	err = state_get(ops);
	if (!err && ops->state->registered)
		err = -EBUSY;
	if (!err && glob) {
		err = objects_scan();
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

static bool veneer_reaches(const struct ftrace_object *obj, uintptr_t at, size_t len)
{
	uintptr_t reach = arch_ftrace_veneer_reach();
	uintptr_t lo = obj->funcs[0].layout.func;
	uintptr_t hi = obj->funcs[obj->nr - 1].layout.func;

	if (at < lo)
		return hi - at < reach;
	return at + len - lo < reach;
}

static int veneer_try(struct ftrace_object *obj, uintptr_t hint, size_t page)
{
	uint8_t *p = mmap((void *)hint, page, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (!veneer_reaches(obj, (uintptr_t)p, page)) {
		munmap(p, page);
		return -ERANGE;
	}
	arch_ftrace_veneer(p, (uintptr_t)p, (uintptr_t)arch_ftrace_caller);
	/* No thread runs it before a site is enabled: no flush race. */
	if (mprotect(p, page, PROT_READ | PROT_EXEC)) {
		munmap(p, page);
		return -EACCES;
	}
	arch_flush_icache((uintptr_t)p, page);
	obj->veneer = (uintptr_t)p;
	return 0;
}

/*
 * A page near the object's functions that jumps to the trampoline: the
 * one-instruction call of a site reaches only so far (arm64 BL 128 MiB,
 * x86 rel32 and riscv AUIPC 2 GiB), and the library may be loaded
 * anywhere.  Below the object first: above an executable lies its heap.
 */
static int object_veneer(struct ftrace_object *obj)
{
	size_t page = sysconf(_SC_PAGESIZE);
	uintptr_t reach = arch_ftrace_veneer_reach();
	uintptr_t lo = obj->funcs[0].layout.func & ~(uintptr_t)(page - 1);
	uintptr_t hi = (obj->funcs[obj->nr - 1].layout.func + page) & ~(uintptr_t)(page - 1);
	uintptr_t step = reach / 64 & ~(uintptr_t)(page - 1);
	unsigned int i;

	if (obj->veneer)
		return 0;
	if (hi - lo >= reach)
		return -ERANGE;
	for (i = 1; i < 64; i++) {
		uintptr_t down = lo - i * step, up = hi + (i - 1) * step;

		if (down < lo && !veneer_try(obj, down, page))
			return 0;
		if (up > hi && !veneer_try(obj, up, page))
			return 0;
	}
	return -ERANGE;
}

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
		struct ftrace_func *f = func_find(&funcs[i], &obj);
		uint8_t insns[TP_MAX_INSN_LEN];

		if (f->initialised)
			continue;
		err = object_veneer(obj);
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
		func_find(&funcs[i], NULL)->initialised = true;
	return err;
}

/* --- enabling and disabling ------------------------------------------------- */

static int toggle_add(struct tp_batch *batch, const struct traced_func *t, bool on)
{
	struct ftrace_object *obj;
	struct ftrace_func *f = func_find(t, &obj);
	uint8_t old[TP_MAX_INSN_LEN], new[TP_MAX_INSN_LEN];
	int err = arch_ftrace_toggle_insn(&f->layout, obj->veneer, !on, old);

	if (err >= 0)
		err = arch_ftrace_toggle_insn(&f->layout, obj->veneer, on, new);
	if (err < 0)
		return err;
	return tp_batch_add(batch, (void *)f->layout.toggle, old, new,
			    f->layout.toggle_len);
}

/*
 * One batch for the entries of @funcs whose ops count goes from 0 to 1
 * (@on) or from 1 to 0: each is one instruction, so the engine takes the
 * cheapest protocol (nosync on arm64 and riscv, breakpoint on x86).
 */
static int toggle_funcs(const struct traced_func *funcs, size_t nr, bool on)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		const struct ftrace_func *f = func_find(&funcs[i], NULL);

		if (!f || f->nr_ops != (on ? 0u : 1u))
			continue;
		err = toggle_add(batch, &funcs[i], on);
		empty = false;
	}
	if (!err && !empty)
		err = tp_batch_commit(batch, TP_BACKEND_AUTO);
	tp_batch_free(batch);
	return err;
}

/* The registered ops other than @skip that trace @ip: the slot's value. */
static struct tp_ftrace_ops *slot_value(uintptr_t ip, unsigned int nr_ops,
					const struct tp_ftrace_ops *skip)
{
	const struct ops_list *list = registered;
	size_t i;

	if (nr_ops == 0)
		return &stub_ops;
	if (nr_ops > 1)
		return &list_ops;
	for (i = 0; list && i < list->nr; i++)
		if (list->ops[i] != skip && ops_traces(list->ops[i], ip))
			return list->ops[i];
	return &stub_ops;	/* not reached: the count says one is there */
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
			const struct ftrace_func *f = func_find(&funcs[i], NULL);

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
		struct ftrace_func *f = func_find(&funcs[i], NULL);

		if (f)
			f->nr_ops += delta;
	}
}

/* Publish @list in place of the current one; the old one is returned. */
static struct ops_list *list_publish(struct ops_list *list)
{
	return __atomic_exchange_n(&registered, list, __ATOMIC_RELEASE);
}

static struct ops_list *list_with(struct tp_ftrace_ops *add,
				  const struct tp_ftrace_ops *remove)
{
	size_t nr = registered ? registered->nr : 0, i;
	struct ops_list *list = malloc(sizeof(*list) + (nr + 1) * sizeof(list->ops[0]));

	if (!list)
		return NULL;
	list->nr = 0;
	for (i = 0; i < nr; i++)
		if (registered->ops[i] != remove)
			list->ops[list->nr++] = registered->ops[i];
	if (add)
		list->ops[list->nr++] = add;
	return list;
}

static int register_locked(struct tp_ftrace_ops *ops)
{
	struct tp_ftrace_state *st = ops->state;
	struct ops_list *list, *old;
	int err = objects_scan();

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
		err = toggle_funcs(st->funcs, st->nr_funcs, true);
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
	err = state_get(ops);
	if (!err && ops->state->registered)
		err = -EBUSY;
	if (!err)
		err = register_locked(ops);
	ftrace_unlock();
	return err;
}

/*
 * Functions of objects unloaded since the ops was registered are skipped
 * by every step: their text is never touched again.
 */
static int unregister_locked(struct tp_ftrace_ops *ops)
{
	struct tp_ftrace_state *st = ops->state;
	struct ops_list *list;
	int err = objects_scan();

	if (err)
		return err;
	list = list_with(NULL, ops);
	if (!list)
		return -ENOMEM;
	err = toggle_funcs(st->funcs, st->nr_funcs, false);
	if (!err)
		err = slots_store(st->funcs, st->nr_funcs, -1, ops);
	if (err) {
		free(list);
		return err;
	}
	counts_add(st->funcs, st->nr_funcs, -1);
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
		err = unregister_locked(ops);
		if (!err)
			ops->state->registered = false;
	}
	ftrace_unlock();
	return err;
}
