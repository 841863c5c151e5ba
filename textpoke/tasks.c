// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tasks (threads) of this process and what the kernel knows of their
 * signal masks, read from /proc/self/task with raw system calls only, so
 * that stop_machine can use them while other threads are parked (they may
 * hold the malloc or stdio locks).
 *
 * Under a user-mode emulator (qemu-user) the kernel does not see a guest
 * thread's real-time signal mask: qemu copies the standard signals but
 * renumbers the real-time ones.  tasks_init() finds out by blocking a
 * real-time signal and looking for it in the kernel's view.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static bool masks_visible;

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static pid_t parse_tid(const char *name)
{
	long v = 0;

	if (!*name)
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9')
			return 0;
		v = v * 10 + (*name - '0');
	}
	return (pid_t)v;
}

int tasks_for_each(int (*fn)(pid_t tid, void *arg), void *arg)
{
	char buf[4096] __attribute__((aligned(8)));
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;
	long n;

	if (fd < 0)
		return -errno;
	while (!ret && (n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		long off;

		for (off = 0; off < n && !ret;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			pid_t tid = parse_tid(d->d_name);

			off += d->d_reclen;
			if (tid)
				ret = fn(tid, arg);
		}
	}
	close(fd);
	if (!ret && n < 0)
		ret = -EIO;
	return ret;
}

/* Read @path into @buf (NUL-terminated). */
static ssize_t read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return n;
}

/* The hexadecimal value of the status line @field ("SigBlk:"), or 0. */
static uint64_t status_hex(const char *status, const char *field)
{
	const char *p = strstr(status, field);
	uint64_t v = 0;

	if (!p)
		return 0;
	for (p += strlen(field); *p == ' ' || *p == '\t'; p++)
		;
	for (; *p && *p != '\n'; p++) {
		int digit = *p >= 'a' ? *p - 'a' + 10 : *p - '0';

		v = v << 4 | (digit & 0xf);
	}
	return v;
}

/* The decimal value of the status line @field ("TracerPid:"), or 0. */
static long status_dec(const char *status, const char *field)
{
	const char *p = strstr(status, field);
	long v = 0;

	if (!p)
		return 0;
	for (p += strlen(field); *p == ' ' || *p == '\t'; p++)
		;
	for (; *p >= '0' && *p <= '9' && v < INT_MAX / 10; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/* "/proc/self/task/<tid>/<file>" into @path (64 bytes). */
static void task_path(char *path, pid_t tid, const char *file)
{
	char *p;
	int len = 0;
	pid_t t;

	strcpy(path, "/proc/self/task/");
	p = path + strlen(path);
	for (t = tid; t; t /= 10)
		len++;
	for (t = tid, p += len, *p = '\0'; t; t /= 10)
		*--p = '0' + t % 10;
	strcat(path, "/");
	strcat(path, file);
}

int task_signal_status(pid_t tid, uint64_t *blocked, pid_t *tracer)
{
	char path[64], buf[2048];
	ssize_t n;

	task_path(path, tid, "status");
	n = read_small_file(path, buf, sizeof(buf));
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	*blocked = status_hex(buf, "SigBlk:");
	*tracer = (pid_t)status_dec(buf, "TracerPid:");
	return 0;
}

uint64_t task_blocked_signals(pid_t tid)
{
	uint64_t blocked;
	pid_t tracer;

	return task_signal_status(tid, &blocked, &tracer) ? 0 : blocked;
}

uint64_t task_cpu_time(pid_t tid)
{
	char path[64], buf[128], *p;
	uint64_t ns = 0;

	task_path(path, tid, "schedstat");
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	for (p = buf; *p >= '0' && *p <= '9'; p++)
		ns = ns * 10 + (*p - '0');
	return ns;
}

bool task_runnable(pid_t tid)
{
	char path[64], buf[512], *p;

	task_path(path, tid, "stat");
	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return false;
	/* "tid (comm) S ...": comm may hold spaces and parentheses */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'R';
}

/* An emulator's helper task blocks every real-time signal in the kernel. */
bool task_is_emulator_helper(pid_t tid)
{
	uint64_t rt = 0;
	int sig;

	for (sig = 34; sig <= 64; sig++)
		rt |= SIGNAL_BIT(sig);
	return (task_blocked_signals(tid) & rt) == rt;
}

bool signal_masks_visible(void)
{
	return masks_visible;
}

void tasks_init(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGRTMIN + 3);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	masks_visible = task_blocked_signals(syscall(SYS_gettid)) & SIGNAL_BIT(SIGRTMIN + 3);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
