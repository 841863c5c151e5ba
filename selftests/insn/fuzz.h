/* SPDX-License-Identifier: GPL-2.0 */
/* The decoder fuzz of fuzz.c, called from each arch's insn tests. */
#ifndef SELFTESTS_INSN_FUZZ_H
#define SELFTESTS_INSN_FUZZ_H

#include <stdint.h>

#include <textpoke/textpoke.h>

struct insn_fuzz_result {
	unsigned long cases;
	unsigned long decoded;		/* inputs that decoded */
	unsigned long bad;		/* decoded to something impossible */
	uint8_t first_bad[TP_MAX_INSN_LEN];
	size_t first_bad_len;
	int first_bad_ret;
};

/* @cases inputs from @seed; 0 or -ENOMEM. */
int insn_fuzz(unsigned long cases, uint32_t seed, struct insn_fuzz_result *res);
int insn_form_check(unsigned long tries, uint32_t seed, uint64_t *bad);

/* The test each arch file holds; TP_FUZZ_CASES overrides the count. */
#define INSN_FUZZ_TEST							\
TEST(decoder_survives_mutated_and_random_bytes)				\
{									\
	const char *env = getenv("TP_FUZZ_CASES");			\
	unsigned long cases = env ? strtoul(env, NULL, 0) : 200000;	\
	struct insn_fuzz_result res;					\
									\
	ASSERT_EQ(0, insn_fuzz(cases, 0x5eed1234u, &res));		\
	TH_LOG("%lu inputs, %lu decoded", res.cases, res.decoded);	\
	EXPECT_EQ(0UL, res.bad)						\
		TH_LOG("%lu impossible decodes; first: %zu bytes, "	\
		       "%02x %02x %02x %02x..., returned %d", res.bad,	\
		       res.first_bad_len, res.first_bad[0],		\
		       res.first_bad[1], res.first_bad[2],		\
		       res.first_bad[3], res.first_bad_ret);		\
	/* the mutations reach past the first byte's checks */		\
	EXPECT_LT(cases / 100, res.decoded);				\
}									\
									\
TEST(form_mask_decides_kind_and_length)					\
{									\
	uint64_t bad = 0;						\
	int forms = insn_form_check(1000, 0xf0e1d2c3u, &bad);		\
									\
	EXPECT_LT(0, forms) TH_LOG("no reference call has a form");	\
	EXPECT_NE(-1, forms) TH_LOG("%#llx decodes otherwise",		\
				    (unsigned long long)bad);		\
}

#endif /* SELFTESTS_INSN_FUZZ_H */
