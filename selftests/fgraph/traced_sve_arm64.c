// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 SVE: values in the full length of Z0-Z7 and in P0-P3 (the SVE
 * calling convention), through traced functions.  Built with the ftrace
 * flags and for SVE: called only where the CPU has it.
 */
#include <arm_sve.h>

#include "../traced_attr.h"

/*
 * clang 14 cannot size SVE values in optnone functions (TRACED's with
 * clang); these are called from another file only, where noinline keeps
 * every call real.
 */
#ifdef __clang__
#define TRACED_SVE	__attribute__((noinline))
#else
#define TRACED_SVE	TRACED
#endif

TRACED_SVE double fgv_sve_sum(svfloat64_t a, svfloat64_t b, svfloat64_t c, svfloat64_t d,
			  svfloat64_t e, svfloat64_t f, svfloat64_t g, svfloat64_t h,
			  svbool_t pa, svbool_t pb)
{
	svfloat64_t s = svadd_f64_x(pa, svadd_f64_x(pa, svadd_f64_x(pa, a, b), svadd_f64_x(pa, c, d)),
				    svadd_f64_x(pa, svadd_f64_x(pa, e, f), svadd_f64_x(pa, g, h)));

	return svaddv_f64(pa, s) + svaddv_f64(pb, a);
}

TRACED_SVE svfloat64_t fgv_sve_twice(svfloat64_t a)
{
	return svadd_f64_x(svptrue_b64(), a, a);
}
