// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The toggle lane: a batch whose every change is one instruction of the
 * same length, with its old bytes known exactly, as when function tracing
 * turns initialised entries on or off.  It makes the checks and runs the
 * protocols of a batch of sites (poke.c), on an array of plain entries
 * (address, old word, new word) instead of sites:
 *
 *  - no site is built: an entry is three words the client filled in;
 *  - the old bytes are one load and one compare per entry, no copy;
 *  - a NOP, the same bytes at every entry that has one, is decoded once
 *    per batch; the other instruction of each entry is decoded once, to
 *    check it, and not kept: the trap handler decodes the entry it traps
 *    on (inflight.c);
 *  - which backends the entries allow is found in the same pass, so
 *    choosing one is a test of two flags.
 *
 * Everything the lane cannot take (the stop_machine backend, the
 * /proc/self/mem writer, sites left trapped by a failed write, entries
 * out of order or whose bytes do not decode) it leaves alone, before
 * any check against the text, with -EOPNOTSUPP: the caller then commits
 * the same change as a batch of sites, which decides and reports it as
 * ever.  What the lane does report (the mappings, bytes that changed
 * behind the client's back, overlaps, the words) is the same error a
 * batch of sites would give, found in the same order.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "arch.h"
#include "internal.h"

void toggle_as_site(struct site *s, const struct toggle *t, unsigned int len)
{
	s->addr = t->addr;
	s->len = len;
	memcpy(s->old, &t->old, len);
	memcpy(s->new, &t->new, len);
}

/* The NOP of the batch, decoded once; len 0 until one is seen. */
struct lane_nop {
	uint64_t word;
	unsigned int len;
};

/*
 * The instruction of @word at @addr: its kind, or INSN_UNKNOWN unless it
 * is exactly one known instruction of @len bytes.
 */
static enum insn_kind lane_decode(struct lane_nop *nop, uint64_t word, uintptr_t addr,
				  unsigned int len, struct insn *insn)
{
	if (nop->len && word == nop->word)
		return INSN_NOP;
	if (arch_insn_decode(&word, len, addr, insn) != (int)len)
		return INSN_UNKNOWN;
	if (insn->kind == INSN_NOP) {
		nop->word = word;
		nop->len = len;
	}
	return insn->kind;
}

/* What the entries allow, learnt in the checks without the text. */
struct lane_caps {
	bool breakpoint;	/* every old one instruction, every new one emulable */
	bool nosync;		/* every transition safe with one store */
};

/*
 * The checks a batch of sites makes when its sites are added: aligned,
 * non-NULL, ascending addresses; new bytes that are whole known
 * instructions.  And what the backends need of every entry.  False
 * when the lane leaves the batch to the generic path.
 */
static bool lane_precheck(const struct toggle *t, size_t nr, unsigned int len,
			  struct lane_caps *caps)
{
	struct lane_nop nop = { .len = 0 };
	const struct insn nop_insn = { .kind = INSN_NOP, .len = len };
	size_t align = arch_insn_alignment(), i;

	caps->breakpoint = true;
	caps->nosync = true;
	for (i = 0; i < nr; i++) {
		struct insn old, new;
		enum insn_kind kind;

		if (!t[i].addr || t[i].addr % align || (i && t[i].addr < t[i - 1].addr))
			return false;
		kind = lane_decode(&nop, t[i].new, t[i].addr, len, &new);
		if (kind == INSN_UNKNOWN)
			return false;
		if (kind == INSN_NOP)
			new = nop_insn;
		if (caps->breakpoint)
			caps->breakpoint = arch_insn_emulable(&new) &&
				lane_decode(&nop, t[i].old, t[i].addr, len, &old) != INSN_UNKNOWN;
		if (caps->nosync)
			caps->nosync = arch_nosync_safe(t[i].addr, (const uint8_t *)&t[i].old,
							(const uint8_t *)&t[i].new, len);
	}
	return true;
}

/*
 * check_sites() for the lane: each entry in one patchable readable
 * mapping, no overlap, and the text holding the entry's old bytes.
 */
static int lane_check(const struct toggle *t, size_t nr, unsigned int len,
		      const struct maps_snapshot *snap)
{
	const struct exec_map *map = NULL;
	size_t i;

	for (i = 0; i < nr; i++) {
		int err = maps_check_next(snap, t[i].addr, len, &map);

		if (err)
			return err;
		if (!(map->prot & PROT_READ))
			return -EFAULT;
		if (i + 1 < nr && t[i].addr + len > t[i + 1].addr)
			return -EINVAL;		/* overlapping or duplicate */
		if (toggle_word((const void *)t[i].addr, len) != t[i].old)
			return -EILSEQ;
	}
	return 0;
}

/*
 * backend_pick() and backend_check() for the lane: the first of AUTO's
 * order (or @backend) that the entries and the process allow, if it is
 * one the lane runs.
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
			       b == TP_BACKEND_BREAKPOINT ? caps->breakpoint : false;

		if (allowed && !backend_ready(b, &env)) {
			*chosen = b;
			return 0;
		}
		if (backend != TP_BACKEND_AUTO || b == TP_BACKEND_STOP_MACHINE)
			break;
	}
	return -EOPNOTSUPP;
}

static int lane_locked(const struct toggle *t, size_t nr, unsigned int len,
		       struct word *words, size_t nr_words, enum tp_backend backend)
{
	const struct insn_ranges ranges = { .toggles = t, .nr = nr, .toggle_len = len };
	const struct maps_snapshot *snap;
	struct text_writer w;
	struct lane_caps caps;
	enum tp_backend chosen;
	int err;

	bp_retry_stuck();
	if (bp_any_stuck() || !lane_precheck(t, nr, len, &caps))
		return -EOPNOTSUPP;
	err = maps_for_sites(&snap, &ranges, words, nr_words) ?:
	      lane_check(t, nr, len, snap) ?:
	      words_check(words, nr_words, &ranges, snap) ?:
	      lane_backend(backend, &caps, &chosen);
	if (err)
		return err;
	err = text_open(&w, &ranges, words, nr_words, snap, text_writer_setting());
	if (err)
		return err;
	if (w.kind != TP_WRITER_MPROTECT) {
		text_close(&w);
		return -EOPNOTSUPP;
	}
	events_batch_begin(chosen);
	/* Through the window neither the words' stores nor the protocol fail. */
	words_store(&w, words, nr_words, false);
	if (chosen == TP_BACKEND_NOSYNC)
		toggle_nosync_commit(t, nr, len, &w);
	else
		toggle_bp_commit(t, nr, len, &w);
	text_close(&w);
	events_batch_end();
	return 0;
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
