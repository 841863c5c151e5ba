// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Intel PT decode speed: tp-decode's path (libipt reading code through
 * the time-indexed code image, the trace cut where changes happen)
 * against libipt decoding the same trace with a static image (the
 * program's own text as a file section, libipt's usual way), in one run.
 * Debian ships no ptxed or ptdump to compare with.
 *
 * The trace is the one a core filtering on the tests' traced function
 * (selftests/pt/traced_x86.S) writes for BENCH_PT_CALLS calls, encoded
 * with libipt's encoder; the image changes the function's first NOP5 to
 * another NOP5 every 1,000 calls (breakpoint windows between calls), so
 * that both decodes walk the same path.
 *
 *   pt.insns                 instructions each decode walked
 *   pt.image.ns_per_insn     tp-decode's path
 *   pt.static.ns_per_insn    libipt with a static image
 *   pt.image.ratio           the first over the second
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <intel-pt.h>

#include "image/code_image.h"
#include "pt/pt_decode.h"
#include "bench.h"

long decode_work(void);
extern char decode_site[], decode_alt[], decode_done[];

#define CALLS_PER_CHANGE	1000
#define CALL_NS			1000	/* between two calls' TSCs */
#define FUNCTION_BYTES		32

static const uint8_t nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
static const uint8_t nopw5[5] = { 0x66, 0x0f, 0x1f, 0x40, 0x00 };

struct encoder {
	struct pt_encoder *enc;
	int err;
};

static void emit(struct encoder *e, struct pt_packet *pkt)
{
	if (!e->err && pt_enc_next(e->enc, pkt) < 0)
		e->err = -ENOSPC;
}

static void emit_ip(struct encoder *e, enum pt_packet_type type, uint64_t ip)
{
	struct pt_packet pkt = { .type = type };

	pkt.payload.ip.ipc = pt_ipc_sext_48;
	pkt.payload.ip.ip = ip;
	emit(e, &pkt);
}

/* Per call: TSC, MODE.Exec, TIP.PGE, TNT (JZ not taken), TIP (JMP *%rcx), TIP.PGD. */
static uint8_t *encode(unsigned long calls, size_t *len)
{
	size_t size = 64 + calls * 40;
	uint8_t *buf = malloc(size);
	struct pt_config config;
	struct encoder e = { 0 };
	struct pt_packet pkt;
	uint64_t offset = 0;
	unsigned long i;

	if (!buf)
		return NULL;
	pt_config_init(&config);
	config.begin = buf;
	config.end = buf + size;
	e.enc = pt_alloc_encoder(&config);
	if (!e.enc) {
		free(buf);
		return NULL;
	}
	pkt = (struct pt_packet){ .type = ppt_psb };
	emit(&e, &pkt);
	pkt = (struct pt_packet){ .type = ppt_psbend };
	emit(&e, &pkt);
	for (i = 0; i < calls; i++) {
		pkt = (struct pt_packet){ .type = ppt_tsc };
		pkt.payload.tsc.tsc = (i + 1) * CALL_NS;
		emit(&e, &pkt);
		pkt = (struct pt_packet){ .type = ppt_mode };
		pkt.payload.mode.leaf = pt_mol_exec;
		pkt.payload.mode.bits.exec.csl = 1;
		emit(&e, &pkt);
		emit_ip(&e, ppt_tip_pge, (uint64_t)decode_site);
		pkt = (struct pt_packet){ .type = ppt_tnt_8 };
		pkt.payload.tnt.bit_size = 1;
		emit(&e, &pkt);
		emit_ip(&e, ppt_tip, (uint64_t)decode_done);
		emit_ip(&e, ppt_tip_pgd, 0x1000);
	}
	if (!e.err)
		pt_enc_get_offset(e.enc, &offset);
	pt_free_encoder(e.enc);
	if (e.err) {
		free(buf);
		return NULL;
	}
	*len = offset;
	return buf;
}

/* The function's bytes, changed between NOP5 forms every CALLS_PER_CHANGE calls. */
static int make_image(struct code_image *img, unsigned long calls)
{
	unsigned long k;
	int err;

	code_image_init(img);
	err = code_image_set_arch(img, 62 /* EM_X86_64 */);
	if (!err)
		err = code_image_add_region(img, (uint64_t)decode_site, decode_site,
					    FUNCTION_BYTES);
	for (k = 1; !err && k * CALLS_PER_CHANGE < calls; k++) {
		struct code_change c = {
			.addr = (uint64_t)decode_site, .len = 5,
			.pre_time = (k * CALLS_PER_CHANGE) * CALL_NS + CALL_NS / 4,
			.post_time = (k * CALLS_PER_CHANGE) * CALL_NS + CALL_NS / 2,
			.backend = TP_BACKEND_BREAKPOINT, .batch = k,
		};

		memcpy(c.old, k % 2 ? nop5 : nopw5, 5);
		memcpy(c.new, k % 2 ? nopw5 : nop5, 5);
		err = code_image_add_change(img, &c);
	}
	return err ? err : code_image_freeze(img);
}

static double image_decode(const struct code_image *img, const uint8_t *trace, size_t len,
			   uint64_t *insns)
{
	struct pt_decode_options opts = { 0 };
	struct pt_decode_result res;
	unsigned long long start = bench_ns();
	double ns;
	size_t i;

	if (pt_decode(&opts, img, trace, len, &res))
		return -1;
	ns = (double)(bench_ns() - start);
	*insns = 0;
	for (i = 0; i < res.nr_elements; i++)
		if (res.elements[i].type == PT_ELEM_RANGE)
			*insns += res.elements[i].nr_insns;
	if (res.nr_gaps)
		ns = -1;
	pt_decode_result_free(&res);
	return ns;
}

/* The mapping of /proc/self/maps that holds @addr: start, file offset, file. */
static int own_mapping(uint64_t addr, uint64_t *start, uint64_t *end, uint64_t *offset,
		       char *path, size_t path_len)
{
	char line[1024];
	FILE *f = fopen("/proc/self/maps", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		unsigned long long s, e, o;
		char file[512] = "";

		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %511s", &s, &e, &o, file) < 3)
			continue;
		if (addr < s || addr >= e || file[0] != '/')
			continue;
		*start = s;
		*end = e;
		*offset = o;
		snprintf(path, path_len, "%s", file);
		err = 0;
	}
	fclose(f);
	return err;
}

/* libipt alone: the program's text as a section of its file. */
static double static_decode(const uint8_t *trace, size_t len, uint64_t *insns)
{
	uint64_t start = 0, end = 0, offset = 0;
	struct pt_insn_decoder *dec;
	struct pt_config config;
	unsigned long long t0;
	char path[512];
	int status;

	if (own_mapping((uint64_t)decode_site, &start, &end, &offset, path, sizeof(path)))
		return -1;
	pt_config_init(&config);
	config.begin = (uint8_t *)trace;
	config.end = (uint8_t *)trace + len;
	dec = pt_insn_alloc_decoder(&config);
	if (!dec)
		return -1;
	if (pt_image_add_file(pt_insn_get_image(dec), path, offset, end - start, NULL,
			      start) < 0) {
		pt_insn_free_decoder(dec);
		return -1;
	}
	*insns = 0;
	t0 = bench_ns();
	status = pt_insn_sync_forward(dec);
	while (status >= 0) {
		struct pt_insn insn;

		while (status >= 0 && (status & pts_event_pending)) {
			struct pt_event ev;

			status = pt_insn_event(dec, &ev, sizeof(ev));
		}
		if (status < 0)
			break;
		status = pt_insn_next(dec, &insn, sizeof(insn));
		if (status >= 0)
			(*insns)++;
	}
	pt_insn_free_decoder(dec);
	return status == -pte_eos ? (double)(bench_ns() - t0) : -1;
}

int main(void)
{
	const char *env = getenv("BENCH_PT_CALLS");
	unsigned long calls = env && atol(env) > 0 ? (unsigned long)atol(env) : 200000;
	double image_ns = 1e300, static_ns = 1e300;
	uint64_t image_insns = 0, static_insns = 0;
	struct code_image img;
	uint8_t *trace;
	size_t len;
	int run;

	trace = encode(calls, &len);
	if (!trace || make_image(&img, calls)) {
		fprintf(stderr, "pt_bench: cannot build the trace or the image\n");
		return 1;
	}
	/* The best of three of each: the machine may be busy. */
	for (run = 0; run < 3; run++) {
		double a = image_decode(&img, trace, len, &image_insns);
		double b = static_decode(trace, len, &static_insns);

		if (a < 0 || b < 0 || image_insns != static_insns || !image_insns) {
			fprintf(stderr, "pt_bench: the decodes differ (%" PRIu64 " and %" PRIu64
				" instructions)\n", image_insns, static_insns);
			return 1;
		}
		image_ns = a < image_ns ? a : image_ns;
		static_ns = b < static_ns ? b : static_ns;
	}
	bench_metric((double)image_insns, "pt.insns");
	bench_metric(image_ns / image_insns, "pt.image.ns_per_insn");
	bench_metric(static_ns / static_insns, "pt.static.ns_per_insn");
	bench_metric(image_ns / static_ns, "pt.image.ratio");
	code_image_free(&img);
	free(trace);
	return 0;
}
