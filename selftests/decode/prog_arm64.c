// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program on arm64 (traced_arm64.S): the site is NOP
 * or B decode_alt.  Run under qemu-aarch64 on other hosts.
 */
#include "prog.h"

#define A64_NOP	0xd503201fu

uint32_t prog_site_original(void)
{
	return A64_NOP;
}

/* B decode_alt, at decode_site. */
uint32_t prog_site_branch(void)
{
	return 0x14000000u | (uint32_t)(((decode_alt - decode_site) >> 2) & 0x03ffffff);
}
