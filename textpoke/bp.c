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
 *
 * A write through /proc/self/mem can fail (text.c tries it a few times
 * first).  A site is never unpublished while its trap may still be in the
 * text: the next thread to reach it would die of a trap nobody owns.
 *  - A failed step 2 takes back the traps written so far, and the batch
 *    fails with nothing changed.
 *  - After step 2 every site has its trap, so every thread already runs
 *    the new instructions: a failed write of step 3 or 4 does not stop
 *    the other sites, and the batch succeeds.
 *  - A site whose trap cannot be taken back or finished is *stuck*: a
 *    copy of it, in memory of the library's, stays published and the
 *    handler executes for it what the site is meant to hold (the old
 *    instruction after a failed step 2, the new one after step 3 or 4).
 *    Every later commit first tries to finish the stuck sites
 *    (bp_retry_stuck()); a commit that would touch one gets -EBUSY.
 */
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "internal.h"

/* A site whose trap could not be removed: published until it is. */
struct stuck_site {
	struct site site;	/* .new: the bytes the site must end with */
	struct inflight_node node;	/* publishes .site */
	size_t index;		/* in its batch */
	bool tail_left;		/* .new behind the trap is still to be written */
	bool published;
};

/* The stuck sites of one batch, allocated before its first write. */
struct stuck_block {
	struct stuck_block *next;
	size_t nr;
	struct stuck_site stuck[];
};

static struct stuck_block *stuck_blocks;	/* under the text mutex */
unsigned long tp_stat_stuck_sites;		/* published now */

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
 * Room for every site of a batch to get stuck, where the writer can fail:
 * allocated before anything is published, so that keeping a site is
 * never an allocation that could fail.  The window's stores cannot fail.
 */
static int stuck_block_prepare(struct stuck_block **block, size_t nr,
			       const struct text_writer *w)
{
	*block = NULL;
	if (!text_write_may_fail(w))
		return 0;
	*block = calloc(1, sizeof(**block) + nr * sizeof((*block)->stuck[0]));
	return *block ? 0 : -ENOMEM;
}

/*
 * Keep @site (number @index of its batch) published: to end with its old
 * bytes (@undo: its trap could not be taken back) or its new ones.
 */
static void stuck_keep(struct stuck_block *block, const struct site *site,
		       size_t index, bool undo, bool tail_left)
{
	struct stuck_site *st;
	struct insn old;

	if (!block)
		return;		/* no failing writer, no failed write */
	st = &block->stuck[block->nr++];
	st->site = *site;
	st->index = index;
	st->tail_left = tail_left;
	if (!undo)
		return;
	memcpy(st->site.new, site->old, site->len);
	/*
	 * A trap there executes the old instruction.  Were it one the
	 * handler cannot execute, the trap would go on executing the new one,
	 * as during the batch; where writes can fail (x86, whose old
	 * instructions a breakpoint batch replaces are NOPs, jumps and calls;
	 * an old INT3 needs no undo) the handler always can.
	 */
	if (arch_insn_decode(site->old, site->len, site->addr, &old) > 0 &&
	    arch_insn_emulable(&old))
		st->site.new_insn = old;
}

/*
 * Whether number @index of the batch is among the first @count sites of
 * @block, which step 3 kept in the order of the batch; *@cursor walks
 * them as @index grows.
 */
static bool stuck_next_is(const struct stuck_block *block, size_t count,
			  size_t *cursor, size_t index)
{
	if (*cursor == count || block->stuck[*cursor].index != index)
		return false;
	(*cursor)++;
	return true;
}

/*
 * Publish the copies of the stuck sites (before the batch's own entries
 * go, so that a trapping thread always finds one), and keep the block;
 * or free it when nothing got stuck.
 */
static void stuck_block_publish(struct stuck_block *block)
{
	size_t i;

	if (!block || !block->nr) {
		free(block);
		return;
	}
	for (i = 0; i < block->nr; i++) {
		block->stuck[i].node.site = &block->stuck[i].site;
		inflight_keep(&block->stuck[i].node);
		block->stuck[i].published = true;
	}
	__atomic_add_fetch(&tp_stat_stuck_sites, block->nr, __ATOMIC_RELAXED);
	block->next = stuck_blocks;
	stuck_blocks = block;
}

/*
 * Put back the first @count sites' original starts after a failed step 2;
 * the site that failed had its PRE too, so @count + 1 get a POST.  A
 * start that equals the trap needs no write.
 */
static void undo_traps(struct site *sites, size_t count, struct text_writer *w,
		       struct stuck_block *block)
{
	uint8_t trap[TP_MAX_INSN_LEN];
	size_t i;

	for (i = 0; i < count; i++) {
		size_t trap_len = arch_trap_insn(trap, sites[i].addr, sites[i].len);

		if (!memcmp(sites[i].old, trap, trap_len))
			continue;
		if (text_write(w, sites[i].addr, sites[i].old, trap_len))
			stuck_keep(block, &sites[i], i, true, false);
	}
	flush_sites(sites, count);
	cpusync_cores();
	events_post(sites, count + 1, false);
}

/* Step 3; a site whose tail cannot be written keeps its trap. */
static void write_tails(struct site *sites, size_t nr, struct text_writer *w,
			struct stuck_block *block)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		size_t trap_len = trap_len_of(&sites[i]);

		if (sites[i].len > trap_len &&
		    text_write(w, sites[i].addr + trap_len, sites[i].new + trap_len,
			       sites[i].len - trap_len))
			stuck_keep(block, &sites[i], i, false, true);
	}
	flush_sites(sites, nr);
	cpusync_cores();
}

/* Step 4, but for the sites already stuck behind their trap. */
static void write_starts(struct site *sites, size_t nr, struct text_writer *w,
			 struct stuck_block *block)
{
	size_t i, cursor = 0, tails_stuck = block ? block->nr : 0;

	for (i = 0; i < nr; i++) {
		if (stuck_next_is(block, tails_stuck, &cursor, i))
			continue;
		if (text_write(w, sites[i].addr, sites[i].new, trap_len_of(&sites[i])))
			stuck_keep(block, &sites[i], i, false, false);
	}
	flush_sites(sites, nr);
	cpusync_cores();
}

int bp_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	uint8_t trap[TP_MAX_INSN_LEN];
	struct stuck_block *block;
	bool has_tail = false;
	int err = stuck_block_prepare(&block, nr, w);
	size_t i;

	if (err)
		return err;
	inflight_publish(sites, nr);
	/* A handler that sees one of our traps must find its site. */
	__atomic_thread_fence(__ATOMIC_RELEASE);

	for (i = 0; i < nr; i++) {
		size_t trap_len = arch_trap_insn(trap, sites[i].addr, sites[i].len);

		events_pre(&sites[i]);
		err = text_write(w, sites[i].addr, trap, trap_len);
		if (err) {
			undo_traps(sites, i, w, block);
			goto out;
		}
		has_tail |= sites[i].len > trap_len;
	}
	flush_sites(sites, nr);
	cpusync_cores();

	if (has_tail)
		write_tails(sites, nr, w, block);
	write_starts(sites, nr, w, block);
	/* Before the grace period: no thread can fetch the trap any more. */
	events_post(sites, nr, true);
out:
	stuck_block_publish(block);
	inflight_unpublish(sites, nr);
	inflight_wait_readers(sites, nr);
	return err;
}

/* --- stuck sites ----------------------------------------------------------- */

/*
 * Pass one of a retry: a stuck site whose trap is gone (the application
 * unmapped or replaced that text) holds nothing of ours any more: it is
 * only unpublished.  Else its tail, if still to be written.  Returns
 * whether the site is still stuck.
 */
static bool stuck_retry_tail(struct stuck_site *st, struct text_writer *w)
{
	uint8_t trap[TP_MAX_INSN_LEN], now[TP_MAX_INSN_LEN];
	size_t trap_len = arch_trap_insn(trap, st->site.addr, st->site.len);

	if (text_read(w, st->site.addr, now, trap_len) || memcmp(now, trap, trap_len))
		return false;
	if (st->tail_left &&
	    !text_write(w, st->site.addr + trap_len, st->site.new + trap_len,
			st->site.len - trap_len))
		st->tail_left = false;
	arch_flush_icache(st->site.addr, st->site.len);
	return true;
}

/* Pass two: the start over the trap, once all behind it is written. */
static bool stuck_retry_start(struct stuck_site *st, struct text_writer *w)
{
	if (st->tail_left ||
	    text_write(w, st->site.addr, st->site.new, trap_len_of(&st->site)))
		return true;
	arch_flush_icache(st->site.addr, st->site.len);
	return false;
}

typedef bool (*stuck_pass)(struct stuck_site *st, struct text_writer *w);

/* Run @pass on every published stuck site; unpublish those it clears. */
static size_t stuck_run_pass(stuck_pass pass, struct text_writer *w)
{
	struct stuck_block *block;
	size_t i, cleared = 0;

	for (block = stuck_blocks; block; block = block->next)
		for (i = 0; i < block->nr; i++) {
			struct stuck_site *st = &block->stuck[i];

			if (!st->published || pass(st, w))
				continue;
			inflight_drop(&st->node);
			st->published = false;
			cleared++;
		}
	return cleared;
}

/* After a grace period: free the blocks with no site published. */
static void stuck_free_cleared(void)
{
	struct stuck_block **link = &stuck_blocks, *block;

	while ((block = *link)) {
		size_t i;

		for (i = 0; i < block->nr && !block->stuck[i].published; i++)
			;
		if (i < block->nr) {
			link = &block->next;
			continue;
		}
		*link = block->next;
		free(block);
	}
}

/*
 * Finish what earlier breakpoint batches could not: each stuck site's
 * tail, sync, its start, sync, then unpublish.  Under the text mutex,
 * before a commit; one test of a pointer when nothing is stuck.
 */
void bp_retry_stuck(void)
{
	struct text_writer w;
	size_t cleared;

	if (!stuck_blocks || text_open(&w, NULL, NULL, 0, NULL, TP_WRITER_PROC_MEM))
		return;
	cleared = stuck_run_pass(stuck_retry_tail, &w);
	cpusync_cores();
	cleared += stuck_run_pass(stuck_retry_start, &w);
	cpusync_cores();
	text_close(&w);
	if (!cleared)
		return;
	__atomic_sub_fetch(&tp_stat_stuck_sites, cleared, __ATOMIC_RELAXED);
	inflight_wait_readers(NULL, 0);
	stuck_free_cleared();
}

static bool overlaps(const struct site *s, uintptr_t addr, size_t len)
{
	return addr < s->addr + s->len && s->addr < addr + len;
}

/* Whether one of @sites or @words overlaps a stuck site. */
bool bp_stuck_overlaps(const struct site *sites, size_t nr,
		       const struct word *words, size_t nr_words)
{
	const struct stuck_block *block;
	size_t i, j;

	for (block = stuck_blocks; block; block = block->next)
		for (i = 0; i < block->nr; i++) {
			const struct site *s = &block->stuck[i].site;

			if (!block->stuck[i].published)
				continue;
			for (j = 0; j < nr; j++)
				if (overlaps(s, sites[j].addr, sites[j].len))
					return true;
			for (j = 0; j < nr_words; j++)
				if (overlaps(s, words[j].addr, sizeof(words[j].new)))
					return true;
		}
	return false;
}

/* --- the toggle lane --------------------------------------------------------- */

bool bp_any_stuck(void)
{
	return stuck_blocks != NULL;
}

static void toggle_flush(const struct toggle *t, size_t nr, unsigned int len)
{
	size_t i;

	if (arch_icache_coherent())
		return;
	for (i = 0; i < nr; i++)
		arch_flush_icache(t[i].addr, len);
}

/*
 * The protocol of bp_commit() for a toggle lane, through the mprotect
 * window, where no store fails: so no undo and no stuck site.  Each
 * entry's bytes are @len bytes of its words; the handler finds the
 * entries by address in the lane's own array.
 */
void toggle_bp_commit(const struct toggle *t, size_t nr, unsigned int len,
		      struct text_writer *w)
{
	uint8_t trap[TP_MAX_INSN_LEN];
	size_t i, trap_len = 0;
	bool uniform = true;	/* every entry's trap as long as the first's */
	bool has_tail = false;

	(void)w;	/* the window is open: plain stores */
	inflight_publish_toggles(t, nr, len);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (i = 0; i < nr; i++) {
		size_t n = arch_trap_insn(trap, t[i].addr, len);

		if (__builtin_expect(events_listening != 0, 0))
			toggle_emit_pre(&t[i], len);
		window_store(t[i].addr, trap, n);
		uniform &= !i || n == trap_len;
		trap_len = i ? trap_len : n;
		has_tail |= len > n;
	}
	toggle_flush(t, nr, len);
	cpusync_cores();
	if (has_tail) {
		for (i = 0; i < nr; i++) {
			size_t n = uniform ? trap_len : arch_trap_insn(trap, t[i].addr, len);

			if (len > n)
				window_store(t[i].addr + n, (const uint8_t *)&t[i].new + n, len - n);
		}
		toggle_flush(t, nr, len);
		cpusync_cores();
	}
	for (i = 0; i < nr; i++)
		window_store(t[i].addr, &t[i].new,
			     uniform ? trap_len : arch_trap_insn(trap, t[i].addr, len));
	toggle_flush(t, nr, len);
	cpusync_cores();
	toggle_emit_posts(t, nr, len);
	inflight_unpublish(NULL, 0);
	inflight_wait_readers(NULL, 0);
}
