// SPDX-License-Identifier: GPL-2.0
/*
 * The poking program's log and image, and the test's own files
 * (poked.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "poked.h"

static int parse_line(const char *line, struct path *p)
{
	unsigned long long a, b, c, d;
	int version;

	if (sscanf(line, "work %llx %llx %llx %llx", &a, &b, &c, &d) == 4) {
		p->work = a;
		p->site = b;
		p->alt = c;
		p->done = d;
		return 0;
	}
	if (sscanf(line, "call %llu %d", &a, &version) == 2) {
		if (p->nr_calls == PATH_MAX_CALLS || (version != 1 && version != 2))
			return -EINVAL;
		p->calls[p->nr_calls].time = a;
		p->calls[p->nr_calls].version = version;
		p->calls[p->nr_calls].trapped = false;
		p->nr_calls++;
		return 0;
	}
	if (sscanf(line, "poke %d", &version) == 1 && p->nr_pokes < PATH_MAX_CALLS) {
		p->pokes[p->nr_pokes++] = version;
		return 0;
	}
	return -EINVAL;
}

int poked_log_load(const char *log, struct path *p)
{
	char line[256];
	int err = 0;
	FILE *f;

	memset(p, 0, sizeof(*p));
	f = fopen(log, "re");
	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_line(line, p);
	fclose(f);
	return !err && !p->nr_calls ? -EINVAL : err;
}

void poked_path_before_first_poke(const struct path *p, const struct code_image *img,
				  struct path *before)
{
	size_t i;

	*before = *p;
	for (i = 0; i < p->nr_calls && p->calls[i].time < img->changes[0].pre_time; i++)
		;
	before->nr_calls = i;
}

int poked_image_load(struct code_image *img, uint16_t machine, const char *prog,
		     const char *events)
{
	int err;

	code_image_init(img);
	err = code_image_set_arch(img, machine);
	if (!err)
		err = code_image_add_elf(img, prog, 0);
	if (!err)
		err = code_image_add_perf_data(img, events);
	if (!err)
		err = code_image_freeze(img);
	return err;
}

const char *test_file(const char *name, bool in_objtree)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 64);
	char *slash;

	if (n <= 0)
		return name;
	path[n] = '\0';
	slash = in_objtree ? strstr(path, "/selftests/") : strrchr(path, '/');
	if (!slash)
		return name;
	snprintf(slash, 64, "/%s", name);
	return path;
}

int test_run(const char *cmd)
{
	int status = system(cmd);

	return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}
