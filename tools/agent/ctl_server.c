// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The control server of the agent: a thread in the traced program that
 * serves a UNIX socket (ctl_proto.h) and turns each request into one call
 * of the agent's interface (agent.h), one batch of the library each.
 *
 * The thread is the agent's own code, built without the ftrace flags, so
 * it is never traced.  It takes no lock of the program and allocates
 * nothing while serving (its buffers are static), so the library may park
 * it anywhere.  It blocks the asynchronous signals a program handles
 * (SIGINT, SIGCHLD, ...) so that they reach the program's own threads,
 * and leaves SIGTRAP and every real-time signal open: the library's
 * breakpoints and its park signal (SIGRTMIN+3 unless moved) must reach
 * every thread, this one too, or each batch would wait for it.
 *
 * Peers are checked with SO_PEERCRED: the user who runs the program, or
 * root; anyone else gets an error reply and nothing else.  A peer gets
 * CTL_IO_TIMEOUT_MS to send its line, so a client that connects and says
 * nothing blocks the server no longer than that.
 *
 * A child the program forks (without exec) gets a server of its own, on
 * its own pid's socket: the fork handler closes the parent's listening
 * socket in the child (never shuts it down, which would end the parent's
 * server) and starts the thread afresh.  Each connection is shut down
 * once served, so that a copy a child inherited mid-request cannot keep
 * the client waiting for the end of the reply.  TEXTPOKE_CTL_FORK=0 in
 * the environment keeps the children without a server: a child that must
 * stay single-threaded (one that calls unshare(CLONE_NEWUSER), say) gets
 * no thread of the agent's.
 *
 * A socket outlives a process that ended without running its destructors
 * (killed, or a raw exit): the server removes, when it starts, the
 * sockets of its directory whose process is gone and which nobody serves.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "ctl_proto.h"
#include "ctl_server.h"

#define CTL_IO_TIMEOUT_MS	2000
#define CTL_BACKLOG		8

static struct {
	pthread_mutex_t lock;		/* start and stop */
	pid_t pid;			/* the process that started it; 0: none */
	int fd;				/* the listening socket */
	pthread_t thread;
	char path[CTL_PATH_MAX];
	volatile int stopping;
	char request[CTL_REQUEST_MAX + 1];
	char reply[CTL_REPLY_MAX];
} ctl = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.fd = -1,
};

/* What the server counts, for the tests and status. */
static unsigned long served, refused, malformed;

static int reply_error(char *buf, size_t len, int err, const char *msg)
{
	return snprintf(buf, len, "error %s: %s\n", ctl_errno_name(-err), msg);
}

/* Run one parsed request; the reply's length in ctl.reply. */
static int run_request(const struct ctl_request *req)
{
	char *out = ctl.reply;
	size_t len = sizeof(ctl.reply);
	int err, n;

	switch (req->verb) {
	case CTL_TRACE:
		err = agent_trace_add(req->glob);
		break;
	case CTL_UNTRACE:
		err = agent_trace_remove(req->glob);
		break;
	case CTL_STOP:
		err = agent_stop();
		break;
	case CTL_STATUS:
		n = snprintf(out, len, "ok\nserver-requests: %lu\nserver-refused: %lu\n"
			     "server-malformed: %lu\n", served, refused, malformed);
		err = agent_status(out + n, len - n);
		if (err == -ENOSPC)
			err = 0;	/* what fitted is there */
		if (!err)
			return n + strlen(out + n);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err)
		return reply_error(out, len, err, strerror(-err));
	return snprintf(out, len, "ok\n");
}

/*
 * Read one request line: until a newline, the end of the stream, a full
 * buffer, or the timeout.  The length of the line, its newline included
 * (one more than CTL_REQUEST_MAX when the line is too long).
 */
static size_t read_request(int fd)
{
	size_t got = 0;
	char *nl;

	while (got < sizeof(ctl.request)) {
		ssize_t n = recv(fd, ctl.request + got, sizeof(ctl.request) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		nl = memchr(ctl.request + got, '\n', n);
		if (nl)
			return nl - ctl.request + 1;	/* what follows is not read */
		got += n;
	}
	return got;
}

static void send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= n;
	}
}

static int peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return 0;
	return cred.uid == geteuid() || cred.uid == 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = {
		.tv_sec = CTL_IO_TIMEOUT_MS / 1000,
		.tv_usec = (CTL_IO_TIMEOUT_MS % 1000) * 1000,
	};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void serve_one(int fd)
{
	struct ctl_request req;
	const char *why = NULL;
	size_t got;
	int n, err;

	set_timeouts(fd);
	if (!peer_allowed(fd)) {
		refused++;
		n = reply_error(ctl.reply, sizeof(ctl.reply), -EACCES,
				"not the program's user nor root");
		send_all(fd, ctl.reply, n);
		return;
	}
	got = read_request(fd);
	err = ctl_parse(ctl.request, got, &req, &why);
	if (err) {
		malformed++;
		n = reply_error(ctl.reply, sizeof(ctl.reply), err, why);
	} else {
		served++;
		n = run_request(&req);
	}
	if (n > 0)
		send_all(fd, ctl.reply, (size_t)n < sizeof(ctl.reply) ? (size_t)n :
			 sizeof(ctl.reply) - 1);
}

static void *server_thread(void *arg)
{
	int lfd = (int)(long)arg;

	while (!ctl.stopping) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (ctl.stopping || errno == EINVAL || errno == EBADF)
				break;
			/* Out of descriptors or memory: let it pass. */
			usleep(10000);
			continue;
		}
		serve_one(fd);
		/* the end of the reply, whoever else holds the connection */
		shutdown(fd, SHUT_RDWR);
		close(fd);
	}
	return NULL;
}

/* The signals the program's threads take: kept away from this thread. */
static void block_program_signals(sigset_t *set)
{
	static const int sigs[] = {
		SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
		SIGTERM, SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG,
		SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO,
	};

	sigemptyset(set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(set, sigs[i]);
}

/* Does a server listen on the socket at @path?  Never blocks. */
static bool served_at(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err = 0;

	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return true;	/* not known: kept */
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		err = errno;
	close(fd);
	/* a full backlog (EAGAIN) is a server too */
	return err != ECONNREFUSED && err != ENOENT;
}

/*
 * The sockets in @dir left by processes that are gone.  A pid may have
 * been reused since (or be another pid namespace's): a socket is removed
 * only when its process does not exist here and nobody listens on it.
 */
static void remove_stale(const char *dir)
{
	char path[CTL_PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (end == de->d_name || strcmp(end, ".sock") || pid <= 0 ||
		    pid == getpid() || ctl_socket_path(path, sizeof(path), dir, pid))
			continue;
		if (kill(pid, 0) && errno == ESRCH && !served_at(path))
			unlink(path);
	}
	closedir(d);
}

static int open_socket(char *path, size_t len)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[CTL_PATH_MAX];
	int fd, err;

	err = ctl_socket_dir(dir, sizeof(dir), geteuid(), 1, 1);
	if (!err)
		err = ctl_socket_path(path, len, dir, getpid());
	if (err)
		return err;
	remove_stale(dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* A socket of an earlier process of this pid, in our own directory. */
	unlink(path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(fd, CTL_BACKLOG)) {
		err = -errno;
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

static int start_locked(void)
{
	sigset_t block, old;
	int fd, err;

	if (ctl.pid == getpid())
		return -EALREADY;
	/* A child of a process that ran the server inherited its state only. */
	ctl.pid = 0;
	ctl.fd = -1;
	ctl.stopping = 0;
	fd = open_socket(ctl.path, sizeof(ctl.path));
	if (fd < 0)
		return fd;
	/*
	 * Exactly that mask, not the caller's with it: attach may start the
	 * server from a thread that blocks everything (one in sigwait()).
	 */
	block_program_signals(&block);
	pthread_sigmask(SIG_SETMASK, &block, &old);
	err = -pthread_create(&ctl.thread, NULL, server_thread, (void *)(long)fd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		close(fd);
		unlink(ctl.path);
		return err;
	}
	ctl.fd = fd;
	ctl.pid = getpid();
	return 0;
}

int agent_ctl_start(void)
{
	int err;

	pthread_mutex_lock(&ctl.lock);
	err = start_locked();
	pthread_mutex_unlock(&ctl.lock);
	return err;
}

int agent_ctl_stop(void)
{
	int err = 0;

	pthread_mutex_lock(&ctl.lock);
	if (ctl.pid != getpid()) {
		err = -ENOENT;
	} else if (pthread_equal(pthread_self(), ctl.thread)) {
		err = -EDEADLK;
	} else {
		ctl.stopping = 1;
		/* accept() returns EINVAL on a socket shut down for reading. */
		shutdown(ctl.fd, SHUT_RDWR);
		pthread_join(ctl.thread, NULL);
		close(ctl.fd);
		unlink(ctl.path);
		ctl.fd = -1;
		ctl.pid = 0;
	}
	pthread_mutex_unlock(&ctl.lock);
	return err;
}

void agent_ctl_gone(void)
{
	if (ctl.pid == getpid())
		unlink(ctl.path);
}

/*
 * fork(): the child gets its own server when the parent had one.  The
 * parent's listening socket is closed in the child, not shut down (the
 * parent serves it).  No prepare handler takes ctl.lock: agent_ctl_stop()
 * holds it while the server's thread finishes a request, which may wait
 * for the library's lock that the forking thread's handlers hold.  The
 * lock is made anew in the child instead; a start or stop that another
 * thread was in the middle of leaves the child without a server.
 */
static void fork_child(void)
{
	const char *follow = getenv("TEXTPOKE_CTL_FORK");

	pthread_mutex_init(&ctl.lock, NULL);
	if (!ctl.pid || ctl.pid == getpid())
		return;
	close(ctl.fd);
	ctl.fd = -1;
	ctl.pid = 0;
	served = refused = malformed = 0;
	if ((follow && !strcmp(follow, "0")) || start_locked())
		ctl.path[0] = '\0';	/* the child runs on, without a server */
}

__attribute__((constructor)) static void ctl_atfork(void)
{
	pthread_atfork(NULL, NULL, fork_child);
}

const char *agent_ctl_path(void)
{
	return ctl.pid == getpid() ? ctl.path : NULL;
}

/* The socket goes with the program (the thread goes with the process). */
__attribute__((destructor)) static void ctl_remove_socket(void)
{
	agent_ctl_gone();
}

/*
 * textpoke-attach calls this after it dlopen()ed the agent into a running
 * program, where the environment could not ask for the server.
 */
__attribute__((visibility("default"))) int textpoke_agent_attach(void)
{
	int err = agent_ctl_start();

	return err == -EALREADY ? 0 : err;
}
