// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * arm64 patching policy and breakpoint emulation.
 *
 * ARM ARM B2.2.5, "Concurrent modification and execution of
 * instructions": a thread may execute an instruction while another
 * changes it with one aligned 32-bit store only if both the old and the
 * new instruction are B, BL, NOP, BRK, SVC, HVC, SMC or ISB; it then sees
 * either one.  Everything else needs the breakpoint protocol (whose
 * transitions, X <-> BRK, are inside that set) or stop_machine.
 */
#include <asm/insn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../../textpoke/arch.h"

#define A64_BRK_MASK	0xffe0001fu
#define A64_BRK_BITS	0xd4200000u

static uint32_t load_word(uintptr_t addr)
{
	return *(const volatile uint32_t *)addr;
}

/* Store one encoded word, or pass an encoder's error through. */
static int put_word(uint8_t *buf, int ret, uint32_t word)
{
	if (ret < 0)
		return ret;
	memcpy(buf, &word, sizeof(word));
	return A64_INSN_LEN;
}

int arch_encode_nop(uint8_t *buf, size_t len)
{
	uint32_t word;

	if (len != A64_INSN_LEN)
		return -EINVAL;
	return put_word(buf, a64_encode_nop(&word), word);
}

int arch_encode_jump(uint8_t *buf, uintptr_t pc, uintptr_t target, size_t len)
{
	uint32_t word;

	if (len != A64_INSN_LEN)
		return -EINVAL;
	return put_word(buf, a64_encode_b(&word, pc, target), word);
}

int arch_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	uint32_t word;

	return put_word(buf, a64_encode_bl(&word, pc, target), word);
}

bool arch_trap_insn_at(uintptr_t addr)
{
	return (load_word(addr) & A64_BRK_MASK) == A64_BRK_BITS;
}

/* BRK raises SIGTRAP with TRAP_BRKPT. */
bool arch_trap_from_breakpoint(const siginfo_t *info)
{
	return info->si_code == TRAP_BRKPT;
}

/* BRK is reported with the PC at the BRK itself. */
uintptr_t arch_trap_address(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}

uintptr_t arch_context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.pc;
}

void arch_context_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.pc = pc;
}

bool arch_insn_emulable(const struct insn *insn)
{
	return insn->kind == INSN_NOP || insn->kind == INSN_JUMP ||
	       insn->kind == INSN_CALL;
}

void arch_emulate(ucontext_t *uc, uintptr_t site, const struct insn *insn)
{
	switch (insn->kind) {
	case INSN_CALL:
		uc->uc_mcontext.regs[A64_REG_LR] = site + A64_INSN_LEN;
		uc->uc_mcontext.pc = insn->target;
		break;
	case INSN_JUMP:
		uc->uc_mcontext.pc = insn->target;
		break;
	default:
		uc->uc_mcontext.pc = site + A64_INSN_LEN;
		break;
	}
}

bool arch_nosync_safe(uintptr_t addr, const uint8_t *old, const uint8_t *new,
		      size_t len)
{
	uint32_t old_word, new_word;

	if (len != A64_INSN_LEN || addr % A64_INSN_LEN)
		return false;
	memcpy(&old_word, old, sizeof(old_word));
	memcpy(&new_word, new, sizeof(new_word));
	return a64_insn_is_cmodx(old_word) && a64_insn_is_cmodx(new_word);
}

/*
 * Clean the D-cache and invalidate the I-cache to the point of
 * unification for the range (DC CVAU, DSB ISH, IC IVAU, DSB ISH, ISB):
 * what the compiler's cache-flush builtin emits.  The IC IVAU is
 * broadcast; other cores then need their own context synchronisation,
 * which the caller's cross-core sync gives them.
 */
/* DC CVAU to ISB after every store. */
bool arch_icache_coherent(void)
{
	return false;
}

void arch_flush_icache(uintptr_t start, size_t len)
{
	__builtin___clear_cache((char *)start, (char *)(start + len));
}
