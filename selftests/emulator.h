/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the selftests need to know about the emulator they may run under.
 */
#ifndef SELFTESTS_EMULATOR_H
#define SELFTESTS_EMULATOR_H

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Whether a user-mode emulator runs this program: qemu-user keeps guest
 * signal masks to itself, so a real-time signal this thread blocks does
 * not show in the kernel's SigBlk for it (nor when SigBlk cannot be read).
 */
static inline bool under_emulator(void)
{
	static int cached = -1;
	int sig = SIGRTMIN + 7;
	sigset_t set, old;
	char buf[4096], *p;
	unsigned long long blocked = 0;
	int fd;
	ssize_t n;

	if (cached >= 0)
		return cached;
	sigemptyset(&set);
	sigaddset(&set, sig);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	fd = open("/proc/thread-self/status", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0)
		close(fd);
	if (n > 0) {
		buf[n] = '\0';
		p = strstr(buf, "SigBlk:");
		if (p)
			blocked = strtoull(p + 7, NULL, 16);
	}
	cached = !(blocked & (1ULL << (sig - 1)));
	return cached;
}

/*
 * Whether this is arm64 or riscv64 under qemu-user, whose handling of
 * code rewritten while other threads run it fails under heavy load (7.2,
 * with nosync and breakpoint alike): threads get SIGSEGV at instructions
 * that cannot fault, with host addresses as the fault address, run stale
 * code long after the change, or qemu aborts on its own assertion (cpu ==
 * current_cpu on arm64; icount_enabled() in single-step mode on riscv64).
 * riscv64 showed it once pokes there got slower (every commit reads
 * /proc/self/maps under qemu, which cannot answer PROCMAP_QUERY).
 * x86-64 natively runs every stress test at full strength.
 */
static inline bool qemu_smc_unreliable(void)
{
#if defined(__aarch64__) || defined(__riscv)
	return under_emulator();
#else
	return false;
#endif
}

#endif /* SELFTESTS_EMULATOR_H */
