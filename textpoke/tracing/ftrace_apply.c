// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Moving a registered ops from the set of functions it traces to another:
 * at register (from none), unregister (to none), a filter changed while
 * registered, or objects loaded or unloaded since.  One move is one
 * engine batch, whatever the number of functions, and either all of it
 * happens or none of it: every allocation and every check is made before
 * the batch writes anything, and the batch itself is all or nothing.
 *
 * The batch holds, for each function whose count of ops changes, its
 * ops slot (a data word the engine stores just before the protocol
 * runs, and puts back if it fails) and its entry: the toggle, or for a
 * function traced for the first time its whole site, initialised and
 * turned on at once (several instructions: the batch then runs under
 * stop_machine).  The slot of each function holds the ops itself when
 * it is the only one, the list ops when there are several, the stub when
 * none; it is stored before the entry changes, so a thread entering a
 * function always finds a valid ops in it.  The union of both sets is
 * published while the entries move, the new set after, then a grace
 * period: the dispatcher never calls an ops for a function it has left.
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
	bool inits;			/* applied, and its site initialised */
};

/*
 * A change for @t if its object is still loaded; false otherwise.
 * @cursor: where the previous change's function was, as changes come in
 * address order.
 */
static bool change_of(struct ftrace_change *c, const struct traced_func *t, int delta,
		      struct ftrace_cursor *cursor)
{
	c->t = *t;
	c->delta = delta;
	c->f = ftrace_func_find_next(t, cursor);
	c->obj = cursor->obj;
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

	if (set) {
		set->nr = 0;
		set->objects_gen = set->filter_gen = 0;
	}
	return set;
}

/*
 * @set, which @st traced until now and nobody reads any more: kept for
 * ops_resolve() when it made it (the last one only), else freed.
 */
static void set_retire(struct tp_ftrace_state *st, struct ftrace_set *set)
{
	if (!set || !set->objects_gen) {
		free(set);
		return;
	}
	free(st->resolved);
	st->resolved = set;
}

/*
 * Sorted, without duplicates.  Function tables come in address order
 * nearly always: one pass then saves the sort.
 */
void ftrace_set_sort(struct ftrace_set *set)
{
	size_t i, n;

	for (i = 1; i < set->nr; i++)
		if (compare_traced(&set->funcs[i - 1], &set->funcs[i]) >= 0)
			break;
	if (i >= set->nr)
		return;
	qsort(set->funcs, set->nr, sizeof(set->funcs[0]), compare_traced);
	for (i = 1, n = 1; i < set->nr; i++)
		if (compare_traced(&set->funcs[n - 1], &set->funcs[i]))
			set->funcs[n++] = set->funcs[i];
	set->nr = n;
}

/*
 * The order of the next elements of two sorted sets in a merge walk:
 * < 0 when @a's comes first (or @b is done), > 0 when @b's does, 0 when
 * they are the same function.
 */
static int walk_order(const struct ftrace_set *a, size_t i,
		      const struct ftrace_set *b, size_t j)
{
	size_t na = a ? a->nr : 0;

	if (i == na)
		return 1;
	if (j == b->nr)
		return -1;
	return compare_traced(&a->funcs[i], &b->funcs[j]);
}

/* @a and @b together, sorted: one merge walk. */
static struct ftrace_set *set_union(const struct ftrace_set *a, const struct ftrace_set *b)
{
	size_t na = a ? a->nr : 0, i = 0, j = 0;
	struct ftrace_set *u = ftrace_set_new(na + b->nr);

	if (!u)
		return NULL;
	while (i < na || j < b->nr) {
		int order = walk_order(a, i, b, j);

		u->funcs[u->nr++] = order <= 0 ? a->funcs[i] : b->funcs[j];
		i += order <= 0;
		j += order >= 0;
	}
	return u;
}

/*
 * The functions still loaded that are in one set and not the other, in
 * address order: one merge walk over both sorted sets, whose changes
 * find their functions with a cursor.
 */
static struct ftrace_change *set_diff(const struct ftrace_set *old,
				      const struct ftrace_set *new, size_t *nr)
{
	size_t nold = old ? old->nr : 0, i = 0, j = 0, n = 0;
	struct ftrace_change *c = malloc((nold + new->nr + 1) * sizeof(*c));
	struct ftrace_cursor cursor = { 0 };

	if (!c)
		return NULL;
	while (i < nold || j < new->nr) {
		int order = walk_order(old, i, new, j);

		if (order < 0)
			n += change_of(&c[n], &old->funcs[i], -1, &cursor);
		else if (order > 0)
			n += change_of(&c[n], &new->funcs[j], +1, &cursor);
		i += order <= 0;
		j += order >= 0;
	}
	*nr = n;
	return c;
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
static inline struct tp_ftrace_ops *change_slot(const struct ftrace_change *c,
						const struct tp_ftrace_ops *ops)
{
	if (c->delta > 0 && c->f->nr_ops == 0)
		return (struct tp_ftrace_ops *)ops;
	return slot_value(c->t.ip, c->f->nr_ops + c->delta, skip_of(c, ops));
}

/*
 * What the entry of @c's function calls once @c is made: nothing, a
 * direct trampoline it reaches when that is its only ops, or else the
 * object's veneer to the shared trampoline.  @ops: the slot's value once
 * @c is made (change_slot()).
 */
static inline uintptr_t entry_target(const struct ftrace_change *c,
				     const struct tp_ftrace_ops *ops)
{
	const struct ftrace_func *f = c->f;
	uint8_t insn[TP_MAX_INSN_LEN];

	if (!(f->nr_ops + c->delta))
		return 0;
	if (ops->state && ops->state->kind == FTRACE_OPS_DIRECT &&
	    arch_ftrace_toggle_insn(&f->layout, c->obj->veneer, ops->state->target, insn) >= 0)
		return ops->state->target;
	return c->obj->veneer;
}

/* The entry's one instruction, from calling f->target to calling @target. */
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
 * The site_len bytes of @f's site initialised and calling @target: the
 * fixed instructions of site init with the entry's instruction in them.
 */
static int site_insns(const struct ftrace_object *obj, const struct ftrace_func *f,
		      uintptr_t target, uint8_t *insns)
{
	uint8_t entry[TP_MAX_INSN_LEN];
	int err = arch_ftrace_init_insns(&f->layout, obj->veneer, insns);

	if (err >= 0)
		err = arch_ftrace_toggle_insn(&f->layout, obj->veneer, target, entry);
	if (err < 0)
		return err;
	memcpy(insns + (f->layout.toggle - f->layout.site), entry, f->layout.toggle_len);
	return 0;
}

/* A site as the compiler left it, initialised and calling @target. */
static int site_add(struct tp_batch *batch, const struct ftrace_object *obj,
		    const struct ftrace_func *f, uintptr_t target)
{
	uint8_t insns[TP_MAX_INSN_LEN];
	int err = site_insns(obj, f, target, insns);

	return err ?: tp_batch_add(batch, (void *)f->layout.site, f->compiled, insns,
				   f->layout.site_len);
}

/* Whether a change of @c initialises a site: a first joiner. */
static bool change_inits(const struct ftrace_change *c)
{
	return c->delta > 0 && !c->f->initialised;
}

static uint64_t slot_read(uintptr_t ip)
{
	uint64_t word;

	memcpy(&word, (const void *)(ip - FTRACE_SLOT_SIZE), sizeof(word));
	return word;
}

/*
 * What @c changes, for either way of committing it: its slot, as it is
 * and as it will be (*@slot), and what its entry will call (@c->target);
 * the object's veneer, mapped when the site is initialised.
 */
static inline __attribute__((always_inline)) int
change_prepare(struct ftrace_change *c, const struct tp_ftrace_ops *ops, struct word *slot)
{
	int err = change_inits(c) ? ftrace_object_veneer(c->obj) : 0;

	if (err)
		return err;
	ops = change_slot(c, ops);
	slot->addr = c->t.ip - FTRACE_SLOT_SIZE;
	slot->old = slot_read(c->t.ip);
	slot->new = ftrace_slot_word(ops);
	c->target = entry_target(c, ops);
	return 0;
}

/*
 * Queue what @c changes: its slot when its value changes, its entry
 * when what it calls changes (the whole site the first time).  *@init
 * tells that a site is initialised.
 */
static int change_add(struct tp_batch *batch, struct ftrace_change *c,
		      const struct tp_ftrace_ops *ops, bool *init)
{
	struct ftrace_func *f = c->f;
	bool first = change_inits(c);
	struct word slot;
	int err = change_prepare(c, ops, &slot);

	if (!err && slot.new != slot.old)
		err = batch_add_word(batch, slot.addr, slot.old, slot.new);
	if (!err && first)
		err = site_add(batch, c->obj, f, c->target);
	else if (!err && c->target != f->target)
		err = entry_add(batch, c->obj, f, c->target);
	*init |= first;
	return err;
}

/*
 * The toggle lane's entry for @c's function, from calling f->target to
 * calling @c->target; for a function traced for the first time, its whole
 * site from what the compiler left to site init's instructions calling
 * @c->target.  -EOPNOTSUPP when its length is not the lane's.
 */
static int toggle_of(struct toggle *t, const struct ftrace_change *c, unsigned int len)
{
	const struct ftrace_func *f = c->f;
	uint8_t insns[TP_MAX_INSN_LEN];
	int err;

	if (!change_inits(c)) {
		if (f->layout.toggle_len != len)
			return -EOPNOTSUPP;
		t->addr = f->layout.toggle;
		return arch_ftrace_toggle_word(&f->layout, c->obj->veneer, f->target, &t->old) ?:
		       arch_ftrace_toggle_word(&f->layout, c->obj->veneer, c->target, &t->new);
	}
	if (f->layout.site_len != len || len > sizeof(t->new))
		return -EOPNOTSUPP;
	err = site_insns(c->obj, f, c->target, insns);
	if (err)
		return err;
	t->addr = f->layout.site;
	t->old = toggle_word(f->compiled, len);
	t->new = toggle_word(insns, len);
	return 0;
}

/* A change's function state once it is made, and back. */
static inline void change_apply(struct ftrace_change *c)
{
	uintptr_t target = c->f->target;

	c->inits = change_inits(c);
	c->f->initialised |= c->delta > 0;
	c->f->target = c->target;
	c->f->nr_ops += c->delta;
	c->target = target;		/* what to put back */
}

static void change_undo(struct ftrace_change *c)
{
	uintptr_t target = c->f->target;

	c->f->initialised &= !c->inits;
	c->f->target = c->target;
	c->f->nr_ops -= c->delta;
	c->target = target;
}

/*
 * A move whose every change is one instruction (a toggle) or, traced for
 * the first time, a whole site of the same length (x86's five bytes), and
 * whose sites hold what the tracer or the compiler left there: the
 * engine's toggle lane takes it as arrays of plain words, slots and
 * entries in address order, under stop_machine when it initialises
 * sites.  Each function's state moves in the same pass (under the ftrace
 * mutex nobody else reads it), and back if the lane fails, so that a
 * large move reads each function record once.  -EOPNOTSUPP with nothing
 * changed when the lane cannot: a batch of sites then.
 */
static int changes_commit_lane(struct ftrace_change *c, size_t nr,
			       const struct tp_ftrace_ops *ops)
{
	struct toggle *toggles = malloc((nr + 1) * sizeof(*toggles));
	struct word *words = malloc((nr + 1) * sizeof(*words));
	unsigned int len = 0;
	bool init = false;
	size_t i, nt = 0, nw = 0;
	int err = toggles && words ? 0 : -ENOMEM;

	for (i = 0; i < nr && !err; i++) {
		bool first = change_inits(&c[i]);

		err = change_prepare(&c[i], ops, &words[nw]);
		if (err)
			break;
		nw += words[nw].new != words[nw].old;
		if (first || c[i].target != c[i].f->target) {
			if (!len)
				len = first ? c[i].f->layout.site_len : c[i].f->layout.toggle_len;
			err = toggle_of(&toggles[nt++], &c[i], len);
		}
		if (err)
			break;
		init |= first;
		change_apply(&c[i]);
	}
	if (!err)
		err = nt ? toggle_commit(toggles, nt, len, words, nw,
					 init ? TP_BACKEND_STOP_MACHINE : ftrace_backend) :
			   -EOPNOTSUPP;
	free(toggles);
	free(words);
	if (err)
		while (i--)
			change_undo(&c[i]);
	return err;
}

/* The same as a batch of sites, which can also initialise sites. */
static int changes_commit_sites(struct ftrace_change *c, size_t nr,
				const struct tp_ftrace_ops *ops)
{
	struct tp_batch *batch = tp_batch_new();
	bool init = false;
	size_t i;
	int err = batch ? batch_reserve(batch, nr, nr) : -ENOMEM;

	for (i = 0; i < nr && !err; i++)
		err = change_add(batch, &c[i], ops, &init);
	if (!err)
		err = tp_batch_commit(batch, init ? TP_BACKEND_STOP_MACHINE : ftrace_backend);
	tp_batch_free(batch);
	return err;
}

/*
 * Make every change of @c in one batch: each entry is one instruction,
 * so AUTO takes the cheapest protocol (nosync on arm64 and riscv,
 * breakpoint on x86), or the one tp_ftrace_set_backend() chose; a batch
 * that initialises sites runs under stop_machine.  The functions' state
 * follows only when the batch is in.
 */
static int changes_commit(struct ftrace_change *c, size_t nr,
			  const struct tp_ftrace_ops *ops)
{
	size_t i;
	int err = changes_commit_lane(c, nr, ops);

	if (err != -EOPNOTSUPP)
		return err;
	err = changes_commit_sites(c, nr, ops);
	for (i = 0; i < nr && !err; i++)
		change_apply(&c[i]);
	return err;
}

static void set_publish(struct tp_ftrace_state *st, struct ftrace_set *set)
{
	__atomic_store_n(&st->set, set, __ATOMIC_RELEASE);
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
	if (both) {
		set_publish(st, both);
		err = changes_commit(c, nr, ops);
		set_publish(st, err ? old : new);
		urcu_bp_synchronize_rcu();
	}
	free(both);
	free(c);
	if (err)
		free(new);
	else
		set_retire(st, old);
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
	struct ftrace_cursor cursor = { 0 };
	size_t i, n;
	int err;

	if (!c)
		return -ENOMEM;
	for (i = 0, n = 0; i < set->nr; i++)
		n += change_of(&c[n], &set->funcs[i], 0, &cursor);
	err = changes_commit(c, n, ops);
	free(c);
	return err;
}
