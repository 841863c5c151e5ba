// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The command-line values of the control tools (args.h): one parser for
 * each, so that both commands accept and refuse the same strings.
 */
#include <errno.h>
#include <stdlib.h>

#include "args.h"

int ctl_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v <= 0 || v > 0x3fffffff)
		return -EINVAL;
	*pid = (pid_t)v;
	return 0;
}

int ctl_parse_seconds(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 3600)
		return -1;
	return (int)v * 1000;
}
