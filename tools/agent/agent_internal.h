/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the agent's files share: its configuration from the environment,
 * the per-thread recorders and the data directory's files.
 */
#ifndef TP_AGENT_INTERNAL_H
#define TP_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent.h"

#define AGENT_MAX_TIDS	64

/* The environment, read once when the agent loads (agent.c). */
struct agent_config {
	char *dir;			/* TEXTPOKE_DIR; NULL: nothing is recorded */
	char *filter;			/* TEXTPOKE_FILTER: globs, comma-separated */
	char *notrace;			/* TEXTPOKE_NOTRACE: globs, comma-separated */
	int max_depth;			/* TEXTPOKE_DEPTH: 0 for no limit */
	uint64_t min_ns;		/* TEXTPOKE_TIME_FILTER: shorter calls dropped */
	pid_t tids[AGENT_MAX_TIDS];	/* TEXTPOKE_TIDS: only these threads */
	int nr_tids;
	bool live;			/* TEXTPOKE_LIVE=1: start untraced */
	bool ctl;			/* TEXTPOKE_CTL=1: start the control server */
	bool verbose;			/* TEXTPOKE_VERBOSE=1: say what was done */
	bool plt;			/* TEXTPOKE_PLT (default 1): calls at the PLT */
};

extern struct agent_config agent_config;

/* writer.c: per-thread records in uftrace's layout. */
int writer_init(const char *dir);
int writer_entry(uint64_t func, int depth, uint64_t calltime);
void writer_return(uint64_t func, int depth, uint64_t calltime, uint64_t rettime);
/*
 * A call traced at the PLT (plt.c): one deeper than the frame it is in;
 * its times are read inside, where no signal's records can come between.
 */
int writer_plt_entry(uint64_t func, uint64_t *calltime);
void writer_plt_return(uint64_t func, uint64_t calltime);
void writer_flush_all(void);
void writer_after_fork_child(void);
uint64_t writer_records(void);
uint64_t writer_lost(void);
uint64_t writer_calls(void);	/* entries seen, recorded or not */

/* session.c: task.txt and the session's map of objects. */
int session_start(const char *dir);
void session_fork_child(pid_t ppid);
void session_task(pid_t tid, uint64_t now);
int session_write_map(void);
void session_timestamp(char *buf, size_t len, uint64_t ns);
uint64_t agent_now(void);

/*
 * Async-signal-safe formatting: append @str (when not NULL), then @num in
 * decimal (when not negative) to the NUL-terminated @buf of @len bytes.
 */
void text_append(char *buf, size_t len, const char *str, long long num);

/* agent.c: tracing off and on around exec and exit, objects reread. */
void agent_suspend(void);
void agent_resume(void);
void agent_objects_changed(void);
void agent_finish(void);
extern pid_t agent_pid;

#define AGENT_API __attribute__((visibility("default")))

#endif /* TP_AGENT_INTERNAL_H */
