// SPDX-License-Identifier: GPL-2.0
/*
 * record_test: runs record_test.sh with this build's paths (given at
 * compile time).  It is a program of the arch under test so that the
 * selftest runner can start it like the others, under qemu-user too:
 * there, the bash it execs is the host's, run natively, and
 * TP_RUNNER tells the script how to run the traced program.  Built
 * again as plt_test for plt_test.sh, with the programs that one needs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	char *argv[] = { "env", "bash", RECORD_SCRIPT, NULL };

	if (setenv("TP_BIN", RECORD_BIN, 1) || setenv("TP_AGENT", RECORD_AGENT, 1) ||
	    setenv("TP_PROG", RECORD_PROG, 1) ||
#ifdef RECORD_DSO
	    setenv("TP_DSO", RECORD_DSO, 1) || setenv("TP_UNTRACED", RECORD_UNTRACED, 1) ||
#endif
#ifdef RECORD_PROG_NOW
	    setenv("TP_PROG_NOW", RECORD_PROG_NOW, 1) ||
	    setenv("TP_PROG_THROW", RECORD_PROG_THROW, 1) ||
	    setenv("TP_PLT_DSO", RECORD_PLT_DSO, 1) ||
#endif
	    (RECORD_RUNNER[0] && setenv("TP_RUNNER", RECORD_RUNNER, 1))) {
		perror("record_test");
		return 1;
	}
	execv("/usr/bin/env", argv);
	perror("record_test: /usr/bin/env bash");
	return 1;
}
