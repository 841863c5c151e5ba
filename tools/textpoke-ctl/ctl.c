// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * textpoke-ctl: change what a program run by `textpoke live` (or
 * attached by textpoke-attach) traces, while it runs (docs/textpoke-ctl.1).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "ctl_proto.h"
#include "client.h"

static void usage(FILE *f)
{
	fputs("usage: textpoke-ctl [--timeout SECONDS] PID trace GLOB | untrace GLOB | status | stop\n"
	      "       textpoke-ctl --help | --version\n"
	      "Change what a program run by textpoke live traces, while it runs.\n", f);
}

static const char *explain(int err)
{
	switch (err) {
	case -ENOENT:
		return "no control socket for this process (is it run by textpoke live, or attached?)";
	case -ECONNREFUSED:
		return "stale control socket: nobody serves it (the process ended without "
		       "removing it, or the pid is another process's now)";
	case -ESRCH:
		return "no such process";
	case -EPROTO:
		return "the socket is not served by this process";
	case -ETIMEDOUT:
		return "no reply in time";
	default:
		return strerror(-err);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char reply[CTL_REPLY_MAX + 1];
	char request[CTL_REQUEST_MAX + 1];
	int timeout_ms = 60000, verb, n, err, opt;
	pid_t pid;

	while ((opt = getopt_long(argc, argv, "+t:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			timeout_ms = ctl_parse_seconds(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "textpoke-ctl: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("textpoke-ctl (textpoke) %s\n", TP_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || ctl_parse_pid(argv[0], &pid) || (verb = ctl_verb_by_name(argv[1])) < 0 ||
	    argc != ((verb == CTL_TRACE || verb == CTL_UNTRACE) ? 3 : 2)) {
		usage(stderr);
		return 2;
	}
	n = ctl_format(request, sizeof(request), verb, argc == 3 ? argv[2] : NULL);
	if (n < 0) {
		fprintf(stderr, "textpoke-ctl: bad glob '%s': %s\n", argv[2],
			n == -E2BIG ? "too long" : "spaces and control bytes are not allowed");
		return 2;
	}
	err = ctl_client_request(pid, request, reply, sizeof(reply), timeout_ms);
	if (err) {
		fprintf(stderr, "textpoke-ctl: %d: %s\n", (int)pid, explain(err));
		return 1;
	}
	if (!strncmp(reply, "ok\n", 3)) {
		fputs(reply + 3, stdout);
		return 0;
	}
	fprintf(stderr, "textpoke-ctl: %d: %s", (int)pid, reply);
	if (reply[strlen(reply) - 1] != '\n')
		fputc('\n', stderr);
	return 1;
}
