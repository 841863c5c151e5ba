// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A graph ops that writes every entry and return to a file, with the
 * names of the functions it may see first: what tp-graph(1) prints.
 * The callbacks run in any context, so each record is one write(2) of
 * its own to a file opened O_APPEND: threads' records never interleave
 * inside one another, and nothing is buffered that a crash would lose.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <textpoke/fgraph_record.h>

#include "ftrace_internal.h"
#include "../internal.h"

/* Taken before ftrace.c's mutex, never in a callback. */
static pthread_mutex_t record_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t record_once = PTHREAD_ONCE_INIT;
static int record_fd = -1;
static struct tp_fgraph_ops record_ops;

static __thread pid_t record_tid __attribute__((tls_model("initial-exec")));

static void record_atfork_child(void)
{
	record_tid = 0;
}

static void record_init(void)
{
	pthread_atfork(NULL, NULL, record_atfork_child);
}

static uint32_t this_tid(void)
{
	if (!record_tid)
		record_tid = syscall(SYS_gettid);
	return record_tid;
}

/* One write: a short one (disk full) loses the record, never the program. */
static void record_put(const void *r, size_t len)
{
	ssize_t n = write(record_fd, r, len);

	(void)n;
}

static int record_entry(const struct tp_ftrace_graph_ent *e, struct tp_fgraph_ops *gops)
{
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_ENTRY, .tid = this_tid(), .func = e->func,
		.calltime = e->calltime, .depth = e->depth,
	};

	(void)gops;
	record_put(&r, sizeof(r));
	return 1;
}

/* A return and its return registers in one write: nothing comes in between. */
static void record_return(const struct tp_ftrace_graph_ret *ret, struct tp_fgraph_ops *gops)
{
	uint32_t tid = this_tid();
	struct {
		struct tp_fgraph_record r;
		struct tp_fgraph_retval v;
	} rec = {
		.r = {
			.type = TP_FGRAPH_RETURN, .tid = tid, .func = ret->func,
			.calltime = ret->calltime, .rettime = ret->rettime, .depth = ret->depth,
		},
		.v = { .type = TP_FGRAPH_RETVAL, .tid = tid },
	};
	unsigned int i;

	(void)gops;
	if (ret->flags & TP_FGRAPH_RET_UNWOUND) {
		rec.r.flags = TP_FGRAPH_RECORD_UNWOUND;
		record_put(&rec.r, sizeof(rec.r));
		return;
	}
	for (i = 0; i < 2; i++) {
		rec.v.ints[i] = tp_fgraph_ret_int(ret, i);
		rec.v.fp_bits[i] = tp_fgraph_ret_fp_bits(ret, i);
	}
	record_put(&rec, sizeof(rec));
}

static int write_symbol(uintptr_t ip, const char *name, void *data)
{
	static const char pad[8];
	size_t len = strlen(name);
	struct tp_fgraph_record r = {
		.type = TP_FGRAPH_SYMBOL, .func = ip, .len = len,
	};
	int fd = *(int *)data;
	int err = write_all_at(fd, &r, sizeof(r), -1);

	if (!err)
		err = write_all_at(fd, name, len, -1);
	if (!err)
		err = write_all_at(fd, pad, -len & 7, -1);
	return err;
}

static int write_head(int fd, const char *glob)
{
	struct tp_fgraph_file_header h = {
		.version = TP_FGRAPH_VERSION,
		.record_size = sizeof(struct tp_fgraph_record),
		.pid = getpid(),
	};
	int err;

	memcpy(h.magic, TP_FGRAPH_MAGIC, sizeof(h.magic));
	err = write_all_at(fd, &h, sizeof(h), -1);
	if (!err)
		err = ftrace_for_each_function(glob, write_symbol, &fd);
	return err;
}

static int record_start_locked(const char *path, const char *glob)
{
	int fd, err;

	if (record_fd >= 0)
		return -EBUSY;
	memset(&record_ops, 0, sizeof(record_ops));
	record_ops.entryfunc = record_entry;
	record_ops.retfunc = record_return;
	err = tp_ftrace_set_filter(&record_ops.ops, glob, 1);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = -errno;
	} else {
		err = write_head(fd, glob);
		record_fd = fd;
		if (!err)
			err = tp_register_ftrace_graph(&record_ops);
	}
	if (err) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		record_fd = -1;
		tp_ftrace_free_filter(&record_ops.ops);
	}
	return err;
}

int tp_fgraph_record_start(const char *path, const char *glob)
{
	int err;

	if (!path)
		return -EINVAL;
	if (ftrace_in_callback)
		return -EDEADLK;
	pthread_once(&record_once, record_init);
	pthread_mutex_lock(&record_mutex);
	err = record_start_locked(path, glob);
	pthread_mutex_unlock(&record_mutex);
	return err;
}

/* After the unregister no callback runs or is running: the file can close. */
int tp_fgraph_record_stop(void)
{
	int err;

	if (ftrace_in_callback)
		return -EDEADLK;
	pthread_mutex_lock(&record_mutex);
	err = record_fd < 0 ? -ENOENT : tp_unregister_ftrace_graph(&record_ops);
	if (!err) {
		err = close(record_fd) ? -errno : 0;
		record_fd = -1;
		tp_ftrace_free_filter(&record_ops.ops);
	}
	pthread_mutex_unlock(&record_mutex);
	return err;
}
