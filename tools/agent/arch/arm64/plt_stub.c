// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64: a GOT slot's stub, 32 bytes.
 *	ldr	x16, 1f		the slot
 *	ldr	x17, 2f		agent_plt_entry
 *	br	x17
 *	nop
 * 1:	.quad	slot
 * 2:	.quad	agent_plt_entry
 * x16 and x17 are the intra-procedure-call scratch registers the PLT
 * itself uses.  The return address stays in x30, where
 * agent_plt_entry saves it: once swapped it is the callee's to save, so
 * an unwinder cannot be given the real one back (plt.c).
 */
#include <stdint.h>
#include <string.h>

#include <elf.h>

#include "../../plt.h"

const bool plt_arch_ret_in_place = false;
const uint32_t plt_arch_jump_slot = R_AARCH64_JUMP_SLOT;

/* The resolver finds the slot by itself (x86: pushed index; arm64: x16). */
uintptr_t plt_arch_slot_word(uintptr_t got, uintptr_t pltgot)
{
	(void)got;
	(void)pltgot;
	return 0;
}

int plt_arch_write_stub(void *at, const struct plt_slot *slot)
{
	static const uint32_t insns[] = {
		0x58000090,	/* ldr x16, #16 */
		0x580000b1,	/* ldr x17, #20: at 4, the word at 24 */
		0xd61f0220,	/* br x17 */
		0xd503201f,	/* nop */
	};
	uint64_t slot_addr = (uintptr_t)slot, entry = (uintptr_t)agent_plt_entry;
	uint8_t *p = at;

	memcpy(p, insns, sizeof(insns));
	memcpy(p + 16, &slot_addr, 8);
	memcpy(p + 24, &entry, 8);
	return 0;
}
