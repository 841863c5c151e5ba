// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 for the trace decoders' code image (perf-glue/image/code_arch.h):
 * the trap a site gets is this arch's own choice.  Built for the host
 * with this arch's arch_* names prefixed (perf-glue/Makefile.inc).
 */
#include <elf.h>

#include "../../../textpoke/arch.h"
#include "../../../perf-glue/image/code_arch.h"

const struct code_arch code_arch_x86 = {
	.machine = EM_X86_64,
	.trap_insn = arch_trap_insn,
};
