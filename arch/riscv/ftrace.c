// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * riscv64 function-entry sites: -fpatchable-function-entry=8,4 leaves
 * four C.NOPs before the function (the ops slot) and four at its entry
 * (4,2 without the C extension: two NOPs each).  Site init writes
 * AUIPC t0, hi(veneer) and a 4-byte NOP over the entry; afterwards the
 * NOP at entry + 4 becomes JALR t0, lo(t0) and back with one naturally
 * aligned store (Ziccif), linking into t0 so that ra still holds the
 * function's return address.  This is the kernel's "AUIPC t0; JALR t0"
 * detour, with the AUIPC written once instead of at every change.
 */
#include <errno.h>
#include <string.h>

#include <asm/ftrace.h>
#include <asm/insn.h>

#include "../../textpoke/arch.h"

#define RV_OPCODE_LOAD		0x03u
#define RV_FUNCT3_LD		3u

static uint16_t parcel_at(uintptr_t addr)
{
	const uint8_t *p = (const uint8_t *)addr;

	return p[0] | (uint16_t)p[1] << 8;
}

/* Eight bytes of NOPs, as C.NOPs or as 4-byte NOPs. */
static int nops8(uintptr_t addr)
{
	int i, c_nops = 0, nops = 0;

	for (i = 0; i < 4; i++)
		c_nops += parcel_at(addr + 2 * i) == RV_C_NOP;
	for (i = 0; i < 2; i++)
		nops += parcel_at(addr + 4 * i) == (RV_NOP & 0xffff) &&
			parcel_at(addr + 4 * i + 2) == RV_NOP >> 16;
	return c_nops == 4 || nops == 2;
}

int arch_ftrace_layout(uintptr_t record, size_t avail, struct ftrace_layout *out)
{
	uintptr_t func = record + FTRACE_SLOT_SIZE;

	if (record % FTRACE_SLOT_SIZE || avail < 2 * FTRACE_SLOT_SIZE)
		return -EILSEQ;
	if (!nops8(record) || !nops8(func))
		return -EILSEQ;
	out->func = out->site = func;
	out->site_len = 2 * RV_INSN_LEN;
	out->toggle = func + RV_INSN_LEN;
	out->toggle_len = RV_INSN_LEN;
	return 0;
}

int arch_ftrace_init_insns(const struct ftrace_layout *layout, uintptr_t veneer,
			   uint8_t *buf)
{
	int err = rv_encode_auipc_jalr(buf, RV_REG_T0, RV_REG_T0, layout->func,
				       veneer);

	if (err < 0)
		return err;
	rv_encode_nop(buf + RV_INSN_LEN);
	return 2 * RV_INSN_LEN;
}

/*
 * The JALR adds its 12 bits to what the AUIPC written at site init gave
 * t0: @target is reachable when it needs that same AUIPC.
 */
int arch_ftrace_toggle_insn(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint8_t *buf)
{
	uint8_t pair[RV_PAIR_LEN], fixed[RV_PAIR_LEN];
	int err;

	if (!target)
		return rv_encode_nop(buf);
	err = rv_encode_auipc_jalr(fixed, RV_REG_T0, RV_REG_T0, layout->func, veneer);
	if (err >= 0)
		err = rv_encode_auipc_jalr(pair, RV_REG_T0, RV_REG_T0, layout->func, target);
	if (err < 0)
		return err;
	if (memcmp(pair, fixed, RV_INSN_LEN))
		return -ERANGE;
	memcpy(buf, pair + RV_INSN_LEN, RV_INSN_LEN);
	return RV_INSN_LEN;
}

int arch_ftrace_toggle_word(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint64_t *word)
{
	uint32_t insn;
	int err = arch_ftrace_toggle_insn(layout, veneer, target, (uint8_t *)&insn);

	if (err < 0)
		return err;
	*word = insn;		/* one 4-byte store, one 4-byte load; little endian */
	return 0;
}

/* AUIPC + JALR reach about +-2 GiB; keep a margin for the object's size. */
uintptr_t arch_ftrace_veneer_reach(void)
{
	return (1ul << 31) - (1ul << 20);
}

static void put_word(uint8_t *p, uint32_t w)
{
	p[0] = w & 0xff;
	p[1] = (w >> 8) & 0xff;
	p[2] = (w >> 16) & 0xff;
	p[3] = w >> 24;
}

/*
 * AUIPC t1, 0; LD t1, 16(t1); JR t1; NOP; .quad trampoline.  t1 is a
 * temporary, dead at any function entry; t0 and ra carry the way back.
 */
size_t arch_ftrace_veneer(uint8_t *buf, uintptr_t at, uintptr_t trampoline)
{
	uint64_t target = trampoline;

	(void)at;
	rv_encode_auipc(buf, RV_REG_T1, 0);
	put_word(buf + 4, 16u << 20 | RV_REG_T1 << 15 | RV_FUNCT3_LD << 12 |
		 RV_REG_T1 << 7 | RV_OPCODE_LOAD);
	rv_encode_jalr(buf + 8, RV_REG_ZERO, RV_REG_T1, 0);
	rv_encode_nop(buf + 12);
	memcpy(buf + 16, &target, sizeof(target));
	return 16 + sizeof(target);
}

/* ra, which the trampoline restores. */
uintptr_t *arch_ftrace_parent_loc(struct tp_ftrace_regs *regs)
{
	return (uintptr_t *)&regs->ra;
}

/* The frame sits right below the stack pointer the function was entered with. */
uintptr_t arch_ftrace_return_sp(const struct tp_ftrace_regs *regs)
{
	return (uintptr_t)regs + FTRACE_REGS_SIZE;
}

unsigned long arch_ftrace_regs_argument(const struct tp_ftrace_regs *regs,
					unsigned int n)
{
	return n < FTRACE_NR_ARGS ? regs->a[n] : 0;
}

unsigned long arch_fgraph_ret_int(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	return n < 2 ? regs->a[n] : 0;
}

uint64_t arch_fgraph_ret_fp_bits(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	return n < FGRAPH_RET_NR_FP ? regs->fa[n] : 0;
}
