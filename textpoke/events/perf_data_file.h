/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The perf.data writer's file, and that it is the writer's alone: the
 * name TEXTPOKE_PERF_DATA gives, a temporary file beside it that takes
 * the name only once it is complete, and an exclusive lock held on it
 * as long as it is written, which every later writer of the same name
 * finds before it would replace it.
 */
#ifndef TEXTPOKE_EVENTS_PERF_DATA_FILE_H
#define TEXTPOKE_EVENTS_PERF_DATA_FILE_H

#include <stdbool.h>
#include <stddef.h>

struct perf_data_file {
	int fd;				/* open for writing, locked */
	char *path;			/* where it goes, symbolic links resolved */
	char *tmp;			/* its name until it is published */
};

/*
 * @pattern with "%p" replaced by this process's id and "%%" by "%", into
 * @out; *@per_process says whether there was a %p.  -EINVAL for any
 * other "%" sequence, -ENAMETOOLONG when it does not fit.
 */
int perf_data_path_expand(const char *pattern, char *out, size_t size, bool *per_process);

/*
 * Check that @path can become the writer's file (nothing there, or a
 * regular file this process could write that no writer holds), then
 * create the temporary file beside it, locked, mode 0644 less the umask.
 * -EBUSY: a writer holds @path; -EINVAL: not a regular file (-EISDIR for
 * a directory); -errno of the file system.  Nothing exists afterwards
 * that did not exist before, unless it returned 0.
 */
int perf_data_file_create(struct perf_data_file *f, const char *path);

/*
 * Give the temporary file its name: atomically replace what is at the
 * path, unless a writer took it meanwhile (-EBUSY).  On error the
 * temporary file is still there, for perf_data_file_discard().
 */
int perf_data_file_publish(struct perf_data_file *f);

/* Unpublished: remove the temporary file and close it.  Frees the names. */
void perf_data_file_discard(struct perf_data_file *f);

/* Published: free the names; the descriptor (and its lock) is the caller's. */
void perf_data_file_release(struct perf_data_file *f);

#endif /* TEXTPOKE_EVENTS_PERF_DATA_FILE_H */
