// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64: no stubs yet, so calls at the PLT are not traced on this arch
 * (plt.c hooks no slot; the program's own functions are traced as ever).
 */
#include <errno.h>
#include <stdint.h>

#include <elf.h>

#include "../../plt.h"

const bool plt_arch_ret_in_place = false;
const uint32_t plt_arch_jump_slot = R_AARCH64_JUMP_SLOT;

int plt_arch_write_stub(void *at, const struct plt_slot *slot)
{
	(void)at;
	(void)slot;
	return -EOPNOTSUPP;
}

void agent_plt_entry(void)
{
}

void agent_plt_return(void)
{
}
