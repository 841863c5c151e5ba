// SPDX-License-Identifier: GPL-2.0
/*
 * Element lists of tp-decode and trc_pkt_lister (compare.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compare.h"

static int add_line(struct elem_list *l, const char *line)
{
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 256;
		char **grown = realloc(l->lines, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->lines = grown;
		l->cap = cap;
	}
	l->lines[l->nr] = strdup(line);
	return l->lines[l->nr++] ? 0 : -ENOMEM;
}

/* "...Idx:12; ID:10;\tOCSD_GEN..." becomes "ID:10; OCSD_GEN...". */
static int take(struct elem_list *l, char *line)
{
	char *idx = strstr(line, "Idx:"), *id, *tab, *nl = strchr(line, '\n');

	if (nl)
		*nl = '\0';
	if (strstr(line, "Data Path fatal error"))
		l->fatal = true;
	if (!idx || !strstr(idx, "OCSD_GEN_TRC_ELEM_"))
		return 0;
	id = strstr(idx, "; ID:");
	if (!id)
		return 0;
	while ((tab = strchr(id, '\t')))
		*tab = ' ';
	return add_line(l, id + 2);
}

int elem_list_run(const char *cmd, struct elem_list *l)
{
	static char line[4096];
	FILE *p;
	int status, err = 0;

	memset(l, 0, sizeof(*l));
	p = popen(cmd, "r");
	if (!p)
		return -errno;
	while (fgets(line, sizeof(line), p))
		if (!err)
			err = take(l, line);
	status = pclose(p);
	l->status = status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
	return err;
}

void elem_list_free(struct elem_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		free(l->lines[i]);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

bool elem_list_agree(const struct elem_list *theirs, const struct elem_list *ours, char *why,
		     size_t len)
{
	size_t i;

	for (i = 0; i < theirs->nr && i < ours->nr; i++) {
		if (strcmp(theirs->lines[i], ours->lines[i])) {
			snprintf(why, len, "element %zu: trc_pkt_lister \"%s\", tp-decode \"%s\"", i,
				 theirs->lines[i], ours->lines[i]);
			return false;
		}
	}
	if (theirs->nr > ours->nr || (!theirs->fatal && ours->nr > theirs->nr)) {
		snprintf(why, len, "trc_pkt_lister has %zu elements, tp-decode %zu", theirs->nr,
			 ours->nr);
		return false;
	}
	return true;
}

void elem_list_ids(const struct elem_list *l, bool ids[128])
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		unsigned int id;

		if (sscanf(l->lines[i], "ID:%x;", &id) == 1 && id < 128)
			ids[id] = true;
	}
}

const char *build_file(const char *name)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 64);
	char *slash;

	if (n <= 0)
		return name;
	path[n] = '\0';
	slash = strstr(path, "/selftests/");
	if (!slash)
		return name;
	snprintf(slash, 64, "/%s", name);
	return path;
}
