// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The engine itself: change one instruction of a running function with
 * each backend.  version() returns 1 through a NOP at version_site, or 2
 * once that NOP is a jump to version_two.
 *
 *	cc poke.c $(pkg-config --cflags --libs textpoke) -O2
 */
#include <stdbool.h>
#include <stdio.h>

#include <textpoke/textpoke.h>

int version(void);
extern char version_site[], version_two[];

/*
 * The labels are global symbols (hidden: this program's own), so that C
 * reaches each through its own GOT entry: a reference to a local label
 * becomes section+offset, which the arm64 linker gives one GOT entry
 * per section, whatever the offset.
 */
#define LABELS ".globl version, version_site, version_two\n" \
	       ".hidden version_site, version_two\n"

#if defined(__x86_64__)
__asm__(".text\n" LABELS ".type version, @function\n"
	"version:\n\tmov $1, %eax\nversion_site:\n\t.nops 5\n\tret\n"
	"version_two:\n\tmov $2, %eax\n\tret\n.size version, . - version\n");
#elif defined(__aarch64__)
__asm__(".text\n" LABELS ".type version, %function\n"
	"version:\n\tmov w0, #1\nversion_site:\n\tnop\n\tret\n"
	"version_two:\n\tmov w0, #2\n\tret\n.size version, . - version\n");
#elif defined(__riscv)
__asm__(".text\n.option push\n.option norvc\n" LABELS ".type version, @function\n"
	".p2align 2\nversion:\n\tli a0, 1\nversion_site:\n\tnop\n\tret\n"
	"version_two:\n\tli a0, 2\n\tret\n.size version, . - version\n.option pop\n");
#endif

static const char *const names[] = {
	[TP_BACKEND_AUTO] = "auto", [TP_BACKEND_NOSYNC] = "nosync",
	[TP_BACKEND_BREAKPOINT] = "breakpoint", [TP_BACKEND_STOP_MACHINE] = "stop_machine",
};

int main(void)
{
	static const enum tp_backend backends[] = {
		TP_BACKEND_NOSYNC, TP_BACKEND_BREAKPOINT, TP_BACKEND_STOP_MACHINE, TP_BACKEND_AUTO,
	};
	unsigned char nop[TP_MAX_INSN_LEN], jump[TP_MAX_INSN_LEN];
	int len = tp_encode_nop(nop, 5), bad = 0;

	if (len < 0)
		len = tp_encode_nop(nop, 4);	/* arm64, riscv64: one 4-byte NOP */
	if (len < 0 || tp_encode_jump(jump, version_site, version_two, len) != len)
		return 1;
	for (unsigned int i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		int err = tp_poke(version_site, nop, jump, len, backends[i]);
		int v = version();

		if (err) {
			/*
			 * x86 has no nosync transition from a NOP to a jump:
			 * refused, nothing changed.  Any other refusal is a
			 * failure of this example.
			 */
			bool expected = backends[i] == TP_BACKEND_NOSYNC && len == 5;

			printf("%-12s refused: %s\n", names[backends[i]], tp_strerror(err));
			bad += !expected || version() != 1;
			continue;
		}
		err = tp_poke(version_site, jump, nop, len, backends[i]);
		printf("%-12s version() %d, then %d after undo%s\n", names[backends[i]], v,
		       version(), err ? " failed" : "");
		bad += err || v != 2 || version() != 1;
	}
	return bad != 0;
}
