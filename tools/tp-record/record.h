/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tp-record: what its files share. */
#ifndef TP_RECORD_H
#define TP_RECORD_H

#include <stdbool.h>
#include <sys/resource.h>

int write_symfile(const char *dir, const char *path, const char *build_id);
int has_patchable_entries(const char *path);

struct run_result {
	int status;			/* as wait(2) gave it */
	double elapsed;			/* seconds */
	struct rusage usage;
	char *cmdline;
};

/* The data directory's info file and symbol files, once the program ended. */
int finish_data(const char *dir, const struct run_result *run, bool quiet);

#endif /* TP_RECORD_H */
