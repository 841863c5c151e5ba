// SPDX-License-Identifier: GPL-2.0
/*
 * ETMv4 decoding across pokes.  An arm64 program (prog.c, prog_arm64.c) pokes its
 * own code with every backend between calls of the traced function and
 * logs its path; the events of its pokes go to a perf.data.  The test
 * encodes that path as the ETMv4 trace a trace unit would have written
 * (etm4_encode.c) and decodes it with OpenCSD through the code image:
 * the ranges must be the program's path exactly, and without the events
 * or without the cache flush they must not be.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "image/code_image.h"
#include "etm/etm_decode.h"
#include "etm4_encode.h"
#include "path.h"
#include "snapshot.h"
#include "frames.h"
#include "../coresight/perf_writer.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define MAX_RANGES	(4 * PATH_MAX_CALLS)
#define FUZZ_CASES	6000	/* corruptions of the trace; TP_FUZZ_CASES overrides (make fuzz) */

/* BRK #0x7450, textpoke's arm64 trap: what the image must give as the TRAP candidate. */
static const uint8_t a64_trap[4] = { 0x00, 0x8a, 0x2e, 0xd4 };

/* The configuration of the trace unit the encoder plays: ETMv4.2, 64-bit
 * addresses and timestamps, no speculation, no cycle counts. */
static void etm_config(ocsd_etmv4_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->reg_idr0 = 0x28000ea1;	/* TSSIZE 64, COMMOPT, RETSTACK, branch broadcast */
	cfg->reg_idr1 = 0x4100f424;	/* ETMv4.2 */
	cfg->reg_idr2 = 0x00000488;	/* 64-bit addresses, 32-bit context IDs, 8-bit VMIDs */
	cfg->reg_configr = 0x00000800;	/* timestamps on */
	cfg->reg_traceidr = 0x10;
	cfg->arch_ver = ARCH_V8;
	cfg->core_prof = profile_CortexA;
}

FIXTURE(decode) {
	char dir[64];
	char prog[PATH_MAX];
	char events[128];
	struct path path;
	struct code_image img;
	struct etm_decode_options opts;
};

/*
 * Run the program (under qemu-aarch64 on other hosts) and load what it
 * left: its log, its perf.data, and the image of its binary.
 */
FIXTURE_SETUP(decode)
{
	char cmd[PATH_MAX + 512], log[128];
	int err;

	snprintf(self->prog, sizeof(self->prog), "%s", test_file("prog_arm64", false));
	strcpy(self->dir, "/tmp/textpoke-decode-XXXXXX");
	ASSERT_TRUE(mkdtemp(self->dir) != NULL);
	snprintf(log, sizeof(log), "%s/path.log", self->dir);
	snprintf(self->events, sizeof(self->events), "%s/poke.data", self->dir);
	if (*DECODE_RUNNER && test_run("command -v qemu-aarch64 >/dev/null"))
		SKIP(return, "no qemu-aarch64 to run the arm64 program");
	snprintf(cmd, sizeof(cmd), "TEXTPOKE_PERF_DATA=%s %s %s %s", self->events,
		 DECODE_RUNNER, self->prog, log);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);
	ASSERT_EQ(0, path_load(log, &self->path));
	ASSERT_EQ(6, self->path.nr_pokes);

	err = poked_image_load(&self->img, EM_AARCH64, self->prog, self->events);
	ASSERT_EQ(0, err) TH_LOG("%s", self->img.error);
	ASSERT_EQ(6, self->img.nr_changes);
	etm_config(&self->opts.config);
}

FIXTURE_TEARDOWN(decode)
{
	char cmd[128];

	code_image_free(&self->img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (test_run(cmd))
		fprintf(stderr, "could not remove %s\n", self->dir);
}

/* The instruction ranges of a decode. */
static size_t decoded_ranges(const struct etm_decode_result *res, struct path_range *out,
			     size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < res->nr_elements; i++) {
		const ocsd_generic_trace_elem *el = &res->elements[i].elem;

		if (el->elem_type != OCSD_GEN_TRC_ELEM_INSTR_RANGE)
			continue;
		if (n < max) {
			out[n].start = el->st_addr;
			out[n].end = el->en_addr;
			out[n].executed = el->last_instr_exec;
		}
		n++;
	}
	return n;
}

/* How many ranges agree from the start (n if all n of both). */
static size_t common_prefix(const struct path_range *a, size_t na, const struct path_range *b,
			    size_t nb)
{
	size_t i;

	for (i = 0; i < na && i < nb; i++)
		if (a[i].start != b[i].start || a[i].end != b[i].end ||
		    a[i].executed != b[i].executed)
			break;
	return i;
}

struct outcome {
	int err;
	size_t expected, decoded, agree;
	size_t nr_resolutions;
	struct code_resolution resolution;	/* the first */
	size_t nr_pieces;
	char error[256];
};

/* Encode @p, decode it with @opts and compare with @p's ranges. */
static struct outcome decode_path(const struct path *p, const struct code_image *img,
				  const struct etm_decode_options *opts)
{
	struct path_range want[MAX_RANGES], got[MAX_RANGES];
	struct etm4_stream s = { 0 };
	struct etm_decode_result res;
	struct outcome o = { 0 };

	o.expected = path_ranges(p, want, MAX_RANGES);
	o.err = path_trace(p, &s);
	if (!o.err)
		o.err = etm_decode(opts, img, s.buf, s.len, &res);
	etm4_stream_free(&s);
	if (o.err) {
		snprintf(o.error, sizeof(o.error), "%s", res.error);
		return o;
	}
	o.decoded = decoded_ranges(&res, got, MAX_RANGES);
	o.agree = common_prefix(want, o.expected, got, o.decoded);
	o.nr_resolutions = res.nr_resolutions;
	if (res.nr_resolutions)
		o.resolution = res.resolutions[0];
	o.nr_pieces = res.nr_pieces;
	etm_decode_result_free(&res);
	return o;
}

/* The calls of @p before the first poke began. */
static struct path path_before_first_poke(const struct path *p, const struct code_image *img)
{
	struct path before = *p;
	size_t i;

	for (i = 0; i < p->nr_calls && p->calls[i].time < img->changes[0].pre_time; i++)
		;
	before.nr_calls = i;
	return before;
}

/* How many ranges the calls before the first poke make. */
static size_t ranges_before_first_poke(const struct path *p, const struct code_image *img)
{
	struct path_range want[MAX_RANGES];
	struct path before = path_before_first_poke(p, img);

	return path_ranges(&before, want, MAX_RANGES);
}

TEST(image_answers_exact_and_ambiguous)
{
	static const uint8_t code[8] = { 0x1f, 0x20, 0x03, 0xd5, 0xc0, 0x03, 0x5f, 0xd6 };
	struct code_change c = {
		.addr = 0x1000, .len = 4, .old = { 0x1f, 0x20, 0x03, 0xd5 },
		.new = { 0x02, 0x00, 0x00, 0x14 }, .pre_time = 100, .post_time = 200,
		.backend = TP_BACKEND_BREAKPOINT,
	};
	struct code_image img;
	uint8_t buf[8];
	size_t change = 99;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_set_arch(&img, EM_AARCH64));
	ASSERT_EQ(0, code_image_add_region(&img, 0x1000, code, sizeof(code)));
	ASSERT_EQ(-EINVAL, code_image_add_region(&img, 0x1004, code, sizeof(code)));
	ASSERT_EQ(0, code_image_add_change(&img, &c));
	ASSERT_EQ(0, code_image_freeze(&img));

	ASSERT_EQ(CODE_EXACT, code_image_read(&img, 0x1000, 99, CODE_CANDIDATE_NEW, buf, 8, NULL));
	ASSERT_EQ(0, memcmp(buf, code, 8));
	ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&img, 0x1000, 100, CODE_CANDIDATE_OLD, buf, 8,
						  &change));
	ASSERT_EQ(0, change);
	ASSERT_EQ(0, memcmp(buf, code, 8));
	ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&img, 0x1000, 199, CODE_CANDIDATE_NEW, buf, 4, NULL));
	ASSERT_EQ(0, memcmp(buf, c.new, 4));
	ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&img, 0x1000, 150, CODE_CANDIDATE_TRAP, buf, 4, NULL));
	ASSERT_EQ(0, memcmp(buf, a64_trap, 4));
	/* Outside the window the answer is exact, whatever is asked. */
	ASSERT_EQ(CODE_EXACT, code_image_read(&img, 0x1004, 150, CODE_CANDIDATE_NEW, buf, 4, NULL));
	ASSERT_EQ(CODE_EXACT, code_image_read(&img, 0x1000, 200, CODE_CANDIDATE_OLD, buf, 8, NULL));
	ASSERT_EQ(0, memcmp(buf, c.new, 4));
	ASSERT_EQ(0, memcmp(buf + 4, code + 4, 4));
	ASSERT_EQ(-ENOENT, code_image_read(&img, 0x1006, 300, CODE_CANDIDATE_OLD, buf, 4, NULL));
	ASSERT_EQ(-ENOENT, code_image_read(&img, 0xffc, 300, CODE_CANDIDATE_OLD, buf, 8, NULL));
	ASSERT_EQ(0, code_image_window_at(&img, 0x1002, 1, 150));
	ASSERT_EQ(-1, code_image_window_at(&img, 0x1004, 4, 150));
	code_image_free(&img);
}

/*
 * The reference the image's indexes must agree with: replay every change
 * in the order they began, the first window holding the time decides.
 */
static int replay(const struct code_change *changes, size_t nr, const uint8_t *base,
		  uint64_t base_addr, uint64_t addr, size_t len, uint64_t time,
		  enum code_candidate which, uint8_t *buf, size_t *change)
{
	int answer = CODE_EXACT;
	size_t i, b;

	memcpy(buf, base + (addr - base_addr), len);
	for (i = 0; i < nr && changes[i].pre_time <= time; i++) {
		const struct code_change *c = &changes[i];
		const uint8_t *src = c->new;

		if (c->addr >= addr + len || c->addr + c->len <= addr)
			continue;
		if (time < c->post_time) {
			if (answer == CODE_AMBIGUOUS) {
				src = c->old;
			} else {
				answer = CODE_AMBIGUOUS;
				*change = i;
				src = which == CODE_CANDIDATE_OLD ? c->old : c->new;
			}
		}
		for (b = 0; b < c->len; b++)
			if (c->addr + b >= addr && c->addr + b < addr + len)
				buf[c->addr + b - addr] = src[b];
	}
	return answer;
}

static bool changed_between(const struct code_change *changes, size_t nr, uint64_t after,
			    uint64_t until)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if ((changes[i].pre_time > after && changes[i].pre_time <= until) ||
		    (changes[i].post_time > after && changes[i].post_time <= until))
			return true;
	return false;
}

/* Random changes at neighbouring and overlapping sites, random questions. */
TEST(image_indexes_agree_with_replaying_every_change)
{
	static const uint64_t sites[] = { 0x1000, 0x1004, 0x1006, 0x1010, 0x1020 };
	uint8_t base[64], state[64], got[32], want[32];
	struct code_change changes[400];
	unsigned int seed = 11;
	struct code_image img;
	uint64_t t = 100;
	size_t i, b;

	for (b = 0; b < sizeof(base); b++)
		base[b] = rand_r(&seed);
	memcpy(state, base, sizeof(state));
	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x1000, base, sizeof(base)));
	/* Windows one after the other, as the text mutex orders them. */
	for (i = 0; i < 400; i++) {
		struct code_change *c = &changes[i];

		memset(c, 0, sizeof(*c));
		c->addr = sites[rand_r(&seed) % 5];
		c->len = 4;
		memcpy(c->old, state + (c->addr - 0x1000), 4);
		for (b = 0; b < 4; b++)
			c->new[b] = rand_r(&seed);
		memcpy(state + (c->addr - 0x1000), c->new, 4);
		c->pre_time = t += 1 + rand_r(&seed) % 5;
		c->post_time = t += rand_r(&seed) % 5;
		c->backend = TP_BACKEND_NOSYNC;
		ASSERT_EQ(0, code_image_add_change(&img, c));
	}
	ASSERT_EQ(0, code_image_freeze(&img)) TH_LOG("%s", img.error);
	for (i = 0; i < 20000; i++) {
		uint64_t addr = 0x1000 + rand_r(&seed) % 40, time = rand_r(&seed) % (t + 20);
		size_t len = 1 + rand_r(&seed) % 24, c1 = 0, c2 = 0;
		enum code_candidate which = rand_r(&seed) % 2;
		int a1, a2;

		a1 = code_image_read(&img, addr, time, which, got, len, &c1);
		a2 = replay(changes, 400, base, 0x1000, addr, len, time, which, want, &c2);
		ASSERT_EQ(a2, a1) TH_LOG("0x%llx+%zu at %llu", (unsigned long long)addr, len,
					 (unsigned long long)time);
		ASSERT_EQ(0, memcmp(want, got, len)) TH_LOG("0x%llx+%zu at %llu",
							    (unsigned long long)addr, len,
							    (unsigned long long)time);
		if (a1 == CODE_AMBIGUOUS) {
			ASSERT_EQ(c2, c1);
			ASSERT_EQ((long)c1, code_image_window_at(&img, addr, len, time));
		} else {
			ASSERT_EQ(-1, code_image_window_at(&img, addr, len, time));
		}
		ASSERT_EQ(changed_between(changes, 400, time, time + i % 7),
			  code_image_changes_between(&img, time, time + i % 7));
	}
	code_image_free(&img);
}

/* Candidates by change: the old bytes of change 0, the new ones of the others. */
static enum code_candidate old_for_first(size_t change, void *arg)
{
	size_t *calls = arg;

	(*calls)++;
	return change ? CODE_CANDIDATE_NEW : CODE_CANDIDATE_OLD;
}

/* Two sites of one batch in one read: each window gets its own candidate. */
TEST(image_read_chooses_per_window)
{
	static const uint8_t code[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct code_change a = {
		.addr = 0x1000, .len = 4, .old = { 1, 2, 3, 4 }, .new = { 9, 9, 9, 9 },
		.pre_time = 10, .post_time = 20, .backend = TP_BACKEND_NOSYNC,
	};
	struct code_change b = {
		.addr = 0x1004, .len = 4, .old = { 5, 6, 7, 8 }, .new = { 7, 7, 7, 7 },
		.pre_time = 11, .post_time = 21, .backend = TP_BACKEND_NOSYNC,
	};
	static const uint8_t want[8] = { 1, 2, 3, 4, 7, 7, 7, 7 };
	struct code_image img;
	size_t calls = 0, change = 99;
	uint8_t buf[8];

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x1000, code, sizeof(code)));
	ASSERT_EQ(0, code_image_add_change(&img, &a));
	ASSERT_EQ(0, code_image_add_change(&img, &b));
	ASSERT_EQ(0, code_image_freeze(&img));
	ASSERT_EQ(CODE_AMBIGUOUS, code_image_read_choosing(&img, 0x1000, 15, old_for_first,
							   &calls, buf, 8));
	EXPECT_EQ(2, calls);
	EXPECT_EQ(0, memcmp(buf, want, 8));
	/* The single-candidate form: the first window's candidate, the others old. */
	ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&img, 0x1000, 15, CODE_CANDIDATE_NEW, buf, 8,
						  &change));
	EXPECT_EQ(0, change);
	EXPECT_EQ(0, memcmp(buf, a.new, 4));
	EXPECT_EQ(0, memcmp(buf + 4, code + 4, 4));
	code_image_free(&img);
}

TEST(image_refuses_events_of_other_code)
{
	static const uint8_t code[4] = { 0x1f, 0x20, 0x03, 0xd5 };
	struct code_change c = {
		.addr = 0x1000, .len = 4, .old = { 0xc0, 0x03, 0x5f, 0xd6 }, .pre_time = 1,
		.post_time = 2, .backend = TP_BACKEND_NOSYNC,
	};
	struct code_image img;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x1000, code, sizeof(code)));
	ASSERT_EQ(0, code_image_add_change(&img, &c));
	c.post_time = 0;
	ASSERT_EQ(-EINVAL, code_image_add_change(&img, &c));
	ASSERT_EQ(-EILSEQ, code_image_freeze(&img));
	code_image_free(&img);
}

/* A binary loaded elsewhere (a PIE, a shared object): its bytes move with the bias. */
TEST_F(decode, image_moves_a_binary_by_its_bias)
{
	static const uint8_t nop[4] = { 0x1f, 0x20, 0x03, 0xd5 };
	const uint64_t bias = 0x7f0000000000ull;
	struct code_image img;
	uint8_t buf[4];

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_elf(&img, self->prog, bias));
	/* The same file twice at one place overlaps itself. */
	EXPECT_EQ(-EINVAL, code_image_add_elf(&img, self->prog, bias));
	ASSERT_EQ(0, code_image_freeze(&img));
	EXPECT_EQ(-EBUSY, code_image_add_elf(&img, self->prog, 0));
	ASSERT_EQ(0, code_image_extent(&img, self->path.site));
	ASSERT_LT(0, code_image_extent(&img, self->path.site + bias));
	ASSERT_EQ(CODE_EXACT, code_image_read(&img, self->path.site + bias, 0, CODE_CANDIDATE_OLD,
					      buf, 4, NULL));
	EXPECT_EQ(0, memcmp(buf, nop, 4));
	EXPECT_EQ(-ENOENT, code_image_read(&img, self->path.site, 0, CODE_CANDIDATE_OLD, buf, 4,
					   NULL));
	code_image_free(&img);
}

TEST_F(decode, follows_pokes_of_every_backend)
{
	bool seen[TP_BACKEND_STOP_MACHINE + 1] = { false };
	struct outcome o;
	size_t i;

	for (i = 0; i < self->img.nr_changes; i++)
		seen[self->img.changes[i].backend] = true;
	ASSERT_TRUE(seen[TP_BACKEND_NOSYNC] && seen[TP_BACKEND_BREAKPOINT] &&
		    seen[TP_BACKEND_STOP_MACHINE]);

	o = decode_path(&self->path, &self->img, &self->opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	EXPECT_EQ(o.expected, o.decoded);
	EXPECT_EQ(o.expected, o.agree) TH_LOG("the decode leaves the path at range %zu", o.agree);
	/* One piece per poke: the cache was flushed at each. */
	EXPECT_EQ(1 + self->img.nr_changes, o.nr_pieces);
	EXPECT_EQ(0, o.nr_resolutions);
}

TEST_F(decode, without_events_diverges_after_first_poke)
{
	size_t before = ranges_before_first_poke(&self->path, &self->img);
	struct outcome o;

	self->opts.ignore_events = true;
	o = decode_path(&self->path, &self->img, &self->opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_LT(before, o.expected);
	EXPECT_EQ(before, o.agree) TH_LOG("agrees up to range %zu, first poke after %zu",
					  o.agree, before);
}

TEST_F(decode, without_cache_flush_diverges_after_first_poke)
{
	size_t before = ranges_before_first_poke(&self->path, &self->img);
	struct outcome o;

	self->opts.no_flush = true;
	o = decode_path(&self->path, &self->img, &self->opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	EXPECT_EQ(before, o.agree) TH_LOG("agrees up to range %zu, first poke after %zu",
					  o.agree, before);
}

/* The first change of @backend, or -1. */
static long change_of(const struct code_image *img, enum tp_backend backend)
{
	size_t i;

	for (i = 0; i < img->nr_changes; i++)
		if (img->changes[i].backend == backend &&
		    img->changes[i].post_time > img->changes[i].pre_time)
			return (long)i;
	return -1;
}

/*
 * The program's path with one more call, made by another thread inside
 * the window of change @c, that ran @version (trapped: hit the BRK).
 */
static struct path with_call_in_window(const struct path *p, const struct code_change *c,
				       enum path_version version, bool trapped)
{
	struct path q = *p;
	size_t i;

	for (i = 0; i < p->nr_calls && p->calls[i].time < c->pre_time; i++)
		;
	memmove(&q.calls[i + 1], &q.calls[i], (p->nr_calls - i) * sizeof(q.calls[0]));
	q.calls[i].time = c->pre_time + (c->post_time - c->pre_time) / 2;
	q.calls[i].version = version;
	q.calls[i].trapped = trapped;
	q.nr_calls++;
	return q;
}

/* Which version of the traced function the site's instruction @insn makes. */
static enum path_version version_of(const uint8_t *insn)
{
	static const uint8_t nop[4] = { 0x1f, 0x20, 0x03, 0xd5 };

	return memcmp(insn, nop, 4) ? PATH_BRANCH : PATH_NOP;
}

/* A call inside a window of @backend that ran @which: resolved to it. */
static void check_window(struct __test_metadata *_metadata, FIXTURE_DATA(decode) *self,
			 enum tp_backend backend, enum code_candidate which)
{
	long i = change_of(&self->img, backend);
	const struct code_change *c;
	enum path_version version;
	struct path q;
	struct outcome o;

	ASSERT_LE(0, i) TH_LOG("no window of backend %d", backend);
	c = &self->img.changes[i];
	version = version_of(which == CODE_CANDIDATE_OLD ? c->old : c->new);
	q = with_call_in_window(&self->path, c, version, which == CODE_CANDIDATE_TRAP);
	o = decode_path(&q, &self->img, &self->opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	EXPECT_EQ(o.expected, o.decoded);
	EXPECT_EQ(o.expected, o.agree) TH_LOG("the decode leaves the path at range %zu", o.agree);
	ASSERT_EQ(1, o.nr_resolutions);
	EXPECT_EQ(which, o.resolution.chosen);
	EXPECT_EQ(1u << which, o.resolution.consistent);
	EXPECT_EQ(c->addr, o.resolution.addr);
}

TEST_F(decode, nosync_window_old_bytes_from_following_packets)
{
	check_window(_metadata, self, TP_BACKEND_NOSYNC, CODE_CANDIDATE_OLD);
}

TEST_F(decode, nosync_window_new_bytes_from_following_packets)
{
	check_window(_metadata, self, TP_BACKEND_NOSYNC, CODE_CANDIDATE_NEW);
}

TEST_F(decode, breakpoint_window_trap_at_site)
{
	check_window(_metadata, self, TP_BACKEND_BREAKPOINT, CODE_CANDIDATE_TRAP);
}

TEST_F(decode, breakpoint_window_new_bytes)
{
	check_window(_metadata, self, TP_BACKEND_BREAKPOINT, CODE_CANDIDATE_NEW);
}

TEST_F(decode, breakpoint_window_old_bytes)
{
	check_window(_metadata, self, TP_BACKEND_BREAKPOINT, CODE_CANDIDATE_OLD);
}

TEST_F(decode, stop_machine_window_old_bytes)
{
	check_window(_metadata, self, TP_BACKEND_STOP_MACHINE, CODE_CANDIDATE_OLD);
}

TEST_F(decode, stop_machine_window_new_bytes)
{
	check_window(_metadata, self, TP_BACKEND_STOP_MACHINE, CODE_CANDIDATE_NEW);
}

/*
 * A window over an instruction that is no branch (MOV x0, #1 to MOV x0,
 * #3): both versions walk alike, the trace cannot tell them apart, and
 * the result must say so rather than pick one.
 */
TEST_F(decode, window_both_candidates_agree_is_reported)
{
	static const uint8_t mov1[4] = { 0x20, 0x00, 0x80, 0xd2 }, mov3[4] = { 0x60, 0x00, 0x80, 0xd2 };
	struct path before = path_before_first_poke(&self->path, &self->img);
	const struct path_call *first = &before.calls[0];
	struct code_change c = {
		.addr = self->path.site + 4, .len = 4, .pre_time = first->time - 10,
		.post_time = first->time + 10, .backend = TP_BACKEND_NOSYNC,
	};
	struct code_image img;
	struct outcome o;

	memcpy(c.old, mov1, 4);
	memcpy(c.new, mov3, 4);
	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_elf(&img, self->prog, 0));
	ASSERT_EQ(0, code_image_add_change(&img, &c));
	ASSERT_EQ(0, code_image_freeze(&img)) TH_LOG("%s", img.error);
	o = decode_path(&before, &img, &self->opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	EXPECT_EQ(o.expected, o.agree);
	ASSERT_EQ(1, o.nr_resolutions);
	EXPECT_EQ(3, o.resolution.consistent);
	EXPECT_FALSE(code_resolution_unique(&o.resolution));
	EXPECT_EQ(CODE_CANDIDATE_OLD, o.resolution.chosen);
	code_image_free(&img);
}

/* Every prefix of a file and bytes flipped in it: @load gives 0 or -EINVAL, never a crash. */
static void fuzz_file(struct __test_metadata *_metadata, const char *dir, const char *from,
		      int (*load)(struct code_image *, const char *))
{
	char path[256];
	uint8_t *buf, *copy;
	unsigned int seed = 3;
	size_t len, step, i;
	FILE *f;
	int err;

	f = fopen(from, "re");
	ASSERT_TRUE(f != NULL);
	buf = malloc(1 << 22);
	ASSERT_TRUE(buf != NULL);
	len = fread(buf, 1, 1 << 22, f);
	fclose(f);
	ASSERT_LT(0, len);
	copy = malloc(len);
	ASSERT_TRUE(copy != NULL);
	snprintf(path, sizeof(path), "%s/fuzzed", dir);
	/* A few hundred prefixes of a large file, every one of a small one. */
	step = len / 512 + 1;
	for (i = 0; i < len + 1000; i += i < len ? step : 1) {
		struct code_image img;
		size_t n = i < len ? i : len;

		memcpy(copy, buf, len);
		if (i >= len) {
			size_t flips = 1 + rand_r(&seed) % 8, k;

			for (k = 0; k < flips; k++)
				copy[rand_r(&seed) % len] = rand_r(&seed);
		}
		f = fopen(path, "we");
		ASSERT_TRUE(f != NULL);
		ASSERT_EQ(n, fwrite(copy, 1, n, f));
		ASSERT_EQ(0, fclose(f));
		code_image_init(&img);
		err = load(&img, path);
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -EILSEQ)
			TH_LOG("case %zu: %d %s", i, err, img.error);
		if (err)
			ASSERT_NE(0, img.error[0]);
		code_image_free(&img);
	}
	free(copy);
	free(buf);
}

static int load_elf(struct code_image *img, const char *path)
{
	int err = code_image_add_elf(img, path, 0);

	return err ? err : code_image_freeze(img);
}

static int load_events(struct code_image *img, const char *path)
{
	int err = code_image_add_perf_data(img, path);

	return err ? err : code_image_freeze(img);
}

TEST_F(decode, corrupt_binary_or_events_are_errors)
{
	fuzz_file(_metadata, self->dir, self->prog, load_elf);
	fuzz_file(_metadata, self->dir, self->events, load_events);
}

/* A trap at the site of a window that writes no trap: no candidate explains it. */
TEST_F(decode, window_no_candidate_explains_is_reported)
{
	static const enum tp_backend backends[] = { TP_BACKEND_NOSYNC, TP_BACKEND_STOP_MACHINE };
	size_t b;

	for (b = 0; b < 2; b++) {
		long i = change_of(&self->img, backends[b]);
		struct path q;
		struct outcome o;

		ASSERT_LE(0, i);
		q = with_call_in_window(&self->path, &self->img.changes[i], PATH_NOP, true);
		o = decode_path(&q, &self->img, &self->opts);
		ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
		ASSERT_EQ(1, o.nr_resolutions);
		EXPECT_EQ(0, o.resolution.consistent);
		EXPECT_FALSE(code_resolution_unique(&o.resolution));
	}
}

/* Every prefix of the trace, and bytes flipped all over it: an error or a decode, never a crash. */
TEST_F(decode, corrupt_or_truncated_trace_is_an_error)
{
	struct etm4_stream s = { 0 };
	struct etm_decode_result res;
	size_t cases = getenv("TP_FUZZ_CASES") ? strtoul(getenv("TP_FUZZ_CASES"), NULL, 0) :
						 FUZZ_CASES;
	size_t len, i, truncated = 0, ok = 0;
	unsigned int seed = 1;
	uint8_t *copy;
	int err;

	ASSERT_EQ(0, path_trace(&self->path, &s));
	copy = malloc(s.len);
	ASSERT_TRUE(copy != NULL);
	for (len = 1; len < s.len; len++) {
		err = etm_decode(&self->opts, &self->img, s.buf, len, &res);
		ASSERT_TRUE(err == 0 || err == -EINVAL) TH_LOG("prefix %zu: %d", len, err);
		if (err) {
			truncated++;
			ASSERT_NE(0, res.error[0]);
		} else {
			etm_decode_result_free(&res);
		}
	}
	/* A cut inside a timestamp or an address is always caught. */
	EXPECT_LT(s.len / 2, truncated);
	/*
	 * Half of them as the trace of a speculative trace unit (TRCIDR8
	 * MAXSPEC 4), where OpenCSD 1.3.3 crashed on mispredicts.
	 */
	for (i = 0; i < cases; i++) {
		size_t flips = 1 + rand_r(&seed) % 4, f;

		self->opts.config.reg_idr8 = i < cases / 2 ? 0 : 4;
		memcpy(copy, s.buf, s.len);
		for (f = 0; f < flips; f++)
			copy[rand_r(&seed) % s.len] = rand_r(&seed);
		err = etm_decode(&self->opts, &self->img, copy, s.len, &res);
		ASSERT_TRUE(err == 0 || err == -EINVAL) TH_LOG("case %zu: %d", i, err);
		if (!err) {
			ok++;
			etm_decode_result_free(&res);
		}
	}
	self->opts.config.reg_idr8 = 0;
	for (i = 0; i < 200; i++) {
		for (len = 0; len < s.len; len++)
			copy[len] = rand_r(&seed);
		err = etm_decode(&self->opts, &self->img, copy, s.len, &res);
		ASSERT_TRUE(err == 0 || err == -EINVAL);
		if (!err)
			etm_decode_result_free(&res);
	}
	TH_LOG("%zu of %zu prefixes refused, %zu of %zu corruptions decoded", truncated,
	       s.len - 1, ok, cases);
	free(copy);
	etm4_stream_free(&s);
}

/* A frozen image of @code at 0x1000, with no changes: 0 or an error. */
static int image_of_code(struct code_image *img, const void *code, size_t size)
{
	int err;

	code_image_init(img);
	err = code_image_add_region(img, 0x1000, code, size);
	return err ? err : code_image_freeze(img);
}

/* What follows the exception packet in each trace of the test below. */
enum after_exception {
	COMMIT,			/* commit it at once, with no return address: what fuzzing found */
	CONTEXT_COMMIT,		/* a context, then the commit */
	TIMESTAMP_ADDRESS,	/* the address, but a timestamp first */
	CONTEXT_ADDRESS,	/* context and address: a trace OpenCSD decodes */
};

static int trace_with_exception(struct etm4_stream *s, enum after_exception after)
{
	etm4_async(s);
	etm4_trace_info(s);
	if (after != COMMIT) {
		etm4_context(s, 0);
		etm4_trace_on(s);
	}
	etm4_address(s, 0x1000);
	if (after != COMMIT)
		etm4_atom(s, true);
	etm4_exception_packet(s, ETM4_EXCEPTION_INST_DEBUG);
	if (after == CONTEXT_COMMIT || after == CONTEXT_ADDRESS)
		etm4_context(s, 1);
	if (after == TIMESTAMP_ADDRESS)
		etm4_timestamp(s, 100);
	if (after == COMMIT || after == CONTEXT_COMMIT)
		etm4_commit(s, 15);
	else
		etm4_address(s, 0x1004);
	return s->failed ? -ENOMEM : 0;
}

/*
 * An exception packet needs its return address next.  When a commit
 * comes first, OpenCSD 1.3.3 reads past the end of its element stack
 * (found by fuzzing; whether the read faults depends on what lies
 * there): such traces are refused, speculative or not, and a trace that
 * gives the address after a context still decodes.
 */
TEST(exception_without_its_return_address_is_refused)
{
	static const uint8_t code[8] = { 0x1f, 0x20, 0x03, 0xd5, 0x00, 0x8a, 0x2e, 0xd4 };
	static const enum after_exception cases[] = {
		COMMIT, CONTEXT_COMMIT, TIMESTAMP_ADDRESS, CONTEXT_ADDRESS,
	};
	struct etm_decode_options opts = { 0 };
	struct etm_decode_result res;
	struct code_image img;
	size_t i, spec;

	ASSERT_EQ(0, image_of_code(&img, code, sizeof(code)));
	etm_config(&opts.config);
	for (spec = 0; spec < 2; spec++) {
		opts.config.reg_idr8 = spec ? 4 : 0;	/* TRCIDR8.MAXSPEC */
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			struct etm4_stream s = { 0 };
			int err;

			/* A commit in a non-speculative trace is refused for that already. */
			if (!spec && (cases[i] == COMMIT || cases[i] == CONTEXT_COMMIT))
				continue;
			ASSERT_EQ(0, trace_with_exception(&s, cases[i]));
			err = etm_decode(&opts, &img, s.buf, s.len, &res);
			if (cases[i] == CONTEXT_ADDRESS) {
				EXPECT_EQ(0, err) TH_LOG("%s", res.error);
				if (!err)
					etm_decode_result_free(&res);
			} else {
				EXPECT_EQ(-EINVAL, err) TH_LOG("case %zu, MAXSPEC %d", i,
							       (int)opts.config.reg_idr8);
				EXPECT_TRUE(strstr(res.error, "without its return address") != NULL)
					TH_LOG("%s", res.error);
			}
			etm4_stream_free(&s);
		}
	}
	code_image_free(&img);
}

/*
 * With the return stack on (TRCCONFIGR.RS), a taken return without an
 * address packet takes its target from the decoder's return stack.  A
 * trace that pops it empty is corrupt; OpenCSD 1.3.3 used to answer by
 * resetting its decoder in the middle of the commit that found it, and
 * then read the elements the reset had freed when an exception came
 * next (a SIGSEGV here, found by fuzzing).  It must be an error, and the
 * same return after its call must still decode through the stack.
 */
TEST(return_stack_popped_empty_is_an_error)
{
	/* 0x1000 BL 0x100c; 0x1004 NOP; 0x1008 BRK; 0x100c RET */
	static const uint32_t code[] = { 0x94000003, 0xd503201f, 0xd42e8a00, 0xd65f03c0 };
	struct etm_decode_options opts = { 0 };
	struct etm_decode_result res;
	struct code_image img;
	int with_call, err;

	ASSERT_EQ(0, image_of_code(&img, code, sizeof(code)));
	etm_config(&opts.config);
	opts.config.reg_configr |= 1u << 12;	/* RS */
	for (with_call = 0; with_call < 2; with_call++) {
		struct etm4_stream s = { 0 };

		etm4_async(&s);
		etm4_trace_info(&s);
		etm4_context(&s, 0);
		etm4_trace_on(&s);
		etm4_address(&s, with_call ? 0x1000 : 0x100c);
		if (with_call)
			etm4_atom(&s, true);		/* BL */
		etm4_atom(&s, true);			/* RET, to the top of the stack */
		etm4_exception(&s, ETM4_EXCEPTION_INST_DEBUG, 0x1008);
		ASSERT_FALSE(s.failed);
		err = etm_decode(&opts, &img, s.buf, s.len, &res);
		if (with_call) {
			/* BL, RET back to the NOP, the NOP up to the BRK the exception returns to. */
			static const struct path_range want[] = {
				{ 0x1000, 0x1004, true }, { 0x100c, 0x1010, true },
				{ 0x1004, 0x1008, true },
			};
			struct path_range got[4];

			ASSERT_EQ(0, err) TH_LOG("%s", res.error);
			ASSERT_EQ(3, decoded_ranges(&res, got, 4));
			EXPECT_EQ(3, common_prefix(got, 3, want, 3));
			etm_decode_result_free(&res);
		} else {
			EXPECT_EQ(-EINVAL, err);
			EXPECT_NE(0, res.error[0]);
		}
		etm4_stream_free(&s);
	}
	code_image_free(&img);
}

/* Write @s to DIR/NAME. */
static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	err = fwrite(buf, 1, len, f) == len ? 0 : -EIO;
	return fclose(f) || err ? -EIO : 0;
}

/* The lines of @cmd's output that contain @what, concatenated. */
static int lines_of(const char *cmd, const char *what, char *out, size_t size)
{
	char line[1024];
	size_t used = 0;
	FILE *p = popen(cmd, "r");

	if (!p)
		return -errno;
	out[0] = '\0';
	while (fgets(line, sizeof(line), p)) {
		/* trc_pkt_lister indents with a tab after "ID:10;" where tp-decode has a space. */
		char *tab = strchr(line, '\t');

		if (tab)
			*tab = ' ';
		if (strstr(line, what) && used + strlen(line) < size) {
			strcpy(out + used, line);
			used += strlen(line);
		}
	}
	return pclose(p) ? -EIO : 0;
}

/* The decode tp-decode and trc_pkt_lister print of the calls before the first poke. */
TEST_F(decode, trc_pkt_lister_agrees_without_pokes)
{
	char cmd[4 * PATH_MAX], ours[16384], theirs[16384];
	const struct code_region *text = NULL;
	struct etm4_stream s = { 0 };
	struct path before = path_before_first_poke(&self->path, &self->img);
	struct snapshot_memory mem;
	size_t i;

	if (test_run("command -v trc_pkt_lister >/dev/null"))
		SKIP(return, "no trc_pkt_lister (Debian libopencsd-bin)");
	ASSERT_LT(0, before.nr_calls);
	ASSERT_EQ(0, path_trace(&before, &s));
	for (i = 0; i < self->img.nr_regions; i++)
		if (self->img.regions[i].addr <= before.work &&
		    before.work - self->img.regions[i].addr < self->img.regions[i].size)
			text = &self->img.regions[i];
	ASSERT_TRUE(text != NULL);
	mem.addr = text->addr;
	mem.bytes = text->bytes;
	mem.len = text->size;
	ASSERT_EQ(0, snapshot_write(self->dir, &self->opts.config, s.buf, s.len, &mem));

	/* In the directory: trc_pkt_lister leaves a log file where it runs. */
	snprintf(cmd, sizeof(cmd), "cd %s && trc_pkt_lister -ss_dir . -decode_only -logstdout 2>&1",
		 self->dir);
	ASSERT_EQ(0, lines_of(cmd, "OCSD_GEN_TRC_ELEM_", theirs, sizeof(theirs)));
	snprintf(cmd, sizeof(cmd), "%s -t %s/trace.bin -c %s/etm_0.ini -b %s 2>&1",
		 test_file("tp-decode", true), self->dir, self->dir, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "", ours, sizeof(ours))) TH_LOG("%s:\n%s", cmd, ours);
	ASSERT_EQ(0, lines_of(cmd, "OCSD_GEN_TRC_ELEM_", ours, sizeof(ours)));
	ASSERT_NE(NULL, strstr(ours, "OCSD_GEN_TRC_ELEM_INSTR_RANGE"));
	EXPECT_STREQ(theirs, ours);
	etm4_stream_free(&s);
}

/* tp-decode itself: the path with the events, another without, bad input refused. */
TEST_F(decode, tp_decode_prints_the_path)
{
	struct path_range want[MAX_RANGES];
	char cmd[4 * PATH_MAX], out[16384], expect[16384], err_line[1024];
	struct etm4_stream s = { 0 };
	size_t n, i, used = 0;
	const char *tool = test_file("tp-decode", true);

	ASSERT_EQ(0, path_trace(&self->path, &s));
	ASSERT_EQ(0, write_file(self->dir, "trace.bin", s.buf, s.len));
	ASSERT_EQ(0, write_file(self->dir, "bad.bin", s.buf, s.len - 3));
	ASSERT_EQ(0, snapshot_write(self->dir, &self->opts.config, s.buf, s.len,
				    &(struct snapshot_memory){ 0x1000, "", 1 }));
	n = path_ranges(&self->path, want, MAX_RANGES);
	for (i = 0; i < n; i++)
		used += snprintf(expect + used, sizeof(expect) - used, "range 0x%llx-0x%llx %u %s\n",
				 (unsigned long long)want[i].start, (unsigned long long)want[i].end,
				 (unsigned int)((want[i].end - want[i].start) / 4),
				 want[i].executed ? "E" : "N");

	snprintf(cmd, sizeof(cmd), "%s --ranges -t %s/trace.bin -c %s/etm_0.ini -e %s -b %s",
		 tool, self->dir, self->dir, self->events, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "range", out, sizeof(out)));
	EXPECT_STREQ(expect, out);

	snprintf(cmd, sizeof(cmd), "%s --ranges --ignore-events -t %s/trace.bin -c %s/etm_0.ini "
		 "-e %s -b %s", tool, self->dir, self->dir, self->events, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "range", out, sizeof(out)));
	EXPECT_STRNE(expect, out);

	/* A truncated trace: status 1 and one line naming the file. */
	snprintf(cmd, sizeof(cmd), "%s -t %s/bad.bin -c %s/etm_0.ini -e %s -b %s 2>&1 >/dev/null; "
		 "echo status=$?", tool, self->dir, self->dir, self->events, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "", err_line, sizeof(err_line)));
	EXPECT_TRUE(strstr(err_line, "bad.bin: truncated packet") != NULL) TH_LOG("%s", err_line);
	EXPECT_TRUE(strstr(err_line, "status=1") != NULL) TH_LOG("%s", err_line);
	/* Events of another program: refused, not decoded wrongly. */
	snprintf(cmd, sizeof(cmd), "%s -t %s/trace.bin -c %s/etm_0.ini -e %s -m %s/code.bin@0x%llx "
		 "2>&1 >/dev/null; echo status=$?", tool, self->dir, self->dir, self->events,
		 self->dir, (unsigned long long)self->path.site);
	ASSERT_EQ(0, lines_of(cmd, "", err_line, sizeof(err_line)));
	EXPECT_TRUE(strstr(err_line, "status=1") != NULL) TH_LOG("%s", err_line);
	etm4_stream_free(&s);
}

/* Events none of the trace's timestamps come after: decoded, with a warning about clocks. */
TEST_F(decode, tp_decode_warns_when_no_timestamp_follows_a_change)
{
	struct path before = path_before_first_poke(&self->path, &self->img);
	char cmd[4 * PATH_MAX], out[4096];
	struct etm4_stream s = { 0 };

	ASSERT_EQ(0, path_trace(&before, &s));
	ASSERT_EQ(0, write_file(self->dir, "early.bin", s.buf, s.len));
	ASSERT_EQ(0, snapshot_write(self->dir, &self->opts.config, s.buf, s.len,
				    &(struct snapshot_memory){ 0x1000, "", 1 }));
	snprintf(cmd, sizeof(cmd), "%s -t %s/early.bin -c %s/etm_0.ini -e %s -b %s "
		 "2>&1 >/dev/null; echo status=$?", test_file("tp-decode", true), self->dir,
		 self->dir, self->events, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "", out, sizeof(out)));
	EXPECT_TRUE(strstr(out, "warning: no timestamp") != NULL) TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, "status=0") != NULL) TH_LOG("%s", out);
	etm4_stream_free(&s);
}

/* A window no candidate explains: decoded, said on stderr, exit status 3. */
TEST_F(decode, tp_decode_reports_an_unexplained_window)
{
	char cmd[4 * PATH_MAX], out[4096];
	long i = change_of(&self->img, TP_BACKEND_NOSYNC);
	struct etm4_stream s = { 0 };
	struct path q;

	ASSERT_LE(0, i);
	q = with_call_in_window(&self->path, &self->img.changes[i], PATH_NOP, true);
	ASSERT_EQ(0, path_trace(&q, &s));
	ASSERT_EQ(0, write_file(self->dir, "trace.bin", s.buf, s.len));
	ASSERT_EQ(0, snapshot_write(self->dir, &self->opts.config, s.buf, s.len,
				    &(struct snapshot_memory){ 0x1000, "", 1 }));
	snprintf(cmd, sizeof(cmd), "%s --ranges -t %s/trace.bin -c %s/etm_0.ini -e %s -b %s "
		 "2>&1 >/dev/null; echo status=$?", test_file("tp-decode", true), self->dir,
		 self->dir, self->events, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "", out, sizeof(out)));
	EXPECT_TRUE(strstr(out, "no candidate agrees with the trace") != NULL) TH_LOG("%s", out);
	EXPECT_TRUE(strstr(out, "status=3") != NULL) TH_LOG("%s", out);
	etm4_stream_free(&s);
}

/* The executable segment of the program: where its MMAP2 record puts it. */
static int code_segment(const char *prog, uint64_t *addr, uint64_t *len, uint64_t *pgoff)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f = fopen(prog, "re");
	int i, err = -ENOENT;

	if (!f)
		return -errno;
	if (fread(&eh, sizeof(eh), 1, f) != 1)
		goto out;
	for (i = 0; i < eh.e_phnum; i++) {
		if (fseek(f, eh.e_phoff + (long)i * sizeof(ph), SEEK_SET) ||
		    fread(&ph, sizeof(ph), 1, f) != 1)
			break;
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		*addr = ph.p_vaddr & ~0xfffull;
		*pgoff = ph.p_offset & ~0xfffull;
		*len = ((ph.p_vaddr + ph.p_filesz + 0xfff) & ~0xfffull) - *addr;
		err = 0;
		break;
	}
out:
	fclose(f);
	return err;
}

/*
 * The cs_etm recording of the program as perf writes it: AUXTRACE_INFO
 * (header version 1, two CPUs' ETMv4 units, trace IDs 0x10 and 0x12),
 * the MMAP2 of its code, and one AUXTRACE buffer of CPU 0 holding the
 * path's trace (ID 0x10) and a second unit's (0x12) in an ETR's frames.
 */
/* How write_recording() writes the trace. */
enum {
	REC_TRBE = 1,			/* raw, zero padded, as a TRBE's buffer */
	REC_PER_THREAD = 2,		/* perf record --per-thread: no CPU, a thread */
};

static int write_recording(const char *path, const char *prog, const ocsd_etmv4_cfg *cfg,
			   const struct etm4_stream *s, uint64_t time_zero, int how)
{
	bool trbe = how & REC_TRBE;
	struct pw_file f = { .monotonic = true };
	struct pw_sid sid = { .pid = 1000, .tid = 1000, .cpu = 0, .time = 1 };
	struct etm4_stream other = { 0 };
	struct frame_source src[2];
	uint64_t info[3 + 2 * 10], addr = 0, len = 0, pgoff = 0;
	uint8_t *frames;
	size_t n, i;
	int err;

	err = code_segment(prog, &addr, &len, &pgoff);
	if (err)
		return err;
	info[0] = 1;				/* header version */
	info[1] = (9ull << 32) | 2;		/* PMU type, CPUs */
	info[2] = 0;				/* not snapshot mode */
	n = 3;
	for (i = 0; i < 2; i++) {
		info[n++] = 0x4040404040404040ull;
		info[n++] = i;
		info[n++] = 7;
		info[n++] = cfg->reg_configr;
		info[n++] = 0x10 + 2 * i;
		info[n++] = cfg->reg_idr0;
		info[n++] = cfg->reg_idr1;
		info[n++] = cfg->reg_idr2;
		info[n++] = cfg->reg_idr8;
		info[n++] = 0xcc;		/* TRCAUTHSTATUS */
	}
	/* The other unit only syncs: its stream must not disturb 0x10's. */
	etm4_async(&other);
	etm4_trace_info(&other);
	src[0] = (struct frame_source){ 0x10, s->buf, s->len };
	src[1] = (struct frame_source){ 0x12, other.buf, other.len };
	if (trbe) {
		/* A TRBE's buffer: the unit's bytes as they are, perf's zero padding after. */
		n = s->len + 64;
		frames = calloc(1, n);
		err = frames ? 0 : -ENOMEM;
		if (frames)
			memcpy(frames, s->buf, s->len);
	} else {
		err = frames_format(src, 2, &frames, &n);
	}
	etm4_stream_free(&other);
	if (err)
		return err;
	pw_auxtrace_info(&f, 3, info, sizeof(info) / sizeof(info[0]));
	/* A trace counting another clock: events' time = time_zero + count. */
	if (time_zero)
		pw_time_conv(&f, 0, 1, time_zero, 0, 0, 0);
	pw_mmap2(&f, &sid, addr, len, pgoff, PROT_READ | PROT_EXEC, prog, NULL, 0);
	pw_itrace_start(&f, &sid);
	if (how & REC_PER_THREAD)
		pw_auxtrace(&f, 0, 0, sid.tid, UINT32_MAX, frames, n);
	else
		pw_auxtrace(&f, 0, 0, UINT32_MAX, 0, frames, n);
	sid.time = UINT64_MAX / 2;
	pw_aux(&f, &sid, 0, n, trbe ? 0x100 : 0);	/* PERF_AUX_FLAG_CORESIGHT_FORMAT_RAW */
	free(frames);
	err = pw_write_file(&f, path);
	pw_free(&f);
	return err;
}

/*
 * End to end from one file: the path's trace in an ETR's frames among
 * another unit's, in a cs_etm perf.data with the pokes' events merged by
 * tp-perf inject; tp-decode -i gives the logged path, and without the
 * events parts from it after the first poke.
 */
TEST_F(decode, perf_data_with_pokes_from_one_file)
{
	struct path_range want[MAX_RANGES];
	char cmd[4 * PATH_MAX], rec[160], merged[160], out[16384], plain[16384], expect[16384];
	size_t n, i, used = 0, before = ranges_before_first_poke(&self->path, &self->img);
	struct etm4_stream s = { 0 }, t = { 0 };
	struct path shifted = self->path;
	uint64_t zero = self->path.calls[0].time / 2;
	char tool[PATH_MAX];

	/* test_file() answers in one buffer: keep tp-decode's path. */
	snprintf(tool, sizeof(tool), "%s", test_file("tp-decode", true));
	ASSERT_EQ(0, path_trace(&self->path, &s));
	snprintf(rec, sizeof(rec), "%s/cs_etm.data", self->dir);
	snprintf(merged, sizeof(merged), "%s/merged.data", self->dir);
	ASSERT_EQ(0, write_recording(rec, self->prog, &self->opts.config, &s, 0, 0));
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", test_file("tp-perf", true), rec,
		 self->events, merged);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);

	n = path_ranges(&self->path, want, MAX_RANGES);
	for (i = 0; i < n; i++)
		used += snprintf(expect + used, sizeof(expect) - used,
				 "ID:10 range 0x%llx-0x%llx %u %s\n",
				 (unsigned long long)want[i].start, (unsigned long long)want[i].end,
				 (unsigned int)((want[i].end - want[i].start) / 4),
				 want[i].executed ? "E" : "N");
	/* -b without a bias: the MMAP2 record says where the program was. */
	snprintf(cmd, sizeof(cmd), "%s --ranges -i %s -b %s", tool, merged, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "range", out, sizeof(out)));
	EXPECT_STREQ(expect, out);

	snprintf(cmd, sizeof(cmd), "%s --ranges --ignore-events -i %s -b %s", tool, merged,
		 self->prog);
	ASSERT_EQ(0, lines_of(cmd, "range", plain, sizeof(plain)));
	EXPECT_STRNE(expect, plain);
	/* The same ranges until the calls after the first poke, then not. */
	for (i = 0, used = 0; expect[used] && expect[used] == plain[used]; used++)
		i += expect[used] == '\n';
	TH_LOG("%zu ranges, %zu before the first poke, the same without events: %zu", n, before, i);
	EXPECT_LE(before - 1, i);
	EXPECT_GT(n, i);

	/* Timestamps of another clock, and the TIME_CONV that brings them to the events'. */
	for (i = 0; i < shifted.nr_calls; i++)
		shifted.calls[i].time -= zero;
	ASSERT_EQ(0, path_trace(&shifted, &t));
	ASSERT_EQ(0, write_recording(rec, self->prog, &self->opts.config, &t, zero, 0));
	snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s", test_file("tp-perf", true), rec,
		 self->events, merged);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);
	snprintf(cmd, sizeof(cmd), "%s --ranges -i %s -b %s", tool, merged, self->prog);
	ASSERT_EQ(0, lines_of(cmd, "range", out, sizeof(out)));
	EXPECT_STREQ(expect, out);

	/* A TRBE's raw buffer, zero padded as perf leaves it; per-thread mode: the same path. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, write_recording(rec, self->prog, &self->opts.config, &s, 0,
					     i ? REC_PER_THREAD : REC_TRBE));
		snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s",
			 test_file("tp-perf", true), rec, self->events, merged);
		ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);
		snprintf(cmd, sizeof(cmd), "%s --ranges -i %s -b %s", tool, merged, self->prog);
		ASSERT_EQ(0, lines_of(cmd, "range", out, sizeof(out)));
		EXPECT_STREQ(expect, out) TH_LOG("%s", i ? "per-thread" : "TRBE");
	}

	/* The listing names the functions the branches leave and reach. */
	snprintf(cmd, sizeof(cmd), "%s --listing -i %s -b %s", tool, merged, self->prog);
	ASSERT_EQ(0, lines_of(cmd, " => ", out, sizeof(out)));
	EXPECT_TRUE(strstr(out, " decode_work+0x") != NULL) TH_LOG("%s", out);
	etm4_stream_free(&s);
	etm4_stream_free(&t);
}

TEST(config_lines)
{
	static const char good[] = "[device]\nname=ETM_0\n[regs]\nTRCIDR0=0x28000ea1\n"
				   "TRCIDR1(0x1e4)=0x4100f424\n trcidr2 = 0x488\n"
				   "TRCCONFIGR=0x800\nTRCTRACEIDR=0x10\nTRCAUTHSTATUS=0xcc\n";
	ocsd_etmv4_cfg cfg;
	char error[128];

	ASSERT_EQ(0, etm_config_parse(good, sizeof(good) - 1, &cfg, error, sizeof(error)));
	EXPECT_EQ(0x28000ea1, cfg.reg_idr0);
	EXPECT_EQ(0x4100f424, cfg.reg_idr1);
	EXPECT_EQ(0x488, cfg.reg_idr2);
	EXPECT_EQ(0x10, cfg.reg_traceidr);
	EXPECT_EQ(-EINVAL, etm_config_parse("TRCIDR0=zz\n", 11, &cfg, error, sizeof(error)));
	EXPECT_EQ(-EINVAL, etm_config_parse("TRCIDR0=0x1\n", 12, &cfg, error, sizeof(error)));
	EXPECT_EQ(-EINVAL, etm_config_parse("garbage\n", 8, &cfg, error, sizeof(error)));
	EXPECT_EQ(-EINVAL, etm_config_parse("TRCIDR0=0x123456789\n", 20, &cfg, error,
					    sizeof(error)));
}

TEST_HARNESS_MAIN
