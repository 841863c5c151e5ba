// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Data words in text: aligned 8-byte words that live in code pages but
 * are never executed (the ops slots of function-entry tracing), changed
 * by the same commit as the instructions of their batch.
 *
 * A batch's words are stored just before its protocol runs, through the
 * writer it opened, and stored back if the protocol fails: everything
 * that can fail (allocation, the mappings, the writer) has been done
 * before the first word changes, and putting a word back through an
 * open mprotect window cannot fail.  Each word is one single-copy-atomic
 * store, as threads may be reading it; /proc/self/mem copies bytes, so
 * with that writer the words are stored while every other thread is
 * parked.  No PRE/POST events: no instruction changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * The instruction sites of @sites (sorted, words among them) for the
 * protocol: @sites itself when it has no word, else a copy without them.
 */
int words_split(struct site *sites, size_t nr, struct site **insns, size_t *nr_insns)
{
	size_t i, n = 0;

	for (i = 0; i < nr; i++)
		n += !sites[i].is_word;
	*nr_insns = n;
	*insns = sites;
	if (n == nr || !n)
		return 0;
	*insns = malloc(n * sizeof(**insns));
	if (!*insns)
		return -ENOMEM;
	for (i = 0, n = 0; i < nr; i++)
		if (!sites[i].is_word)
			(*insns)[n++] = sites[i];
	return 0;
}

void words_split_free(struct site *sites, struct site *insns)
{
	if (insns != sites)
		free(insns);
}

struct words_store {
	struct text_writer *w;
	const struct site *sites;
	size_t nr;
	bool back;			/* the old values */
};

/*
 * With the mprotect window, or with every other thread parked.  A write
 * that fails (/proc/self/mem) puts back the words already written.
 */
static int store_all(void *arg)
{
	struct words_store *ws = arg;
	size_t i, j;
	int err = 0;

	for (i = 0; i < ws->nr && !err; i++)
		if (ws->sites[i].is_word)
			err = text_write(ws->w, ws->sites[i].addr,
					 ws->back ? ws->sites[i].old : ws->sites[i].new,
					 ws->sites[i].len);
	for (j = 0; err && j + 1 < i; j++)
		if (ws->sites[j].is_word)
			text_write(ws->w, ws->sites[j].addr,
				   ws->back ? ws->sites[j].new : ws->sites[j].old,
				   ws->sites[j].len);
	return err;
}

/*
 * Store every word of @sites (its new value, or with @back its old one)
 * through @w, opened for all of @sites: all of them, or on error none.
 */
int words_store(struct text_writer *w, const struct site *sites, size_t nr, bool back)
{
	struct words_store ws = { w, sites, nr, back };
	size_t i;

	for (i = 0; i < nr && !sites[i].is_word; i++)
		;
	if (i == nr)
		return 0;
	if (w->kind == TP_WRITER_PROC_MEM)
		return stop_machine(store_all, &ws, NULL, 0);
	return store_all(&ws);
}

/* A batch of words alone: no protocol, one store each. */
int words_commit(const struct site *sites, size_t nr, const struct maps_snapshot *snap,
		 enum tp_writer want)
{
	struct text_writer w;
	int err = text_open(&w, sites, nr, snap, want);

	if (err)
		return err;
	err = words_store(&w, sites, nr, false);
	text_close(&w);
	return err;
}
