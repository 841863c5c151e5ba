// SPDX-License-Identifier: GPL-2.0
/*
 * arm64: values in Q0-Q7 and in the D registers of a homogeneous
 * floating-point aggregate, through traced functions.  Built with the
 * ftrace flags.
 */
#include <arm_neon.h>

#include "vec.h"
#include "traced_vec_arm64.h"
#include "../traced_attr.h"

TRACED double fgv_neon_sum(float64x2_t a, float64x2_t b, float64x2_t c, float64x2_t d,
			   float64x2_t e, float64x2_t f, float64x2_t g, float64x2_t h)
{
	float64x2_t s = vaddq_f64(vaddq_f64(vaddq_f64(a, b), vaddq_f64(c, d)),
				  vaddq_f64(vaddq_f64(e, f), vaddq_f64(g, h)));

	return vgetq_lane_f64(s, 0) + vgetq_lane_f64(s, 1);
}

TRACED float64x2_t fgv_neon_twice(float64x2_t a)
{
	return vaddq_f64(a, a);
}

TRACED struct fgv_hfa fgv_hfa(double x)
{
	return (struct fgv_hfa){ x, 2 * x, 3 * x, 4 * x };
}
