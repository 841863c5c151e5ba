// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64's floating-point tests and clobber: not built with the ftrace
 * flags, so that the calls here are the ones traced.
 */
#include "vec.h"
#include "traced_vec_riscv.h"

/* What a callback's own code may leave: fa0-fa7 all ones (a NaN). */
void fgv_clobber(void)
{
	__asm__ volatile("li t0, -1\n\t"
			 "fmv.d.x fa0, t0\n\tfmv.d.x fa1, t0\n\tfmv.d.x fa2, t0\n\t"
			 "fmv.d.x fa3, t0\n\tfmv.d.x fa4, t0\n\tfmv.d.x fa5, t0\n\t"
			 "fmv.d.x fa6, t0\n\tfmv.d.x fa7, t0"
			 ::: "t0", "fa0", "fa1", "fa2", "fa3", "fa4", "fa5", "fa6", "fa7");
}

static int test_fp(const char **why)
{
	struct fgv_dpair p = fgv_dpair(1.25);

	(void)why;
	return (fgv_dsum(1, 2, 3, 4, 5, 6, 7, 8) != 204) +
	       (fgv_fsum(1, 2, 3, 4, 5, 6, 7, 8) != 204) + (p.a != 1.25) + (p.b != 2.5);
}

const struct fgv_test fgv_tests[] = {
	{ "fp", test_fp },
};
const unsigned int fgv_nr_tests = sizeof(fgv_tests) / sizeof(fgv_tests[0]);
