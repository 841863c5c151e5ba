/* SPDX-License-Identifier: GPL-2.0 */
/* The traced functions of the arm64 vector tests. */
#ifndef SELFTESTS_FGRAPH_TRACED_VEC_ARM64_H
#define SELFTESTS_FGRAPH_TRACED_VEC_ARM64_H

#include <arm_neon.h>

/* Returned in D0-D3. */
struct fgv_hfa {
	double a, b, c, d;
};

double fgv_neon_sum(float64x2_t a, float64x2_t b, float64x2_t c, float64x2_t d,
		    float64x2_t e, float64x2_t f, float64x2_t g, float64x2_t h);
float64x2_t fgv_neon_twice(float64x2_t a);
struct fgv_hfa fgv_hfa(double x);

/* vec_sve_arm64.c, built for SVE: only called where the CPU has it. */
int fgv_sve_run(void);

#endif /* SELFTESTS_FGRAPH_TRACED_VEC_ARM64_H */
