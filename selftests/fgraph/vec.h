/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The argument and return registers of each architecture's vector and
 * floating-point ABI, through traced functions (traced_vec_<arch>.c,
 * built with the ftrace flags) while callbacks clobber them
 * (clobber_<arch>.c).  Each fgv_* test returns 0 when every value came
 * through, a positive count of wrong values otherwise, and -1 when the
 * CPU lacks the registers (with a reason in *@why).
 */
#ifndef SELFTESTS_FGRAPH_VEC_H
#define SELFTESTS_FGRAPH_VEC_H

/* The vector and floating-point tests of this arch, by name. */
struct fgv_test {
	const char *name;
	int (*run)(const char **why);
};
extern const struct fgv_test fgv_tests[];
extern const unsigned int fgv_nr_tests;

/*
 * Set every vector and floating-point argument and return register to
 * garbage, as a callback's own code may (clobber_<arch>.c): what the
 * tests' callbacks call.
 */
void fgv_clobber(void);

#endif /* SELFTESTS_FGRAPH_VEC_H */
