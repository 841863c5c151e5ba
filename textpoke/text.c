// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Writing to read-execute text.
 *
 * mprotect window: the page runs a batch touches become RWX for the whole
 * batch and get their own protection back at the end: one pair of
 * mprotect calls per contiguous run, not per site.  PROT_EXEC is never
 * dropped from a live page, or threads executing there would fault.
 *
 * /proc/self/mem: pwrite() with no permission change, for processes
 * where RWX is refused.  The kernel's copy is not single-copy atomic, so
 * only protocols that never race a thread against a multi-byte store use
 * it (x86 breakpoint's 1-byte steps, stop_machine).  Unlike a store
 * through the window it can fail (the page went away, no memory for the
 * copy): a failed or short write is tried again a few times, and the
 * protocols undo, or keep emulated, what a write that still fails left.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

unsigned long tp_stat_mprotects;

#ifdef CONFIG_TEXT_WRITER_MPROTECT
static enum tp_writer writer_setting = TP_WRITER_MPROTECT;
#elif defined(CONFIG_TEXT_WRITER_PROC_MEM)
static enum tp_writer writer_setting = TP_WRITER_PROC_MEM;
#else
static enum tp_writer writer_setting = TP_WRITER_AUTO;
#endif

int tp_set_writer(enum tp_writer writer)
{
	switch (writer) {
	case TP_WRITER_AUTO:
	case TP_WRITER_MPROTECT:
	case TP_WRITER_PROC_MEM:
		__atomic_store_n(&writer_setting, writer, __ATOMIC_RELAXED);
		return 0;
	}
	return -EINVAL;
}

enum tp_writer text_writer_setting(void)
{
	return __atomic_load_n(&writer_setting, __ATOMIC_RELAXED);
}

static uintptr_t page_size(void)
{
	static uintptr_t size;

	if (!size)
		size = sysconf(_SC_PAGESIZE);
	return size;
}

static int mprotect_counted(uintptr_t start, uintptr_t end, int prot)
{
	__atomic_add_fetch(&tp_stat_mprotects, 1, __ATOMIC_RELAXED);
	return mprotect((void *)start, end - start, prot);
}

/*
 * The next range of a walk over @sites and @words together (each sorted
 * by address), in address order: false when both are done.
 */
struct range_walk {
	const struct insn_ranges *sites;
	size_t nr, i;
	const struct word *words;
	size_t nr_words, j;
};

static bool range_next(struct range_walk *rw, uintptr_t *addr, size_t *len)
{
	bool site = rw->i < rw->nr &&
		    (rw->j == rw->nr_words || range_addr(rw->sites, rw->i) < rw->words[rw->j].addr);

	if (site) {
		*addr = range_addr(rw->sites, rw->i);
		*len = range_len(rw->sites, rw->i++);
		return true;
	}
	if (rw->j == rw->nr_words)
		return false;
	*addr = rw->words[rw->j++].addr;
	*len = sizeof(uint64_t);
	return true;
}

/*
 * Page runs of the sites and words (sorted by address by the caller),
 * each with the protection of its mapping.  Runs never span two
 * mappings, so each can get its own protection back.
 */
int text_runs_append(struct text_runs *r, uintptr_t start, uintptr_t end, int prot)
{
	/* Runs are few: a batch rarely spans more than its objects. */
	if (r->nr == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct text_run *runs = realloc(r->runs, cap * sizeof(*runs));

		if (!runs)
			return -ENOMEM;
		r->runs = runs;
		r->cap = cap;
	}
	r->runs[r->nr++] = (struct text_run){ start, end, prot };
	return 0;
}

static int collect_runs(struct text_writer *w, struct range_walk *rw,
			const struct maps_snapshot *snap)
{
	struct text_runs r = { .page = page_size() };
	const struct exec_map *map = NULL;
	uintptr_t addr;
	size_t len;
	int err = 0;

	while (!err && range_next(rw, &addr, &len)) {
		/* Inside the last run's pages, so inside its mapping: nothing new. */
		if (text_runs_hold(&r, addr, len))
			continue;
		err = maps_check_next(snap, addr, len, &map) ?:
		      text_runs_add(&r, addr, len, map);
	}
	w->runs = r.runs;
	w->nr_runs = r.nr;
	return err;
}

static void restore_runs(struct text_writer *w, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		mprotect_counted(w->runs[i].start, w->runs[i].end, w->runs[i].prot);
}

static int open_window(struct text_writer *w)
{
	size_t i;

	for (i = 0; i < w->nr_runs; i++) {
		int prot = w->runs[i].prot | PROT_READ | PROT_WRITE | PROT_EXEC;

		if (mprotect_counted(w->runs[i].start, w->runs[i].end, prot)) {
			int err = -errno;

			restore_runs(w, i);
			return err == -ENOMEM ? -EFAULT : err;
		}
	}
	w->kind = TP_WRITER_MPROTECT;
	return 0;
}

static int open_proc_mem(struct text_writer *w)
{
	w->mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (w->mem_fd < 0)
		return -EACCES;
	w->kind = TP_WRITER_PROC_MEM;
	return 0;
}

int text_open_runs(struct text_writer *w, struct text_run *runs, size_t nr_runs,
		   enum tp_writer want)
{
	int err;

	w->mem_fd = -1;
	w->runs = runs;
	w->nr_runs = nr_runs;
	if (want == TP_WRITER_PROC_MEM) {
		free(runs);
		w->runs = NULL;
		w->nr_runs = 0;
		return open_proc_mem(w);
	}
	err = open_window(w);
	if (err == -EACCES || err == -EPERM) {
		/* W^X policy: RWX refused.  Fall back when allowed to. */
		free(w->runs);
		w->runs = NULL;
		w->nr_runs = 0;
		if (want == TP_WRITER_AUTO)
			return open_proc_mem(w);
		return -EACCES;
	}
	if (err) {
		free(w->runs);
		w->runs = NULL;
	}
	return err;
}

int text_open(struct text_writer *w, const struct insn_ranges *sites,
	      const struct word *words, size_t nr_words,
	      const struct maps_snapshot *snap, enum tp_writer want)
{
	struct range_walk rw = { sites, ranges_nr(sites), 0, words, nr_words, 0 };
	int err;

	w->mem_fd = -1;
	w->runs = NULL;
	w->nr_runs = 0;
	if (want == TP_WRITER_PROC_MEM)
		return open_proc_mem(w);
	err = collect_runs(w, &rw, snap);
	if (err) {
		free(w->runs);
		w->runs = NULL;
		return err;
	}
	return text_open_runs(w, w->runs, w->nr_runs, want);
}

/* Tries of one write through /proc/self/mem before it counts as failed. */
#define PROC_MEM_TRIES	3

/* The errno of the last failed try, or -EIO for a short write. */
static int proc_mem_write(struct text_writer *w, uintptr_t addr, const void *src,
			  size_t len)
{
	int err = -EIO, tries;

	for (tries = 0; tries < PROC_MEM_TRIES; tries++) {
		ssize_t done = pwrite(w->mem_fd, src, len, (off_t)addr);

		if (done == (ssize_t)len)
			return 0;
		err = done < 0 ? -errno : -EIO;
	}
	return err;
}

bool text_write_may_fail(const struct text_writer *w)
{
	return w->kind == TP_WRITER_PROC_MEM;
}

/*
 * Read @len bytes at @addr without faulting, wherever they are (the
 * application may have unmapped them): through /proc/self/mem.  0, or
 * -EFAULT when they cannot be read.
 */
int text_read(const struct text_writer *w, uintptr_t addr, void *dst, size_t len)
{
	if (w->mem_fd < 0)
		return -EFAULT;
	return pread(w->mem_fd, dst, len, (off_t)addr) == (ssize_t)len ? 0 : -EFAULT;
}

/*
 * Store @len bytes at @addr.  Async-signal-safe and lock-free: it runs
 * while other threads are parked.  Through the window, a naturally
 * aligned 1, 2, 4 or 8-byte change is one single-copy-atomic store.
 */
int text_write(struct text_writer *w, uintptr_t addr, const void *src, size_t len)
{
	if (w->kind == TP_WRITER_PROC_MEM)
		return proc_mem_write(w, addr, src, len);
	return window_store(addr, src, len);
}

void text_close(struct text_writer *w)
{
	if (w->kind == TP_WRITER_MPROTECT)
		restore_runs(w, w->nr_runs);
	if (w->mem_fd >= 0)
		close(w->mem_fd);
	free(w->runs);
	w->runs = NULL;
	w->nr_runs = 0;
	w->mem_fd = -1;
}
