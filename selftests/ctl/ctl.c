// SPDX-License-Identifier: GPL-2.0
/*
 * The control of a running agent: the protocol parser, the server in this
 * process (with the test agent, test_agent.c) and its clients: requests,
 * garbage, a peer of another user, tracing switched on and off while
 * threads call the traced function, and textpoke-attach on a running
 * program that was started without the agent.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <textpoke/ftrace.h>

#include "agent.h"
#include "../emulator.h"
#include "client.h"
#include "ctl_proto.h"
#include "ctl_server.h"
#include "kselftest_harness.h"
#include "test_agent.h"
#include "traced.h"

#define NOBODY		65534
#define TOGGLES		1000
#define THREADS		4
#define PER_THREAD	(1ul << 20)

static int parse(const char *line, struct ctl_request *req)
{
	return ctl_parse(line, strlen(line), req, NULL);
}

TEST(parser_takes_the_four_requests)
{
	struct ctl_request req;

	ASSERT_EQ(0, parse("trace foo_*\n", &req));
	EXPECT_EQ(CTL_TRACE, (int)req.verb);
	EXPECT_STREQ("foo_*", req.glob);
	ASSERT_EQ(0, parse("untrace [a-z]?bar\n", &req));
	EXPECT_EQ(CTL_UNTRACE, (int)req.verb);
	EXPECT_STREQ("[a-z]?bar", req.glob);
	ASSERT_EQ(0, parse("status\n", &req));
	EXPECT_EQ(CTL_STATUS, (int)req.verb);
	ASSERT_EQ(0, parse("stop\n", &req));
	EXPECT_EQ(CTL_STOP, (int)req.verb);
}

TEST(parser_refuses_what_is_not_a_request)
{
	static const char *const bad[] = {
		"", "\n", "trace\n", "trace \n", "trace a b\n", "trace a\tb\n", "status \n",
		"status x\n", "stop now\n", "Trace x\n", "tracex\n", "trace x", "status",
		"trace \x01\n", "trace \xff\n", " trace x\n", "trace  x\n", "status\n\n",
	};
	struct ctl_request req;
	char line[CTL_REQUEST_MAX + 8];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, parse(bad[i], &req)) TH_LOG("'%s'", bad[i]);
	}
	/* A NUL inside: the length says where the line ends, not the NUL. */
	EXPECT_EQ(-EINVAL, ctl_parse("trace a\0b\n", 10, &req, NULL));
	/* The longest glob passes, one more byte does not; nor a long line. */
	memset(line, 'g', sizeof(line));
	memcpy(line, "trace ", 6);
	line[6 + CTL_GLOB_MAX] = '\n';
	EXPECT_EQ(0, ctl_parse(line, 7 + CTL_GLOB_MAX, &req, NULL));
	EXPECT_EQ((size_t)CTL_GLOB_MAX, strlen(req.glob));
	line[7 + CTL_GLOB_MAX] = '\n';
	EXPECT_EQ(-E2BIG, ctl_parse(line, 8 + CTL_GLOB_MAX, &req, NULL));
	EXPECT_EQ(-E2BIG, ctl_parse(line, CTL_REQUEST_MAX + 1, &req, NULL));
	/* The client formats only what the server takes. */
	EXPECT_EQ(-EINVAL, ctl_format(line, sizeof(line), CTL_TRACE, "a b"));
	EXPECT_EQ(-EINVAL, ctl_format(line, sizeof(line), CTL_TRACE, ""));
	EXPECT_EQ(7, ctl_format(line, sizeof(line), CTL_STATUS, NULL));
}

/* One request through the client; the reply in @reply. */
static int request(const char *line, char *reply, size_t len)
{
	return ctl_client_request(getpid(), line, reply, len, 20000);
}

/* Raw bytes to the server, the reply back (the client would refuse them). */
static int raw(const char *path, const void *data, size_t len, char *reply, size_t rlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t got = 0;
	ssize_t n;
	int fd;

	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -errno;
	if (len)
		send(fd, data, len, MSG_NOSIGNAL);
	shutdown(fd, SHUT_WR);
	while (got + 1 < rlen && (n = recv(fd, reply + got, rlen - 1 - got, 0)) > 0)
		got += n;
	reply[got] = '\0';
	close(fd);
	return 0;
}

FIXTURE(server) {
	char path[CTL_PATH_MAX];
	char reply[CTL_REPLY_MAX + 1];
};

FIXTURE_SETUP(server)
{
	ASSERT_EQ(0, agent_ctl_start());
	ASSERT_NE(NULL, agent_ctl_path());
	snprintf(self->path, sizeof(self->path), "%s", agent_ctl_path());
}

FIXTURE_TEARDOWN(server)
{
	agent_stop();
	EXPECT_EQ(0, agent_ctl_stop());
}

TEST_F(server, socket_is_private_and_found_by_pid)
{
	char dir[CTL_PATH_MAX], found[CTL_PATH_MAX];
	struct stat st;

	ASSERT_EQ(0, ctl_client_find(getpid(), found, sizeof(found)));
	EXPECT_STREQ(self->path, found);
	snprintf(dir, sizeof(dir), "%s", self->path);
	*strrchr(dir, '/') = '\0';
	ASSERT_EQ(0, lstat(dir, &st));
	EXPECT_TRUE(S_ISDIR(st.st_mode));
	EXPECT_EQ(0700u, st.st_mode & 0777);
	EXPECT_EQ(geteuid(), st.st_uid);
	EXPECT_EQ(-EALREADY, agent_ctl_start());
	/* No server of another pid: nothing found. */
	EXPECT_EQ(-ENOENT, ctl_client_find(getppid(), found, sizeof(found)));
}

TEST_F(server, requests_reach_the_agent)
{
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
	EXPECT_EQ(0, strncmp(self->reply, "ok\n", 3)) TH_LOG("%s", self->reply);
	EXPECT_NE(NULL, strstr(self->reply, "tracing: off"));
	ASSERT_EQ(0, request("trace ctl_work\n", self->reply, sizeof(self->reply)));
	EXPECT_STREQ("ok\n", self->reply);
	ctl_work(1);
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
	EXPECT_NE(NULL, strstr(self->reply, "tracing: on")) TH_LOG("%s", self->reply);
	EXPECT_NE(NULL, strstr(self->reply, "hits: 1\n")) TH_LOG("%s", self->reply);
	/* The agent's errors come back as error replies. */
	ASSERT_EQ(0, request("trace no_such_function_here\n", self->reply, sizeof(self->reply)));
	EXPECT_EQ(0, strncmp(self->reply, "error ENOENT: ", 14)) TH_LOG("%s", self->reply);
	ASSERT_EQ(0, request("stop\n", self->reply, sizeof(self->reply)));
	EXPECT_STREQ("ok\n", self->reply);
	ctl_work(2);
	EXPECT_EQ(1ul, test_agent_hits());
}

TEST_F(server, garbage_gets_an_error_and_the_server_goes_on)
{
	static const char *const bad[] = {
		"", "\n", "trace\n", "status please\n", "\x7f\x45\x4c\x46\x02\x01\n",
		"trace x", "rm -rf /\n", "trace a\0b\n",
	};
	char big[64 * 1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = i == 7 ? 10 : strlen(bad[i]);

		ASSERT_EQ(0, raw(self->path, bad[i], len, self->reply, sizeof(self->reply)));
		EXPECT_EQ(0, strncmp(self->reply, "error E", 7)) TH_LOG("%zu: '%s'", i, self->reply);
	}
	/* Longer than any request, in one go: refused, the rest not read. */
	memset(big, 'A', sizeof(big));
	ASSERT_EQ(0, raw(self->path, big, sizeof(big), self->reply, sizeof(self->reply)));
	EXPECT_EQ(0, strncmp(self->reply, "error E2BIG", 11)) TH_LOG("'%s'", self->reply);
	/* Random bytes. */
	srand(27);
	for (int i = 0; i < 200; i++) {
		unsigned char junk[600];
		size_t len = rand() % sizeof(junk);

		for (size_t j = 0; j < len; j++)
			junk[j] = rand();
		ASSERT_EQ(0, raw(self->path, junk, len, self->reply, sizeof(self->reply)));
		EXPECT_EQ(0, strncmp(self->reply, "error E", 7) && strncmp(self->reply, "ok", 2));
	}
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
	EXPECT_EQ(0, strncmp(self->reply, "ok\n", 3));
	EXPECT_NE(NULL, strstr(self->reply, "server-malformed: ")) TH_LOG("%s", self->reply);
	EXPECT_EQ(0ul, test_agent_hits());
}

/*
 * Another user: with the effective uid of nobody the directory keeps it
 * out; with the filesystem uid back to ours (so that only the server's
 * own check is left, which reads the effective uid) the server refuses.
 */
TEST_F(server, another_user_is_refused)
{
	int status;
	pid_t child;

	if (geteuid() != 0)
		SKIP(return, "needs root to become another user");
	/* The child talks to the parent's server: it needs none of its own. */
	setenv("TEXTPOKE_CTL_FORK", "0", 1);
	child = fork();
	unsetenv("TEXTPOKE_CTL_FORK");
	ASSERT_LE(0, child);
	if (!child) {
		char reply[256];

		if (setresgid(NOBODY, NOBODY, 0) || setresuid(0, NOBODY, 0))
			_exit(10);
		if (raw(self->path, "status\n", 7, reply, sizeof(reply)) != -EACCES)
			_exit(11);
		setfsuid(0);
		if (setfsuid(0) != 0)
			_exit(12);
		if (raw(self->path, "stop\n", 5, reply, sizeof(reply)))
			_exit(13);
		_exit(strncmp(reply, "error EACCES", 12) ? 14 : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
	EXPECT_NE(NULL, strstr(self->reply, "server-refused: 1\n")) TH_LOG("%s", self->reply);
}

/* Wait up to 5 s for process @pid's server to answer status. */
static int wait_served(pid_t pid, char *reply, size_t len)
{
	int err = -ENOENT;

	for (int i = 0; i < 500; i++) {
		err = ctl_client_request(pid, "status\n", reply, len, 20000);
		if (!err)
			break;
		usleep(10000);
	}
	return err;
}

/*
 * A child forked without exec serves a socket of its own, which traces in
 * the child only; the parent's server goes on, on its own socket.
 */
TEST_F(server, forked_child_serves_its_own_socket)
{
	char want[64], child_path[CTL_PATH_MAX], c;
	int go[2], back[2], status;
	siginfo_t si;
	pid_t child;

	/*
	 * qemu-user 7.2 aborts on its own assertion when the child of a
	 * multi-threaded process starts a thread (a vCPU index reused).
	 */
	if (under_emulator())
		SKIP(return, "qemu-user cannot start a thread in a forked child");
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(back));
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		close(go[1]);
		close(back[0]);
		while (read(go[0], &c, 1) == 1) {
			ctl_work(7);
			if (write(back[1], "k", 1) != 1)
				break;
		}
		_exit(0);
	}
	close(go[0]);
	close(back[1]);
	ASSERT_EQ(0, wait_served(child, self->reply, sizeof(self->reply)));
	snprintf(want, sizeof(want), "pid: %d\n", (int)child);
	EXPECT_NE(NULL, strstr(self->reply, want)) TH_LOG("%s", self->reply);
	EXPECT_EQ(0, ctl_client_find(child, child_path, sizeof(child_path)));
	EXPECT_STRNE(self->path, child_path);
	ASSERT_EQ(0, ctl_client_request(child, "trace ctl_work\n", self->reply,
					sizeof(self->reply), 20000));
	EXPECT_STREQ("ok\n", self->reply);
	ASSERT_EQ(1, write(go[1], "w", 1));
	ASSERT_EQ(1, read(back[0], &c, 1));
	ASSERT_EQ(0, ctl_client_request(child, "status\n", self->reply,
					sizeof(self->reply), 20000));
	EXPECT_NE(NULL, strstr(self->reply, "tracing: on")) TH_LOG("%s", self->reply);
	EXPECT_NE(NULL, strstr(self->reply, "hits: 1\n")) TH_LOG("%s", self->reply);
	/* The parent: its own socket, untouched, and nothing traced here. */
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
	snprintf(want, sizeof(want), "pid: %d\n", (int)getpid());
	EXPECT_NE(NULL, strstr(self->reply, want)) TH_LOG("%s", self->reply);
	EXPECT_NE(NULL, strstr(self->reply, "tracing: off")) TH_LOG("%s", self->reply);
	EXPECT_STREQ(self->path, agent_ctl_path());
	ctl_work(8);
	EXPECT_EQ(0ul, test_agent_hits());
	/*
	 * The child ends with _exit(), its socket left: a zombie's socket is
	 * stale, which the client tells from a missing one.
	 */
	close(go[1]);
	ASSERT_EQ(0, read(back[0], &c, 1));
	ASSERT_EQ(0, waitid(P_PID, child, &si, WEXITED | WNOWAIT));
	EXPECT_EQ(-ECONNREFUSED, ctl_client_request(child, "status\n", self->reply,
						    sizeof(self->reply), 20000));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	unlink(child_path);
	close(back[0]);
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
}

/* TEXTPOKE_CTL_FORK=0: the child runs on without a server of its own. */
TEST_F(server, forked_child_without_a_server_when_told)
{
	char path[CTL_PATH_MAX];
	int go[2], status;
	pid_t child;
	char c;

	ASSERT_EQ(0, pipe(go));
	setenv("TEXTPOKE_CTL_FORK", "0", 1);
	child = fork();
	unsetenv("TEXTPOKE_CTL_FORK");
	ASSERT_LE(0, child);
	if (!child) {
		close(go[1]);
		_exit(read(go[0], &c, 1) == 0 && !agent_ctl_path() ? 0 : 1);
	}
	close(go[0]);
	usleep(100000);
	EXPECT_EQ(-ENOENT, ctl_client_find(child, path, sizeof(path)));
	close(go[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
}

struct asker {
	pthread_t thread;
	volatile int stop;
	int requests, errors;
	long long worst_ms;
};

static long long ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void *ask_loop(void *arg)
{
	struct asker *a = arg;
	char reply[CTL_REPLY_MAX + 1];

	while (!a->stop) {
		long long t0 = ms_now(), took;

		a->errors += request("status\n", reply, sizeof(reply)) != 0;
		took = ms_now() - t0;
		if (took > a->worst_ms)
			a->worst_ms = took;
		a->requests++;
	}
	return NULL;
}

/*
 * Children forked while the server answers inherit the connection it is
 * serving: each lives on for 10 s, yet every reply must end when the
 * server is done with it, not when the last copy is closed.
 */
TEST_F_TIMEOUT(server, children_holding_a_connection_do_not_hold_the_reply, 60)
{
	struct asker a = { 0 };
	pid_t children[40];
	int i, n = 0;

	setenv("TEXTPOKE_CTL_FORK", "0", 1);
	ASSERT_EQ(0, pthread_create(&a.thread, NULL, ask_loop, &a));
	for (i = 0; i < 40; i++) {
		pid_t child = fork();

		if (!child) {
			sleep(10);
			_exit(0);
		}
		if (child > 0)
			children[n++] = child;
		usleep(20000);
	}
	a.stop = 1;
	pthread_join(a.thread, NULL);
	unsetenv("TEXTPOKE_CTL_FORK");
	for (i = 0; i < n; i++) {
		kill(children[i], SIGKILL);
		waitpid(children[i], NULL, 0);
	}
	TH_LOG("%d requests, the slowest %lld ms", a.requests, a.worst_ms);
	EXPECT_EQ(0, a.errors);
	EXPECT_LT(0, a.requests);
	EXPECT_GT(5000, a.worst_ms);
}

/* A socket file bound at @path, listening or not; its descriptor. */
static int socket_at(const char *path, bool listening)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(addr.sun_path, path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    (listening && listen(fd, 1))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A pid that was a process's and is no more (reaped). */
static pid_t gone_pid(void)
{
	pid_t pid = fork();

	if (!pid)
		_exit(0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return pid;
}

/*
 * Sockets left behind: the server removes, when it starts, those whose
 * process is gone and that nobody serves; not one that a process (of
 * another pid namespace, say) listens on, nor one whose pid is a live
 * process's.
 */
TEST(stale_sockets_removed_when_a_server_starts)
{
	char dir[CTL_PATH_MAX], stale[CTL_PATH_MAX], served[CTL_PATH_MAX], live[CTL_PATH_MAX];
	pid_t a = gone_pid(), b = gone_pid();
	char reply[256];
	int fa, fb, fc;
	struct stat st;

	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	ASSERT_EQ(0, ctl_socket_dir(dir, sizeof(dir), geteuid(), 1, 1));
	ASSERT_EQ(0, ctl_socket_path(stale, sizeof(stale), dir, a));
	ASSERT_EQ(0, ctl_socket_path(served, sizeof(served), dir, b));
	ASSERT_EQ(0, ctl_socket_path(live, sizeof(live), dir, getppid()));
	ASSERT_LE(0, fa = socket_at(stale, false));
	ASSERT_LE(0, fb = socket_at(served, true));
	ASSERT_LE(0, fc = socket_at(live, false));
	close(fa);
	close(fc);
	/* A gone process: no such process, whether its file is there or not. */
	EXPECT_EQ(-ESRCH, ctl_client_request(a, "status\n", reply, sizeof(reply), 1000));
	ASSERT_EQ(0, agent_ctl_start());
	EXPECT_EQ(-1, lstat(stale, &st));
	EXPECT_EQ(0, lstat(served, &st));
	EXPECT_EQ(0, lstat(live, &st));
	EXPECT_EQ(0, agent_ctl_stop());
	close(fb);
	unlink(served);
	unlink(live);
	unlink(stale);
}

static int switches;

/*
 * The socket's directory is used only when it is the user's alone: one
 * open to others, or a symbolic link, makes the server refuse to start.
 * A runtime directory of the user's is where it goes.
 */
TEST(server_refuses_a_directory_that_is_not_private)
{
	char run[] = "/tmp/ctl-test-run-XXXXXX", dir[128], other[128];

	ASSERT_NE(NULL, mkdtemp(run));
	ASSERT_EQ(0, chmod(run, 0700));
	ASSERT_EQ(0, setenv("XDG_RUNTIME_DIR", run, 1));
	snprintf(dir, sizeof(dir), "%s/textpoke", run);
	snprintf(other, sizeof(other), "%s/elsewhere", run);

	ASSERT_EQ(0, mkdir(dir, 0755));
	EXPECT_EQ(-EPERM, agent_ctl_start());
	ASSERT_EQ(0, rmdir(dir));

	ASSERT_EQ(0, mkdir(other, 0700));
	ASSERT_EQ(0, symlink(other, dir));
	EXPECT_EQ(-EPERM, agent_ctl_start());
	ASSERT_EQ(0, unlink(dir));

	ASSERT_EQ(0, agent_ctl_start());
	EXPECT_EQ(0, strncmp(agent_ctl_path(), dir, strlen(dir))) TH_LOG("%s", agent_ctl_path());
	EXPECT_EQ(0, agent_ctl_stop());
	rmdir(dir);
	rmdir(other);
	rmdir(run);
}

struct poker {
	pthread_t thread;
	int rounds, errors;
};

static void *poke_loop(void *arg)
{
	struct poker *p = arg;

	for (int i = 0; i < p->rounds; i++) {
		p->errors += agent_trace_add("ctl_work") != 0;
		p->errors += agent_trace_remove("ctl_work") != 0;
	}
	return NULL;
}

/*
 * Batches made by another thread with stop_machine park the server's
 * thread wherever it is (in accept(), reading, replying): it must take the
 * park signal, and go on serving after each.  A server that blocked the
 * signal would make every batch fail (or time out).
 */
TEST_F_TIMEOUT(server, parked_while_serving, 60)
{
	struct poker p = { .rounds = 200 };
	int served = 0;

	ASSERT_EQ(0, tp_ftrace_set_backend(TP_BACKEND_STOP_MACHINE));
	ASSERT_EQ(0, pthread_create(&p.thread, NULL, poke_loop, &p));
	for (int i = 0; i < 200; i++) {
		ASSERT_EQ(0, request("status\n", self->reply, sizeof(self->reply)));
		served += !strncmp(self->reply, "ok\n", 3);
	}
	pthread_join(p.thread, NULL);
	EXPECT_EQ(0, p.errors);
	EXPECT_EQ(200, served);
	tp_ftrace_set_backend(TP_BACKEND_AUTO);
}

static void *start_with_everything_blocked(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	*(int *)arg = agent_ctl_start();
	return NULL;
}

/*
 * attach may start the server from a thread that blocks every signal (one
 * in sigwait()): the server's thread must not inherit that, or no batch
 * could park it.
 */
TEST(server_started_where_every_signal_is_blocked)
{
	pthread_t t;
	int err = -1;

	ASSERT_EQ(0, pthread_create(&t, NULL, start_with_everything_blocked, &err));
	pthread_join(t, NULL);
	ASSERT_EQ(0, err);
	ASSERT_EQ(0, tp_ftrace_set_backend(TP_BACKEND_STOP_MACHINE));
	EXPECT_EQ(0, agent_trace_add("ctl_work"));
	EXPECT_EQ(0, agent_stop());
	tp_ftrace_set_backend(TP_BACKEND_AUTO);
	EXPECT_EQ(0, agent_ctl_stop());
}

struct caller {
	pthread_t thread;
	int toggles;		/* the switches the test makes */
	int done_at;		/* the switches made when it stopped calling */
	unsigned long first, calls;
	volatile int *stop;
};

static void *call_loop(void *arg)
{
	struct caller *c = arg;

	/*
	 * Paced by the switches, so that the calls go on through all of them
	 * and never run out of numbers: no more than the share of the switches
	 * made so far.
	 */
	while (!*c->stop && c->calls < PER_THREAD) {
		int done = __atomic_load_n(&switches, __ATOMIC_RELAXED);

		if (c->calls >= PER_THREAD / (c->toggles + 1) * (done + 1)) {
			sched_yield();
			continue;
		}
		ctl_work(c->first + c->calls);
		c->calls++;
	}
	c->done_at = __atomic_load_n(&switches, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * 1,000 times on and off (200 under qemu-user) while four threads call the
 * function: every call seen once or not at all (the test agent marks each
 * by its number).
 */
TEST_F_TIMEOUT(server, switching_while_threads_call, 120)
{
	/* Under qemu-user fewer: each switch costs a hundred times more. */
	int toggles = under_emulator() ? TOGGLES / 5 : TOGGLES;
	struct caller callers[THREADS];
	unsigned long seen = 0, unseen = 0;
	volatile int stop = 0;
	int i;

	test_agent_seen_len = THREADS * PER_THREAD;
	test_agent_seen = mmap(NULL, test_agent_seen_len * sizeof(*test_agent_seen),
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, test_agent_seen);
	for (i = 0; i < THREADS; i++) {
		callers[i] = (struct caller){ .first = i * PER_THREAD, .stop = &stop,
					      .toggles = toggles };
		ASSERT_EQ(0, pthread_create(&callers[i].thread, NULL, call_loop, &callers[i]));
	}
	for (i = 0; i < toggles; i++) {
		ASSERT_EQ(0, request("trace ctl_work\n", self->reply, sizeof(self->reply)));
		ASSERT_STREQ("ok\n", self->reply);
		ASSERT_EQ(0, request("untrace ctl_work\n", self->reply, sizeof(self->reply)));
		ASSERT_STREQ("ok\n", self->reply);
		__atomic_store_n(&switches, i + 1, __ATOMIC_RELAXED);
	}
	stop = 1;
	for (i = 0; i < THREADS; i++)
		pthread_join(callers[i].thread, NULL);
	for (i = 0; i < THREADS; i++) {
		for (unsigned long c = 0; c < callers[i].calls; c++) {
			unsigned int n = test_agent_seen[callers[i].first + c];

			ASSERT_GE(1u, n) TH_LOG("call %lu of thread %d seen %u times", c, i, n);
			seen += n;
			unseen += !n;
		}
		TH_LOG("thread %d: %lu calls, through %d switches", i, callers[i].calls,
		       callers[i].done_at);
		/* Calls all along, not only before the first switch. */
		EXPECT_EQ(toggles, callers[i].done_at);
	}
	TH_LOG("%d switches: %lu calls seen, %lu not", toggles, seen, unseen);
	EXPECT_EQ(seen, test_agent_hits());
	EXPECT_LT(0ul, seen);
	EXPECT_LT(0ul, unseen);
	munmap(test_agent_seen, test_agent_seen_len * sizeof(*test_agent_seen));
	test_agent_seen = NULL;
}

TEST_HARNESS_MAIN
