// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke-sites output.  Text: one line per site on stdout
 * ("file:addr symbol: kind detail"), one line per problem on stderr
 * ("file:addr symbol: what is wrong", or "file: what is wrong" for the
 * file as a whole), then a count per file.  JSON (--json): one document
 * on stdout with the same facts.  Names come from the file, so both
 * escape whatever could break a line or a string.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "sites.h"

static void put_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void put_json(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\u%04x", c);	/* keeps the output ASCII */
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *type_name(const struct sites_file *f)
{
	if (!f->opened)
		return NULL;
	switch (f->elf.type) {
	case ET_REL:
		return "rel";
	case ET_EXEC:
		return "exec";
	default:
		return "dyn";
	}
}

struct problem_order {
	const struct sites_file *f;
	const size_t *rank;	/* of each site, in address order */
};

static size_t problem_rank(const struct problem_order *o, size_t i)
{
	size_t site = o->f->problems[i].site;

	return site == NO_SITE ? 0 : o->rank[site] + 1;
}

static int compare_problems(const void *a, const void *b, void *arg)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	size_t rx = problem_rank(arg, x), ry = problem_rank(arg, y);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * Indices of the file's problems in output order: the file's own first,
 * then by the address of their site, each site's in the order found.
 * NULL when out of memory (then they come as found).
 */
static size_t *problems_in_order(const struct sites_file *f)
{
	size_t *rank = calloc(f->nr_sites + 1, sizeof(*rank));
	size_t *order = calloc(f->nr_problems + 1, sizeof(*order));
	size_t i;

	if (!rank || !order || (f->nr_sites && !f->order)) {
		free(rank);
		free(order);
		return NULL;
	}
	for (i = 0; i < f->nr_sites; i++)
		rank[f->order[i]] = i;
	for (i = 0; i < f->nr_problems; i++)
		order[i] = i;
	qsort_r(order, f->nr_problems, sizeof(*order), compare_problems,
		&(struct problem_order){ .f = f, .rank = rank });
	free(rank);
	return order;
}

static void text_problem(FILE *err, const struct sites_file *f,
			 const struct problem *p)
{
	char where[ADDR_LEN];

	put_text(err, f->name);
	if (p->site != NO_SITE) {
		const struct site *s = &f->sites[p->site];

		fprintf(err, ":%s ", site_addr(f, s->addr, where));
		put_text(err, s->symbol ? s->symbol : "?");
	}
	fputs(": ", err);
	put_text(err, p->text);
	fputc('\n', err);
}

static void text_site(FILE *out, const struct sites_file *f,
		      const struct site *s)
{
	char where[ADDR_LEN];

	put_text(out, f->name);
	fprintf(out, ":%s ", site_addr(f, s->addr, where));
	put_text(out, s->symbol ? s->symbol : "?");
	fprintf(out, ": %s%s", site_kind_name(s->kind), s->detail[0] ? " " : "");
	put_text(out, s->detail);
	fputc('\n', out);
}

static void text_summary(FILE *out, const struct sites_file *f)
{
	size_t count[NR_SITE_KINDS] = { 0 }, i;

	for (i = 0; i < f->nr_sites; i++)
		count[f->sites[i].kind]++;
	put_text(out, f->name);
	fprintf(out, ": %zu sites (%zu %s, %zu %s, %zu %s), %zu problems\n",
		f->nr_sites, count[SITE_PATCHABLE],
		site_kind_name(SITE_PATCHABLE), count[SITE_MCOUNT],
		site_kind_name(SITE_MCOUNT), count[SITE_JUMP],
		site_kind_name(SITE_JUMP), f->nr_problems);
}

static void report_text(FILE *out, FILE *err, const struct sites_file *f,
			const struct report_options *opt)
{
	size_t *order = problems_in_order(f);
	size_t i;

	if (!opt->quiet)
		for (i = 0; f->order && i < f->nr_sites; i++)
			text_site(out, f, &f->sites[f->order[i]]);
	for (i = 0; i < f->nr_problems; i++)
		text_problem(err, f, &f->problems[order ? order[i] : i]);
	if (!opt->quiet)
		text_summary(out, f);
	free(order);
}

static void json_problems(FILE *out, const struct sites_file *f, size_t site)
{
	bool first = true;
	size_t i;

	fputs("\"problems\":[", out);
	for (i = 0; i < f->nr_problems; i++) {
		if (f->problems[i].site != site)
			continue;
		if (!first)
			fputc(',', out);
		put_json(out, f->problems[i].text);
		first = false;
	}
	fputc(']', out);
}

static void json_site(FILE *out, const struct sites_file *f, size_t index,
		      bool first)
{
	const struct site *s = &f->sites[index];
	char where[ADDR_LEN];

	fputs(first ? "\n    {" : ",\n    {", out);
	fputs("\"location\":", out);
	put_json(out, site_addr(f, s->addr, where));
	fprintf(out, ",\"kind\":\"%s\",\"symbol\":", site_kind_name(s->kind));
	if (s->symbol)
		put_json(out, s->symbol);
	else
		fputs("null", out);
	fputs(",\"detail\":", out);
	put_json(out, s->detail);
	fputc(',', out);
	json_problems(out, f, index);
	fputc('}', out);
}

static void report_json(FILE *out, const struct sites_file *f, bool first)
{
	const char *type = type_name(f);
	size_t i;

	fputs(first ? "\n  {" : ",\n  {", out);
	fputs("\"file\":", out);
	put_json(out, f->name);
	fputs(",\"arch\":", out);
	if (f->opened)
		put_json(out, f->elf.arch->name);
	else
		fputs("null", out);
	fputs(",\"type\":", out);
	if (type)
		put_json(out, type);
	else
		fputs("null", out);
	fputs(",\"sites\":[", out);
	for (i = 0; f->order && i < f->nr_sites; i++)
		json_site(out, f, f->order[i], i == 0);
	fputs("],", out);
	json_problems(out, f, NO_SITE);
	fputc('}', out);
}

void report_begin(FILE *out, const struct report_options *opt)
{
	if (opt->json)
		fputs("{\"files\":[", out);
}

void report_file(FILE *out, FILE *err, const struct sites_file *f,
		 const struct report_options *opt, bool first)
{
	if (opt->json) {
		report_json(out, f, first);
		/* the problem lines too, for whoever reads stderr */
		report_text(out, err, f, &(struct report_options){ .quiet = true });
	} else {
		report_text(out, err, f, opt);
	}
}

void report_end(FILE *out, const struct report_options *opt,
		size_t nr_problems)
{
	if (opt->json)
		fprintf(out, "\n],\"problems\":%zu}\n", nr_problems);
}
