// SPDX-License-Identifier: GPL-2.0
/*
 * E-Trace decoding across pokes.  A riscv64 program (prog.c, prog_riscv.c, run
 * under qemu-riscv64 on other hosts) pokes its own code with every
 * backend between calls of the traced function and logs its path; the
 * events of its pokes go to a perf.data.  The test encodes that path as
 * the E-Trace an encoder would have written (etrace_encode.c) and
 * decodes it through the code image: the steps must be the program's
 * path exactly, and without the events they must not be.  A second run
 * pokes a 2-byte site, whose breakpoint windows hold C.EBREAK.
 */
#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "image/code_image.h"
#include "etrace/etrace_decode.h"
#include "perfdata/perf_read.h"
#include "etrace_encode.h"
#include "path_riscv.h"

#pragma GCC diagnostic ignored "-Wsign-compare"

#define MAX_STEPS	(8 * PATH_MAX_CALLS)
#define FUZZ_CASES	4000	/* corruptions of the trace; TP_FUZZ_CASES overrides */

/* A run of the program and what it left: its log, its perf.data, its binary's image. */
struct poked_run {
	char dir[64];
	char prog[PATH_MAX];
	char events[128];
	struct path path;
	struct code_image img;
	struct etrace_decode_options opts;
};

/* Run the program on its traced function @work (NULL: decode_work) and load what it left. */
static void run_start(struct __test_metadata *_metadata, struct poked_run *r, const char *work)
{
	char cmd[PATH_MAX + 512], log[128];
	int err;

	snprintf(r->prog, sizeof(r->prog), "%s", test_file("prog_riscv", false));
	strcpy(r->dir, "/tmp/textpoke-etrace-XXXXXX");
	ASSERT_TRUE(mkdtemp(r->dir) != NULL);
	snprintf(log, sizeof(log), "%s/path.log", r->dir);
	snprintf(r->events, sizeof(r->events), "%s/poke.data", r->dir);
	if (*ETRACE_RUNNER && test_run("command -v qemu-riscv64 >/dev/null"))
		SKIP(return, "no qemu-riscv64 to run the riscv64 program");
	snprintf(cmd, sizeof(cmd), "TEXTPOKE_PERF_DATA=%s %s %s %s %s", r->events,
		 ETRACE_RUNNER, r->prog, log, work ? work : "");
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s failed", cmd);
	ASSERT_EQ(0, path_load(log, &r->path));

	err = poked_image_load(&r->img, EM_RISCV, r->prog, r->events);
	ASSERT_EQ(0, err) TH_LOG("%s", r->img.error);
	ASSERT_EQ(r->path.nr_pokes, r->img.nr_changes);
	etrace_config_default(&r->opts.config);
}

static void run_end(struct poked_run *r)
{
	char cmd[128];

	code_image_free(&r->img);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	if (test_run(cmd))
		fprintf(stderr, "could not remove %s\n", r->dir);
}

/*
 * decode_work, whose 4-byte site every backend switches between NOP and
 * JAL.  Each test runs on two encapsulations of the same packets: header
 * bytes only, and a source ID with the times as encapsulation
 * timestamps (format 3 packets without a time field), as encoders that
 * timestamp at the encapsulation write them.
 */
FIXTURE(etrace) {
	struct poked_run r;
};

FIXTURE_VARIANT(etrace) {
	bool encap_time;
};

FIXTURE_VARIANT_ADD(etrace, header_only) {
	.encap_time = false,
};

FIXTURE_VARIANT_ADD(etrace, srcid_and_timestamps) {
	.encap_time = true,
};

FIXTURE_SETUP(etrace)
{
	run_start(_metadata, &self->r, NULL);
	ASSERT_EQ(6, self->r.path.nr_pokes);
	if (variant->encap_time) {
		self->r.opts.config.srcid_bytes = 1;
		self->r.opts.config.tstamp_bytes = ETRACE_ENC_TSTAMP_BYTES;
		self->r.opts.config.notime = true;
	}
}

FIXTURE_TEARDOWN(etrace)
{
	run_end(&self->r);
}

struct outcome {
	int err;
	size_t expected, decoded, agree;
	size_t nr_resolutions;
	struct code_resolution resolution;	/* the first */
	char error[256];
};

/* How many steps agree from the start. */
static size_t common_prefix(const struct path_step *want, size_t nw,
			    const struct etrace_decode_result *res)
{
	size_t i;

	for (i = 0; i < nw && i < res->nr_elements; i++) {
		const struct etrace_element *e = &res->elements[i];

		if (e->addr != want[i].addr || (e->type == ETRACE_ELEM_TRAP) != want[i].trap)
			break;
	}
	return i;
}

/* Encode @p, decode it with @opts and compare with @p's steps. */
static struct outcome decode_path(const struct path *p, const struct code_image *img,
				  const struct etrace_decode_options *opts)
{
	struct path_step want[MAX_STEPS];
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct outcome o = { 0 };

	o.expected = path_steps(p, want, MAX_STEPS);
	s.srcid_bytes = opts->config.srcid_bytes;
	s.srcid = 1;
	s.encap_time = opts->config.tstamp_bytes != 0;
	o.err = path_trace(p, &s);
	if (o.err)
		return o;
	o.err = etrace_decode(opts, img, s.buf, s.len, &res);
	etrace_stream_free(&s);
	snprintf(o.error, sizeof(o.error), "%s", res.error);
	o.decoded = res.nr_elements;
	o.agree = common_prefix(want, o.expected, &res);
	o.nr_resolutions = res.nr_resolutions;
	if (res.nr_resolutions)
		o.resolution = res.resolutions[0];
	etrace_decode_result_free(&res);
	return o;
}

/* How many steps the calls before the first poke make. */
static size_t steps_before_first_poke(const struct path *p, const struct code_image *img)
{
	struct path_step want[MAX_STEPS];
	struct path before;

	poked_path_before_first_poke(p, img, &before);
	return path_steps(&before, want, MAX_STEPS);
}

TEST_F(etrace, follows_pokes_of_every_backend)
{
	struct outcome o;
	bool seen[4] = { false };
	size_t i;

	for (i = 0; i < self->r.path.nr_pokes; i++)
		if (self->r.path.pokes[i] >= 1 && self->r.path.pokes[i] <= 3)
			seen[self->r.path.pokes[i]] = true;
	ASSERT_TRUE(seen[TP_BACKEND_NOSYNC] && seen[TP_BACKEND_BREAKPOINT] &&
		    seen[TP_BACKEND_STOP_MACHINE]);
	o = decode_path(&self->r.path, &self->r.img, &self->r.opts);
	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(o.expected, o.decoded);
	ASSERT_EQ(o.expected, o.agree);
	ASSERT_EQ(0, o.nr_resolutions);
}

TEST_F(etrace, without_events_diverges_after_first_poke)
{
	struct outcome o;

	self->r.opts.ignore_events = true;
	o = decode_path(&self->r.path, &self->r.img, &self->r.opts);
	/*
	 * The first call after the first poke ran JAL: its start packet gives
	 * the site, the last step that agrees; walked as NOP, the C.BEQZ finds
	 * no branch map bit.
	 */
	ASSERT_EQ(-EILSEQ, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(steps_before_first_poke(&self->r.path, &self->r.img) + 1, o.agree);
	ASSERT_LT(o.agree, o.expected);
}

/*
 * A call moved into the window of change @k: it ran the new version
 * (@after, the first call after the window) or the old one (the last
 * call before it).  Only one candidate walks the packets that follow.
 */
static struct outcome call_in_window(struct path *p, const struct code_image *img,
				     const struct etrace_decode_options *opts, size_t k,
				     bool after, bool trapped)
{
	const struct code_change *c = &img->changes[k];
	size_t i;

	for (i = 0; i < p->nr_calls && p->calls[i].time < c->pre_time; i++)
		;
	if (!after)
		i--;
	p->calls[i].time = c->pre_time + (c->post_time - c->pre_time) / 2;
	p->calls[i].trapped = trapped;
	return decode_path(p, img, opts);
}

/*
 * For each window of @backend, a call moved into it: the decode is the
 * path, with one resolution of that window, @chosen, and @consistent
 * the candidates that agreed with the trace.  Returns how many windows.
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
		o = call_in_window(&p, &r->img, &r->opts, k, after, trapped);
		ASSERT_EQ(0, o.err) TH_LOG("change %zu: %s", k, o.error);
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

TEST_F(etrace, nosync_window_new_bytes_from_following_packets)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_NOSYNC, true, false, CODE_CANDIDATE_NEW,
			ONLY(CODE_CANDIDATE_NEW));
}

TEST_F(etrace, nosync_window_old_bytes_from_following_packets)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_NOSYNC, false, false, CODE_CANDIDATE_OLD,
			ONLY(CODE_CANDIDATE_OLD));
}

TEST_F(etrace, breakpoint_window_new_bytes)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, true, false, CODE_CANDIDATE_NEW,
			ONLY(CODE_CANDIDATE_NEW));
}

TEST_F(etrace, breakpoint_window_old_bytes)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, false, false, CODE_CANDIDATE_OLD,
			ONLY(CODE_CANDIDATE_OLD));
}

TEST_F(etrace, breakpoint_window_trap_at_site)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, true, true, CODE_CANDIDATE_TRAP,
			ONLY(CODE_CANDIDATE_TRAP));
}

TEST_F(etrace, stop_machine_window_old_bytes)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_STOP_MACHINE, false, false,
			CODE_CANDIDATE_OLD, ONLY(CODE_CANDIDATE_OLD));
}

TEST_F(etrace, stop_machine_window_new_bytes)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_STOP_MACHINE, true, false,
			CODE_CANDIDATE_NEW, ONLY(CODE_CANDIDATE_NEW));
}

/* A nosync window writes no trap: a breakpoint there is reported, not explained. */
TEST_F(etrace, trap_in_window_without_trap_is_reported)
{
	window_resolves(_metadata, &self->r, TP_BACKEND_NOSYNC, true, true, CODE_CANDIDATE_TRAP, 0);
}

/* tp-decode --format etrace prints the path of @r, one line per step. */
/*
 * A perf.data as `perf record -k CLOCK_MONOTONIC -e rvtrace/event=0x1/`
 * writes it: one attribute of the driver's PMU, the program's MMAP2,
 * PERF_RECORD_AUX and PERF_RECORD_AUXTRACE records whose payloads are
 * pieces of the encapsulated trace of CPU 0 (cut anywhere, a packet
 * included), and between them an AUXTRACE record of CPU 1 that is no
 * trace of this program.
 */
#define RV_PMU_TYPE	12		/* a dynamic PMU's number */
#define RV_SAMPLE_TYPE	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU)

struct rv_writer {
	FILE *f;
	uint64_t data_size;
};

static void rv_put(struct rv_writer *w, const void *p, size_t n)
{
	fwrite(p, 1, n, w->f);
	w->data_size += n;
}

static void rv_sample_id(struct rv_writer *w, uint32_t cpu, uint64_t time)
{
	struct sample_id sid = { .pid = 1, .tid = 1, .time = time, .cpu = cpu };
	uint8_t buf[64];

	sample_id_write(buf, RV_SAMPLE_TYPE, &sid);
	rv_put(w, buf, sample_id_size(RV_SAMPLE_TYPE));
}

static void rv_mmap2(struct rv_writer *w, const char *file)
{
	struct {
		struct perf_event_header h;
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		uint32_t maj, min;
		uint64_t ino, ino_generation;
		uint32_t prot, flags;
	} r = { .pid = 1, .tid = 1, .addr = 0x10000, .len = 0x1a000, .prot = 5, .flags = 2 };
	size_t name = (strlen(file) + 8) & ~7ul;
	char padded[PATH_MAX + 8] = { 0 };

	r.h.type = PERF_RECORD_MMAP2;
	r.h.size = sizeof(r) + name + sample_id_size(RV_SAMPLE_TYPE);
	snprintf(padded, sizeof(padded), "%s", file);
	rv_put(w, &r, sizeof(r));
	rv_put(w, padded, name);
	rv_sample_id(w, 0, 1);
}

static void rv_aux(struct rv_writer *w, uint32_t cpu, uint64_t offset, uint64_t size,
		   uint64_t time)
{
	struct {
		struct perf_event_header h;
		uint64_t aux_offset, aux_size, flags;
	} r = { .aux_offset = offset, .aux_size = size };

	r.h.type = PERF_RECORD_AUX;
	r.h.size = sizeof(r) + sample_id_size(RV_SAMPLE_TYPE);
	rv_put(w, &r, sizeof(r));
	rv_sample_id(w, cpu, time);
}

static void rv_auxtrace(struct rv_writer *w, uint32_t cpu, uint64_t offset, const uint8_t *data,
			size_t size)
{
	struct {
		struct perf_event_header h;
		uint64_t size, offset, reference;
		uint32_t idx, tid, cpu, reserved;
	} r = { .size = (size + 7) & ~7ul, .offset = offset, .idx = cpu, .tid = 1, .cpu = cpu };
	static const uint8_t zero[8];

	r.h.type = PERF_RECORD_AUXTRACE_TYPE;
	r.h.size = sizeof(r);
	rv_put(w, &r, sizeof(r));
	rv_put(w, data, size);
	/* The AUX buffer's padding: null.idle packets. */
	rv_put(w, zero, r.size - size);
}

static int rvtrace_perf_data(const char *path, const char *prog, const uint8_t *trace,
			     size_t len)
{
	struct perf_file_header h = { .magic = PERF_MAGIC2, .size = sizeof(h),
				      .attr_size = PERF_FILE_ATTR_SIZE + 16 };
	struct perf_event_attr attr = {
		.type = RV_PMU_TYPE, .size = PERF_FILE_ATTR_SIZE, .config = 0x1,
		.sample_type = RV_SAMPLE_TYPE, .sample_id_all = 1, .use_clockid = 1,
		.clockid = CLOCK_MONOTONIC, .disabled = 1, .enable_on_exec = 1,
	};
	struct perf_file_section ids = { 0, 0 };
	struct {
		struct perf_event_header h;
		uint32_t type, reserved;
		uint64_t priv[2];
	} info = { .type = 0 };
	static const uint8_t other_cpu[] = { 0x05, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rv_writer w = { .f = fopen(path, "wb") };
	size_t cut = len / 3 + 1;

	if (!w.f)
		return -1;
	h.attrs.offset = sizeof(h);
	h.attrs.size = h.attr_size;
	h.data.offset = h.attrs.offset + h.attrs.size;
	fwrite(&h, 1, sizeof(h), w.f);
	fwrite(&attr, 1, PERF_FILE_ATTR_SIZE, w.f);
	fwrite(&ids, 1, sizeof(ids), w.f);
	info.h.type = PERF_RECORD_AUXTRACE_TYPE - 1;	/* AUXTRACE_INFO */
	info.h.size = sizeof(info);
	rv_put(&w, &info, sizeof(info));
	rv_mmap2(&w, prog);
	rv_aux(&w, 0, 0, cut, 2);
	rv_auxtrace(&w, 0, 0, trace, cut);
	rv_aux(&w, 1, 0, sizeof(other_cpu), 3);
	rv_auxtrace(&w, 1, 0, other_cpu, sizeof(other_cpu));
	rv_aux(&w, 0, cut, len - cut, 4);
	rv_auxtrace(&w, 0, (cut + 7) & ~7ul, trace + cut, len - cut);
	h.data.size = w.data_size;
	rewind(w.f);
	fwrite(&h, 1, sizeof(h), w.f);
	return fclose(w.f);
}

/* Every truncation and some corruptions of the perf.data at @path: an error or a trace. */
static void perf_data_cut_and_flipped(struct __test_metadata *_metadata, const char *path)
{
	unsigned int seed = 7;
	uint8_t *buf, *aux;
	size_t len, aux_len, cut, i;
	bool several;
	char error[256];
	FILE *f = fopen(path, "rb");

	ASSERT_TRUE(f != NULL);
	buf = malloc(1 << 20);
	ASSERT_TRUE(buf != NULL);
	len = fread(buf, 1, 1 << 20, f);
	fclose(f);
	for (cut = 0; cut < len; cut++) {
		int err = etrace_perf_trace(buf, cut, 0, &several, &aux, &aux_len, error,
					    sizeof(error));

		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -ENODATA) TH_LOG("cut %zu", cut);
		free(aux);
	}
	for (i = 0; i < 500; i++) {
		uint8_t *copy = malloc(len);
		int err;

		ASSERT_TRUE(copy != NULL);
		memcpy(copy, buf, len);
		copy[rand_r(&seed) % len] ^= 1u << (rand_r(&seed) % 8);
		err = etrace_perf_trace(copy, len, -1, &several, &aux, &aux_len, error,
					sizeof(error));
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -ENODATA) TH_LOG("flip %zu", i);
		free(aux);
		free(copy);
	}
	free(buf);
}

static void tp_decode_prints(struct __test_metadata *_metadata, const struct poked_run *r,
			     bool perf_data)
{
	struct path_step want[MAX_STEPS];
	char cmd[PATH_MAX * 2 + 768], trace[128], out[128], params[128], line[256];
	bool encap_time = r->opts.config.tstamp_bytes != 0;
	struct etrace_stream s = { .srcid_bytes = r->opts.config.srcid_bytes, .srcid = 1 };
	size_t n, i = 0, bad = 0;
	FILE *f;

	n = path_steps(&r->path, want, MAX_STEPS);
	s.encap_time = encap_time;
	ASSERT_EQ(0, path_trace(&r->path, &s));
	/* The parameters in riscv-etrace-lib's form, as its itrace_params.csv has them. */
	snprintf(params, sizeof(params), "%s/params.csv", r->dir);
	f = fopen(params, "w");
	ASSERT_TRUE(f != NULL);
	fprintf(f, ".packet.srcid_bytes_p,%u\n.packet.tstamp_bytes_p,%u\n.itrace.notime_p,%d\n"
		".itrace.iaddress_lsb_p,1\n.sup.packet_flow_id,-1\n",
		r->opts.config.srcid_bytes, r->opts.config.tstamp_bytes, encap_time);
	ASSERT_EQ(0, fclose(f));
	snprintf(trace, sizeof(trace), "%s/trace.bin", r->dir);
	snprintf(out, sizeof(out), "%s/out.txt", r->dir);
	f = fopen(trace, "w");
	ASSERT_TRUE(f != NULL);
	ASSERT_EQ(s.len, fwrite(s.buf, 1, s.len, f));
	ASSERT_EQ(0, fclose(f));
	if (perf_data) {
		char rv[128], merged[128];

		/* One file: the driver's perf.data with the pokes injected. */
		snprintf(rv, sizeof(rv), "%s/rvtrace.data", r->dir);
		snprintf(merged, sizeof(merged), "%s/merged.data", r->dir);
		ASSERT_EQ(0, rvtrace_perf_data(rv, r->prog, s.buf, s.len));
		perf_data_cut_and_flipped(_metadata, rv);
		snprintf(cmd, sizeof(cmd), "%s inject -i %s -t %s -o %s",
			 test_file("tp-perf", true), rv, r->events, merged);
		ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
		/* Two CPUs have data: which one is the question. */
		snprintf(cmd, sizeof(cmd), "%s --format etrace -c %s -t %s -b %s >/dev/null 2>&1",
			 test_file("tp-decode", true), params, merged, r->prog);
		ASSERT_NE(0, test_run(cmd));
		snprintf(cmd, sizeof(cmd), "%s --format etrace -c %s -t %s --cpu 1 -b %s "
			 ">/dev/null 2>&1", test_file("tp-decode", true), params, merged, r->prog);
		ASSERT_NE(0, test_run(cmd));
		/* As a trace with the binary named, the same path as from the file alone. */
		snprintf(cmd, sizeof(cmd), "%s --format etrace -c %s -t %s --cpu 0 -b %s "
			 "> %s.t", test_file("tp-decode", true), params, merged, r->prog, out);
		ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
		/* The file alone: the program from its MMAP2, the pokes from inject. */
		snprintf(cmd, sizeof(cmd), "%s --format etrace -c %s -i %s --cpu 0 > %s && "
			 "cmp -s %s %s.t", test_file("tp-decode", true), params, merged, out, out,
			 out);
	} else {
		snprintf(cmd, sizeof(cmd), "%s --format etrace --framing encap -c %s -t %s -e %s "
			 "-b %s > %s", test_file("tp-decode", true), params, trace, r->events,
			 r->prog, out);
	}
	etrace_stream_free(&s);
	ASSERT_EQ(0, test_run(cmd)) TH_LOG("%s", cmd);
	f = fopen(out, "r");
	ASSERT_TRUE(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;

		if (i >= n || (want[i].trap ? sscanf(line, "trap exception cause 3 epc %llx", &addr)
				: sscanf(line, "pc %llx", &addr)) != 1 || addr != want[i].addr)
			bad++;
		i++;
	}
	fclose(f);
	ASSERT_EQ(n, i);
	ASSERT_EQ(0, bad);
}

TEST_F(etrace, tp_decode_prints_the_path)
{
	tp_decode_prints(_metadata, &self->r, false);
}

TEST_F(etrace, tp_decode_reads_rvtrace_perf_data)
{
	tp_decode_prints(_metadata, &self->r, true);
}

/*
 * decode_parcel_work, whose 2-byte site (C.NOP) the breakpoint and
 * stop_machine backends write with C.NOP again: the path stays, and the
 * windows are what there is to decode.  The breakpoint backend wrote
 * C.EBREAK there, 2 bytes; an EBREAK, 4 bytes, would be another
 * instruction than the one that trapped, taking the next one's first
 * parcel as its second.
 */
FIXTURE(etrace_parcel) {
	struct poked_run r;
};

FIXTURE_SETUP(etrace_parcel)
{
	run_start(_metadata, &self->r, "parcel");
	ASSERT_EQ(4, self->r.path.nr_pokes);
}

FIXTURE_TEARDOWN(etrace_parcel)
{
	run_end(&self->r);
}

/* C.EBREAK, the trap of a 2-byte riscv site, and C.NOP. */
static const uint8_t rv_c_ebreak[2] = { 0x02, 0x90 };
static const uint8_t rv_c_nop[2] = { 0x01, 0x00 };

TEST_F(etrace_parcel, breakpoint_window_holds_c_ebreak_and_the_next_insn)
{
	size_t k, change, windows = 0;

	for (k = 0; k < self->r.img.nr_changes; k++) {
		const struct code_change *c = &self->r.img.changes[k];
		uint64_t mid = c->pre_time + (c->post_time - c->pre_time) / 2;
		uint8_t trap[4], old[4];

		ASSERT_EQ(self->r.path.site, c->addr);
		ASSERT_EQ(2, c->len);
		ASSERT_EQ(0, memcmp(c->old, rv_c_nop, 2));
		ASSERT_EQ(0, memcmp(c->new, rv_c_nop, 2));
		if (c->backend != TP_BACKEND_BREAKPOINT) {
			ASSERT_EQ(-EINVAL, code_image_read(&self->r.img, c->addr, mid,
							   CODE_CANDIDATE_TRAP, trap, 4, NULL));
			continue;
		}
		ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&self->r.img, c->addr, mid,
							  CODE_CANDIDATE_OLD, old, 4, NULL));
		ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&self->r.img, c->addr, mid,
							  CODE_CANDIDATE_TRAP, trap, 4, &change));
		ASSERT_EQ(k, change);
		ASSERT_EQ(0, memcmp(trap, rv_c_ebreak, 2)) TH_LOG("change %zu: %02x %02x", k,
								   trap[0], trap[1]);
		ASSERT_EQ(0, memcmp(trap + 2, old + 2, 2)) TH_LOG("change %zu", k);
		windows++;
	}
	ASSERT_EQ(2, windows);
}

TEST_F(etrace_parcel, follows_the_pokes)
{
	struct outcome o = decode_path(&self->r.path, &self->r.img, &self->r.opts);

	ASSERT_EQ(0, o.err) TH_LOG("%s", o.error);
	ASSERT_EQ(o.expected, o.decoded);
	ASSERT_EQ(o.expected, o.agree);
	ASSERT_EQ(0, o.nr_resolutions);
}

/* The trap at the site: the window's C.EBREAK, which only the trap candidate explains. */
TEST_F(etrace_parcel, breakpoint_window_trap_at_site)
{
	ASSERT_EQ(2, window_resolves(_metadata, &self->r, TP_BACKEND_BREAKPOINT, true, true,
				     CODE_CANDIDATE_TRAP, ONLY(CODE_CANDIDATE_TRAP)));
}

/* A call that ran the C.NOP: the old and the new bytes are the same, the trap is not. */
TEST_F(etrace_parcel, window_without_trap_is_the_c_nop)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	size_t i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(2, window_resolves(_metadata, &self->r, backends[i], true, false,
					     CODE_CANDIDATE_OLD,
					     ONLY(CODE_CANDIDATE_OLD) | ONLY(CODE_CANDIDATE_NEW)));
		ASSERT_EQ(2, window_resolves(_metadata, &self->r, backends[i], false, false,
					     CODE_CANDIDATE_OLD,
					     ONLY(CODE_CANDIDATE_OLD) | ONLY(CODE_CANDIDATE_NEW)));
	}
}

TEST_F(etrace_parcel, tp_decode_prints_the_path)
{
	tp_decode_prints(_metadata, &self->r, false);
}

TEST_F(etrace_parcel, tp_decode_reads_rvtrace_perf_data)
{
	tp_decode_prints(_metadata, &self->r, true);
}

/*
 * The trap candidate of each breakpoint window is the trap riscv wrote
 * at that site, cut to the site: EBREAK at an aligned 4-byte site,
 * C.EBREAK over the first parcel of a misaligned one (its old tail
 * after it) and over a 2-byte one (the next instruction intact).
 */
TEST(image_trap_is_the_sites_own)
{
	static const uint8_t code[] = {
		0x01, 0x00,		/* 0x1000 C.NOP: a 2-byte site */
		0x05, 0x45,		/* 0x1002 C.LI a0, 1 */
		0x13, 0x00, 0x00, 0x00,	/* 0x1004 NOP: an aligned 4-byte site */
		0x01, 0x00,		/* 0x1008 C.NOP */
		0x13, 0x00, 0x00, 0x00,	/* 0x100a NOP: a 4-byte site at 2 mod 4 */
		0x82, 0x80,		/* 0x100e C.JR ra */
	};
	static const uint8_t jal[4] = { 0x6f, 0x00, 0x80, 0x00 };	/* JAL x0, +8 */
	static const struct {
		uint64_t addr;
		unsigned int len;
		uint8_t want[6];
	} sites[] = {
		{ 0x1000, 2, { 0x02, 0x90, 0x05, 0x45, 0x13, 0x00 } },
		{ 0x1004, 4, { 0x73, 0x00, 0x10, 0x00, 0x01, 0x00 } },
		{ 0x100a, 4, { 0x02, 0x90, 0x00, 0x00, 0x82, 0x80 } },
	};
	struct code_image img;
	uint8_t buf[6];
	size_t i;

	code_image_init(&img);
	ASSERT_EQ(-EOPNOTSUPP, code_image_set_arch(&img, EM_386));
	ASSERT_EQ(0, code_image_add_region(&img, 0x1000, code, sizeof(code)));
	for (i = 0; i < 3; i++) {
		struct code_change c = {
			.addr = sites[i].addr, .len = sites[i].len, .pre_time = 100 * (2 * i + 1),
			.post_time = 100 * (2 * i + 2), .backend = TP_BACKEND_BREAKPOINT,
		};

		memcpy(c.old, code + (c.addr - 0x1000), c.len);
		memcpy(c.new, c.len == 2 ? code : jal, c.len);
		ASSERT_EQ(0, code_image_add_change(&img, &c));
	}
	ASSERT_EQ(0, code_image_freeze(&img));
	/* No architecture, no trap to give. */
	ASSERT_EQ(-EINVAL, code_image_read(&img, 0x1000, 150, CODE_CANDIDATE_TRAP, buf, 6, NULL));
	ASSERT_EQ(0, code_image_set_arch(&img, EM_RISCV));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(CODE_AMBIGUOUS, code_image_read(&img, sites[i].addr, 100 * (2 * i + 1) + 50,
							  CODE_CANDIDATE_TRAP, buf, 6, NULL));
		ASSERT_EQ(0, memcmp(buf, sites[i].want, 6)) TH_LOG("site 0x%llx",
								  (unsigned long long)sites[i].addr);
	}
	code_image_free(&img);
}

/*
 * The specification's "Example code and packets" chapter, examples 5
 * ("A complex example with 2 branches, 2 jal, and a ret") and 4 ("3
 * branches, then a function return back to Proc_1()"), in the order
 * they ran: their code, and their two format 1 packets with the
 * differential addresses the chapter gives (0xfffffffffffffef4, then
 * 0x148).  The walk must be the one the chapter narrates.  The chapter
 * shows no synchronisation packet: one at 0x8000121c, where example 5
 * begins, starts the trace.
 */
struct code_bytes {
	uint64_t addr;
	uint32_t insn;
	unsigned int len;
};

static const struct code_bytes spec_code[] = {
	/* Proc_1 */
	{ 0x8000121c, 0x441c, 2 }, { 0x8000121e, 0xc795, 2 },
	{ 0x8000124a, 0x44c8, 2 }, { 0x8000124c, 0x4799, 2 }, { 0x8000124e, 0x00c40593, 4 },
	{ 0x80001252, 0xc81c, 2 }, { 0x80001254, 0xeadff0ef, 4 }, { 0x80001258, 0x00093783, 4 },
	/* Func_3, Proc_6 */
	{ 0x800010f8, 0x1579, 2 }, { 0x800010fa, 0x00153513, 4 }, { 0x800010fe, 0x8082, 2 },
	{ 0x80001100, 0x1101, 2 }, { 0x80001102, 0xe822, 2 }, { 0x80001104, 0xe426, 2 },
	{ 0x80001106, 0xec06, 2 }, { 0x80001108, 0x842a, 2 }, { 0x8000110a, 0x84ae, 2 },
	{ 0x8000110c, 0xfedff0ef, 4 }, { 0x80001110, 0xc115, 2 }, { 0x80001112, 0xc080, 2 },
	{ 0x80001114, 0x4785, 2 }, { 0x80001116, 0x02f40463, 4 }, { 0x8000111a, 0xc81d, 2 },
	{ 0x8000111c, 0x4709, 2 }, { 0x8000111e, 0x04e40063, 4 },
	{ 0x8000115e, 0x60e2, 2 }, { 0x80001160, 0x6442, 2 }, { 0x80001162, 0xc09c, 2 },
	{ 0x80001164, 0x64a2, 2 }, { 0x80001166, 0x6105, 2 }, { 0x80001168, 0x8082, 2 },
};

static const uint64_t spec_walk[] = {
	0x8000121c, 0x8000121e,				/* C.BEQZ taken */
	0x8000124a, 0x8000124c, 0x8000124e, 0x80001252, 0x80001254,	/* JAL Proc_6 */
	0x80001100, 0x80001102, 0x80001104, 0x80001106, 0x80001108, 0x8000110a,
	0x8000110c,					/* JAL Func_3 */
	0x800010f8, 0x800010fa, 0x800010fe,		/* RET */
	0x80001110,					/* the last branch: stop (example 5) */
	0x80001112, 0x80001114, 0x80001116, 0x8000111a, 0x8000111c, 0x8000111e,
	0x8000115e, 0x80001160, 0x80001162, 0x80001164, 0x80001166, 0x80001168,
	0x80001258,					/* RET's target (example 4) */
};

/* The example's code as image regions (each run of consecutive instructions one region). */
static void spec_image(struct __test_metadata *_metadata, struct code_image *img)
{
	uint8_t bytes[64];
	size_t i = 0;

	code_image_init(img);
	ASSERT_EQ(0, code_image_set_arch(img, EM_RISCV));
	while (i < sizeof(spec_code) / sizeof(spec_code[0])) {
		uint64_t start = spec_code[i].addr, next = start;
		size_t n = 0;

		for (; i < sizeof(spec_code) / sizeof(spec_code[0]) && spec_code[i].addr == next; i++) {
			memcpy(bytes + n, &spec_code[i].insn, spec_code[i].len);	/* little-endian */
			n += spec_code[i].len;
			next += spec_code[i].len;
		}
		ASSERT_EQ(0, code_image_add_region(img, start, bytes, n));
	}
	ASSERT_EQ(0, code_image_freeze(img));
}

static void spec_trace(struct etrace_stream *s)
{
	etrace_enc_start(s, 1, 0x8000121c, false);
	/* Example 5: branches=2, branch_map=0x2, address delta 0xfffffffffffffef4, updiscon=1 */
	etrace_enc_branches_field(s, 2, 0x2, 0xfffffffffffffef4ull >> 1, true);
	/* Example 4: branches=3, branch_map=0x3, address delta 0x148, updiscon=0 */
	etrace_enc_branches_field(s, 3, 0x3, 0x148 >> 1, false);
}

TEST(spec_worked_example_decodes_as_the_spec_says)
{
	struct etrace_decode_options opts = { 0 };
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	size_t i;
	int err;

	spec_image(_metadata, &img);
	etrace_config_default(&opts.config);
	spec_trace(&s);
	ASSERT_FALSE(s.failed);
	err = etrace_decode(&opts, &img, s.buf, s.len, &res);
	ASSERT_EQ(0, err) TH_LOG("%s", res.error);
	ASSERT_EQ(sizeof(spec_walk) / sizeof(spec_walk[0]), res.nr_elements);
	for (i = 0; i < res.nr_elements; i++) {
		ASSERT_EQ(ETRACE_ELEM_INSN, res.elements[i].type);
		ASSERT_EQ(spec_walk[i], res.elements[i].addr) TH_LOG("step %zu", i);
	}
	/* Example 5's packet came first: the walk stopped at its last branch. */
	ASSERT_EQ(1, res.elements[sizeof(spec_walk) / sizeof(spec_walk[0]) - 14].packet);
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/*
 * A loop of 40 C.BNEZ, 39 taken: a full branch map without an address
 * (format 1, branches 0) after 31 of them, whose last branch the walk
 * must stop at, then the other 9 with the return's target.
 */
TEST(full_branch_map_without_address)
{
	static const uint8_t loop[] = {
		0x7d, 0x15,		/* 0x2000 C.ADDI a0, -1 */
		0x7d, 0xfd,		/* 0x2002 C.BNEZ a0, 0x2000 */
		0x82, 0x80,		/* 0x2004 C.JR ra */
	};
	static const uint8_t caller[] = { 0x01, 0x00 };	/* 0x3000 C.NOP */
	struct etrace_decode_options opts = { 0 };
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	uint64_t want[128];
	size_t n = 0, i;
	int err;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x2000, loop, sizeof(loop)));
	ASSERT_EQ(0, code_image_add_region(&img, 0x3000, caller, sizeof(caller)));
	ASSERT_EQ(0, code_image_freeze(&img));
	want[n++] = 0x2000;
	for (i = 1; i <= 40; i++) {
		want[n++] = 0x2002;
		if (i < 40)
			want[n++] = 0x2000;
	}
	want[n++] = 0x2004;
	want[n++] = 0x3000;

	etrace_enc_start(&s, 1, 0x2000, false);
	etrace_enc_branch_map_full(&s, 0);			/* 31 taken */
	etrace_enc_branches_address(&s, 9, 1u << 8, 0x3000, false);	/* 8 taken, 1 not */
	ASSERT_FALSE(s.failed);
	etrace_config_default(&opts.config);
	err = etrace_decode(&opts, &img, s.buf, s.len, &res);
	ASSERT_EQ(0, err) TH_LOG("%s", res.error);
	ASSERT_EQ(n, res.nr_elements);
	for (i = 0; i < n; i++)
		ASSERT_EQ(want[i], res.elements[i].addr) TH_LOG("step %zu", i);
	/* The full map's packet ends at the 31st C.BNEZ: 1 + 31 + 30 steps. */
	ASSERT_EQ(1, res.elements[61].packet);
	ASSERT_EQ(2, res.elements[62].packet);
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/*
 * The looplabel case of the specification ("Format 2 notify and updiscon
 * fields", "Format 3 subformat 3 qual_status field"): an address that is
 * reached once by falling through and again by the loop's indirect jump.
 * With ended_rep tracing stopped at its first occurrence, with ended_ntr
 * at the second.
 */
static size_t loop_end(struct __test_metadata *_metadata, enum etrace_enc_qual qual,
		       uint64_t *got, size_t max)
{
	static const uint8_t loop[] = {
		0x01, 0x00,		/* 0x4000 C.NOP: looplabel - 2 */
		0x01, 0x00,		/* 0x4002 C.NOP: looplabel */
		0x82, 0x85,		/* 0x4004 C.JR a1: back to looplabel */
	};
	struct etrace_decode_options opts = { 0 };
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	size_t i, n;
	int err;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x4000, loop, sizeof(loop)));
	ASSERT_EQ(0, code_image_freeze(&img));
	etrace_enc_start(&s, 1, 0x4000, false);
	etrace_enc_address(&s, 0x4002, false);
	etrace_enc_support(&s, qual, 0);
	etrace_config_default(&opts.config);
	err = etrace_decode(&opts, &img, s.buf, s.len, &res);
	EXPECT_EQ(0, err) TH_LOG("%s", res.error);
	n = res.nr_elements;
	for (i = 0; i < n && i < max; i++)
		got[i] = res.elements[i].addr;
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
	return n;
}

TEST(looplabel_end_of_tracing)
{
	uint64_t got[8];

	ASSERT_EQ(2, loop_end(_metadata, ETRACE_ENC_ENDED_REP, got, 8));
	ASSERT_EQ(0x4000, got[0]);
	ASSERT_EQ(0x4002, got[1]);
	ASSERT_EQ(4, loop_end(_metadata, ETRACE_ENC_ENDED_NTR, got, 8));
	ASSERT_EQ(0x4004, got[2]);
	ASSERT_EQ(0x4002, got[3]);
}

/*
 * A resynchronisation (format 3 subformat 0 while tracing, "Format 3
 * subformat 0 - Synchronisation") is a full address the walk follows
 * to, taking the branch left by the packet before it; its branch bit is
 * the outcome of the branch at that address, taken by the next packet.
 */
TEST(resync_follows_to_the_reported_address)
{
	static const uint8_t code[] = {
		0x01, 0x00,		/* 0x5000 C.NOP */
		0x11, 0xc1,		/* 0x5002 C.BEQZ a0, 0x5006 */
		0x01, 0x00,		/* 0x5004 C.NOP */
		0x11, 0xc1,		/* 0x5006 C.BEQZ a0, 0x500a */
		0x01, 0x00,		/* 0x5008 C.NOP */
		0x82, 0x80,		/* 0x500a C.JR ra */
	};
	static const uint8_t caller[] = { 0x01, 0x00 };	/* 0x6000 C.NOP */
	static const uint64_t want[] = { 0x5000, 0x5002, 0x5006, 0x500a, 0x6000 };
	struct etrace_decode_options opts = { 0 };
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	size_t i;
	int err;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_add_region(&img, 0x5000, code, sizeof(code)));
	ASSERT_EQ(0, code_image_add_region(&img, 0x6000, caller, sizeof(caller)));
	ASSERT_EQ(0, code_image_freeze(&img));
	etrace_enc_start(&s, 1, 0x5000, false);
	/* The instruction before the resync, with the taken C.BEQZ it is. */
	etrace_enc_branches_address(&s, 1, 0, 0x5002, false);
	etrace_enc_start(&s, 2, 0x5006, true);	/* the second C.BEQZ, taken */
	etrace_enc_address(&s, 0x6000, false);	/* C.JR ra */
	ASSERT_FALSE(s.failed);
	etrace_config_default(&opts.config);
	err = etrace_decode(&opts, &img, s.buf, s.len, &res);
	ASSERT_EQ(0, err) TH_LOG("%s", res.error);
	ASSERT_EQ(sizeof(want) / sizeof(want[0]), res.nr_elements);
	for (i = 0; i < res.nr_elements; i++)
		ASSERT_EQ(want[i], res.elements[i].addr) TH_LOG("step %zu", i);
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/*
 * Sequentially inferable jumps: AUIPC then JALR through its register,
 * C.LUI then JALR, and a C.JR the code cannot resolve.  With the sijump
 * option the walk follows the first two from the code and takes the
 * packet's address for the third; without it the first JALR is the
 * uninferable jump the address belongs to.
 */
TEST(sequentially_inferable_jumps)
{
	static const uint8_t first[] = {
		0x97, 0x02, 0x00, 0x00,	/* 0x2000 auipc t0, 0 */
		0x67, 0x80, 0xc2, 0x00,	/* 0x2004 jalr x0, 12(t0): 0x200c */
		0x13, 0x00, 0x00, 0x00,	/* 0x2008 nop */
		0x0d, 0x63,		/* 0x200c c.lui t1, 0x3 */
		0x67, 0x00, 0x03, 0x02,	/* 0x200e jalr x0, 0x20(t1): 0x3020 */
	};
	static const uint8_t second[] = { 0x82, 0x80, 0x01, 0x00 };	/* c.jr ra; c.nop */
	static const uint8_t third[] = { 0x13, 0x00, 0x00, 0x00 };	/* nop */
	static const uint64_t with[] = { 0x2000, 0x2004, 0x200c, 0x200e, 0x3020, 0x4000 };
	static const uint64_t without[] = { 0x2000, 0x2004, 0x4000 };
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	int option;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_set_arch(&img, EM_RISCV));
	ASSERT_EQ(0, code_image_add_region(&img, 0x2000, first, sizeof(first)));
	ASSERT_EQ(0, code_image_add_region(&img, 0x3020, second, sizeof(second)));
	ASSERT_EQ(0, code_image_add_region(&img, 0x4000, third, sizeof(third)));
	ASSERT_EQ(0, code_image_freeze(&img));
	etrace_config_default(&opts.config);
	for (option = 0; option < 2; option++) {
		const uint64_t *want = option ? with : without;
		size_t n = option ? 6 : 3, i;
		struct etrace_stream s = { 0 };

		etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE, option ? ETRACE_IOPTION_SIJUMP : 0);
		etrace_enc_start(&s, 1, 0x2000, false);
		etrace_enc_address(&s, 0x4000, false);
		ASSERT_EQ(0, etrace_decode(&opts, &img, s.buf, s.len, &res)) TH_LOG("%s", res.error);
		ASSERT_EQ(n, res.nr_elements);
		for (i = 0; i < n; i++)
			ASSERT_EQ(want[i], res.elements[i].addr) TH_LOG("step %zu", i);
		etrace_decode_result_free(&res);
		etrace_stream_free(&s);
	}
	code_image_free(&img);
}

/* A frozen riscv image of @n regions. */
static void small_image(struct __test_metadata *_metadata, struct code_image *img,
			const uint64_t *addrs, const void *const *bytes, const size_t *lens,
			size_t n)
{
	size_t i;

	code_image_init(img);
	ASSERT_EQ(0, code_image_set_arch(img, EM_RISCV));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, code_image_add_region(img, addrs[i], bytes[i], lens[i]));
	ASSERT_EQ(0, code_image_freeze(img));
}

/* Decode @s with @opts: 0 and the addresses @want exactly, or the error. */
static int decode_to(struct __test_metadata *_metadata, const struct etrace_decode_options *opts,
		     const struct code_image *img, const struct etrace_stream *s,
		     const uint64_t *want, size_t n)
{
	struct etrace_decode_result res;
	size_t i, agree = 0;
	int err = etrace_decode(opts, img, s->buf, s->len, &res);

	for (i = 0; !err && i < n && i < res.nr_elements; i++)
		agree += res.elements[i].addr == want[i];
	if (!err && (res.nr_elements != n || agree != n)) {
		TH_LOG("%zu elements, %zu of %zu as expected", res.nr_elements, agree, n);
		err = -EILSEQ;
	}
	if (err)
		TH_LOG("%s", res.error);
	etrace_decode_result_free(&res);
	return err;
}

/*
 * Branch prediction: a branch to itself taken 41 times and then not.
 * The predictor (bpred_size_p 5) learns "taken" from the first outcome,
 * which the start packet's branch bit gives; a format 0 branch count of
 * 40 correct predictions (field 40 - 31) says the one after them failed
 * (branch_fmt 0), and the address packet ends the walk at the C.JR's
 * target.  Without the option the count is refused.
 */
TEST(branch_prediction_counts)
{
	static const uint32_t loop[] = { 0x00209063, 0x00008082 };	/* bne x1, x2, 0; c.jr ra */
	static const uint32_t after = 0x00000013;			/* nop */
	static const uint64_t addrs[] = { 0x5000, 0x6000 };
	static const void *const bytes[] = { loop, &after };
	static const size_t lens[] = { 6, 4 };
	struct etrace_decode_options opts = { 0 };
	uint64_t want[44];
	struct code_image img;
	int option;
	size_t i;

	small_image(_metadata, &img, addrs, bytes, lens, 2);
	for (i = 0; i < 42; i++)
		want[i] = 0x5000;
	want[42] = 0x5004;
	want[43] = 0x6000;
	etrace_config_default(&opts.config);
	opts.config.bpred_size = 5;
	for (option = 1; option >= 0; option--) {
		struct etrace_stream s = { 0 };

		etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE,
				   option ? ETRACE_IOPTION_BRANCH_PREDICTION : 0);
		etrace_enc_start(&s, 1, 0x5000, true);
		etrace_enc_branch_count(&s, 40 - 31, 0);
		etrace_enc_address(&s, 0x6000, false);
		ASSERT_EQ(option ? 0 : -EILSEQ, decode_to(_metadata, &opts, &img, &s, want, 44));
		etrace_stream_free(&s);
	}
	code_image_free(&img);
}

/*
 * Two sites of one batch, both in flight when the trace starts, both
 * reached and both running the new bytes: a nop made a taken BEQ at
 * 0x5000 and at 0x5008.  Only the pair explains the two taken branches
 * before the C.JR's target; each of them alone leaves one over.  A trial
 * of the first site must therefore try the second's candidates too,
 * rather than its old bytes, or neither is found.
 */
TEST(two_windows_of_one_batch_in_one_piece)
{
	static const uint32_t nop = 0x00000013, beq = 0x00000463;	/* beq x0, x0, 8 */
	static const uint32_t code[] = {
		0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00008082,
	};
	static const uint32_t after = 0x00000013;
	static const uint64_t addrs[] = { 0x4ffc, 0x6000 };
	static const void *const bytes[] = { code, &after };
	static const size_t lens[] = { 22, 4 };
	static const uint64_t want[] = { 0x4ffc, 0x5000, 0x5008, 0x5010, 0x6000 };
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	struct etrace_stream s = { 0 };
	struct code_image img;
	size_t i;

	code_image_init(&img);
	ASSERT_EQ(0, code_image_set_arch(&img, EM_RISCV));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, code_image_add_region(&img, addrs[i], bytes[i], lens[i]));
	for (i = 0; i < 2; i++) {
		struct code_change c = {
			.addr = 0x5000 + 8 * i, .len = 4, .pre_time = 10, .post_time = 100,
			.backend = TP_BACKEND_NOSYNC, .batch = 1,
		};

		memcpy(c.old, &nop, 4);
		memcpy(c.new, &beq, 4);
		ASSERT_EQ(0, code_image_add_change(&img, &c));
	}
	ASSERT_EQ(0, code_image_freeze(&img));
	etrace_config_default(&opts.config);
	etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE, 0);
	etrace_enc_start(&s, 50, 0x4ffc, false);
	etrace_enc_branches_address(&s, 2, 0, 0x6000, false);
	ASSERT_FALSE(s.failed);
	ASSERT_EQ(0, decode_to(_metadata, &opts, &img, &s, want, 5));
	ASSERT_EQ(0, etrace_decode(&opts, &img, s.buf, s.len, &res));
	ASSERT_EQ(2, res.nr_resolutions);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0x5000 + 8 * i, res.resolutions[i].addr);
		EXPECT_EQ(1u << CODE_CANDIDATE_NEW, res.resolutions[i].consistent);
		EXPECT_EQ(CODE_CANDIDATE_NEW, res.resolutions[i].chosen);
	}
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/*
 * The jump target cache (cache_size_p 4): a C.JR whose target the first
 * time comes as an address, the second time as the index of the cache
 * entry that address went to.  Without the option the index is refused.
 */
TEST(jump_target_cache_indexes)
{
	static const uint16_t jr = 0x8082, back = 0xb701;	/* c.jr ra; c.j -0x100 */
	static const uint64_t addrs[] = { 0x7000, 0x7100 };
	static const void *const bytes[] = { &jr, &back };
	static const size_t lens[] = { 2, 2 };
	static const uint64_t want[] = { 0x7000, 0x7100, 0x7000, 0x7100 };
	struct etrace_decode_options opts = { 0 };
	struct code_image img;
	int option;

	small_image(_metadata, &img, addrs, bytes, lens, 2);
	etrace_config_default(&opts.config);
	opts.config.cache_size = 4;
	for (option = 1; option >= 0; option--) {
		struct etrace_stream s = { 0 };

		etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE,
				   option ? ETRACE_IOPTION_JUMP_TARGET_CACHE : 0);
		etrace_enc_start(&s, 1, 0x7000, false);
		etrace_enc_address(&s, 0x7100, false);
		/* 0x7100 >> iaddress_lsb_p, its 4 low bits: entry 0. */
		etrace_enc_cache_index(&s, 0, 4, 0, 0);
		ASSERT_EQ(option ? 0 : -EILSEQ, decode_to(_metadata, &opts, &img, &s, want, 4));
		etrace_stream_free(&s);
	}
	code_image_free(&img);
}

static int decode_bytes(const struct code_image *img, const void *bytes, size_t len)
{
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	int err;

	etrace_config_default(&opts.config);
	err = etrace_decode(&opts, img, bytes, len, &res);
	etrace_decode_result_free(&res);
	return err;
}

TEST(refuses_unsupported_options_and_formats)
{
	struct etrace_decode_options opts = { 0 };
	struct etrace_stream s = { 0 };
	struct etrace_decode_result res;
	struct code_image img;
	char error[256];
	spec_image(_metadata, &img);

	etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE, 1u << 1);	/* implicit return */
	ASSERT_EQ(-EOPNOTSUPP, decode_bytes(&img, s.buf, s.len));
	etrace_stream_free(&s);
	etrace_enc_support(&s, ETRACE_ENC_NO_CHANGE, 1u << 2);	/* implicit exception */
	ASSERT_EQ(-EOPNOTSUPP, decode_bytes(&img, s.buf, s.len));
	etrace_stream_free(&s);

	/* A return stack only sizes irdepth: the implicit return option is what is refused. */
	etrace_config_default(&opts.config);
	ASSERT_EQ(0, etrace_config_parse("return_stack_size_p=3\n", 22, &opts.config, error,
					 sizeof(error)));
	etrace_config_default(&opts.config);
	ASSERT_EQ(-EOPNOTSUPP, etrace_config_parse("notime_p=1\n", 11, &opts.config, error,
						   sizeof(error)));
	etrace_config_default(&opts.config);
	ASSERT_EQ(-EINVAL, etrace_config_parse("iaddress_lsb_p=7\n", 17, &opts.config, error,
					       sizeof(error)));
	etrace_config_default(&opts.config);
	ASSERT_EQ(0, etrace_config_parse("# E-Trace\niaddress_lsb_p = 1\nfull_address=1\n", 44,
					 &opts.config, error, sizeof(error))) TH_LOG("%s", error);
	ASSERT_TRUE(opts.config.full_address);
	opts.config.bpred_size = ETRACE_MAX_BPRED_SIZE + 1;
	spec_trace(&s);
	ASSERT_EQ(-EOPNOTSUPP, etrace_decode(&opts, &img, s.buf, s.len, &res));
	etrace_decode_result_free(&res);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/* Whether @len bytes of the encoder's output end with a whole packet. */
static bool packet_boundary(const uint8_t *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len)
		pos += 1 + buf[pos];
	return pos == len;
}

TEST(corrupt_or_truncated_trace_is_an_error)
{
	size_t cases = getenv("TP_FUZZ_CASES") ? strtoul(getenv("TP_FUZZ_CASES"), NULL, 0) :
						 FUZZ_CASES;
	/* An encapsulated packet of 5 payload bytes, 1 of them there. */
	static const uint8_t cut_short[] = { 0x05, 0x03 };
	/* A support packet (16 bits of fields) in 3 bytes. */
	static const uint8_t too_long[] = { 0x03, 0x0f, 0x00, 0x00 };
	struct etrace_stream s = { 0 };
	size_t len, i, errors = 0;
	unsigned int seed = 1;
	struct code_image img;
	uint8_t *copy;
	int err;

	spec_image(_metadata, &img);
	spec_trace(&s);
	/* A trace that does not begin with a synchronisation packet. */
	ASSERT_EQ(-EILSEQ, decode_bytes(&img, s.buf + 1 + s.buf[0], s.len - 1 - s.buf[0]));
	ASSERT_EQ(-EINVAL, decode_bytes(&img, cut_short, sizeof(cut_short)));
	ASSERT_EQ(-EINVAL, decode_bytes(&img, too_long, sizeof(too_long)));
	/* Every truncation inside a packet is refused; one between packets decodes. */
	for (len = 1; len < s.len; len++) {
		err = decode_bytes(&img, s.buf, len);
		ASSERT_EQ(packet_boundary(s.buf, len) ? 0 : -EINVAL, err) TH_LOG("prefix %zu", len);
	}
	copy = malloc(s.len);
	ASSERT_TRUE(copy != NULL);
	for (i = 0; i < cases; i++) {
		size_t flips = 1 + rand_r(&seed) % 4, f;

		memcpy(copy, s.buf, s.len);
		for (f = 0; f < flips; f++)
			copy[rand_r(&seed) % s.len] ^= 1u << (rand_r(&seed) % 8);
		err = decode_bytes(&img, copy, s.len);
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -EILSEQ || err == -EOPNOTSUPP ||
			    err == -E2BIG) TH_LOG("case %zu: %d", i, err);
		errors += err != 0;
	}
	ASSERT_GT(errors, 0);
	free(copy);
	etrace_stream_free(&s);
	code_image_free(&img);
}

/*
 * The same trace with a 2-byte source ID and its times as 8-byte
 * encapsulation timestamps: every truncation that is not between two
 * packets, and none that is, is an error; corruptions give an error or
 * a decode, never a crash.
 */
TEST(corrupt_or_truncated_encapsulation_is_an_error)
{
	size_t cases = getenv("TP_FUZZ_CASES") ? strtoul(getenv("TP_FUZZ_CASES"), NULL, 0) :
						 FUZZ_CASES;
	struct etrace_stream s = { .srcid_bytes = 2, .srcid = 0x1234, .encap_time = true };
	struct etrace_decode_options opts = { 0 };
	struct etrace_decode_result res;
	size_t len, i, boundaries = 0;
	unsigned int seed = 3;
	struct code_image img;
	uint8_t *copy;
	int err;

	spec_image(_metadata, &img);
	spec_trace(&s);
	etrace_config_default(&opts.config);
	opts.config.srcid_bytes = 2;
	opts.config.tstamp_bytes = ETRACE_ENC_TSTAMP_BYTES;
	opts.config.notime = true;
	ASSERT_EQ(0, etrace_decode(&opts, &img, s.buf, s.len, &res)) TH_LOG("%s", res.error);
	etrace_decode_result_free(&res);
	for (len = 1; len < s.len; len++) {
		err = etrace_decode(&opts, &img, s.buf, len, &res);
		etrace_decode_result_free(&res);
		ASSERT_TRUE(err == 0 || err == -EINVAL) TH_LOG("prefix %zu: %d", len, err);
		boundaries += !err;
	}
	/* The two packets after the first: the only cuts between packets. */
	ASSERT_EQ(2, boundaries);
	copy = malloc(s.len);
	ASSERT_TRUE(copy != NULL);
	for (i = 0; i < cases; i++) {
		memcpy(copy, s.buf, s.len);
		copy[rand_r(&seed) % s.len] ^= 1u << (rand_r(&seed) % 8);
		err = etrace_decode(&opts, &img, copy, s.len, &res);
		etrace_decode_result_free(&res);
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -EILSEQ || err == -EOPNOTSUPP ||
			    err == -E2BIG) TH_LOG("case %zu: %d", i, err);
	}
	free(copy);
	etrace_stream_free(&s);
	code_image_free(&img);
}

TEST_HARNESS_MAIN
