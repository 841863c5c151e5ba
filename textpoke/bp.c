// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The breakpoint protocol, for all sites of a batch at once:
 *
 * 1. publish the sites in the in-flight table;
 * 2. write the trap instruction at the start of every site; sync;
 * 3. write the rest of every new instruction behind its trap; sync
 *    (only where an instruction is longer than the trap: x86);
 * 4. write the first part of every new instruction over the trap; sync;
 * 5. unpublish; wait for a grace period so no handler still reads them.
 *
 * A thread reaching a site between 2 and 4 traps, and the handler
 * executes the site's new instruction for it (trap.c).  Every thread
 * therefore runs either the old instruction or the new one, never a mix.
 */
#include <string.h>

#include "arch.h"
#include "internal.h"

static void flush_sites(const struct site *sites, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		arch_flush_icache(sites[i].addr, sites[i].len);
}

static size_t trap_len_of(const struct site *site)
{
	uint8_t trap[TP_MAX_INSN_LEN];

	return arch_trap_insn(trap, site->addr, site->len);
}

/*
 * Put back the first @count sites' original starts after a failed step 2;
 * the site that failed had its PRE too, so @count + 1 get a POST.
 */
static void undo_traps(struct site *sites, size_t count, struct text_writer *w)
{
	size_t i;

	for (i = 0; i < count; i++)
		text_write(w, sites[i].addr, sites[i].old, trap_len_of(&sites[i]));
	flush_sites(sites, count);
	cpusync_cores();
	events_post(sites, count + 1, false);
}

int bp_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	uint8_t trap[TP_MAX_INSN_LEN];
	bool has_tail = false;
	int err = 0;
	size_t i;

	inflight_publish(sites, nr);
	/* A handler that sees one of our traps must find its site. */
	__atomic_thread_fence(__ATOMIC_RELEASE);

	for (i = 0; i < nr; i++) {
		size_t trap_len = arch_trap_insn(trap, sites[i].addr, sites[i].len);

		events_pre(&sites[i]);
		err = text_write(w, sites[i].addr, trap, trap_len);
		if (err) {
			undo_traps(sites, i, w);
			goto out;
		}
		has_tail |= sites[i].len > trap_len;
	}
	flush_sites(sites, nr);
	cpusync_cores();

	if (has_tail) {
		for (i = 0; i < nr; i++) {
			size_t trap_len = trap_len_of(&sites[i]);

			if (sites[i].len > trap_len)
				text_write(w, sites[i].addr + trap_len,
					   sites[i].new + trap_len,
					   sites[i].len - trap_len);
		}
		flush_sites(sites, nr);
		cpusync_cores();
	}

	for (i = 0; i < nr; i++)
		text_write(w, sites[i].addr, sites[i].new, trap_len_of(&sites[i]));
	flush_sites(sites, nr);
	cpusync_cores();
	/* Before the grace period: no thread can fetch the trap any more. */
	events_post(sites, nr, true);
out:
	inflight_unpublish(sites, nr);
	inflight_wait_readers(sites, nr);
	return err;
}
