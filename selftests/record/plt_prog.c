// SPDX-License-Identifier: GPL-2.0
/*
 * What plt_test.sh records: built with the library's ftrace flags and
 * linked with plt_lib.c's object (built without), lazily bound or, as
 * plt_prog_now, with -z now -z relro.  Its calls into libc and the
 * library go through its PLT:
 *   (no argument)  work() -> malloc(), qsort() -> cmp() (a callback into
 *		    the program, nested in qsort), puts(), plt_twice() three
 *		    times through call_lib(), free(), and plt_dso_entry() of
 *		    plt_dso.c (linked, built with the flags: traced by the
 *		    library, not at the PLT, so seen once)
 *   threads	    4 threads, started together, each calling plt_count()
 *		    CALLS times through thread_calls() while the slot is
 *		    still lazily bound
 *   relro	    as the first, then whether the pages of its RELRO
 *		    segment are read-only again
 *   dlopen DSO	    as the first, then plt_dso_entry() of DSO (plt_dso.c,
 *		    loaded already), through dlsym(): its strtol() through
 *		    its own PLT
 *   signals	    thread_calls() in a loop while a timer's signal handler
 *		    calls plt_twice() through the PLT, into any moment of
 *		    the calls traced there
 * plt_pid() of the library calls getpid() through the library's PLT.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS	4
#define CALLS	2000

int plt_twice(int x);
int plt_count(int x);
int plt_counted(void);
int plt_pid(void);
long plt_dso_entry(const char *number);

__attribute__((noinline)) int cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) int call_lib(int x)
{
	return plt_twice(x);
}

__attribute__((noinline)) int work(void)
{
	int v[4] = { 4, 2, 3, 1 }, sum = 0, i;
	int *p = malloc(sizeof(v));

	if (!p)
		return -1;
	memcpy(p, v, sizeof(v));
	qsort(p, 4, sizeof(*p), cmp);
	puts("sorted");
	for (i = 0; i < 3; i++)
		sum += call_lib(p[i]);
	free(p);
	return sum + plt_pid() - 1 + (int)plt_dso_entry("1") - 2;
}

static pthread_barrier_t start;

__attribute__((noinline)) int thread_calls(int n)
{
	int sum = 0, i;

	for (i = 0; i < n; i++)
		sum += plt_count(i) - i;
	return sum;
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start);
	return (void *)(long)thread_calls(CALLS);
}

static int threads(void)
{
	pthread_t t[THREADS];
	long sum = 0;
	void *ret;
	int i;

	pthread_barrier_init(&start, NULL, THREADS);
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL))
			return 1;
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		sum += (long)ret;
	}
	printf("threads %ld counted %d\n", sum, plt_counted());
	return 0;
}

static volatile sig_atomic_t handled;

__attribute__((noinline)) static void spin(int n)
{
	volatile int x = 0;

	while (n--)
		x = x + 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	handled += plt_twice(1) / 2;
}

static int signals(void)
{
	struct itimerval every = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	long sum = 0;
	int i;

	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &every, NULL);
	for (i = 0; i < 200 || (i < 5000 && handled < 20); i++) {
		sum += thread_calls(100);
		spin(2000);	/* where the signal finds no traced call */
	}
	setitimer(ITIMER_REAL, &off, NULL);
	printf("signals %s\n", sum == 100L * i && handled > 0 ? "ok" : "wrong");
	return 0;
}

/* Is every page of the program's RELRO segment read-only in its maps? */
static int relro_page(struct dl_phdr_info *info, size_t size, void *data)
{
	unsigned long *range = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO) {
			range[0] = (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr) & ~0xffful;
			range[1] = (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr +
				    info->dlpi_phdr[i].p_memsz) & ~0xffful;
		}
	return 1;	/* the program only */
}

static const char *relro_state(void)
{
	unsigned long range[2] = { 0, 0 }, lo, hi;
	char line[512], perms[8];
	const char *state = "absent";
	FILE *f;

	dl_iterate_phdr(relro_page, range);
	f = fopen("/proc/self/maps", "r");
	while (f && range[0] < range[1] && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && lo < range[1] &&
		    hi > range[0] && strcmp(state, "writable"))
			state = strcmp(perms, "r--p") ? "writable" : "read-only";
	if (f)
		fclose(f);
	return state;
}

static int load(const char *path)
{
	long (*entry)(const char *);
	void *h = dlopen(path, RTLD_NOW);

	if (!h) {
		fprintf(stderr, "%s\n", dlerror());
		return 1;
	}
	entry = (long (*)(const char *))dlsym(h, "plt_dso_entry");
	if (!entry)
		return 1;
	printf("dso %ld\n", entry("41"));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "threads"))
		return threads();
	if (argc > 1 && !strcmp(argv[1], "signals"))
		return signals();
	printf("work %d\n", work());
	if (argc > 1 && !strcmp(argv[1], "relro"))
		printf("relro %s\n", relro_state());
	if (argc > 2 && !strcmp(argv[1], "dlopen"))
		return load(argv[2]);
	return 0;
}
