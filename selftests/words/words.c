// SPDX-License-Identifier: GPL-2.0
/*
 * The data words of a batch (textpoke/words.c, white-box: the ops slots
 * of function tracing are added with batch_add_word(), which is not
 * public).  Words are kept apart from the instruction sites and checked
 * with them: in any order they are stored, a word whose value is not the
 * one expected, or that overlaps another word or a site, fails the whole
 * batch before anything is written.  The toggle lane, which takes such
 * batches as plain arrays, writes them the same way or leaves them alone.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <textpoke/textpoke.h>

#include "internal.h"
#include "kselftest_harness.h"
#include "test_support.h"

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

/* --- the toggle lane (toggle.c), white-box ------------------------------- */

/* @len bytes of @bytes as a lane entry's word holds them. */
static uint64_t lane_word(const uint8_t *bytes, size_t len)
{
	uint64_t word = 0;

	memcpy(&word, bytes, len);
	return word;
}

/*
 * Two entries of the page (NOP to JMP) and every word, by each backend
 * the lane runs: all written, by the lane, and back.
 */
TEST_F(words, lane_toggles_entries_and_words)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_AUTO, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE,
	};
	struct word words[NR_WORDS];
	struct toggle t[2];
	uint8_t jump[2][TP_MAX_INSN_LEN];
	size_t b, i, e;

	for (e = 0; e < 2; e++)
		ASSERT_EQ(SITE_LEN, tp_encode_jump(jump[e], self->page + 8 * e,
						   self->page + 32, SITE_LEN));
	for (b = 0; b < sizeof(backends) / sizeof(backends[0]); b++) {
		uint64_t from = b * 1000, to = (b + 1) * 1000;
		unsigned long lane = tp_debug_lane_batches();
		int ret;

		for (e = 0; e < 2; e++)
			t[e] = (struct toggle){ (uintptr_t)self->page + 8 * e,
						lane_word(self->nop, SITE_LEN),
						lane_word(jump[e], SITE_LEN) };
		for (i = 0; i < NR_WORDS; i++)
			words[i] = (struct word){ (uintptr_t)&self->words[i], i + from, i + to };
		ret = toggle_commit(t, 2, SITE_LEN, words, NR_WORDS, backends[b]);
		ASSERT_EQ(0, ret) TH_LOG("backend %d: %s", backends[b], tp_strerror(ret));
		EXPECT_EQ(lane + 1, tp_debug_lane_batches());
		EXPECT_TRUE(words_are(self->words, to));
		EXPECT_EQ(0, memcmp(self->page, jump[0], SITE_LEN));
		EXPECT_EQ(0, memcmp(self->page + 8, jump[1], SITE_LEN));
		/* And back, through the lane too. */
		for (e = 0; e < 2; e++)
			t[e] = (struct toggle){ t[e].addr, t[e].new, t[e].old };
		ASSERT_EQ(0, toggle_commit(t, 2, SITE_LEN, NULL, 0, backends[b]));
		EXPECT_EQ(0, memcmp(self->page, self->nop, SITE_LEN));
		EXPECT_EQ(0, memcmp(self->page + 8, self->nop, SITE_LEN));
	}
}

/*
 * What the lane leaves to a batch of sites, -EOPNOTSUPP with nothing
 * written (the page and the words as they were): each case alone,
 * the bad entry or word last.
 */
TEST_F(words, lane_leaves_what_it_cannot_take)
{
	enum { UNSORTED, NO_LEN, TOO_LONG, OLD_BYTES, UNDECODABLE, OVERLAP_WORD,
	       MISALIGNED_WORD, WORD_CHANGED, NOT_TEXT, PROC_MEM, NR_CASES };
	uint8_t jump[TP_MAX_INSN_LEN], before[64], bad[TP_MAX_INSN_LEN];
	static uint8_t data[64] __attribute__((aligned(8)));
	struct word words[2];
	struct toggle t[2];
	int c;

	ASSERT_EQ(SITE_LEN, tp_encode_jump(jump, self->page + 8, self->page + 32, SITE_LEN));
	memset(bad, 0xff, sizeof(bad));
	memcpy(before, self->page, sizeof(before));
	for (c = 0; c < NR_CASES; c++) {
		uint64_t nop = lane_word(self->nop, SITE_LEN);
		unsigned int len = SITE_LEN;
		size_t nr_words = 1;
		int ret;

		t[0] = (struct toggle){ (uintptr_t)self->page, nop, nop };
		t[1] = (struct toggle){ (uintptr_t)self->page + 8, nop, lane_word(jump, SITE_LEN) };
		words[0] = (struct word){ (uintptr_t)&self->words[0], 0, 7 };
		words[1] = (struct word){ (uintptr_t)&self->words[1], 1, 7 };
		switch (c) {
		case UNSORTED:
			t[0].addr = t[1].addr;
			t[1].addr = (uintptr_t)self->page;
			break;
		case NO_LEN:
			len = 0;
			break;
		case TOO_LONG:
			len = 9;
			break;
		case OLD_BYTES:
			t[1].old = lane_word(jump, SITE_LEN);
			break;
		case UNDECODABLE:
			t[1].new = lane_word(bad, SITE_LEN);
			break;
		case OVERLAP_WORD:
			words[0].addr = (uintptr_t)self->page + 8;
			break;
		case MISALIGNED_WORD:
			nr_words = 2;
			words[1].addr += 4;
			break;
		case WORD_CHANGED:
			nr_words = 2;
			words[1].old = 2;
			break;
		case NOT_TEXT:
			t[1].addr = (uintptr_t)data + 8;
			memcpy(data + 8, self->nop, SITE_LEN);
			break;
		case PROC_MEM:
			ASSERT_EQ(0, tp_set_writer(TP_WRITER_PROC_MEM));
			break;
		}
		ret = toggle_commit(t, 2, len, words, nr_words, TP_BACKEND_AUTO);
		tp_set_writer(TP_WRITER_AUTO);
		EXPECT_EQ(-EOPNOTSUPP, ret) TH_LOG("case %d: %s", c, tp_strerror(ret));
		EXPECT_EQ(0, memcmp(before, self->page, sizeof(before))) TH_LOG("case %d", c);
		EXPECT_TRUE(words_are(self->words, 0)) TH_LOG("case %d", c);
	}
}

TEST_HARNESS_MAIN
