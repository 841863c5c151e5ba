// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A graph ops that writes every entry and return to a file, with the
 * objects loaded in the process and the names of the functions it may
 * see: what tp-graph(1) prints.
 * The callbacks run in any context, so each record is one write(2) of
 * its own to a file opened O_APPEND: threads' records never interleave
 * inside one another, and nothing is buffered that a crash would lose.
 *
 * Objects are written when the loaded objects are scanned (under
 * ftrace.c's mutex, see ftrace_record_objects()): those loaded when the
 * recording starts, then each load and unload the scans find, before
 * any call of a new object's functions can be traced (its sites are
 * initialised after the scan) and after every traced call of an unloaded
 * one (it was called before dlclose()).
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/fgraph_record.h>

#include "ftrace_internal.h"
#include "../internal.h"

/* Taken before ftrace.c's mutex, never in a callback. */
static pthread_mutex_t record_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t record_once = PTHREAD_ONCE_INIT;
static int record_fd = -1;
static struct tp_fgraph_ops record_ops;

/*
 * Where the scans write the objects they find, under ftrace.c's mutex:
 * -1 when no recording runs.  The loads numbered up to objects_written
 * that are still loaded are in the file.
 */
static int objects_fd = -1;
static char *objects_glob;		/* the recording's; NULL: every function */
static unsigned long objects_written;

/* Object and symbol records gathered into few writes; under ftrace.c's mutex. */
static struct {
	unsigned char buf[16384];
	size_t len;
	int err;
} out;

/* A build-id longer than this is not written. */
#define BUILD_ID_MAX	64

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

/* --- objects and symbols --------------------------------------------------- */

static void out_flush(void)
{
	int err = out.len ? write_all_at(objects_fd, out.buf, out.len, -1) : 0;

	out.err = out.err ?: err;
	out.len = 0;
}

/* @p may be NULL when @len is 0. */
static void out_copy(const void *p, size_t len)
{
	if (len)
		memcpy(out.buf + out.len, p, len);
	out.len += len;
}

/*
 * A record of 40 bytes and what follows it, padded to 8, whole in one
 * write: the other threads' entries and returns go between records,
 * never inside one.
 */
static void out_put(const void *rec, const void *a, size_t a_len, const void *b, size_t b_len)
{
	static const char pad[8];
	size_t len = sizeof(struct tp_fgraph_record) + a_len + b_len, pad_len = -len & 7;

	if (out.len + len + pad_len > sizeof(out.buf))
		out_flush();
	if (len + pad_len > sizeof(out.buf)) {
		const struct iovec iov[] = {
			{ (void *)rec, sizeof(struct tp_fgraph_record) },
			{ (void *)a, a_len }, { (void *)b, b_len }, { (void *)pad, pad_len },
		};
		ssize_t n = writev(objects_fd, iov, 4);

		if (n != (ssize_t)(len + pad_len))
			out.err = out.err ?: (n < 0 ? -errno : -EIO);
		return;
	}
	out_copy(rec, sizeof(struct tp_fgraph_record));
	out_copy(a, a_len);
	out_copy(b, b_len);
	out_copy(pad, pad_len);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Whether [@addr, @addr + @len) of @obj is in one of its loaded segments. */
static bool object_maps(const struct ftrace_object *obj, uintptr_t addr, size_t len)
{
	const ElfW(Phdr) *phdr = obj->phdr;
	int i;

	for (i = 0; i < obj->phnum; i++) {
		uintptr_t start = obj->base + phdr[i].p_vaddr;

		if (phdr[i].p_type == PT_LOAD && addr >= start &&
		    addr - start <= phdr[i].p_filesz && len <= phdr[i].p_filesz - (addr - start))
			return true;
	}
	return false;
}

/* The GNU build-id note in one PT_NOTE segment of @obj, from memory. */
static size_t note_build_id(const struct ftrace_object *obj, const ElfW(Phdr) *note,
			    const uint8_t **id)
{
	const uint8_t *p = (const uint8_t *)(obj->base + note->p_vaddr);
	size_t left = note->p_filesz, align = note->p_align == 8 ? 8 : 4;

	if (!object_maps(obj, (uintptr_t)p, left))
		return 0;
	/* The name right after the header, the descriptor and the next note aligned. */
	while (left >= sizeof(ElfW(Nhdr))) {
		ElfW(Nhdr) n;
		size_t desc, size;

		memcpy(&n, p, sizeof(n));
		if (n.n_namesz > left || n.n_descsz > left)
			return 0;
		desc = (sizeof(n) + n.n_namesz + align - 1) & ~(align - 1);
		size = (desc + n.n_descsz + align - 1) & ~(align - 1);
		if (desc + n.n_descsz > left)
			return 0;
		size = size < left ? size : left;
		if (n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 &&
		    !memcmp(p + sizeof(n), "GNU", 4)) {
			*id = p + desc;
			return n.n_descsz <= BUILD_ID_MAX ? n.n_descsz : 0;
		}
		p += size;
		left -= size;
	}
	return 0;
}

static size_t object_build_id(const struct ftrace_object *obj, const uint8_t **id)
{
	const ElfW(Phdr) *phdr = obj->phdr;
	size_t len = 0;
	int i;

	for (i = 0; i < obj->phnum && !len; i++)
		if (phdr[i].p_type == PT_NOTE)
			len = note_build_id(obj, &phdr[i], id);
	return len;
}

static bool recording_wants(const struct ftrace_func *f)
{
	if (!objects_glob)
		return true;
	return f->name && !fnmatch(objects_glob, f->name, 0);
}

/* The file of @obj: the executable's by its name, which a reader can open. */
static const char *object_path(const struct ftrace_object *obj, char *buf, size_t size)
{
	ssize_t n;

	if (strcmp(obj->path, "/proc/self/exe"))
		return obj->path;
	n = readlink(obj->path, buf, size - 1);
	if (n <= 0)
		return obj->path;
	buf[n] = 0;
	return buf;
}

/* The object's identity, then the functions of it the recording traces. */
static void write_load(const struct ftrace_object *obj, uint64_t time)
{
	char exe[PATH_MAX];
	const char *path = object_path(obj, exe, sizeof(exe));
	const uint8_t *id = NULL;
	size_t id_len = object_build_id(obj, &id), path_len = strlen(path), i;
	struct tp_fgraph_object o = {
		.type = TP_FGRAPH_LOAD, .object = obj->load, .base = obj->base,
		.time = time, .build_id_len = id_len, .len = id_len + path_len,
	};

	out_put(&o, id, id_len, path, path_len);
	for (i = 0; i < obj->nr; i++) {
		const struct ftrace_func *f = &obj->funcs[i];
		size_t len = f->name ? strlen(f->name) : 0;
		struct tp_fgraph_record s = {
			.type = TP_FGRAPH_SYMBOL, .object = obj->load,
			.func = f->layout.func, .len = len,
		};

		if (recording_wants(f))
			out_put(&s, f->name, len, NULL, 0);
	}
}

/* The loaded objects not yet in the file, in the order they were loaded. */
static void write_loads(uint64_t time)
{
	const struct ftrace_object *obj, *next;

	do {
		next = NULL;
		for (obj = ftrace_objects; obj; obj = obj->next)
			if (obj->seen && obj->load > objects_written &&
			    (!next || obj->load < next->load))
				next = obj;
		if (next) {
			write_load(next, time);
			objects_written = next->load;
		}
	} while (next);
}

/*
 * Called by every scan that found the loaded objects changed, before it
 * forgets the unloaded ones: the unloads first (a new object may be
 * where an unloaded one was), then the loads.  An object found and lost
 * between two recorded scans was never written, and is not now.
 */
void ftrace_record_objects(void)
{
	const struct ftrace_object *obj;
	uint64_t time;

	if (objects_fd < 0)
		return;
	time = now_ns();
	for (obj = ftrace_objects; obj; obj = obj->next) {
		struct tp_fgraph_object o = {
			.type = TP_FGRAPH_UNLOAD, .object = obj->load, .time = time,
		};

		if (!obj->seen && obj->load <= objects_written)
			out_put(&o, NULL, 0, NULL, 0);
	}
	write_loads(time);
	out_flush();
	out.err = 0;		/* lost records, never the program's error */
}

/* The objects loaded now, with time 0; from now on each scan writes its own. */
static int objects_start(int fd, const char *glob)
{
	int err = ftrace_lock();

	if (err)
		return err;
	objects_glob = glob ? strdup(glob) : NULL;
	err = glob && !objects_glob ? -ENOMEM : ftrace_objects_scan();
	if (!err) {
		objects_fd = fd;
		objects_written = 0;
		write_loads(0);
		out_flush();
		err = out.err;
		out.err = 0;
	}
	if (err) {
		objects_fd = -1;
		free(objects_glob);
		objects_glob = NULL;
	}
	ftrace_unlock();
	return err;
}

/* No scan writes to the file after this. */
static void objects_stop(void)
{
	if (ftrace_lock())
		return;		/* in a callback: refused before we got here */
	objects_fd = -1;
	free(objects_glob);
	objects_glob = NULL;
	ftrace_unlock();
}

/* --- start and stop ---------------------------------------------------------- */

static int write_head(int fd)
{
	struct tp_fgraph_file_header h = {
		.version = TP_FGRAPH_VERSION,
		.record_size = sizeof(struct tp_fgraph_record),
		.pid = getpid(),
	};

	memcpy(h.magic, TP_FGRAPH_MAGIC, sizeof(h.magic));
	return write_all_at(fd, &h, sizeof(h), -1);
}

static int record_start_locked(const char *path, const char *glob)
{
	bool objects = false;
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
		err = write_head(fd);
		if (!err)
			err = objects_start(fd, glob);
		objects = !err;
		record_fd = fd;
		if (!err)
			err = tp_register_ftrace_graph(&record_ops);
	}
	if (err) {
		if (objects)
			objects_stop();
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
	if (in_library_callback())
		return -EDEADLK;
	pthread_once(&record_once, record_init);
	pthread_mutex_lock(&record_mutex);
	err = record_start_locked(path, glob);
	pthread_mutex_unlock(&record_mutex);
	return err;
}

/*
 * After the unregister no callback runs or is running, and after
 * objects_stop() no scan writes: the file can close.
 */
int tp_fgraph_record_stop(void)
{
	int err;

	if (in_library_callback())
		return -EDEADLK;
	pthread_mutex_lock(&record_mutex);
	err = record_fd < 0 ? -ENOENT : tp_unregister_ftrace_graph(&record_ops);
	if (!err) {
		objects_stop();
		err = close(record_fd) ? -errno : 0;
		record_fd = -1;
		tp_ftrace_free_filter(&record_ops.ops);
	}
	pthread_mutex_unlock(&record_mutex);
	return err;
}
