/* SPDX-License-Identifier: GPL-2.0 */
#include "ref.h"
#include "ref_riscv.h"

/*
 * Exactly the forms asked for: no compression of 4-byte instructions
 * (with C enabled gas turns nop, ebreak, jal x0 and jr into their C.
 * forms) and no linker relaxation (which could shorten a call pair).
 */
	.option norelax
	.option norvc

/* RVC insn: assemble one instruction with C enabled (c.nop, c.ebreak). */
.macro RVC insn:vararg
	.option push
	.option rvc
	\insn
	.option pop
.endm

/*
 * RV_PAIR link, tmp, off: AUIPC tmp; JALR link, lo(tmp) to . + off, split
 * by the assembler and linker (%pcrel_hi/%pcrel_lo), not by hand.
 */
.macro RV_PAIR link, tmp, off
97:	auipc \tmp, %pcrel_hi(.Lrv_pair_target\@)
	jalr \link, %pcrel_lo(97b)(\tmp)
	.set .Lrv_pair_target\@, 97b + \off
.endm

	INSN_REF_TABLE_BEGIN
	INSN_REF REF_NOP, (0), nop
	/* a 2-byte instruction first: the 4-byte ones below sit at 2 mod 4 */
	INSN_REF REF_NOP, (0), RVC c.nop
	INSN_REF REF_TRAP, (0), ebreak
	INSN_REF REF_TRAP, (0), RVC c.ebreak
	/* JAL reaches [-2^20, 2^20 - 2] from itself */
	INSN_REF REF_JUMP, (0), jal x0, .
	INSN_REF REF_JUMP, (4), jal x0, . + 4
	INSN_REF REF_JUMP, (0x800), jal x0, . + 0x800
	INSN_REF REF_JUMP, (-0x7fe), jal x0, . - 0x7fe
	INSN_REF REF_JUMP, (0x12346), jal x0, . + 0x12346
	INSN_REF REF_JUMP, (0xffffe), jal x0, . + 0xffffe
	INSN_REF REF_JUMP, (-0x100000), jal x0, . - 0x100000
	INSN_REF REF_CALL, (-4), jal ra, . - 4
	INSN_REF REF_CALL, (0x5556), jal ra, . + 0x5556
	INSN_REF REF_CALL, (0xffffe), jal ra, . + 0xffffe
	INSN_REF REF_CALL, (-0x100000), jal ra, . - 0x100000
	INSN_REF REF_RV_JAL_T0, (0x1000), jal t0, . + 0x1000
	INSN_REF REF_RV_JAL_T0, (-0x100000), jal t0, . - 0x100000
	/* JALR: signed 12-bit immediate */
	INSN_REF REF_RV_JALR, RV_REF_REGS(0,1,0), jalr x0, 0(ra)
	INSN_REF REF_RV_JALR, RV_REF_REGS(1,5,0), jalr ra, 0(t0)
	INSN_REF REF_RV_JALR, RV_REF_REGS(0,6,-2048), jalr x0, -2048(t1)
	INSN_REF REF_RV_JALR, RV_REF_REGS(5,5,2047), jalr t0, 2047(t0)
	INSN_REF REF_RV_JALR, RV_REF_REGS(31,31,-1), jalr x31, -1(x31)
	/* AUIPC: 20-bit immediate, the offset is that shifted by 12 */
	INSN_REF REF_RV_AUIPC, RV_REF_REGS(5,0,0), auipc t0, 0
	INSN_REF REF_RV_AUIPC, RV_REF_REGS(6,0,0x12345000), auipc t1, 0x12345
	INSN_REF REF_RV_AUIPC, RV_REF_REGS(1,0,0x7ffff000), auipc ra, 0x7ffff
	INSN_REF REF_RV_AUIPC, RV_REF_REGS(5,0,-0x80000000), auipc t0, 0x80000
	INSN_REF REF_RV_AUIPC, RV_REF_REGS(31,0,-0x1000), auipc x31, 0xfffff
	/*
	 * AUIPC+JALR reaches [-2^31 - 2^11, 2^31 - 2^11 - 1]; the largest
	 * even offset is one less.  Bit 11 set in the offset makes lo
	 * negative and hi carry: 0x12345800 is hi 0x12346000, lo -0x800.
	 */
	INSN_REF REF_RV_PAIR_CALL, (8), RV_PAIR ra, ra, (8)
	INSN_REF REF_RV_PAIR_CALL, (-8), RV_PAIR ra, ra, (-8)
	INSN_REF REF_RV_PAIR_CALL, (0x123457fe), RV_PAIR ra, ra, (0x123457fe)
	INSN_REF REF_RV_PAIR_CALL, (0x12345800), RV_PAIR ra, ra, (0x12345800)
	INSN_REF REF_RV_PAIR_CALL, (0x12345ffe), RV_PAIR ra, ra, (0x12345ffe)
	INSN_REF REF_RV_PAIR_CALL, (0x7ffff7fe), RV_PAIR ra, ra, (0x7ffff7fe)
	INSN_REF REF_RV_PAIR_CALL, (-0x80000800), RV_PAIR ra, ra, (-0x80000800)
	INSN_REF REF_RV_PAIR_TAIL, (0x800), RV_PAIR x0, t1, (0x800)
	INSN_REF REF_RV_PAIR_TAIL, (0x7ffff7fe), RV_PAIR x0, t1, (0x7ffff7fe)
	INSN_REF REF_RV_PAIR_TAIL, (-0x80000800), RV_PAIR x0, t1, (-0x80000800)
	INSN_REF REF_RV_PAIR_T0, (-0x12345800), RV_PAIR t0, t0, (-0x12345800)
	INSN_REF REF_RV_PAIR_T0, (0x7ffff000), RV_PAIR t0, t0, (0x7ffff000)
	INSN_REF_TABLE_END
