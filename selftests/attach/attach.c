// SPDX-License-Identifier: GPL-2.0
/*
 * textpoke-attach on a running program started without the agent
 * (attach_target): attach, trace, stop, detach, and the program's output
 * is what it is without any of it; an agent dlopen() refuses and a user
 * who may not attach leave it as it was too.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

struct target {
	pid_t pid;
	int in, out;		/* its stdin (ours to close), its stdout */
	pid_t child;		/* the child it forked, with target_arg "fork" */
};

static char dir[PATH_MAX];
/* The argument attach_target is started with, if any. */
static const char *target_arg;

static const char *here(void)
{
	ssize_t n;

	if (dir[0])
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n <= 0)
		return NULL;
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	return dir;
}

/* "child PID\n", read a byte at a time: nothing after it is taken. */
static int read_child(struct target *t)
{
	char line[32];
	size_t got = 0;

	while (got + 1 < sizeof(line) && read(t->out, line + got, 1) == 1)
		if (line[got++] == '\n')
			break;
	line[got] = '\0';
	return sscanf(line, "child %d\n", &t->child) == 1 ? 0 : -EIO;
}

/*
 * Start attach_target and wait for its "ready": by itself, or with
 * `textpoke live` (the build's bin/textpoke) and the test agent.
 */
static int start_target_as(struct target *t, int live)
{
	char path[PATH_MAX + 32], cli[PATH_MAX + 32], agent[PATH_MAX + 64], line[16];
	int in[2], out[2];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/../ctl/attach_target", here());
	snprintf(cli, sizeof(cli), "%s/../../../bin/textpoke", here());
	snprintf(agent, sizeof(agent), "--agent=%s/../ctl/libtextpoke-agent.so", here());
	if (pipe(in) || pipe(out))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (!t->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		if (live == 3) {
			/* 3: under a seccomp filter (one that allows everything). */
			struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
			struct sock_fprog prog = { .len = 1, .filter = &allow };

			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
			    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
				_exit(126);
			live = 0;
		}
		if (live) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, 2);
			/* 2: the agent textpoke live finds by itself. */
			if (live == 2)
				execl(cli, cli, "live", "--", path, target_arg, (char *)NULL);
			/* 5: that agent, told not to trace calls through the PLT. */
			if (live == 5)
				execl(cli, cli, "live", "--no-libcall", "--", path, (char *)NULL);
			/* 4: as nobody (the test runs as root). */
			if (live == 4)
				execlp("setpriv", "setpriv", "--reuid=65534", "--regid=65534",
				       "--clear-groups", cli, "live", agent, "--", path,
				       (char *)NULL);
			execl(cli, cli, "live", agent, "--", path, (char *)NULL);
		} else {
			execl(path, path, target_arg, (char *)NULL);
		}
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	t->out = out[0];
	n = read(t->out, line, 6);
	if (n != 6 || memcmp(line, "ready\n", 6))
		return -EIO;
	return target_arg ? read_child(t) : 0;
}

static int start_target(struct target *t)
{
	return start_target_as(t, 0);
}

/* Let it finish: its output and exit status. */
static int finish_target(struct target *t, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int status;

	close(t->in);
	while (got + 1 < len && (n = read(t->out, buf + got, len - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	close(t->out);
	if (waitpid(t->pid, &status, 0) != t->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Run a tool of the build with arguments; its status and stdout. */
static int tool(char *out, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int tool(char *out, size_t len, const char *fmt, ...)
{
	char cmd[2 * PATH_MAX], args[PATH_MAX];
	size_t got = 0;
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "PATH=%s/../../tools/textpoke-ctl:$PATH %s", here(), args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (out) {
		got = fread(out, 1, len - 1, p);
		out[got] = '\0';
	} else {
		char sink[256];

		while (fread(sink, 1, sizeof(sink), p) > 0)
			;
	}
	status = pclose(p);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int mapped(pid_t pid, const char *name)
{
	char path[64], line[PATH_MAX + 128];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, name) != NULL;
	fclose(f);
	return found;
}

static int expected_output(char *buf, size_t len)
{
	struct target t;

	if (start_target(&t))
		return -1;
	return finish_target(&t, buf, len);
}

TEST(attach_trace_stop_detach_output_unchanged)
{
	char want[512], got[512], out[4096];
	unsigned long hits = 0, hits_after;
	struct target t;
	char *h;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target(&t));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach --agent %s/../ctl/libtextpoke-agent.so %d",
			  here(), (int)t.pid)) TH_LOG("%s", out);
	EXPECT_EQ(1, mapped(t.pid, "libtextpoke-agent.so"));
	/* Once is enough: a second attach finds the socket. */
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach --agent %s/../ctl/libtextpoke-agent.so %d",
			  here(), (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "already serves")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
	/* The workers call all the time, but a loaded machine may not run them. */
	for (int i = 0; i < 500 && !hits; i++) {
		usleep(10000);
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
		h = strstr(out, "hits: ");
		hits = h ? strtoul(h + 6, NULL, 10) : 0;
	}
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	EXPECT_LT(0ul, hits) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	h = strstr(out, "hits: ");
	hits = h ? strtoul(h + 6, NULL, 10) : 0;
	usleep(50000);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	h = strstr(out, "hits: ");
	hits_after = h ? strtoul(h + 6, NULL, 10) : 0;
	EXPECT_EQ(hits, hits_after) TH_LOG("calls seen after stop");
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/* A worker thread, not the main one: interrupted in user space, mid-loop. */
static pid_t a_worker(pid_t pid)
{
	char path[64];
	struct dirent *de;
	pid_t tid = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (atoi(de->d_name) > 0 && atoi(de->d_name) != pid)
			tid = atoi(de->d_name);
	closedir(d);
	return tid;
}

/*
 * The calls made by a thread that was running the program's own loop: its
 * registers (the sums it keeps) must come back exactly, or its output
 * changes.
 */
TEST(attach_through_a_busy_thread)
{
	char want[512], got[512], out[4096];
	struct target t;
	pid_t tid;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target(&t));
	tid = a_worker(t.pid);
	ASSERT_LT(0, tid);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach --tid %d --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", (int)tid, here(), (int)t.pid))
		TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/* Whether nobody may run this build's textpoke live, target and agent. */
static int nobody_can_use_build(void)
{
	char cmd[4 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "
		 "'test -r %s/../../../bin/textpoke && test -x %s/../ctl/attach_target && "
		 "test -r %s/../ctl/libtextpoke-agent.so && "
		 "test -x %s/../../tools/textpoke-ctl/textpoke-attach' 2>/dev/null",
		 here(), here(), here(), here());
	return system(cmd) == 0;
}

TEST(a_refused_load_leaves_the_program_as_it_was)
{
	char want[512], got[512], out[4096], junk[] = "/tmp/textpoke-attach-XXXXXX";
	struct target t;
	int fd;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target(&t));
	/* Not an ELF object: dlopen() in the program refuses it. */
	ASSERT_LE(0, fd = mkstemp(junk));
	ASSERT_EQ(11, write(fd, "not an ELF\n", 11));
	close(fd);
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --agent %s %d 2>&1", junk,
			  (int)t.pid));
	unlink(junk);
	EXPECT_NE(NULL, strstr(out, "dlopen refused")) TH_LOG("%s", out);
	/* No such process, and this test itself: refused before anything. */
	EXPECT_EQ(1, tool(NULL, 0, "textpoke-attach --agent %s/../ctl/libtextpoke-agent.so 999999999 "
			  "2>/dev/null", here()));
	EXPECT_EQ(1, tool(NULL, 0, "textpoke-ctl %d status 2>/dev/null", (int)t.pid));
	/* A thread of another process (this test's). */
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --tid %d --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", (int)getpid(), here(),
			  (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "is not a thread of")) TH_LOG("%s", out);
	if (geteuid() == 0 && nobody_can_use_build()) {
		/* Another user (nobody) may not attach to root's program. */
		EXPECT_EQ(1, tool(out, sizeof(out), "setpriv --reuid=65534 --regid=65534 "
				  "--clear-groups textpoke-attach --agent %s/../ctl/libtextpoke-agent.so "
				  "%d 2>&1", here(), (int)t.pid));
		EXPECT_NE(NULL, strstr(out, "only that user or root")) TH_LOG("%s", out);
	}
	EXPECT_EQ(0, mapped(t.pid, "libtextpoke-agent.so"));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/* The number after "key: " in a status reply, or -1. */
static long status_value(const char *reply, const char *key)
{
	const char *at = strstr(reply, key);

	return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

TEST(live_starts_untraced_and_ctl_switches_it)
{
	char want[512], got[512], out[4096];
	struct target t;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target_as(&t, 1));
	/* The server may still be starting when the program runs. */
	for (int i = 0; i < 100 && tool(NULL, 0, "textpoke-ctl %d status 2>/dev/null",
					(int)t.pid); i++)
		usleep(10000);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	EXPECT_EQ(0, status_value(out, "hits: "));
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace 'ctl_*'", (int)t.pid));
	for (int i = 0; i < 500; i++) {
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
		if (status_value(out, "hits: ") > 0)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d untrace 'ctl_*'", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_LT(0, status_value(out, "hits: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

static char state_of(pid_t pid)
{
	char path[64], line[256], state = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "State: %c", &state) == 1)
			break;
	fclose(f);
	return state;
}

/*
 * What ptrace would not allow or would disturb is refused before the
 * process is touched: traced by someone else, stopped, under seccomp.
 */
TEST(traced_stopped_or_seccomp_are_refused)
{
	char want[512], got[512], out[4096];
	struct target t;
	int status;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));

	ASSERT_EQ(0, start_target(&t));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, t.pid, NULL, NULL));
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", here(), (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "traced already")) TH_LOG("%s", out);
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, t.pid, NULL, NULL));
	ASSERT_EQ(t.pid, waitpid(t.pid, &status, __WALL));
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, t.pid, NULL, NULL));

	ASSERT_EQ(0, kill(t.pid, SIGSTOP));
	for (int i = 0; i < 1000 && state_of(t.pid) != 'T'; i++)
		usleep(1000);
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", here(), (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "is stopped")) TH_LOG("%s", out);
	EXPECT_EQ('T', state_of(t.pid));
	ASSERT_EQ(0, kill(t.pid, SIGCONT));
	EXPECT_EQ(0, mapped(t.pid, "libtextpoke-agent.so"));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);

	ASSERT_EQ(0, start_target_as(&t, 3));
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", here(), (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "seccomp")) TH_LOG("%s", out);
	EXPECT_EQ(0, mapped(t.pid, "libtextpoke-agent.so"));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/*
 * A program of another user, run by textpoke live: root may control it,
 * a third user may not even find its socket (the directory is the
 * program's user's alone), nor attach.
 */
TEST(root_controls_another_users_program_others_cannot)
{
	char want[512], got[512], out[4096];
	struct target t;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	if (geteuid() != 0)
		SKIP(return, "needs root to run a program as another user");
	if (!nobody_can_use_build())
		SKIP(return, "nobody may not read this build's directory");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target_as(&t, 4));
	for (int i = 0; i < 100 && tool(NULL, 0, "textpoke-ctl %d status 2>/dev/null",
					(int)t.pid); i++)
		usleep(10000);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	EXPECT_EQ(1, tool(out, sizeof(out), "setpriv --reuid=65533 --regid=65533 --clear-groups "
			  "textpoke-ctl %d trace ctl_work 2>&1", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "no control socket")) TH_LOG("%s", out);
	EXPECT_EQ(1, tool(out, sizeof(out), "setpriv --reuid=65533 --regid=65533 --clear-groups "
			  "textpoke-attach --agent %s/../ctl/libtextpoke-agent.so %d 2>&1",
			  here(), (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "only that user or root")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/* --trace: attached and tracing in one command; a glob that names nothing fails. */
TEST(attach_and_trace_at_once)
{
	char want[512], got[512], out[4096];
	struct target t;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target(&t));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach --trace ctl_work %d 2>&1",
			  (int)t.pid)) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-attach --trace no_such_function %d 2>&1",
			  (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "ENOENT")) TH_LOG("%s", out);
	EXPECT_EQ(2, tool(NULL, 0, "textpoke-attach --trace 'a b' %d 2>/dev/null", (int)t.pid));
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

/*
 * The build's own agent (tools/agent/), found by textpoke-attach and
 * textpoke live themselves: loaded untraced, traced and stopped by ctl.
 */
TEST(the_builds_agent_attached_and_live)
{
	char want[512], got[512], out[4096];
	struct target t;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	for (int live = 0; live < 2; live++) {
		ASSERT_EQ(0, live ? start_target_as(&t, 2) : start_target(&t));
		if (!live)
			EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach %d 2>&1", (int)t.pid))
				TH_LOG("%s", out);
		for (int i = 0; i < 100 && tool(NULL, 0, "textpoke-ctl %d status 2>/dev/null",
						(int)t.pid); i++)
			usleep(10000);
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
		EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
		EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
		EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
		EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
		EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
		/* Every function back to its disabled state. */
		EXPECT_EQ(0, status_value(out, "traced functions: ")) TH_LOG("%s", out);
		ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
		EXPECT_STREQ(want, got) TH_LOG("%s", live ? "live" : "attached");
	}
}

/* textpoke-ctl PID status, retried while the server may be starting. */
static int live_status(pid_t pid, char *out, size_t len)
{
	for (int i = 0; i < 100 && tool(NULL, 0, "textpoke-ctl %d status 2>/dev/null",
					(int)pid); i++)
		usleep(10000);
	return tool(out, len, "textpoke-ctl %d status", (int)pid);
}

/* Is there a socket file of @pid where a server of root or ours puts it? */
static bool socket_left(pid_t pid)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/textpoke/%d.sock", run ? run : "/nonexistent", (int)pid);
	if (!access(path, F_OK))
		return true;
	snprintf(path, sizeof(path), "/tmp/textpoke-%u/%d.sock", (unsigned int)geteuid(), (int)pid);
	return !access(path, F_OK);
}

/*
 * A program under textpoke live forks a child (without exec): the child
 * serves a socket of its own, traced and stopped by ctl while the parent
 * goes on with its own, untouched; the child ends with _exit(), which
 * leaves no socket behind.
 */
TEST(live_forked_child_has_its_own_control)
{
	char want[512], got[512], out[4096], pid_line[32];
	struct target t;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	target_arg = "fork";
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target_as(&t, 2));
	ASSERT_EQ(0, live_status(t.child, out, sizeof(out))) TH_LOG("child %d", (int)t.child);
	snprintf(pid_line, sizeof(pid_line), "pid: %d\n", (int)t.child);
	EXPECT_NE(NULL, strstr(out, pid_line)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.child));
	for (int i = 0; i < 500; i++) {
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.child));
		if (status_value(out, "calls: ") > 0)
			break;
		usleep(10000);
	}
	EXPECT_LT(0, status_value(out, "calls: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	/* The parent: its own server, nothing traced by the child's. */
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	snprintf(pid_line, sizeof(pid_line), "pid: %d\n", (int)t.pid);
	EXPECT_NE(NULL, strstr(out, pid_line)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	EXPECT_EQ(0, status_value(out, "calls: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.child));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.child));
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
	EXPECT_FALSE(socket_left(t.child));
	EXPECT_FALSE(socket_left(t.pid));
	target_arg = NULL;
}

/* The bytes of @pid's anonymous executable mappings (the PLT stubs' pages). */
static long anon_exec_bytes(pid_t pid)
{
	char path[64], line[PATH_MAX + 128], perms[8];
	unsigned long start, end, inode;
	long bytes = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &start, &end, perms, &inode) == 4 &&
		    !strcmp(perms, "r-xp") && !inode && !strchr(line, '['))
			bytes += end - start;
	fclose(f);
	return bytes;
}

/*
 * A socket file of the program's pid that nobody listens on (left by an
 * earlier process of that pid): textpoke-ctl calls it stale, and
 * textpoke-attach loads the agent, whose server takes the file's place.
 */
TEST(a_stale_socket_is_told_apart_and_replaced)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char want[512], got[512], out[4096], dir[64];
	struct target t;
	int fd;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	/* The socket directory every process here uses without a runtime one. */
	unsetenv("XDG_RUNTIME_DIR");
	snprintf(dir, sizeof(dir), "/tmp/textpoke-%u", (unsigned int)geteuid());
	ASSERT_TRUE(!mkdir(dir, 0700) || errno == EEXIST);
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target(&t));
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%d.sock", dir, (int)t.pid);
	unlink(addr.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&addr, sizeof(addr)));
	close(fd);
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-ctl %d status 2>&1", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "stale control socket")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-attach --agent "
			  "%s/../ctl/libtextpoke-agent.so %d 2>&1", here(), (int)t.pid))
		TH_LOG("%s", out);
	EXPECT_EQ(NULL, strstr(out, "already serves")) TH_LOG("%s", out);
	EXPECT_EQ(1, mapped(t.pid, "libtextpoke-agent.so"));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
	EXPECT_FALSE(socket_left(t.pid));
}

/*
 * Under textpoke live, ctl trace GLOB hooks the PLT slots of the calls
 * GLOB names too (read(), which the program's main thread calls for each
 * line it is sent; pthread_join()), untrace and stop put them back; with
 * --no-libcall none is hooked.
 */
TEST(live_ctl_traces_calls_through_the_plt)
{
	char want[512], got[512], out[4096];
	struct target t;
	long calls, stubs;

	if (SANITIZED)
		SKIP(return, "the agent would be sanitized, the program is not");
	ASSERT_EQ(0, expected_output(want, sizeof(want)));
	ASSERT_EQ(0, start_target_as(&t, 2));
	ASSERT_EQ(0, live_status(t.pid, out, sizeof(out)));
	EXPECT_EQ(0, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d trace read 2>&1", (int)t.pid))
		TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(1, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: on")) TH_LOG("%s", out);
	calls = status_value(out, "calls: ");
	/* A line makes the main thread's read() return and call it again. */
	ASSERT_EQ(2, write(t.in, "x\n", 2));
	for (int i = 0; i < 500 && status_value(out, "calls: ") <= calls; i++) {
		usleep(10000);
		EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	}
	EXPECT_LT(calls, status_value(out, "calls: ")) TH_LOG("%s", out);
	/*
	 * Functions the library traces, by name: the slots are left alone
	 * (the first change maps the library's own trampolines).
	 */
	stubs = 0;
	for (int i = 0; i < 11; i++) {
		if (i == 1)
			stubs = anon_exec_bytes(t.pid);
		EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace ctl_work", (int)t.pid));
		EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d untrace ctl_work", (int)t.pid));
	}
	EXPECT_EQ(stubs, anon_exec_bytes(t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(1, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace pthread_join", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(2, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d untrace read", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(1, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d untrace pthread_join", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(0, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	/* Both kinds at once, then stop: every slot the program's again. */
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace 'ctl_work'", (int)t.pid));
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d trace 'pthread_*'", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_LE(1, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_EQ(1, status_value(out, "traced functions: ")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(NULL, 0, "textpoke-ctl %d stop", (int)t.pid));
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(0, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "tracing: off")) TH_LOG("%s", out);
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);

	ASSERT_EQ(0, start_target_as(&t, 5));
	ASSERT_EQ(0, live_status(t.pid, out, sizeof(out)));
	EXPECT_EQ(1, tool(out, sizeof(out), "textpoke-ctl %d trace read 2>&1", (int)t.pid));
	EXPECT_NE(NULL, strstr(out, "ENOENT")) TH_LOG("%s", out);
	EXPECT_EQ(0, tool(out, sizeof(out), "textpoke-ctl %d status", (int)t.pid));
	EXPECT_EQ(0, status_value(out, "traced PLT slots: ")) TH_LOG("%s", out);
	ASSERT_EQ(0, finish_target(&t, got, sizeof(got)));
	EXPECT_STREQ(want, got);
}

TEST_HARNESS_MAIN
