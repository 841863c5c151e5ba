// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 function-entry sites.  -fpatchable-function-entry=13,8 leaves
 * eight 1-byte NOPs before the function (the ops slot) and five at its
 * entry, after ENDBR64 when -fcf-protection is on; clang emits the five
 * as one NOP5 of its own form.  Site init makes them the one NOP5 that
 * CALL rel32 replaces: only a single instruction can be swapped with the
 * breakpoint protocol while threads run through it.
 */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include <asm/ftrace.h>
#include <asm/insn.h>

#include "../../textpoke/arch.h"

#define X86_SITE_LEN		5
#define X86_ENDBR64_LEN		4

static const uint8_t endbr64[X86_ENDBR64_LEN] = { 0xf3, 0x0f, 0x1e, 0xfa };
/* What clang 14 emits for -fpatchable-function-entry=N,M at the entry. */
static const uint8_t clang_nop5[X86_SITE_LEN] = { 0x0f, 0x1f, 0x44, 0x00, 0x08 };

static int entry_as_compiled(const uint8_t *p)
{
	return x86_is_nop1_run(p, X86_SITE_LEN) ||
	       !memcmp(p, clang_nop5, X86_SITE_LEN);
}

int arch_ftrace_layout(uintptr_t record, size_t avail, struct ftrace_layout *out)
{
	const uint8_t *p = (const uint8_t *)record;
	uintptr_t site = record + FTRACE_SLOT_SIZE;

	if (record % FTRACE_SLOT_SIZE ||
	    avail < FTRACE_SLOT_SIZE + X86_ENDBR64_LEN + X86_SITE_LEN)
		return -EILSEQ;
	if (!x86_is_nop1_run(p, FTRACE_SLOT_SIZE))
		return -EILSEQ;
	if (!memcmp((const void *)site, endbr64, X86_ENDBR64_LEN))
		site += X86_ENDBR64_LEN;
	if (!entry_as_compiled((const uint8_t *)site))
		return -EILSEQ;
	out->func = record + FTRACE_SLOT_SIZE;
	out->site = out->toggle = site;
	out->site_len = out->toggle_len = X86_SITE_LEN;
	return 0;
}

int arch_ftrace_init_insns(const struct ftrace_layout *layout, uintptr_t veneer,
			   uint8_t *buf)
{
	(void)layout, (void)veneer;
	return x86_encode_nop(buf, X86_SITE_LEN);
}

/*
 * An object's veneers: the one for functions whose site is their first
 * instruction, and at X86_VENEER_ENDBR the one for functions that start
 * with ENDBR64, which goes to the trampoline's _endbr entry.  The
 * trampoline knows where the function starts from which it was entered,
 * instead of reading the bytes before the CALL on every call.
 */
#define X86_VENEER_ENDBR	16

/* What the site calls: @target, or for the veneer the one for its layout. */
static uintptr_t call_target(const struct ftrace_layout *layout, uintptr_t veneer,
			     uintptr_t target)
{
	if (target && target == veneer && layout->toggle != layout->func)
		return target + X86_VENEER_ENDBR;
	return target;
}

int arch_ftrace_toggle_insn(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint8_t *buf)
{
	if (!target)
		return x86_encode_nop(buf, X86_SITE_LEN);
	return x86_encode_call(buf, layout->toggle, call_target(layout, veneer, target));
}

int arch_ftrace_toggle_word(const struct ftrace_layout *layout, uintptr_t veneer,
			    uintptr_t target, uint64_t *word)
{
	static uint64_t nop_word;	/* the NOP5, once: the same for every function */
	intptr_t rel = (intptr_t)(call_target(layout, veneer, target) -
				  (layout->toggle + X86_REL32_LEN));
	uint8_t nop[X86_SITE_LEN];
	int err;

	if (target) {
		if (rel < INT32_MIN || rel > INT32_MAX)
			return -ERANGE;
		/* CALL rel32: the opcode, then the displacement, little endian. */
		*word = X86_CALL32_OPCODE | (uint64_t)(uint32_t)(int32_t)rel << 8;
		return 0;
	}
	if (!__atomic_load_n(&nop_word, __ATOMIC_RELAXED)) {
		err = x86_encode_nop(nop, X86_SITE_LEN);
		if (err < 0)
			return err;
		__atomic_store_n(&nop_word, (uint64_t)nop[0] | (uint64_t)nop[1] << 8 |
			(uint64_t)nop[2] << 16 | (uint64_t)nop[3] << 24 |
			(uint64_t)nop[4] << 32, __ATOMIC_RELAXED);
	}
	*word = __atomic_load_n(&nop_word, __ATOMIC_RELAXED);
	return 0;
}

/* CALL rel32 reaches +-2 GiB; keep a margin for the object's own size. */
uintptr_t arch_ftrace_veneer_reach(void)
{
	return (1ul << 31) - (1ul << 20);
}

/* XCR0: the state components the kernel saves for a process. */
#define XCR0_SSE		(1u << 1)
#define XCR0_AVX		(1u << 2)
#define XCR0_AVX512		(7u << 5)	/* opmask, ZMM_Hi256, Hi16_ZMM */

/* FTRACE_X86_VEC_*: what the return trampoline keeps (ftrace_entry.S). */
unsigned char ftrace_x86_vec;

void ftrace_x86_caller_avx(void);
void ftrace_x86_caller_avx512(void);
void arch_ftrace_caller_endbr(void);
void ftrace_x86_caller_avx_endbr(void);
void ftrace_x86_caller_avx512_endbr(void);

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

/*
 * The widest vector registers this process has: the CPU's, as far as
 * the kernel saves them for it (XCR0, which XGETBV reads only when the
 * kernel has set OSXSAVE).
 */
static unsigned char vec_state(void)
{
	unsigned int a, b, c, d;
	uint64_t enabled;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE) || !(c & bit_AVX))
		return FTRACE_X86_VEC_SSE;
	enabled = xcr0();
	if ((enabled & (XCR0_SSE | XCR0_AVX)) != (XCR0_SSE | XCR0_AVX))
		return FTRACE_X86_VEC_SSE;
	if (__get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_AVX512F) &&
	    (enabled & XCR0_AVX512) == XCR0_AVX512)
		return FTRACE_X86_VEC_AVX512;
	return FTRACE_X86_VEC_AVX;
}

/*
 * The trampoline the generic code asks for, arch_ftrace_caller, is the
 * one for SSE-only processors: with AVX the veneers jump to the one that
 * keeps YMM (or ZMM) registers whole.  The choice is made here, before
 * any veneer can be entered, and the same every time.
 */
static uintptr_t entry_for_cpu(uintptr_t trampoline)
{
	unsigned char vec;

	if (trampoline != (uintptr_t)arch_ftrace_caller)
		return trampoline;
	vec = vec_state();
	__atomic_store_n(&ftrace_x86_vec, vec, __ATOMIC_RELAXED);
	if (vec == FTRACE_X86_VEC_AVX512)
		return (uintptr_t)ftrace_x86_caller_avx512;
	if (vec == FTRACE_X86_VEC_AVX)
		return (uintptr_t)ftrace_x86_caller_avx;
	return trampoline;
}

/* The entry of the same trampoline for functions that start with ENDBR64. */
static uintptr_t endbr_entry(uintptr_t entry)
{
	if (entry == (uintptr_t)ftrace_x86_caller_avx512)
		return (uintptr_t)ftrace_x86_caller_avx512_endbr;
	if (entry == (uintptr_t)ftrace_x86_caller_avx)
		return (uintptr_t)ftrace_x86_caller_avx_endbr;
	if (entry == (uintptr_t)arch_ftrace_caller)
		return (uintptr_t)arch_ftrace_caller_endbr;
	return entry;
}

/* JMP *0(%rip) followed by the absolute address: no register touched. */
static size_t jmp_abs(uint8_t *buf, uint64_t target)
{
	static const uint8_t jmp_rip[6] = { 0xff, 0x25, 0, 0, 0, 0 };

	memcpy(buf, jmp_rip, sizeof(jmp_rip));
	memcpy(buf + sizeof(jmp_rip), &target, sizeof(target));
	return sizeof(jmp_rip) + sizeof(target);
}

/* The two veneers (arch_ftrace_toggle_insn()), INT3 between them. */
size_t arch_ftrace_veneer(uint8_t *buf, uintptr_t at, uintptr_t trampoline)
{
	uintptr_t entry = entry_for_cpu(trampoline);
	size_t len = jmp_abs(buf, entry);

	(void)at;
	memset(buf + len, 0xcc, X86_VENEER_ENDBR - len);
	return X86_VENEER_ENDBR + jmp_abs(buf + X86_VENEER_ENDBR, endbr_entry(entry));
}

/* Above the frame: the way into the function (the site's CALL), then its caller. */
uintptr_t *arch_ftrace_parent_loc(struct tp_ftrace_regs *regs)
{
	return (uintptr_t *)((char *)regs + FTRACE_REGS_SIZE + 8);
}

/* Its RET pops the return address. */
uintptr_t arch_ftrace_return_sp(const struct tp_ftrace_regs *regs)
{
	return (uintptr_t)regs + FTRACE_REGS_SIZE + 16;
}

unsigned long arch_ftrace_regs_argument(const struct tp_ftrace_regs *regs,
					unsigned int n)
{
	return n < FTRACE_NR_ARGS ? regs->gpr[n] : 0;
}

unsigned long arch_fgraph_ret_int(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	return n < 2 ? regs->gpr[n] : 0;
}

uint64_t arch_fgraph_ret_fp_bits(const struct tp_fgraph_ret_regs *regs, unsigned int n)
{
	uint64_t bits = 0;

	if (n < FGRAPH_RET_NR_FP)
		memcpy(&bits, regs->vec[n], sizeof(bits));
	return bits;
}
