/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the decode tests of every trace format share: the program that
 * pokes its own traced function between calls (prog.c with one arch
 * file, run under qemu-user on other hosts), the log it writes, the
 * image of what it left, and the files a test finds beside itself.
 *
 * The log, one line each:
 *
 *   work WORK SITE ALT DONE       the addresses of decode_work
 *   call TIME VERSION             CLOCK_MONOTONIC ns just before a call,
 *                                 and which version it ran (1 the site's
 *                                 original instruction, 2 the branch)
 *   poke BACKEND                  a poke done with that backend
 */
#ifndef SELFTESTS_DECODE_POKED_H
#define SELFTESTS_DECODE_POKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image/code_image.h"

#define PATH_MAX_CALLS	64

struct path_call {
	uint64_t time;			/* CLOCK_MONOTONIC ns just before the call */
	int version;			/* enum path_version of the arch's path */
	bool trapped;			/* hit the breakpoint; version is what was emulated */
};

struct path {
	uint64_t work, site, alt, done;
	struct path_call calls[PATH_MAX_CALLS];
	size_t nr_calls;
	int pokes[PATH_MAX_CALLS];	/* the backend of each poke */
	size_t nr_pokes;
};

/* Read a log; -EINVAL for one the program did not write. */
int poked_log_load(const char *log, struct path *p);

/* @p cut before its first call at or after the first poke's PRE in @img. */
void poked_path_before_first_poke(const struct path *p, const struct code_image *img,
				  struct path *before);

/*
 * The image of the program @prog (a non-PIE executable of ELF machine
 * @machine, whose traps the breakpoint windows hold) changed by the
 * events it wrote to @events, frozen.  0, or -errno with img->error.
 */
int poked_image_load(struct code_image *img, uint16_t machine, const char *prog,
		     const char *events);

/*
 * A file beside this test binary (<objtree>/selftests/<area>/NAME) or,
 * with @in_objtree, in <objtree> (the tools).
 */
const char *test_file(const char *name, bool in_objtree);

/* system(@cmd): its exit status, -1 if it did not exit. */
int test_run(const char *cmd);

#endif
