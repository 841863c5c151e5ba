// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nosync: each site is one naturally aligned store of one whole
 * instruction, for transitions the architecture allows while other cores
 * execute the site (arch_nosync_safe).  Then the caches are made coherent
 * and one core-serialising sync covers the whole batch.
 */
#include "arch.h"
#include "internal.h"

int nosync_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	size_t i;
	int err = 0;

	for (i = 0; i < nr; i++) {
		events_pre(&sites[i]);
		err = text_write(w, sites[i].addr, sites[i].new, sites[i].len);
		if (err)
			break;	/* text_write of the window cannot fail */
		arch_flush_icache(sites[i].addr, sites[i].len);
	}
	cpusync_cores();
	/* Every PRE gets its POST, with what the site holds now. */
	events_post(sites, i, true);
	if (err)
		events_post(&sites[i], 1, false);
	return err;
}

/* The same for a toggle lane, through the mprotect window: no store fails. */
void toggle_nosync_commit(const struct toggle *t, size_t nr, unsigned int len,
			  struct text_writer *w)
{
	(void)w;	/* the window is open: plain stores */
	toggle_store_all(t, nr, len);
	cpusync_cores();
	toggle_emit_posts(t, nr, len);
}
