// SPDX-License-Identifier: GPL-2.0
/*
 * The API's promises that need no text: tp_strerror() explains every
 * errno the public headers document, each in words of its own, and
 * takes any int.  The documented list is read from the headers at build
 * time (documented_errors.h), so an errno a header starts to document
 * without a text here fails this test.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <textpoke/textpoke.h>

#include "kselftest_harness.h"

static const struct {
	int err;
	const char *name;
} documented[] = {
#define DOCUMENTED(e) { e, #e },
#include "documented_errors.h"
#undef DOCUMENTED
};

#define NR_DOCUMENTED (sizeof(documented) / sizeof(documented[0]))

TEST(every_documented_errno_has_its_own_text)
{
	ASSERT_LT(10ul, NR_DOCUMENTED);
	for (unsigned int i = 0; i < NR_DOCUMENTED; i++) {
		const char *text = tp_strerror(-documented[i].err);

		ASSERT_NE(NULL, text);
		EXPECT_STRNE("unknown error", text) TH_LOG("%s", documented[i].name);
		/* Words for the library, not the C library's generic ones. */
		EXPECT_STRNE(strerror(documented[i].err), text) TH_LOG("%s", documented[i].name);
		for (unsigned int j = 0; j < i; j++) {
			EXPECT_STRNE(tp_strerror(-documented[j].err), text) {
				TH_LOG("%s and %s", documented[i].name, documented[j].name);
			}
		}
	}
}

/* What each text must speak of, for the cases a caller meets most. */
TEST(texts_name_their_cases)
{
	EXPECT_NE(NULL, strstr(tp_strerror(-EINVAL), "already in the batch"));
	EXPECT_NE(NULL, strstr(tp_strerror(-EEXIST), "subscribed"));
	EXPECT_NE(NULL, strstr(tp_strerror(-EPERM), "own text"));
	EXPECT_STREQ("success", tp_strerror(0));
}

TEST(any_int_is_taken)
{
	static const int odd[] = { INT_MIN, INT_MIN + 1, -4096, -4095, -100000, -1,
				   1, EINVAL, 4096, INT_MAX };

	for (unsigned int i = 0; i < sizeof(odd) / sizeof(odd[0]); i++)
		ASSERT_NE(NULL, tp_strerror(odd[i]));
	EXPECT_STREQ("unknown error", tp_strerror(INT_MIN));
	EXPECT_STREQ("unknown error", tp_strerror(INT_MAX));
	/* An errno passed on from open(2) or write(2). */
	EXPECT_STRNE("unknown error", tp_strerror(-EISDIR));
}

TEST_HARNESS_MAIN
