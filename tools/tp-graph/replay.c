// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A graph recording as a person reads it:
 *
 *	 4242)               |  parse() {
 *	 4242)     0.250 us  |    lex();
 *	 4242)     2.900 us  |  }
 *
 * with the name of the function in a comment after each closing brace,
 * and on request its return value (` = 3;`, from the return registers
 * recorded).  A call with nothing recorded inside it is one line.
 * Entries are matched to returns by function and entry time, not by
 * position: a call recorded as left without returning, or whose return
 * is missing when a call below it returns, shows as unwound.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/fgraph_record.h>

#include "replay.h"

struct symbol {
	uint64_t addr;
	const char *name;
	uint32_t len;
};

/* An entry or a return, with the return registers recorded after it. */
struct event {
	struct tp_fgraph_record rec;
	bool has_retval;
	struct tp_fgraph_retval retval;
};

struct recording {
	struct symbol *syms;
	size_t nr_syms;
	struct event *events;		/* entries and returns, file order */
	size_t nr_events;
	FILE *out, *err;
	const struct replay_opts *opts;
};

static int bad(struct recording *r, const char *what, size_t offset)
{
	fprintf(r->err, "tp-graph: %s at byte %zu\n", what, offset);
	return -EINVAL;
}

static int compare_syms(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static const struct symbol *symbol_of(const struct recording *r, uint64_t addr)
{
	size_t lo = 0, hi = r->nr_syms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nr_syms && r->syms[lo].addr == addr ? &r->syms[lo] : NULL;
}

static void print_name(const struct recording *r, uint64_t addr)
{
	const struct symbol *s = symbol_of(r, addr);

	if (s)
		fprintf(r->out, "%.*s", (int)s->len, s->name);
	else
		fprintf(r->out, "0x%llx", (unsigned long long)addr);
}

static void print_prefix(const struct recording *r, uint32_t tid, const uint64_t *ns,
			 size_t depth)
{
	if (ns)
		fprintf(r->out, "%7u) %9.3f us  |  %*s", tid, *ns / 1000.0, (int)(2 * depth), "");
	else
		fprintf(r->out, "%7u) %12s  |  %*s", tid, "", (int)(2 * depth), "");
}

/* The return registers after a return: attached to it. */
static int parse_retval(struct recording *r, const unsigned char *buf, size_t at)
{
	struct event *last = r->nr_events ? &r->events[r->nr_events - 1] : NULL;
	struct tp_fgraph_retval v;

	memcpy(&v, buf + at, sizeof(v));
	if (!last || last->rec.type != TP_FGRAPH_RETURN || last->rec.tid != v.tid ||
	    last->has_retval || (last->rec.flags & TP_FGRAPH_RECORD_UNWOUND))
		return bad(r, "return value without its return", at);
	last->has_retval = true;
	last->retval = v;
	return 0;
}

/* The buffer may have any alignment: records are copied out of it. */
static int parse(struct recording *r, const unsigned char *buf, size_t len)
{
	struct tp_fgraph_file_header h;
	struct tp_fgraph_record copy, *rec = &copy;
	size_t off = sizeof(h), cap_syms = 0, cap_events = 0;
	int err;

	if (len < sizeof(h))
		return bad(r, "not a textpoke graph recording", 0);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, TP_FGRAPH_MAGIC, sizeof(h.magic)))
		return bad(r, "not a textpoke graph recording", 0);
	if (h.version < 1 || h.version > TP_FGRAPH_VERSION ||
	    h.record_size != sizeof(struct tp_fgraph_record))
		return bad(r, "unknown recording version", 8);
	while (off < len) {
		size_t at = off;

		if (len - off < sizeof(*rec))
			return bad(r, "truncated record", off);
		memcpy(rec, buf + off, sizeof(*rec));
		off += sizeof(*rec);
		if (rec->type == TP_FGRAPH_SYMBOL) {
			size_t padded = ((size_t)rec->len + 7) & ~(size_t)7;

			if (!rec->len || padded > len - off)
				return bad(r, "bad symbol length", at);
			if (r->nr_syms == cap_syms) {
				void *p = realloc(r->syms, (cap_syms = cap_syms * 2 + 64) * sizeof(*r->syms));

				if (!p)
					return -ENOMEM;
				r->syms = p;
			}
			r->syms[r->nr_syms++] = (struct symbol){ rec->func, (const char *)buf + off,
								 rec->len };
			off += padded;
		} else if (rec->type == TP_FGRAPH_ENTRY || rec->type == TP_FGRAPH_RETURN) {
			if (rec->type == TP_FGRAPH_RETURN && rec->rettime < rec->calltime)
				return bad(r, "return before its entry", at);
			if (h.version < 2)
				rec->flags = 0;
			if (r->nr_events == cap_events) {
				void *p = realloc(r->events,
						  (cap_events = cap_events * 2 + 256) * sizeof(*r->events));

				if (!p)
					return -ENOMEM;
				r->events = p;
			}
			r->events[r->nr_events++] = (struct event){ .rec = *rec };
		} else if (rec->type == TP_FGRAPH_RETVAL && h.version >= 2) {
			err = parse_retval(r, buf, at);
			if (err)
				return err;
		} else {
			return bad(r, "unknown record type", at);
		}
	}
	if (r->nr_syms)
		qsort(r->syms, r->nr_syms, sizeof(*r->syms), compare_syms);
	return 0;
}

static bool same_call(const struct tp_fgraph_record *a, const struct tp_fgraph_record *b)
{
	return a->func == b->func && a->calltime == b->calltime;
}

static bool unwound(const struct event *ret)
{
	return ret->rec.flags & TP_FGRAPH_RECORD_UNWOUND;
}

/* " = value" as the options ask, from a return's registers: whether printed. */
static bool print_retval(const struct recording *r, const struct event *ret)
{
	double d;

	if (!ret || !ret->has_retval)
		return false;
	switch (r->opts->retval) {
	case REPLAY_RETVAL_INT:
		fprintf(r->out, " = %d", (int)(uint32_t)ret->retval.ints[0]);
		return true;
	case REPLAY_RETVAL_LONG:
		fprintf(r->out, " = %lld", (long long)ret->retval.ints[0]);
		return true;
	case REPLAY_RETVAL_HEX:
		fprintf(r->out, " = %#llx", (unsigned long long)ret->retval.ints[0]);
		return true;
	case REPLAY_RETVAL_FP:
		memcpy(&d, &ret->retval.fp_bits[0], sizeof(d));
		fprintf(r->out, " = %g", d);
		return true;
	default:
		return false;
	}
}

/* The next event of @tid after index @i, or NULL. */
static const struct event *next_of(const struct recording *r, size_t i, uint32_t tid, size_t *at)
{
	for (i++; i < r->nr_events; i++)
		if (r->events[i].rec.tid == tid) {
			*at = i;
			return &r->events[i];
		}
	return NULL;
}

/* The closing brace of @entry's call: returned (@ret), or unwound. */
static void close_call(const struct recording *r, const struct tp_fgraph_record *entry,
		       const uint64_t *ns, size_t depth, const struct event *ret)
{
	print_prefix(r, entry->tid, ns, depth);
	fputs("}", r->out);
	fputs(print_retval(r, ret) ? "; /* " : " /* ", r->out);
	print_name(r, entry->func);
	fputs(ret ? " */\n" : ": unwound */\n", r->out);
}

/* A return: close what it unwound past, then its own call. */
static void replay_return(const struct recording *r, const struct event *ret,
			  const struct tp_fgraph_record **stack, size_t *depth)
{
	size_t i = *depth;
	uint64_t ns = ret->rec.rettime - ret->rec.calltime;

	while (i && !same_call(stack[i - 1], &ret->rec))
		i--;
	if (!i) {
		print_prefix(r, ret->rec.tid, unwound(ret) ? NULL : &ns, 0);
		fputs("/* return of ", r->out);
		print_name(r, ret->rec.func);
		fputs(", entered before the recording */\n", r->out);
		return;
	}
	while (*depth > i) {
		(*depth)--;
		close_call(r, stack[*depth], NULL, *depth, NULL);
	}
	(*depth)--;
	if (unwound(ret))
		close_call(r, &ret->rec, NULL, *depth, NULL);
	else
		close_call(r, &ret->rec, &ns, *depth, ret);
}

/* A call with nothing inside it: one line. */
static void replay_leaf(const struct recording *r, const struct event *ret, size_t depth)
{
	uint64_t ns = ret->rec.rettime - ret->rec.calltime;

	print_prefix(r, ret->rec.tid, unwound(ret) ? NULL : &ns, depth);
	print_name(r, ret->rec.func);
	fputs("()", r->out);
	print_retval(r, ret);
	fputs(unwound(ret) ? "; /* unwound */\n" : ";\n", r->out);
}

static int replay_thread(const struct recording *r, uint32_t tid)
{
	const struct tp_fgraph_record **stack = NULL;
	size_t depth = 0, cap = 0, i, at;

	fprintf(r->out, "# thread %u\n", tid);
	for (i = 0; i < r->nr_events; i++) {
		const struct event *e = &r->events[i], *next;

		if (e->rec.tid != tid)
			continue;
		if (e->rec.type == TP_FGRAPH_RETURN) {
			replay_return(r, e, stack, &depth);
			continue;
		}
		next = next_of(r, i, tid, &at);
		if (next && next->rec.type == TP_FGRAPH_RETURN && same_call(&e->rec, &next->rec)) {
			replay_leaf(r, next, depth);
			i = at;
			continue;
		}
		print_prefix(r, tid, NULL, depth);
		print_name(r, e->rec.func);
		fputs("() {\n", r->out);
		if (depth == cap) {
			void *p = realloc(stack, (cap = cap * 2 + 64) * sizeof(*stack));

			if (!p) {
				free(stack);
				return -ENOMEM;
			}
			stack = p;
		}
		stack[depth++] = &e->rec;
	}
	while (depth) {
		depth--;
		print_prefix(r, tid, NULL, depth);
		fputs("} /* ", r->out);
		print_name(r, stack[depth]->func);
		fputs(": still running */\n", r->out);
	}
	free(stack);
	return 0;
}

static int compare_tids(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The threads of the recording, each once, in order of their numbers. */
static uint32_t *threads_of(const struct recording *r, size_t *nr)
{
	uint32_t *tids = malloc((r->nr_events + 1) * sizeof(*tids));
	size_t i, n = 0;

	if (!tids)
		return NULL;
	for (i = 0; i < r->nr_events; i++)
		tids[i] = r->events[i].rec.tid;
	qsort(tids, r->nr_events, sizeof(*tids), compare_tids);
	for (i = 0; i < r->nr_events; i++)
		if (!n || tids[n - 1] != tids[i])
			tids[n++] = tids[i];
	*nr = n;
	return tids;
}

int graph_replay(FILE *out, FILE *err, const void *buf, size_t len,
		 const struct replay_opts *opts)
{
	struct recording r = { .out = out, .err = err, .opts = opts };
	uint32_t *tids = NULL;
	size_t i, nr = 0;
	int ret = parse(&r, buf, len);

	if (!ret && !(tids = threads_of(&r, &nr)))
		ret = -ENOMEM;
	for (i = 0; i < nr && !ret; i++)
		if (!opts->tid || tids[i] == opts->tid)
			ret = replay_thread(&r, tids[i]);
	free(tids);
	free(r.syms);
	free(r.events);
	return ret;
}
