// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The perf.data sink: every PRE and POST event as a PERF_RECORD_TEXT_POKE
 * record, in a file that perf reads at any moment after a batch ended.
 *
 * File layout, fixed at open:
 *   header | one attr + its id | feature contents | data ... | feature table
 * The feature table (where perf looks for the features: right after the
 * data) moves with the end of the data.
 *
 * Events are encoded into a buffer allocated at open, on the poking path
 * (no allocation, no lock, no system call: other threads may be parked);
 * the buffer reaches the file at the end of each batch, or earlier when
 * it is full, in three writes: the header without features (the old
 * feature table is about to be overwritten), the records followed by the
 * new feature table, the header with the new data size and the features.
 * A process that dies at any point leaves a file perf reads up to the end
 * of the last complete flush.  A flush that fails (a full disk, a file
 * size limit) puts the old feature table back after the data perf
 * knows, in place, and the header with it: the file still reads whole
 * up to the last complete flush, and the writer keeps the error for
 * tp_perf_data_close().
 *
 * Which file, and that no other writer has it: perf_data_file.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "../io.h"
#include "perf_data_file.h"
#include "perf_file.h"
#include "sink.h"

#define BUFFER_SIZE	(256 * 1024)
#define SAMPLE_TYPE	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU | \
			 PERF_SAMPLE_IDENTIFIER)
#define EVENT_ID	1ull
#define NR_FEATURES	4
#define FEATURES_SPACE	512		/* contents of the four features */

struct file_attr {
	uint8_t attr[PERF_FILE_ATTR_SIZE];
	struct perf_file_section ids;
};

static struct {
	int fd;				/* -1: no writer */
	uint8_t *buf;
	size_t len;
	struct perf_file_header header;
	uint64_t feature_bits;		/* of header.features[0] */
	struct perf_file_section table[NR_FEATURES];
	int error;			/* first failed write, sticky */
} writer = { .fd = -1 };

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static int write_header(bool with_features)
{
	writer.header.features[0] = with_features ? writer.feature_bits : 0;
	return write_all_at(writer.fd, &writer.header, sizeof(writer.header), 0);
}

/*
 * All of @iov at @offset: a short write (the disk filled up in its
 * middle) is continued, so that the error returned is the one that
 * stopped it.  Async-signal-safe.
 */
static int write_iov_at(int fd, struct iovec *iov, int nr, uint64_t offset)
{
	while (nr) {
		ssize_t n = pwritev(fd, iov, nr, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		offset += n;
		for (; nr && (size_t)n >= iov->iov_len; iov++, nr--)
			n -= iov->iov_len;
		if (nr) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	return 0;
}

/* The feature table where it was, after the data the header counts. */
static void restore_end(void)
{
	uint64_t end = writer.header.data.offset + writer.header.data.size;

	/* Rewrites bytes the file has already: no new space needed. */
	if (!write_all_at(writer.fd, writer.table, sizeof(writer.table), end))
		write_header(true);
}

/* Async-signal-safe: pwrite only. */
static int flush(void)
{
	uint64_t size = writer.header.data.size;
	struct iovec iov[2] = {
		{ writer.buf, writer.len },
		{ writer.table, sizeof(writer.table) },
	};
	int err;

	if (!writer.len || writer.error)
		return writer.error;
	err = write_header(false);
	if (!err)
		err = write_iov_at(writer.fd, iov, 2, writer.header.data.offset + size);
	if (!err) {
		writer.header.data.size += writer.len;
		err = write_header(true);
	}
	if (err) {
		writer.header.data.size = size;
		restore_end();
	}
	writer.len = 0;
	writer.error = err;
	return err;
}

static void on_event(const struct tp_event *ev, void *arg)
{
	bool pre = ev->phase == TP_EVENT_PRE;
	struct text_poke poke = {
		.addr = (uintptr_t)ev->addr,
		.old_len = pre ? ev->len : 0,	/* POST: only what is there now */
		.new_len = ev->len,
		.old = ev->old,
		.new = ev->new,
		.has_tail = true,
		.tail = { TEXTPOKE_TAIL_MAGIC, ev->phase, ev->backend, 0, ev->batch },
		.sid = { ev->pid, ev->tid, ev->time_ns, EVENT_ID, ev->cpu },
	};
	size_t size = text_poke_size(poke.old_len, poke.new_len, SAMPLE_TYPE);

	(void)arg;
	if (writer.len + size > BUFFER_SIZE)
		flush();
	if (writer.error)
		return;
	writer.len += text_poke_write(writer.buf + writer.len, &poke, SAMPLE_TYPE);
}

static void on_batch_end(void *arg)
{
	(void)arg;
	flush();
}

static void fill_attr(struct file_attr *fa, uint64_t ids_offset)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.size = PERF_FILE_ATTR_SIZE;
	attr.sample_type = SAMPLE_TYPE;
	attr.sample_id_all = 1;
	attr.text_poke = 1;
	attr.use_clockid = 1;
	attr.clockid = CLOCK_MONOTONIC;
	_Static_assert(sizeof(attr) >= PERF_FILE_ATTR_SIZE, "perf_event_attr too old");
	memcpy(fa->attr, &attr, PERF_FILE_ATTR_SIZE);
	fa->ids = (struct perf_file_section){ ids_offset, sizeof(uint64_t) };
}

/* ARCH, OSRELEASE, NRCPUS, CLOCKID into @buf; the table entries point there. */
static size_t fill_features(uint8_t *buf, uint64_t offset)
{
	static const int order[NR_FEATURES] = {
		PERF_FEAT_OSRELEASE, PERF_FEAT_ARCH, PERF_FEAT_NRCPUS, PERF_FEAT_CLOCKID,
	};
	struct utsname un;
	uint32_t cpus[2];
	uint64_t clock_res_ns = 1;
	size_t len = 0, i;

	uname(&un);
	cpus[0] = sysconf(_SC_NPROCESSORS_CONF);	/* available */
	cpus[1] = sysconf(_SC_NPROCESSORS_ONLN);	/* online */
	for (i = 0; i < NR_FEATURES; i++) {
		size_t size;

		switch (order[i]) {
		case PERF_FEAT_OSRELEASE:
			size = perf_string_write(buf + len, un.release);
			break;
		case PERF_FEAT_ARCH:
			size = perf_string_write(buf + len, un.machine);
			break;
		case PERF_FEAT_NRCPUS:
			memcpy(buf + len, cpus, size = sizeof(cpus));
			break;
		default:
			memcpy(buf + len, &clock_res_ns, size = sizeof(clock_res_ns));
			break;
		}
		/* The table lists the sections in the order of their bits. */
		writer.table[i] = (struct perf_file_section){ offset + len, size };
		writer.feature_bits |= 1ull << order[i];
		len += size;
	}
	return len;
}

/* Header, attr, id and feature contents: everything before the data. */
static int write_prologue(void)
{
	uint8_t prologue[sizeof(struct perf_file_header) + sizeof(struct file_attr) +
			 sizeof(uint64_t) + FEATURES_SPACE];
	uint64_t attr_off = sizeof(struct perf_file_header);
	uint64_t ids_off = attr_off + sizeof(struct file_attr);
	uint64_t feat_off = ids_off + sizeof(uint64_t);
	uint64_t id = EVENT_ID;
	size_t feat_len;

	memset(prologue, 0, sizeof(prologue));
	fill_attr((struct file_attr *)(prologue + attr_off), ids_off);
	memcpy(prologue + ids_off, &id, sizeof(id));
	feat_len = fill_features(prologue + feat_off, feat_off);
	writer.header = (struct perf_file_header){
		.magic = PERF_MAGIC2,
		.size = sizeof(struct perf_file_header),
		.attr_size = sizeof(struct file_attr),
		.attrs = { attr_off, sizeof(struct file_attr) },
		.data = { (feat_off + feat_len + 7) & ~7ull, 0 },
	};
	writer.header.features[0] = writer.feature_bits;
	memcpy(prologue, &writer.header, sizeof(writer.header));
	return write_all_at(writer.fd, prologue, writer.header.data.offset, 0);
}

/* The feature table after the (still empty) data. */
static int write_feature_table(void)
{
	return write_all_at(writer.fd, writer.table, sizeof(writer.table), writer.header.data.offset);
}

/*
 * A PERF_RECORD_COMM first, as perf record synthesizes for the tasks it
 * follows, so that perf prints the program's name beside its pid.
 */
static void buffer_comm(void)
{
	struct {
		struct perf_event_header header;
		uint32_t pid, tid;
		char comm[16];
	} rec = { .header = { PERF_RECORD_COMM, 0, sizeof(rec) + sample_id_size(SAMPLE_TYPE) } };
	struct timespec now;
	struct sample_id sid;

	prctl(PR_GET_NAME, rec.comm);
	rec.pid = getpid();
	rec.tid = rec.pid;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sid = (struct sample_id){ rec.pid, rec.tid, now.tv_sec * 1000000000ull + now.tv_nsec,
				  EVENT_ID, sched_getcpu() };
	memcpy(writer.buf, &rec, sizeof(rec));
	sample_id_write(writer.buf + sizeof(rec), SAMPLE_TYPE, &sid);
	writer.len = rec.header.size;
}

/* Close the file (its lock goes with it); -errno if close() reports one. */
static int close_locked(void)
{
	int err = close(writer.fd) ? -errno : 0;

	events_remove_subscriber(on_event, NULL);
	free(writer.buf);
	writer.fd = -1;
	writer.buf = NULL;
	writer.len = 0;
	return err;
}

/* A child must not append to its parent's file at the parent's offsets. */
static void fork_child(void)
{
	if (writer.fd >= 0)
		close_locked();		/* the parent's lock stays: it holds the file too */
}

static void at_exit(void)
{
	tp_perf_data_close();
}

static void install_hooks(void)
{
	pthread_atfork(NULL, NULL, fork_child);
	atexit(at_exit);
}

/* The file's first bytes, written to @fd before it has its name. */
static int write_start(int fd)
{
	int err;

	writer.fd = fd;
	writer.len = 0;
	writer.error = 0;
	writer.feature_bits = 0;
	err = write_prologue();
	if (!err)
		err = write_feature_table();
	if (!err) {
		buffer_comm();
		err = flush();
	}
	return err;
}

/*
 * Everything that can be refused without touching @path first (a writer
 * open, no subscriber slot, no memory); then the file, complete before
 * it takes the name.  The subscriber is in the table early, but no batch
 * runs before the lock is released.
 */
static int open_locked(const char *path)
{
	struct perf_data_file file;
	int err;

	if (writer.fd >= 0)
		return -EALREADY;
	err = events_add_subscriber(on_event, on_batch_end, NULL, TP_EVENTS_DECODER);
	if (err)
		return err;
	writer.buf = malloc(BUFFER_SIZE);
	err = writer.buf ? perf_data_file_create(&file, path) : -ENOMEM;
	if (!err) {
		err = write_start(file.fd);
		if (!err)
			err = perf_data_file_publish(&file);
		if (err)
			perf_data_file_discard(&file);
		else
			perf_data_file_release(&file);
	}
	if (err) {
		events_remove_subscriber(on_event, NULL);
		free(writer.buf);
		writer.buf = NULL;
		writer.fd = -1;
		return err;
	}
	pthread_once(&hooks_once, install_hooks);
	return 0;
}

static int open_with_mutex(const char *path)
{
	int err = events_lock();

	if (err)
		return err;
	err = open_locked(path);
	events_unlock();
	return err;
}

/*
 * Called by tp_init(), inside its once: must not call tp_init().  A
 * program run by one that writes the same name (the variable is
 * inherited) finds the name held: it writes NAME.PID instead, unless
 * the name has a %p of its own.
 */
int perf_data_open_from_env(void)
{
	const char *pattern = getenv("TEXTPOKE_PERF_DATA");
	char path[PATH_MAX + 16];
	bool per_process;
	int err;

	if (!pattern || !*pattern)
		return 0;
	err = perf_data_path_expand(pattern, path, PATH_MAX, &per_process);
	if (!err)
		err = open_with_mutex(path);
	if (err == -EBUSY && !per_process) {
		snprintf(path + strlen(path), 16, ".%d", (int)getpid());
		err = open_with_mutex(path);
	}
	return err;
}

int tp_perf_data_open(const char *path)
{
	int err;

	if (!path || !*path)
		return -EINVAL;
	err = tp_init();
	return err ? err : open_with_mutex(path);
}

int tp_perf_data_close(void)
{
	int err = events_lock();

	if (err)
		return err;
	if (writer.fd < 0) {
		err = -ENOENT;
	} else {
		int close_err;

		err = flush();
		close_err = close_locked();
		err = err ?: close_err;
	}
	events_unlock();
	return err;
}
