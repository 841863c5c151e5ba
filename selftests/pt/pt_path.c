// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 program's path as Intel PT, written with libipt's encoder
 * (pt_alloc_encoder, pt_enc_next): the packets a core tracing user code
 * with an address filter on decode_work writes for each call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <intel-pt.h>

#include "pt_path.h"

#define TRACE_SIZE	(1u << 16)
/*
 * With MTC: CTC counts at the TSC's rate (CPUID 0x15 1:1), an MTC every
 * 2^PATH_MTC_FREQ CTC ticks; the one of a call comes MTC_STEP after its TSC.
 */
#define MTC_STEP	16
#define PATH_CALLER	0x1000

int path_load(const char *log, struct path *p)
{
	int err = poked_log_load(log, p);
	size_t i;

	if (err)
		return err;
	if (p->site != p->work || p->alt != p->site + PATH_ALT_OFFSET ||
	    p->done != p->site + PATH_DONE_OFFSET)
		return -EINVAL;
	for (i = 0; i < p->nr_calls; i++)
		if (p->calls[i].version != PATH_NOP && p->calls[i].version != PATH_JMP)
			return -EINVAL;
	return 0;
}

struct encoder {
	struct pt_encoder *enc;
	int err;
};

static void emit(struct encoder *e, struct pt_packet *pkt)
{
	if (!e->err && pt_enc_next(e->enc, pkt) < 0)
		e->err = -ENOSPC;
}

static void emit_simple(struct encoder *e, enum pt_packet_type type)
{
	struct pt_packet pkt = { .type = type };

	emit(e, &pkt);
}

static void emit_ip(struct encoder *e, enum pt_packet_type type, uint64_t ip)
{
	struct pt_packet pkt = { .type = type };

	pkt.payload.ip.ipc = ip ? pt_ipc_sext_48 : pt_ipc_suppressed;
	pkt.payload.ip.ip = ip;
	emit(e, &pkt);
}

/* MODE.Exec, 64-bit: what the core writes before each TIP.PGE. */
static void emit_mode_64(struct encoder *e)
{
	struct pt_packet pkt = { .type = ppt_mode };

	pkt.payload.mode.leaf = pt_mol_exec;
	pkt.payload.mode.bits.exec.csl = 1;
	emit(e, &pkt);
}

uint64_t path_tsc(const struct path_encoding *timing, uint64_t time)
{
	return timing->tsc_scaled ? PATH_TSC_BASE + 2 * time : time;
}

static void emit_time(struct encoder *e, const struct path_encoding *timing, uint64_t time)
{
	struct pt_packet pkt = { .type = ppt_tsc };

	pkt.payload.tsc.tsc = path_tsc(timing, time);
	emit(e, &pkt);
	if (!timing->mtc)
		return;
	/* TMA: the CTC at this TSC (its low 16 bits), no fast counter. */
	pkt = (struct pt_packet){ .type = ppt_tma };
	pkt.payload.tma.ctc = (uint16_t)time;
	emit(e, &pkt);
	/* Time passes by MTC_STEP before the function is entered. */
	pkt = (struct pt_packet){ .type = ppt_mtc };
	pkt.payload.mtc.ctc = (uint8_t)((time + MTC_STEP) >> PATH_MTC_FREQ);
	emit(e, &pkt);
}

/* The path from the site on: version @v, tracing having started at @from. */
static void emit_version(struct encoder *e, const struct path *p, int v)
{
	struct pt_packet tnt = { .type = ppt_tnt_8 };

	if (v == PATH_NOP) {
		tnt.payload.tnt.bit_size = 1;	/* JZ not taken */
		tnt.payload.tnt.payload = 0;
		emit(e, &tnt);
		emit_ip(e, ppt_tip, p->done);	/* JMP *%rcx */
	}
	/*
	 * RET leaves the filtered range: TIP.PGD with its target (libipt
	 * binds a disable without an IP to a far branch only).  The log has
	 * no caller's address; PATH_CALLER, outside the range, stands for it.
	 */
	emit_ip(e, ppt_tip_pgd, PATH_CALLER);
}

static void emit_call(struct encoder *e, const struct path *p, const struct path_call *c,
		      const struct path_encoding *timing)
{
	emit_time(e, timing, c->time);
	emit_mode_64(e);
	emit_ip(e, ppt_tip_pge, p->work);
	if (c->trapped) {
		/* INT3 at the site: to the kernel, then the handler resumes after emulating. */
		emit_ip(e, ppt_fup, p->site);
		emit_ip(e, ppt_tip_pgd, 0);
		if (timing->handler) {
			/* The kernel delivers SIGTRAP: the handler runs, RET to sigreturn. */
			emit_mode_64(e);
			emit_ip(e, ppt_tip_pge, timing->handler);
			emit_ip(e, ppt_tip_pgd, PATH_CALLER);
		}
		emit_mode_64(e);
		emit_ip(e, ppt_tip_pge, c->version == PATH_JMP ? p->alt : p->site + 5);
	}
	emit_version(e, p, c->version);
}

uint8_t *path_trace(const struct path *p, const struct path_encoding *timing, size_t *len)
{
	struct encoder e = { 0 };
	struct pt_config config;
	uint8_t *buf = calloc(1, TRACE_SIZE);
	uint64_t offset = 0;
	size_t i;

	if (!buf)
		return NULL;
	pt_config_init(&config);
	config.begin = buf;
	config.end = buf + TRACE_SIZE;
	e.enc = pt_alloc_encoder(&config);
	if (!e.enc) {
		free(buf);
		return NULL;
	}
	emit_simple(&e, ppt_psb);
	emit_simple(&e, ppt_psbend);
	for (i = 0; i < p->nr_calls; i++)
		emit_call(&e, p, &p->calls[i], timing);
	if (!e.err && pt_enc_get_offset(e.enc, &offset) < 0)
		e.err = -EINVAL;
	pt_free_encoder(e.enc);
	if (e.err) {
		free(buf);
		return NULL;
	}
	*len = offset;
	return buf;
}

uint8_t *path_trace_leaving(const struct path *p, uint64_t leave, size_t *len)
{
	struct path_encoding timing = { 0 };
	struct encoder e = { 0 };
	struct pt_config config;
	uint8_t *buf = calloc(1, TRACE_SIZE);
	uint64_t offset = 0;

	if (!buf)
		return NULL;
	pt_config_init(&config);
	config.begin = buf;
	config.end = buf + TRACE_SIZE;
	e.enc = pt_alloc_encoder(&config);
	if (!e.enc) {
		free(buf);
		return NULL;
	}
	emit_simple(&e, ppt_psb);
	emit_simple(&e, ppt_psbend);
	emit_time(&e, &timing, p->calls[0].time);
	emit_mode_64(&e);
	emit_ip(&e, ppt_tip_pge, p->work);
	emit_ip(&e, ppt_tip_pgd, leave);
	if (!e.err && pt_enc_get_offset(e.enc, &offset) < 0)
		e.err = -EINVAL;
	pt_free_encoder(e.enc);
	if (e.err) {
		free(buf);
		return NULL;
	}
	*len = offset;
	return buf;
}

static size_t add_step(struct path_step *out, size_t n, size_t max, struct path_step s)
{
	if (n < max)
		out[n] = s;
	return n + 1;
}

size_t path_steps(const struct path *p, struct path_step *out, size_t max)
{
	return path_steps_encoded(p, NULL, out, max);
}

size_t path_steps_encoded(const struct path *p, const struct path_encoding *enc,
			  struct path_step *out, size_t max)
{
	uint64_t site = p->site, mid = site + PATH_MID_OFFSET;
	size_t i, n = 0;

	for (i = 0; i < p->nr_calls; i++) {
		const struct path_call *c = &p->calls[i];

		if (c->trapped)
			n = add_step(out, n, max, (struct path_step){ .start = site, .trap = true });
		if (c->trapped && enc && enc->handler)
			n = add_step(out, n, max, (struct path_step){ enc->handler,
					enc->handler + PATH_HANDLER_BYTES, 2, true, false });
		if (c->version == PATH_NOP) {
			/* From the site, or after it where the handler resumed. */
			uint64_t from = c->trapped ? site + 5 : site;

			n = add_step(out, n, max, (struct path_step){ from, mid,
					c->trapped ? 3 : 4, false, false });
			n = add_step(out, n, max, (struct path_step){ mid, p->alt, 2, true, false });
		} else {
			if (!c->trapped)
				n = add_step(out, n, max,
					     (struct path_step){ site, site + 5, 1, true, false });
			n = add_step(out, n, max, (struct path_step){ p->alt, p->done - 1, 2, true, false });
		}
		n = add_step(out, n, max, (struct path_step){ p->done, p->done + 1, 1, true, false });
	}
	return n;
}
