// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library's own files (perf.data, graph recordings): whole writes or an error. */
#include <errno.h>
#include <unistd.h>

#include "io.h"

int write_all_at(int fd, const void *buf, size_t len, off_t offset)
{
	const char *p = buf;

	while (len) {
		ssize_t n = offset < 0 ? write(fd, p, len) : pwrite(fd, p, len, offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= n;
		if (offset >= 0)
			offset += n;
	}
	return 0;
}
