// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sites of the breakpoint batch in flight, looked up by address from
 * the SIGTRAP handler.
 *
 * The text mutex lets one batch be in flight at a time, and the checks
 * leave its sites sorted by address: publishing the batch is publishing
 * one descriptor of that array, and a lookup is a binary search.  Nothing
 * is allocated, at initialisation or per batch, whatever its size: a
 * hash table would have to allocate (liburcu's aborts when it cannot),
 * and a breakpoint batch must be able to fail with -ENOMEM before it
 * writes anything, never in the middle.
 *
 * The handler runs on arbitrary application threads that never registered
 * with RCU, so the flavour is urcu-bp: no registration, a signal-safe read
 * side.  The poking thread unpublishes the batch, then waits for a grace
 * period before its memory may go: never from a handler, never while
 * threads are parked (a parked reader would never finish).
 */
#include <string.h>
#include <urcu-bp.h>

#include "arch.h"
#include "internal.h"

/*
 * A batch of sites, or a toggle lane's entries, whose liveness is
 * @state: the lane's entries are the caller's plain words, with no state
 * of their own.
 */
struct inflight_batch {
	struct insn_ranges ranges;
	uint32_t state;
};

/*
 * One descriptor serves every batch: the grace period that ends a batch
 * ends every read of it before the next batch fills it in again.
 */
static struct inflight_batch batch;
static struct inflight_batch *published;	/* &batch while a batch is in flight */
static unsigned long generation;		/* batches published so far */
/*
 * Sites kept published after their batch, whose trap a failed write left
 * in the text (bp.c): rare, few, and each node is memory of bp.c's, so a
 * list walked after the batch's search costs nothing and allocates
 * nothing.  Changed under the text mutex only.
 */
static struct inflight_node *kept;

static void publish_counted(void);

void inflight_publish(struct site *sites, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		sites[i].state = SITE_LIVE;
	batch.ranges = (struct insn_ranges){ .sites = sites, .nr = nr };
	publish_counted();
}

void inflight_publish_toggles(const struct toggle *toggles, size_t nr, unsigned int len)
{
	batch.ranges = (struct insn_ranges){ .toggles = toggles, .nr = nr, .toggle_len = len };
	publish_counted();
}

static void publish_counted(void)
{
	batch.state = SITE_LIVE;
	rcu_set_pointer(&published, &batch);
	/*
	 * Counted once every site can be found and before any trap is
	 * written: a handler whose lookup missed but who then sees one of
	 * this batch's traps also sees the count move, and looks again.
	 */
	__atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
}

void inflight_unpublish(struct site *sites, size_t nr)
{
	(void)sites;
	(void)nr;
	rcu_set_pointer(&published, NULL);
}

void inflight_keep(struct inflight_node *node)
{
	node->site->state = SITE_LIVE;
	node->next = kept;
	rcu_set_pointer(&kept, node);
	__atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
}

/* The node's memory may go after inflight_wait_readers(). */
void inflight_drop(struct inflight_node *node)
{
	struct inflight_node **link;

	for (link = &kept; *link; link = &(*link)->next)
		if (*link == node) {
			rcu_set_pointer(link, node->next);
			return;
		}
}

static bool kept_lookup(uintptr_t addr, struct trap_site *out)
{
	const struct inflight_node *node;

	for (node = rcu_dereference(kept); node; node = rcu_dereference(node->next))
		if (node->site->addr == addr) {
			out->insn = node->site->new_insn;
			out->state = &node->site->state;
			return true;
		}
	return false;
}

/* The index of the range at @addr in @r, sorted by address; -1 if none. */
static ssize_t range_find(const struct insn_ranges *r, uintptr_t addr)
{
	size_t lo = 0, hi = r->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t at = range_addr(r, mid);

		if (at == addr)
			return mid;
		if (at < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/*
 * A lane entry's new instruction is decoded here, when a thread traps on
 * it: the commit decoded it once to check it, and keeping the result for
 * every entry would cost each entry of every batch what only a trapping
 * thread needs.  The decoder is a pure function: async-signal-safe.
 */
static bool batch_lookup(const struct inflight_batch *b, uintptr_t addr,
			 struct trap_site *out)
{
	const struct insn_ranges *r = &b->ranges;
	ssize_t i = range_find(r, addr);

	if (i < 0)
		return false;
	if (r->sites) {
		out->insn = r->sites[i].new_insn;
		out->state = &r->sites[i].state;
		return true;
	}
	out->state = &b->state;
	return arch_insn_decode(&r->toggles[i].new, r->toggle_len, addr,
				&out->insn) == (int)r->toggle_len;
}

/* Async-signal-safe: no lock, no allocation, bounded loops. */
bool inflight_lookup(uintptr_t addr, struct trap_site *out)
{
	const struct inflight_batch *b = rcu_dereference(published);

	if (b && batch_lookup(b, addr, out))
		return true;
	return kept_lookup(addr, out);
}

unsigned long inflight_generation(void)
{
	return __atomic_load_n(&generation, __ATOMIC_ACQUIRE);
}

void inflight_read_lock(void)
{
	urcu_bp_read_lock();
}

void inflight_read_unlock(void)
{
	urcu_bp_read_unlock();
}

/* After this, no handler can still hold one of @sites: poison them. */
void inflight_wait_readers(struct site *sites, size_t nr)
{
	size_t i;

	urcu_bp_synchronize_rcu();
	__atomic_store_n(&batch.state, SITE_POISON, __ATOMIC_RELAXED);
	for (i = 0; i < nr; i++) {
		__atomic_store_n(&sites[i].state, SITE_POISON, __ATOMIC_RELAXED);
		memset(&sites[i].new_insn, 0xdb, sizeof(sites[i].new_insn));
	}
}
