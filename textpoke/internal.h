/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Engine internals shared by the core files: the site of a batch, the
 * text writer, the protocols, the in-flight table and the process-wide
 * state.  Nothing here is public.
 */
#ifndef TEXTPOKE_INTERNAL_H
#define TEXTPOKE_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <urcu/rculfhash.h>

#include <textpoke/events.h>
#include <textpoke/textpoke.h>

#include "insn.h"
#include "io.h"

/* One address range a batch changes. */
struct site {
	uintptr_t addr;
	unsigned int len;
	bool has_expect;
	uint8_t expect[TP_MAX_INSN_LEN];
	uint8_t old[TP_MAX_INSN_LEN];		/* read at commit */
	uint8_t new[TP_MAX_INSN_LEN];
	struct insn new_insn;			/* first new instruction */
	bool new_is_single;			/* new bytes are one instruction */
	uint32_t state;				/* SITE_LIVE while published */
};

/*
 * A site the trap handler may read is SITE_LIVE; after its grace period
 * the poking thread poisons it, so a handler that ever reads an entry too
 * late is counted (tp_stat_stale_reads) instead of silently using it.
 */
#define SITE_LIVE	0x4c495645u
#define SITE_POISON	0xdeadbeefu

/* poke.c: the last NOP decoded, for sites with the same bytes (len 0: none). */
struct nop_memo {
	uint8_t bytes[TP_MAX_INSN_LEN];
	size_t len;
	struct insn insn;
};

/*
 * An aligned 8-byte data word in text that a batch changes from @old to
 * @new (words.c): an ops slot, never executed.
 */
struct word {
	uintptr_t addr;
	uint64_t old, new;
};

/*
 * toggle.c: one entry of a toggle lane, a batch whose every change is
 * one instruction of the same length (at most 8 bytes) with its old
 * bytes known exactly: the instruction a client wrote there itself.
 * @old and @new hold the bytes in memory order from their lowest byte.
 */
struct toggle {
	uintptr_t addr;
	uint64_t old, new;
};

/*
 * The instruction ranges of a batch, in address order: its sites, or
 * the entries of a toggle lane (@toggle_len bytes each).  NULL: none.
 */
struct insn_ranges {
	const struct site *sites;
	const struct toggle *toggles;
	size_t nr;
	unsigned int toggle_len;
};

/*
 * @len (at most 8) bytes at @src as a lane entry's word holds them: the
 * word's bytes in memory are the instruction's, the rest zero.  The
 * lengths of the toggles are loads into registers, no call of memcpy.
 */
static inline uint64_t toggle_word(const void *src, unsigned int len)
{
	uint64_t word = 0;
	uint32_t low;

	switch (len) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	case 4:
		__builtin_memcpy(&low, src, 4);
		return low;
	case 5:
		/* Two loads into registers: a 5-byte copy read back as 8 stalls. */
		__builtin_memcpy(&low, src, 4);
		return low | (uint64_t)((const uint8_t *)src)[4] << 32;
#endif
	default:
		(void)low;
		__builtin_memcpy(&word, src, len);
		return word;
	}
}

static inline uintptr_t range_addr(const struct insn_ranges *r, size_t i)
{
	return r->sites ? r->sites[i].addr : r->toggles[i].addr;
}

static inline size_t range_len(const struct insn_ranges *r, size_t i)
{
	return r->sites ? r->sites[i].len : r->toggle_len;
}

static inline size_t ranges_nr(const struct insn_ranges *r)
{
	return r ? r->nr : 0;
}

/*
 * Commit a toggle lane: @nr entries sorted by address, and @words.  The
 * same checks and protocols as a batch of sites, with what is known of
 * every entry made use of.  -EOPNOTSUPP, before anything is checked or
 * written, when the lane cannot take the change (a backend or writer it
 * does not run, sites left trapped by a failed write): the caller then
 * makes it a batch of sites.
 */
int toggle_commit(const struct toggle *toggles, size_t nr, unsigned int len,
		  struct word *words, size_t nr_words, enum tp_backend backend);

struct tp_batch {
	struct site *sites;
	size_t nr, cap;
	struct word *words;
	size_t nr_words, cap_words;
	struct nop_memo nop;
	bool committed;
};

/* maps.c: executable mappings of this process, as seen at commit time. */
struct exec_map {
	uintptr_t start, end;
	int prot;			/* PROT_* of the mapping */
	bool denied;			/* textpoke's own text or a library it uses */
	bool in_object;			/* text of a loaded ELF object */
};

struct maps_snapshot {
	struct exec_map *maps;
	size_t nr;
	unsigned long long dl_adds, dl_subs;	/* loader counters when taken */
};

int maps_for_sites(const struct maps_snapshot **snap, const struct insn_ranges *sites,
		   const struct word *words, size_t nr_words);
int maps_check_range(const struct maps_snapshot *snap, uintptr_t addr,
		     size_t len, const struct exec_map **map);
/* The same in a walk in address order, @*map the last site's mapping or NULL. */
int maps_check_next(const struct maps_snapshot *snap, uintptr_t addr,
		    size_t len, const struct exec_map **map);
/* The library's objects have their .text renamed to this (Makefile). */
extern const char __start_textpoke_text[], __stop_textpoke_text[];

/* The engine's own text in @m, or in a range: never patched (-EPERM). */
bool maps_has_own_text(const struct exec_map *m);

static inline bool maps_is_own_text(uintptr_t addr, size_t len)
{
	return addr < (uintptr_t)__stop_textpoke_text &&
	       (uintptr_t)__start_textpoke_text < addr + len;
}
/* In a child after fork(): the parent's view of its mappings is not ours. */
void maps_after_fork_child(void);

/* Every mapping, for checking pointers nobody vouches for (jump_label.c). */
struct mem_area {
	uintptr_t start, end;
	int prot;
};
int maps_read_areas(struct mem_area **areas, size_t *nr);
/* Bytes from @addr on that are mapped with all of @prot; 0 when it is not. */
size_t maps_areas_span(const struct mem_area *areas, size_t nr, uintptr_t addr, int prot);


/*
 * text.c: the writer of one batch.  text_open() does everything that can
 * fail (permission changes, opening /proc/self/mem) before the first
 * byte is written; text_write() cannot fail after a successful open of
 * the mprotect window (text_write_may_fail() says when it can: the
 * /proc/self/mem writer), and text_close() restores the permissions.
 */
struct text_run {
	uintptr_t start, end;
	int prot;
};

struct text_writer {
	enum tp_writer kind;		/* MPROTECT or PROC_MEM after open */
	int mem_fd;
	struct text_run *runs;
	size_t nr_runs;
};

int text_open(struct text_writer *w, const struct insn_ranges *sites,
	      const struct word *words, size_t nr_words,
	      const struct maps_snapshot *snap, enum tp_writer want);
/*
 * The same with the page runs found by the caller, as collect_runs()
 * finds them: sorted, each within one mapping with its protection.  It
 * takes @runs (malloc()ed), whatever it returns.
 */
int text_open_runs(struct text_writer *w, struct text_run *runs, size_t nr_runs,
		   enum tp_writer want);

/*
 * Page runs as a batch's ranges add them, in address order: each within
 * one mapping, with its protection (@page: the page size).
 */
struct text_runs {
	struct text_run *runs;
	size_t nr, cap;
	uintptr_t page;
};

int text_runs_append(struct text_runs *r, uintptr_t start, uintptr_t end, int prot);

static inline bool text_run_holds(const struct text_run *run, uintptr_t start, uintptr_t end)
{
	return run && start >= run->start && end <= run->end;
}

/* Whether the last run of @r holds the pages of [addr, addr + len). */
static inline bool text_runs_hold(const struct text_runs *r, uintptr_t addr, size_t len)
{
	uintptr_t mask = ~(r->page - 1);

	return text_run_holds(r->nr ? &r->runs[r->nr - 1] : NULL, addr & mask,
			      (addr + len + r->page - 1) & mask);
}

/*
 * The pages of [addr, addr + len), in @map, into @r: nothing new when
 * the last run holds them already, the last run grown when they follow
 * it in the same mapping, else a new run.
 */
static inline int text_runs_add(struct text_runs *r, uintptr_t addr, size_t len,
				const struct exec_map *map)
{
	uintptr_t mask = ~(r->page - 1);
	uintptr_t start = addr & mask, end = (addr + len + r->page - 1) & mask;
	struct text_run *last = r->nr ? &r->runs[r->nr - 1] : NULL;

	if (text_run_holds(last, start, end))
		return 0;
	if (last && start <= last->end && last->prot == map->prot &&
	    start >= map->start && last->start >= map->start) {
		last->end = end > last->end ? end : last->end;
		return 0;
	}
	return text_runs_append(r, start, end, map->prot);
}
int text_write(struct text_writer *w, uintptr_t addr, const void *src, size_t len);

/*
 * text_write() through the mprotect window, inline for the lane's loops:
 * a naturally aligned 1, 2, 4 or 8-byte change is one
 * single-copy-atomic store.
 */
static inline int window_store(uintptr_t addr, const void *src, size_t len)
{
	if ((addr & (len - 1)) == 0) {
		switch (len) {
		case 1:
			__atomic_store_n((uint8_t *)addr, *(const uint8_t *)src, __ATOMIC_RELAXED);
			return 0;
		case 2: {
			uint16_t v;

			__builtin_memcpy(&v, src, 2);
			__atomic_store_n((uint16_t *)addr, v, __ATOMIC_RELAXED);
			return 0;
		}
		case 4: {
			uint32_t v;

			__builtin_memcpy(&v, src, 4);
			__atomic_store_n((uint32_t *)addr, v, __ATOMIC_RELAXED);
			return 0;
		}
		case 8: {
			uint64_t v;

			__builtin_memcpy(&v, src, 8);
			__atomic_store_n((uint64_t *)addr, v, __ATOMIC_RELAXED);
			return 0;
		}
		}
	}
	if (len == 4) {
		__builtin_memcpy((void *)addr, src, 4);	/* x86's tail behind INT3 */
		return 0;
	}
	__builtin_memcpy((void *)addr, src, len);
	return 0;
}
bool text_write_may_fail(const struct text_writer *w);
/* Through /proc/self/mem (that writer only): never faults; 0 or -EFAULT. */
int text_read(const struct text_writer *w, uintptr_t addr, void *dst, size_t len);
void text_close(struct text_writer *w);
enum tp_writer text_writer_setting(void);

/* tasks.c: the threads of this process, async-signal-safe. */
#define SIGNAL_BIT(sig)	(1ull << ((sig) - 1))
void tasks_init(void);
int tasks_for_each(int (*fn)(pid_t tid, void *arg), void *arg);
uint64_t task_blocked_signals(pid_t tid);	/* as the kernel sees it */
/* SigBlk and TracerPid (0: not traced) of @tid; -errno if unreadable. */
int task_signal_status(pid_t tid, uint64_t *blocked, pid_t *tracer);
uint64_t task_cpu_time(pid_t tid);		/* ns on a CPU so far, or 0 */
bool task_runnable(pid_t tid);			/* running or waiting for a CPU */
bool task_is_emulator_helper(pid_t tid);
bool signal_masks_visible(void);

/* cpusync.c; the park signal is needed where syncs are signal rounds. */
int cpusync_init(void);
void cpusync_cores(void);
bool cpusync_needs_park_signal(void);

/*
 * inflight.c: the sites of the running breakpoint batch, by address.
 * @sites sorted by address, as check_sites() leaves them; unpublish
 * takes the batch published.  Neither allocates.
 */
void inflight_publish(struct site *sites, size_t nr);
void inflight_unpublish(struct site *sites, size_t nr);
/*
 * One site kept published after its batch ended (its trap could not be
 * taken out of the text), until inflight_drop() and a grace period.
 */
struct inflight_node {
	struct site *site;
	struct inflight_node *next;
};
void inflight_keep(struct inflight_node *node);
void inflight_drop(struct inflight_node *node);
/* The lane's entries, as the caller's array (nothing copied). */
void inflight_publish_toggles(const struct toggle *toggles, size_t nr, unsigned int len);
/*
 * What the trap handler needs of the site at @addr: the instruction to
 * execute, and the word that says the site is still live.
 */
struct trap_site {
	struct insn insn;
	const uint32_t *state;
};
bool inflight_lookup(uintptr_t addr, struct trap_site *out);	/* under rcu read lock */
unsigned long inflight_generation(void);
void inflight_read_lock(void);
void inflight_read_unlock(void);
void inflight_wait_readers(struct site *sites, size_t nr);

/*
 * chain.c: the disposition one of textpoke's handlers replaced, and the
 * delivery of a signal that is not textpoke's to it, as the kernel would
 * have delivered it (@forced: a trap or fault of an instruction, which
 * SIG_IGN cannot ignore).
 */
struct chained_action {
	struct sigaction act;
	int reset;			/* SA_RESETHAND fired: SIG_DFL now */
};
void chain_save(struct chained_action *c, const struct sigaction *replaced);
bool chain_is_handler(const struct sigaction *act);
void chain_deliver(struct chained_action *c, int sig, siginfo_t *info,
		   void *context, bool forced);

/* trap.c */
int trap_init(void);
bool trap_handler_is_ours(void);
/* Some thread blocks SIGTRAP, or is traced by a debugger that may keep traps. */
bool trap_unsafe_in_a_thread(void);

/*
 * stop_machine.c: run @fn with every other thread parked outside @ranges
 * (sorted by address and apart, as the checks leave them; NULL: none),
 * by sending them the park signal (@sig from stop_machine_init(), moved
 * by stop_machine_set_signal() under the text mutex).
 * stop_machine_ready(): 0, or -EBUSY when the application replaced the
 * park handler (its own handler or SIG_IGN): no thread would park.
 */
int stop_machine_init(int sig);
int stop_machine(int (*fn)(void *), void *arg, const struct insn_ranges *ranges);
int stop_machine_ready(void);
int stop_machine_signal(void);
int stop_machine_set_signal(int sig);

/* park_signal.c: TEXTPOKE_PARK_SIGNAL, or the default; -EINVAL if bad. */
int park_signal_from_environment(void);
bool park_signal_valid(int sig);

/* The protocols: write every site of the batch or none (stubs.c: built out). */
int nosync_commit(struct site *sites, size_t nr, struct text_writer *w);
int bp_commit(struct site *sites, size_t nr, struct text_writer *w);
int stop_machine_commit(struct site *sites, size_t nr, struct text_writer *w);
/*
 * poke.c: what a commit needs to know once: the writer it expects,
 * whether the breakpoint backend's traps are safe now (our SIGTRAP
 * handler is still installed, no thread blocks SIGTRAP, which the kernel
 * would force through with the default action, and no debugger may keep
 * them), and whether threads can be parked (the application has not
 * taken the park signal): -EBUSY otherwise, before anything is written.
 */
struct commit_env {
	enum tp_writer writer;
	int traps_safe;			/* 0 or -EBUSY; 1 until asked */
	int park_ready;			/* 0 or -EBUSY; 1 until asked */
};
#define COMMIT_ENV_INIT(want)	{					\
	.writer = (want) == TP_WRITER_PROC_MEM ? (want) : TP_WRITER_MPROTECT,	\
	.traps_safe = 1, .park_ready = 1,				\
}
/* What @backend needs whatever the sites: 0 or the error of the commit. */
int backend_ready(enum tp_backend backend, struct commit_env *env);
/* AUTO's order of trial, NR_BACKENDS of them. */
#define NR_BACKENDS	3
const enum tp_backend *backend_order(void);

/* The lane's protocols (bp.c, nosync.c): the window writer only, no failed store. */
void toggle_bp_commit(const struct toggle *t, size_t nr, unsigned int len,
		      struct text_writer *w);
void toggle_nosync_commit(const struct toggle *t, size_t nr, unsigned int len,
			  struct text_writer *w);
/* stop_machine.c: it can fail only to park the threads, before any write. */
int toggle_stop_machine_commit(const struct toggle *t, size_t nr, unsigned int len,
			       struct text_writer *w);
/* An entry's PRE, and the POSTs of @nr entries (when a subscriber listens). */
void toggle_emit_pre(const struct toggle *t, unsigned int len);
void toggle_emit_posts(const struct toggle *t, size_t nr, unsigned int len);
/* Each entry's PRE, then its new bytes through the window, flushed. */
void toggle_store_all(const struct toggle *t, size_t nr, unsigned int len);

/*
 * bp.c: breakpoint sites whose trap a failed write left in the text stay
 * published; each commit first tries to finish them, and refuses sites
 * that overlap one still stuck.  Under the text mutex.
 */
void bp_retry_stuck(void);
bool bp_stuck_overlaps(const struct site *sites, size_t nr,
		       const struct word *words, size_t nr_words);
bool bp_any_stuck(void);

/*
 * poke.c: the text mutex serialises pokes, subscriptions and the perf.data
 * writer.  -EDEADLK when the calling thread runs a callback of the library
 * (see in_library_callback()).
 */
int text_mutex_lock(void);
void text_mutex_unlock(void);

/*
 * Whether the calling thread runs a callback of the library: an event
 * callback (it holds the text mutex, and maybe the static key or ftrace
 * mutex of the change that poked) or a function-tracing callback (inside
 * the read section whose grace period a holder of any of them may wait
 * for).  Every mutex of the library is taken only after this returned
 * false, so a callback that calls the API gets -EDEADLK, never a
 * deadlock.
 */
bool in_library_callback(void);

/* tracing/ftrace.c: the calling thread is in a function-tracing callback. */
#ifdef CONFIG_FTRACE
bool ftrace_thread_in_callback(void);
#else
static inline bool ftrace_thread_in_callback(void)
{
	return false;
}
#endif

/*
 * Fork handlers are registered when the library is loaded, not at first
 * use: once libc's table of them is full, registering allocates, and
 * glibc never registers another after that failed once.  The engine's
 * first (constructors of lower priority run first), so that a fork,
 * whose prepare handlers run in the reverse order, takes the clients'
 * mutexes before the text mutex, the order every call takes them in.
 */
#define FORK_HANDLERS_ENGINE	101
#define FORK_HANDLERS_CLIENT	102

/*
 * poke.c: an aligned 8-byte data word in text that @batch changes from
 * @old to @value along with its instructions (an ops slot).
 */
int batch_add_word(struct tp_batch *batch, uintptr_t addr, uint64_t old, uint64_t value);
/* Room for @nr_sites more sites and @nr_words more words, allocated now. */
int batch_reserve(struct tp_batch *batch, size_t nr_sites, size_t nr_words);

/*
 * words.c: the words of a batch, checked after its sites (sorted by
 * check_sites()), stored just before its protocol runs.
 */
int words_check(struct word *words, size_t nr, const struct insn_ranges *sites,
		const struct maps_snapshot *snap);
int words_store(struct text_writer *w, const struct word *words, size_t nr, bool back);
int words_commit(const struct word *words, size_t nr, const struct maps_snapshot *snap,
		 enum tp_writer want);

/*
 * events.c: PRE and POST events, under the text mutex.  A commit calls
 * events_batch_begin() once its backend is known and events_batch_end()
 * when the text is closed; the protocols call events_pre() just before
 * the first write to a site and events_post() just after the last sync
 * (@written: whether the sites now hold their new bytes or, undone, their
 * old ones).  With no subscriber each costs one predictable branch.
 */
extern unsigned int events_listening;
void events_batch_begin(enum tp_backend backend);
void events_batch_end(void);
void events_emit_pre(const struct site *s);
void events_emit_post(const struct site *sites, size_t nr, bool written);
bool events_trace_exact(void);
/* At tp_init(): open the sinks the environment names (TEXTPOKE_PERF_DATA). */
int events_init(void);

static inline void events_pre(const struct site *s)
{
	if (__builtin_expect(events_listening != 0, 0))
		events_emit_pre(s);
}

static inline void events_post(const struct site *sites, size_t nr, bool written)
{
	if (__builtin_expect(events_listening != 0, 0))
		events_emit_post(sites, nr, written);
}

/* Counters for tests and benchmarks (read through test_support.h). */
extern unsigned long tp_stat_syncs;
extern unsigned long tp_stat_mprotects;
extern unsigned long tp_stat_emulations;
extern unsigned long tp_stat_stale_reads;
extern unsigned long tp_stat_stop_retries;
extern unsigned long tp_stat_maps_reads;
extern unsigned long tp_stat_stuck_sites;
extern unsigned long tp_stat_lane_batches;

#endif /* TEXTPOKE_INTERNAL_H */
