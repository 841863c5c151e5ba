// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program on x86-64 (traced_x86.S), for the Intel PT
 * tests: decode_work's site is the library's NOP5 or JMP rel32
 * decode_alt.  x86 has no nosync backend (tp_poke refuses it), so the
 * plan is every backend x86 has, each both ways.  Runs natively.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "prog.h"

#define X86_JMP_REL32	0xe9

static const enum tp_backend plan[] = {
	TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	TP_BACKEND_STOP_MACHINE, TP_BACKEND_BREAKPOINT,
};

int prog_work(const char *name, struct prog_work *w)
{
	int32_t rel = (int32_t)(decode_alt - (decode_site + 5));

	if (name)
		return -EINVAL;
	*w = (struct prog_work){
		.fn = decode_work, .site = decode_site, .alt = decode_alt, .done = decode_done,
		.len = 5, .plan = plan, .nr_plan = sizeof(plan) / sizeof(plan[0]),
	};
	memcpy(w->original, decode_site, 5);
	w->branch[0] = X86_JMP_REL32;
	memcpy(&w->branch[1], &rel, 4);
	return 0;
}
