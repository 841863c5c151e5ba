// SPDX-License-Identifier: GPL-2.0
/*
 * From the program's log to its trace and its expected ranges; the shape
 * of each version is traced_arm64.S's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

int path_load(const char *log, struct path *p)
{
	int err = poked_log_load(log, p);

	/* traced_arm64.S: the site first, decode_alt 20 bytes on, decode_done 8 more. */
	if (!err && (p->site != p->work || p->alt != p->site + 20 || p->done != p->alt + 8))
		err = -EINVAL;
	return err;
}

/* A call that ran: the atoms and addresses of its version. */
static void trace_ran(const struct path *p, const struct path_call *c, struct etm4_stream *s)
{
	etm4_address(s, p->work);
	if (c->version == PATH_NOP) {
		etm4_atom(s, false);		/* CBZ */
		etm4_atom(s, true);		/* BR x1 */
		etm4_address(s, p->done);
	} else {
		etm4_atom(s, true);		/* B decode_alt */
		etm4_atom(s, true);		/* B decode_done */
	}
	etm4_atom(s, true);			/* RET: leaves the traced range */
}

/*
 * A call that hit the breakpoint: the BRK's exception, then (the handler
 * is not traced) trace on where the handler resumed it, after emulating
 * the new instruction: decode_alt for B, the next instruction for NOP.
 */
static void trace_trapped(const struct path *p, const struct path_call *c,
			  struct etm4_stream *s)
{
	etm4_address(s, p->work);
	etm4_exception(s, ETM4_EXCEPTION_INST_DEBUG, p->site);
	etm4_trace_on(s);
	if (c->version == PATH_NOP) {
		etm4_address(s, p->site + 4);
		etm4_atom(s, false);		/* CBZ */
		etm4_atom(s, true);		/* BR x1 */
		etm4_address(s, p->done);
	} else {
		etm4_address(s, p->alt);
		etm4_atom(s, true);		/* B decode_done */
	}
	etm4_atom(s, true);			/* RET */
}

int path_trace(const struct path *p, struct etm4_stream *s)
{
	size_t i;

	etm4_async(s);
	etm4_trace_info(s);
	for (i = 0; i < p->nr_calls; i++) {
		const struct path_call *c = &p->calls[i];

		etm4_timestamp(s, c->time);
		etm4_trace_on(s);
		/* The context, after the trace info; it stays the same afterwards. */
		if (!i)
			etm4_context(s, 0);
		if (c->trapped)
			trace_trapped(p, c, s);
		else
			trace_ran(p, c, s);
	}
	return s->failed ? -ENOMEM : 0;
}

static size_t add(struct path_range *out, size_t n, size_t max, uint64_t start, uint64_t end,
		  bool executed)
{
	if (n < max) {
		out[n].start = start;
		out[n].end = end;
		out[n].executed = executed;
	}
	return n + 1;
}

size_t path_ranges(const struct path *p, struct path_range *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr_calls; i++) {
		const struct path_call *c = &p->calls[i];

		if (c->version == PATH_NOP) {
			/* NOP, MOV, CBZ (from the site's successor when trapped) */
			n = add(out, n, max, c->trapped ? p->site + 4 : p->site, p->site + 12, false);
			n = add(out, n, max, p->site + 12, p->site + 20, true);	/* ADR, BR */
		} else {
			if (!c->trapped)
				n = add(out, n, max, p->site, p->site + 4, true);	/* B decode_alt */
			n = add(out, n, max, p->alt, p->alt + 8, true);		/* MOV, B */
		}
		n = add(out, n, max, p->done, p->done + 4, true);			/* RET */
	}
	return n;
}
