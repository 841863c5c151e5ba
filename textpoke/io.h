/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* io.c: the library's own files (perf.data, graph recordings). */
#ifndef TEXTPOKE_IO_H
#define TEXTPOKE_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Write all of @buf at @offset, or at the file position when @offset is
 * negative (O_APPEND files); a short write is retried, so the result is
 * 0 or a negative errno (-EIO when nothing was written).
 */
int write_all_at(int fd, const void *buf, size_t len, off_t offset);

#endif /* TEXTPOKE_IO_H */
