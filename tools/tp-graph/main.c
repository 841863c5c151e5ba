// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-graph: print a graph recording made by tp_fgraph_record_start() as
 * an indented call graph with durations (docs/tp-graph.1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

static void usage(FILE *f)
{
	fputs("usage: tp-graph [--tid TID] [--retval[=int|long|hex|fp]] [--no-demangle]\n"
	      "                [--objects] FILE\n"
	      "       tp-graph --help | --version\n"
	      "Print a textpoke graph recording as an indented call graph.\n", f);
}

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	if (!f)
		return NULL;
	*len = 0;
	do {
		if (*len == cap) {
			char *p = realloc(buf, cap = cap * 2 + 65536);

			if (!p) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n);
	if (ferror(f)) {
		free(buf);
		buf = NULL;
		errno = EIO;
	}
	fclose(f);
	return buf;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "tid", required_argument, NULL, 't' },
		{ "retval", optional_argument, NULL, 'r' },
		{ "no-demangle", no_argument, NULL, 'N' },
		{ "objects", no_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct replay_opts opts = { 0 };
	size_t len;
	char *buf, *end;
	int c, err;

	while ((c = getopt_long(argc, argv, "t:rh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (!optarg || !strcmp(optarg, "int")) {
				opts.retval = REPLAY_RETVAL_INT;
			} else if (!strcmp(optarg, "long")) {
				opts.retval = REPLAY_RETVAL_LONG;
			} else if (!strcmp(optarg, "hex")) {
				opts.retval = REPLAY_RETVAL_HEX;
			} else if (!strcmp(optarg, "fp")) {
				opts.retval = REPLAY_RETVAL_FP;
			} else {
				fprintf(stderr, "tp-graph: bad --retval format '%s'\n", optarg);
				return 2;
			}
			break;
		case 't':
			opts.tid = strtoul(optarg, &end, 10);
			if (!*optarg || *end || !opts.tid) {
				fprintf(stderr, "tp-graph: bad thread id '%s'\n", optarg);
				return 2;
			}
			break;
		case 'N':
			opts.raw_names = true;
			break;
		case 'o':
			opts.objects = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("tp-graph (textpoke) %s\n", TP_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	buf = read_file(argv[optind], &len);
	if (!buf) {
		fprintf(stderr, "tp-graph: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	err = graph_replay(stdout, stderr, buf, len, &opts);
	free(buf);
	if (err == -ENOMEM)
		fputs("tp-graph: out of memory\n", stderr);
	return err ? 1 : 0;
}
