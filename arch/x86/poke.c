// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 patching policy and breakpoint emulation.
 *
 * x86 gives no guarantee for cross-modifying code other than the one the
 * breakpoint protocol relies on (Intel SDM vol. 3, 8.1.3 "Handling
 * Self- and Cross-Modifying Code": a single-byte INT3 store, then
 * serialisation of every core), so nosync is never safe here.
 */
#include <asm/insn.h>
#include <signal.h>
#include <string.h>

#include "../../textpoke/arch.h"

int arch_encode_nop(uint8_t *buf, size_t len)
{
	return x86_encode_nop(buf, len);
}

int arch_encode_jump(uint8_t *buf, uintptr_t pc, uintptr_t target, size_t len)
{
	return x86_encode_jmp(buf, len, pc, target);
}

int arch_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return x86_encode_call(buf, pc, target);
}

bool arch_trap_insn_at(uintptr_t addr)
{
	return *(const volatile uint8_t *)addr == X86_INT3;
}

/* INT3 raises SIGTRAP with SI_KERNEL; a single step, TRAP_TRACE. */
bool arch_trap_from_breakpoint(const siginfo_t *info)
{
	return info->si_code == SI_KERNEL;
}

/* INT3 is a trap: the saved RIP is the byte after it. */
uintptr_t arch_trap_address(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RIP] - 1;
}

uintptr_t arch_context_pc(const ucontext_t *uc)
{
	return uc->uc_mcontext.gregs[REG_RIP];
}

void arch_context_set_pc(ucontext_t *uc, uintptr_t pc)
{
	uc->uc_mcontext.gregs[REG_RIP] = pc;
}

bool arch_insn_emulable(const struct insn *insn)
{
	return insn->kind == INSN_NOP || insn->kind == INSN_JUMP ||
	       insn->kind == INSN_CALL;
}

void arch_emulate(ucontext_t *uc, uintptr_t site, const struct insn *insn)
{
	greg_t *regs = uc->uc_mcontext.gregs;
	uintptr_t next = site + insn->len;

	switch (insn->kind) {
	case INSN_CALL:
		/*
		 * Push the return address where the CALL would: the slot
		 * below the interrupted RSP.  The kernel placed this
		 * handler's frame below the 128-byte red zone, so the slot
		 * is not ours.
		 */
		regs[REG_RSP] -= sizeof(uintptr_t);
		*(uintptr_t *)regs[REG_RSP] = next;
		regs[REG_RIP] = insn->target;
		break;
	case INSN_JUMP:
		regs[REG_RIP] = insn->target;
		break;
	default:
		regs[REG_RIP] = next;
		break;
	}
}

bool arch_nosync_safe(uintptr_t addr, const uint8_t *old, const uint8_t *new,
		      size_t len)
{
	(void)addr, (void)old, (void)new, (void)len;
	return false;
}

/* x86 keeps instruction fetch coherent with stores (SDM vol. 3, 8.1.3). */
/* Instruction fetch snoops stores: nothing to flush. */
bool arch_icache_coherent(void)
{
	return true;
}

void arch_flush_icache(uintptr_t start, size_t len)
{
	(void)start, (void)len;
}
