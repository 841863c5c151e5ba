// SPDX-License-Identifier: GPL-2.0
/*
 * record_test: runs record_test.sh with this build's paths (given at
 * compile time).  It is a program of the arch under test so that the
 * selftest runner can start it like the others, under qemu-user too:
 * there, the bash it execs is the host's, run natively, and
 * TP_RUNNER tells the script how to run the traced program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char *argv[] = { "env", "bash", RECORD_SCRIPT, NULL };

	if (setenv("TP_BIN", RECORD_BIN, 1) || setenv("TP_AGENT", RECORD_AGENT, 1) ||
	    setenv("TP_PROG", RECORD_PROG, 1) || setenv("TP_DSO", RECORD_DSO, 1) ||
	    setenv("TP_UNTRACED", RECORD_UNTRACED, 1) ||
	    (RECORD_RUNNER[0] && setenv("TP_RUNNER", RECORD_RUNNER, 1))) {
		perror("record_test");
		return 1;
	}
	execv("/usr/bin/env", argv);
	perror("record_test: /usr/bin/env bash");
	return 1;
}
