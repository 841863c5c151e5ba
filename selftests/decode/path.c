// SPDX-License-Identifier: GPL-2.0
/*
 * From the program's log to its trace and its expected ranges; the shape
 * of each version is traced_arm64.S's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "path.h"

static int parse_line(const char *line, struct path *p)
{
	unsigned long long a, b, c, d;
	int version;

	if (sscanf(line, "work %llx %llx %llx %llx", &a, &b, &c, &d) == 4) {
		p->work = a;
		p->site = b;
		p->alt = c;
		p->done = d;
		return 0;
	}
	if (sscanf(line, "call %llu %d", &a, &version) == 2) {
		if (p->nr_calls == PATH_MAX_CALLS || (version != PATH_NOP && version != PATH_BRANCH))
			return -EINVAL;
		p->calls[p->nr_calls].time = a;
		p->calls[p->nr_calls].version = version;
		p->calls[p->nr_calls].trapped = false;
		p->nr_calls++;
		return 0;
	}
	if (sscanf(line, "poke %d", &version) == 1 && p->nr_pokes < PATH_MAX_CALLS) {
		p->pokes[p->nr_pokes++] = version;
		return 0;
	}
	return -EINVAL;
}

int path_load(const char *log, struct path *p)
{
	char line[256];
	int err = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	f = fopen(log, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_line(line, p);
	fclose(f);
	/* traced_arm64.S: the site first, decode_alt 20 bytes on, decode_done 8 more. */
	if (!err && (!p->nr_calls || p->site != p->work || p->alt != p->site + 20 ||
		     p->done != p->alt + 8))
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
