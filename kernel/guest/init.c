// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The whole user space of a test guest: mount what the selftests read,
 * run each program named on the kernel command line after "--" (or the
 * default list), print one line with their exit status for the host to
 * find, and reset the machine; qemu runs with -no-reboot, so it exits.
 *
 * Static, no libc beyond what a static glibc binary brings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const default_tests[] = {
	"/selftests/text_poke_records",
	NULL,
};

static void mount_one(const char *type, const char *dir)
{
	mkdir(dir, 0755);
	if (mount(type, dir, type, 0, NULL) && errno != EBUSY)
		printf("textpoke-init: mount %s on %s: %s\n", type, dir,
		       strerror(errno));
}

static int run(const char *path)
{
	char *const argv[] = { (char *)path, NULL };
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(path, argv);
		printf("textpoke-init: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(void)
{
	const char *const *t;
	int failed = 0;

	mount_one("proc", "/proc");
	mount_one("sysfs", "/sys");
	mount_one("debugfs", "/sys/kernel/debug");
	mount_one("tracefs", "/sys/kernel/tracing");
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (t = default_tests; *t; t++) {
		int ret = run(*t);

		printf("textpoke-init: %s exited with %d\n", *t, ret);
		if (ret)
			failed++;
	}
	printf("textpoke-init: done, %d program(s) failed\n", failed);
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);
	return 0;
}
