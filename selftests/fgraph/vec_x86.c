// SPDX-License-Identifier: GPL-2.0
/*
 * x86-64's vector tests and clobber: not built with the ftrace flags,
 * so that the calls here are the ones traced.
 */
#include <immintrin.h>
#include <string.h>

#include "vec.h"

#define AVX	__attribute__((target("avx")))
#define AVX512	__attribute__((target("avx512f")))

double fgv_m256_sum(__m256d a, __m256d b, __m256d c, __m256d d,
		    __m256d e, __m256d f, __m256d g, __m256d h) AVX;
__m256d fgv_m256_twice(__m256d a) AVX;
double fgv_m512_sum(__m512d a, __m512d b, __m512d c, __m512d d,
		    __m512d e, __m512d f, __m512d g, __m512d h) AVX512;
__m512d fgv_m512_twice(__m512d a) AVX512;
double fgv_sse_sum(double a, double b, double c, double d,
		   double e, double f, double g, double h);
long double fgv_ldouble(long double x);
_Complex long double fgv_cldouble(long double re, long double im);

static int have_avx(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx");
}

static int have_avx512(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f");
}

/*
 * What a callback compiled for the newest CPU may leave: every vector
 * argument register written in full, then VZEROUPPER (as gcc ends AVX
 * code), and an x87 stack used to its depth of eight.
 */
void fgv_clobber(void)
{
	static const long double one = 1;

	if (have_avx512())
		__asm__ volatile("vpternlogd $0xff, %%zmm0, %%zmm0, %%zmm0\n\t"
				 "vpternlogd $0xff, %%zmm1, %%zmm1, %%zmm1\n\t"
				 "vpternlogd $0xff, %%zmm2, %%zmm2, %%zmm2\n\t"
				 "vpternlogd $0xff, %%zmm3, %%zmm3, %%zmm3\n\t"
				 "vpternlogd $0xff, %%zmm4, %%zmm4, %%zmm4\n\t"
				 "vpternlogd $0xff, %%zmm5, %%zmm5, %%zmm5\n\t"
				 "vpternlogd $0xff, %%zmm6, %%zmm6, %%zmm6\n\t"
				 "vpternlogd $0xff, %%zmm7, %%zmm7, %%zmm7\n\t"
				 "vzeroupper"
				 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
	else if (have_avx())
		__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\t"
				 "vpcmpeqd %%ymm1, %%ymm1, %%ymm1\n\t"
				 "vpcmpeqd %%ymm2, %%ymm2, %%ymm2\n\t"
				 "vpcmpeqd %%ymm3, %%ymm3, %%ymm3\n\t"
				 "vpcmpeqd %%ymm4, %%ymm4, %%ymm4\n\t"
				 "vpcmpeqd %%ymm5, %%ymm5, %%ymm5\n\t"
				 "vpcmpeqd %%ymm6, %%ymm6, %%ymm6\n\t"
				 "vpcmpeqd %%ymm7, %%ymm7, %%ymm7\n\t"
				 "vzeroupper"
				 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
	else
		__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\t"
				 "pcmpeqd %%xmm1, %%xmm1\n\t"
				 "pcmpeqd %%xmm2, %%xmm2\n\t"
				 "pcmpeqd %%xmm3, %%xmm3\n\t"
				 "pcmpeqd %%xmm4, %%xmm4\n\t"
				 "pcmpeqd %%xmm5, %%xmm5\n\t"
				 "pcmpeqd %%xmm6, %%xmm6\n\t"
				 "pcmpeqd %%xmm7, %%xmm7"
				 ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7");
	/* Eight deep: the ABI gives a callee an empty x87 stack. */
	__asm__ volatile("fldt %0\n\tfldt %0\n\tfldt %0\n\tfldt %0\n\t"
			 "fldt %0\n\tfldt %0\n\tfldt %0\n\tfldt %0\n\t"
			 "fstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)\n\t"
			 "fstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)\n\tfstp %%st(0)"
			 :: "m"(one) : "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)",
			 "st(6)", "st(7)");
}

static int test_sse(const char **why)
{
	(void)why;
	return fgv_sse_sum(1, 2, 3, 4, 5, 6, 7, 8) != 204;
}

static AVX __m256d m256(double base)
{
	return _mm256_set_pd(base + 3, base + 2, base + 1, base);
}

static AVX int avx_sum(void)
{
	double s = fgv_m256_sum(m256(0), m256(4), m256(8), m256(12),
				m256(16), m256(20), m256(24), m256(28));

	return s != 496;	/* 0 + 1 + ... + 31 */
}

static AVX int avx_twice(void)
{
	double lanes[4];

	_mm256_storeu_pd(lanes, fgv_m256_twice(m256(1)));
	return (lanes[0] != 2) + (lanes[1] != 4) + (lanes[2] != 6) + (lanes[3] != 8);
}

static int test_avx(const char **why)
{
	if (!have_avx()) {
		*why = "the CPU has no AVX";
		return -1;
	}
	return avx_sum() + avx_twice();
}

static AVX512 __m512d m512(double base)
{
	return _mm512_set_pd(base + 7, base + 6, base + 5, base + 4,
			     base + 3, base + 2, base + 1, base);
}

static AVX512 int avx512_sum(void)
{
	double s = fgv_m512_sum(m512(0), m512(8), m512(16), m512(24),
				m512(32), m512(40), m512(48), m512(56));

	return s != 2016;	/* 0 + 1 + ... + 63 */
}

static AVX512 int avx512_twice(void)
{
	double lanes[8];
	int bad = 0, i;

	_mm512_storeu_pd(lanes, fgv_m512_twice(m512(1)));
	for (i = 0; i < 8; i++)
		bad += lanes[i] != 2 * (i + 1);
	return bad;
}

static int test_avx512(const char **why)
{
	if (!have_avx512()) {
		*why = "the CPU has no AVX-512";
		return -1;
	}
	return avx512_sum() + avx512_twice();
}

static int test_x87(const char **why)
{
	_Complex long double c = fgv_cldouble(1.5L, 2.5L);

	(void)why;
	return (fgv_ldouble(3) != 6.25L) + (__real__ c != 3) + (__imag__ c != 7.5L);
}

const struct fgv_test fgv_tests[] = {
	{ "sse", test_sse },
	{ "avx", test_avx },
	{ "avx512", test_avx512 },
	{ "x87", test_x87 },
};
const unsigned int fgv_nr_tests = sizeof(fgv_tests) / sizeof(fgv_tests[0]);
