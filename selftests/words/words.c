// SPDX-License-Identifier: GPL-2.0
/*
 * The data words of a batch (textpoke/words.c, white-box: the ops slots
 * of function tracing are added with batch_add_word(), which is not
 * public).  Words are kept apart from the instruction sites and checked
 * with them: in any order they are stored, a word whose value is not the
 * one expected, or that overlaps another word or a site, fails the whole
 * batch before anything is written.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <textpoke/textpoke.h>

#include "internal.h"
#include "kselftest_harness.h"

#define NR_WORDS	64
/* The instruction sites: a NOP of this length at page + 0 and page + 8. */
#if defined(__x86_64__)
#define SITE_LEN	5
#else
#define SITE_LEN	4
#endif

FIXTURE(words) {
	uint8_t *page;			/* RX: NOPs, then the words */
	uint64_t *words;
	size_t size;
	uint8_t nop[TP_MAX_INSN_LEN];
};

FIXTURE_SETUP(words)
{
	size_t i;

	self->size = sysconf(_SC_PAGESIZE);
	self->page = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	ASSERT_EQ(SITE_LEN, tp_encode_nop(self->nop, SITE_LEN));
	memcpy(self->page, self->nop, SITE_LEN);
	memcpy(self->page + 8, self->nop, SITE_LEN);
	self->words = (uint64_t *)(self->page + 64);
	for (i = 0; i < NR_WORDS; i++)
		self->words[i] = i;
	ASSERT_EQ(0, mprotect(self->page, self->size, PROT_READ | PROT_EXEC));
	ASSERT_EQ(0, tp_init());
}

FIXTURE_TEARDOWN(words)
{
	munmap(self->page, self->size);
}

static bool words_are(const uint64_t *words, uint64_t plus)
{
	size_t i;

	for (i = 0; i < NR_WORDS; i++)
		if (words[i] != i + plus)
			return false;
	return true;
}

/* Backwards, and sorted but for the last two: every word stored. */
TEST_F(words, stored_in_any_order)
{
	int order;

	for (order = 0; order < 2; order++) {
		struct tp_batch *batch = tp_batch_new();
		uint64_t from = order ? 1000 : 0, to = order ? 0 : 1000;
		size_t k;
		int ret = batch ? 0 : -ENOMEM;

		for (k = 0; k < NR_WORDS && !ret; k++) {
			size_t i = order == 0 ? NR_WORDS - 1 - k :
				   k + 2 == NR_WORDS ? k + 1 : k + 1 == NR_WORDS ? k - 1 : k;

			ret = batch_add_word(batch, (uintptr_t)&self->words[i], i + from, i + to);
		}
		if (!ret)
			ret = tp_batch_commit(batch, TP_BACKEND_AUTO);
		tp_batch_free(batch);
		ASSERT_EQ(0, ret) TH_LOG("order %d: %s", order, tp_strerror(ret));
		ASSERT_TRUE(words_are(self->words, to)) TH_LOG("order %d", order);
	}
}

/* Words with an instruction: both written, by the protocol asked for. */
TEST_F(words, stored_with_a_site)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_AUTO, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	uint8_t jump[TP_MAX_INSN_LEN];
	size_t b, i;

	for (b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		struct tp_batch *batch = tp_batch_new();
		uint64_t from = b * 1000, to = (b + 1) * 1000;
		int len = tp_encode_jump(jump, self->page, self->page + 16, SITE_LEN);
		int ret = batch && len == SITE_LEN ? 0 : -EINVAL;

		for (i = 0; i < NR_WORDS && !ret; i++)
			ret = batch_add_word(batch, (uintptr_t)&self->words[i], i + from, i + to);
		if (!ret)
			ret = tp_batch_add(batch, self->page, self->nop, jump, SITE_LEN);
		if (!ret)
			ret = tp_batch_commit(batch, backends[b]);
		tp_batch_free(batch);
		ASSERT_EQ(0, ret) TH_LOG("backend %d: %s", backends[b], tp_strerror(ret));
		EXPECT_TRUE(words_are(self->words, to));
		EXPECT_EQ(0, memcmp(self->page, jump, SITE_LEN));
		/* Back to the NOP for the next backend. */
		ASSERT_EQ(0, tp_poke(self->page, jump, self->nop, SITE_LEN,
				     TP_BACKEND_STOP_MACHINE));
	}
}

/* The bad word last: nothing of the batch is written. */
TEST_F(words, bad_word_writes_nothing)
{
	static const struct {
		const char *what;
		int err;
	} rows[] = {
		{ "a value not the one expected", -EILSEQ },
		{ "the same word twice", -EINVAL },
		{ "a word over an instruction site", -EINVAL },
		{ "a site over the tail of a word", -EINVAL },
		{ "a word in a page that is not text", -EFAULT },
		{ "a word of the library's own text", -EPERM },
	};
	static uint64_t data_word = 5;
	uint8_t jump[TP_MAX_INSN_LEN], text[64];
	size_t r, i;

	ASSERT_EQ(SITE_LEN, tp_encode_jump(jump, self->page + 8, self->page + 16, SITE_LEN));
	memcpy(text, self->page, sizeof(text));
	for (r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
		struct tp_batch *batch = tp_batch_new();
		uint64_t own;
		int ret = batch ? 0 : -ENOMEM;

		for (i = 0; i < NR_WORDS && !ret; i++)
			ret = batch_add_word(batch, (uintptr_t)&self->words[i], i, i + 7);
		if (!ret)
			ret = tp_batch_add(batch, self->page + 8, self->nop, jump, SITE_LEN);
		ASSERT_EQ(0, ret);
		switch (r) {
		case 0:
			ret = batch_add_word(batch, (uintptr_t)self->page, 0, 1);
			break;
		case 1:
			ret = batch_add_word(batch, (uintptr_t)&self->words[3], 3, 4);
			break;
		case 2:		/* the site at page + 8 */
			memcpy(&own, self->page + 8, sizeof(own));
			ret = batch_add_word(batch, (uintptr_t)self->page + 8, own, 1);
			break;
		case 3:		/* words are aligned: only a site can overlap one in part */
			ret = tp_batch_add(batch, (uint8_t *)&self->words[NR_WORDS - 1] + 4,
					   NULL, self->nop, SITE_LEN);
			break;
		case 4:
			ret = batch_add_word(batch, (uintptr_t)&data_word, 5, 6);
			break;
		default:
			memcpy(&own, (const void *)((uintptr_t)tp_batch_commit & ~7ul),
			       sizeof(own));
			ret = batch_add_word(batch, (uintptr_t)tp_batch_commit & ~7ul, own, 1);
			break;
		}
		ASSERT_EQ(0, ret);
		ret = tp_batch_commit(batch, TP_BACKEND_AUTO);
		tp_batch_free(batch);
		EXPECT_EQ(rows[r].err, ret) TH_LOG("%s: %s", rows[r].what, tp_strerror(ret));
		EXPECT_TRUE(words_are(self->words, 0)) TH_LOG("%s", rows[r].what);
		EXPECT_EQ(0, memcmp(text, self->page, sizeof(text))) TH_LOG("%s", rows[r].what);
		EXPECT_EQ((uint64_t)5, data_word);
	}
}

/* Words are aligned 8-byte words: anything else is refused when added. */
TEST_F(words, misaligned_word_is_refused)
{
	struct tp_batch *batch = tp_batch_new();

	ASSERT_NE(NULL, batch);
	EXPECT_EQ(-EINVAL, batch_add_word(batch, (uintptr_t)self->words + 4, 0, 1));
	EXPECT_EQ(-EINVAL, batch_add_word(batch, 0, 0, 1));
	EXPECT_EQ(-EINVAL, batch_add_word(NULL, (uintptr_t)self->words, 0, 1));
	tp_batch_free(batch);
}

TEST_HARNESS_MAIN
