// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sites of the breakpoint batch in flight, looked up by address from
 * the SIGTRAP handler.
 *
 * The handler runs on arbitrary application threads that never registered
 * with RCU, so the flavour is urcu-bp: no registration, a signal-safe read
 * side.  The poking thread unpublishes the sites, then waits for a grace
 * period before their memory may go: never from a handler, never while
 * threads are parked (a parked reader would never finish).
 */
#include <errno.h>
#include <string.h>
#include <urcu-bp.h>
#include <urcu/rculfhash.h>

#include "internal.h"

static struct cds_lfht *inflight;
static unsigned long inflight_buckets = 4096;
static unsigned long generation;		/* batches published so far */

static unsigned long hash_addr(uintptr_t addr)
{
	/* Fibonacci hashing spreads the low bits of nearby addresses. */
	return (unsigned long)((uint64_t)addr * 0x9e3779b97f4a7c15ull >> 16);
}

static int match_addr(struct cds_lfht_node *node, const void *key)
{
	const struct site *site = caa_container_of(node, struct site, node);

	return site->addr == *(const uintptr_t *)key;
}

/*
 * No automatic resizing: it would run urcu-bp grace periods in a worker
 * thread that blocks all signals meanwhile, and such a thread cannot be
 * parked by stop_machine.  The table grows synchronously from the poking
 * thread instead, before a large batch is published.
 */
int inflight_init(void)
{
	inflight = cds_lfht_new_flavor(inflight_buckets, inflight_buckets, 0, 0,
				       &urcu_bp_flavor, NULL);
	return inflight ? 0 : -ENOMEM;
}

static void inflight_reserve(size_t nr)
{
	unsigned long want = inflight_buckets;

	while (want < nr / 2)
		want *= 2;
	if (want == inflight_buckets)
		return;
	cds_lfht_resize(inflight, want);
	inflight_buckets = want;
}

void inflight_publish(struct site *sites, size_t nr)
{
	size_t i;

	inflight_reserve(nr);
	urcu_bp_read_lock();
	for (i = 0; i < nr; i++) {
		sites[i].state = SITE_LIVE;
		cds_lfht_node_init(&sites[i].node);
		cds_lfht_add(inflight, hash_addr(sites[i].addr), &sites[i].node);
	}
	urcu_bp_read_unlock();
	/*
	 * Counted once every site can be found and before any trap is
	 * written: a handler whose lookup missed but who then sees one of
	 * this batch's traps also sees the count move, and looks again.
	 */
	__atomic_add_fetch(&generation, 1, __ATOMIC_SEQ_CST);
}

void inflight_unpublish(struct site *sites, size_t nr)
{
	size_t i;

	urcu_bp_read_lock();
	for (i = 0; i < nr; i++)
		cds_lfht_del(inflight, &sites[i].node);
	urcu_bp_read_unlock();
}

const struct site *inflight_lookup(uintptr_t addr)
{
	struct cds_lfht_iter iter;
	struct cds_lfht_node *node;

	cds_lfht_lookup(inflight, hash_addr(addr), match_addr, &addr, &iter);
	node = cds_lfht_iter_get_node(&iter);
	return node ? caa_container_of(node, struct site, node) : NULL;
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
	for (i = 0; i < nr; i++) {
		__atomic_store_n(&sites[i].state, SITE_POISON, __ATOMIC_RELAXED);
		memset(&sites[i].new_insn, 0xdb, sizeof(sites[i].new_insn));
	}
}
