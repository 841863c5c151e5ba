/* SPDX-License-Identifier: GPL-2.0 */
/* The traced functions of the riscv64 floating-point tests. */
#ifndef SELFTESTS_FGRAPH_TRACED_VEC_RISCV_H
#define SELFTESTS_FGRAPH_TRACED_VEC_RISCV_H

/* Returned in fa0 and fa1. */
struct fgv_dpair {
	double a, b;
};

double fgv_dsum(double a, double b, double c, double d,
		double e, double f, double g, double h);
float fgv_fsum(float a, float b, float c, float d,
	       float e, float f, float g, float h);
struct fgv_dpair fgv_dpair(double x);

#endif /* SELFTESTS_FGRAPH_TRACED_VEC_RISCV_H */
