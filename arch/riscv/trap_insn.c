// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The riscv64 breakpoint of a site.  Apart from poke.c, whose signal
 * context code and cache flush build only for riscv64, so that the host
 * decoders can build the same choice for a trace of any architecture.
 */
#include <asm/insn.h>

#include "../../textpoke/arch.h"

/*
 * A whole EBREAK where one 4-byte store can put it; elsewhere C.EBREAK
 * over the first parcel, the rest of the site following as a tail.
 */
size_t arch_trap_insn(uint8_t *buf, uintptr_t addr, size_t len)
{
	if (len >= RV_INSN_LEN && addr % RV_INSN_LEN == 0)
		return rv_encode_ebreak(buf);
	return rv_encode_c_ebreak(buf);
}
