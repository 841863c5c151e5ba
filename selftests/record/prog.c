// SPDX-License-Identifier: GPL-2.0
/*
 * What record_test.sh records: built with the library's ftrace flags.
 * Every path a tracer must follow by itself, each through functions of
 * its own names, so that the recorded graph says which were seen:
 *   threads	worker_thread() -> thread_work() -> leaf()  (2 threads)
 *   fork	child_work() -> leaf() in the child
 *   exec	the child exec's this program with "exec": exec_work() -> leaf()
 *   dlopen	dso_entry() -> dso_leaf() in the shared object argv[1]
 * Results are printed so that no call can be left out by the compiler.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((noinline)) int leaf(int x)
{
	return x + 1;
}

__attribute__((noinline)) int thread_work(int x)
{
	return leaf(x) * 2;
}

static void *worker_thread(void *arg)
{
	long n = (long)arg;

	return (void *)(long)thread_work((int)n);
}

__attribute__((noinline)) int child_work(int x)
{
	return leaf(x) * 3;
}

__attribute__((noinline)) int exec_work(int x)
{
	return leaf(x) * 5;
}

__attribute__((noinline)) int load_dso(const char *path)
{
	void *h = dlopen(path, RTLD_NOW);
	int (*entry)(int);
	int ret;

	if (!h)
		return -1;
	entry = (int (*)(int))dlsym(h, "dso_entry");
	ret = entry ? entry(6) : -1;
	dlclose(h);
	return ret;
}

int main(int argc, char **argv)
{
	pthread_t t[2];
	void *res;
	pid_t pid;
	int status;

	if (argc > 1 && !strcmp(argv[1], "exec")) {
		printf("exec %d\n", exec_work(4));
		return 0;
	}
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker_thread, (void *)i);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &res);
		printf("thread %ld\n", (long)res);
	}
	fflush(stdout);
	pid = fork();
	if (!pid) {
		printf("child %d\n", child_work(3));
		fflush(stdout);
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	if (argc > 1)
		printf("dso %d\n", load_dso(argv[1]));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
