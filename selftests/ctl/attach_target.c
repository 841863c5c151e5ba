// SPDX-License-Identifier: GPL-2.0
/*
 * The program textpoke-attach is tested on: four threads call a traced
 * function (built with the ftrace flags, the program started without the
 * agent) until stdin reaches its end, then each prints the sum of what the
 * function returned over a fixed number of calls, which does not depend
 * on timing: the output must be the same whether it was attached or not.
 * "ready" on stdout once the threads run.
 *
 * With the argument "fork", it then forks a child (without exec) that
 * says "child PID" and calls the function until stdin reaches its end,
 * then ends with _exit(); the parent waits for it before its own output.
 */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "traced.h"

#define THREADS	4
#define CALLS	100000ul

static volatile int done;

static void *worker(void *arg)
{
	unsigned long id = (unsigned long)arg, sum = 0, i = 0, rounds = 0;

	while (!done || rounds < 1) {
		sum = 0;
		for (i = 0; i < CALLS; i++)
			sum += ctl_work(id * CALLS + i);
		rounds++;
	}
	return (void *)sum;
}

/* The forked child: calls until stdin ends, then _exit() (no destructors). */
static void child_calls(void)
{
	struct pollfd in = { .fd = 0, .events = POLLIN };
	unsigned long i = 0;
	char buf[64];

	printf("child %d\n", (int)getpid());
	fflush(stdout);
	for (;;) {
		for (int n = 0; n < 1000; n++)
			ctl_work(i++);
		if (poll(&in, 1, 10) > 0 && read(0, buf, sizeof(buf)) <= 0)
			break;
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	pid_t child = 0;
	char buf[64];

	for (unsigned long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	puts("ready");
	fflush(stdout);
	if (argc > 1 && !strcmp(argv[1], "fork")) {
		child = fork();
		if (child < 0)
			return 1;
		if (!child)
			child_calls();
	}
	/* Asleep in read(): the thread attach prefers. */
	while (read(0, buf, sizeof(buf)) > 0)
		;
	done = 1;
	if (child && waitpid(child, NULL, 0) != child)
		return 1;
	for (int i = 0; i < THREADS; i++) {
		void *sum;

		pthread_join(t[i], &sum);
		printf("thread %d: %lu\n", i, (unsigned long)sum);
	}
	return 0;
}
