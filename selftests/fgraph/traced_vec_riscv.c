// SPDX-License-Identifier: GPL-2.0
/*
 * riscv64: values in fa0-fa7 (arguments) and fa0-fa1 (a returned pair),
 * through traced functions.  Built with the ftrace flags.
 */
#include "vec.h"
#include "traced_vec_riscv.h"
#include "../traced_attr.h"

TRACED double fgv_dsum(double a, double b, double c, double d,
		       double e, double f, double g, double h)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

TRACED float fgv_fsum(float a, float b, float c, float d,
		      float e, float f, float g, float h)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

TRACED struct fgv_dpair fgv_dpair(double x)
{
	return (struct fgv_dpair){ x, 2 * x };
}
