/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The tracing agent, libtextpoke-agent.so: loaded into a program with
 * LD_PRELOAD, it graph-traces the program's functions (those built with
 * the library's ftrace_cflags) into a data directory uftrace reads
 * (docs/textpoke-record.1).  This header is the interface between the
 * agent's tracing and the control server that may run inside it
 * (ctl_server.c): nothing here is installed or exported.
 *
 * The environment the agent reads when it loads:
 *
 *   TEXTPOKE_LIVE=1	start with tracing off: nothing is traced until
 *			agent_trace_add() is called (by the control server).
 *			Tracing starts off too when TEXTPOKE_DIR (the data
 *			directory) is not set, e.g. in an agent loaded into a
 *			running process with dlopen(): the calls traced later
 *			are then counted but written nowhere.
 *   TEXTPOKE_CTL=1	call agent_ctl_start() once the agent is set up, so
 *			that the control server starts its thread and
 *			socket.  agent_ctl_start() is defined weak here: a
 *			build without the server has a stub that returns
 *			-ENOSYS, and the agent then says so and goes on.
 *			A child forked without exec gets a server of its
 *			own (ctl_server.c), unless TEXTPOKE_CTL_FORK=0.
 *
 * The filters and the data directory are described in agent.c.
 */
#ifndef TP_AGENT_H
#define TP_AGENT_H

#include <stddef.h>

/*
 * All return 0 or a negative errno and are safe to call from the
 * control server's thread (never from a traced function's callback).
 * Each change is one batch of the library: every thread sees a function
 * traced or not, never half of a change.
 */

/* Trace the functions matching @glob (fnmatch(3)) too: one batch. */
int agent_trace_add(const char *glob);

/* Stop tracing the functions matching @glob: one batch. */
int agent_trace_remove(const char *glob);

/*
 * One fact a line, "key: value\n", into @buf (NUL-terminated, cut at
 * @len): the pid, whether tracing is on, how many functions are traced,
 * the globs traced and not traced, the calls seen (entries of traced
 * functions since the agent loaded), the records written and lost.  -ENOSPC when it did not fit (what
 * fitted is there).
 */
int agent_status(char *buf, size_t len);

/*
 * Every function back to its disabled state (one batch) and what was
 * recorded written to the data directory, if there is one.
 */
int agent_stop(void);

/*
 * The control server's start, called by the agent when TEXTPOKE_CTL=1
 * (defined in ctl_server.c; a weak stub returning -ENOSYS otherwise).
 */
int agent_ctl_start(void);

#endif /* TP_AGENT_H */
