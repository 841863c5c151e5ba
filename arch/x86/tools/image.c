// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 for the trace decoders' code image (perf-glue/image/code_arch.h):
 * the trap a site gets is this arch's own choice.  Built for the host
 * with this arch's arch_* names prefixed (perf-glue/Makefile.inc).
 */
#include <elf.h>
#include <string.h>

#include "../../../textpoke/arch.h"
#include "../../../perf-glue/image/code_arch.h"

/*
 * The direct branches a compiler emits: JMP and Jcc with rel8 or rel32,
 * CALL rel32, each as the only opcode byte(s) of @insn.
 */
static bool direct_branch_target(const uint8_t *insn, size_t len, uint64_t pc,
				 uint64_t *target)
{
	int32_t rel32;

	if (len == 2 && (insn[0] == 0xeb || (insn[0] & 0xf0) == 0x70)) {
		*target = pc + 2 + (uint64_t)(int64_t)(int8_t)insn[1];
		return true;
	}
	if (len == 5 && (insn[0] == 0xe9 || insn[0] == 0xe8)) {
		memcpy(&rel32, insn + 1, 4);
		*target = pc + 5 + (uint64_t)(int64_t)rel32;
		return true;
	}
	if (len == 6 && insn[0] == 0x0f && (insn[1] & 0xf0) == 0x80) {
		memcpy(&rel32, insn + 2, 4);
		*target = pc + 6 + (uint64_t)(int64_t)rel32;
		return true;
	}
	return false;
}

const struct code_arch code_arch_x86 = {
	.machine = EM_X86_64,
	.trap_insn = arch_trap_insn,
	.direct_branch_target = direct_branch_target,
};
