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

bool in_library_callback(void)
{
	return text_mutex_mine || ftrace_thread_in_callback();
}

/*
 * An event callback runs with the text mutex held; if it poked or
 * subscribed it would wait for itself forever.  A function-tracing
 * callback runs inside the read section that a poke waits out.  Say so
 * instead.
 */
int text_mutex_lock(void)
{
	if (in_library_callback())
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

static int tasks_init_step(void)
{
	tasks_init();
	return 0;
}

static int fork_handlers_err;

__attribute__((constructor(FORK_HANDLERS_ENGINE)))
static void fork_handlers_register(void)
{
	fork_handlers_err = -pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* Registered at load time; without them a fork could copy a half-done batch. */
static int atfork_init(void)
{
	return fork_handlers_err;
}

/*
 * The steps of tp_init(), in order, each done once.  One that fails (the
 * perf.data sink out of memory) fails that call, and the next call goes
 * on from it: a passing shortage must not leave the library unusable for
 * good.
 */
static int park_signal;

/* A setting that names no signal fails before anything is installed. */
static int park_signal_step(void)
{
	int sig = park_signal_from_environment();

	if (sig < 0)
		return sig;
	park_signal = sig;
	return 0;
}

static int stop_machine_step(void)
{
	return stop_machine_init(park_signal);
}

static int (*const init_steps[])(void) = {
	park_signal_step, tasks_init_step, cpusync_init, trap_init, stop_machine_step,
	atfork_init, events_init,
};
#define NR_INIT_STEPS	(sizeof(init_steps) / sizeof(init_steps[0]))

static pthread_mutex_t init_mutex = PTHREAD_MUTEX_INITIALIZER;
static unsigned int init_steps_done;

int tp_init(void)
{
	int err = 0;

	if (__atomic_load_n(&init_steps_done, __ATOMIC_ACQUIRE) == NR_INIT_STEPS)
		return 0;
	pthread_mutex_lock(&init_mutex);
	while (init_steps_done < NR_INIT_STEPS && !(err = init_steps[init_steps_done]()))
		__atomic_store_n(&init_steps_done, init_steps_done + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&init_mutex);
	return err;
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

/*
 * Decoding is the dearest check of a site, and a large batch has the
 * same NOP at many addresses: the new bytes of every entry tracing turns
 * off, the old ones of every entry it turns on, all written by the
 * library itself.  A NOP means the same wherever it is, so the last NOP
 * decoded answers for every later site with the same bytes; any other
 * instruction is decoded where it is.
 */
static int decode_memo(struct nop_memo *memo, const uint8_t *code, size_t len,
		       uintptr_t pc, struct insn *first)
{
	int count;

	if (memo->len == len && !memcmp(memo->bytes, code, len)) {
		*first = memo->insn;
		return 1;
	}
	count = decode_all(code, len, pc, first);
	if (count == 1 && first->kind == INSN_NOP && first->len == len) {
		memcpy(memo->bytes, code, len);
		memo->len = len;
		memo->insn = *first;
	}
	return count;
}

static int site_init(struct site *site, void *addr, const void *expect,
		     const void *insn, size_t len, struct nop_memo *memo)
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
	count = decode_memo(memo, site->new, len, site->addr, &site->new_insn);
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

static int sites_room(struct tp_batch *batch, size_t cap)
{
	struct site *sites;

	if (cap <= batch->cap)
		return 0;
	sites = realloc(batch->sites, cap * sizeof(*sites));
	if (!sites)
		return -ENOMEM;
	batch->sites = sites;
	batch->cap = cap;
	return 0;
}

static int words_room(struct tp_batch *batch, size_t cap)
{
	struct word *words;

	if (cap <= batch->cap_words)
		return 0;
	words = realloc(batch->words, cap * sizeof(*words));
	if (!words)
		return -ENOMEM;
	batch->words = words;
	batch->cap_words = cap;
	return 0;
}

/* A client that knows its size: the arrays grow once, never copied again. */
int batch_reserve(struct tp_batch *batch, size_t nr_sites, size_t nr_words)
{
	if (!batch || batch->committed)
		return -EINVAL;
	return sites_room(batch, batch->nr + nr_sites) ?:
	       words_room(batch, batch->nr_words + nr_words);
}

/* The site is made in place, in the batch's array: no copy of it. */
int tp_batch_add(struct tp_batch *batch, void *addr, const void *expect,
		 const void *insn, size_t len)
{
	int err;

	if (!batch || batch->committed)
		return -EINVAL;
	if (batch->nr == batch->cap &&
	    sites_room(batch, batch->cap ? batch->cap * 2 : 16))
		return -ENOMEM;
	err = site_init(&batch->sites[batch->nr], addr, expect, insn, len, &batch->nop);
	if (!err)
		batch->nr++;
	return err;
}

/* Three plain words each: nothing to decode, nothing to clear. */
int batch_add_word(struct tp_batch *batch, uintptr_t addr, uint64_t old, uint64_t value)
{
	if (!batch || batch->committed || !addr || addr % sizeof(uint64_t))
		return -EINVAL;
	if (batch->nr_words == batch->cap_words &&
	    words_room(batch, batch->cap_words ? batch->cap_words * 2 : 16))
		return -ENOMEM;
	batch->words[batch->nr_words++] = (struct word){ addr, old, value };
	return 0;
}

void tp_batch_free(struct tp_batch *batch)
{
	if (!batch)
		return;
	free(batch->sites);
	free(batch->words);
	free(batch);
}

/* --- checks against the text, under the text mutex ---------------------- */

static int compare_sites(const void *a, const void *b)
{
	const struct site *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * By address.  Clients add their sites in address order nearly always
 * (function tables, jump tables), and qsort still takes n log n compares
 * and moves on sorted input: one pass finds whether the sort is needed.
 * Equal addresses are left for check_sites() to refuse.
 */
static void sort_sites(struct site *sites, size_t nr)
{
	size_t i;

	for (i = 1; i < nr; i++)
		if (sites[i - 1].addr > sites[i].addr) {
			qsort(sites, nr, sizeof(*sites), compare_sites);
			return;
		}
}

static int check_sites(struct site *sites, size_t nr,
		       const struct maps_snapshot *snap)
{
	const struct exec_map *map = NULL;
	size_t i;

	sort_sites(sites, nr);
	for (i = 0; i < nr; i++) {
		struct site *s = &sites[i];
		int err = maps_check_next(snap, s->addr, s->len, &map);

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
static bool site_can_breakpoint(const struct site *s, struct nop_memo *memo)
{
	struct insn old;

	return s->new_is_single && arch_insn_emulable(&s->new_insn) &&
	       decode_memo(memo, s->old, s->len, s->addr, &old) == 1;
}

static bool all_can_breakpoint(const struct site *sites, size_t nr)
{
	struct nop_memo memo = { .len = 0 };
	size_t i;

	for (i = 0; i < nr; i++)
		if (!site_can_breakpoint(&sites[i], &memo))
			return false;
	return true;
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

static int traps_safe(struct commit_env *env)
{
	if (env->traps_safe == 1)
		env->traps_safe = trap_handler_is_ours() && !trap_unsafe_in_a_thread() ?
				  0 : -EBUSY;
	return env->traps_safe;
}

static int park_ready(struct commit_env *env)
{
	if (env->park_ready == 1)
		env->park_ready = stop_machine_ready();
	return env->park_ready;
}

/* The cross-core syncs of nosync and breakpoint may be signal rounds. */
static int syncs_ready(struct commit_env *env)
{
	return cpusync_needs_park_signal() ? park_ready(env) : 0;
}

/*
 * What @backend needs of the process and the writer, whatever the sites:
 * built in, a writer it can use, its syncs, its traps or parking.
 */
int backend_ready(enum tp_backend backend, struct commit_env *env)
{
	switch (backend) {
	case TP_BACKEND_NOSYNC:
		if (!HAVE_NOSYNC)
			return -ENOSYS;
		return env->writer == TP_WRITER_PROC_MEM ? -EACCES : syncs_ready(env);
	case TP_BACKEND_BREAKPOINT:
		return HAVE_BREAKPOINT ? syncs_ready(env) ?: traps_safe(env) : -ENOSYS;
	case TP_BACKEND_STOP_MACHINE:
		return HAVE_STOP_MACHINE ? park_ready(env) : -ENOSYS;
	default:
		return -EINVAL;
	}
}

/* The same errors in the same order as ever: the sites' first. */
static int backend_check(enum tp_backend backend, const struct site *sites,
			 size_t nr, struct commit_env *env)
{
	switch (backend) {
	case TP_BACKEND_NOSYNC:
		if (!all_sites(sites, nr, site_can_nosync))
			return -EINVAL;		/* always on x86 */
		break;
	case TP_BACKEND_BREAKPOINT:
		if (!HAVE_BREAKPOINT)
			return -ENOSYS;
		if (!all_can_breakpoint(sites, nr))
			return -EINVAL;
		if (env->writer == TP_WRITER_PROC_MEM &&
		    !all_sites(sites, nr, site_trap_is_one_byte))
			return -EACCES;
		break;
	default:
		break;
	}
	return backend_ready(backend, env);
}

/*
 * AUTO's order of trial: the cheapest first; in trace-exact mode (a decoder-facing sink listens)
 * the protocols that leave no ambiguous instruction between PRE and POST
 * first: a thread there traps (breakpoint) or does not run (stop_machine).
 * This is the breakpoint variant of nosync argued for in the kernel's
 * perf text_poke discussion.
 */
const enum tp_backend *backend_order(void)
{
	static const enum tp_backend cheapest_first[NR_BACKENDS] = {
		TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	static const enum tp_backend exact_first[NR_BACKENDS] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_NOSYNC,
	};

	return events_trace_exact() ? exact_first : cheapest_first;
}

static enum tp_backend backend_pick(const struct site *sites, size_t nr,
				    struct commit_env *env)
{
	const enum tp_backend *order = backend_order();
	size_t i;

	for (i = 0; i < NR_BACKENDS; i++)
		if (!backend_check(order[i], sites, nr, env))
			return order[i];
	/* Nothing can: the error of the one that can do anything, if built. */
	return HAVE_STOP_MACHINE ? TP_BACKEND_STOP_MACHINE : TP_BACKEND_AUTO;
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
 * byte is written.  The @words are stored first and put back if the
 * protocol fails.
 */
static int commit_protocol(struct site *insns, size_t nr_insns, const struct word *words,
			   size_t nr_words, enum tp_backend backend,
			   const struct maps_snapshot *snap)
{
	struct text_writer w;
	enum tp_writer want = text_writer_setting();
	struct commit_env env = COMMIT_ENV_INIT(want);
	enum tp_backend chosen;
	int err;

	chosen = backend == TP_BACKEND_AUTO ? backend_pick(insns, nr_insns, &env) : backend;
	err = backend_check(chosen, insns, nr_insns, &env);
	if (err)
		return err;
	err = text_open(&w, &(struct insn_ranges){ .sites = insns, .nr = nr_insns },
			words, nr_words, snap, want);
	if (err)
		return err;
	if (w.kind != env.writer) {
		env.writer = w.kind;
		if (backend == TP_BACKEND_AUTO)
			chosen = backend_pick(insns, nr_insns, &env);
		err = backend_check(chosen, insns, nr_insns, &env);
	}
	if (err) {
		text_close(&w);
		return err;
	}
	events_batch_begin(chosen);
	err = words_store(&w, words, nr_words, false);
	if (!err) {
		err = run_backend(chosen, insns, nr_insns, &w);
		if (err)
			words_store(&w, words, nr_words, true);
	}
	text_close(&w);
	events_batch_end();
	return err;
}

static int commit_locked(struct site *sites, size_t nr, struct word *words,
			 size_t nr_words, enum tp_backend backend)
{
	const struct insn_ranges ranges = { .sites = sites, .nr = nr };
	const struct maps_snapshot *snap;
	int err;

	/* Sites a failed write left trapped: finish them, and touch none. */
	bp_retry_stuck();
	if (bp_stuck_overlaps(sites, nr, words, nr_words))
		return -EBUSY;
	err = maps_for_sites(&snap, &ranges, words, nr_words);
	if (!err)
		err = check_sites(sites, nr, snap);
	if (!err)
		err = words_check(words, nr_words, &ranges, snap);
	if (err)
		return err;
	if (nr)
		return commit_protocol(sites, nr, words, nr_words, backend, snap);
	return words_commit(words, nr_words, snap, text_writer_setting());
}

static int commit_sites(struct site *sites, size_t nr, struct word *words,
			size_t nr_words, enum tp_backend backend)
{
	int err = tp_init();

	if (err)
		return err;
	/* From a callback, even an empty batch is refused: the same answer always. */
	if (in_library_callback())
		return -EDEADLK;
	if (!nr && !nr_words)
		return 0;
	err = text_mutex_lock();
	if (err)
		return err;
	err = commit_locked(sites, nr, words, nr_words, backend);
	text_mutex_unlock();
	return err;
}

int tp_batch_commit(struct tp_batch *batch, enum tp_backend backend)
{
	int err;

	if (!batch || batch->committed)
		return -EINVAL;
	err = commit_sites(batch->sites, batch->nr, batch->words, batch->nr_words, backend);
	/* Refused from a callback, it was not tried: it may be committed later. */
	if (err != -EDEADLK)
		batch->committed = true;
	return err;
}

int tp_poke(void *addr, const void *expect, const void *insn, size_t len,
	    enum tp_backend backend)
{
	struct nop_memo memo = { .len = 0 };
	struct site site;
	int err = site_init(&site, addr, expect, insn, len, &memo);

	if (err)
		return err;
	return commit_sites(&site, 1, NULL, 0, backend);
}
