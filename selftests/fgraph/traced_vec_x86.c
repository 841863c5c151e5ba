// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64: values in the full width of YMM and ZMM registers, and in the
 * x87 stack, through traced functions.  Built with the ftrace flags; the
 * functions that need AVX or AVX-512 get them by attribute, so that the
 * rest runs on any CPU.
 */
#include <immintrin.h>

#include "vec.h"
#include "../traced_attr.h"

#define AVX	__attribute__((target("avx")))
#define AVX512	__attribute__((target("avx512f")))

/* Every lane of every argument counts: upper halves lost show. */
TRACED AVX double fgv_m256_sum(__m256d a, __m256d b, __m256d c, __m256d d,
				 __m256d e, __m256d f, __m256d g, __m256d h)
{
	__m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(a, b), _mm256_add_pd(c, d)),
				  _mm256_add_pd(_mm256_add_pd(e, f), _mm256_add_pd(g, h)));
	double lanes[4];

	_mm256_storeu_pd(lanes, s);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

TRACED AVX __m256d fgv_m256_twice(__m256d a)
{
	return _mm256_add_pd(a, a);
}

TRACED AVX512 double fgv_m512_sum(__m512d a, __m512d b, __m512d c, __m512d d,
				    __m512d e, __m512d f, __m512d g, __m512d h)
{
	__m512d s = _mm512_add_pd(_mm512_add_pd(_mm512_add_pd(a, b), _mm512_add_pd(c, d)),
				  _mm512_add_pd(_mm512_add_pd(e, f), _mm512_add_pd(g, h)));

	return _mm512_reduce_add_pd(s);
}

TRACED AVX512 __m512d fgv_m512_twice(__m512d a)
{
	return _mm512_add_pd(a, a);
}

TRACED double fgv_sse_sum(double a, double b, double c, double d,
			  double e, double f, double g, double h)
{
	return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

/* Returned in ST0. */
TRACED long double fgv_ldouble(long double x)
{
	return x * 2 + 0.25L;
}

/* Returned in ST0 and ST1. */
TRACED _Complex long double fgv_cldouble(long double re, long double im)
{
	return re * 2 + im * 3 * 1.0iL;
}
