// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program on arm64 (traced_arm64.S): the site is NOP
 * or B decode_alt.  Run under qemu-aarch64 on other hosts.
 */
#include <errno.h>
#include <string.h>

#include "prog.h"

#define A64_NOP	0xd503201fu

int prog_work(const char *name, struct prog_work *w)
{
	/* B decode_alt, at decode_site. */
	uint32_t nop = A64_NOP,
		 b = 0x14000000u | (uint32_t)(((decode_alt - decode_site) >> 2) & 0x03ffffff);

	if (name)
		return -EINVAL;
	*w = (struct prog_work){
		.fn = decode_work, .site = decode_site, .alt = decode_alt, .done = decode_done,
		.len = 4, .plan = prog_every_backend, .nr_plan = PROG_EVERY_BACKEND,
	};
	memcpy(w->original, &nop, 4);
	memcpy(w->branch, &b, 4);
	return 0;
}
