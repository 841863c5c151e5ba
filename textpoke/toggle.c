// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The toggle lane: a batch whose every change is one range of the same
 * length (at most 8 bytes) with its old bytes known exactly, as when
 * function tracing turns initialised entries on or off, or on x86
 * initialises them.  It makes the checks and runs the protocols of a
 * batch of sites (poke.c), on an array of plain entries (address, old
 * word, new word) instead of sites:
 *
 *  - no site is built: an entry is three words the client filled in;
 *  - the old bytes are one load and one compare per entry, no copy;
 *  - a NOP, the same bytes at every entry that has one, is decoded once
 *    per batch, and so is a call: the other calls of the batch differ
 *    from it only in their targets (arch_insn_form_mask()), which no
 *    check reads; nothing decoded is kept: the trap handler decodes the
 *    entry it traps on (inflight.c);
 *  - the entries and the words are checked in one walk, in address
 *    order, the mapping searched once per run of them, which also finds
 *    what the backends allow and the writer's page runs.
 *
 * Whatever the lane cannot take (the /proc/self/mem writer, sites left
 * trapped by a failed write, entries out of order or whose bytes do not
 * decode) and whatever fails a check (a mapping, bytes changed behind
 * the client's back, an overlap), it leaves alone with -EOPNOTSUPP before
 * anything is written: the caller then commits the same change as a
 * batch of sites, which decides and reports it as ever, in the order it
 * always has.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch.h"
#include "internal.h"

static void toggle_as_site(struct site *s, const struct toggle *t, unsigned int len)
{
	s->addr = t->addr;
	s->len = len;
	memcpy(s->old, &t->old, len);
	memcpy(s->new, &t->new, len);
}

/*
 * The events of an entry, as a batch of sites emits them, from a site
 * made on the stack: only when a subscriber listens, which the
 * protocols test before each PRE (toggle_emit_posts() itself).
 */
void toggle_emit_pre(const struct toggle *t, unsigned int len)
{
	struct site s;

	toggle_as_site(&s, t, len);
	events_emit_pre(&s);
}

/*
 * Every entry's PRE and its new bytes, stored through the window and
 * flushed: the whole write of nosync and stop_machine.
 */
void toggle_store_all(const struct toggle *t, size_t nr, unsigned int len)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		if (__builtin_expect(events_listening != 0, 0))
			toggle_emit_pre(&t[i], len);
		window_store(t[i].addr, &t[i].new, len);
		arch_flush_icache(t[i].addr, len);
	}
}

void toggle_emit_posts(const struct toggle *t, size_t nr, unsigned int len)
{
	struct site s;
	size_t i;

	if (__builtin_expect(events_listening == 0, 1))
		return;
	for (i = 0; i < nr; i++) {
		toggle_as_site(&s, &t[i], len);
		events_emit_post(&s, 1, true);
	}
}

/*
 * What the batch's decodes found: its NOP (the same bytes at every entry
 * that has one; len 0 until one is seen), and the form of the last other
 * instruction (arch_insn_form_mask(); mask 0 until one is seen), which
 * for the calls of a batch is the form of all of them.
 */
struct lane_nop {
	uint64_t word;
	unsigned int len;
	uint64_t form_mask, form_key;
	enum insn_kind form_kind;
};

/* The instructions after the first (@off bytes) of a multi-instruction word. */
static int lane_decode_rest(uint64_t word, uintptr_t addr, unsigned int len,
			    unsigned int off)
{
	const uint8_t *bytes = (const uint8_t *)&word;
	int count = 1;

	while (off < len) {
		struct insn next;
		int n = arch_insn_decode(bytes + off, len - off, addr + off, &next);

		if (n <= 0)
			return -1;
		off += n;
		count++;
	}
	return count;
}

/*
 * How many instructions the @len bytes of @word at @addr are, the first
 * in @insn; -1 unless they are all known instructions.  One, nearly
 * always: a toggle.
 */
static inline int lane_decode(struct lane_nop *nop, uint64_t word, uintptr_t addr,
			      unsigned int len, struct insn *insn)
{
	uint64_t mask;
	int n;

	if (nop->len && word == nop->word) {
		/* Two fields: clearing the whole struct costs more than the rest. */
		insn->kind = INSN_NOP;
		insn->len = len;
		return 1;
	}
	if ((word & nop->form_mask) == nop->form_key && nop->form_mask) {
		/* The checks read the kind and length only. */
		insn->kind = nop->form_kind;
		insn->len = len;
		return 1;
	}
	n = arch_insn_decode(&word, len, addr, insn);
	if (n <= 0)
		return -1;
	if (n < (int)len)
		return lane_decode_rest(word, addr, len, n);
	if (insn->kind == INSN_NOP) {
		nop->word = word;
		nop->len = len;
		return 1;
	}
	mask = arch_insn_form_mask(word, len);
	if (~mask) {
		nop->form_mask = mask;
		nop->form_key = word & mask;
		nop->form_kind = insn->kind;
	}
	return 1;
}

/* What the entries allow, learnt in the same walk as the checks. */
struct lane_caps {
	bool breakpoint;	/* every old one instruction, every new one emulable */
	bool nosync;		/* every transition safe with one store */
};

unsigned long tp_stat_lane_batches;

/*
 * The checks a batch of sites makes when its sites are added (aligned,
 * non-NULL addresses; new bytes that are whole known instructions), and
 * what the backends need of every entry.
 */
static bool entry_precheck(const struct toggle *t, unsigned int len, size_t align_mask,
			   struct lane_nop *nop, struct lane_caps *caps)
{
	struct insn old, new;
	int count;

	if (!t->addr || (t->addr & align_mask))
		return false;
	count = lane_decode(nop, t->new, t->addr, len, &new);
	if (count <= 0)
		return false;
	if (caps->breakpoint)
		caps->breakpoint = count == 1 && arch_insn_emulable(&new) &&
			lane_decode(nop, t->old, t->addr, len, &old) == 1;
	if (caps->nosync)
		caps->nosync = arch_nosync_safe(t->addr, (const uint8_t *)&t->old,
						(const uint8_t *)&t->new, len);
	return true;
}

/* Where a walk over the ranges (entries and words) stands. */
struct lane_walk {
	const struct maps_snapshot *snap;
	const struct exec_map *map;	/* the last range's mapping */
	bool own;			/* it holds some of the engine's text */
	uintptr_t prev_end;		/* the last range's end */
	struct text_runs runs;		/* the writer's, as text_open() finds them */
};

/*
 * The next range in address order: after the one before, in one
 * patchable readable mapping (searched only when it leaves the last
 * one's), not the engine's own text, its pages in the writer's runs.
 * 1, 0 when it fails, or -ENOMEM.
 */
static inline int range_next_ok(struct lane_walk *lw, uintptr_t addr, size_t len)
{
	uintptr_t end = addr + len;

	if (addr < lw->prev_end || end < addr)
		return 0;
	lw->prev_end = end;
	if (!lw->map || addr < lw->map->start || end > lw->map->end) {
		if (maps_check_range(lw->snap, addr, len, &lw->map) ||
		    !(lw->map->prot & PROT_READ))
			return 0;
		lw->own = maps_has_own_text(lw->map);
	}
	if (lw->own && maps_is_own_text(addr, len))
		return 0;
	return text_runs_add(&lw->runs, addr, len, lw->map) ?: 1;
}

/* The words below @below (all of them: UINTPTR_MAX); *@j walks them. */
static inline int words_next_ok(struct lane_walk *lw, const struct word *words,
				size_t nr_words, size_t *j, uintptr_t below)
{
	for (; *j < nr_words && words[*j].addr < below; (*j)++) {
		const struct word *w = &words[*j];
		uint64_t now;
		int ok;

		if (w->addr % sizeof(now))
			return 0;
		ok = range_next_ok(lw, w->addr, sizeof(now));
		if (ok != 1)
			return ok;
		__builtin_memcpy(&now, (const void *)w->addr, sizeof(now));
		if (now != w->old)
			return 0;
	}
	return 1;
}

/*
 * Every check of a batch of sites and of its words, in one walk over the
 * entries and the words together in address order: each entry's
 * instructions (entry_precheck()); each range in one patchable readable
 * mapping, searched once per run of ranges in it (the engine's own text
 * looked for at each range only in a mapping that holds some); no range
 * overlapping the one before (so none overlaps another); the text
 * holding what the entry or word expects.  The writer's page runs are
 * gathered on the way.  1 when all pass; 0 at the first that does not,
 * which the generic path then finds and reports; or -ENOMEM.
 */
static int lane_walk(const struct toggle *t, size_t nr, unsigned int len,
		     const struct word *words, size_t nr_words,
		     struct lane_walk *lw, struct lane_caps *caps)
{
	struct lane_nop nop = { .len = 0, .form_mask = 0 };
	size_t align_mask = arch_insn_alignment() - 1, i, j = 0;
	int ok;

	caps->breakpoint = caps->nosync = true;
	for (i = 0; i < nr; i++) {
		ok = words_next_ok(lw, words, nr_words, &j, t[i].addr);
		if (ok != 1)
			return ok;
		if (!entry_precheck(&t[i], len, align_mask, &nop, caps))
			return 0;
		ok = range_next_ok(lw, t[i].addr, len);
		if (ok != 1)
			return ok;
		if (toggle_word((const void *)t[i].addr, len) != t[i].old)
			return 0;
	}
	return words_next_ok(lw, words, nr_words, &j, UINTPTR_MAX);
}

/*
 * backend_pick() and backend_check() for the lane: the first of AUTO's
 * order (or @backend) that the entries and the process allow.
 */
static int lane_backend(enum tp_backend backend, const struct lane_caps *caps,
			enum tp_backend *chosen)
{
	struct commit_env env = COMMIT_ENV_INIT(TP_WRITER_MPROTECT);
	const enum tp_backend *order = backend_order();
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++) {
		enum tp_backend b = backend == TP_BACKEND_AUTO ? order[i] : backend;
		bool allowed = b == TP_BACKEND_NOSYNC ? caps->nosync :
			       b == TP_BACKEND_BREAKPOINT ? caps->breakpoint :
			       b == TP_BACKEND_STOP_MACHINE;

		if (allowed && !backend_ready(b, &env)) {
			*chosen = b;
			return 0;
		}
		if (backend != TP_BACKEND_AUTO)
			break;
	}
	return -EOPNOTSUPP;
}

static int lane_protocol(enum tp_backend backend, const struct toggle *t, size_t nr,
			 unsigned int len, struct text_writer *w)
{
	switch (backend) {
	case TP_BACKEND_NOSYNC:
		toggle_nosync_commit(t, nr, len, w);
		return 0;
	case TP_BACKEND_BREAKPOINT:
		toggle_bp_commit(t, nr, len, w);
		return 0;
	default:
		return toggle_stop_machine_commit(t, nr, len, w);
	}
}

static int lane_locked(const struct toggle *t, size_t nr, unsigned int len,
		       struct word *words, size_t nr_words, enum tp_backend backend)
{
	const struct insn_ranges ranges = { .toggles = t, .nr = nr, .toggle_len = len };
	struct lane_walk lw = { .runs = { .page = sysconf(_SC_PAGESIZE) } };
	struct text_writer w;
	struct lane_caps caps;
	enum tp_backend chosen;
	int err, passed;

	bp_retry_stuck();
	if (bp_any_stuck())
		return -EOPNOTSUPP;
	err = maps_for_sites(&lw.snap, &ranges, words, nr_words);
	if (err)
		return err;
	passed = lane_walk(t, nr, len, words, nr_words, &lw, &caps);
	if (passed == 1 && lane_backend(backend, &caps, &chosen))
		passed = 0;
	if (passed != 1) {
		free(lw.runs.runs);
		return passed < 0 ? passed : -EOPNOTSUPP;
	}
	/* It takes the runs. */
	err = text_open_runs(&w, lw.runs.runs, lw.runs.nr, text_writer_setting());
	if (err)
		return err;
	if (w.kind != TP_WRITER_MPROTECT) {
		text_close(&w);
		return -EOPNOTSUPP;
	}
	events_batch_begin(chosen);
	/*
	 * Through the window no store fails: only stop_machine can, to park
	 * the threads, before it writes anything; the words go back then.
	 */
	words_store(&w, words, nr_words, false);
	err = lane_protocol(chosen, t, nr, len, &w);
	if (err)
		words_store(&w, words, nr_words, true);
	else
		__atomic_add_fetch(&tp_stat_lane_batches, 1, __ATOMIC_RELAXED);
	text_close(&w);
	events_batch_end();
	return err;
}

int toggle_commit(const struct toggle *toggles, size_t nr, unsigned int len,
		  struct word *words, size_t nr_words, enum tp_backend backend)
{
	int err = tp_init();

	if (err)
		return err;
	if (in_library_callback())
		return -EDEADLK;
	if (!nr || !len || len > sizeof(toggles->new) ||
	    text_writer_setting() == TP_WRITER_PROC_MEM)
		return -EOPNOTSUPP;
	err = text_mutex_lock();
	if (err)
		return err;
	err = lane_locked(toggles, nr, len, words, nr_words, backend);
	text_mutex_unlock();
	return err;
}
