// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-name globs without fnmatch where none is needed.  Enabling
 * tracing reads every name of every loaded object against each glob, and
 * fnmatch costs hundreds of instructions a name even for "prefix*",
 * which is nearly every glob anyone writes.
 *
 * With flags 0, fnmatch gives a meaning to '*', '?', '[' and '\' only
 * ('/' and a leading '.' are ordinary characters): a pattern with none of
 * them matches exactly itself, and one whose only metacharacter is a
 * single '*' at its end matches every name that starts with the rest.
 */
#include <fnmatch.h>
#include <string.h>

#include "ftrace_glob.h"

void ftrace_glob_init(struct ftrace_glob *g, const char *pattern)
{
	size_t literal = strcspn(pattern, "*?[\\");

	g->pattern = pattern;
	g->len = literal;
	if (!pattern[literal])
		g->kind = FTRACE_GLOB_EXACT;
	else if (pattern[literal] == '*' && !pattern[literal + 1])
		g->kind = FTRACE_GLOB_PREFIX;
	else
		g->kind = FTRACE_GLOB_FNMATCH;
}

bool ftrace_glob_match(const struct ftrace_glob *g, const char *name)
{
	switch (g->kind) {
	case FTRACE_GLOB_EXACT:
		return !strcmp(g->pattern, name);
	case FTRACE_GLOB_PREFIX:
		return !strncmp(g->pattern, name, g->len);
	default:
		return !fnmatch(g->pattern, name, 0);
	}
}
