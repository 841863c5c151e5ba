// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: one arch's instruction decoder (arch/<arch>/insn.c,
 * built for the host with its hooks renamed, as textpoke-sites builds
 * it).  The input is the code; a decode must stay inside it.
 */
#include <stdint.h>
#include <stdlib.h>

#include <textpoke/textpoke.h>

#include "../textpoke/arch.h"
#include "../textpoke/insn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct insn insn;
	/* Where the code would be: aligned for every arch, far from 0. */
	uintptr_t pc = 0x400000;

	if (arch_insn_decode(data, size, pc, &insn) >= 0 &&
	    (insn.len == 0 || insn.len > size || insn.len > TP_MAX_INSN_LEN))
		abort();
	return 0;
}
