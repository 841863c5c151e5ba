// SPDX-License-Identifier: GPL-2.0
/*
 * Intel PT decoding across pokes.  An x86-64 program (prog.c,
 * prog_x86.c, run natively) pokes its own code with every backend x86
 * has between calls of the traced function and logs its path; the
 * events of its pokes go to a perf.data.  The test encodes that path as
 * the Intel PT trace a core would have written, with libipt's own
 * encoder (pt_path.c), and decodes it with libipt through the code
 * image: the ranges must be the program's path exactly, and without the
 * events they must not be.  No PT hardware is needed.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include "image/code_image.h"
#include "perfdata/auxtrace.h"
#include "pt/pt_decode.h"
#include "pt/pt_perf.h"
#include "perf_writer.h"
#include "pt_path.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define MAX_STEPS	(8 * PATH_MAX_CALLS)
#define FUZZ_CASES	2000	/* corruptions of the trace; TP_FUZZ_CASES overrides */

/* A run of the program and what it left: its log, its perf.data, its binary's image. */
struct poked_run {
	char dir[64];
	char prog[PATH_MAX];
	char events[128];
	struct path path;
	struct code_image img;
	struct pt_decode_options opts;
	struct path_encoding timing;
};

FIXTURE(pt) {
	struct poked_run r;
};

FIXTURE_SETUP(pt)
{
	struct poked_run *r = &self->r;
	char cmd[PATH_MAX + 512], log[128];
	int err;

	memset(r, 0, sizeof(*r));
	snprintf(r->prog, sizeof(r->prog), "%s", test_file("prog_x86", false));
	strcpy(r->dir, "/tmp/textpoke-pt-XXXXXX");
	ASSERT_TRUE(mkdtemp(r->dir) != NULL);
	snprintf(log, sizeof(log), "%s/path.log", r->dir);
	snprintf(r->events, sizeof(r->events), "%s/poke.data", r->dir);
	snprintf(cmd, sizeof(cmd), "TEXTPOKE_PERF_DATA=%s %s %s", r->events, r->prog, log);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);
	ASSERT_EQ(0, path_load(log, &r->path));
	err = poked_image_load(&r->img, EM_X86_64, r->prog, r->events);
	ASSERT_EQ(0, err) TH_LOG("%s", r->img.error);
	ASSERT_EQ(r->path.nr_pokes, r->img.nr_changes);
	ASSERT_EQ(4, r->path.nr_pokes);
	/* The core's filter: decode_work only (ADDR0 a filter range, B inclusive). */
	r->opts.config.addr_cfg = 1;
	r->opts.config.addr_a[0] = r->path.work;
	r->opts.config.addr_b[0] = r->path.done;
}

FIXTURE_TEARDOWN(pt)
{
	char cmd[128];

	code_image_free(&self->r.img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->r.dir);
	if (test_run(cmd))
		fprintf(stderr, "could not remove %s\n", self->r.dir);
}

struct outcome {
	int err;
	size_t expected, decoded, agree, gaps;
	size_t nr_resolutions;
	struct code_resolution resolution;	/* the first */
	char error[256];
};

/* The result's ranges and traps (the steps), without the enable/disable elements. */
static size_t result_steps(const struct pt_decode_result *res, struct path_step *out, size_t max,
			   size_t *gaps)
{
	size_t i, n = 0;

	*gaps = 0;
	for (i = 0; i < res->nr_elements && n < max; i++) {
		const struct pt_element *e = &res->elements[i];

		if (e->type == PT_ELEM_GAP)
			(*gaps)++;
		if (e->type == PT_ELEM_RANGE)
			out[n++] = (struct path_step){ e->start, e->end, e->nr_insns, e->taken,
						       false };
		else if (e->type == PT_ELEM_TRAP)
			out[n++] = (struct path_step){ .start = e->start, .trap = true };
	}
	return n;
}

static bool same_step(const struct path_step *a, const struct path_step *b)
{
	if (a->trap || b->trap)
		return a->trap == b->trap && a->start == b->start;
	return a->start == b->start && a->end == b->end && a->nr_insns == b->nr_insns &&
	       a->taken == b->taken;
}

/* Encode @p (cut after @cut bytes if nonzero), decode it with @opts, compare with @p's steps. */
static struct outcome decode_path_cut(const struct path *p, const struct code_image *img,
				      const struct pt_decode_options *opts,
				      const struct path_encoding *timing, size_t cut)
{
	struct path_step want[MAX_STEPS], got[MAX_STEPS];
	struct pt_decode_result res;
	struct outcome o = { 0 };
	uint8_t *trace;
	size_t len;

	o.expected = path_steps(p, want, MAX_STEPS);
	trace = path_trace(p, timing, &len);
	if (!trace) {
		o.err = -ENOSPC;
		return o;
	}
	o.err = pt_decode(opts, img, trace, cut && cut < len ? cut : len, &res);
	free(trace);
	snprintf(o.error, sizeof(o.error), "%s", res.error);
	o.decoded = result_steps(&res, got, MAX_STEPS, &o.gaps);
	while (o.agree < o.decoded && o.agree < o.expected &&
	       same_step(&want[o.agree], &got[o.agree]))
		o.agree++;
	o.nr_resolutions = res.nr_resolutions;
	if (res.nr_resolutions)
		o.resolution = res.resolutions[0];
	pt_decode_result_free(&res);
	return o;
}

static struct outcome decode_path(const struct path *p, const struct code_image *img,
				  const struct pt_decode_options *opts,
				  const struct path_encoding *timing)
{
	return decode_path_cut(p, img, opts, timing, 0);
}

/* How many steps the calls before the first poke make. */
static size_t steps_before_first_poke(const struct path *p, const struct code_image *img)
{
	struct path_step want[MAX_STEPS];
	struct path before;

	poked_path_before_first_poke(p, img, &before);
	return path_steps(&before, want, MAX_STEPS);
}

/* The image names the path's addresses from the program's symbol table. */
TEST_F(pt, image_names_the_traced_function)
{
	const struct code_symbol *sym;
	uint64_t offset = 0;

	sym = code_image_symbol(&self->r.img, self->r.path.alt, &offset);
	ASSERT_TRUE(sym != NULL);
	ASSERT_STREQ("decode_work", sym->name);
	ASSERT_EQ(PATH_ALT_OFFSET, offset);
	sym = code_image_symbol(&self->r.img, self->r.path.done, &offset);
	ASSERT_TRUE(sym != NULL);
	ASSERT_EQ(PATH_DONE_OFFSET, offset);
	/* Past the function's size, before the next one: no name. */
	sym = code_image_symbol(&self->r.img, self->r.path.done + 1, &offset);
	ASSERT_TRUE(sym == NULL || strcmp(sym->name, "decode_work"));
}

TEST_F(pt, follows_pokes_of_every_backend)
{
	bool seen[4] = { false };
	struct outcome o;
	size_t i;

	for (i = 0; i < self->r.path.nr_pokes; i++)
		if (self->r.path.pokes[i] >= 1 && self->r.path.pokes[i] <= 3)
			seen[self->r.path.pokes[i]] = true;
	ASSERT_TRUE(seen[TP_BACKEND_BREAKPOINT] && seen[TP_BACKEND_STOP_MACHINE]);
	o = decode_path(&self->r.path, &self->r.img, &self->r.opts, &self->r.timing);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(0, o.gaps);
	ASSERT_EQ(o.expected, o.decoded);
	ASSERT_EQ(o.expected, o.agree);
	ASSERT_EQ(0, o.nr_resolutions);
}

/* TSC with MTC after it, which libipt counts once it knows the CTC's rate. */
TEST_F(pt, follows_pokes_with_mtc_timing)
{
	struct outcome o;

	self->r.timing.mtc = true;
	self->r.opts.config.mtc_freq = PATH_MTC_FREQ;
	self->r.opts.config.cpuid_0x15_eax = 1;
	self->r.opts.config.cpuid_0x15_ebx = 1;
	o = decode_path(&self->r.path, &self->r.img, &self->r.opts, &self->r.timing);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(0, o.gaps);
	ASSERT_EQ(o.expected, o.agree);
	ASSERT_EQ(o.expected, o.decoded);
}

TEST_F(pt, without_events_diverges_after_first_poke)
{
	struct outcome o;

	self->r.opts.ignore_events = true;
	o = decode_path(&self->r.path, &self->r.img, &self->r.opts, &self->r.timing);
	/*
	 * The first call after the first poke ran JMP: walked as NOP, its JZ
	 * finds TIP.PGD where it needs a TNT bit, a gap from there.
	 */
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(steps_before_first_poke(&self->r.path, &self->r.img), o.agree);
	ASSERT_LT(o.agree, o.expected);
	ASSERT_LT(0, o.gaps);
}

/*
 * libipt binds a TIP.PGD to a JZ whatever its IP; the decoder holds it to
 * the JZ's two ways out: its target (taken), the next instruction (not
 * taken, the filter range ending there), nothing else.
 */
TEST_F(pt, tip_pgd_after_a_direct_branch_must_be_one_of_its_ways)
{
	static const struct { uint64_t offset; bool fits, taken; } cases[] = {
		{ PATH_MID_OFFSET, true, false },	/* not taken, leaving the range */
		{ PATH_DONE_OFFSET, true, true },	/* taken */
		{ PATH_ALT_OFFSET, false, false },	/* neither */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pt_decode_options opts = { .ignore_events = true };
		uint64_t leave = self->r.path.site + cases[i].offset;
		struct pt_decode_result res;
		const struct pt_element *r = NULL;
		uint8_t *trace;
		size_t len, j;

		trace = path_trace_leaving(&self->r.path, leave, &len);
		ASSERT_TRUE(trace != NULL);
		ASSERT_EQ(0, pt_decode(&opts, &self->r.img, trace, len, &res)) TH_LOG("%s", res.error);
		free(trace);
		for (j = 0; j < res.nr_elements; j++)
			if (res.elements[j].type == PT_ELEM_RANGE && !r)
				r = &res.elements[j];
		EXPECT_EQ(cases[i].fits ? 0 : 1, res.nr_gaps) TH_LOG("case %zu", i);
		if (cases[i].fits) {
			ASSERT_TRUE(r != NULL);
			EXPECT_EQ(self->r.path.site, r->start);
			EXPECT_EQ(self->r.path.site + PATH_MID_OFFSET, r->end);
			EXPECT_EQ(4, r->nr_insns);
			EXPECT_EQ(cases[i].taken, r->taken) TH_LOG("case %zu", i);
		}
		pt_decode_result_free(&res);
	}
}

/*
 * A call moved into the window of change @k: it ran the new version
 * (@after, the first call after the window) or the old one (the last
 * call before it).
 */
static struct outcome call_in_window(struct path *p, const struct code_image *img,
				     const struct pt_decode_options *opts,
				     const struct path_encoding *timing, size_t k, bool after,
				     bool trapped, size_t cut_after_call)
{
	const struct code_change *c = &img->changes[k];
	size_t i;

	for (i = 0; i < p->nr_calls && p->calls[i].time < c->pre_time; i++)
		;
	if (!after)
		i--;
	p->calls[i].time = c->pre_time + (c->post_time - c->pre_time) / 2;
	p->calls[i].trapped = trapped;
	if (cut_after_call) {
		/* The trace ends right after the call's TIP.PGE. */
		struct path head = *p;
		uint8_t *trace;
		size_t len;

		head.nr_calls = i;
		trace = path_trace(&head, timing, &len);
		free(trace);
		/* TSC (8 bytes), MODE.Exec (2), TIP.PGE with a 6-byte IP (7). */
		return decode_path_cut(p, img, opts, timing, trace ? len + 8 + 2 + 7 : 1);
	}
	return decode_path(p, img, opts, timing);
}

/*
 * For each window of @backend, a call moved into it: the decode is the
 * path, with one resolution of that window, @chosen, and @consistent the
 * candidates that agreed with the trace.  Returns how many windows.
 */
static size_t window_resolves(struct __test_metadata *_metadata, const struct poked_run *r,
			      enum tp_backend backend, bool after, bool trapped,
			      enum code_candidate chosen, unsigned int consistent)
{
	size_t k, windows = 0;

	for (k = 0; k < r->img.nr_changes; k++) {
		struct path p = r->path;
		struct outcome o;

		if (r->img.changes[k].backend != backend)
			continue;
		o = call_in_window(&p, &r->img, &r->opts, &r->timing, k, after, trapped, 0);
		ASSERT_EQ(0, o.err) TH_LOG("change %zu: %s", k, o.error);
		ASSERT_EQ(0, o.gaps) TH_LOG("change %zu", k);
		ASSERT_EQ(o.expected, o.agree) TH_LOG("change %zu", k);
		ASSERT_EQ(o.expected, o.decoded);
		ASSERT_EQ(1, o.nr_resolutions);
		ASSERT_EQ(k, o.resolution.change);
		ASSERT_EQ(chosen, o.resolution.chosen);
		ASSERT_EQ(consistent, o.resolution.consistent);
		windows++;
	}
	return windows;
}

#define ONLY(c)	(1u << (c))

TEST_F(pt, breakpoint_window_new_bytes)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, true, false,
				     CODE_CANDIDATE_NEW, ONLY(CODE_CANDIDATE_NEW)));
}

TEST_F(pt, breakpoint_window_old_bytes)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, false, false,
				     CODE_CANDIDATE_OLD, ONLY(CODE_CANDIDATE_OLD)));
}

/* The INT3: FUP and TIP.PGD at the site, then TIP.PGE where the handler resumed. */
TEST_F(pt, breakpoint_window_trap_at_site)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, true, true,
				     CODE_CANDIDATE_TRAP, ONLY(CODE_CANDIDATE_TRAP)));
}

TEST_F(pt, stop_machine_window_old_bytes)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_STOP_MACHINE, false, false,
				     CODE_CANDIDATE_OLD, ONLY(CODE_CANDIDATE_OLD)));
}

TEST_F(pt, stop_machine_window_new_bytes)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_STOP_MACHINE, true, false,
				     CODE_CANDIDATE_NEW, ONLY(CODE_CANDIDATE_NEW)));
}

/* A stop_machine window writes no INT3: a trap there is reported, not explained. */
TEST_F(pt, trap_in_window_without_int3_is_reported)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_STOP_MACHINE, true, true,
			CODE_CANDIDATE_OLD, 0);
}

/*
 * A trace that ends just after the call entered the site inside a
 * window: nothing follows to tell the old bytes from the new, so both
 * agree, and the result says so (decoded with the old bytes).
 */
TEST_F(pt, window_the_trace_cannot_settle_is_reported)
{
	size_t k;

	for (k = 0; k < self->r.img.nr_changes; k++) {
		struct path p = self->r.path;
		struct outcome o;

		if (self->r.img.changes[k].backend != TP_BACKEND_STOP_MACHINE)
			continue;
		o = call_in_window(&p, &self->r.img, &self->r.opts, &self->r.timing, k, true,
				   false, 1);
		ASSERT_EQ(0, o.err) TH_LOG("change %zu: %s", k, o.error);
		ASSERT_EQ(0, o.gaps);
		ASSERT_EQ(1, o.nr_resolutions);
		ASSERT_EQ(k, o.resolution.change);
		ASSERT_EQ(ONLY(CODE_CANDIDATE_OLD) | ONLY(CODE_CANDIDATE_NEW),
			  o.resolution.consistent);
		ASSERT_FALSE(code_resolution_unique(&o.resolution));
		ASSERT_EQ(CODE_CANDIDATE_OLD, o.resolution.chosen);
	}
}

static int write_file(const char *path, const void *buf, size_t len);

/* The same trace given to tp-decode: the window reported on stderr, exit status 3. */
TEST_F(pt, tp_decode_exits_3_for_a_window_it_cannot_settle)
{
	char cmd[PATH_MAX * 2 + 512], trace_path[128], err_path[128], line[256];
	const struct code_change *c = NULL;
	struct path p = self->r.path;
	bool reported = false;
	uint8_t *trace, *head_trace;
	size_t k, i, len, head_len;
	struct path head;
	FILE *f;

	for (k = 0; k < self->r.img.nr_changes && !c; k++)
		if (self->r.img.changes[k].backend == TP_BACKEND_STOP_MACHINE)
			c = &self->r.img.changes[k];
	ASSERT_TRUE(c != NULL);
	for (i = 0; i < p.nr_calls && p.calls[i].time < c->pre_time; i++)
		;
	p.calls[i].time = c->pre_time + (c->post_time - c->pre_time) / 2;
	head = p;
	head.nr_calls = i;
	trace = path_trace(&p, &self->r.timing, &len);
	head_trace = path_trace(&head, &self->r.timing, &head_len);
	ASSERT_TRUE(trace && head_trace);
	free(head_trace);
	snprintf(trace_path, sizeof(trace_path), "%s/cut.bin", self->r.dir);
	snprintf(err_path, sizeof(err_path), "%s/err.txt", self->r.dir);
	/* Cut after the call's TSC (8 bytes), MODE.Exec (2) and TIP.PGE (7). */
	ASSERT_EQ(0, write_file(trace_path, trace, head_len + 8 + 2 + 7));
	free(trace);
	snprintf(cmd, sizeof(cmd), "%s --format pt -t %s -e %s -b %s >/dev/null 2>%s",
		 test_file("tp-decode", true), trace_path, self->r.events, self->r.prog, err_path);
	ASSERT_EQ(3, test_run(cmd)) TH_LOG("%s", cmd);
	f = fopen(err_path, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f))
		reported |= strstr(line, "several candidates agree with the trace") != NULL;
	fclose(f);
	ASSERT_TRUE(reported);
}

static int write_file(const char *path, const void *buf, size_t len);

/* Write @len bytes of @buf to @path. */
static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "w");
	int err;

	if (!f)
		return -errno;
	err = fwrite(buf, 1, len, f) == len ? 0 : -EIO;
	return fclose(f) || err ? -EIO : 0;
}

/* tp-decode --format pt --ranges prints the path, one range per line. */
TEST_F(pt, tp_decode_prints_the_path)
{
	struct path_step want[MAX_STEPS];
	char cmd[PATH_MAX * 2 + 512], trace_path[128], out[128], line[256];
	size_t n, i = 0, bad = 0, len;
	uint8_t *trace;
	FILE *f;

	n = path_steps(&self->r.path, want, MAX_STEPS);
	trace = path_trace(&self->r.path, &self->r.timing, &len);
	ASSERT_TRUE(trace != NULL);
	snprintf(trace_path, sizeof(trace_path), "%s/trace.bin", self->r.dir);
	snprintf(out, sizeof(out), "%s/out.txt", self->r.dir);
	ASSERT_EQ(0, write_file(trace_path, trace, len));
	free(trace);
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -t %s -e %s -b %s > %s",
		 test_file("tp-decode", true), trace_path, self->r.events, self->r.prog, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	f = fopen(out, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		size_t insns;
		char taken;

		/* Each range named after the function of the binary that holds it. */
		if (i >= n || sscanf(line, "range 0x%llx-0x%llx %zu %c", &start, &end, &insns,
				     &taken) != 4 || start != want[i].start || end != want[i].end ||
		    insns != want[i].nr_insns || (taken == 'E') != want[i].taken ||
		    !strstr(line, " decode_work+0x"))
			bad++;
		i++;
	}
	fclose(f);
	ASSERT_EQ(n, i);
	ASSERT_EQ(0, bad);
	/* Without the events the path does not fit the code: status 1. */
	snprintf(cmd, sizeof(cmd), "%s --format pt -t %s --ignore-events -b %s >/dev/null 2>&1",
		 test_file("tp-decode", true), trace_path, self->r.prog);
	ASSERT_EQ(1, test_run(cmd)) TH_LOG("%s", cmd);
	/* A perf.data without Intel PT (textpoke's own file): status 1, with a reason. */
	snprintf(cmd, sizeof(cmd), "%s --format pt -i %s 2>/dev/null", test_file("tp-decode", true),
		 self->r.events);
	ASSERT_EQ(1, test_run(cmd)) TH_LOG("%s", cmd);
	/* -i is Intel PT's only, and not with -t. */
	snprintf(cmd, sizeof(cmd), "%s -i %s -c x 2>/dev/null", test_file("tp-decode", true),
		 self->r.events);
	ASSERT_EQ(2, test_run(cmd)) TH_LOG("%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s --format pt -i %s -t %s 2>/dev/null",
		 test_file("tp-decode", true), self->r.events, trace_path);
	ASSERT_EQ(2, test_run(cmd)) TH_LOG("%s", cmd);
}

static unsigned int fuzz_cases(void)
{
	const char *env = getenv("TP_FUZZ_CASES");

	return env && atoi(env) > 0 ? (unsigned int)atoi(env) : FUZZ_CASES;
}

/*
 * Corrupt and truncated traces: an error or gaps, never a crash (the
 * sanitizer builds turn a bad read into a failure).
 */
TEST_F(pt, corrupt_or_truncated_trace_is_an_error_or_a_gap)
{
	struct pt_decode_result res;
	unsigned int i, seed = 25;
	uint8_t *trace, *copy;
	size_t len;

	trace = path_trace(&self->r.path, &self->r.timing, &len);
	ASSERT_TRUE(trace != NULL);
	copy = malloc(len);
	ASSERT_TRUE(copy != NULL);
	/* No PSB: nothing to synchronise on. */
	memset(copy, 0x55, len);
	ASSERT_EQ(-EINVAL, pt_decode(&self->r.opts, &self->r.img, copy, len, &res));
	ASSERT_NE(0, res.error[0]);
	ASSERT_EQ(-EINVAL, pt_decode(&self->r.opts, &self->r.img, copy, 0, &res));
	for (i = 0; i < fuzz_cases(); i++) {
		size_t cut = len, flips = 1 + rand_r(&seed) % 4, j;
		int err;

		memcpy(copy, trace, len);
		if (i % 3 == 0)
			cut = 1 + rand_r(&seed) % len;
		for (j = 0; j < flips && i % 3; j++)
			copy[rand_r(&seed) % len] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
		err = pt_decode(&self->r.opts, &self->r.img, copy, cut, &res);
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -E2BIG) TH_LOG("case %u: %d", i, err);
		pt_decode_result_free(&res);
	}
	free(copy);
	free(trace);
}

/* --- perf.data from perf record -e intel_pt//u -k CLOCK_MONOTONIC ---------- */

#define PT_PMU_TYPE	8		/* the intel_pt PMU's type on some machine */
#define PT_CONFIG_TSC	10		/* intel_pt's config bits: format/tsc, format/mtc */
#define PT_CONFIG_MTC	9
#define ATTR_FLAG_USE_CLOCKID	(1ull << 25)
#define ATTR_CLOCKID_OFFSET	92

/* The executable PT_LOAD of the non-PIE @path: its page-aligned address, size and offset. */
static int exec_segment(const char *path, uint64_t *addr, uint64_t *len, uint64_t *pgoff)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = -ENOENT;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	size_t i;

	if (fd < 0)
		return -errno;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh))
		found = -EIO;
	for (i = 0; found == -ENOENT && i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)) != sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		*addr = ph.p_vaddr & ~0xfffull;
		*pgoff = ph.p_offset & ~0xfffull;
		*len = ph.p_memsz + (ph.p_vaddr & 0xfff);
		found = 0;
	}
	close(fd);
	return found;
}

/*
 * What perf record -e intel_pt//u -k CLOCK_MONOTONIC writes for one
 * process traced per CPU: intel_pt's AUXTRACE_INFO (the words of perf's
 * intel-pt.h, no time_zero as the kernel gives none with -k), TIME_CONV,
 * the program's MMAP2, ITRACE_START when the trace began, and the trace
 * of the path in two AUXTRACE buffers.  In @buf (free()).
 */
/*
 * One CPU's queue of the file: the calls [@from, @to) of @r's path, its
 * ITRACE_START at the first one's time, its trace in two AUXTRACE buffers.
 */
static int add_cpu_queue(struct pw_file *f, const struct poked_run *r,
			 const struct path_encoding *timing, uint32_t cpu, size_t from, size_t to)
{
	struct pw_sid sid = { .pid = 4242, .tid = 4242, .cpu = cpu };
	struct path part = r->path;
	uint8_t *trace;
	size_t tlen;

	memmove(part.calls, part.calls + from, (to - from) * sizeof(part.calls[0]));
	part.nr_calls = to - from;
	trace = path_trace(&part, timing, &tlen);
	if (!trace)
		return -ENOMEM;
	/* The trace began with the first call's TSC: the core writes it as it starts. */
	sid.time = part.calls[0].time;
	pw_itrace_start(f, &sid);
	pw_auxtrace(f, 0, cpu, AUXTRACE_NONE, cpu, trace, tlen / 2);
	pw_auxtrace(f, tlen / 2, cpu, AUXTRACE_NONE, cpu, trace + tlen / 2, tlen - tlen / 2);
	free(trace);
	return 0;
}

/* A shared object mapped beside the program: its file and where. */
struct extra_map {
	const char *path;
	uint64_t addr;
};

static int perf_pt_file_split(const struct poked_run *r, const struct path_encoding *timing,
			      size_t split, const struct extra_map *lib, uint8_t **buf,
			      size_t *len);

static int perf_pt_file(const struct poked_run *r, const struct path_encoding *timing,
			uint8_t **buf, size_t *len)
{
	return perf_pt_file_split(r, timing, 0, NULL, buf, len);
}

/*
 * The same with the calls from @split on (if not 0) traced on a second
 * CPU, and @lib's code mapped too (if not NULL).
 */
static int perf_pt_file_split(const struct poked_run *r, const struct path_encoding *timing,
			      size_t split, const struct extra_map *lib, uint8_t **buf,
			      size_t *len)
{
	uint64_t priv[PT_INFO_WORDS] = {
		[PT_INFO_PMU_TYPE] = PT_PMU_TYPE, [PT_INFO_TIME_SHIFT] = PATH_TSC_SHIFT,
		[PT_INFO_TIME_MULT] = PATH_TSC_MULT, [PT_INFO_TSC_BIT] = PT_CONFIG_TSC,
		[PT_INFO_NORETCOMP_BIT] = 11, [PT_INFO_PER_CPU_MMAPS] = 1,
		[PT_INFO_MTC_BIT] = PT_CONFIG_MTC, [PT_INFO_MTC_FREQ_BITS] = 14,
		[PT_INFO_TSC_CTC_N] = 2, [PT_INFO_TSC_CTC_D] = 1, [PT_INFO_CYC_BIT] = 1,
	};
	struct pw_sid sid = { .pid = 4242, .tid = 4242, .cpu = 0 };
	uint64_t addr = 0, size = 0, pgoff = 0, attrs, flags, config = 1ull << PT_CONFIG_TSC;
	struct pw_file f = { 0 };
	uint32_t type = PT_PMU_TYPE, clockid = CLOCK_MONOTONIC;
	int err;

	err = exec_segment(r->prog, &addr, &size, &pgoff);
	if (err)
		return err;
	sid.time = r->path.calls[0].time - 1000;
	pw_auxtrace_info(&f, AUXTRACE_TYPE_INTEL_PT, priv, PT_INFO_WORDS);
	pw_time_conv(&f, PATH_TSC_SHIFT, PATH_TSC_MULT, 0, 0, 0, 0);
	pw_mmap2(&f, &sid, addr, size, pgoff, PROT_READ | PROT_EXEC, r->prog, NULL, 0);
	if (lib) {
		err = exec_segment(lib->path, &addr, &size, &pgoff);
		if (err) {
			pw_free(&f);
			return err;
		}
		pw_mmap2(&f, &sid, lib->addr, size, pgoff, PROT_READ | PROT_EXEC, lib->path,
			 NULL, 0);
	}
	err = add_cpu_queue(&f, r, timing, 0, 0, split ? split : r->path.nr_calls);
	if (!err && split)
		err = add_cpu_queue(&f, r, timing, 1, split, r->path.nr_calls);
	if (err) {
		pw_free(&f);
		return err;
	}
	err = pw_finish(&f, buf, len);
	pw_free(&f);
	if (err)
		return err;
	/* The writer's one attribute made intel_pt's, with -k CLOCK_MONOTONIC. */
	memcpy(&attrs, *buf + 24, 8);
	memcpy(*buf + attrs, &type, 4);
	memcpy(*buf + attrs + 8, &config, 8);
	memcpy(&flags, *buf + attrs + 40, 8);
	flags |= ATTR_FLAG_USE_CLOCKID;
	memcpy(*buf + attrs + 40, &flags, 8);
	memcpy(*buf + attrs + ATTR_CLOCKID_OFFSET, &clockid, 4);
	return 0;
}

/* tp-decode's --ranges lines in @out against @p's steps: how many differ (queue lines skipped). */
static size_t ranges_differ_encoded(const char *out, const struct path *p,
				    const struct path_encoding *enc, size_t *lines)
{
	struct path_step want[MAX_STEPS];
	size_t n = path_steps_encoded(p, enc, want, MAX_STEPS), i = 0, bad = 0, k, m = 0;
	char line[256];
	FILE *f = fopen(out, "r");

	if (!f)
		return SIZE_MAX;
	/* --ranges prints no traps. */
	for (k = 0; k < n && k < MAX_STEPS; k++)
		if (!want[k].trap)
			want[m++] = want[k];
	n = m;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;
		size_t insns;
		char taken;

		if (!strncmp(line, "queue ", 6))
			continue;
		if (i >= n || sscanf(line, "range 0x%llx-0x%llx %zu %c", &start, &end, &insns,
				     &taken) != 4 || start != want[i].start || end != want[i].end ||
		    insns != want[i].nr_insns || (taken == 'E') != want[i].taken)
			bad++;
		i++;
	}
	fclose(f);
	*lines = i;
	return bad + (i != n);
}

static size_t ranges_differ(const char *out, const struct path *p, size_t *lines)
{
	return ranges_differ_encoded(out, p, NULL, lines);
}

TEST_F(pt, perf_data_with_injected_events_decodes_the_path)
{
	char data[128], merged[128], out[128], cmd[PATH_MAX * 2 + 512];
	struct path_encoding timing = { .tsc_scaled = true };
	size_t len, lines = 0;
	uint8_t *buf;

	ASSERT_EQ(0, perf_pt_file(&self->r, &timing, &buf, &len));
	snprintf(data, sizeof(data), "%s/pt.data", self->r.dir);
	snprintf(merged, sizeof(merged), "%s/merged.data", self->r.dir);
	snprintf(out, sizeof(out), "%s/out.txt", self->r.dir);
	ASSERT_EQ(0, write_file(data, buf, len));
	free(buf);
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", test_file("tp-perf", true), data,
		 self->r.events, merged);
	if (access(test_file("tp-perf", true), X_OK))
		SKIP(return, "no tp-perf in this build (CONFIG_TP_PERF)");
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	/* The binary from the MMAP2, the pokes from the merged records. */
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -i %s > %s",
		 test_file("tp-decode", true), merged, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, ranges_differ(out, &self->r.path, &lines)) TH_LOG("%zu lines", lines);
	/* Without the events: the first call after the first poke does not fit. */
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges --ignore-events -i %s > %s 2>/dev/null",
		 test_file("tp-decode", true), merged, out);
	ASSERT_EQ(1, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_NE(0, ranges_differ(out, &self->r.path, &lines));
	/* perf's file as it was, the events beside it, the binary named. */
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -i %s -e %s -b %s > %s",
		 test_file("tp-decode", true), data, self->r.events, self->r.prog, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, ranges_differ(out, &self->r.path, &lines));
}

/*
 * Two CPUs' queues, the first calls on one and the rest on the other:
 * each decoded on its own, each clock anchored at its CPU's ITRACE_START,
 * the two paths one after the other.
 */
TEST_F(pt, perf_data_queue_per_cpu_each_anchored)
{
	char data[128], merged[128], out[128], cmd[PATH_MAX * 2 + 512], line[256];
	struct path_encoding timing = { .tsc_scaled = true };
	size_t len, lines = 0, queues = 0;
	uint8_t *buf;
	FILE *f;

	if (access(test_file("tp-perf", true), X_OK))
		SKIP(return, "no tp-perf in this build (CONFIG_TP_PERF)");
	ASSERT_EQ(0, perf_pt_file_split(&self->r, &timing, 5, NULL, &buf, &len));
	snprintf(data, sizeof(data), "%s/pt.data", self->r.dir);
	snprintf(merged, sizeof(merged), "%s/merged.data", self->r.dir);
	snprintf(out, sizeof(out), "%s/out.txt", self->r.dir);
	ASSERT_EQ(0, write_file(data, buf, len));
	free(buf);
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", test_file("tp-perf", true), data,
		 self->r.events, merged);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -i %s > %s",
		 test_file("tp-decode", true), merged, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, ranges_differ(out, &self->r.path, &lines)) TH_LOG("%zu lines", lines);
	f = fopen(out, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f))
		queues += !strncmp(line, "queue ", 6);
	fclose(f);
	ASSERT_EQ(2, queues);
}

/* Where the handler's object lands: its exec segment's page at this address. */
#define HANDLER_MAP_ADDR	0x7f0012340000ull

/* The address of pt_fake_handler once @lib is mapped at HANDLER_MAP_ADDR. */
static uint64_t handler_address(const char *lib)
{
	uint64_t addr, size, pgoff, found = 0;
	struct code_image img;
	size_t i;

	code_image_init(&img);
	if (!exec_segment(lib, &addr, &size, &pgoff) && !code_image_add_elf(&img, lib, 0))
		for (i = 0; i < img.nr_symbols; i++)
			if (!strcmp(img.symbols[i].name, "pt_fake_handler"))
				found = HANDLER_MAP_ADDR + img.symbols[i].addr - addr;
	code_image_free(&img);
	return found;
}

/*
 * A call that traps in a breakpoint window, traced through the signal
 * handler in another mapped file: with -b naming the program only, the
 * other mapping's code and names still come from the recording.
 */
TEST_F(pt, perf_data_trap_through_a_handler_in_another_mapping)
{
	char data[128], merged[128], out[128], cmd[PATH_MAX * 3 + 512], lib[PATH_MAX], line[256];
	struct path_encoding enc = { .tsc_scaled = true };
	struct extra_map map = { .addr = HANDLER_MAP_ADDR };
	struct path p = self->r.path;
	const struct code_change *c = NULL;
	size_t k, i, len, lines = 0;
	bool named = false;
	uint8_t *buf;
	FILE *f;

	if (access(test_file("tp-perf", true), X_OK))
		SKIP(return, "no tp-perf in this build (CONFIG_TP_PERF)");
	snprintf(lib, sizeof(lib), "%s", test_file("pt_handler.so", false));
	map.path = lib;
	enc.handler = handler_address(lib);
	ASSERT_NE(0, enc.handler);
	for (k = 0; k < self->r.img.nr_changes && !c; k++)
		if (self->r.img.changes[k].backend == TP_BACKEND_BREAKPOINT)
			c = &self->r.img.changes[k];
	ASSERT_TRUE(c != NULL);
	for (i = 0; i < p.nr_calls && p.calls[i].time < c->pre_time; i++)
		;
	p.calls[i].time = c->pre_time + (c->post_time - c->pre_time) / 2;
	p.calls[i].trapped = true;
	{
		struct poked_run r = self->r;

		r.path = p;
		ASSERT_EQ(0, perf_pt_file_split(&r, &enc, 0, &map, &buf, &len));
	}
	snprintf(data, sizeof(data), "%s/pt.data", self->r.dir);
	snprintf(merged, sizeof(merged), "%s/merged.data", self->r.dir);
	snprintf(out, sizeof(out), "%s/out.txt", self->r.dir);
	ASSERT_EQ(0, write_file(data, buf, len));
	free(buf);
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", test_file("tp-perf", true), data,
		 self->r.events, merged);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -i %s -b %s > %s",
		 test_file("tp-decode", true), merged, self->r.prog, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, ranges_differ_encoded(out, &p, &enc, &lines)) TH_LOG("%zu lines", lines);
	f = fopen(out, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f))
		named |= strstr(line, " pt_fake_handler+0x0") != NULL;
	fclose(f);
	ASSERT_TRUE(named);
	/* The mappings alone give the same. */
	snprintf(cmd, sizeof(cmd), "%s --format pt --ranges -i %s > %s",
		 test_file("tp-decode", true), merged, out);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	ASSERT_EQ(0, ranges_differ_encoded(out, &p, &enc, &lines)) TH_LOG("%zu lines", lines);
}

/* The file's words as libipt's configuration; the clock anchored at ITRACE_START. */
TEST_F(pt, perf_data_intel_pt_info_and_clock)
{
	struct path_encoding timing = { .tsc_scaled = true };
	const struct auxtrace_queue *q;
	struct pt_perf_info info;
	struct auxtrace_data d;
	struct pt_time_conv conv;
	char error[256];
	uint8_t *buf, *trace;
	size_t len, tlen;

	ASSERT_EQ(0, perf_pt_file(&self->r, &timing, &buf, &len));
	ASSERT_EQ(0, auxtrace_parse(&d, buf, len)) TH_LOG("%s", d.error);
	ASSERT_EQ(0, pt_perf_info(&d, &info, error, sizeof(error))) TH_LOG("%s", error);
	ASSERT_TRUE(info.tsc);
	ASSERT_FALSE(info.mtc);
	ASSERT_FALSE(info.time_zero);
	ASSERT_TRUE(info.per_cpu);
	ASSERT_EQ(PATH_TSC_MULT, info.config.time.mult);
	ASSERT_EQ(1, d.nr_queues);
	q = &d.queues[0];
	ASSERT_EQ(2, q->nr_buffers);
	ASSERT_EQ(0, pt_perf_queue_trace(&d, q, &trace, &tlen));
	conv = info.config.time;
	ASSERT_EQ(0, pt_perf_anchor_clock(&d, q, trace, tlen, &conv));
	/* Every call's TSC back on its own CLOCK_MONOTONIC time. */
	ASSERT_EQ(self->r.path.calls[0].time,
		  pt_time_convert(&conv, path_tsc(&timing, self->r.path.calls[0].time)));
	ASSERT_EQ(self->r.path.calls[5].time,
		  pt_time_convert(&conv, path_tsc(&timing, self->r.path.calls[5].time)));
	free(trace);
	auxtrace_close(&d);
	free(buf);
}

/*
 * Every truncation of the file and corrupt AUXTRACE_INFO words: an error
 * with a sentence or a decode with gaps, never a crash.
 */
TEST_F(pt, perf_data_truncated_or_corrupt_is_an_error)
{
	struct path_encoding timing = { .tsc_scaled = true };
	struct pt_perf_info info;
	struct auxtrace_data d;
	char error[256];
	uint8_t *buf;
	size_t len, cut, word;

	ASSERT_EQ(0, perf_pt_file(&self->r, &timing, &buf, &len));
	for (cut = 0; cut < len; cut++) {
		int err = auxtrace_parse(&d, buf, cut);

		if (!err) {
			err = pt_perf_info(&d, &info, error, sizeof(error));
			ASSERT_TRUE(err == 0 || err == -EINVAL);
			ASSERT_TRUE(err == 0 || error[0]);
			if (!err && d.nr_queues) {
				struct pt_decode_options opts = { .config = info.config };
				struct pt_decode_result res;
				uint8_t *trace;
				size_t tlen;

				ASSERT_EQ(0, pt_perf_queue_trace(&d, &d.queues[0], &trace, &tlen));
				if (tlen) {
					err = pt_decode(&opts, &self->r.img, trace, tlen, &res);
					ASSERT_TRUE(err == 0 || err == -EINVAL);
					pt_decode_result_free(&res);
				}
				free(trace);
			}
			auxtrace_close(&d);
		} else {
			ASSERT_NE(0, d.error[0]) TH_LOG("cut at %zu: %d", cut, err);
		}
	}
	/* Each AUXTRACE_INFO word an impossible value: refused or harmless. */
	for (word = 0; word < PT_INFO_WORDS; word++) {
		size_t at = (size_t)-1, i;
		uint64_t bad = UINT64_MAX, old;

		/* The record: header (8), type, reserved, then the words. */
		for (i = 0; i + 16 < len; i++)
			if (!memcmp(buf + i, "\x46\x00\x00\x00", 4) &&
			    !memcmp(buf + i + 8, "\x01\x00\x00\x00", 4)) {
				at = i + 16 + 8 * word;
				break;
			}
		ASSERT_NE((size_t)-1, at);
		memcpy(&old, buf + at, 8);
		memcpy(buf + at, &bad, 8);
		if (!auxtrace_parse(&d, buf, len)) {
			int err = pt_perf_info(&d, &info, error, sizeof(error));

			ASSERT_TRUE(err == 0 || err == -EINVAL);
			auxtrace_close(&d);
		}
		memcpy(buf + at, &old, 8);
	}
	free(buf);
}

TEST(config_lines)
{
	struct pt_decode_config cfg = { 0 };
	char error[128];
	static const char good[] = "# perf's TIME_CONV and AUXTRACE_INFO\n"
		"cpu_family=6\ncpu_model = 0x55\ncpu_stepping=4\nmtc_freq=3\nnom_freq=24\n"
		"cpuid_0x15_eax=2\ncpuid_0x15_ebx=188\ntime_mult=524288\ntime_shift=20\n"
		"time_zero=1000\ntime_offset=-7\n";

	ASSERT_EQ(0, pt_config_parse(good, strlen(good), &cfg, error, sizeof(error)))
		TH_LOG("%s", error);
	ASSERT_EQ(6, cfg.cpu_family);
	ASSERT_EQ(0x55, cfg.cpu_model);
	ASSERT_EQ(3, cfg.mtc_freq);
	ASSERT_EQ(188, cfg.cpuid_0x15_ebx);
	/* (tsc * 2^19) >> 20 = tsc / 2, from time_zero, then the offset. */
	ASSERT_EQ(1000 + 500 - 7, pt_time_convert(&cfg.time, 1000));
	ASSERT_EQ(1000 + (1ull << 40) - 7, pt_time_convert(&cfg.time, 1ull << 41));
	ASSERT_EQ(-EINVAL, pt_config_parse("mtc_freq=16", 11, &cfg, error, sizeof(error)));
	ASSERT_EQ(-EINVAL, pt_config_parse("cpu_model=256", 13, &cfg, error, sizeof(error)));
	ASSERT_EQ(-EINVAL, pt_config_parse("bogus=1", 7, &cfg, error, sizeof(error)));
	ASSERT_EQ(-EINVAL, pt_config_parse("time_shift", 10, &cfg, error, sizeof(error)));
	ASSERT_EQ(-EINVAL, pt_config_parse("nom_freq=-1", 11, &cfg, error, sizeof(error)));
	ASSERT_EQ(-EINVAL, pt_config_parse("a\0b", 3, &cfg, error, sizeof(error)));
}

TEST_HARNESS_MAIN
