// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * riscv64 patching policy and breakpoint emulation.
 *
 * Ziccif ("instruction-fetch atomicity"): a naturally aligned 32-bit
 * instruction is fetched with one atomic access, so one aligned 4-byte
 * store replaces it for every hart at once, which then executes the old or
 * the new word.  Nothing is promised for compressed instructions or for a
 * 4-byte instruction that straddles a 4-byte boundary, nor for sequences:
 * those need the breakpoint protocol or stop_machine.
 */
#include <asm/insn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../textpoke/arch.h"

static bool aligned_word_site(uintptr_t addr, size_t len)
{
	return len == RV_INSN_LEN && addr % RV_INSN_LEN == 0;
}

int arch_encode_nop(uint8_t *buf, size_t len)
{
	if (len == RV_INSN_LEN)
		return rv_encode_nop(buf);
	if (len == RV_C_INSN_LEN)
		return rv_encode_c_nop(buf);
	return -EINVAL;
}

int arch_encode_jump(uint8_t *buf, uintptr_t pc, uintptr_t target, size_t len)
{
	if (len != RV_INSN_LEN)
		return -EINVAL;
	return rv_encode_jal(buf, RV_REG_ZERO, pc, target);
}

int arch_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return rv_encode_jal(buf, RV_REG_RA, pc, target);
}

bool arch_trap_insn_at(uintptr_t addr)
{
	uint16_t low = *(const volatile uint16_t *)addr;

	if (low == RV_C_EBREAK)
		return true;
	return low == (RV_EBREAK & 0xffff) &&
	       *(const volatile uint16_t *)(addr + 2) == RV_EBREAK >> 16;
}

/* EBREAK raises SIGTRAP with TRAP_BRKPT. */
bool arch_trap_from_breakpoint(const siginfo_t *info)
{
	return info->si_code == TRAP_BRKPT;
}

/* EBREAK is reported with the PC at the EBREAK itself. */
uintptr_t arch_trap_address(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[REG_PC];
}

uintptr_t arch_context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.__gregs[REG_PC];
}

void arch_context_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.__gregs[REG_PC] = pc;
}

bool arch_insn_emulable(const struct insn *insn)
{
	return insn->kind == INSN_NOP || insn->kind == INSN_JUMP ||
	       insn->kind == INSN_CALL || insn->kind == INSN_INDIRECT;
}

/* x0 reads as zero and ignores writes; __gregs[0] is the PC slot. */
static unsigned long read_reg(const ucontext_t *uc, unsigned int reg)
{
	return reg ? uc->uc_mcontext.__gregs[reg] : 0;
}

static void write_reg(ucontext_t *uc, unsigned int reg, unsigned long value)
{
	if (reg)
		uc->uc_mcontext.__gregs[reg] = value;
}

void arch_emulate(ucontext_t *uc, uintptr_t site, const struct insn *insn)
{
	uintptr_t next = site + insn->len, target;

	switch (insn->kind) {
	case INSN_JUMP:
	case INSN_CALL:
		write_reg(uc, insn->rd, next);
		arch_context_set_pc(uc, insn->target);
		break;
	case INSN_INDIRECT:
		/* Read the base before the link: JALR t0, 0(t0) is legal. */
		target = (read_reg(uc, insn->rs) + insn->imm) & ~1ul;
		write_reg(uc, insn->rd, next);
		arch_context_set_pc(uc, target);
		break;
	default:
		arch_context_set_pc(uc, next);
		break;
	}
}

bool arch_nosync_safe(uintptr_t addr, const uint8_t *old, const uint8_t *new,
		      size_t len)
{
	struct insn o, n;

	if (!aligned_word_site(addr, len))
		return false;
	return arch_insn_decode(old, len, addr, &o) == RV_INSN_LEN &&
	       arch_insn_decode(new, len, addr, &n) == RV_INSN_LEN;
}

/*
 * fence.i orders only the local hart's fetches; the kernel's
 * riscv_flush_icache makes the range coherent on every hart of this mm.
 */
/* The riscv_flush_icache system call after every store. */
bool arch_icache_coherent(void)
{
	return false;
}

void arch_flush_icache(uintptr_t start, size_t len)
{
	syscall(SYS_riscv_flush_icache, start, start + len, 0);
}
