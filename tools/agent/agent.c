// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtextpoke-agent.so: graph tracing of a whole program, loaded with
 * LD_PRELOAD (textpoke record does that; docs/textpoke-record.1).  It
 * reads its configuration from the environment when it loads, registers
 * one graph ops of the library with the filters given there, records
 * every traced call into the data directory and writes what is left when
 * the process ends or replaces its image.
 *
 *   TEXTPOKE_DIR=DIR		the data directory (made beforehand); unset:
 *				start with tracing off, as with TEXTPOKE_LIVE
 *   TEXTPOKE_FILTER=G[,G...]	trace the functions matching these globs
 *				(default: every traceable function)
 *   TEXTPOKE_NOTRACE=G[,G...]	never the functions matching these
 *   TEXTPOKE_DEPTH=N		only calls less than N traced frames deep
 *   TEXTPOKE_TIME_FILTER=NS	only calls that lasted NS nanoseconds or more
 *				(and those around them)
 *   TEXTPOKE_TIDS=T[,T...]	only these threads
 *   TEXTPOKE_VERBOSE=1		say on stderr what was traced and how fast
 *   TEXTPOKE_PLT=0		not the calls into shared objects through
 *				the PLT (plt.c), which are traced by default
 *   TEXTPOKE_LIVE, TEXTPOKE_CTL	see agent.h
 *
 * The variables (and LD_PRELOAD) are inherited by children, which load
 * the agent again after exec (follow.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textpoke/ftrace.h>

#include "agent_internal.h"
#include "ctl_server.h"
#include "plt.h"

struct agent_config agent_config;
pid_t agent_pid;

static pthread_mutex_t agent_lock = PTHREAD_MUTEX_INITIALIZER;
static bool registered;		/* the graph ops is registered */
static bool suspended;		/* registered before an exec that may fail */
static bool finished;
static bool plt_hooked_once;	/* the GOTs are hooked: calls at the PLT traced */

/* The globs traced now, comma-separated (what status reports). */
static char traced_globs[4096];
static char notrace_globs[4096];
/*
 * Globs of the environment that named no function yet: tried again after
 * each dlopen(), since the object they name may be loaded later.
 */
static char pending_filter[4096];
static char pending_notrace[4096];
/*
 * The globs whose calls through the PLT are traced, and those not: the
 * environment's at the start, then what the control server asked for
 * (plt_retrace()).
 */
static char plt_traced[4096];
static char plt_untraced[4096];

static int on_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *g)
{
	(void)g;
	return writer_entry(e->func, e->depth, e->calltime);
}

static void on_return(const struct tp_ftrace_graph_ret *r, struct tp_fgraph_ops *g)
{
	(void)g;
	writer_return(r->func, r->depth, r->calltime, r->rettime);
}

static struct tp_fgraph_ops graph = {
	.entryfunc = on_entry,
	.retfunc = on_return,
	.ops.flags = TP_FTRACE_OPS_FL_RECURSION_SAFE,
};

/* Tracing defaults to off in a live start, so is a stub server. */
__attribute__((weak)) int agent_ctl_start(void)
{
	return -ENOSYS;
}

__attribute__((weak)) int agent_ctl_stop(void)
{
	return -ENOENT;
}

__attribute__((weak)) void agent_ctl_gone(void)
{
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	if (!agent_config.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "textpoke: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static char *env_dup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

static bool env_flag(const char *name)
{
	const char *v = getenv(name);

	return v && !strcmp(v, "1");
}

static void read_config(void)
{
	const char *v;
	char *end;

	agent_config.dir = env_dup("TEXTPOKE_DIR");
	agent_config.filter = env_dup("TEXTPOKE_FILTER");
	agent_config.notrace = env_dup("TEXTPOKE_NOTRACE");
	v = getenv("TEXTPOKE_DEPTH");
	if (v)
		agent_config.max_depth = atoi(v) > 0 ? atoi(v) : 0;
	v = getenv("TEXTPOKE_TIME_FILTER");
	if (v)
		agent_config.min_ns = strtoull(v, NULL, 10);
	v = getenv("TEXTPOKE_TIDS");
	while (v && *v && agent_config.nr_tids < AGENT_MAX_TIDS) {
		long tid = strtol(v, &end, 10);

		if (end == v)
			break;
		if (tid > 0)
			agent_config.tids[agent_config.nr_tids++] = tid;
		v = *end == ',' ? end + 1 : end;
	}
	agent_config.live = env_flag("TEXTPOKE_LIVE");
	agent_config.ctl = env_flag("TEXTPOKE_CTL");
	agent_config.verbose = env_flag("TEXTPOKE_VERBOSE");
	v = getenv("TEXTPOKE_PLT");
	agent_config.plt = !v || strcmp(v, "0");
}

static void globs_add(char *list, size_t len, const char *glob)
{
	if (*list)
		text_append(list, len, ",", -1);
	text_append(list, len, glob, -1);
}

/*
 * Each glob of the comma-separated @globs to the filter (or notrace);
 * one that names no function yet goes to the pending ones (@pending).
 * 0 when at least one glob applied.
 */
static int apply_globs(const char *globs, bool notrace, char *pending, size_t len)
{
	char *copy = strdup(globs), *save = NULL, *g;
	int err = -ENOENT, e;

	if (!copy)
		return -ENOMEM;
	for (g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		e = notrace ? tp_ftrace_set_notrace(&graph.ops, g, 0) :
			      tp_ftrace_set_filter(&graph.ops, g, 0);
		if (!e) {
			if (notrace)
				globs_add(notrace_globs, sizeof(notrace_globs), g);
			else
				globs_add(traced_globs, sizeof(traced_globs), g);
			err = 0;
		} else if (e == -ENOENT && pending) {
			globs_add(pending, len, g);
		} else if (err == -ENOENT) {
			err = e;
		}
	}
	free(copy);
	return err;
}

static long count_traced(void)
{
	char *copy, *save = NULL, *g;
	long n = 0, c;

	if (!traced_globs[0])
		return 0;
	copy = strdup(traced_globs);
	for (g = copy ? strtok_r(copy, ",", &save) : NULL; g; g = strtok_r(NULL, ",", &save)) {
		c = tp_ftrace_count_functions(g);
		n += c > 0 ? c : 0;
	}
	free(copy);
	return n;
}

static int start_tracing(void)
{
	uint64_t t0 = agent_now();
	int err;

	err = tp_register_ftrace_graph(&graph);
	if (err) {
		say("pid %d: nothing traced: %s%s", agent_pid, tp_strerror(err),
		    err == -ENOENT ? " (no traceable function: build with the flags "
		    "`pkg-config --variable=ftrace_cflags textpoke` prints)" : "");
		return err;
	}
	registered = true;
	say("pid %d: tracing %ld functions (set up in %.3f ms)", agent_pid,
	    count_traced(), (agent_now() - t0) / 1e6);
	return 0;
}

static void set_text(char *buf, size_t len, const char *text)
{
	buf[0] = '\0';
	if (text)
		text_append(buf, len, text, -1);
}

/* Calls into shared objects, at the GOTs of the program and traced objects. */
static void start_plt(void)
{
	uint64_t t0 = agent_now();

	const char *filter = agent_config.filter ?: "*", *notrace = agent_config.notrace;

	/* globs too long for ctl's lists stay the environment's (plt.c reads them) */
	if (strlen(filter) < sizeof(plt_traced) &&
	    (!notrace || strlen(notrace) < sizeof(plt_untraced))) {
		set_text(plt_traced, sizeof(plt_traced), filter);
		set_text(plt_untraced, sizeof(plt_untraced), notrace);
		plt_set_filter(plt_traced, plt_untraced);
	}
	plt_hook_objects();
	plt_hooked_once = true;
	plt_enable(true);
	say("pid %d: tracing %ld functions called through the PLT (set up in %.3f ms)", agent_pid,
	    plt_hooked(), (agent_now() - t0) / 1e6);
}

__attribute__((constructor)) static void agent_init(void)
{
	int err;

	agent_pid = getpid();
	read_config();
	if (agent_config.dir) {
		err = writer_init(agent_config.dir);
		if (!err)
			err = session_start(agent_config.dir);
		if (err) {
			fprintf(stderr, "textpoke: %s: %s: nothing recorded\n",
				agent_config.dir, strerror(-err));
			free(agent_config.dir);
			agent_config.dir = NULL;
		}
	}
	if (agent_config.notrace)
		apply_globs(agent_config.notrace, true, pending_notrace, sizeof(pending_notrace));
	/* Without a directory there is nothing to record to: start idle. */
	if (!agent_config.live && agent_config.dir) {
		err = apply_globs(agent_config.filter ? agent_config.filter : "*", false,
				  pending_filter, sizeof(pending_filter));
		if (!err)
			start_tracing();
		if (agent_config.plt)
			start_plt();
		/* globs that name only functions called through the PLT are fine */
		if (err && !(err == -ENOENT && plt_hooked() > 0))
			say("pid %d: filter '%s': %s", agent_pid, agent_config.filter,
			    tp_strerror(err));
	}
	if (agent_config.ctl) {
		err = agent_ctl_start();
		if (err)
			fprintf(stderr, "textpoke: control socket: %s\n", strerror(-err));
	}
}

/* Before exec (and _exit): nothing runs a callback, all is written. */
void agent_suspend(void)
{
	pthread_mutex_lock(&agent_lock);
	plt_enable(false);
	if (registered && !tp_unregister_ftrace_graph(&graph)) {
		registered = false;
		suspended = true;
	}
	if (agent_config.dir) {
		writer_flush_all();
		session_write_map();
	}
	pthread_mutex_unlock(&agent_lock);
}

/* The exec failed: the program goes on, traced as before. */
void agent_resume(void)
{
	pthread_mutex_lock(&agent_lock);
	if (suspended && !tp_register_ftrace_graph(&graph))
		registered = true;
	suspended = false;
	plt_enable(plt_hooked_once && !finished);
	pthread_mutex_unlock(&agent_lock);
}

/* Try the pending globs again: those that now name functions apply. */
static void apply_pending(void)
{
	char filter[sizeof(pending_filter)], notrace[sizeof(pending_notrace)];

	memcpy(filter, pending_filter, sizeof(filter));
	memcpy(notrace, pending_notrace, sizeof(notrace));
	pending_filter[0] = pending_notrace[0] = '\0';
	if (filter[0] && !apply_globs(filter, false, pending_filter, sizeof(pending_filter)) &&
	    !registered)
		start_tracing();
	if (notrace[0])
		apply_globs(notrace, true, pending_notrace, sizeof(pending_notrace));
}

/*
 * After dlopen() or dlclose(): the new objects' functions traced too (and
 * the globs that named none before tried again: a function of a new
 * object that a pending notrace glob names may be traced in between).
 */
void agent_objects_changed(void)
{
	pthread_mutex_lock(&agent_lock);
	if (registered)
		tp_ftrace_update_objects();
	if (pending_filter[0] || pending_notrace[0])
		apply_pending();
	if (plt_hooked_once)
		plt_hook_objects();
	if (agent_config.dir)
		session_write_map();
	pthread_mutex_unlock(&agent_lock);
}

void agent_finish(void)
{
	uint64_t records, lost;

	agent_suspend();
	pthread_mutex_lock(&agent_lock);
	if (!finished && agent_config.dir) {
		records = writer_records();
		lost = writer_lost();
		if (lost)
			fprintf(stderr, "textpoke: pid %d: %llu records lost\n", agent_pid,
				(unsigned long long)lost);
		say("pid %d: %llu records written", agent_pid, (unsigned long long)records);
	}
	finished = true;
	pthread_mutex_unlock(&agent_lock);
}

__attribute__((destructor)) static void agent_exit(void)
{
	if (getpid() == agent_pid)
		agent_finish();
}

static void fork_child(void)
{
	pid_t ppid = agent_pid;

	agent_pid = getpid();
	pthread_mutex_init(&agent_lock, NULL);
	session_fork_child(ppid);
	writer_after_fork_child();
}

__attribute__((constructor)) static void agent_atfork(void)
{
	pthread_atfork(NULL, NULL, fork_child);
}

/*
 * The PLT slots the globs name now hooked, and only those: every slot back
 * to the program's, then hooked again (the stubs and slots of the old
 * hooks stay in memory: a thread may be in one).  Under agent_lock; the
 * number of slots hooked.
 */
static long plt_retrace(void)
{
	plt_enable(false);
	plt_unhook_all();
	plt_hooked_once = false;
	plt_set_filter(plt_traced, plt_untraced);
	if (!plt_traced[0])
		return 0;
	plt_hook_objects();
	plt_hooked_once = true;
	plt_enable(true);
	return plt_hooked();
}

/*
 * Could @glob name a PLT slot?  Not a plain name of a function the
 * library traces: plt.c never hooks those (they are recorded at their
 * entry), so the slots need not be rehooked for it.
 */
static bool plt_may_name(const char *glob)
{
	return agent_config.plt &&
	       (strpbrk(glob, "*?[") || tp_ftrace_count_functions(glob) <= 0);
}

/* ctl trace GLOB, for the calls through the PLT: 0, or -ENOENT (no new slot). */
static int plt_trace_add(const char *glob)
{
	size_t len = strlen(plt_traced);
	long before = plt_hooked();

	if (!plt_may_name(glob))
		return -ENOENT;
	if (!plt_hooked_once)
		set_text(plt_untraced, sizeof(plt_untraced), agent_config.notrace);
	globs_add(plt_traced, sizeof(plt_traced), glob);
	if (plt_retrace() > before)
		return 0;
	plt_traced[len] = '\0';	/* hooked nothing more: the same slots */
	return -ENOENT;
}

/* ctl untrace GLOB, for the calls through the PLT: 0, or -ENOENT (no slot less). */
static int plt_trace_remove(const char *glob)
{
	size_t len = strlen(plt_untraced);
	long before = plt_hooked(), after;

	if (!plt_may_name(glob) || !plt_hooked_once)
		return -ENOENT;
	globs_add(plt_untraced, sizeof(plt_untraced), glob);
	after = plt_retrace();
	if (after == before) {
		plt_untraced[len] = '\0';
		return -ENOENT;
	}
	if (!after) {	/* none left: as before the first trace */
		plt_traced[0] = '\0';
		plt_retrace();
	}
	return 0;
}

int agent_trace_add(const char *glob)
{
	int err;

	if (!glob || !*glob)
		return -EINVAL;
	pthread_mutex_lock(&agent_lock);
	err = tp_ftrace_set_filter(&graph.ops, glob, 0);
	if (!err && !registered) {
		err = tp_register_ftrace_graph(&graph);
		if (err)
			tp_ftrace_set_filter(&graph.ops, NULL, 1);
		registered = !err;
		if (err)
			traced_globs[0] = '\0';
	}
	/* a glob may name functions of both kinds, or of one */
	if (!plt_trace_add(glob) && err == -ENOENT)
		err = 0;
	if (!err)
		globs_add(traced_globs, sizeof(traced_globs), glob);
	pthread_mutex_unlock(&agent_lock);
	return err;
}

int agent_trace_remove(const char *glob)
{
	int err;

	if (!glob || !*glob)
		return -EINVAL;
	pthread_mutex_lock(&agent_lock);
	/* a glob of PLT calls alone leaves the functions' tracing as it is */
	err = tp_ftrace_count_functions(glob) > 0 ?
	      tp_ftrace_set_notrace(&graph.ops, glob, 0) : -ENOENT;
	if (err == -ENOENT && registered && tp_ftrace_count_functions(glob) > 0) {
		/* nothing would be left: tracing ends (one batch) */
		err = tp_unregister_ftrace_graph(&graph);
		if (!err) {
			registered = false;
			tp_ftrace_free_filter(&graph.ops);
			traced_globs[0] = notrace_globs[0] = '\0';
		}
	} else if (!err) {
		globs_add(notrace_globs, sizeof(notrace_globs), glob);
	}
	if (!plt_trace_remove(glob) && err == -ENOENT)
		err = 0;
	pthread_mutex_unlock(&agent_lock);
	return err;
}

int agent_status(char *buf, size_t len)
{
	int n;

	if (!buf || !len)
		return -EINVAL;
	pthread_mutex_lock(&agent_lock);
	n = snprintf(buf, len, "pid: %d\ntracing: %s\ntraced functions: %ld\n"
		     "traced PLT slots: %ld\n"
		     "traced globs: %s\nnot traced globs: %s\nrecording: %s\n"
		     "calls: %llu\nrecords: %llu\nlost: %llu\n",
		     agent_pid, registered || plt_hooked() ? "on" : "off",
		     registered ? count_traced() : 0, plt_hooked(),
		     traced_globs, notrace_globs, agent_config.dir ? agent_config.dir : "none",
		     (unsigned long long)writer_calls(), (unsigned long long)writer_records(),
		     (unsigned long long)writer_lost());
	pthread_mutex_unlock(&agent_lock);
	return n < 0 ? -EIO : (size_t)n >= len ? -ENOSPC : 0;
}

int agent_stop(void)
{
	int err = 0;

	pthread_mutex_lock(&agent_lock);
	plt_enable(false);
	plt_unhook_all();
	plt_hooked_once = false;
	plt_traced[0] = '\0';
	if (registered) {
		err = tp_unregister_ftrace_graph(&graph);
		if (!err) {
			registered = false;
			tp_ftrace_free_filter(&graph.ops);
			traced_globs[0] = notrace_globs[0] = '\0';
		}
	}
	if (!err && agent_config.dir) {
		writer_flush_all();
		session_write_map();
	}
	pthread_mutex_unlock(&agent_lock);
	return err;
}
