// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tp-perf: textpoke's perf.data tools.
 *
 *   tp-perf inject -i PERF_DATA -t TEXTPOKE_DATA -o OUTPUT
 *   tp-perf script [-i] FILE
 *   tp-perf format pre|post
 *   tp-perf --help | --version
 *
 * Exit status 0 on success, 1 for a file it cannot use (with one line
 * on stderr naming the file and what is wrong with it), 2 for a bad
 * command line.  TP_VERSION, the library's version, comes from the build.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <textpoke/events.h>

#include "tp-perf.h"

static void print_usage(FILE *out)
{
	fputs("usage: tp-perf inject -i PERF_DATA -t TEXTPOKE_DATA -o OUTPUT\n"
	      "       tp-perf script [-i] FILE\n"
	      "       tp-perf format pre|post\n"
	      "       tp-perf --help | --version\n"
	      "Merge textpoke's PRE/POST events into a perf.data file, print them,\n"
	      "or print their traceevent format.\n", out);
}

/* A bad command line: the usage on stderr, status 2. */
static int usage(void)
{
	print_usage(stderr);
	return 2;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int cmd_inject(int argc, char **argv)
{
	const char *in = NULL, *tp = NULL, *out = NULL;
	char error[512];
	int opt;

	while ((opt = getopt(argc, argv, "i:t:o:")) != -1) {
		switch (opt) {
		case 'i': in = optarg; break;
		case 't': tp = optarg; break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	if (!in || !tp || !out || optind != argc)
		return usage();
	if (tp_perf_inject(in, tp, out, error, sizeof(error))) {
		fprintf(stderr, "tp-perf inject: %s\n", error);
		return 1;
	}
	return 0;
}

static int cmd_script(int argc, char **argv)
{
	const char *path = NULL;
	char error[512];

	if (argc == 3 && !strcmp(argv[1], "-i"))
		path = argv[2];
	else if (argc == 2)
		path = argv[1];
	else
		return usage();
	if (tp_perf_script(path, stdout, error, sizeof(error))) {
		fflush(stdout);
		fprintf(stderr, "tp-perf script: %s: %s\n", path, error);
		return 1;
	}
	return 0;
}

static int cmd_format(int argc, char **argv)
{
	const char *text = NULL;

	if (argc == 2 && !strcmp(argv[1], "pre"))
		text = tp_event_format(TP_EVENT_PRE);
	else if (argc == 2 && !strcmp(argv[1], "post"))
		text = tp_event_format(TP_EVENT_POST);
	else
		return usage();
	if (!text) {
		fputs("tp-perf format: this build has no traceevent formats\n", stderr);
		return 1;
	}
	fputs(text, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	/* "tp-perf --help" and "tp-perf COMMAND --help" alike. */
	if (is_help(argv[1]) || (argc == 3 && is_help(argv[2]))) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tp-perf (textpoke) %s\n", TP_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "inject"))
		return cmd_inject(argc - 1, argv + 1);
	if (!strcmp(argv[1], "script"))
		return cmd_script(argc - 1, argv + 1);
	if (!strcmp(argv[1], "format"))
		return cmd_format(argc - 1, argv + 1);
	fprintf(stderr, "tp-perf: unknown %s '%s'\n",
		argv[1][0] == '-' ? "option" : "command", argv[1]);
	return usage();
}
