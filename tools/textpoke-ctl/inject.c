// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Calls made by a thread of another process (inject.h).
 *
 * The thread is seized and interrupted; its register sets are saved
 * whole (the arch says which: the general registers and the vector
 * state).  Each call sets the arguments and the stack as the ABI wants,
 * with a return address of 0: the function returns there, the thread
 * faults, and that fault ends the call (it is never delivered).  Signals
 * that arrive meanwhile are the process's and are passed on.  Data the
 * calls need (the path to load, a symbol name) go to a scratch area on
 * the thread's stack below its red zone, whose bytes are saved first and
 * put back last, with the registers, before the thread is let go.  A
 * thread stopped in a system call has it restarted as if nothing had
 * happened: the saved registers still say so and the kernel acts on them
 * when the thread goes on.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach_arch.h"
#include "inject.h"

#define RED_ZONE	256	/* x86-64's is 128; the others have none */
#define SCRATCH_SIZE	8192
#define MAX_REGSETS	4
#define REGSET_MAX	16384

struct inject {
	pid_t pid, tid;
	int mem;			/* /proc/PID/mem */
	int pending_sig;		/* held back by our first stop */
	struct {
		int type;
		size_t len;
		unsigned char *buf;
	} sets[MAX_REGSETS];
	int nsets;
	unsigned long top, low, cur;	/* the scratch area [low, top) */
	unsigned char saved[SCRATCH_SIZE];
};

static int get_regset(pid_t tid, int type, void *buf, size_t *len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = *len };

	if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)type, &iov))
		return -errno;
	*len = iov.iov_len;
	return 0;
}

static int set_regset(pid_t tid, int type, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return ptrace(PTRACE_SETREGSET, tid, (void *)(long)type, &iov) ? -errno : 0;
}

static int mem_rw(struct inject *in, int write, unsigned long addr, void *buf, size_t len)
{
	ssize_t n = write ? pwrite(in->mem, buf, len, (off_t)addr)
			  : pread(in->mem, buf, len, (off_t)addr);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* Wait for @tid's next stop: its status, or -ESRCH when it is gone. */
static int wait_stop(pid_t tid, int *status)
{
	for (;;) {
		pid_t w = waitpid(tid, status, __WALL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (WIFEXITED(*status) || WIFSIGNALED(*status))
			return -ESRCH;
		return 0;
	}
}

static int is_event_stop(int status)
{
	return (status >> 16) == PTRACE_EVENT_STOP;
}

static void free_inject(struct inject *in)
{
	for (int i = 0; i < in->nsets; i++)
		free(in->sets[i].buf);
	if (in->mem >= 0)
		close(in->mem);
	free(in);
}

static int save_state(struct inject *in)
{
	const int *type;
	int err;

	for (type = attach_arch_regsets; *type; type++) {
		size_t len = REGSET_MAX;
		unsigned char *buf = malloc(len);

		if (!buf)
			return -ENOMEM;
		err = get_regset(in->tid, *type, buf, &len);
		if (err) {
			free(buf);
			return err;
		}
		in->sets[in->nsets].type = *type;
		in->sets[in->nsets].buf = buf;
		in->sets[in->nsets].len = len;
		in->nsets++;
	}
	if (in->sets[0].len < attach_arch_gpr_size)
		return -EINVAL;
	in->top = (attach_arch_sp(in->sets[0].buf) - RED_ZONE) & ~15ul;
	in->low = in->top - SCRATCH_SIZE;
	in->cur = in->top;
	return mem_rw(in, 0, in->low, in->saved, SCRATCH_SIZE);
}

int inject_begin(pid_t pid, pid_t tid, struct inject **out)
{
	struct inject *in = calloc(1, sizeof(*in));
	char path[64];
	int status, err;

	if (!in)
		return -ENOMEM;
	in->mem = -1;
	in->pid = pid;
	in->tid = tid;
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL)) {
		err = -errno;
		free_inject(in);
		return err;
	}
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		err = -errno;
		goto detach;
	}
	err = wait_stop(tid, &status);
	if (err)
		goto detach_gone;
	/* A signal on its way stopped it first: delivered when we leave. */
	if (!is_event_stop(status))
		in->pending_sig = WSTOPSIG(status);
	in->mem = open(path, O_RDWR | O_CLOEXEC);
	if (in->mem < 0) {
		err = -errno;
		goto detach;
	}
	err = save_state(in);
	if (err)
		goto detach;
	*out = in;
	return 0;
detach:
	ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)in->pending_sig);
detach_gone:
	free_inject(in);
	return err;
}

unsigned long inject_push(struct inject *in, const void *data, size_t len)
{
	unsigned long at = (in->cur - len) & ~15ul;

	/* Room left below for the call's own pushes. */
	if (len > SCRATCH_SIZE || at < in->low + 64)
		return 0;
	if (mem_rw(in, 1, at, (void *)data, len))
		return 0;
	in->cur = at;
	return at;
}

int inject_read_string(struct inject *in, unsigned long addr, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		if (mem_rw(in, 0, addr + got, buf + got, 1))
			break;
		if (!buf[got])
			return 0;
		got++;
	}
	buf[got] = '\0';
	return got ? 0 : -EFAULT;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Run until the call returns to 0; its registers in @gpr. */
static int run_call(struct inject *in, void *gpr, size_t gpr_len, int timeout_ms)
{
	long long warn_at = now_ms() + timeout_ms;
	int status, sig, err;

	if (ptrace(PTRACE_CONT, in->tid, NULL, NULL))
		return -errno;
	for (;;) {
		pid_t w = waitpid(in->tid, &status, __WALL | WNOHANG);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (!w) {
			/*
			 * The thread is inside the call, maybe holding the
			 * loader's lock: leaving now would make it return to
			 * address 0 later.  Say so once and keep waiting.
			 */
			if (warn_at && now_ms() > warn_at) {
				fprintf(stderr, "textpoke-attach: the call in thread %d has not "
					"returned after %d ms; still waiting\n", (int)in->tid,
					timeout_ms);
				warn_at = 0;
			}
			usleep(1000);
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		sig = WSTOPSIG(status);
		if (is_event_stop(status)) {
			sig = 0;	/* our interrupt, or a group stop, late */
		} else if (sig == SIGSEGV) {
			size_t len = gpr_len;

			err = get_regset(in->tid, attach_arch_regsets[0], gpr, &len);
			if (err)
				return err;
			return attach_arch_pc(gpr) == 0 ? 0 : -EFAULT;
		}
		if (ptrace(PTRACE_CONT, in->tid, NULL, (void *)(long)sig))
			return -errno;
	}
}

int inject_call(struct inject *in, unsigned long fn, const unsigned long *args,
		int nargs, unsigned long *ret, int timeout_ms)
{
	unsigned char gpr[REGSET_MAX];
	unsigned long push = 0, zero = 0;
	size_t len = in->sets[0].len;
	int err;

	memcpy(gpr, in->sets[0].buf, len);
	err = attach_arch_setup_call(gpr, fn, args, nargs, (in->cur - 32) & ~15ul, 0, &push);
	if (err)
		return err;
	if (push && (err = mem_rw(in, 1, push, &zero, sizeof(zero))))
		return err;
	err = set_regset(in->tid, in->sets[0].type, gpr, len);
	if (err)
		return err;
	err = run_call(in, gpr, len, timeout_ms);
	if (!err)
		*ret = attach_arch_retval(gpr);
	return err;
}

int inject_end(struct inject *in)
{
	int err = mem_rw(in, 1, in->low, in->saved, SCRATCH_SIZE);

	for (int i = 0; i < in->nsets; i++) {
		int e = set_regset(in->tid, in->sets[i].type, in->sets[i].buf, in->sets[i].len);

		err = err ?: e;
	}
	if (ptrace(PTRACE_DETACH, in->tid, NULL, (void *)(long)in->pending_sig))
		err = err ?: -errno;
	free_inject(in);
	return err;
}
