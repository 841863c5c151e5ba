// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * riscv64: a GOT slot's stub, 32 bytes.
 *	auipc	t0, 0
 *	ld	t2, 24(t0)	agent_plt_entry
 *	ld	t0, 16(t0)	the slot
 *	jr	t2
 *	.quad	slot
 *	.quad	agent_plt_entry
 * The return address stays in ra, where agent_plt_entry saves it: once
 * swapped it is the callee's to save, so an unwinder cannot be given
 * the real one back (plt.c).
 */
#include <stdint.h>
#include <string.h>

#include <elf.h>

#include "../../plt.h"

const bool plt_arch_ret_in_place = false;
const uint32_t plt_arch_jump_slot = R_RISCV_JUMP_SLOT;

/*
 * A slot still lazily bound holds the address of PLT0, which finds the
 * slot's relocation from t1, the return address of the slot's own PLT
 * entry's `jalr t1, t3` (entry n at PLT0 + 32 + 16 n, t1 12 bytes in);
 * n counts the words of .got.plt after its two reserved ones.  This is
 * t1 - PLT0: agent_plt_entry adds it to the target.
 */
uintptr_t plt_arch_slot_word(uintptr_t got, uintptr_t pltgot)
{
	uintptr_t n = (got - pltgot) / sizeof(uintptr_t) - 2;

	return 32 + 16 * n + 12;
}

int plt_arch_write_stub(void *at, const struct plt_slot *slot)
{
	static const uint32_t insns[] = {
		0x00000297,	/* auipc t0, 0 */
		0x0182b383,	/* ld t2, 24(t0) */
		0x0102b283,	/* ld t0, 16(t0) */
		0x00038067,	/* jr t2 */
	};
	uint64_t slot_addr = (uintptr_t)slot, entry = (uintptr_t)agent_plt_entry;
	uint8_t *p = at;

	memcpy(p, insns, sizeof(insns));
	memcpy(p + 16, &slot_addr, 8);
	memcpy(p + 24, &entry, 8);
	return 0;
}
