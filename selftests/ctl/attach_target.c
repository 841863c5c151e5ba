// SPDX-License-Identifier: GPL-2.0
/*
 * The program textpoke-attach is tested on: four threads call a traced
 * function (built with the ftrace flags, the program started without the
 * agent) until stdin reaches its end, then each prints the sum of what the
 * function returned over a fixed number of calls, which does not depend
 * on timing: the output must be the same whether it was attached or not.
 * "ready" on stdout once the threads run.
 */
#include <pthread.h>
#include <stdio.h>
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

int main(void)
{
	pthread_t t[THREADS];
	char buf[64];

	for (unsigned long i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)i))
			return 1;
	puts("ready");
	fflush(stdout);
	/* Asleep in read(): the thread attach prefers. */
	while (read(0, buf, sizeof(buf)) > 0)
		;
	done = 1;
	for (int i = 0; i < THREADS; i++) {
		void *sum;

		pthread_join(t[i], &sum);
		printf("thread %d: %lu\n", i, (unsigned long)sum);
	}
	return 0;
}
