// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The E-Trace reconstruction: what the specification's decoder chapter
 * describes (process_te_inst, follow_execution_path, next_pc), without
 * the options this decoder refuses, over the code image at the time of
 * the current piece.  Where the trace and the code disagree the walk
 * stops with -EILSEQ instead of the specification's abort.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "array.h"
#include "etrace/etrace_internal.h"

/* No packet of a real trace walks this far: a corrupt one must not walk forever. */
#define MAX_STEPS_PER_PACKET	(1u << 16)
#define MAX_ELEMENTS		(1u << 24)
/* The ecause of a breakpoint exception (privileged spec, mcause). */
#define ECAUSE_BREAKPOINT	3

int etrace_fail(struct etrace_decoder *dec, int err, const char *fmt, ...)
{
	const struct etrace_packet *p = &dec->packets[dec->w.packet];
	va_list ap;
	int n;

	if (dec->trial)
		return err;
	n = snprintf(dec->error, sizeof(dec->error), "packet %zu (byte %zu): ", dec->w.packet,
		     p->offset);
	va_start(ap, fmt);
	vsnprintf(dec->error + n, sizeof(dec->error) - n, fmt, ap);
	va_end(ap);
	return err;
}

const struct etrace_choice *etrace_find_choice(const struct etrace_decoder *dec, size_t change)
{
	size_t i;

	for (i = 0; i < dec->w.nr_choices; i++) {
		const struct etrace_choice *c = &dec->choices->v[i];

		if (c->r.piece == dec->w.piece && c->r.change == change)
			return c;
	}
	return NULL;
}

static enum code_candidate choose(size_t change, void *arg)
{
	const struct etrace_choice *c = etrace_find_choice(arg, change);

	return c ? c->r.chosen : CODE_CANDIDATE_OLD;
}

/*
 * Every window over the bytes must have a choice for this piece.  The
 * real walk stops and lets the caller resolve the first undecided one;
 * a trial stops too, to try that one's candidates with its own, and a
 * trial of those takes the old bytes for any further window.
 */
static int decide_windows(struct etrace_decoder *dec, uint64_t addr, unsigned int len)
{
	const struct code_image *img = dec->img;
	long change = code_image_window_at(img, addr, len, dec->w.time);
	struct etrace_choice c = { 0 };

	if (change < 0 || etrace_find_choice(dec, change))
		return 0;
	if (!dec->trial || dec->trial_neighbours) {
		dec->pending_change = change;
		return -EAGAIN;
	}
	c.r.piece = dec->w.piece;
	c.r.change = change;
	c.r.addr = img->changes[change].addr;
	c.r.time = dec->w.time;
	c.r.chosen = CODE_CANDIDATE_OLD;
	return etrace_add_choice(dec, &c);
}

static int read_code(struct etrace_decoder *dec, uint64_t addr, uint8_t *buf, unsigned int len)
{
	uint64_t time = dec->opts->ignore_events ? 0 : dec->w.time;
	int err = 0;

	if (!dec->opts->ignore_events)
		err = decide_windows(dec, addr, len);
	if (!err)
		err = code_image_read_choosing(dec->img, addr, time, choose, dec, buf, len);
	if (err == -ENOENT)
		return etrace_fail(dec, -EILSEQ, "no code at 0x%llx", (unsigned long long)addr);
	return err < 0 ? err : 0;
}

/*
 * The instruction at @addr, a parcel at a time: its second parcel may lie
 * in another window, or in no code at all.
 */
static int insn_at(struct etrace_decoder *dec, uint64_t addr, struct rv_insn_class *insn)
{
	uint8_t bytes[4];
	int len, err = read_code(dec, addr, bytes, 2);

	if (err)
		return err;
	len = rv_insn_class_length((uint16_t)(bytes[0] | bytes[1] << 8));
	if (len < 0)
		return etrace_fail(dec, -EILSEQ, "instruction longer than 32 bits at 0x%llx",
				   (unsigned long long)addr);
	if (len > 2)
		err = read_code(dec, addr + 2, bytes + 2, len - 2);
	if (!err)
		rv_insn_classify(bytes, len, insn);
	return err;
}

/* Uninferable discontinuities: the trace must give the next address. */
static bool is_uninferable(const struct rv_insn_class *insn)
{
	return insn->kind == RV_CLASS_INDIRECT_JUMP || insn->kind == RV_CLASS_TRAP_RETURN ||
	       insn->kind == RV_CLASS_ENV_TRAP;
}

static int is_branch_at(struct etrace_decoder *dec, uint64_t addr, bool *branch)
{
	struct rv_insn_class insn;
	int err = insn_at(dec, addr, &insn);

	*branch = !err && insn.kind == RV_CLASS_BRANCH;
	return err;
}

/* Branches left over beyond the one of the instruction at @addr, if a branch. */
static int unprocessed_branches(struct etrace_decoder *dec, uint64_t addr, bool *left)
{
	bool branch;
	int err = is_branch_at(dec, addr, &branch);

	*left = dec->w.branches != (branch ? 1u : 0u);
	return err;
}

static int add_element(struct etrace_decoder *dec, const struct etrace_element *e)
{
	if (dec->trial)
		return 0;
	if (dec->w.nr_elements == MAX_ELEMENTS)
		return etrace_fail(dec, -E2BIG, "more than %u instructions", MAX_ELEMENTS);
	if (array_make_room(&dec->elements, &dec->cap_elements, dec->w.nr_elements,
			    sizeof(*dec->elements), 256))
		return -ENOMEM;
	dec->elements[dec->w.nr_elements++] = *e;
	return 0;
}

static int report_pc(struct etrace_decoder *dec)
{
	struct etrace_element e = {
		.type = ETRACE_ELEM_INSN, .addr = dec->w.pc, .time = dec->w.time,
		.packet = dec->w.packet,
	};

	return add_element(dec, &e);
}

/* The packet the walk is processing. */
static const struct etrace_packet *current_packet(const struct etrace_decoder *dec)
{
	return &dec->packets[dec->w.packet];
}

/* Format 0 subformat 0 with the branch prediction option: a count of predicted branches. */
static bool includes_bpred_count(const struct etrace_decoder *dec, const struct etrace_packet *p)
{
	return p->format == 0 && p->subformat == 0 && dec->w.bpred_on;
}

/* A branch count whose last branch went against the prediction. */
static bool is_failed_bpred(const struct etrace_decoder *dec, const struct etrace_packet *p)
{
	return includes_bpred_count(dec, p) && (p->branch_fmt == 0 || p->branch_fmt == 3);
}

static unsigned int bpred_index(const struct etrace_decoder *dec, uint64_t addr)
{
	const struct etrace_config *cfg = &dec->opts->config;

	return (addr >> cfg->iaddress_lsb) & ((1u << cfg->bpred_size) - 1);
}

/* Every entry: predict not taken, last outcome taken (the specification's bpred_init). */
static void bpred_init(struct etrace_decoder *dec)
{
	size_t i;

	for (i = 0; i < (1u << dec->opts->config.bpred_size); i++)
		dec->w.bpred[i] = 1;
}

/* The prediction changes after two outcomes against it. */
static void bpred_update(struct etrace_decoder *dec, uint64_t addr, bool taken)
{
	uint8_t *e;

	if (!dec->w.bpred_on)
		return;
	e = &dec->w.bpred[bpred_index(dec, addr)];
	if ((*e >> 1) != (*e & 1))
		*e = (*e & 1) | taken << 1;
	*e = (*e & 2) | taken;
}

static bool bpred_taken(const struct etrace_decoder *dec, uint64_t addr,
			const struct etrace_packet *p)
{
	bool taken = dec->w.bpred[bpred_index(dec, addr)] >> 1;

	/* branch_fmt 3: the prediction of the last branch failed. */
	return dec->w.branches == 1 && includes_bpred_count(dec, p) && p->branch_fmt == 3 ?
		!taken : taken;
}

static int take_branch(struct etrace_decoder *dec, bool *taken)
{
	const struct etrace_packet *p = current_packet(dec);
	struct etrace_walk *w = &dec->w;

	if (!w->branches)
		return etrace_fail(dec, -EILSEQ, "branch at 0x%llx beyond the branch map",
				   (unsigned long long)w->pc);
	if (w->use_bpred) {
		*taken = bpred_taken(dec, w->pc, p);
	} else {
		/* A 0 bit is a taken branch. */
		*taken = !(w->branch_map & 1);
		w->branch_map >>= 1;
		w->use_bpred = includes_bpred_count(dec, p);
	}
	bpred_update(dec, w->pc, *taken);
	w->branches--;
	return 0;
}

/* An uninferable jump's target, remembered unless a trap packet took it. */
static void cache_update(struct etrace_decoder *dec, uint64_t addr)
{
	const struct etrace_packet *p = current_packet(dec);
	const struct etrace_config *cfg = &dec->opts->config;

	if (!dec->w.jtc_on || (p->format == 3 && p->subformat == 1))
		return;
	dec->w.jtc[(addr >> cfg->iaddress_lsb) & ((1u << cfg->cache_size) - 1)] = addr;
}

/*
 * A sequentially inferable jump (the sijump option): a JALR, C.JR or
 * C.JALR whose source register the instruction before it (at last_pc)
 * set with LUI, C.LUI or AUIPC, so the code gives its target.
 */
static int sequential_jump(struct etrace_decoder *dec, const struct rv_insn_class *insn,
			   bool *inferable, uint64_t *target)
{
	struct etrace_walk *w = &dec->w;
	struct rv_insn_class prev;
	int err;

	*inferable = false;
	if (!w->sijump || insn->kind != RV_CLASS_INDIRECT_JUMP || w->last_pc == w->pc)
		return 0;
	err = insn_at(dec, w->last_pc, &prev);
	if (err || prev.upper == RV_UPPER_NONE || prev.rd != insn->rs1)
		return err;
	*inferable = true;
	*target = (prev.upper == RV_UPPER_AUIPC ? w->last_pc : 0) + (uint64_t)prev.imm +
		  (uint64_t)insn->imm;
	*target &= ~1ull;
	return 0;
}

/* One instruction on from pc; *@stop when an uninferable one went to @address. */
static int next_pc(struct etrace_decoder *dec, uint64_t address, bool *stop)
{
	struct etrace_walk *w = &dec->w;
	uint64_t this_pc = w->pc;
	struct rv_insn_class insn;
	bool taken = false, branch, sequential = false;
	uint64_t target = 0;
	int err = insn_at(dec, w->pc, &insn);

	*stop = false;
	if (!err)
		err = sequential_jump(dec, &insn, &sequential, &target);
	if (err)
		return err;
	if (insn.kind == RV_CLASS_DIRECT_JUMP) {
		w->pc = rv_insn_class_target(&insn, w->pc);
	} else if (sequential) {
		w->pc = target;
	} else if (is_uninferable(&insn)) {
		branch = false;
		err = w->stop_at_last_branch ? is_branch_at(dec, address, &branch) : 0;
		if (err)
			return err;
		if (w->stop_at_last_branch && !branch)
			return etrace_fail(dec, -EILSEQ, "uninferable jump at 0x%llx before the "
					   "last branch", (unsigned long long)w->pc);
		w->pc = address;
		cache_update(dec, address);
		*stop = true;
	} else if (insn.kind == RV_CLASS_BRANCH) {
		err = take_branch(dec, &taken);
		if (err)
			return err;
		w->pc = taken ? rv_insn_class_target(&insn, w->pc) : w->pc + insn.len;
	} else {
		w->pc += insn.len;
	}
	w->last_pc = this_pc;
	return 0;
}

/* The stops of follow_execution_path after a step to a pc that is not an uninferable target. */
static int reached_reported(struct etrace_decoder *dec, const struct etrace_packet *p,
			    uint64_t address, bool *done)
{
	struct etrace_walk *w = &dec->w;
	struct rv_insn_class last;
	bool left;
	int err;

	*done = false;
	if (w->pc != address || w->stop_at_last_branch)
		return 0;
	err = unprocessed_branches(dec, w->pc, &left);
	if (err || left)
		return err;
	if (p->format == 3) {
		err = insn_at(dec, w->last_pc, &last);
		*done = !err && (p->privilege == w->privilege || last.kind == RV_CLASS_TRAP_RETURN);
		return err;
	}
	if (p->notify) {
		*done = true;
		return 0;
	}
	err = insn_at(dec, w->last_pc, &last);
	if (err || is_uninferable(&last) || p->updiscon)
		return err;
	/* Maybe not the last time here: the next packet says (the spec's updiscon case). */
	w->previous = *p;
	w->inferred_address = true;
	*done = true;
	return 0;
}

static int follow_execution_path(struct etrace_decoder *dec, uint64_t address,
				 const struct etrace_packet *p)
{
	struct etrace_walk *w = &dec->w;
	uint64_t previous_address = w->pc;
	unsigned int steps;
	struct rv_insn_class insn;
	bool stop, left, done;
	int err = 0;

	for (steps = 0; !err; steps++) {
		if (steps == MAX_STEPS_PER_PACKET)
			return etrace_fail(dec, -E2BIG, "the walk does not reach 0x%llx",
					   (unsigned long long)address);
		if (w->inferred_address) {
			/* Walk on from the address reported before to its next occurrence. */
			err = next_pc(dec, previous_address, &stop);
			if (!err)
				err = report_pc(dec);
			if (stop)
				w->inferred_address = false;
			continue;
		}
		err = next_pc(dec, address, &stop);
		if (!err)
			err = report_pc(dec);
		if (!err)
			err = insn_at(dec, w->pc, &insn);
		if (err)
			break;
		if (w->branches == 1 && insn.kind == RV_CLASS_BRANCH && w->stop_at_last_branch) {
			/* The last branch: whether it retired is the next packet's. */
			if (is_failed_bpred(dec, p))
				/* It went against the prediction: the map's bit 1, not taken. */
				w->branch_map = (w->branch_map & ~1ull) |
						bpred_taken(dec, w->pc, p);
			w->stop_at_last_branch = false;
			return 0;
		}
		if (stop) {
			err = unprocessed_branches(dec, w->pc, &left);
			if (!err && left)
				err = etrace_fail(dec, -EILSEQ, "%llu branches left at 0x%llx",
						  (unsigned long long)w->branches,
						  (unsigned long long)w->pc);
			return err;
		}
		err = reached_reported(dec, p, address, &done);
		if (!err && done)
			return 0;
	}
	return err;
}

/* Format 0 subformat 1: the address is the jump target cache's entry. */
static int cache_lookup(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	struct etrace_walk *w = &dec->w;
	bool branch;
	int err;

	if (!w->jtc_on)
		return etrace_fail(dec, -EILSEQ, "jump target cache index without the option");
	w->address = w->jtc[p->jtc_index & ((1u << dec->opts->config.cache_size) - 1)];
	err = is_branch_at(dec, w->address, &branch);
	w->stop_at_last_branch = branch;
	return err;
}

/* Format 0 subformat 0: branches the predictor got right, and whether the next failed. */
static int add_branch_count(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	struct etrace_walk *w = &dec->w;

	if (!w->bpred_on)
		return etrace_fail(dec, -EILSEQ, "branch count without the branch prediction "
				   "option");
	w->use_bpred = !w->branches;
	w->stop_at_last_branch = p->branch_fmt == 0;
	w->branches += (uint64_t)p->branch_count + 31 + is_failed_bpred(dec, p);
	return 0;
}

/* Formats 0, 1 and 2: a branch map or count, an address or a cache index, or both. */
static int process_branches_and_address(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	const struct etrace_config *cfg = &dec->opts->config;
	struct etrace_walk *w = &dec->w;
	bool jtc = p->format == 0 && p->subformat == 1;
	unsigned int added;
	bool branch;
	int err;

	if (w->start_of_trace)
		return etrace_fail(dec, -EILSEQ, "format %u packet before a synchronisation packet",
				   p->format);
	if (jtc) {
		err = cache_lookup(dec, p);
		if (err)
			return err;
	} else if (p->has_address) {
		uint64_t field = p->address << cfg->iaddress_lsb;
		uint64_t mask = cfg->iaddress_width == 64 ? ~0ull : (1ull << cfg->iaddress_width) - 1;

		/* A differential address wraps within iaddress_width_p bits. */
		w->address = (w->full_address ? field : w->address + field) & mask;
		err = is_branch_at(dec, w->address, &branch);
		if (err)
			return err;
		w->stop_at_last_branch = branch;
	}
	if (p->format == 0 && !jtc) {
		err = add_branch_count(dec, p);
		if (err)
			return err;
	} else if (p->format == 1 || (jtc && p->branches)) {
		added = p->branches ? p->branches : 31;
		if (w->branches + added > 63)
			return etrace_fail(dec, -EILSEQ, "more branches than the walk used");
		w->stop_at_last_branch = w->stop_at_last_branch || !p->branches;
		w->branch_map |= (p->branch_map & ((1ull << added) - 1)) << w->branches;
		w->branches += added;
	}
	return follow_execution_path(dec, w->address, p);
}

/* Support: the options in force, and whether tracing ended. */
static int process_support(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	const struct etrace_config *cfg = &dec->opts->config;
	struct etrace_walk *w = &dec->w;
	uint64_t previous_address = w->pc;
	unsigned int steps;
	bool stop = false;
	int err = 0;

	if (p->encoder_mode)
		return etrace_fail(dec, -EOPNOTSUPP, "encoder mode %u (only branch trace, 0)",
				   p->encoder_mode);
	if (p->ioptions & (ETRACE_IOPTION_IMPLICIT_RETURN | ETRACE_IOPTION_IMPLICIT_EXCEPTION))
		return etrace_fail(dec, -EOPNOTSUPP, "ioptions 0x%llx: implicit return and "
				   "implicit exceptions are not supported",
				   (unsigned long long)p->ioptions);
	if (p->ioptions >> 6)
		return etrace_fail(dec, -EOPNOTSUPP, "ioptions 0x%llx: bits this decoder does "
				   "not know", (unsigned long long)p->ioptions);
	if ((p->ioptions & ETRACE_IOPTION_BRANCH_PREDICTION) && !cfg->bpred_size)
		return etrace_fail(dec, -EILSEQ, "branch prediction enabled, bpred_size_p 0");
	if ((p->ioptions & ETRACE_IOPTION_JUMP_TARGET_CACHE) && !cfg->cache_size)
		return etrace_fail(dec, -EILSEQ, "jump target cache enabled, cache_size_p 0");
	w->full_address = p->ioptions & ETRACE_IOPTION_FULL_ADDRESS;
	w->sijump = p->ioptions & ETRACE_IOPTION_SIJUMP;
	w->bpred_on = p->ioptions & ETRACE_IOPTION_BRANCH_PREDICTION;
	w->jtc_on = p->ioptions & ETRACE_IOPTION_JUMP_TARGET_CACHE;
	w->pne_valid = false;
	if (p->qual_status != ETRACE_QUAL_NO_CHANGE)
		w->start_of_trace = true;
	if (p->qual_status != ETRACE_QUAL_ENDED_NTR || !w->inferred_address)
		return 0;
	/* Tracing ended at the second occurrence of the inferred address. */
	w->inferred_address = false;
	for (steps = 0; !err && !stop; steps++) {
		if (steps == MAX_STEPS_PER_PACKET)
			return etrace_fail(dec, -E2BIG, "the walk does not reach 0x%llx",
					   (unsigned long long)previous_address);
		err = next_pc(dec, previous_address, &stop);
		if (!err)
			err = report_pc(dec);
	}
	return err;
}

/*
 * Where the exception of a trap packet was taken: given by the packet
 * where the decoder cannot infer it (first packet, or after an
 * uninferable discontinuity), else the instruction after pc (or pc for
 * ECALL/EBREAK), or the address an earlier trap packet without handler
 * address gave.
 */
static int exception_address(struct etrace_decoder *dec, const struct etrace_packet *p,
			     uint64_t *epc)
{
	uint64_t given = p->address << dec->opts->config.iaddress_lsb;
	struct etrace_walk *w = &dec->w;
	struct rv_insn_class insn = { .kind = RV_CLASS_SEQUENTIAL };
	bool stop;
	int err = 0;

	if (!w->start_of_trace)
		err = insn_at(dec, w->pc, &insn);
	if (err)
		return err;
	if (w->start_of_trace || is_uninferable(&insn)) {
		if (p->thaddr)
			return etrace_fail(dec, -EILSEQ, "trap packet with a handler address where "
					   "the EPC is needed");
		*epc = given;
		return 0;
	}
	*epc = w->poss_next_epc;
	w->poss_next_epc = given;
	if (w->pne_valid) {
		w->pne_valid = !p->thaddr;
		return 0;
	}
	w->pne_valid = !p->thaddr;
	if (insn.kind == RV_CLASS_ENV_TRAP) {
		*epc = w->pc;
		return 0;
	}
	err = next_pc(dec, w->pc, &stop);
	*epc = w->pc;
	return err;
}

/*
 * A trap at a site in flight: only the trap candidate of a breakpoint
 * window explains it.  The real walk reports it; a trial notes that its
 * site trapped.
 */
static int note_trap_in_window(struct etrace_decoder *dec, uint64_t epc)
{
	const struct code_image *img = dec->img;
	struct etrace_choice c = { 0 };
	long change;

	if (dec->opts->ignore_events)
		return 0;
	change = code_image_window_at(img, epc, 2, dec->w.time);
	if (change < 0)
		return 0;
	if (dec->trial) {
		dec->trial_trapped |= img->changes[change].addr == dec->trial_site;
		return 0;
	}
	c.r.piece = dec->w.piece;
	c.r.change = change;
	c.r.addr = img->changes[change].addr;
	c.r.time = dec->w.time;
	c.r.chosen = CODE_CANDIDATE_TRAP;
	if (img->changes[change].backend == TP_BACKEND_BREAKPOINT)
		c.r.consistent = 1u << CODE_CANDIDATE_TRAP;
	c.reached = true;
	return etrace_add_choice(dec, &c);
}

static int report_trap(struct etrace_decoder *dec, const struct etrace_packet *p, bool *retired)
{
	struct etrace_element e = {
		.type = ETRACE_ELEM_TRAP, .time = dec->w.time, .packet = dec->w.packet,
		.ecause = p->ecause, .tval = p->tval, .interrupt = p->interrupt,
	};
	int err = 0;

	if (!p->interrupt) {
		err = exception_address(dec, p, &e.addr);
		e.epc_known = !err;
		if (!err && p->ecause == ECAUSE_BREAKPOINT)
			err = note_trap_in_window(dec, e.addr);
	}
	if (!err)
		err = add_element(dec, &e);
	*retired = p->thaddr;
	return err;
}

/* Subformats 0 and 1 (with a handler address): a full address to start from. */
static int process_sync(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	struct etrace_walk *w = &dec->w;
	bool branch;
	int err;

	w->inferred_address = false;
	w->pne_valid = false;
	w->address = p->address << dec->opts->config.iaddress_lsb;
	if (p->subformat == 1 || w->start_of_trace) {
		w->branches = 0;
		w->branch_map = 0;
	}
	err = is_branch_at(dec, w->address, &branch);
	if (err)
		return err;
	if (branch) {
		if (w->branches > 62)
			return etrace_fail(dec, -EILSEQ, "more branches than the walk used");
		w->branch_map |= (uint64_t)p->branch << w->branches;
		w->branches++;
	}
	if (p->subformat == 0 && !w->start_of_trace) {
		err = follow_execution_path(dec, w->address, p);
	} else {
		w->pc = w->address;
		w->last_pc = w->pc;
		err = report_pc(dec);
	}
	/* Every synchronisation starts the predictor afresh (no resync_disabled option). */
	bpred_init(dec);
	w->privilege = p->privilege;
	w->start_of_trace = false;
	return err;
}

static int process_format3(struct etrace_decoder *dec, const struct etrace_packet *p)
{
	bool retired = true;
	int err;

	if (p->subformat == 3)
		return process_support(dec, p);
	if (p->subformat == 2)
		return 0;
	if (p->subformat == 1) {
		err = report_trap(dec, p, &retired);
		if (err || !retired)
			return err;
	}
	return process_sync(dec, p);
}

int etrace_process_packet(struct etrace_decoder *dec)
{
	const struct etrace_packet *p = &dec->packets[dec->w.packet];
	int err;

	dec->w.use_bpred = false;
	if (etrace_packet_time_before(p)) {
		dec->w.time = p->has_tstamp ? p->tstamp : p->time;
		dec->w.piece++;
	}
	if (p->format == 3)
		err = process_format3(dec, p);
	else
		err = process_branches_and_address(dec, p);
	if (err)
		return err;
	dec->w.packet++;
	/* The code a packet walked ran before it was sent: what follows, at its time or later. */
	if (p->has_tstamp && !etrace_packet_time_before(p)) {
		dec->w.time = p->tstamp;
		dec->w.piece++;
	}
	return 0;
}
