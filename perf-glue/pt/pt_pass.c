// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One decode pass: libipt's instruction flow decoder over the whole
 * trace, reading code through its image's callback from the code image
 * at the time of the piece the decoder is in, and the instructions it
 * gives gathered into ranges that end at a branch, as OpenCSD reports
 * them for ETMv4.  Where libipt finds the trace does not fit the code,
 * the pass notes a gap and resynchronises at the next PSB, as libipt's
 * own tools do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "image/code_arch.h"
#include "pt/pt_internal.h"

/* No range open: the next instruction starts one. */
#define NO_RANGE	SIZE_MAX
/*
 * Direct branches need no packet: code that loops through them alone
 * (a wrong candidate, a corrupt image) would keep libipt walking for
 * ever at one trace offset.  Real code passes a branch that needs a
 * packet far more often than this.
 */
#define MAX_INSNS_WITHOUT_TRACE	(1u << 20)

/*
 * The decoder's time on the events' clock; a new piece where a PRE or
 * POST time lies between the last time and this one.
 */
static void update_time(struct pt_pass *pass)
{
	uint64_t tsc, t;

	if (pt_insn_time(pass->decoder, &tsc, NULL, NULL) < 0)
		return;			/* no TSC yet: the binaries' bytes */
	t = pt_time_convert(&pass->opts->config.time, tsc);
	pass->timed = true;
	if (pass->opts->ignore_events || t == pass->last)
		return;
	if (code_image_changes_between(pass->cp.img, pass->last, t)) {
		pass->cp.piece++;
		pass->cp.time = t;
	}
	pass->last = t;
}

/* libipt's read_memory_callback_t: the code at @ip at the piece's time. */
static int read_memory(uint8_t *buffer, size_t size, const struct pt_asid *asid, uint64_t ip,
		       void *context)
{
	struct pt_pass *pass = context;
	uint64_t have = code_image_extent(pass->cp.img, ip);
	size_t len = size < have ? size : (size_t)have;

	(void)asid;
	update_time(pass);
	if (!len || code_image_read_choosing(pass->cp.img, ip, pass->cp.time, code_pass_choose,
					     &pass->cp, buffer, len) < 0)
		return -pte_nomap;
	return (int)len;
}

static uint64_t trace_offset(const struct pt_pass *pass)
{
	uint64_t offset = 0;

	pt_insn_get_offset(pass->decoder, &offset);
	return offset;
}

static struct pt_element *add_element(struct pt_pass *pass, enum pt_element_type type)
{
	struct pt_element *e;

	if (array_make_room(&pass->elements, &pass->cap_elements, pass->nr_elements,
			    sizeof(*e), 256)) {
		pass->cp.err = -ENOMEM;
		return NULL;
	}
	e = &pass->elements[pass->nr_elements++];
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->time = pass->cp.time;
	e->piece = pass->cp.piece;
	e->offset = trace_offset(pass);
	return e;
}

/*
 * Whether the last range's branch was taken, now that the walk goes on at
 * @next (@known false: tracing stopped without saying where: an
 * unconditional branch was taken, a conditional one is reported not).
 */
static void settle_last_range(struct pt_pass *pass, uint64_t next, bool known)
{
	struct pt_element *r;

	if (pass->open_range == NO_RANGE)
		return;
	r = &pass->elements[pass->open_range];
	pass->open_range = NO_RANGE;
	if (r->last_class == ptic_other)
		r->taken = known && next != r->end;
	else
		r->taken = known ? next != r->end : r->last_class != ptic_cond_jump;
}

static void add_insn(struct pt_pass *pass, const struct pt_insn *insn)
{
	pass->last_ip = insn->ip;
	pass->last_size = insn->size;
	memcpy(pass->last_raw, insn->raw, sizeof(pass->last_raw));
	struct pt_element *r = pass->open_range == NO_RANGE ? NULL :
			       &pass->elements[pass->open_range];

	if (r && r->last_class == ptic_other && r->end == insn->ip && r->piece == pass->cp.piece) {
		r->end += insn->size;
		r->nr_insns++;
		r->last_class = insn->iclass;
		return;
	}
	settle_last_range(pass, insn->ip, true);
	r = add_element(pass, PT_ELEM_RANGE);
	if (!r)
		return;
	r->start = insn->ip;
	r->end = insn->ip + insn->size;
	r->nr_insns = 1;
	r->last_class = insn->iclass;
	pass->open_range = pass->nr_elements - 1;
}

/* A trap at a site in flight is an ambiguity too: the trace may show it or not. */
static void add_trap(struct pt_pass *pass, uint64_t at)
{
	struct pt_element *e;
	long window;

	settle_last_range(pass, at, true);
	e = add_element(pass, PT_ELEM_TRAP);
	if (!e)
		return;
	e->start = at;
	window = code_image_window_at(pass->cp.img, at, 1, pass->cp.time);
	if (window >= 0)
		code_pass_note_window(&pass->cp, window);
}

/*
 * libipt binds a TIP.PGD to the branch before it without comparing its
 * IP with a direct branch's target; a core writes the target there (or,
 * for a conditional branch not taken at the end of a filter range, the
 * next instruction).  A walk whose direct branch goes elsewhere does not
 * fit the trace.
 */
static bool disable_fits(const struct pt_pass *pass, const struct pt_event *ev)
{
	const struct code_arch *arch = pass->cp.img->arch;
	const struct pt_element *r;
	uint64_t target;

	if (ev->ip_suppressed || pass->open_range == NO_RANGE || !arch ||
	    !arch->direct_branch_target)
		return true;
	r = &pass->elements[pass->open_range];
	if (r->last_class != ptic_cond_jump && r->last_class != ptic_jump &&
	    r->last_class != ptic_call)
		return true;
	if (!arch->direct_branch_target(pass->last_raw, pass->last_size, pass->last_ip, &target))
		return true;
	if (r->last_class == ptic_cond_jump &&
	    ev->variant.disabled.ip == pass->last_ip + pass->last_size)
		return true;
	return target == ev->variant.disabled.ip;
}

static void on_event(struct pt_pass *pass, const struct pt_event *ev)
{
	struct pt_element *e;

	switch (ev->type) {
	case ptev_enabled:
		settle_last_range(pass, ev->variant.enabled.ip, true);
		e = add_element(pass, PT_ELEM_ENABLED);
		if (e)
			e->start = ev->variant.enabled.ip;
		break;
	case ptev_disabled:
		if (!disable_fits(pass, ev)) {
			pass->bad_disable = true;
			break;
		}
		settle_last_range(pass, ev->variant.disabled.ip, !ev->ip_suppressed);
		e = add_element(pass, PT_ELEM_DISABLED);
		if (e)
			e->start = ev->ip_suppressed ? 0 : ev->variant.disabled.ip;
		break;
	case ptev_async_disabled:
		add_trap(pass, ev->variant.async_disabled.at);
		break;
	case ptev_async_branch:
		add_trap(pass, ev->variant.async_branch.from);
		break;
	case ptev_overflow:
		settle_last_range(pass, 0, false);
		e = add_element(pass, PT_ELEM_OVERFLOW);
		if (e)
			e->start = ev->ip_suppressed ? 0 : ev->variant.overflow.ip;
		break;
	default:
		/* Timing, power, paging and mode events leave the walk where it was. */
		break;
	}
}

/* Where the trace does not fit the code: a gap, then the next PSB. */
static int add_gap(struct pt_pass *pass, int status)
{
	struct pt_element *e;

	settle_last_range(pass, 0, false);
	e = add_element(pass, PT_ELEM_GAP);
	if (e)
		e->error = status;
	pass->nr_gaps++;
	return pt_insn_sync_forward(pass->decoder);
}

static int drain_events(struct pt_pass *pass, int status)
{
	while (status >= 0 && (status & pts_event_pending) && !pass->cp.err) {
		struct pt_event ev;

		status = pt_insn_event(pass->decoder, &ev, sizeof(ev));
		if (status >= 0) {
			update_time(pass);
			on_event(pass, &ev);
		}
	}
	return status;
}

/* -PT_GAP_NO_PROGRESS when the walk went on too long at one trace offset. */
static int check_progress(struct pt_pass *pass, uint64_t *offset, size_t *insns)
{
	uint64_t now = trace_offset(pass);

	if (now != *offset) {
		*offset = now;
		*insns = 0;
		return 0;
	}
	return ++*insns > MAX_INSNS_WITHOUT_TRACE ? -PT_GAP_NO_PROGRESS : 0;
}

static void walk(struct pt_pass *pass)
{
	int status = pt_insn_sync_forward(pass->decoder);
	uint64_t offset = 0;
	size_t insns = 0;

	if (status == -pte_eos) {
		snprintf(pass->cp.error, sizeof(pass->cp.error), "no PSB packet in the trace");
		pass->cp.err = -EINVAL;
		return;
	}
	while (!pass->cp.err) {
		struct pt_insn insn;

		if (status >= 0)
			status = drain_events(pass, status);
		if (pass->bad_disable) {
			pass->bad_disable = false;
			status = -PT_GAP_BAD_DISABLE;
		}
		/*
		 * pts_eos: the trace has ended, but libipt still walks the code
		 * up to the first instruction that needs trace (-pte_eos).
		 */
		if (status >= 0) {
			status = pt_insn_next(pass->decoder, &insn, sizeof(insn));
			if (status >= 0 && !pass->cp.err) {
				update_time(pass);
				add_insn(pass, &insn);
				if (check_progress(pass, &offset, &insns))
					status = -PT_GAP_NO_PROGRESS;
			}
		}
		if (status == -pte_eos)
			break;
		if (status == -pte_nomem)
			pass->cp.err = -ENOMEM;
		else if (status < 0 && !pass->cp.err)
			status = add_gap(pass, status);
		/* Each resynchronisation takes a PSB further: no more of them than that. */
		if (pass->nr_gaps > pass->len / 16 + 1 && !pass->cp.err) {
			snprintf(pass->cp.error, sizeof(pass->cp.error),
				 "libipt made no progress resynchronising");
			pass->cp.err = -EINVAL;
		}
	}
	settle_last_range(pass, 0, false);
}

static int create_decoder(struct pt_pass *pass)
{
	const struct pt_decode_config *c = &pass->opts->config;
	struct pt_config config;

	pt_config_init(&config);
	config.begin = (uint8_t *)pass->trace;
	config.end = (uint8_t *)pass->trace + pass->len;
	if (c->cpu_family) {
		config.cpu.vendor = pcv_intel;
		config.cpu.family = c->cpu_family;
		config.cpu.model = c->cpu_model;
		config.cpu.stepping = c->cpu_stepping;
		/* A CPU libipt does not know has no errata it knows. */
		pt_cpu_errata(&config.errata, &config.cpu);
	}
	config.addr_filter.config.addr_cfg = c->addr_cfg;
	config.addr_filter.addr0_a = c->addr_a[0];
	config.addr_filter.addr0_b = c->addr_b[0];
	config.addr_filter.addr1_a = c->addr_a[1];
	config.addr_filter.addr1_b = c->addr_b[1];
	config.addr_filter.addr2_a = c->addr_a[2];
	config.addr_filter.addr2_b = c->addr_b[2];
	config.addr_filter.addr3_a = c->addr_a[3];
	config.addr_filter.addr3_b = c->addr_b[3];
	config.mtc_freq = c->mtc_freq;
	config.nom_freq = c->nom_freq;
	config.cpuid_0x15_eax = c->cpuid_0x15_eax;
	config.cpuid_0x15_ebx = c->cpuid_0x15_ebx;
	pass->decoder = pt_insn_alloc_decoder(&config);
	if (!pass->decoder)
		return -ENOMEM;
	/* The decoder's own image: nothing in it but the callback. */
	if (pt_image_set_callback(pt_insn_get_image(pass->decoder), read_memory, pass) < 0)
		return -EINVAL;
	return 0;
}

int pt_run_pass(struct pt_pass *pass)
{
	int err;

	pass->open_range = NO_RANGE;
	err = create_decoder(pass);
	if (err) {
		snprintf(pass->cp.error, sizeof(pass->cp.error), "libipt refused the decoder setup");
		pass->cp.err = err;
	} else {
		walk(pass);
	}
	pt_insn_free_decoder(pass->decoder);
	pass->decoder = NULL;
	return pass->cp.err;
}

void pt_pass_free(struct pt_pass *pass)
{
	free(pass->elements);
	free(pass->cp.undecided);
	pass->elements = NULL;
	pass->cp.undecided = NULL;
	pass->nr_elements = pass->cap_elements = pass->cp.nr_undecided = 0;
}
