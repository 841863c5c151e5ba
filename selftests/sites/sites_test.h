/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the sites selftest files. */
#ifndef SITES_TEST_H
#define SITES_TEST_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_result {
	unsigned long cases;
	unsigned long rejected;	/* with at least one problem */
	unsigned long opened;	/* got past the ELF header checks */
};

/*
 * Check @cases mutations of the ELF files @files in-process, from @seed.
 * Returns 0, or -errno if a file cannot be read; a crash is the failure.
 */
int sites_fuzz(const char *const *files, size_t nr_files, unsigned long cases,
	       uint32_t seed, struct fuzz_result *res);

#endif /* SITES_TEST_H */
