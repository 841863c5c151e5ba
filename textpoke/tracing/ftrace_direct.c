// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Direct calls and redirection on function-entry tracing: an ops of the
 * library's own per function, traced like any other, whose entry does
 * not call a callback but goes to a trampoline of the caller's
 * (direct), or to another function as if that had been called
 * (redirect, the live-patching case).  One of them per function: two
 * would each want to be the code that runs.
 *
 * A direct trampoline alone on a function is called by the entry itself
 * when the entry reaches it (x86-64: CALL rel32; arm64: BL; riscv64
 * rarely, through the JALR's 12 bits); otherwise, and whenever other ops
 * share the function, the shared trampoline runs their callbacks and
 * then jumps to it with the registers the entry left.
 */
#include <errno.h>
#include <stdlib.h>

#include "ftrace_internal.h"

struct modifier {
	struct modifier *next;
	struct tp_ftrace_ops ops;
};

/* Under ftrace_lock(). */
static struct modifier *modifiers;

static struct modifier **modifier_find(uintptr_t ip)
{
	struct modifier **m;

	for (m = &modifiers; *m; m = &(*m)->next)
		if ((*m)->ops.state->ip == ip)
			return m;
	return NULL;
}

static void modifier_free(struct modifier *m)
{
	if (m->ops.state) {
		free(m->ops.state->set);
		free(m->ops.state->resolved);
	}
	free(m->ops.state);
	free(m);
}

/*
 * Those of functions whose object was unloaded: their text is gone, and
 * a function loaded again at the same address is another one.
 */
int ftrace_modifiers_forget(void)
{
	struct modifier **pos = &modifiers, *m;
	int err = 0;

	while (!err && (m = *pos)) {
		const struct ftrace_set *set = m->ops.state->set;

		if (set && set->nr) {
			pos = &m->next;
			continue;
		}
		err = ftrace_unregister_locked(&m->ops);
		if (!err) {
			*pos = m->next;
			modifier_free(m);
		}
	}
	return err;
}

static int modifier_add_locked(uintptr_t ip, enum ftrace_ops_kind kind, uintptr_t target)
{
	struct modifier *m;
	int err = ftrace_objects_update();

	if (err)
		return err;
	if (modifier_find(ip))
		return -EBUSY;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->ops.state = calloc(1, sizeof(*m->ops.state)))) {
		free(m);
		return -ENOMEM;
	}
	m->ops.state->ip = ip;
	m->ops.state->kind = kind;
	m->ops.state->target = target;
	err = ftrace_register_locked(&m->ops);
	if (err) {
		modifier_free(m);
		return err;
	}
	m->next = modifiers;
	modifiers = m;
	return 0;
}

static int modifier_add(uintptr_t ip, enum ftrace_ops_kind kind, uintptr_t target)
{
	int err;

	if (!ip || !target)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	err = modifier_add_locked(ip, kind, target);
	ftrace_unlock();
	return err;
}

/* Where the modifier of @ip, of @kind, is linked; objects brought up to date first. */
static int modifier_get(uintptr_t ip, enum ftrace_ops_kind kind, struct modifier ***pos)
{
	int err = ftrace_objects_update();

	if (err)
		return err;
	*pos = modifier_find(ip);
	return *pos && (**pos)->ops.state->kind == kind ? 0 : -ENOENT;
}

/* @target 0: whatever it is. */
static int modifier_remove(uintptr_t ip, enum ftrace_ops_kind kind, uintptr_t target)
{
	struct modifier **pos, *m = NULL;
	int err = ftrace_lock();

	if (err)
		return err;
	err = modifier_get(ip, kind, &pos);
	if (!err)
		m = *pos;
	if (!err && target && m->ops.state->target != target)
		err = -EINVAL;
	if (!err)
		err = ftrace_unregister_locked(&m->ops);
	if (!err) {
		*pos = m->next;
		modifier_free(m);
	}
	ftrace_unlock();
	return err;
}

int tp_register_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	return modifier_add(ip, FTRACE_OPS_DIRECT, tramp);
}

int tp_unregister_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	if (!tramp)
		return -EINVAL;
	return modifier_remove(ip, FTRACE_OPS_DIRECT, tramp);
}

/*
 * The dispatcher reads the new trampoline at once; the entries that
 * called the old one straight are moved in one batch.  A thread may be
 * in either trampoline while this runs, and in the old one after it.
 */
int tp_modify_ftrace_direct(unsigned long ip, unsigned long old_tramp,
			    unsigned long new_tramp)
{
	struct modifier **pos;
	struct tp_ftrace_state *st;
	int err;

	if (!old_tramp || !new_tramp)
		return -EINVAL;
	err = ftrace_lock();
	if (err)
		return err;
	err = modifier_get(ip, FTRACE_OPS_DIRECT, &pos);
	st = err ? NULL : (*pos)->ops.state;
	if (!err && st->target != old_tramp)
		err = -EINVAL;
	if (!err) {
		__atomic_store_n(&st->target, new_tramp, __ATOMIC_RELEASE);
		err = ftrace_entries_update(&(*pos)->ops);
		if (err)
			__atomic_store_n(&st->target, old_tramp, __ATOMIC_RELEASE);
	}
	ftrace_unlock();
	return err;
}

int tp_ftrace_redirect(unsigned long old_fn, unsigned long new_fn)
{
	if (old_fn == new_fn)
		return -EINVAL;
	return modifier_add(old_fn, FTRACE_OPS_REDIRECT, new_fn);
}

int tp_ftrace_unredirect(unsigned long old_fn)
{
	return modifier_remove(old_fn, FTRACE_OPS_REDIRECT, 0);
}
