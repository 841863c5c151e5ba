// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Data words in text: aligned 8-byte words that live in code pages but
 * are never executed (the ops slots of function-entry tracing), changed
 * by the same commit as the instructions of their batch.
 *
 * A word is its address, the value the caller expects there and the one
 * it stores: nothing to decode, no instruction state, so a batch keeps
 * its words in an array of their own rather than as sites.  They are
 * checked with the sites (the mappings, the value there now, no overlap
 * with each other or with a site), stored just before the protocol runs,
 * through the writer it opened, and stored back if the protocol fails:
 * everything that can fail (allocation, the mappings, the writer) has
 * been done before the first word changes, and putting a word back
 * through an open mprotect window cannot fail.  Each word is one
 * single-copy-atomic store, as threads may be reading it; /proc/self/mem
 * copies bytes, so with that writer the words are stored while every
 * other thread is parked.  No PRE/POST events: no instruction changes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"

static int compare_words(const void *a, const void *b)
{
	const struct word *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* By address; callers add them in address order nearly always. */
static void sort_words(struct word *words, size_t nr)
{
	size_t i;

	for (i = 1; i < nr; i++)
		if (words[i - 1].addr > words[i].addr) {
			qsort(words, nr, sizeof(*words), compare_words);
			return;
		}
}

/*
 * @words, sorted here, against the text and @sites (sorted by
 * check_sites()): each word lies in one patchable readable mapping
 * (-EFAULT, -EPERM), holds the value expected (-EILSEQ), and overlaps
 * no other word and no site (-EINVAL).  One walk over both arrays.
 */
int words_check(struct word *words, size_t nr, const struct insn_ranges *sites,
		const struct maps_snapshot *snap)
{
	const struct exec_map *map = NULL;
	size_t i, j = 0, nr_sites = ranges_nr(sites);

	sort_words(words, nr);
	for (i = 0; i < nr; i++) {
		uintptr_t addr = words[i].addr;
		uint64_t now;
		int err = maps_check_next(snap, addr, sizeof(now), &map);

		if (err)
			return err;
		if (!(map->prot & PROT_READ))
			return -EFAULT;
		if (i + 1 < nr && addr + sizeof(now) > words[i + 1].addr)
			return -EINVAL;
		while (j < nr_sites && range_addr(sites, j) + range_len(sites, j) <= addr)
			j++;
		if (j < nr_sites && range_addr(sites, j) < addr + sizeof(now))
			return -EINVAL;
		memcpy(&now, (const void *)addr, sizeof(now));
		if (now != words[i].old)
			return -EILSEQ;
	}
	return 0;
}

struct words_store {
	struct text_writer *w;
	const struct word *words;
	size_t nr;
	bool back;			/* the old values */
};

static int word_write(struct text_writer *w, const struct word *word, bool old)
{
	return text_write(w, word->addr, old ? &word->old : &word->new, sizeof(word->new));
}

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
		err = word_write(ws->w, &ws->words[i], ws->back);
	for (j = 0; err && j + 1 < i; j++)
		word_write(ws->w, &ws->words[j], !ws->back);
	return err;
}

/*
 * Store every word of @words (its new value, or with @back its old one)
 * through @w, opened for all of them: all of them, or on error none.
 */
int words_store(struct text_writer *w, const struct word *words, size_t nr, bool back)
{
	struct words_store ws = { w, words, nr, back };
	size_t i;

	if (!nr)
		return 0;
	if (w->kind == TP_WRITER_PROC_MEM)
		return stop_machine(store_all, &ws, NULL);
	/* Through the window: one store each, none fails. */
	for (i = 0; i < nr; i++)
		window_store(words[i].addr, back ? &words[i].old : &words[i].new,
			     sizeof(words[i].new));
	return 0;
}

/* A batch of words alone: no protocol, one store each. */
int words_commit(const struct word *words, size_t nr, const struct maps_snapshot *snap,
		 enum tp_writer want)
{
	struct text_writer w;
	int err = text_open(&w, NULL, words, nr, snap, want);

	if (err)
		return err;
	err = words_store(&w, words, nr, false);
	text_close(&w);
	return err;
}
