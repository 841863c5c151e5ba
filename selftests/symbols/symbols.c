// SPDX-License-Identifier: GPL-2.0
/*
 * A program may name its own functions as it likes: the library's
 * internal functions (text_write, stop_machine, maps_find, ...) are not
 * visible outside libtextpoke.a or libtextpoke.so.  This program defines
 * them itself, with signatures of its own, links the library statically
 * (symbols_test) and dynamically (symbols_shared_test), and pokes with
 * every protocol and writes a perf.data file: a link error, or a call
 * into one of these definitions, is a failure.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <textpoke/events.h>
#include <textpoke/textpoke.h>

#include "kselftest_harness.h"

/* How many times the library called one of the program's functions. */
static volatile int wrong_calls;

#define PROGRAM_OWN(name) \
	int name(void); \
	int name(void) { return ++wrong_calls; }

/* Names the library uses inside, of every unit of it. */
PROGRAM_OWN(text_write)
PROGRAM_OWN(text_open)
PROGRAM_OWN(stop_machine)
PROGRAM_OWN(stop_machine_init)
PROGRAM_OWN(maps_find)
PROGRAM_OWN(maps_for_sites)
PROGRAM_OWN(trap_init)
PROGRAM_OWN(tasks_init)
PROGRAM_OWN(inflight_init)
PROGRAM_OWN(cpusync_init)
PROGRAM_OWN(chain_deliver)
PROGRAM_OWN(park_signal_from_environment)
PROGRAM_OWN(events_init)
PROGRAM_OWN(write_all_at)
PROGRAM_OWN(sample_id_write)
PROGRAM_OWN(text_poke_write)
PROGRAM_OWN(perf_data_open_from_env)
PROGRAM_OWN(arch_insn_decode)
PROGRAM_OWN(arch_trap_insn)
PROGRAM_OWN(toggle_commit)
PROGRAM_OWN(text_open_runs)

#define PAGE	4096

/*
 * A page of NOPs, executable, as a JIT would have it: 5-byte ones where
 * the arch has them (x86, so that a rel32 jump replaces one), else 4.
 */
static uint8_t *nop_page(struct __test_metadata *_metadata, int *nop_len)
{
	uint8_t nop[16];
	uint8_t *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int len;

	ASSERT_NE(MAP_FAILED, page);
	len = tp_encode_nop(nop, 5);
	if (len < 0)
		len = tp_encode_nop(nop, 4);
	ASSERT_LT(0, len);
	for (int off = 0; off + len <= PAGE; off += len)
		memcpy(page + off, nop, len);
	ASSERT_EQ(0, mprotect(page, PAGE, PROT_READ | PROT_EXEC));
	*nop_len = len;
	return page;
}

TEST(the_library_calls_its_own_functions)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_STOP_MACHINE, TP_BACKEND_BREAKPOINT, TP_BACKEND_AUTO,
	};
	char path[] = "/tmp/textpoke-symbols-XXXXXX";
	uint8_t nop[16], jump[16];
	int nop_len, fd;
	uint8_t *page = nop_page(_metadata, &nop_len);
	uint8_t *site = page + 4 * nop_len;	/* an instruction, aligned for every arch */

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	close(fd);
	unlink(path);
	ASSERT_EQ(0, tp_init());
	ASSERT_EQ(0, tp_perf_data_open(path));
	ASSERT_EQ(nop_len, tp_encode_nop(nop, nop_len));
	ASSERT_EQ(nop_len, tp_encode_jump(jump, site, site + 16 * nop_len, nop_len));
	for (unsigned int i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		int err = tp_poke(site, nop, jump, nop_len, backends[i]);

		ASSERT_EQ(0, err) TH_LOG("backend %u: %s", backends[i], tp_strerror(err));
		ASSERT_EQ(0, memcmp(site, jump, nop_len));
		ASSERT_EQ(0, tp_poke(site, jump, nop, nop_len, backends[i]));
		ASSERT_EQ(0, memcmp(site, nop, nop_len));
	}
	ASSERT_EQ(0, tp_perf_data_close());
	unlink(path);
	EXPECT_EQ(0, wrong_calls);
	munmap(page, PAGE);
}

TEST_HARNESS_MAIN
