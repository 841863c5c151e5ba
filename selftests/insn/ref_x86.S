/* SPDX-License-Identifier: GPL-2.0 */
#include "ref.h"

	INSN_REF_TABLE_BEGIN
	INSN_REF REF_NOP, (0), .nops 1
	INSN_REF REF_NOP, (0), .nops 2
	INSN_REF REF_NOP, (0), .nops 3
	INSN_REF REF_NOP, (0), .nops 4
	INSN_REF REF_NOP, (0), .nops 5
	INSN_REF REF_NOP, (0), .nops 6
	INSN_REF REF_NOP, (0), .nops 7
	INSN_REF REF_NOP, (0), .nops 8, 8
	INSN_REF REF_TRAP, (0), int3
	/* rel8 reaches [-128, 127] from the end of the 2-byte JMP */
	INSN_REF REF_JUMP, (2), {disp8} jmp . + 2
	INSN_REF REF_JUMP, (2+127), {disp8} jmp . + 2 + 127
	INSN_REF REF_JUMP, (2-128), {disp8} jmp . + 2 - 128
	INSN_REF REF_JUMP, (0), {disp8} jmp .
	/* rel32 reaches [-2^31, 2^31 - 1] from the end of the 5-byte form */
	INSN_REF REF_JUMP, (5), {disp32} jmp . + 5
	INSN_REF REF_JUMP, (0x1234), {disp32} jmp . + 0x1234
	INSN_REF REF_JUMP, (5+0x7fffffff), {disp32} jmp . + 5 + 0x7fffffff
	INSN_REF REF_JUMP, (5-0x80000000), {disp32} jmp . + 5 - 0x80000000
	INSN_REF REF_CALL, (5), call . + 5
	INSN_REF REF_CALL, (-0x4321), call . - 0x4321
	INSN_REF REF_CALL, (5+0x7fffffff), call . + 5 + 0x7fffffff
	INSN_REF REF_CALL, (5-0x80000000), call . + 5 - 0x80000000
	INSN_REF_TABLE_END
