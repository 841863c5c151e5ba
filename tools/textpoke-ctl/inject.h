/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Make a thread of another process call functions, with ptrace, and put
 * it back exactly as it was (registers, the stack words written).
 */
#ifndef TP_INJECT_H
#define TP_INJECT_H

#include <stddef.h>
#include <sys/types.h>

struct inject;

/*
 * Seize thread @tid of process @pid and stop it: 0, or a negative errno
 * (-EPERM: ptrace refused), with *@out set on success.
 */
int inject_begin(pid_t pid, pid_t tid, struct inject **out);

/* Copy @len bytes to the scratch area on the thread's stack: their address, or 0. */
unsigned long inject_push(struct inject *in, const void *data, size_t len);

/*
 * Call @fn with @nargs arguments in the stopped thread; its return value
 * in *@ret.  -ETIMEDOUT after @timeout_ms, -EFAULT when the call faulted,
 * -ESRCH when the thread went away.
 */
int inject_call(struct inject *in, unsigned long fn, const unsigned long *args,
		int nargs, unsigned long *ret, int timeout_ms);

/* Read a NUL-terminated string of the process (at most @len bytes). */
int inject_read_string(struct inject *in, unsigned long addr, char *buf, size_t len);

/*
 * Put back the registers and the stack and let the thread go; the
 * signal its stop held back is delivered.  0, or a negative errno.
 */
int inject_end(struct inject *in);

#endif /* TP_INJECT_H */
