// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Moving a registered ops from the set of functions it traces to another:
 * at register (from none), unregister (to none), a filter changed while
 * registered, or objects loaded or unloaded since.  One move is one
 * engine batch for the entries, whatever the number of functions, and
 * either all of it happens or none of it.
 *
 * Order, so that a thread entering a function always finds a valid ops
 * in its slot and the dispatcher never calls an ops for a function it
 * has left: site init of the functions added (stop_machine, once per
 * function), publish the union of both sets, store the slots, move the
 * entries, publish the new set, wait for a grace period.  The slot of
 * each function holds the ops itself when it is the only one, the list
 * ops when there are several, the stub when none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <urcu-bp.h>

#include "ftrace_internal.h"
#include "../internal.h"

/* The protocol of the entries' batches (tp_ftrace_set_backend). */
enum tp_backend ftrace_backend = TP_BACKEND_AUTO;

/*
 * One function whose count of ops changes by @delta (+1 or -1), with
 * where it is, found once: every step of a move reads it.
 */
struct ftrace_change {
	struct traced_func t;
	int delta;
	struct ftrace_func *f;
	struct ftrace_object *obj;
	uintptr_t target;		/* what its entry calls once moved */
};

/* A change for @t if its object is still loaded; false otherwise. */
static bool change_of(struct ftrace_change *c, const struct traced_func *t, int delta)
{
	c->t = *t;
	c->delta = delta;
	c->f = ftrace_func_find(t, &c->obj);
	return c->f != NULL;
}

static int compare_traced(const void *a, const void *b)
{
	const struct traced_func *x = a, *y = b;

	if (x->ip != y->ip)
		return x->ip < y->ip ? -1 : 1;
	return x->load < y->load ? -1 : x->load > y->load;
}

struct ftrace_set *ftrace_set_new(size_t nr)
{
	struct ftrace_set *set = malloc(sizeof(*set) + (nr ? nr : 1) * sizeof(set->funcs[0]));

	if (set)
		set->nr = 0;
	return set;
}

void ftrace_set_sort(struct ftrace_set *set)
{
	qsort(set->funcs, set->nr, sizeof(set->funcs[0]), compare_traced);
}

static bool set_has(const struct ftrace_set *set, const struct traced_func *t)
{
	return set && bsearch(t, set->funcs, set->nr, sizeof(*t), compare_traced);
}

/* @a and @b together, sorted. */
static struct ftrace_set *set_union(const struct ftrace_set *a, const struct ftrace_set *b)
{
	size_t na = a ? a->nr : 0, i;
	struct ftrace_set *u = ftrace_set_new(na + b->nr);

	if (!u)
		return NULL;
	if (na)
		memcpy(u->funcs, a->funcs, na * sizeof(a->funcs[0]));
	u->nr = na;
	for (i = 0; i < b->nr; i++)
		if (!set_has(a, &b->funcs[i]))
			u->funcs[u->nr++] = b->funcs[i];
	if (na)				/* else it is @b, sorted already */
		ftrace_set_sort(u);
	return u;
}

/* The functions still loaded that are in one set and not the other. */
static struct ftrace_change *set_diff(const struct ftrace_set *old,
				      const struct ftrace_set *new, size_t *nr)
{
	size_t nold = old ? old->nr : 0, i, n = 0;
	struct ftrace_change *c = malloc((nold + new->nr + 1) * sizeof(*c));

	if (!c)
		return NULL;
	for (i = 0; i < nold; i++)
		if (!set_has(new, &old->funcs[i]))
			n += change_of(&c[n], &old->funcs[i], -1);
	for (i = 0; i < new->nr; i++)
		if (!set_has(old, &new->funcs[i]))
			n += change_of(&c[n], &new->funcs[i], +1);
	*nr = n;
	return c;
}

/*
 * The fixed part of every site added and not yet initialised, in one
 * stop_machine batch: the sites are several instructions (x86: five
 * 1-byte NOPs), and the engine parks every thread outside them first.
 */
static int sites_init(const struct ftrace_change *c, size_t nr)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		struct ftrace_object *obj = c[i].obj;
		struct ftrace_func *f = c[i].f;
		uint8_t insns[TP_MAX_INSN_LEN];

		if (c[i].delta < 0 || f->initialised)
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
		if (c[i].delta > 0)
			c[i].f->initialised = true;
	return err;
}

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

/* @skip: the ops whose functions these are, when it is leaving them. */
static const struct tp_ftrace_ops *skip_of(const struct ftrace_change *c,
					   const struct tp_ftrace_ops *ops)
{
	return c->delta < 0 ? ops : NULL;
}

/*
 * The slot's value once @c is made.  @ops joining a function no other ops
 * traces is the common case of a large registration: no search for it.
 */
static struct tp_ftrace_ops *change_slot(const struct ftrace_change *c,
					 const struct tp_ftrace_ops *ops)
{
	if (c->delta > 0 && c->f->nr_ops == 0)
		return (struct tp_ftrace_ops *)ops;
	return slot_value(c->t.ip, c->f->nr_ops + c->delta, skip_of(c, ops));
}

/*
 * What the entry of @c's function calls once @c is made: nothing, a
 * direct trampoline it reaches when that is its only ops, or else the
 * object's veneer to the shared trampoline.
 */
static uintptr_t entry_target(const struct ftrace_change *c, const struct tp_ftrace_ops *ops)
{
	const struct ftrace_func *f = c->f;
	uint8_t insn[TP_MAX_INSN_LEN];

	if (!(f->nr_ops + c->delta))
		return 0;
	ops = change_slot(c, ops);
	if (ops->state && ops->state->kind == FTRACE_OPS_DIRECT &&
	    arch_ftrace_toggle_insn(&f->layout, c->obj->veneer, ops->state->target, insn) >= 0)
		return ops->state->target;
	return c->obj->veneer;
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
 * One batch moving every entry of @c to what it should call once the
 * counts have changed: each is one instruction, so AUTO takes the
 * cheapest protocol (nosync on arm64 and riscv, breakpoint on x86), or
 * the one tp_ftrace_set_backend() chose.  The targets are kept only when
 * the batch is in.
 */
static int entries_sync(struct ftrace_change *c, size_t nr,
			const struct tp_ftrace_ops *ops)
{
	struct tp_batch *batch = tp_batch_new();
	bool empty = true;
	size_t i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		c[i].target = entry_target(&c[i], ops);
		if (c[i].target == c[i].f->target)
			continue;
		err = entry_add(batch, c[i].obj, c[i].f, c[i].target);
		empty = false;
	}
	if (!err && !empty)
		err = tp_batch_commit(batch, ftrace_backend);
	tp_batch_free(batch);
	for (i = 0; i < nr && !err && !empty; i++)
		c[i].f->target = c[i].target;
	return err;
}

/*
 * Store the slots of @c for their counts changed (@undo: as the counts
 * are now, which puts back what a failed move stored).
 */
static int slots_store(const struct ftrace_change *c, size_t nr,
		       const struct tp_ftrace_ops *ops, bool undo)
{
	uintptr_t *addrs = malloc((nr ? nr : 1) * sizeof(*addrs));
	uint64_t *values = malloc((nr ? nr : 1) * sizeof(*values));
	size_t i, n = 0;
	int err = -ENOMEM;

	if (addrs && values) {
		for (i = 0; i < nr; i++) {
			const struct ftrace_func *f = c[i].f;

			addrs[n] = c[i].t.ip - FTRACE_SLOT_SIZE;
			values[n++] = (uintptr_t)(undo ? slot_value(c[i].t.ip, f->nr_ops, NULL) :
						  change_slot(&c[i], ops));
		}
		err = text_store_words(addrs, values, n);
	}
	free(addrs);
	free(values);
	return err;
}

static void counts_add(const struct ftrace_change *c, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		c[i].f->nr_ops += c[i].delta;
}

static void set_publish(struct tp_ftrace_state *st, struct ftrace_set *set)
{
	__atomic_store_n(&st->set, set, __ATOMIC_RELEASE);
}

static int apply_changes(struct tp_ftrace_ops *ops, struct ftrace_change *c,
			 size_t nr)
{
	int err = slots_store(c, nr, ops, false);

	if (!err)
		err = entries_sync(c, nr, ops);
	if (err) {
		slots_store(c, nr, ops, true);
		return err;
	}
	counts_add(c, nr);
	return 0;
}

/*
 * Make @ops trace the functions of @new (which it takes) instead of
 * those it traces now.  @ops is in the list the dispatcher reads.
 * On error nothing changed, and @new is freed.
 */
int ftrace_ops_move(struct tp_ftrace_ops *ops, struct ftrace_set *new)
{
	struct tp_ftrace_state *st = ops->state;
	struct ftrace_set *old = st->set, *both = NULL;
	struct ftrace_change *c;
	size_t nr;
	int err = -ENOMEM;

	c = set_diff(old, new, &nr);
	if (c && !nr && old && old->nr == new->nr) {
		free(c);			/* the same functions */
		free(new);
		return 0;
	}
	if (c)
		both = set_union(old, new);
	if (both)
		err = sites_init(c, nr);
	if (!err) {
		set_publish(st, both);
		err = apply_changes(ops, c, nr);
		set_publish(st, err ? old : new);
		urcu_bp_synchronize_rcu();
	}
	free(both);
	free(c);
	free(err ? new : old);
	return err;
}

/*
 * After a direct ops' trampoline changed: the entries that call it
 * straight call the new one (or the veneer, when it is out of reach).
 */
int ftrace_entries_update(struct tp_ftrace_ops *ops)
{
	const struct ftrace_set *set = ops->state->set;
	struct ftrace_change *c = malloc((set->nr + 1) * sizeof(*c));
	size_t i, n;
	int err;

	if (!c)
		return -ENOMEM;
	for (i = 0, n = 0; i < set->nr; i++)
		n += change_of(&c[n], &set->funcs[i], 0);
	err = entries_sync(c, n, ops);
	free(c);
	return err;
}
