// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Claiming the perf.data writer's file.
 *
 * Ownership is an exclusive flock() on the file, taken before the file
 * has its name and held by the writer's descriptor until it closes (the
 * descriptor is close-on-exec, and a forked child closes its copy, so
 * only the writer's process holds it).  A writer that finds the lock
 * taken refuses the name: two processes never write one file.
 *
 * The file is complete (header, attribute, features, the first records)
 * before it takes the name, by rename() over whatever was there: a call
 * that fails leaves the old file exactly as it was, and a reader never
 * sees half a header.  The old file is replaced only after its lock was
 * taken and the name was seen to still be that file's, so a writer that
 * took the name meanwhile is never replaced either.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perf_data_file.h"

/* Rounds of "the name changed while we looked" before giving up. */
#define PUBLISH_TRIES	8
/* Temporary names tried: another process's crash may have left one. */
#define TMP_TRIES	16

int perf_data_path_expand(const char *pattern, char *out, size_t size, bool *per_process)
{
	size_t len = 0;
	const char *p;

	*per_process = false;
	for (p = pattern; *p; p++) {
		char piece[24] = { *p, '\0' };
		size_t n;

		if (*p == '%') {
			p++;
			if (*p == 'p') {
				snprintf(piece, sizeof(piece), "%d", (int)getpid());
				*per_process = true;
			} else if (*p != '%') {
				return -EINVAL;
			}
		}
		n = strlen(piece);
		if (len + n >= size)
			return -ENAMETOOLONG;
		memcpy(out + len, piece, n);
		len += n;
	}
	if (!len)
		return -EINVAL;
	out[len] = '\0';
	return 0;
}

/*
 * Whether the regular file open at @fd is free: no writer holds its lock.
 * @how: LOCK_SH to look, LOCK_EX to take it.
 */
static int lock_free_file(int fd, int how)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	if (flock(fd, how | LOCK_NB))
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	return 0;
}

/*
 * Open what is at @path as a writer would (the permission to write it is
 * checked as it was when the file was truncated in place).  A special
 * file is refused before it is opened: opening some has effects.
 */
static int open_existing(const char *path, int *fd)
{
	struct stat st;

	*fd = -1;
	if (stat(path, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	*fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

/* Nothing at @path, or a file that may be replaced. */
static int check_replaceable(const char *path)
{
	int fd, err = open_existing(path, &fd);

	if (err)
		return err == -ENOENT ? 0 : err;
	err = lock_free_file(fd, LOCK_SH);
	close(fd);
	return err;
}

/* @path with symbolic links resolved when it exists, else as it is. */
static char *resolve(const char *path, int *err)
{
	char *real = realpath(path, NULL);

	*err = 0;
	if (!real && errno == ENOENT)
		real = strdup(path);
	if (!real)
		*err = -errno;
	return real;
}

/* DIR/.NAME.PID-N.tmp beside DIR/NAME, created exclusively; its fd. */
static int create_tmp(struct perf_data_file *f)
{
	const char *slash = strrchr(f->path, '/');
	int dir_len = slash ? (int)(slash - f->path + 1) : 0;
	size_t size = strlen(f->path) + 48;
	int i, err;

	f->tmp = malloc(size);
	if (!f->tmp)
		return -ENOMEM;
	for (i = 0; i < TMP_TRIES; i++) {
		snprintf(f->tmp, size, "%.*s.%s.%d-%d.tmp", dir_len, f->path,
			 f->path + dir_len, (int)getpid(), i);
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (f->fd >= 0 || errno != EEXIST)
			break;
	}
	if (f->fd >= 0 && !flock(f->fd, LOCK_EX | LOCK_NB))
		return 0;
	err = -errno;
	if (f->fd >= 0) {
		unlink(f->tmp);
		close(f->fd);
		f->fd = -1;
	}
	free(f->tmp);
	f->tmp = NULL;
	return err;
}

int perf_data_file_create(struct perf_data_file *f, const char *path)
{
	int err;

	*f = (struct perf_data_file){ .fd = -1 };
	f->path = resolve(path, &err);
	if (!err)
		err = check_replaceable(f->path);
	if (!err)
		err = create_tmp(f);
	if (err) {
		free(f->path);
		f->path = NULL;
	}
	return err;
}

/*
 * Nothing at the name: take it unless someone created it meanwhile
 * (-EAGAIN).  A file system without RENAME_NOREPLACE has link(), which
 * refuses an existing name as well.
 */
static int take_free_name(struct perf_data_file *f)
{
	if (!renameat2(AT_FDCWD, f->tmp, AT_FDCWD, f->path, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return errno == EEXIST ? -EAGAIN : -errno;
	if (link(f->tmp, f->path))
		return errno == EEXIST ? -EAGAIN : -errno;
	unlink(f->tmp);
	return 0;
}

/*
 * A file at the name: replace it holding its lock, if it is still the
 * file at the name once locked (-EAGAIN: another writer replaced it
 * between our open and our lock; look again).
 */
static int replace_free_file(struct perf_data_file *f, int old)
{
	struct stat locked, named;
	int err = lock_free_file(old, LOCK_EX);

	if (!err && (fstat(old, &locked) || stat(f->path, &named)))
		err = errno == ENOENT ? -EAGAIN : -errno;
	if (!err && (locked.st_dev != named.st_dev || locked.st_ino != named.st_ino))
		err = -EAGAIN;
	if (!err && rename(f->tmp, f->path))
		err = -errno;
	return err;
}

int perf_data_file_publish(struct perf_data_file *f)
{
	int i, err = -EBUSY;

	for (i = 0; i < PUBLISH_TRIES; i++) {
		int old;

		err = open_existing(f->path, &old);
		if (err == -ENOENT) {
			err = take_free_name(f);
		} else if (!err) {
			err = replace_free_file(f, old);
			close(old);	/* after the rename: the lock covers it */
		}
		if (err != -EAGAIN)
			return err;
	}
	return -EBUSY;
}

void perf_data_file_discard(struct perf_data_file *f)
{
	if (f->tmp)
		unlink(f->tmp);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	perf_data_file_release(f);
}

void perf_data_file_release(struct perf_data_file *f)
{
	free(f->path);
	free(f->tmp);
	f->path = NULL;
	f->tmp = NULL;
}
