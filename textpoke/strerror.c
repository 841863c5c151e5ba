// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What each error means for a poke: the generic strerror() text ("Invalid
 * argument") does not tell a caller which of its inputs was refused.
 */
#include <errno.h>

#include <textpoke/textpoke.h>

struct tp_error {
	int err;
	const char *text;
};

static const struct tp_error tp_errors[] = {
	{ EINVAL,	"invalid request: misaligned address, length that is not the "
			"instruction's, unknown instruction, or a transition the "
			"chosen backend cannot make; or a static key count that would "
			"go below zero" },
	{ EOVERFLOW,	"a static key count would go above INT_MAX" },
	{ ERANGE,	"branch target out of reach of the instruction form" },
	{ EFAULT,	"address is not in an executable mapping of this process" },
	{ EPERM,	"address is in textpoke's own text or in a library its handlers "
			"run (libc, liburcu), which is never patched" },
	{ EILSEQ,	"the bytes at the address are not the expected ones" },
	{ ETIMEDOUT,	"a thread did not stop in time (does it block the signal?)" },
	{ EBUSY,	"breakpoints are unsafe now: another SIGTRAP handler replaced "
			"textpoke's, or a thread blocks SIGTRAP; or a static key to disable "
			"still has references from tp_static_key_slow_inc()" },
	{ EACCES,	"the text cannot be made writable (W^X policy) and no other "
			"writer can do this change" },
	{ ENOMEM,	"out of memory" },
	{ EEXIST,	"the site is already part of this batch" },
	{ ENOSYS,	"the backend or feature is not built in this configuration" },
	{ EDEADLK,	"called from an event callback, which runs with the text mutex "
			"held: it may not poke, subscribe or open a writer" },
	{ ENOSPC,	"every event subscriber slot is taken" },
	{ ENOENT,	"no such event subscriber or perf.data writer" },
	{ EALREADY,	"a perf.data writer is already open in this process" },
};

const char *tp_strerror(int err)
{
	unsigned int i;

	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(tp_errors) / sizeof(tp_errors[0]); i++)
		if (tp_errors[i].err == -err)
			return tp_errors[i].text;
	return "unknown error";
}
