// SPDX-License-Identifier: GPL-2.0
/* Built with the ftrace_cflags: every function here is traceable. */
#include <execinfo.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include "traced.h"

int fg_leaf(int x)
{
	return x + 1;
}

int fg_mid(int x)
{
	return 2 * fg_leaf(x);
}

int fg_top(int x)
{
	int a = fg_mid(x);

	return a + fg_leaf(x) - 1 + 1;
}

/* The volatile read after the call keeps it a real recursion, not a loop. */
int fg_recurse(int n)
{
	volatile int keep = n;

	if (!n)
		return 0;
	return fg_recurse(n - 1) + 1 + keep - n;
}

int fg_tail(int x)
{
	return fg_leaf(x);
}

double fg_double(double a, double b)
{
	return a * b + 0.5;
}

struct fg_pair fg_pair(long a)
{
	return (struct fg_pair){ a, a + 1 };
}

void fg_jump(jmp_buf *env, int depth)
{
	if (depth < 0)
		return;
	if (!depth)
		longjmp(*env, 1);
	fg_jump(env, depth - 1);
	__asm__ volatile("" ::: "memory");
}

int fg_wait(const int *go, int depth)
{
	volatile int keep = depth;

	if (depth)
		return fg_wait(go, depth - 1) + 1 + keep - depth;
	while (!__atomic_load_n(go, __ATOMIC_ACQUIRE))
		sched_yield();
	return 0;
}

void fg_siglongjmp(sigjmp_buf *env, int depth)
{
	if (depth < 0)
		return;
	if (!depth)
		siglongjmp(*env, 1);
	fg_siglongjmp(env, depth - 1);
	__asm__ volatile("" ::: "memory");
}

void fg_setcontext(const ucontext_t *uc, int depth)
{
	if (!depth)
		setcontext(uc);
	else
		fg_setcontext(uc, depth - 1);
	__asm__ volatile("" ::: "memory");
}

void fg_raise(int sig, int depth)
{
	if (!depth)
		raise(sig);
	else
		fg_raise(sig, depth - 1);
	__asm__ volatile("" ::: "memory");
}

void fg_exit_thread(int depth)
{
	if (depth < 0)
		return;
	if (!depth)
		pthread_exit(NULL);
	fg_exit_thread(depth - 1);
	__asm__ volatile("" ::: "memory");
}

int fg_swap(ucontext_t *from, ucontext_t *to)
{
	int ret = swapcontext(from, to);

	__asm__ volatile("" ::: "memory");
	return ret;
}

int fg_bt_inner(void **buf, int max)
{
	int n = 0;

	if (buf)
		n = backtrace(buf, max);
	else
		raise(SIGTRAP);
	__asm__ volatile("" ::: "memory");
	return n;
}

int fg_bt_outer(void **buf, int max)
{
	int n = fg_bt_inner(buf, max);

	__asm__ volatile("" ::: "memory");
	return n;
}

int fg_direct_target(int x)
{
	return 3 * x;
}

int fg_redirect_old(int x)
{
	return x + 100;
}

int fg_redirect_new(int x)
{
	return x + 200;
}

/*
 * Local and small: gcc knows it needs no 16-byte alignment and calls it
 * with the stack only 8-byte aligned, which the trampolines must cope
 * with.  fg_job(x) == 2 * x + 135.
 */
static __attribute__((noinline)) long fg_local_step(long x)
{
	for (volatile int i = 0; i < 10; i++)
		x += i;
	return x;
}

long fg_job(long x)
{
	return fg_local_step(fg_local_step(x)) + fg_local_step(x);
}
