// SPDX-License-Identifier: GPL-2.0
/*
 * textpoke-sites, run as a user runs it on files of every architecture:
 * compiler-made layouts verify, tables broken on purpose are rejected
 * with one exact problem line each, per-object mcount tables go stale
 * under riscv linker relaxation, and the output formats hold.  The fuzz
 * test is in fuzz.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"

#include "sites_test.h"

struct run {
	int status;	/* exit status, or -1 */
	char *out;
	char *err;
};

static char *slurp(FILE *in)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	size_t n;

	if (!buf)
		return NULL;
	rewind(in);
	while ((n = fread(buf + len, 1, cap - len - 1, in)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *p = realloc(buf, cap * 2);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	return buf;
}

/* Run "textpoke-sites ARGS" through the shell, stdout and stderr apart. */
static struct run run_tool(const char *args)
{
	struct run r = { .status = -1 };
	FILE *out = tmpfile(), *err = tmpfile();
	char *cmd;
	int st;

	if (!out || !err ||
	    asprintf(&cmd, "%s %s >/dev/fd/%d 2>/dev/fd/%d", SITES_TOOL, args,
		     fileno(out), fileno(err)) < 0)
		return r;
	st = system(cmd);
	free(cmd);
	if (st != -1 && WIFEXITED(st))
		r.status = WEXITSTATUS(st);
	r.out = slurp(out);
	r.err = slurp(err);
	fclose(out);
	fclose(err);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Lines of @text that contain both @a and, after it, @b. */
static int count_matches(const char *text, const char *a, const char *b)
{
	const char *line = text;
	int n = 0;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *copy = strndup(line, len);
		char *at = copy ? strstr(copy, a) : NULL;

		if (at && strstr(at + strlen(a), b))
			n++;
		free(copy);
		line = end ? end + 1 : NULL;
	}
	return n;
}

static char *fixture(const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", SITES_FIXTURES, name) < 0)
		return NULL;
	return path;
}

/* The compiler-made and hand-made fixtures that must all verify. */
static char *good_files(void)
{
	char *list = fixture("good.list");
	FILE *in = list ? fopen(list, "r") : NULL;
	char *text;

	free(list);
	if (!in)
		return NULL;
	text = slurp(in);
	fclose(in);
	for (char *p = text; p && *p; p++)
		if (*p == '\n')
			*p = ' ';
	return text;
}

TEST(compiled_layouts_verify)
{
	char *files = good_files();
	int count = 0;
	struct run r;

	ASSERT_NE(NULL, files);
	for (char *p = strstr(files, SITES_FIXTURES); p;
	     p = strstr(p + 1, SITES_FIXTURES))
		count++;
	/* 15 compiled layouts, 2 per-object mcount tables and 4 hand-made
	 * static-key tables, each as .o, .so and PIE, and -mnop-mcount */
	ASSERT_EQ(21 * 3 + 2, count);
	r = run_tool(files);
	EXPECT_EQ(0, r.status);
	EXPECT_STREQ("", r.err);
	/* every file has sites, and none has a problem */
	EXPECT_EQ(0, count_matches(r.out, ": 0 sites", ""));
	EXPECT_EQ(count, count_matches(r.out, " sites (", ", 0 problems"));
	run_free(&r);
	free(files);
}

/* What the listing says of each layout, one line per expectation. */
static const struct {
	const char *file;
	const char *line_has;
	const char *then;
} listed[] = {
	{ "x86-pfe5.so", "fixture_loop: patchable", "5,0" },
	{ "x86-pfe5-cet.pie", "fixture_loop: patchable", "5,0 endbr64" },
	{ "x86-pfe13-cet.so", "fixture_tail: patchable", "13,8 endbr64 slot=" },
	{ "x86-clang-pfe13.pie", "fixture_tail: patchable", "13,8 endbr64 slot=" },
	{ "x86-mcount.so", "fixture_switch: mcount", "call __fentry__" },
	{ "x86-mcount.pie", "fixture_switch: mcount", "call __fentry__" },
	{ "x86-nop-mcount.exe", "fixture_switch: mcount", "nop" },
	{ "arm64-pfe-bti.so", "fixture_entry: patchable", "4,2 bti c slot=" },
	{ "arm64-mcount.pie", "fixture_loop: mcount", "call _mcount" },
	{ "riscv-pfe.pie", "fixture_leaf: patchable", "8,4 slot=" },
	{ "riscv-pfe-norvc.so", "fixture_leaf: patchable", "4,2 slot=" },
	{ "riscv-mcount-norelax.pie", "fixture_loop: mcount", "call _mcount" },
	{ "good-x86.so", "key_user: jump_table", "jump branch target=" },
	{ "good-arm64.o", "key_user: jump_table", "nop branch target=.text+0x20 key=key_a" },
	{ "good-riscv.pie", "key_user: jump_table", "jump target=" },
};

TEST(listing_names_each_layout)
{
	size_t i;

	for (i = 0; i < sizeof(listed) / sizeof(listed[0]); i++) {
		char *path = fixture(listed[i].file);
		struct run r = run_tool(path);

		EXPECT_EQ(0, r.status);
		EXPECT_LE(1, count_matches(r.out, listed[i].line_has,
					   listed[i].then)) {
			TH_LOG("%s: no line with '%s' then '%s' in\n%s", path,
			       listed[i].line_has, listed[i].then, r.out);
		}
		run_free(&r);
		free(path);
	}
}

struct expected {
	const char *symbol;	/* "name: " starts the problem text */
	const char *text;
};

/* Each broken fixture has exactly these problems, as .o, .so and PIE. */
static void expect_rejected(struct __test_metadata *_metadata,
			    const char *name, const struct expected *want,
			    size_t count)
{
	static const char *const kinds[] = { ".o", ".so", ".pie" };
	size_t k, i;

	for (k = 0; k < 3; k++) {
		char *base, *path;
		struct run r;

		ASSERT_LE(0, asprintf(&base, "%s%s", name, kinds[k]));
		path = fixture(base);
		r = run_tool(path);
		EXPECT_EQ(1, r.status);
		EXPECT_EQ(count, count_lines(r.err)) {
			TH_LOG("%s: problems:\n%s", path, r.err);
		}
		for (i = 0; i < count; i++) {
			char *sym;

			ASSERT_LE(0, asprintf(&sym, " %s: ", want[i].symbol));
			EXPECT_EQ(1, count_matches(r.err, sym, want[i].text)) {
				TH_LOG("%s: want one '%s%s' in\n%s", path, sym,
				       want[i].text, r.err);
			}
			free(sym);
		}
		run_free(&r);
		free(path);
		free(base);
	}
}

#define EXPECT_REJECTED(name, table) \
	expect_rejected(_metadata, name, table, sizeof(table) / sizeof(table[0]))

/* The ones all three arches share. */
#define COMMON_PROBLEMS \
	{ "pfe_dup", "duplicate site: __patchable_function_entries entry" }, \
	{ "pfe_wrong_nop", "wrong NOP in the patchable entry at" }, \
	{ "pfe_slot", "is not 8-byte aligned" }, \
	{ "data_pfe", "is not in an executable section (in .data)" }, \
	{ "jump_far_target", "is outside the site's function jump_far_target, in pfe_good" }, \
	{ "jump_wrong_dest", ", not to the entry's target " }, \
	{ "jump_kind", "holds a NOP, but the entry says it was assembled as a jump" }, \
	{ "jump_slot_in_text", "is in an executable section (.text)" }, \
	{ "jump_dup", "duplicate site: __tp_jump_table entry" }, \
	{ "data_jump", "is not in an executable section (in .data)" }

TEST(broken_x86_tables_rejected)
{
	static const struct expected want[] = {
		{ "pfe_shift2", "site is at pfe_shift2+0x2, inside its patchable entry" },
		{ "pfe_shift4", "patchable entry 9,4 (of 1-byte NOPs) is not a textpoke layout for x86-64" },
		{ "mcount_late", "site is at mcount_late+0x1, not at its entry" },
		{ "mcount_not_call", "not call __fentry__" },
		{ "jump_wrong_nop", "not a static-branch site" },
		COMMON_PROBLEMS,
	};

	EXPECT_REJECTED("bad-x86", want);
}

TEST(broken_arm64_tables_rejected)
{
	static const struct expected want[] = {
		{ "pfe_shift2", "is not 4-byte aligned as arm64 needs" },
		{ "pfe_shift4", "patchable entry 3,1 (of 4-byte NOPs) is not a textpoke layout for arm64" },
		{ "mcount_not_call", "not bl _mcount or a NOP" },
		{ "jump_wrong_nop", "not a static-branch site" },
		COMMON_PROBLEMS,
	};

	EXPECT_REJECTED("bad-arm64", want);
}

TEST(broken_riscv_tables_rejected)
{
	static const struct expected want[] = {
		{ "pfe_shift2", "patchable entry 7,3 (of 2-byte NOPs) is not a textpoke layout for riscv64" },
		{ "pfe_shift4", "patchable entry 6,2 (of 2-byte NOPs) is not a textpoke layout for riscv64" },
		{ "mcount_not_call", "not call _mcount" },
		{ "jump_compressed", "not a static-branch site (a 4-byte NOP or jal x0)" },
		{ "jump_misaligned", "is not 4-byte aligned as riscv64 needs" },
		COMMON_PROBLEMS,
	};

	EXPECT_REJECTED("bad-riscv", want);
}

/*
 * The recordmcount problem: offsets into .text recorded per object are
 * right in the object, and the verifier says they will go stale; once
 * relaxation shrank the calls before them, they point at other bytes.
 */
TEST(per_object_mcount_goes_stale_with_relaxation)
{
	char *obj = fixture("riscv-mcount-relax.o");
	char *pie = fixture("riscv-mcount-relax.pie");
	struct run r = run_tool(obj);

	EXPECT_EQ(1, r.status);
	EXPECT_LE(3, count_matches(r.err, "recorded as the section offset .text+",
				   "linker relaxation before it moves the code"));
	EXPECT_EQ(count_lines(r.err),
		  (size_t)count_matches(r.err, "recorded as the section offset", ""));
	run_free(&r);
	r = run_tool(pie);
	EXPECT_EQ(1, r.status);
	EXPECT_LE(3, count_matches(r.err, ": not call _mcount", "found"));
	run_free(&r);
	free(obj);
	free(pie);
}

TEST(json_is_valid_and_complete)
{
	char *bad = fixture("bad-riscv.so"), *good = fixture("good-x86.o");
	char *args;
	struct run r;
	int st;

	ASSERT_LE(0, asprintf(&args, "--json %s %s", good, bad));
	r = run_tool(args);
	EXPECT_EQ(1, r.status);
	EXPECT_EQ(0, strncmp(r.out, "{\"files\":[", 10));
	EXPECT_NE(NULL, strstr(r.out, "\"kind\":\"jump_table\",\"symbol\":\"key_user\""));
	EXPECT_NE(NULL, strstr(r.out, "\"problems\":15}\n"));
	free(args);
	/* the document parses */
	ASSERT_LE(0, asprintf(&args, "%s --json %s %s 2>/dev/null | python3 -m json.tool >/dev/null",
			      SITES_TOOL, good, bad));
	st = system(args);
	EXPECT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	run_free(&r);
	free(args);
	free(bad);
	free(good);
}

TEST(unreadable_input_is_a_problem)
{
	char *args, *good = fixture("good-x86.o"), *cut = fixture("cut.o");
	struct run r;

	r = run_tool("/dev/null");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ("/dev/null: cannot read: Invalid argument\n", r.err);
	run_free(&r);
	r = run_tool("Makefile");
	EXPECT_EQ(1, r.status);
	EXPECT_STREQ("Makefile: not an ELF file\n", r.err);
	run_free(&r);
	/* a file cut after its header: no section table left */
	ASSERT_LE(0, asprintf(&args, "head -c 200 %s > %s", good, cut));
	ASSERT_EQ(0, system(args));
	free(args);
	r = run_tool(cut);
	EXPECT_EQ(1, r.status);
	EXPECT_NE(NULL, strstr(r.err, ": no usable section header table\n"));
	run_free(&r);
	unlink(cut);
	free(cut);
	free(good);
}

TEST(command_line)
{
	struct run r = run_tool("");

	EXPECT_EQ(2, r.status);
	EXPECT_EQ(0, strncmp(r.err, "usage: textpoke-sites", 21));
	run_free(&r);
	r = run_tool("--frobnicate x");
	EXPECT_EQ(2, r.status);
	run_free(&r);
	r = run_tool("--help");
	EXPECT_EQ(0, r.status);
	run_free(&r);
}

/* Only for its timeout: make fuzz asks for 10^7 cases and more. */
FIXTURE(fuzz) {
	int unused;
};

FIXTURE_SETUP(fuzz)
{
}

FIXTURE_TEARDOWN(fuzz)
{
}

TEST_F_TIMEOUT(fuzz, fuzzed_input_never_crashes, 3600)
{
	char *files[] = {
		fixture("good-riscv.o"), fixture("bad-arm64.so"),
		fixture("x86-mcount.pie"), fixture("riscv-pfe.o"),
	};
	unsigned long cases = getenv("TP_FUZZ_CASES") ?
			      strtoul(getenv("TP_FUZZ_CASES"), NULL, 0) : 20000;
	struct fuzz_result res;
	size_t i;

	ASSERT_EQ(0, sites_fuzz((const char *const *)files, 4, cases,
				0x7e47b0e5u, &res));
	TH_LOG("%lu cases, %lu with problems, %lu ELF files opened",
	       res.cases, res.rejected, res.opened);
	EXPECT_EQ(cases, res.cases);
	/* the mutations reach past the header checks */
	EXPECT_LT(cases / 4, res.opened);
	for (i = 0; i < 4; i++)
		free(files[i]);
}

TEST_HARNESS_MAIN
