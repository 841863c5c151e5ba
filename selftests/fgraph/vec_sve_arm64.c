// SPDX-License-Identifier: GPL-2.0
/*
 * The callers of the SVE tests, built for SVE (not with the ftrace
 * flags): called only where the CPU has it.  Lane i of vector k holds
 * k * VL + i; predicate pb selects the even lanes.
 */
#include <arm_sve.h>

#include "traced_vec_arm64.h"

double fgv_sve_sum(svfloat64_t a, svfloat64_t b, svfloat64_t c, svfloat64_t d,
		   svfloat64_t e, svfloat64_t f, svfloat64_t g, svfloat64_t h,
		   svbool_t pa, svbool_t pb);
svfloat64_t fgv_sve_twice(svfloat64_t a);

static svfloat64_t lanes_from(double base)
{
	return svcvt_f64_s64_x(svptrue_b64(), svindex_s64((long)base, 1));
}

int fgv_sve_run(void)
{
	long n = svcntd(), i;
	double want = 0, even = 0, got, twice[256];
	svbool_t all = svptrue_b64();
	svbool_t evens = svcmpeq_n_s64(all, svand_n_s64_x(all, svindex_s64(0, 1), 1), 0);
	int bad;

	for (i = 0; i < 8 * n; i++)
		want += i;
	for (i = 0; i < n; i += 2)
		even += i;
	got = fgv_sve_sum(lanes_from(0), lanes_from(n), lanes_from(2 * n), lanes_from(3 * n),
			  lanes_from(4 * n), lanes_from(5 * n), lanes_from(6 * n),
			  lanes_from(7 * n), all, evens);
	bad = got != want + even;
	svst1_f64(all, twice, fgv_sve_twice(lanes_from(1)));
	for (i = 0; i < n && i < 256; i++)
		bad += twice[i] != 2 * (i + 1);
	return bad;
}
