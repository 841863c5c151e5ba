// SPDX-License-Identifier: GPL-2.0
/*
 * arm64's vector tests and clobber: not built with the ftrace flags, so
 * that the calls here are the ones traced.
 */
#include <arm_neon.h>
#include <sys/auxv.h>

#include "vec.h"
#include "traced_vec_arm64.h"

#ifndef HWCAP_SVE
#define HWCAP_SVE	(1 << 22)
#endif

static int have_sve(void)
{
	return !!(getauxval(AT_HWCAP) & HWCAP_SVE);
}

/*
 * What a callback's own code may leave: V0-V7 all ones, and where the
 * CPU has SVE, Z0-Z7 and P0-P3 in full.
 */
void fgv_clobber(void)
{
	__asm__ volatile("movi v0.2d, #0xffffffffffffffff\n\t"
			 "movi v1.2d, #0xffffffffffffffff\n\t"
			 "movi v2.2d, #0xffffffffffffffff\n\t"
			 "movi v3.2d, #0xffffffffffffffff\n\t"
			 "movi v4.2d, #0xffffffffffffffff\n\t"
			 "movi v5.2d, #0xffffffffffffffff\n\t"
			 "movi v6.2d, #0xffffffffffffffff\n\t"
			 "movi v7.2d, #0xffffffffffffffff"
			 ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7");
	if (have_sve())
		__asm__ volatile(".arch_extension sve\n\t"
				 "dup z0.d, #-1\n\tdup z1.d, #-1\n\tdup z2.d, #-1\n\t"
				 "dup z3.d, #-1\n\tdup z4.d, #-1\n\tdup z5.d, #-1\n\t"
				 "dup z6.d, #-1\n\tdup z7.d, #-1\n\t"
				 "pfalse p0.b\n\tpfalse p1.b\n\tpfalse p2.b\n\tpfalse p3.b"
				 ::: "v0", "v1", "v2", "v3", "v4", "v5", "v6", "v7", "memory");
}

static float64x2_t pair(double base)
{
	return (float64x2_t){ base, base + 1 };
}

static int test_neon(const char **why)
{
	float64x2_t t = fgv_neon_twice(pair(1));
	struct fgv_hfa h = fgv_hfa(1.5);
	double s = fgv_neon_sum(pair(0), pair(2), pair(4), pair(6),
				pair(8), pair(10), pair(12), pair(14));

	(void)why;
	return (s != 120) + (vgetq_lane_f64(t, 0) != 2) + (vgetq_lane_f64(t, 1) != 4) +
	       (h.a != 1.5) + (h.b != 3) + (h.c != 4.5) + (h.d != 6);
}

static int test_sve(const char **why)
{
	if (!have_sve()) {
		*why = "the CPU has no SVE";
		return -1;
	}
	return fgv_sve_run();
}

const struct fgv_test fgv_tests[] = {
	{ "neon", test_neon },
	{ "sve", test_sve },
};
const unsigned int fgv_nr_tests = sizeof(fgv_tests) / sizeof(fgv_tests[0]);
