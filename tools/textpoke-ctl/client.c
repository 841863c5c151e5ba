// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Find a process's control socket and make one request (client.h).  The
 * socket's directory is checked as the server checks it (owned by the
 * process's user, 0700), and the server by its credentials: the process
 * that listens must be the one asked for, so that no one else's socket in
 * its place is talked to.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl_proto.h"
#include "client.h"

static int process_uid(pid_t pid, uid_t *uid)
{
	char proc[32];
	struct stat st;

	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (stat(proc, &st))
		return errno == ENOENT ? -ESRCH : -errno;
	*uid = st.st_uid;
	return 0;
}

static int try_dir(const char *dir, uid_t uid, pid_t pid, char *path, size_t len)
{
	struct stat st;

	if (ctl_dir_check(dir, uid, 0) || ctl_socket_path(path, len, dir, pid))
		return -ENOENT;
	if (lstat(path, &st) || !S_ISSOCK(st.st_mode))
		return -ENOENT;
	return 0;
}

int ctl_client_find(pid_t pid, char *path, size_t len)
{
	char dir[CTL_PATH_MAX];
	uid_t uid = 0;
	int err;

	err = process_uid(pid, &uid);
	if (err)
		return err;
	/* Where the server put it: its runtime directory, if it is ours too. */
	if (!ctl_socket_dir(dir, sizeof(dir), uid, 1, 0) &&
	    !try_dir(dir, uid, pid, path, len))
		return 0;
	snprintf(dir, sizeof(dir), "/run/user/%u/textpoke", (unsigned int)uid);
	if (!try_dir(dir, uid, pid, path, len))
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/textpoke-%u", (unsigned int)uid);
	return try_dir(dir, uid, pid, path, len);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int connect_to(pid_t pid, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(fd);
		/*
		 * -ECONNREFUSED: a file nobody listens on, left by a process
		 * that ended without removing it (the pid may be reused).
		 */
		return err;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) || cred.pid != pid) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

static int read_reply(int fd, char *reply, size_t len, int timeout_ms)
{
	long long end = now_ms() + timeout_ms;
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = end - now_ms();
		ssize_t n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ETIMEDOUT;
		n = recv(fd, reply + got, len - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		got += n;
	}
	reply[got] = '\0';
	return got ? 0 : -EPROTO;
}

int ctl_client_probe(pid_t pid, char *path, size_t len)
{
	static char reply[CTL_REPLY_MAX + 1];
	int err;

	err = ctl_client_find(pid, path, len);
	if (err)
		return err;
	/* a request the server counts as one, not as a malformed one */
	return ctl_client_request(pid, "status\n", reply, sizeof(reply), 10000);
}

int ctl_client_request(pid_t pid, const char *request, char *reply,
		       size_t len, int timeout_ms)
{
	char path[CTL_PATH_MAX];
	int fd, err;

	err = ctl_client_find(pid, path, sizeof(path));
	if (err)
		return err;
	fd = connect_to(pid, path);
	if (fd < 0)
		return fd;
	err = send_all(fd, request, strlen(request));
	if (!err)
		err = read_reply(fd, reply, len, timeout_ms);
	close(fd);
	return err;
}
