// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The poke engine's costs, per backend, on the sites of poke_sites.h:
 *   single  one tp_poke() of one site: time, syncs and mprotect calls;
 *   checks  one tp_poke() refused by its expected bytes: what every poke
 *           pays before its protocol (the mappings looked up and
 *           revalidated, the site read and compared), without writing;
 *   batch   batches of 1 to 100,000 sites: total time (adding the sites
 *           and committing), commit time, syncs, mprotect calls;
 *   stall   worker threads that read the clock in a tight loop through a
 *           site of the batch: the gaps they see while batches of 10,000
 *           sites run back to back, against a phase with no batch;
 *   trap    one thread calling a site while it is in flight in a
 *           breakpoint batch: the round trip of a call that trapped,
 *           against one that did not.
 * Output: bench.h's "metric<TAB>value" lines.
 *
 *   poke_bench             every part (natively)
 *   poke_bench --counts    single and batch, counts only and one run of
 *                          each: what is exact under an emulator
 *   poke_bench --syscalls  one poke per backend between two marks, for
 *                          strace or qemu -strace (bench/syscalls.sh)
 *   poke_bench --profile   one breakpoint batch of every site inside
 *                          profiled_batch(), for callgrind's --toggle-collect
 *   BENCH_WORKERS=N        stall workers (default: CPUs - 1, at least 1)
 *   BENCH_STALL_MS=N       length of each stall phase (default 1500)
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textpoke/textpoke.h>

#include "bench.h"
#include "poke_sites.h"

static const struct {
	const char *name;
	enum tp_backend backend;
} backends[] = {
	{ "nosync", TP_BACKEND_NOSYNC },
	{ "breakpoint", TP_BACKEND_BREAKPOINT },
	{ "stop_machine", TP_BACKEND_STOP_MACHINE },
	{ "auto", TP_BACKEND_AUTO },
};
#define NR_BACKENDS	(sizeof(backends) / sizeof(backends[0]))

static bool counts_only;
static bool backend_works[NR_BACKENDS];	/* its single pokes went through */

static bool works(enum tp_backend backend)
{
	unsigned int b;

	for (b = 0; b < NR_BACKENDS; b++)
		if (backends[b].backend == backend)
			return backend_works[b];
	return false;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "poke_bench: %s: %s\n", what, tp_strerror(err));
	exit(1);
}

static unsigned long env_or(const char *name, unsigned long fallback)
{
	const char *s = getenv(name);

	return s ? strtoul(s, NULL, 0) : fallback;
}

/* --- sites -------------------------------------------------------------- */

static char *site_addr(unsigned int i)
{
	return bench_sites + (size_t)i * bench_site_len;
}

/* The bytes of @site in state @on: a NOP, or a jump to @end. */
static void site_bytes(unsigned char *buf, char *site, char *end, bool on)
{
	int len = on ? tp_encode_jump(buf, site, end, bench_site_len)
		     : tp_encode_nop(buf, bench_site_len);

	if (len != (int)bench_site_len)
		die("encode", len < 0 ? len : -EINVAL);
}

static int batch_add_site(struct tp_batch *batch, char *site, char *end, bool on)
{
	unsigned char old[TP_MAX_INSN_LEN], new[TP_MAX_INSN_LEN];

	site_bytes(old, site, end, !on);
	site_bytes(new, site, end, on);
	return tp_batch_add(batch, site, old, new, bench_site_len);
}

struct batch_cost {
	unsigned long long add_ns, commit_ns;
	unsigned long syncs, mprotects;
};

/*
 * Turn the first @n sites of the run (and the worker's site, with
 * @with_worker_site) on or off in one batch.
 */
static int toggle_batch(unsigned int n, bool with_worker_site, bool on,
			enum tp_backend backend, struct batch_cost *cost)
{
	unsigned long long t0 = bench_ns(), t1;
	unsigned long syncs, mprotects;
	struct tp_batch *batch = tp_batch_new();
	unsigned int i;
	int err = batch ? 0 : -ENOMEM;

	for (i = 0; !err && i < n; i++)
		err = batch_add_site(batch, site_addr(i), bench_sites_end, on);
	if (!err && with_worker_site)
		err = batch_add_site(batch, bench_site, bench_site_end, on);
	t1 = bench_ns();
	syncs = tp_debug_sync_count();
	mprotects = tp_debug_mprotect_count();
	if (!err)
		err = tp_batch_commit(batch, backend);
	if (cost) {
		cost->add_ns = t1 - t0;
		cost->commit_ns = bench_ns() - t1;
		cost->syncs = tp_debug_sync_count() - syncs;
		cost->mprotects = tp_debug_mprotect_count() - mprotects;
	}
	tp_batch_free(batch);
	return err;
}

/* --- statistics ------------------------------------------------------------ */

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of @n values, which it sorts. */
static unsigned long long quantile(unsigned long long *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_ull);
	return v[(size_t)(q * (n - 1) + 0.5)];
}

/*
 * A histogram of gaps in ns, cheap enough to fill from a tight loop:
 * exact below 16 ns, then 16 buckets per power of two (6% wide).
 */
#define HIST_SUB	16
#define HIST_BUCKETS	(64 * HIST_SUB)

struct hist {
	unsigned long count[HIST_BUCKETS];
	unsigned long samples;
	unsigned long long max;
};

static unsigned int hist_bucket(unsigned long long v)
{
	unsigned int msb;

	if (v < HIST_SUB)
		return v;
	msb = 63 - __builtin_clzll(v);
	return (msb - 3) * HIST_SUB + ((v >> (msb - 4)) & (HIST_SUB - 1));
}

static unsigned long long hist_bucket_low(unsigned int b)
{
	if (b < HIST_SUB)
		return b;
	return (unsigned long long)(HIST_SUB + b % HIST_SUB) << (b / HIST_SUB - 1);
}

static void hist_add(struct hist *h, unsigned long long v)
{
	h->count[hist_bucket(v)]++;
	h->samples++;
	if (v > h->max)
		h->max = v;
}

static void hist_merge(struct hist *into, const struct hist *h)
{
	unsigned int b;

	for (b = 0; b < HIST_BUCKETS; b++)
		into->count[b] += h->count[b];
	into->samples += h->samples;
	if (h->max > into->max)
		into->max = h->max;
}

static unsigned long long hist_quantile(const struct hist *h, double q)
{
	unsigned long seen = 0, want = (unsigned long)(q * h->samples);
	unsigned int b;

	for (b = 0; b < HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen > want)
			return hist_bucket_low(b);
	}
	return h->max;
}

/* --- single pokes ------------------------------------------------------------ */

static void bench_single(unsigned int b)
{
	unsigned int reps = counts_only ? 10 : 400, i;
	unsigned long long *ns = calloc(reps, sizeof(*ns));
	unsigned long syncs = tp_debug_sync_count(), mprotects = tp_debug_mprotect_count();
	unsigned char old[TP_MAX_INSN_LEN], new[TP_MAX_INSN_LEN];

	if (!ns)
		die("single", -ENOMEM);
	for (i = 0; i < reps; i++) {
		bool on = !(i & 1);
		unsigned long long t0;
		int err;

		site_bytes(old, bench_site, bench_site_end, !on);
		site_bytes(new, bench_site, bench_site_end, on);
		t0 = bench_ns();
		err = tp_poke(bench_site, old, new, bench_site_len, backends[b].backend);
		ns[i] = bench_ns() - t0;
		if (err == -EINVAL && !i)
			goto out;	/* not a transition this backend makes here */
		if (err)
			die(backends[b].name, err);
	}
	backend_works[b] = true;
	bench_metric((double)(tp_debug_sync_count() - syncs) / reps, "single.%s.syncs",
		     backends[b].name);
	bench_metric((double)(tp_debug_mprotect_count() - mprotects) / reps,
		     "single.%s.mprotects", backends[b].name);
	if (!counts_only) {
		bench_metric(quantile(ns, reps, 0.5) / 1e3, "single.%s.us", backends[b].name);
		bench_metric(quantile(ns, reps, 0.1) / 1e3, "single.%s.us_p10", backends[b].name);
		bench_metric(quantile(ns, reps, 0.9) / 1e3, "single.%s.us_p90", backends[b].name);
	}
out:
	free(ns);
}

/*
 * A poke of the worker's site whose expected bytes differ from the text:
 * refused with -EILSEQ after every check that reads the text, before any
 * write.  Its time is the fixed cost of validating a single poke.
 */
static void bench_checks(void)
{
	unsigned int reps = 400, i;
	unsigned long long *ns = calloc(reps, sizeof(*ns));
	unsigned char wrong[TP_MAX_INSN_LEN], nop[TP_MAX_INSN_LEN];

	if (!ns)
		die("checks", -ENOMEM);
	site_bytes(nop, bench_site, bench_site_end, false);
	memcpy(wrong, bench_site, bench_site_len);
	wrong[0] ^= 0xff;
	for (i = 0; i < reps; i++) {
		unsigned long long t0 = bench_ns();
		int err = tp_poke(bench_site, wrong, nop, bench_site_len, TP_BACKEND_AUTO);

		ns[i] = bench_ns() - t0;
		if (err != -EILSEQ)
			die("checks", err ? err : -EINVAL);
	}
	bench_metric(quantile(ns, reps, 0.5) / 1e3, "single.checks.us");
	free(ns);
}

/* --- batches ----------------------------------------------------------------- */

static void bench_batch(unsigned int b, unsigned int n)
{
	unsigned int reps = counts_only ? 2 : n <= 1000 ? 40 : n <= 10000 ? 12 : 6, i;
	unsigned long long total[40], commit[40];
	struct batch_cost cost;

	for (i = 0; i < reps; i++) {
		int err = toggle_batch(n, false, !(i & 1), backends[b].backend, &cost);

		if (err)
			die(backends[b].name, err);
		total[i] = cost.add_ns + cost.commit_ns;
		commit[i] = cost.commit_ns;
	}
	bench_metric(cost.syncs, "batch.%s.%u.syncs", backends[b].name, n);
	bench_metric(cost.mprotects, "batch.%s.%u.mprotects", backends[b].name, n);
	if (!counts_only) {
		bench_metric(quantile(total, reps, 0.5) / 1e6, "batch.%s.%u.ms", backends[b].name, n);
		bench_metric(quantile(commit, reps, 0.5) / 1e6, "batch.%s.%u.commit_ms",
			     backends[b].name, n);
	}
}

/* --- workers: stall and trap ----------------------------------------------- */

enum phase { PHASE_IDLE, PHASE_FIRST_BACKEND, NR_PHASES = PHASE_FIRST_BACKEND + NR_BACKENDS };

struct worker {
	pthread_t thread;
	struct hist hist[NR_PHASES];
	/* trap: calls that trapped and calls that did not */
	struct hist trapped, plain;
} __attribute__((aligned(64)));

static volatile int phase;
static volatile bool stop_workers;

/* Read the clock in a tight loop through bench_site; every gap counts. */
static void *stall_worker(void *arg)
{
	struct worker *w = arg;
	unsigned long long prev = bench_ns();

	while (!stop_workers) {
		unsigned long long t;

		bench_site_fn();
		t = bench_ns();
		hist_add(&w->hist[phase], t - prev);
		prev = t;
	}
	return NULL;
}

/* Time each call of bench_site; a call that trapped raised the counter. */
static void *trap_worker(void *arg)
{
	struct worker *w = arg;

	while (!stop_workers) {
		unsigned long traps = tp_debug_emulations();
		unsigned long long t0 = bench_ns(), t1;

		bench_site_fn();
		t1 = bench_ns();
		hist_add(tp_debug_emulations() != traps ? &w->trapped : &w->plain, t1 - t0);
	}
	return NULL;
}

static struct worker *workers_start(unsigned int n, void *(*fn)(void *))
{
	struct worker *w = aligned_alloc(64, n * sizeof(*w));
	unsigned int i;

	if (!w)
		die("workers", -ENOMEM);
	memset(w, 0, n * sizeof(*w));
	stop_workers = false;
	for (i = 0; i < n; i++)
		if (pthread_create(&w[i].thread, NULL, fn, &w[i]))
			die("pthread_create", -EAGAIN);
	return w;
}

static void workers_stop(struct worker *w, unsigned int n)
{
	unsigned int i;

	stop_workers = true;
	for (i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
}

static void print_gaps(const struct hist *h, const char *what)
{
	bench_metric(hist_quantile(h, 0.5), "%s.p50_ns", what);
	bench_metric(hist_quantile(h, 0.99), "%s.p99_ns", what);
	bench_metric(hist_quantile(h, 0.999), "%s.p999_ns", what);
	bench_metric(h->max, "%s.max_ns", what);
	bench_metric(h->samples, "%s.samples", what);
}

/* Batches of 10,000 sites and the workers' site, back to back, for @ms. */
static unsigned long batches_for(unsigned int b, unsigned long ms)
{
	unsigned long long end = bench_ns() + ms * 1000000ull;
	unsigned long done = 0;

	while (bench_ns() < end || (done & 1)) {
		int err = toggle_batch(10000, true, !(done & 1), backends[b].backend, NULL);

		if (err)
			die(backends[b].name, err);
		done++;
	}
	return done;
}

static void bench_stall(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = env_or("BENCH_WORKERS", cpus > 1 ? cpus - 1 : 1), i, b;
	unsigned long ms = env_or("BENCH_STALL_MS", 1500);
	struct worker *w = workers_start(n, stall_worker);
	struct hist *sum = calloc(1, sizeof(*sum));
	char what[64];

	if (!sum)
		die("stall", -ENOMEM);
	bench_metric(n, "stall.workers");
	phase = PHASE_IDLE;
	usleep(ms * 1000);
	for (b = 0; b < NR_BACKENDS; b++) {
		if (!backend_works[b] || backends[b].backend == TP_BACKEND_AUTO)
			continue;
		phase = PHASE_FIRST_BACKEND + b;
		bench_metric(batches_for(b, ms), "stall.%s.batches", backends[b].name);
	}
	workers_stop(w, n);
	for (b = 0; b < NR_PHASES; b++) {
		memset(sum, 0, sizeof(*sum));
		for (i = 0; i < n; i++)
			hist_merge(sum, &w[i].hist[b]);
		if (!sum->samples)
			continue;
		snprintf(what, sizeof(what), "stall.%s",
			 b == PHASE_IDLE ? "idle" : backends[b - PHASE_FIRST_BACKEND].name);
		print_gaps(sum, what);
	}
	free(sum);
	free(w);
}

/* Breakpoint batches of every site until 1000 calls trapped (20 to 200 batches). */
static void bench_trap(void)
{
	struct worker *w = workers_start(1, trap_worker);
	unsigned int done;

	for (done = 0; done < 200 && (done < 20 || w->trapped.samples < 1000); done++) {
		int err = toggle_batch(BENCH_SITES, true, !(done & 1), TP_BACKEND_BREAKPOINT, NULL);

		if (err)
			die("trap", err);
	}
	workers_stop(w, 1);
	if (done & 1)
		toggle_batch(BENCH_SITES, true, false, TP_BACKEND_BREAKPOINT, NULL);
	bench_metric(done, "trap.batches");
	print_gaps(&w->trapped, "trap.trapped");
	print_gaps(&w->plain, "trap.plain");
	free(w);
}

/* --- system calls -------------------------------------------------------------- */

/*
 * A system call a tracer shows with its argument and the engine never
 * makes: access("textpoke-bench-mark:<what>").
 */
static void mark(const char *what, const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "textpoke-bench-mark:%s:%s", what, name);
	(void)access(path, F_OK);
}

/* One poke per backend after one untraced warm-up poke. */
static void syscalls_per_poke(void)
{
	unsigned char nop[TP_MAX_INSN_LEN], jump[TP_MAX_INSN_LEN];
	unsigned int b;

	site_bytes(nop, bench_site, bench_site_end, false);
	site_bytes(jump, bench_site, bench_site_end, true);
	for (b = 0; b < NR_BACKENDS; b++) {
		if (tp_poke(bench_site, nop, jump, bench_site_len, backends[b].backend))
			continue;
		mark("begin", backends[b].name);
		if (tp_poke(bench_site, jump, nop, bench_site_len, backends[b].backend))
			die(backends[b].name, -EIO);
		mark("end", backends[b].name);
	}
}

/* What callgrind's --toggle-collect=profiled_batch measures. */
__attribute__((noinline)) void profiled_batch(bool on)
{
	int err = toggle_batch(BENCH_SITES, false, on, TP_BACKEND_BREAKPOINT, NULL);

	if (err)
		die("profile", err);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 1, 10, 100, 1000, 10000, BENCH_SITES };
	unsigned int b, s;
	int err;

	counts_only = argc > 1 && !strcmp(argv[1], "--counts");
	err = tp_init();
	if (err)
		die("tp_init", err);
	if (argc > 1 && !strcmp(argv[1], "--syscalls")) {
		syscalls_per_poke();
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--profile")) {
		profiled_batch(true);
		profiled_batch(false);
		return 0;
	}
	for (b = 0; b < NR_BACKENDS; b++)
		bench_single(b);
	if (!counts_only)
		bench_checks();
	for (b = 0; b < NR_BACKENDS; b++)
		for (s = 0; backend_works[b] && s < sizeof(sizes) / sizeof(sizes[0]); s++)
			bench_batch(b, sizes[s]);
	if (counts_only)
		return 0;
	if (works(TP_BACKEND_BREAKPOINT))
		bench_trap();
	bench_stall();
	return 0;
}
