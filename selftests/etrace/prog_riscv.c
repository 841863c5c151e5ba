// SPDX-License-Identifier: GPL-2.0
/*
 * The decode tests' program on riscv64 (traced_riscv.S), for the E-Trace
 * tests.  decode_work's site is NOP or JAL x0, decode_alt.  Run with
 * "parcel", the program pokes decode_parcel_site instead, a 2-byte C.NOP:
 * the library writes nothing else in 2 bytes (C.J is not one of its
 * instructions), so its pokes write C.NOP again, with the backends that
 * can (nosync needs an aligned 4-byte word), and what they leave in the
 * trace is their windows.  Run under qemu-riscv64 on other hosts.
 */
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "prog.h"

long decode_parcel_work(void);
extern char decode_parcel_site[], decode_parcel_alt[], decode_parcel_done[];

/* JAL x0, decode_alt at decode_site (J-type: imm[20|10:1|11|19:12]). */
static uint32_t site_branch(void)
{
	uint32_t off = (uint32_t)(decode_alt - decode_site);

	return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3ff) << 21 | ((off >> 11) & 1) << 20 |
	       ((off >> 12) & 0xff) << 12 | RV_OPCODE_JAL;
}

static void word_work(struct prog_work *w)
{
	uint32_t nop = RV_NOP, jal = site_branch();

	*w = (struct prog_work){
		.fn = decode_work, .site = decode_site, .alt = decode_alt, .done = decode_done,
		.len = RV_INSN_LEN, .plan = prog_every_backend, .nr_plan = PROG_EVERY_BACKEND,
	};
	memcpy(w->original, &nop, RV_INSN_LEN);
	memcpy(w->branch, &jal, RV_INSN_LEN);
}

static void parcel_work(struct prog_work *w)
{
	static const enum tp_backend plan[] = {
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
		TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	uint16_t c_nop = RV_C_NOP;

	*w = (struct prog_work){
		.fn = decode_parcel_work, .site = decode_parcel_site, .alt = decode_parcel_alt,
		.done = decode_parcel_done, .len = RV_C_INSN_LEN, .plan = plan,
		.nr_plan = sizeof(plan) / sizeof(plan[0]),
	};
	memcpy(w->original, &c_nop, RV_C_INSN_LEN);
	memcpy(w->branch, &c_nop, RV_C_INSN_LEN);
}

int prog_work(const char *name, struct prog_work *w)
{
	if (!name)
		word_work(w);
	else if (!strcmp(name, "parcel"))
		parcel_work(w);
	else
		return -EINVAL;
	return 0;
}
