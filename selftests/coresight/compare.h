/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Comparing tp-decode's element list with trc_pkt_lister's (Debian's
 * libopencsd-bin, run at test time): both programs' outputs as lists of
 * element lines, without the Idx column and without what trc_pkt_lister
 * logs on the same line before an element.
 */
#ifndef SELFTESTS_CORESIGHT_COMPARE_H
#define SELFTESTS_CORESIGHT_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

struct elem_list {
	char **lines;			/* "ID:x; OCSD_GEN_TRC_ELEM_...", no newline */
	size_t nr, cap;
	bool fatal;			/* trc_pkt_lister stopped at a fatal error */
	int status;			/* the program's exit status */
};

/* Run @cmd (through sh) and collect its element lines. 0 or -errno. */
int elem_list_run(const char *cmd, struct elem_list *l);
void elem_list_free(struct elem_list *l);

/*
 * Whether @ours equals @theirs, or (when trc_pkt_lister stopped at a
 * fatal error) begins with it.  On a difference, @why says where.
 */
bool elem_list_agree(const struct elem_list *theirs, const struct elem_list *ours, char *why,
		     size_t len);

/* The trace IDs that occur in @l (a bit each). */
void elem_list_ids(const struct elem_list *l, bool ids[128]);

/* A program of the build tree, beside the test's directory (selftests/). */
const char *build_file(const char *name);

#endif /* SELFTESTS_CORESIGHT_COMPARE_H */
