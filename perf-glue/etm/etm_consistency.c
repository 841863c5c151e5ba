// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Whether a decode agrees with the packets that follow an ambiguous
 * read.  OpenCSD walks the code from each atom to the next branch, and
 * an address packet (an indirect branch's target, an exception's return
 * address) moves it wherever the packet says, without comparing.  A
 * candidate that made the walk go elsewhere than the trace shows is
 * caught here:
 *
 *  - an executed direct branch is followed by a range at its target, a
 *    range that ends at a not-taken branch by the next instruction;
 *  - only a conditional branch can be not taken;
 *  - every atom of those packets made a range: OpenCSD drops atoms that
 *    come while it waits for an address, which a walk that took an
 *    indirect branch the trace did not take does;
 *  - no code the image lacks (ADDR_NACC) and no lost synchronisation;
 *  - an exception whose return address is a breakpoint window's site is
 *    the trap there: only the TRAP candidate explains it, and TRAP needs it.
 *
 * Reading A64 direct branches for their targets is this tool's job, not
 * decoding the trace: OpenCSD does that.
 */
#include "etm/etm_internal.h"

static int64_t sign_extend(uint64_t value, unsigned int bits)
{
	uint64_t m = 1ull << (bits - 1);

	return (int64_t)((value ^ m) - m);
}

bool a64_direct_branch_target(uint32_t insn, uint64_t pc, uint64_t *target)
{
	int64_t offset;

	if ((insn & 0x7c000000u) == 0x14000000u)		/* B, BL: imm26 */
		offset = sign_extend(insn & 0x03ffffffu, 26) * 4;
	else if ((insn & 0xff000010u) == 0x54000000u ||		/* B.cond: imm19 */
		 (insn & 0x7e000000u) == 0x34000000u)		/* CBZ, CBNZ: imm19 */
		offset = sign_extend((insn >> 5) & 0x7ffffu, 19) * 4;
	else if ((insn & 0x7e000000u) == 0x36000000u)		/* TBZ, TBNZ: imm14 */
		offset = sign_extend((insn >> 5) & 0x3fffu, 14) * 4;
	else
		return false;
	*target = pc + (uint64_t)offset;
	return true;
}

/* Elements that leave the walk where it was: continuity holds across them. */
static bool transparent(ocsd_gen_trc_elem_t type)
{
	return type == OCSD_GEN_TRC_ELEM_TIMESTAMP || type == OCSD_GEN_TRC_ELEM_CYCLE_COUNT ||
	       type == OCSD_GEN_TRC_ELEM_EVENT;
}

/* Where the walk goes after range @r, or false if the trace says (indirect). */
static bool next_address(const struct etm_element *r, uint64_t *next)
{
	const ocsd_generic_trace_elem *el = &r->elem;

	if (!el->last_instr_exec || el->last_i_type != OCSD_INSTR_BR) {
		if (el->last_i_type == OCSD_INSTR_BR_INDIRECT && el->last_instr_exec)
			return false;
		*next = el->en_addr;
		return true;
	}
	return a64_direct_branch_target(r->last_insn, el->en_addr - el->last_instr_sz, next);
}

static bool in_window(const struct etm_element *e, size_t piece)
{
	return e->piece == piece || e->piece == piece + 1;
}

bool etm_pass_consistent(const struct etm_pass *pass, const struct code_image *img,
			 size_t piece, size_t change, enum code_candidate c)
{
	const struct code_change *site = &img->changes[change];
	const struct etm_element *prev = NULL;
	size_t i, ranges = 0, atoms;
	bool trapped = false;

	for (i = 0; i < pass->nr_elements; i++) {
		const struct etm_element *e = &pass->elements[i];
		const ocsd_generic_trace_elem *el = &e->elem;
		uint64_t next;

		if (!in_window(e, piece))
			continue;
		switch (el->elem_type) {
		case OCSD_GEN_TRC_ELEM_ADDR_NACC:
		case OCSD_GEN_TRC_ELEM_ADDR_UNKNOWN:
		case OCSD_GEN_TRC_ELEM_NO_SYNC:
			return false;
		case OCSD_GEN_TRC_ELEM_EXCEPTION:
			if (e->piece == piece && el->excep_ret_addr && el->en_addr == site->addr)
				trapped = true;
			/* The walk up to an exception's address took no atom. */
			if (prev && prev->index == e->index)
				ranges--;
			prev = NULL;
			break;
		case OCSD_GEN_TRC_ELEM_INSTR_RANGE:
			if (!el->last_instr_exec && !el->last_instr_cond &&
			    el->last_i_type != OCSD_INSTR_OTHER)
				return false;
			if (prev && next_address(prev, &next) && next != el->st_addr)
				return false;
			prev = e;
			ranges++;
			break;
		default:
			if (!transparent(el->elem_type))
				prev = NULL;
			break;
		}
	}
	atoms = pass->atoms[piece] + (piece + 1 < pass->nr_pieces ? pass->atoms[piece + 1] : 0);
	return ranges == atoms && trapped == (c == CODE_CANDIDATE_TRAP);
}

bool etm_pass_reached(const struct etm_pass *pass, const struct code_image *img,
		      size_t piece, size_t change)
{
	const struct code_change *site = &img->changes[change];
	size_t i;

	for (i = 0; i < pass->nr_elements; i++) {
		const struct etm_element *e = &pass->elements[i];
		const ocsd_generic_trace_elem *el = &e->elem;

		if (e->piece != piece)
			continue;
		if (el->elem_type == OCSD_GEN_TRC_ELEM_INSTR_RANGE &&
		    el->st_addr < site->addr + site->len && site->addr < el->en_addr)
			return true;
		if (el->elem_type == OCSD_GEN_TRC_ELEM_EXCEPTION && el->excep_ret_addr &&
		    el->en_addr == site->addr)
			return true;
	}
	return false;
}
