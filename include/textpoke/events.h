/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textpoke events: a PRE and a POST event for every site every poke
 * changes, so that a trace decoder knows when the code changed.
 *
 * PRE is emitted just before the first write that can change what a core
 * executes at the site; POST just after the last sync that makes the new
 * bytes visible to every thread.  Between the two a decoder must accept
 * the old bytes, the new bytes or (breakpoint backend) a trap at the
 * site; before PRE the site holds exactly the old bytes, after POST
 * exactly the POST event's new bytes.  A site gets its PRE and its POST
 * from the same batch, in that order, and every PRE has a POST.
 *
 * Sinks:
 *  - a subscriber callback (tp_events_subscribe);
 *  - the perf.data writer (tp_perf_data_open, or TEXTPOKE_PERF_DATA=path
 *    in the environment at tp_init()), PERF_RECORD_TEXT_POKE records that
 *    perf reads.  In the variable, %p stands for the process id and %%
 *    for %; a program that inherits it (system(), posix_spawn(), exec)
 *    while the one that set it writes that very file writes PATH.PID
 *    instead.  Each process thus writes a file of its own; use %p to
 *    name them all alike;
 *  - the traceevent formats textpoke:poke_pre and textpoke:poke_post
 *    (tp_event_format), for libtraceevent.
 *
 * The contract of a callback: it runs on the poking thread with textpoke's
 * text mutex held (and the static key or ftrace mutex when a key change
 * or a tracing change poked) and, for the stop_machine backend, while
 * every other thread of the process is parked in a signal handler.  It
 * must therefore be async-signal-safe and take no lock another thread may
 * hold: no malloc, no stdio.  Every call of the API that takes a lock of
 * the library returns -EDEADLK at once and changes nothing when made from
 * an event callback or from a function-tracing or graph callback: poking,
 * committing a batch, (un)subscribing, opening or closing the perf.data
 * writer, every call of ftrace.h but tp_ftrace_regs_get_argument() and
 * tp_ftrace_graph_skipped(), changing a static key (slow_inc/slow_dec
 * included, even where no site would change) and (un)registering a jump
 * table.
 *
 * With no subscriber the engine pays one predictable branch per site.
 */
#ifndef TEXTPOKE_EVENTS_H
#define TEXTPOKE_EVENTS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdbool.h>

#include <textpoke/textpoke.h>

enum tp_event_phase {
	TP_EVENT_PRE = 1,
	TP_EVENT_POST = 2,
};

struct tp_event {
	enum tp_event_phase phase;
	enum tp_backend backend;	/* the protocol that ran, never AUTO */
	unsigned long long batch;	/* commit id, from 1; shared by PRE and POST */
	unsigned long long time_ns;	/* CLOCK_MONOTONIC, as perf record -k uses */
	int pid, tid;			/* the poking thread */
	int cpu;			/* where it ran when the event was taken */
	const void *addr;
	unsigned int len;
	/*
	 * PRE: @old is what the site holds, @new_bytes what is being
	 * written.  POST: @old as in PRE, @new_bytes what the site holds
	 * from now on: the PRE's new bytes, or the old ones when the batch
	 * failed and its protocol put them back.  C code may also call
	 * @new_bytes by its first name, @new, a keyword of C++.
	 */
	unsigned char old[TP_MAX_INSN_LEN];
#ifdef __cplusplus
	unsigned char new_bytes[TP_MAX_INSN_LEN];
#else
	union {
		unsigned char new_bytes[TP_MAX_INSN_LEN];
		unsigned char new[TP_MAX_INSN_LEN];
	};
#endif
};

typedef void (*tp_event_fn)(const struct tp_event *event, void *arg);

/*
 * A decoder-facing sink: while one is subscribed, trace-exact mode (if
 * on, see tp_set_trace_exact) makes TP_BACKEND_AUTO send the sites it
 * would write with nosync through the breakpoint backend instead (or
 * stop_machine where the new instruction cannot be emulated), so that a
 * decoder sees a trap, never an ambiguous instruction, between PRE and
 * POST.  An explicit TP_BACKEND_NOSYNC is obeyed.
 */
#define TP_EVENTS_DECODER	0x1u

/* How many subscribers, including the perf.data writer, at most. */
#define TP_EVENTS_MAX_SUBSCRIBERS 8

/*
 * Call @fn(event, @arg) for every event of every later poke.  @flags: 0
 * or TP_EVENTS_DECODER.  When it returns, no poke is half-way: the next
 * one is seen whole.  Errors: -EINVAL (NULL @fn, unknown flag), -EEXIST
 * (@fn with @arg already subscribed), -ENOSPC (too many subscribers),
 * -EDEADLK (called from a callback).
 */
TP_EXPORT int tp_events_subscribe(tp_event_fn fn, void *arg, unsigned int flags);

/*
 * Stop calling @fn with @arg.  When it returns, @fn is not running and
 * will not be called again.  -ENOENT if it was not subscribed, -EDEADLK
 * from a callback.
 */
TP_EXPORT int tp_events_unsubscribe(tp_event_fn fn, void *arg);

/*
 * Trace-exact mode on or off at run time (see TP_EVENTS_DECODER); the
 * default is on when the library is built with CONFIG_TRACE_EXACT.
 * -ENOSYS when asked to turn it on in a build without it.
 */
TP_EXPORT int tp_set_trace_exact(bool on);

/*
 * Write every event to @path as a perf.data file that perf reads:
 * PERF_RECORD_TEXT_POKE records with a sample_id trailer (pid, tid,
 * time, cpu).
 *
 * The file is written under a temporary name in the directory of @path
 * (which must be writable) and renamed to @path once it is a valid
 * perf.data file: a file already at @path is replaced whole when the
 * call succeeds (other hard links of it keep its data) and left exactly
 * as it was when the call fails.  A symbolic link is followed.  Mode
 * 0644 less the umask.
 *
 * One writer per file, across processes: the writer holds an exclusive
 * flock(2) on its file until it is closed, and a @path that another
 * process's writer holds is refused (-EBUSY), never shared.
 *
 * Events are buffered in memory allocated here and written at the end of
 * each batch, so a process that crashes leaves a file readable up to its
 * last completed batch.  A write that fails (a full disk, a file size
 * limit) stops the writer; the file still reads whole up to the last
 * batch written in full, and tp_perf_data_close() returns the error.
 * The writer is a decoder-facing sink.  One writer per process.
 * perf-glue/README.md says how PRE and POST are told apart in the file.
 *
 * Errors, every one but the last two before @path is touched: -EINVAL
 * (NULL or empty @path), -EALREADY (a writer is open), -EDEADLK (from a
 * callback), -ENOSPC (no subscriber slot), -ENOMEM; -EINVAL (@path is
 * not a regular file), -EBUSY (another process writes @path); -errno of
 * creating, writing or renaming the file.
 */
TP_EXPORT int tp_perf_data_open(const char *path);

/*
 * Write what is buffered, finish the file and close it, which lets other
 * writers have it.  Done at exit for a writer still open.  -ENOENT if
 * none is open; else the error of the first write that failed (-ENOSPC
 * for a full disk, -EFBIG past RLIMIT_FSIZE, -EIO, ...) or of close(2),
 * the file then holding every batch written before it, readable.
 */
TP_EXPORT int tp_perf_data_close(void);

/*
 * The tracefs-style format text (name, ID, fields, print fmt) of
 * textpoke:poke_pre or textpoke:poke_post, as libtraceevent's
 * tep_parse_format() takes it; NULL for an unknown phase.
 */
TP_EXPORT const char *tp_event_format(enum tp_event_phase phase);

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_EVENTS_H */
