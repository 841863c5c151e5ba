// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64: a GOT slot's stub, 32 bytes.
 *	endbr64
 *	movabs	$slot, %r11
 *	jmp	*0(%rip)
 *	.quad	agent_plt_entry
 * %r11 is scratch at a call and carries no argument; the absolute jump
 * does not care where the stub's page was mapped.
 */
#include <stdint.h>
#include <string.h>

#include <elf.h>

#include "../../plt.h"

const bool plt_arch_ret_in_place = true;
const uint32_t plt_arch_jump_slot = R_X86_64_JUMP_SLOT;

/* The resolver finds the slot by itself (x86: pushed index; arm64: x16). */
uintptr_t plt_arch_slot_word(uintptr_t got, uintptr_t pltgot)
{
	(void)got;
	(void)pltgot;
	return 0;
}

int plt_arch_write_stub(void *at, const struct plt_slot *slot)
{
	static const uint8_t endbr64[] = { 0xf3, 0x0f, 0x1e, 0xfa };
	static const uint8_t jmp_rip[] = { 0xff, 0x25, 0, 0, 0, 0 };
	uint64_t slot_addr = (uintptr_t)slot, entry = (uintptr_t)agent_plt_entry;
	uint8_t *p = at;

	memset(p, 0xcc, PLT_STUB_SIZE);		/* int3 in the padding */
	memcpy(p, endbr64, sizeof(endbr64));
	p += sizeof(endbr64);
	*p++ = 0x49;				/* REX.W+B */
	*p++ = 0xbb;				/* mov imm64, %r11 */
	memcpy(p, &slot_addr, 8);
	p += 8;
	memcpy(p, jmp_rip, sizeof(jmp_rip));
	p += sizeof(jmp_rip);
	memcpy(p, &entry, 8);
	return 0;
}
