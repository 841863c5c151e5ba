// SPDX-License-Identifier: GPL-2.0
/* Where the exceptions of traced_cxx.cc are caught: built without the ftrace flags. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "traced_cxx.h"

int fgx_run(enum fgx_how how, int depth, int value)
{
	try {
		switch (how) {
		case FGX_THROW:
			return fgx_throw(depth, value);
		case FGX_CATCH:
			return fgx_catch(depth, value);
		case FGX_RETHROW:
			return fgx_rethrow(depth, value);
		}
	} catch (int v) {
		return -v;
	} catch (...) {
		return -1;
	}
	return -1;
}

int fgx_terminate_in_child(int depth, unsigned int seconds)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	unsigned int waited;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		alarm(seconds);
		fgx_throw(depth, 1);
		_exit(0);
	}
	for (waited = 0; waited < seconds * 100; waited++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}
