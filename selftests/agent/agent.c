// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's control interface (tools/agent/agent.h) and its recorders,
 * white-box: the agent's objects are linked into this program, which
 * loads with none of the agent's environment, so the agent starts idle.
 *  - add/remove/status/stop do what they say, each a change of what the
 *    callbacks see, and refuse bad globs;
 *  - with a data directory, 4 threads calling traced functions leave one
 *    <tid>.dat each whose records are uftrace's (magic, types, depths),
 *    well nested, every call once;
 *  - the minimum duration drops short calls and keeps the entries of
 *    long ones;
 *  - the GOT slots of a loaded object built with the flags: hooked (its
 *    calls through its PLT seen, lazily bound), unhooked (not seen, the
 *    slots the program's again), hooked afresh.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "agent_internal.h"
#include "plt.h"
#include "traced.h"

#define THREADS	4
#define CALLS	1000

static int (*volatile outer)(int) = agent_t_outer;

static void *caller(void *arg)
{
	long sum = 0;

	(void)arg;
	for (int i = 0; i < CALLS; i++)
		sum += outer(i);
	return (void *)sum;
}

static void run_threads(void)
{
	pthread_t t[THREADS];

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, caller, NULL);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static bool status_has(const char *fact)
{
	char buf[4096];

	return !agent_status(buf, sizeof(buf)) && strstr(buf, fact);
}

TEST(control)
{
	char small[8];
	uint64_t before;

	ASSERT_TRUE(status_has("tracing: off"));
	ASSERT_EQ(-EINVAL, agent_trace_add(""));
	ASSERT_EQ(-EINVAL, agent_trace_remove(NULL));
	ASSERT_EQ(-ENOENT, agent_trace_add("agent_t_no_such_function"));
	ASSERT_TRUE(status_has("tracing: off"));

	before = writer_calls();
	ASSERT_EQ(0, agent_trace_add("agent_t_*"));
	ASSERT_TRUE(status_has("tracing: on"));
	ASSERT_TRUE(status_has("traced functions: 2"));
	ASSERT_TRUE(status_has("traced globs: agent_t_*"));
	caller(NULL);
	ASSERT_EQ(before + 2 * CALLS, writer_calls());

	/* one of the two out: only the other is seen */
	ASSERT_EQ(0, agent_trace_remove("agent_t_leaf"));
	before = writer_calls();
	caller(NULL);
	ASSERT_EQ(before + CALLS, writer_calls());

	/* the last one out: tracing ends */
	ASSERT_EQ(0, agent_trace_remove("agent_t_outer"));
	ASSERT_TRUE(status_has("tracing: off"));
	before = writer_calls();
	caller(NULL);
	ASSERT_EQ(before, writer_calls());

	ASSERT_EQ(0, agent_trace_add("agent_t_leaf"));
	ASSERT_EQ(0, agent_stop());
	ASSERT_TRUE(status_has("tracing: off"));
	before = writer_calls();
	caller(NULL);
	ASSERT_EQ(before, writer_calls());
	ASSERT_EQ(0, agent_stop());	/* stopping what is stopped is fine */

	ASSERT_EQ(-ENOSPC, agent_status(small, sizeof(small)));
	ASSERT_EQ(-EINVAL, agent_status(NULL, 0));
}

struct rec {
	uint64_t time;
	uint64_t word;
};

/* Check one thread's records (well nested, uftrace's layout); its calls. */
static long check_file(struct __test_metadata *_metadata, int dir, const char *name)
{
	struct rec r, stack[16];
	int depth = 0, fd = openat(dir, name, O_RDONLY);
	long calls = 0;

	EXPECT_LE(0, fd);
	while (fd >= 0 && read(fd, &r, sizeof(r)) == sizeof(r)) {
		unsigned int type = r.word & 3, magic = (r.word >> 3) & 7;
		int d = (r.word >> 6) & 0x3ff;

		EXPECT_EQ(5u, magic);
		if (type == 0) {
			EXPECT_EQ(depth, d);
			if (depth < 16)
				stack[depth] = r;
			depth++;
			continue;
		}
		EXPECT_EQ(1u, type);
		depth--;
		EXPECT_EQ(depth, d);
		if (depth >= 0 && depth < 16) {
			EXPECT_EQ(stack[depth].word >> 16, r.word >> 16);
			EXPECT_LE(stack[depth].time, r.time);
		}
		calls++;
	}
	EXPECT_EQ(0, depth);
	if (fd >= 0)
		close(fd);
	return calls;
}

/* Every <tid>.dat of @path: how many, and the calls in all. */
static long check_dir(struct __test_metadata *_metadata, const char *path, int *files)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long calls = 0;

	*files = 0;
	ASSERT_NE(NULL, d);
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".dat"))
			continue;
		(*files)++;
		calls += check_file(_metadata, dirfd(d), e->d_name);
	}
	closedir(d);
	return calls;
}

static int count_lines(const char *dir, const char *file, const char *prefix)
{
	char path[4096], line[4096];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		n += !strncmp(line, prefix, strlen(prefix));
	if (f)
		fclose(f);
	return n;
}

FIXTURE(data) {
	char dir[64];
};

FIXTURE_SETUP(data)
{
	strcpy(self->dir, "/tmp/agent_test.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	agent_config.dir = self->dir;	/* as TEXTPOKE_DIR would have said */
	ASSERT_EQ(0, writer_init(self->dir));
	ASSERT_EQ(0, session_start(self->dir));
}

FIXTURE_TEARDOWN(data)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

TEST_F(data, threads)
{
	int files;

	ASSERT_EQ(0, agent_trace_add("agent_t_*"));
	run_threads();
	ASSERT_EQ(0, agent_stop());
	EXPECT_EQ(THREADS * CALLS * 2, check_dir(_metadata, self->dir, &files));
	EXPECT_EQ(THREADS, files);
	EXPECT_EQ(THREADS, count_lines(self->dir, "task.txt", "TASK "));
	EXPECT_EQ(1, count_lines(self->dir, "task.txt", "SESS "));
	EXPECT_EQ(0ull, (unsigned long long)writer_lost());
}

TEST_F(data, min_duration)
{
	int files;

	agent_config.min_ns = 3600ull * 1000000000ull;
	ASSERT_EQ(0, agent_trace_add("agent_t_*"));
	caller(NULL);
	ASSERT_EQ(0, agent_stop());
	EXPECT_EQ(0, check_dir(_metadata, self->dir, &files));
	agent_config.min_ns = 1;
	ASSERT_EQ(0, agent_trace_add("agent_t_*"));
	caller(NULL);
	ASSERT_EQ(0, agent_stop());
	EXPECT_EQ(2 * CALLS, check_dir(_metadata, self->dir, &files));
}

TEST_F(data, depth)
{
	int files;

	agent_config.max_depth = 1;
	ASSERT_EQ(0, agent_trace_add("agent_t_*"));
	caller(NULL);
	ASSERT_EQ(0, agent_stop());
	/* the outer calls only: their leaves are one deeper */
	EXPECT_EQ(CALLS, check_dir(_metadata, self->dir, &files));
}


/* agent_plt_dso.so, beside this program: its function's calls through its PLT. */
static void *open_plt_dso(int (**call)(int))
{
	char exe[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	void *dso;

	if (n < 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/agent_plt_dso.so", dirname(exe));
	dso = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
	*call = dso ? (int (*)(int))dlsym(dso, "agent_plt_dso_call") : NULL;
	return dso;
}

static void *call_once(void *arg)
{
	(void)arg;
	return (void *)(long)outer(1);
}

/*
 * Each thread counts its calls in a slot of its own; past the slots
 * (1,024, never reused) threads share one word: every call is counted
 * either way, also those of threads that ended.
 */
TEST(calls_counted_by_every_thread)
{
	uint64_t before;
	pthread_t t;
	int n;

	ASSERT_EQ(0, agent_trace_add("agent_t_outer"));
	before = writer_calls();
	for (n = 0; n < 1100; n++) {
		ASSERT_EQ(0, pthread_create(&t, NULL, call_once, NULL));
		pthread_join(t, NULL);
	}
	run_threads();
	caller(NULL);
	EXPECT_EQ(before + 1100 + (THREADS + 1) * CALLS, writer_calls());
	ASSERT_EQ(0, agent_stop());
}

TEST(plt_slots)
{
	int (*call)(int);
	void *dso = open_plt_dso(&call);
	uint64_t before;
	long hooked;

	ASSERT_NE(NULL, dso);
	ASSERT_TRUE(call != NULL);
	plt_enable(true);
	ASSERT_EQ(0, plt_hook_objects());
	hooked = plt_hooked();
	ASSERT_GT(hooked, 0);
	before = writer_calls();
	ASSERT_EQ(10, call(10));		/* the first one bound on the way */
	ASSERT_EQ(before + 10, writer_calls());
	ASSERT_EQ(0, plt_hook_objects());	/* nothing new */
	ASSERT_EQ(hooked, plt_hooked());

	plt_unhook_all();
	ASSERT_EQ(0, plt_hooked());
	before = writer_calls();
	ASSERT_EQ(10, call(10));
	ASSERT_EQ(before, writer_calls());	/* the stubs are out of the way */

	ASSERT_EQ(0, plt_hook_objects());
	ASSERT_EQ(hooked, plt_hooked());
	before = writer_calls();
	ASSERT_EQ(10, call(10));
	ASSERT_EQ(before + 10, writer_calls());
	plt_unhook_all();
	plt_enable(false);
	dlclose(dso);
}

TEST_HARNESS_MAIN
