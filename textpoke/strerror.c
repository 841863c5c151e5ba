// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What each error means for a poke: the generic strerror() text ("Invalid
 * argument") does not tell a caller which of its inputs was refused.
 */
#include <errno.h>
#include <string.h>

#include <textpoke/textpoke.h>

struct tp_error {
	int err;
	const char *text;
};

static const struct tp_error tp_errors[] = {
	{ EINVAL,	"invalid request: a NULL, misaligned or overlapping site (one "
			"already in the batch), a length that is not the instruction's, "
			"an unknown instruction, backend, writer or flag, a change the "
			"backend cannot make, a key count that would go below zero, or "
			"a park signal that is no real-time signal" },
	{ EOVERFLOW,	"a static key count would go above INT_MAX" },
	{ ERANGE,	"branch target out of reach of the instruction form" },
	{ EFAULT,	"address is not in a readable, executable mapping of this process "
			"as it is mapped now (never mapped, or unmapped or re-protected "
			"since), or a table is not in readable memory" },
	{ EPERM,	"address is in textpoke's own text or in code its handlers run "
			"(libc, liburcu, the dynamic linker, a sanitizer's runtime), which "
			"is never patched" },
	{ EILSEQ,	"the bytes at the address are not the expected ones, or not "
			"those a compiler emits for a traceable function" },
	{ ETIMEDOUT,	"a thread did not stop in time (does it block the signal?)" },
	{ EBUSY,	"busy: another SIGTRAP handler replaced textpoke's, a thread "
			"blocks SIGTRAP or a debugger traces the process; or the "
			"application took the park signal (tp_park_signal); or a static "
			"key to disable still has references; "
			"or the ops is registered, a recording already runs, or the "
			"function already has a direct trampoline or redirection; or "
			"another process writes this perf.data file; or the site is "
			"still trapped after a failed /proc/self/mem write" },
	{ EACCES,	"the text cannot be made writable (W^X policy) and no other "
			"writer can do this change" },
	{ ENOMEM,	"out of memory" },
	{ EIO,		"a write through /proc/self/mem failed; what it had written "
			"was taken back" },
	{ EEXIST,	"this callback is already subscribed with this argument" },
	{ ENOSYS,	"the backend or feature is not built in this configuration" },
	{ EDEADLK,	"called from a callback of the library (events, function "
			"tracing), which may not poke, subscribe, trace or change keys" },
	{ ENOSPC,	"no room: every event subscriber slot or graph ops slot is "
			"taken, or (perf.data writer) the disk is full" },
	{ ENOENT,	"nothing to act on: no such subscriber, perf.data writer, "
			"recording, registered trampoline, or traceable function" },
	{ EALREADY,	"a perf.data writer is already open in this process" },
	{ EFBIG,	"a file of the library (perf.data, graph recording) would pass "
			"the file size limit (RLIMIT_FSIZE) or the file system's" },
	{ EIO,		"a file of the library (perf.data, graph recording) could not "
			"be written: an I/O error of its file system" },
};

/*
 * Any int: errors are negative, but a caller may pass what it has.  An
 * errno the library only passes on (open, write) gets the C library's
 * description, which is a static string too.
 */
const char *tp_strerror(int err)
{
	const char *text;
	unsigned int i;

	if (err == 0)
		return "success";
	for (i = 0; i < sizeof(tp_errors) / sizeof(tp_errors[0]); i++)
		if (err == -tp_errors[i].err)
			return tp_errors[i].text;
	text = err < 0 && err > -4096 ? strerrordesc_np(-err) : NULL;
	return text ? text : "unknown error";
}
