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
 *
 * A call is named from the object that was loaded at its address when
 * it was made: objects come and go (dlopen(), dlclose()), and another
 * one may be loaded where one was.  C++ names are demangled.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/fgraph_record.h>

#include "replay.h"

/* libstdc++'s demangler: abi::__cxa_demangle() of the C++ ABI, C linkage. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

#define NO_OBJECT	SIZE_MAX		/* version 1: symbols without objects */
#define STILL_LOADED	UINT64_MAX

struct object {
	uint32_t id;
	uint64_t base, loaded, unloaded;
	const uint8_t *build_id;
	uint32_t build_id_len;
	const char *path;
	uint32_t path_len;
	size_t at;				/* its record's offset */
};

struct unload {
	uint32_t id;
	uint64_t time;
	size_t at;
};

struct symbol {
	uint64_t addr;
	const char *name;
	uint32_t len;				/* 0: a function without a name */
	uint32_t object_id;
	size_t object;				/* index in objects, or NO_OBJECT */
	size_t at;
	char *demangled;			/* once asked for, when it is C++ */
	bool tried;
};

/* An entry or a return, with the return registers recorded after it. */
struct event {
	struct tp_fgraph_record rec;
	bool has_retval;
	struct tp_fgraph_retval retval;
};

struct recording {
	uint32_t version;
	struct symbol *syms;
	size_t nr_syms, cap_syms;
	struct object *objects;
	size_t nr_objects, cap_objects;
	struct unload *unloads;
	size_t nr_unloads, cap_unloads;
	struct event *events;			/* entries and returns, file order */
	size_t nr_events, cap_events;
	uint32_t last_type;			/* of the last record read */
	FILE *out, *err;
	const struct replay_opts *opts;
};

static int bad(const struct recording *r, const char *what, size_t offset)
{
	fprintf(r->err, "tp-graph: %s at byte %zu\n", what, offset);
	return -EINVAL;
}

/* @array, with room for one more element after its @nr, or NULL (@array stays). */
static void *grow(void *array, size_t nr, size_t *cap, size_t size)
{
	void *p;

	if (nr < *cap)
		return array;
	p = realloc(array, (*cap * 2 + 64) * size);
	if (p)
		*cap = *cap * 2 + 64;
	return p;
}

/* --- names ------------------------------------------------------------------- */

static const struct object *object_of(const struct recording *r, const struct symbol *s)
{
	return s->object == NO_OBJECT ? NULL : &r->objects[s->object];
}

/* Whether @s's object was loaded at @time. */
static bool symbol_live(const struct recording *r, const struct symbol *s, uint64_t time)
{
	const struct object *o = object_of(r, s);

	return !o || (o->loaded <= time && time < o->unloaded);
}

/* The function at @addr at @time: of the object loaded there then. */
static struct symbol *symbol_of(const struct recording *r, uint64_t addr, uint64_t time)
{
	size_t lo = 0, hi = r->nr_syms;
	struct symbol *found = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->syms[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->nr_syms && r->syms[lo].addr == addr; lo++)
		if (symbol_live(r, &r->syms[lo], time))
			found = &r->syms[lo];	/* the latest load, were there two */
	return found;
}

/* The C++ name @s stands for, or NULL: a C name, or not a valid one. */
static const char *demangled(const struct recording *r, struct symbol *s)
{
	char *name;
	int status = -1;

	if (r->opts->raw_names || s->len < 2 || memcmp(s->name, "_Z", 2))
		return NULL;
	if (!s->tried) {
		s->tried = true;
		name = strndup(s->name, s->len);
		if (name)
			s->demangled = __cxa_demangle(name, NULL, NULL, &status);
		free(name);
		if (status) {
			free(s->demangled);
			s->demangled = NULL;
		}
	}
	return s->demangled;
}

static const char *base_name(const struct object *o, uint32_t *len)
{
	const char *slash = memrchr(o->path, '/', o->path_len);
	const char *name = slash ? slash + 1 : o->path;

	*len = o->path_len - (name - o->path);
	return name;
}

/*
 * The function at @addr, called at @time, as a call ("f()", "ns::f(int)":
 * a demangled name has its parameters) or as a name ("f", "ns::f(int)"):
 * a function without a name is its object's file and its offset in it,
 * one not in the recording its address.
 */
static void print_name(const struct recording *r, uint64_t addr, uint64_t time, bool call)
{
	struct symbol *s = symbol_of(r, addr, time);
	const char *parens = call ? "()" : "";
	const struct object *o;
	const char *cxx, *name;
	uint32_t len;

	if (!s) {
		fprintf(r->out, "0x%llx%s", (unsigned long long)addr, parens);
	} else if ((cxx = demangled(r, s))) {
		fprintf(r->out, "%s%s", cxx, strchr(cxx, '(') ? "" : parens);
	} else if (s->len) {
		fprintf(r->out, "%.*s%s", (int)s->len, s->name, parens);
	} else if ((o = object_of(r, s))) {
		name = base_name(o, &len);
		fprintf(r->out, "%.*s+0x%llx%s", (int)len, name,
			(unsigned long long)(addr - o->base), parens);
	} else {
		fprintf(r->out, "0x%llx%s", (unsigned long long)addr, parens);
	}
}

/* --- reading ----------------------------------------------------------------- */

static int compare_syms(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int compare_objects(const void *a, const void *b)
{
	const struct object *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The index of the object numbered @id (objects sorted), or NO_OBJECT. */
static size_t object_index(const struct recording *r, uint32_t id)
{
	size_t lo = 0, hi = r->nr_objects;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->objects[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < r->nr_objects && r->objects[lo].id == id ? lo : NO_OBJECT;
}

/* What follows the record at @off, padded to 8: @len bytes, or -EINVAL. */
static int payload(const struct recording *r, size_t len, size_t buf_len, size_t *off,
		   size_t at, const char *what)
{
	size_t padded = (len + 7) & ~(size_t)7;

	if (padded > buf_len - *off)
		return bad(r, what, at);
	*off += padded;
	return 0;
}

static int parse_symbol(struct recording *r, const struct tp_fgraph_record *rec,
			const unsigned char *buf, size_t len, size_t *off, size_t at)
{
	const char *name = (const char *)buf + *off;
	struct symbol *syms;
	int err;

	/* Version 1 wrote only named functions. */
	if (r->version == 1 && !rec->len)
		return bad(r, "bad symbol length", at);
	err = payload(r, rec->len, len, off, at, "bad symbol length");
	if (err)
		return err;
	syms = grow(r->syms, r->nr_syms, &r->cap_syms, sizeof(*syms));
	if (!syms)
		return -ENOMEM;
	r->syms = syms;
	r->syms[r->nr_syms++] = (struct symbol){
		.addr = rec->func, .name = name, .len = rec->len,
		.object_id = r->version == 1 ? 0 : rec->object, .object = NO_OBJECT, .at = at,
	};
	return 0;
}

static int parse_load(struct recording *r, const unsigned char *buf, size_t len, size_t *off,
		      size_t at)
{
	const unsigned char *data = buf + *off;
	struct tp_fgraph_object o;
	struct object *objects;
	int err;

	memcpy(&o, buf + at, sizeof(o));
	if (o.build_id_len >= o.len)
		return bad(r, "bad object record", at);
	err = payload(r, o.len, len, off, at, "bad object record");
	if (err)
		return err;
	objects = grow(r->objects, r->nr_objects, &r->cap_objects, sizeof(*objects));
	if (!objects)
		return -ENOMEM;
	r->objects = objects;
	r->objects[r->nr_objects++] = (struct object){
		.id = o.object, .base = o.base, .loaded = o.time, .unloaded = STILL_LOADED,
		.build_id = data, .build_id_len = o.build_id_len,
		.path = (const char *)data + o.build_id_len, .path_len = o.len - o.build_id_len,
		.at = at,
	};
	return 0;
}

static int parse_unload(struct recording *r, const unsigned char *buf, size_t at)
{
	struct tp_fgraph_object o;
	struct unload *unloads;

	memcpy(&o, buf + at, sizeof(o));
	if (o.len || o.build_id_len)
		return bad(r, "bad object record", at);
	unloads = grow(r->unloads, r->nr_unloads, &r->cap_unloads, sizeof(*unloads));
	if (!unloads)
		return -ENOMEM;
	r->unloads = unloads;
	r->unloads[r->nr_unloads++] = (struct unload){ o.object, o.time, at };
	return 0;
}

static int parse_event(struct recording *r, struct tp_fgraph_record *rec, size_t at)
{
	struct event *events;

	if (rec->type == TP_FGRAPH_RETURN && rec->rettime < rec->calltime)
		return bad(r, "return before its entry", at);
	/* Version 1 had no flags: the field was a symbol's length only. */
	if (r->version == 1)
		rec->flags = 0;
	events = grow(r->events, r->nr_events, &r->cap_events, sizeof(*events));
	if (!events)
		return -ENOMEM;
	r->events = events;
	r->events[r->nr_events++] = (struct event){ .rec = *rec };
	return 0;
}

/*
 * The return registers, right after the return they belong to (one
 * write put both in the file): attached to it.
 */
static int parse_retval(struct recording *r, const unsigned char *buf, size_t at,
			uint32_t before)
{
	struct event *last = r->nr_events ? &r->events[r->nr_events - 1] : NULL;
	struct tp_fgraph_retval v;

	memcpy(&v, buf + at, sizeof(v));
	if (!last || before != TP_FGRAPH_RETURN || last->rec.tid != v.tid ||
	    last->has_retval || (last->rec.flags & TP_FGRAPH_RECORD_UNWOUND))
		return bad(r, "return value without its return", at);
	last->has_retval = true;
	last->retval = v;
	return 0;
}

static int parse_record(struct recording *r, const unsigned char *buf, size_t len, size_t *off)
{
	struct tp_fgraph_record rec;
	size_t at = *off;
	uint32_t before = r->last_type;

	if (len - at < sizeof(rec))
		return bad(r, "truncated record", at);
	memcpy(&rec, buf + at, sizeof(rec));
	*off += sizeof(rec);
	r->last_type = rec.type;
	switch (rec.type) {
	case TP_FGRAPH_SYMBOL:
		return parse_symbol(r, &rec, buf, len, off, at);
	case TP_FGRAPH_ENTRY:
	case TP_FGRAPH_RETURN:
		return parse_event(r, &rec, at);
	case TP_FGRAPH_LOAD:
		if (r->version > 1)
			return parse_load(r, buf, len, off, at);
		break;
	case TP_FGRAPH_UNLOAD:
		if (r->version > 1)
			return parse_unload(r, buf, at);
		break;
	case TP_FGRAPH_RETVAL:
		if (r->version > 1)
			return parse_retval(r, buf, at, before);
		break;
	}
	return bad(r, "unknown record type", at);
}

/* The objects by number, their unloads, the objects of the symbols. */
static int link_objects(struct recording *r)
{
	size_t i, o;

	if (r->nr_objects)
		qsort(r->objects, r->nr_objects, sizeof(*r->objects), compare_objects);
	for (i = 1; i < r->nr_objects; i++)
		if (r->objects[i].id == r->objects[i - 1].id)
			return bad(r, "object loaded twice", r->objects[i].at);
	for (i = 0; i < r->nr_unloads; i++) {
		const struct unload *u = &r->unloads[i];

		o = object_index(r, u->id);
		if (o == NO_OBJECT)
			return bad(r, "unload of an object never loaded", u->at);
		if (r->objects[o].unloaded != STILL_LOADED || u->time < r->objects[o].loaded)
			return bad(r, "bad unload", u->at);
		r->objects[o].unloaded = u->time;
	}
	for (i = 0; i < r->nr_syms && r->version > 1; i++) {
		r->syms[i].object = object_index(r, r->syms[i].object_id);
		if (r->syms[i].object == NO_OBJECT)
			return bad(r, "symbol of an object never loaded", r->syms[i].at);
	}
	return 0;
}

/* The buffer may have any alignment: records are copied out of it. */
static int parse(struct recording *r, const unsigned char *buf, size_t len)
{
	struct tp_fgraph_file_header h;
	size_t off = sizeof(h);
	int err = 0;

	if (len < sizeof(h))
		return bad(r, "not a textpoke graph recording", 0);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, TP_FGRAPH_MAGIC, sizeof(h.magic)))
		return bad(r, "not a textpoke graph recording", 0);
	if (h.version < 1 || h.version > TP_FGRAPH_VERSION) {
		fprintf(r->err, "tp-graph: recording version %u, this tp-graph reads 1 to %u\n",
			h.version, TP_FGRAPH_VERSION);
		return -EINVAL;
	}
	if (h.record_size != sizeof(struct tp_fgraph_record))
		return bad(r, "bad record size", 12);
	r->version = h.version;
	while (off < len && !err)
		err = parse_record(r, buf, len, &off);
	if (!err)
		err = link_objects(r);
	if (!err && r->nr_syms)
		qsort(r->syms, r->nr_syms, sizeof(*r->syms), compare_syms);
	return err;
}

/* --- printing ---------------------------------------------------------------- */

static void print_prefix(const struct recording *r, uint32_t tid, const uint64_t *ns,
			 size_t depth)
{
	if (ns)
		fprintf(r->out, "%7u) %9.3f us  |  %*s", tid, *ns / 1000.0, (int)(2 * depth), "");
	else
		fprintf(r->out, "%7u) %12s  |  %*s", tid, "", (int)(2 * depth), "");
}

static void print_time(const struct recording *r, const char *what, uint64_t ns)
{
	fprintf(r->out, ", %s %llu.%09llu s", what, (unsigned long long)(ns / 1000000000),
		(unsigned long long)(ns % 1000000000));
}

/* One line for each load of an object, in the order of their numbers. */
static void print_objects(const struct recording *r)
{
	size_t i, j;

	for (i = 0; i < r->nr_objects; i++) {
		const struct object *o = &r->objects[i];

		fprintf(r->out, "# object %u: %.*s, build-id ", o->id, (int)o->path_len, o->path);
		for (j = 0; j < o->build_id_len; j++)
			fprintf(r->out, "%02x", o->build_id[j]);
		fprintf(r->out, "%s, base 0x%llx", o->build_id_len ? "" : "none",
			(unsigned long long)o->base);
		if (o->loaded)
			print_time(r, "loaded", o->loaded);
		else
			fputs(", loaded before the recording", r->out);
		if (o->unloaded != STILL_LOADED)
			print_time(r, "unloaded", o->unloaded);
		fputc('\n', r->out);
	}
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
	print_name(r, entry->func, entry->calltime, false);
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
		print_name(r, ret->rec.func, ret->rec.calltime, false);
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
	print_name(r, ret->rec.func, ret->rec.calltime, true);
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
		print_name(r, e->rec.func, e->rec.calltime, true);
		fputs(" {\n", r->out);
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
		print_name(r, stack[depth]->func, stack[depth]->calltime, false);
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

static void recording_free(struct recording *r)
{
	size_t i;

	for (i = 0; i < r->nr_syms; i++)
		free(r->syms[i].demangled);
	free(r->syms);
	free(r->objects);
	free(r->unloads);
	free(r->events);
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
	if (!ret && opts->objects)
		print_objects(&r);
	for (i = 0; i < nr && !ret; i++)
		if (!opts->tid || tids[i] == opts->tid)
			ret = replay_thread(&r, tids[i]);
	free(tids);
	recording_free(&r);
	return ret;
}
