// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program on riscv64 (traced_riscv.S), for the E-Trace
 * tests: the site is NOP or JAL x0, decode_alt.  Run under qemu-riscv64
 * on other hosts.
 */
#include "prog.h"

#define RV_NOP_WORD	0x00000013u	/* ADDI x0, x0, 0 */

uint32_t prog_site_original(void)
{
	return RV_NOP_WORD;
}

/* JAL x0, decode_alt at decode_site (J-type: imm[20|10:1|11|19:12]). */
uint32_t prog_site_branch(void)
{
	uint32_t off = (uint32_t)(decode_alt - decode_site);

	return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3ff) << 21 | ((off >> 11) & 1) << 20 |
	       ((off >> 12) & 0xff) << 12 | 0x6f;
}
