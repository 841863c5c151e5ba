// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp_poke and batches: validate everything, pick a backend, run its
 * protocol.  Nothing is written before every check has passed; a failure
 * after that is undone by the protocol, so a caller sees all sites changed
 * or none.  One process-wide text mutex serialises all pokes, as the
 * kernel's text_mutex does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <urcu-bp.h>

#include "arch.h"
#include "internal.h"

static pthread_mutex_t text_mutex = PTHREAD_MUTEX_INITIALIZER;
static __thread bool text_mutex_mine;	/* this thread holds it */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_error;

/*
 * An event callback runs with the text mutex held; if it poked or
 * subscribed it would wait for itself forever.  Say so instead.
 */
int text_mutex_lock(void)
{
	if (text_mutex_mine)
		return -EDEADLK;
	pthread_mutex_lock(&text_mutex);
	text_mutex_mine = true;
	return 0;
}

void text_mutex_unlock(void)
{
	text_mutex_mine = false;
	pthread_mutex_unlock(&text_mutex);
}

/*
 * A child must never inherit a half-done batch: fork waits for the mutex.
 * It must not inherit the RCU readers of threads it does not have either
 * (a thread in the trap handler at fork time): urcu-bp's fork hooks drop
 * them in the child, or the child's first grace period waits forever.
 * The mutex first: a poke holding it may be waiting for a grace period.
 */
static void fork_prepare(void)
{
	pthread_mutex_lock(&text_mutex);
	urcu_bp_before_fork();
}

static void fork_parent(void)
{
	urcu_bp_after_fork_parent();
	pthread_mutex_unlock(&text_mutex);
}

static void fork_child(void)
{
	maps_after_fork_child();
	urcu_bp_after_fork_child();
	pthread_mutex_unlock(&text_mutex);
}

static void init_engine(void)
{
	int err;

	tasks_init();
	err = cpusync_init();

	if (!err)
		err = inflight_init();
	if (!err)
		err = trap_init();
	if (!err)
		err = stop_machine_init();
	if (!err)
		err = -pthread_atfork(fork_prepare, fork_parent, fork_child);
	if (!err)
		err = events_init();
	init_error = err;
}

int tp_init(void)
{
	pthread_once(&init_once, init_engine);
	return init_error;
}

/* --- checks that need no text ------------------------------------------ */

/*
 * @len bytes of @code must be whole known instructions.  Returns how many
 * instructions, or -EINVAL.  @first gets the first one, decoded at @pc.
 */
static int decode_all(const uint8_t *code, size_t len, uintptr_t pc,
		      struct insn *first)
{
	struct insn insn;
	size_t off = 0;
	int count = 0;

	while (off < len) {
		int n = arch_insn_decode(code + off, len - off, pc + off, &insn);

		if (n <= 0)
			return -EINVAL;
		if (!count && first)
			*first = insn;
		off += n;
		count++;
	}
	return count;
}

static int site_init(struct site *site, void *addr, const void *expect,
		     const void *insn, size_t len)
{
	int count;

	if (!addr || !insn || !len || len > TP_MAX_INSN_LEN)
		return -EINVAL;
	if ((uintptr_t)addr % arch_insn_alignment())
		return -EINVAL;
	memset(site, 0, sizeof(*site));
	site->addr = (uintptr_t)addr;
	site->len = len;
	memcpy(site->new, insn, len);
	count = decode_all(site->new, len, site->addr, &site->new_insn);
	if (count < 0)
		return count;
	site->new_is_single = count == 1;
	if (expect) {
		site->has_expect = true;
		memcpy(site->expect, expect, len);
	}
	return 0;
}

/* --- batches -------------------------------------------------------------- */

struct tp_batch *tp_batch_new(void)
{
	return calloc(1, sizeof(struct tp_batch));
}

int tp_batch_add(struct tp_batch *batch, void *addr, const void *expect,
		 const void *insn, size_t len)
{
	struct site site;
	int err;

	if (!batch || batch->committed)
		return -EINVAL;
	err = site_init(&site, addr, expect, insn, len);
	if (err)
		return err;
	if (batch->nr == batch->cap) {
		size_t cap = batch->cap ? batch->cap * 2 : 16;
		struct site *sites = realloc(batch->sites, cap * sizeof(*sites));

		if (!sites)
			return -ENOMEM;
		batch->sites = sites;
		batch->cap = cap;
	}
	batch->sites[batch->nr++] = site;
	return 0;
}

void tp_batch_free(struct tp_batch *batch)
{
	if (!batch)
		return;
	free(batch->sites);
	free(batch);
}

/* --- checks against the text, under the text mutex ---------------------- */

static int compare_sites(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int check_sites(struct site *sites, size_t nr,
		       const struct maps_snapshot *snap)
{
	size_t i;

	qsort(sites, nr, sizeof(*sites), compare_sites);
	for (i = 0; i < nr; i++) {
		struct site *s = &sites[i];
		const struct exec_map *map;
		int err = maps_check_range(snap, s->addr, s->len, &map);

		if (err)
			return err;
		if (!(map->prot & PROT_READ))
			return -EFAULT;
		if (i + 1 < nr && s->addr + s->len > sites[i + 1].addr)
			return -EINVAL;		/* overlapping or duplicate */
		memcpy(s->old, (const void *)s->addr, s->len);
		if (s->has_expect && memcmp(s->old, s->expect, s->len))
			return -EILSEQ;
	}
	return 0;
}

/* --- choosing the backend ------------------------------------------------ */

static bool site_can_nosync(const struct site *s)
{
	return arch_nosync_safe(s->addr, s->old, s->new, s->len);
}

/*
 * A trapping thread must see the old instruction or the new one: the old
 * bytes must be one instruction (no thread can sit inside it), and the
 * new one must be something the handler can execute.
 */
static bool site_can_breakpoint(const struct site *s)
{
	struct insn old;

	return s->new_is_single && arch_insn_emulable(&s->new_insn) &&
	       decode_all(s->old, s->len, s->addr, &old) == 1;
}

static bool all_sites(const struct site *sites, size_t nr,
		      bool (*can)(const struct site *))
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (!can(&sites[i]))
			return false;
	return true;
}

#ifdef CONFIG_BACKEND_NOSYNC
#define HAVE_NOSYNC 1
#else
#define HAVE_NOSYNC 0
#endif
#ifdef CONFIG_BACKEND_BREAKPOINT
#define HAVE_BREAKPOINT 1
#else
#define HAVE_BREAKPOINT 0
#endif
#ifdef CONFIG_BACKEND_STOP_MACHINE
#define HAVE_STOP_MACHINE 1
#else
#define HAVE_STOP_MACHINE 0
#endif

/*
 * Whether @backend can write every site with @writer.  The /proc/self/mem
 * copy is not single-copy atomic: nosync never uses it, breakpoint only
 * where the trap is one byte (each step is then a 1-byte write).
 */
static bool site_trap_is_one_byte(const struct site *s)
{
	uint8_t trap[TP_MAX_INSN_LEN];

	return arch_trap_insn(trap, s->addr, s->len) == 1;
}

/*
 * What a commit needs to know once: the writer it expects, and whether
 * the breakpoint backend's traps are safe now: our SIGTRAP handler is
 * still installed (-EBUSY otherwise) and no thread blocks SIGTRAP (the
 * kernel would force a trap in it through with the default action).
 */
struct commit_env {
	enum tp_writer writer;
	int traps_safe;			/* 0 or -EBUSY; 1 until asked */
};

static int traps_safe(struct commit_env *env)
{
	if (env->traps_safe == 1)
		env->traps_safe = trap_handler_is_ours() && !trap_blocked_by_a_thread() ?
				  0 : -EBUSY;
	return env->traps_safe;
}

static int backend_check(enum tp_backend backend, const struct site *sites,
			 size_t nr, struct commit_env *env)
{
	enum tp_writer writer = env->writer;

	switch (backend) {
	case TP_BACKEND_NOSYNC:
		if (!all_sites(sites, nr, site_can_nosync))
			return -EINVAL;		/* always on x86 */
		if (!HAVE_NOSYNC)
			return -ENOSYS;
		return writer == TP_WRITER_PROC_MEM ? -EACCES : 0;
	case TP_BACKEND_BREAKPOINT:
		if (!HAVE_BREAKPOINT)
			return -ENOSYS;
		if (!all_sites(sites, nr, site_can_breakpoint))
			return -EINVAL;
		if (writer == TP_WRITER_PROC_MEM && !all_sites(sites, nr, site_trap_is_one_byte))
			return -EACCES;
		return traps_safe(env);
	case TP_BACKEND_STOP_MACHINE:
		return HAVE_STOP_MACHINE ? 0 : -ENOSYS;
	default:
		return -EINVAL;
	}
}

/*
 * The cheapest first; in trace-exact mode (a decoder-facing sink listens)
 * the protocols that leave no ambiguous instruction between PRE and POST
 * first: a thread there traps (breakpoint) or does not run (stop_machine).
 * This is the breakpoint variant of nosync argued for in the kernel's
 * perf text_poke discussion.
 */
static enum tp_backend backend_pick(const struct site *sites, size_t nr,
				    struct commit_env *env)
{
	static const enum tp_backend cheapest_first[] = {
		TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	static const enum tp_backend exact_first[] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_NOSYNC,
	};
	const enum tp_backend *order = events_trace_exact() ? exact_first : cheapest_first;
	size_t i;

	for (i = 0; i < sizeof(cheapest_first) / sizeof(cheapest_first[0]); i++)
		if (!backend_check(order[i], sites, nr, env))
			return order[i];
	return TP_BACKEND_AUTO;		/* nothing can: no backend built */
}

static int run_backend(enum tp_backend backend, struct site *sites, size_t nr,
		       struct text_writer *w)
{
	switch (backend) {
	case TP_BACKEND_NOSYNC:
		return nosync_commit(sites, nr, w);
	case TP_BACKEND_BREAKPOINT:
		return bp_commit(sites, nr, w);
	default:
		return stop_machine_commit(sites, nr, w);
	}
}

/*
 * Pick the backend for the writer we expect, open the writer, and if it
 * had to fall back to /proc/self/mem, check (or pick) again before any
 * byte is written.
 */
static int commit_locked(struct site *sites, size_t nr, enum tp_backend backend)
{
	const struct maps_snapshot *snap;
	struct text_writer w;
	enum tp_writer want = text_writer_setting();
	struct commit_env env = {
		.writer = want == TP_WRITER_PROC_MEM ? want : TP_WRITER_MPROTECT,
		.traps_safe = 1,
	};
	enum tp_backend chosen;
	int err;

	bp_retry_stuck();
	if (bp_stuck_overlaps(sites, nr))
		return -EBUSY;
	err = maps_for_sites(&snap, sites, nr);
	if (err)
		return err;
	err = check_sites(sites, nr, snap);
	if (err)
		return err;
	chosen = backend == TP_BACKEND_AUTO ? backend_pick(sites, nr, &env) : backend;
	err = backend_check(chosen, sites, nr, &env);
	if (err)
		return err;
	err = text_open(&w, sites, nr, snap, want);
	if (err)
		return err;
	if (w.kind != env.writer) {
		env.writer = w.kind;
		if (backend == TP_BACKEND_AUTO)
			chosen = backend_pick(sites, nr, &env);
		err = backend_check(chosen, sites, nr, &env);
	}
	if (err) {
		text_close(&w);
		return err;
	}
	events_batch_begin(chosen);
	err = run_backend(chosen, sites, nr, &w);
	text_close(&w);
	events_batch_end();
	return err;
}

static int commit_sites(struct site *sites, size_t nr, enum tp_backend backend)
{
	int err = tp_init();

	if (err)
		return err;
	if (!nr)
		return 0;
	err = text_mutex_lock();
	if (err)
		return err;
	err = commit_locked(sites, nr, backend);
	text_mutex_unlock();
	return err;
}

int tp_batch_commit(struct tp_batch *batch, enum tp_backend backend)
{
	int err;

	if (!batch || batch->committed)
		return -EINVAL;
	err = commit_sites(batch->sites, batch->nr, backend);
	batch->committed = true;
	return err;
}

int tp_poke(void *addr, const void *expect, const void *insn, size_t len,
	    enum tp_backend backend)
{
	struct site site;
	int err = site_init(&site, addr, expect, insn, len);

	if (err)
		return err;
	return commit_sites(&site, 1, backend);
}

/* --- data words in text ------------------------------------------------ */

/*
 * Store aligned 8-byte data words that live in text pages (the ops slots
 * of function-entry tracing), each with one single-copy-atomic store
 * through one mprotect window for all.  No instruction changes, so no
 * protocol and no PRE/POST events; /proc/self/mem could tear a word, so
 * it is refused (-EACCES).
 */
static int store_words_locked(struct site *sites, size_t nr)
{
	const struct maps_snapshot *snap;
	struct text_writer w;
	size_t i;
	int err = maps_for_sites(&snap, sites, nr);

	if (err)
		return err;
	qsort(sites, nr, sizeof(*sites), compare_sites);
	for (i = 0; i < nr && !err; i++)
		err = maps_check_range(snap, sites[i].addr, sites[i].len, NULL);
	if (err)
		return err;
	if (text_writer_setting() == TP_WRITER_PROC_MEM)
		return -EACCES;
	err = text_open(&w, sites, nr, snap, TP_WRITER_MPROTECT);
	if (err)
		return err;
	for (i = 0; i < nr; i++)
		text_write(&w, sites[i].addr, sites[i].new, sites[i].len);
	text_close(&w);
	return 0;
}

int text_store_words(const uintptr_t *addrs, const uint64_t *values, size_t nr)
{
	struct site *sites;
	size_t i;
	int err = tp_init();

	if (err || !nr)
		return err;
	sites = calloc(nr, sizeof(*sites));
	if (!sites)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		if (addrs[i] % sizeof(uint64_t)) {
			free(sites);
			return -EINVAL;
		}
		sites[i].addr = addrs[i];
		sites[i].len = sizeof(uint64_t);
		memcpy(sites[i].new, &values[i], sizeof(uint64_t));
	}
	err = text_mutex_lock();
	if (!err) {
		err = store_words_locked(sites, nr);
		text_mutex_unlock();
	}
	free(sites);
	return err;
}
