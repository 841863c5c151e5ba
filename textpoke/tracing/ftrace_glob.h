/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Function-name globs, matched as fnmatch(pattern, name, 0) matches
 * them, with the common forms read once: a plain name is compared, a
 * prefix followed by one '*' and nothing else is a prefix compare, and
 * only the rest goes through fnmatch.  Standalone: the selftests compile
 * their own copy.
 */
#ifndef TEXTPOKE_FTRACE_GLOB_H
#define TEXTPOKE_FTRACE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

enum ftrace_glob_kind {
	FTRACE_GLOB_EXACT,		/* no metacharacter: the whole name */
	FTRACE_GLOB_PREFIX,		/* "literal*": names starting with it */
	FTRACE_GLOB_FNMATCH,		/* anything else */
};

struct ftrace_glob {
	const char *pattern;		/* not copied */
	size_t len;			/* of the literal part */
	enum ftrace_glob_kind kind;
};

void ftrace_glob_init(struct ftrace_glob *g, const char *pattern);
bool ftrace_glob_match(const struct ftrace_glob *g, const char *name);

#endif /* TEXTPOKE_FTRACE_GLOB_H */
