// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's interface (tools/agent/agent.h) made with the library's
 * function tracing alone, for the control server's tests: one glob traced
 * at a time, a callback that counts calls and, where the test gives it a
 * table, marks each call by its first argument.  Built into ctl_test and,
 * with the server, as the shared object textpoke-attach loads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <textpoke/ftrace.h>

#include "agent.h"
#include "test_agent.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char traced[256];
static int registered;
static unsigned long hits;

unsigned int *test_agent_seen;
unsigned long test_agent_seen_len;

static void hit(unsigned long ip, unsigned long parent_ip, struct tp_ftrace_ops *ops,
		struct tp_ftrace_regs *regs)
{
	unsigned long seq = tp_ftrace_regs_get_argument(regs, 0);

	(void)ip;
	(void)parent_ip;
	(void)ops;
	__atomic_fetch_add(&hits, 1, __ATOMIC_RELAXED);
	if (test_agent_seen && seq < test_agent_seen_len)
		__atomic_fetch_add(&test_agent_seen[seq], 1, __ATOMIC_RELAXED);
}

static struct tp_ftrace_ops ops = { .func = hit };

int agent_trace_add(const char *glob)
{
	int err;

	pthread_mutex_lock(&lock);
	err = tp_ftrace_set_filter(&ops, glob, 1);
	if (!err && !registered) {
		err = tp_register_ftrace_function(&ops);
		if (err)
			tp_ftrace_free_filter(&ops);
		registered = !err;
	}
	if (!err)
		snprintf(traced, sizeof(traced), "%s", glob);
	pthread_mutex_unlock(&lock);
	return err;
}

static int untrace_locked(void)
{
	int err;

	if (!registered)
		return 0;
	err = tp_unregister_ftrace_function(&ops);
	if (err)
		return err;
	registered = 0;
	traced[0] = '\0';
	return tp_ftrace_free_filter(&ops);
}

int agent_trace_remove(const char *glob)
{
	int err = -ENOENT;

	pthread_mutex_lock(&lock);
	if (registered && !strcmp(glob, traced))
		err = untrace_locked();
	pthread_mutex_unlock(&lock);
	return err;
}

int agent_stop(void)
{
	int err;

	pthread_mutex_lock(&lock);
	err = untrace_locked();
	pthread_mutex_unlock(&lock);
	return err;
}

int agent_status(char *buf, size_t len)
{
	int n;

	pthread_mutex_lock(&lock);
	n = snprintf(buf, len, "pid: %d\ntracing: %s\ntraced: %s\nhits: %lu\n", (int)getpid(),
		     registered ? "on" : "off", traced, __atomic_load_n(&hits, __ATOMIC_RELAXED));
	pthread_mutex_unlock(&lock);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

unsigned long test_agent_hits(void)
{
	return __atomic_load_n(&hits, __ATOMIC_RELAXED);
}

/* As the agent does: the server when the environment asks for it. */
__attribute__((constructor)) static void test_agent_init(void)
{
	const char *ctl = getenv("TEXTPOKE_CTL");

	if (ctl && !strcmp(ctl, "1") && agent_ctl_start())
		fprintf(stderr, "test agent: no control server\n");
}
