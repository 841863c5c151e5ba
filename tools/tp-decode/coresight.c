// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-decode's CoreSight inputs (coresight.h): reading them, and printing
 * what OpenCSD decodes, one line per element.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coresight/cs_snapshot.h"
#include "coresight.h"

/* A buffer larger than this is not one a sink could hold. */
#define MAX_BUFFER_SIZE	(1ull << 32)

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_BUFFER_SIZE) {
		close(fd);
		return -EINVAL;
	}
	*len = st.st_size;
	*buf = malloc(*len ? *len : 1);
	while (*buf && done < *len) {
		ssize_t n = read(fd, *buf + done, *len - done);

		if (n <= 0)
			break;
		done += n;
	}
	close(fd);
	if (!*buf)
		return -ENOMEM;
	if (done < *len) {
		free(*buf);
		return -EIO;
	}
	return 0;
}

static bool print_element(void *arg, uint64_t index, uint8_t id,
			  const ocsd_generic_trace_elem *e)
{
	const struct cs_args *a = arg;
	char line[1024];

	if (a->output == CS_OUT_RANGES) {
		if (e->elem_type != OCSD_GEN_TRC_ELEM_INSTR_RANGE)
			return true;
		printf("ID:%x range 0x%" PRIx64 "-0x%" PRIx64 " %u %s\n", id, (uint64_t)e->st_addr,
		       (uint64_t)e->en_addr, e->num_instr_range, e->last_instr_exec ? "E" : "N");
		return true;
	}
	cs_element_line(line, sizeof(line), index, id, e);
	puts(line);
	return true;
}

static void print_warnings(const char *what, const char *warnings)
{
	const char *line = warnings, *end;

	for (; *line; line = end + 1) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		fprintf(stderr, "tp-decode: %s: warning: %.*s\n", what, (int)(end - line), line);
		if (!*end)
			break;
	}
}

/* Errors seen in the trace: said once, and the status that says so. */
static int trace_status(const char *what, const struct cs_tree *t)
{
	if (!t->stats.nr_errors)
		return 0;
	fprintf(stderr, "tp-decode: %s: %zu bad packet%s, decoding went on after each; "
		"the first: %s\n", what, t->stats.nr_errors, t->stats.nr_errors > 1 ? "s" : "",
		t->stats.first_error);
	return TP_DECODE_TRACE_ERRORS;
}

int cs_decode_snapshot(const struct cs_args *a)
{
	const struct cs_buffer *b;
	struct cs_snapshot ss;
	struct cs_tree t;
	uint8_t *buf = NULL;
	size_t len = 0;
	int err, status = 1;

	err = cs_snapshot_load(&ss, a->snapshot);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->snapshot, ss.error);
		return 1;
	}
	b = cs_snapshot_buffer(&ss, a->buffer);
	if (!b) {
		fprintf(stderr, "tp-decode: %s: no buffer %s\n", a->snapshot, a->buffer);
		goto out;
	}
	err = cs_snapshot_tree(&ss, b, &t);
	print_warnings(a->snapshot, ss.warnings);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", a->snapshot, t.error);
		goto out;
	}
	err = read_file(b->path, &buf, &len);
	if (err) {
		fprintf(stderr, "tp-decode: %s: %s\n", b->path, strerror(-err));
	} else if (cs_tree_decode(&t, buf, len, 0, a->id, print_element, (void *)a)) {
		fprintf(stderr, "tp-decode: %s: %s\n", b->path, t.error);
	} else {
		fflush(stdout);
		status = trace_status(b->path, &t);
	}
	free(buf);
	cs_tree_close(&t);
out:
	cs_snapshot_free(&ss);
	return status;
}
