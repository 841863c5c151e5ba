/* SPDX-License-Identifier: GPL-2.0 */
/*
 * riscv reference kinds beyond ref.h's.  The INSN_REF offset field is a
 * target offset from the instruction for the jump kinds; for the register
 * forms it packs the operands with RV_REF_REGS: rd in bits 47:40, rs1 in
 * bits 39:32, the immediate in the low 32 bits (sign-extend to read).
 *
 * ref.h's kinds on riscv: REF_NOP is NOP or C.NOP and REF_TRAP EBREAK or
 * C.EBREAK (told apart by the length); REF_JUMP is JAL x0, REF_CALL JAL ra.
 */
#ifndef SELFTESTS_INSN_REF_RISCV_H
#define SELFTESTS_INSN_REF_RISCV_H

#define REF_RV_JAL_T0		16	/* JAL t0: the other link register */
#define REF_RV_JALR		17	/* off = RV_REF_REGS(rd,rs1,imm) */
#define REF_RV_AUIPC		18	/* off = RV_REF_REGS(rd,0,pc offset) */
#define REF_RV_PAIR_CALL	19	/* AUIPC ra; JALR ra, lo(ra) */
#define REF_RV_PAIR_TAIL	20	/* AUIPC t1; JALR x0, lo(t1) */
#define REF_RV_PAIR_T0		21	/* AUIPC t0; JALR t0, lo(t0) */

#ifdef __ASSEMBLER__

/* no spaces: the result is one INSN_REF macro argument */
#define RV_REF_REGS(rd,rs,imm) (((rd)<<40)|((rs)<<32)|((imm)&0xffffffff))

#else

#include <stdint.h>

static inline unsigned int rv_ref_rd(intptr_t off)
{
	return ((uint64_t)off >> 40) & 0xff;
}

static inline unsigned int rv_ref_rs(intptr_t off)
{
	return ((uint64_t)off >> 32) & 0xff;
}

static inline intptr_t rv_ref_imm(intptr_t off)
{
	return (int32_t)(uint32_t)off;
}

#endif /* __ASSEMBLER__ */
#endif /* SELFTESTS_INSN_REF_RISCV_H */
