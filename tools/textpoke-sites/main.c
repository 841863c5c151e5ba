// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke-sites FILE...: list and verify the patch sites of ELF files
 * once they are linked (see docs/textpoke-sites.1).  Exit status 0 when
 * every site is right, 1 when anything is wrong with any file, 2 for a
 * wrong command line.  TP_VERSION, the library's version, comes from the
 * build.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sites.h"

static void usage(FILE *out)
{
	fputs("usage: textpoke-sites [--json] [-q|--quiet] FILE...\n"
	      "       textpoke-sites --help | --version\n"
	      "List the patch sites of ELF files (__patchable_function_entries,\n"
	      "__mcount_loc, __tp_jump_table) and check each against the bytes.\n"
	      "  --json       one JSON document on stdout\n"
	      "  -q, --quiet  print only the problems\n", out);
}

/* The whole file in a new buffer; NULL with errno set. */
static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *in = fopen(path, "rb");
	uint8_t *buf = NULL;
	struct stat st;
	int err = 0;

	if (!in)
		return NULL;
	if (fstat(fileno(in), &st) || !S_ISREG(st.st_mode)) {
		err = errno ? errno : EINVAL;
		goto out;
	}
	*size = st.st_size;
	buf = malloc(*size ? *size : 1);
	if (!buf || fread(buf, 1, *size, in) != *size) {
		err = buf ? EIO : ENOMEM;
		free(buf);
		buf = NULL;
	}
out:
	fclose(in);
	if (err)
		errno = err;
	return buf;
}

/* Check one file; its number of problems (at least 1 if unreadable). */
static size_t check_path(const char *path, const struct report_options *opt,
			 bool first)
{
	struct sites_file f;
	size_t size = 0, problems;
	uint8_t *data = read_file(path, &size);
	int ret;

	if (!data) {
		memset(&f, 0, sizeof(f));
		f.name = path;
		file_problem(&f, "cannot read: %s", strerror(errno));
	} else {
		ret = sites_check(&f, path, data, size);
		if (ret == -ENOMEM)
			file_problem(&f, "out of memory");
	}
	report_file(stdout, stderr, &f, opt, first);
	problems = f.nr_problems ? f.nr_problems : (size_t)f.out_of_memory;
	sites_release(&f);
	free(data);
	return problems;
}

int main(int argc, char **argv)
{
	struct report_options opt = { 0 };
	size_t problems = 0;
	int i, files = 0;
	bool options = true;

	for (i = 1; i < argc; i++) {
		if (options && !strcmp(argv[i], "--")) {
			options = false;
		} else if (options && !strcmp(argv[i], "--json")) {
			opt.json = true;
		} else if (options && (!strcmp(argv[i], "-q") ||
				       !strcmp(argv[i], "--quiet"))) {
			opt.quiet = true;
		} else if (options && (!strcmp(argv[i], "-h") ||
				       !strcmp(argv[i], "--help"))) {
			usage(stdout);
			return 0;
		} else if (options && !strcmp(argv[i], "--version")) {
			printf("textpoke-sites (textpoke) %s\n", TP_VERSION);
			return 0;
		} else if (options && argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "textpoke-sites: unknown option %s\n",
				argv[i]);
			usage(stderr);
			return 2;
		} else {
			files++;
		}
	}
	if (!files) {
		usage(stderr);
		return 2;
	}
	report_begin(stdout, &opt);
	options = true;
	files = 0;
	for (i = 1; i < argc; i++) {
		if (options && argv[i][0] == '-' && argv[i][1]) {
			options = strcmp(argv[i], "--") != 0;
			continue;
		}
		problems += check_path(argv[i], &opt, files++ == 0);
	}
	report_end(stdout, &opt, problems);
	return problems ? 1 : 0;
}
