/* SPDX-License-Identifier: GPL-2.0 */
#include "ref_arm64.h"

	/* BTI is an Armv8.5 instruction */
	.arch armv8.5-a

	INSN_REF_TABLE_BEGIN
	INSN_REF REF_NOP, (0), nop
	INSN_REF REF_NOP, (0), hint #0
	INSN_REF REF_TRAP, (0), brk #0
	INSN_REF REF_TRAP, (0), brk #0x4
	INSN_REF REF_TRAP, (0), brk #0xffff
	/* imm26 words reach [-2^27, 2^27 - 4] from the instruction itself */
	INSN_REF REF_JUMP, (0), b .
	INSN_REF REF_JUMP, (4), b . + 4
	INSN_REF REF_JUMP, (-4), b . - 4
	INSN_REF REF_JUMP, (0x1234), b . + 0x1234
	INSN_REF REF_JUMP, (0x7fffffc), b . + 0x7fffffc
	INSN_REF REF_JUMP, (-0x8000000), b . - 0x8000000
	INSN_REF REF_CALL, (0), bl .
	INSN_REF REF_CALL, (8), bl . + 8
	INSN_REF REF_CALL, (-0x4320), bl . - 0x4320
	INSN_REF REF_CALL, (0x7fffffc), bl . + 0x7fffffc
	INSN_REF REF_CALL, (-0x8000000), bl . - 0x8000000
	INSN_REF REF_A64_MOV_X9_X30, (0), mov x9, x30
	INSN_REF REF_A64_MOV_X9_X30, (0), orr x9, xzr, x30
	INSN_REF REF_A64_BTI_C, (0), bti c
	INSN_REF REF_A64_BTI_C, (0), hint #34
	INSN_REF REF_A64(REF_A64_BR,0,16), (0), br x16
	INSN_REF REF_A64(REF_A64_BR,0,0), (0), br x0
	INSN_REF REF_A64(REF_A64_BR,0,30), (0), br x30
	INSN_REF REF_A64(REF_A64_BLR,0,17), (0), blr x17
	INSN_REF REF_A64(REF_A64_BLR,0,9), (0), blr x9
	/* imm19 words reach [-2^20, 2^20 - 4] */
	INSN_REF REF_A64(REF_A64_LDR_LIT,16,0), (8), ldr x16, . + 8
	INSN_REF REF_A64(REF_A64_LDR_LIT,0,0), (0), ldr x0, .
	INSN_REF REF_A64(REF_A64_LDR_LIT,30,0), (-12), ldr x30, . - 12
	INSN_REF REF_A64(REF_A64_LDR_LIT,17,0), (0xffffc), ldr x17, . + 0xffffc
	INSN_REF REF_A64(REF_A64_LDR_LIT,9,0), (-0x100000), ldr x9, . - 0x100000
	/* imm12 scaled by 8: [0, 32760] */
	INSN_REF REF_A64(REF_A64_LDR_IMM,16,17), (0), ldr x16, [x17]
	INSN_REF REF_A64(REF_A64_LDR_IMM,16,17), (8), ldr x16, [x17, #8]
	INSN_REF REF_A64(REF_A64_LDR_IMM,0,31), (0x100), ldr x0, [sp, #0x100]
	INSN_REF REF_A64(REF_A64_LDR_IMM,30,29), (32760), ldr x30, [x29, #32760]
	/* simm9: [-256, 255], any alignment */
	INSN_REF REF_A64(REF_A64_LDUR,16,17), (0), ldur x16, [x17]
	INSN_REF REF_A64(REF_A64_LDUR,16,17), (-8), ldur x16, [x17, #-8]
	INSN_REF REF_A64(REF_A64_LDUR,1,2), (3), ldur x1, [x2, #3]
	INSN_REF REF_A64(REF_A64_LDUR,9,31), (-256), ldur x9, [sp, #-256]
	INSN_REF REF_A64(REF_A64_LDUR,30,0), (255), ldur x30, [x0, #255]
	INSN_REF_TABLE_END
