// SPDX-License-Identifier: GPL-2.0
/*
 * From the program's log to its trace and its expected steps; the shape
 * of each version is traced_riscv.S's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path_riscv.h"

/*
 * traced_riscv.S: the site (NOP 4, or C.NOP 2), C.LI 2, C.BEQZ 2, AUIPC 4,
 * ADDI 4, C.JR 2; at alt C.LI 2, C.J 2; then done.
 */
#define BODY_LEN	14
#define ALT_LEN		4

/* The site's length, from where decode_alt is. */
static unsigned int site_len(const struct path *p)
{
	return p->alt - p->site - BODY_LEN;
}

int path_load(const char *log, struct path *p)
{
	int err = poked_log_load(log, p);

	if (!err && (p->site != p->work || p->alt < p->site + BODY_LEN ||
		     (site_len(p) != 2 && site_len(p) != 4) || p->done != p->alt + ALT_LEN))
		err = -EINVAL;
	return err;
}

/*
 * From where the call's traced code began (the site, or where the trap
 * handler resumed it) to the return: NOP leaves through C.JR a1 (its
 * target reported with the one not-taken C.BEQZ), JAL reaches the
 * return by inferable jumps only, so the return's address is reported
 * because tracing ends there (ended_rep rather than ended_ntr).
 */
static void trace_body(const struct path *p, const struct path_call *c, struct etrace_stream *s)
{
	if (c->version == PATH_NOP) {
		etrace_enc_branches_address(s, 1, 0x1, p->done, false);
		etrace_enc_support(s, ETRACE_ENC_ENDED_NTR, 0);
	} else {
		etrace_enc_address(s, p->done, false);
		etrace_enc_support(s, ETRACE_ENC_ENDED_REP, 0);
	}
}

int path_trace(const struct path *p, struct etrace_stream *s)
{
	size_t i;

	for (i = 0; i < p->nr_calls; i++) {
		const struct path_call *c = &p->calls[i];

		if (c->trapped) {
			/*
			 * EBREAK at the site: nothing retired, the EPC in the packet; the
			 * handler is not traced, and tracing starts again where it resumed
			 * the call after emulating the new instruction.
			 */
			etrace_enc_trap(s, c->time, ETRACE_ENC_ECAUSE_BREAKPOINT, false, p->site,
					p->site);
			etrace_enc_support(s, ETRACE_ENC_ENDED_REP, 0);
			etrace_enc_start(s, c->time,
					 c->version == PATH_NOP ? p->site + site_len(p) : p->alt, false);
		} else {
			etrace_enc_start(s, c->time, p->site, false);
		}
		trace_body(p, c, s);
	}
	return s->failed ? -ENOMEM : 0;
}

static size_t add(struct path_step *out, size_t n, size_t max, uint64_t addr, bool trap)
{
	if (n < max) {
		out[n].addr = addr;
		out[n].trap = trap;
	}
	return n + 1;
}

size_t path_steps(const struct path *p, struct path_step *out, size_t max)
{
	/* After the site: C.LI, C.BEQZ, AUIPC, ADDI, C.JR a1. */
	static const unsigned int body_offsets[] = { 0, 2, 4, 8, 12 };
	size_t i, j, n = 0;

	for (i = 0; i < p->nr_calls; i++) {
		const struct path_call *c = &p->calls[i];

		/* The site: its instruction ran, or it trapped and the handler ran it. */
		n = add(out, n, max, p->site, c->trapped);
		if (c->version == PATH_NOP) {
			for (j = 0; j < sizeof(body_offsets) / sizeof(body_offsets[0]); j++)
				n = add(out, n, max, p->site + site_len(p) + body_offsets[j], false);
		} else {
			n = add(out, n, max, p->alt, false);		/* C.LI */
			n = add(out, n, max, p->alt + 2, false);	/* C.J */
		}
		n = add(out, n, max, p->done, false);			/* C.JR ra */
	}
	return n;
}
