// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Features built out.  Every feature Kconfig can leave out is a set of
 * files the Makefile leaves out of the build; this file, always built,
 * gives each function those files would have exported (to applications
 * or to the rest of the library) in its built-out form, so that the API
 * is the same in every build and each call says why it cannot work:
 * -ENOSYS, or the documented "nothing" (a NULL format, -ENOENT for a
 * writer that is not open).  No other file tests a feature's option to
 * stub itself out; options that only choose a behaviour (the text
 * writer, trace-exact mode by default) are read where it happens.
 */
#define TP_NO_JUMP_TABLE_CONSTRUCTOR
#include <errno.h>
#include <stdlib.h>

#include <textpoke/events.h>
#include <textpoke/ftrace.h>
#include <textpoke/fgraph_record.h>
#include <textpoke/static_key.h>

#include "events/sink.h"
#include "internal.h"

#ifndef CONFIG_BACKEND_NOSYNC
int nosync_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	(void)sites, (void)nr, (void)w;
	return -ENOSYS;
}

/* Never chosen: backend_ready() says -ENOSYS first. */
void toggle_nosync_commit(const struct toggle *t, size_t nr, unsigned int len,
			  struct text_writer *w)
{
	(void)t, (void)nr, (void)len, (void)w;
}
#endif

#ifndef CONFIG_BACKEND_BREAKPOINT
int bp_commit(struct site *sites, size_t nr, struct text_writer *w)
{
	(void)sites, (void)nr, (void)w;
	return -ENOSYS;
}

unsigned long tp_stat_stuck_sites;

void bp_retry_stuck(void)
{
}

bool bp_stuck_overlaps(const struct site *sites, size_t nr,
		       const struct word *words, size_t nr_words)
{
	(void)sites, (void)nr, (void)words, (void)nr_words;
	return false;
}

bool bp_any_stuck(void)
{
	return false;
}

void toggle_bp_commit(const struct toggle *t, size_t nr, unsigned int len,
		      struct text_writer *w)
{
	(void)t, (void)nr, (void)len, (void)w;
}
#endif

#ifndef CONFIG_PERF_DATA_WRITER
/* A file asked for in the environment is an error the caller must see. */
int perf_data_open_from_env(void)
{
	return getenv("TEXTPOKE_PERF_DATA") ? -ENOSYS : 0;
}

int tp_perf_data_open(const char *path)
{
	(void)path;
	return -ENOSYS;
}

int tp_perf_data_close(void)
{
	return -ENOENT;
}
#endif

#ifndef CONFIG_TRACEEVENT_FORMATS
const char *tp_event_format(enum tp_event_phase phase)
{
	(void)phase;
	return NULL;
}
#endif

#ifndef CONFIG_STATIC_KEYS
int tp_jump_table_register(const struct tp_jump_entry *start,
			   const struct tp_jump_entry *stop)
{
	(void)start, (void)stop;
	return -ENOSYS;
}

int tp_jump_table_unregister(const struct tp_jump_entry *start)
{
	(void)start;
	return -ENOSYS;
}

int (tp_static_key_enable)(struct tp_static_key *key)
{
	(void)key;
	return -ENOSYS;
}

int (tp_static_key_disable)(struct tp_static_key *key)
{
	(void)key;
	return -ENOSYS;
}

int (tp_static_key_slow_inc)(struct tp_static_key *key)
{
	(void)key;
	return -ENOSYS;
}

int (tp_static_key_slow_dec)(struct tp_static_key *key)
{
	(void)key;
	return -ENOSYS;
}
#endif

#ifndef CONFIG_FTRACE
int tp_ftrace_set_filter(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	(void)ops, (void)glob, (void)reset;
	return -ENOSYS;
}

int tp_ftrace_set_notrace(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	(void)ops, (void)glob, (void)reset;
	return -ENOSYS;
}

int tp_ftrace_free_filter(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

int tp_register_ftrace_function(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

int tp_unregister_ftrace_function(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	(void)regs, (void)n;
	return 0;
}

long tp_ftrace_count_functions(const char *glob)
{
	(void)glob;
	return -ENOSYS;
}

int tp_register_ftrace_graph(struct tp_fgraph_ops *gops)
{
	(void)gops;
	return -ENOSYS;
}

int tp_unregister_ftrace_graph(struct tp_fgraph_ops *gops)
{
	(void)gops;
	return -ENOSYS;
}

unsigned long tp_ftrace_graph_skipped(void)
{
	return 0;
}

unsigned long tp_fgraph_ret_int(const struct tp_ftrace_graph_ret *ret, unsigned int n)
{
	(void)ret, (void)n;
	return 0;
}

unsigned long long tp_fgraph_ret_fp_bits(const struct tp_ftrace_graph_ret *ret,
					 unsigned int n)
{
	(void)ret, (void)n;
	return 0;
}

int tp_register_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	(void)ip, (void)tramp;
	return -ENOSYS;
}

int tp_modify_ftrace_direct(unsigned long ip, unsigned long old_tramp,
			    unsigned long new_tramp)
{
	(void)ip, (void)old_tramp, (void)new_tramp;
	return -ENOSYS;
}

int tp_unregister_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	(void)ip, (void)tramp;
	return -ENOSYS;
}

int tp_ftrace_redirect(unsigned long old_fn, unsigned long new_fn)
{
	(void)old_fn, (void)new_fn;
	return -ENOSYS;
}

int tp_ftrace_unredirect(unsigned long old_fn)
{
	(void)old_fn;
	return -ENOSYS;
}

int tp_fgraph_record_start(const char *path, const char *glob)
{
	(void)path, (void)glob;
	return -ENOSYS;
}

int tp_fgraph_record_stop(void)
{
	return -ENOSYS;
}

int tp_ftrace_update_objects(void)
{
	return -ENOSYS;
}

int tp_ftrace_set_backend(enum tp_backend backend)
{
	(void)backend;
	return -ENOSYS;
}
#endif
