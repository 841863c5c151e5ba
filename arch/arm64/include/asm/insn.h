/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * arm64 encoders and decoder for the instructions textpoke writes: NOP,
 * B, BL, BRK, MOV X9, X30 (the ftrace entry's LR save), BTI C, BR, BLR
 * and the 64-bit loads trampolines use (LDR literal, LDR unsigned
 * offset, LDUR).  Every A64 instruction is one 32-bit little-endian word
 * at a 4-aligned address.
 *
 * Encoders write one word to @out only on success and return 4, or
 * -EINVAL (pc, target or offset not aligned as the form needs, bad
 * register, bad immediate) / -ERANGE (target or offset out of reach of
 * the form).  @pc is the address the instruction will execute at.
 */
#ifndef ASM_ARM64_INSN_H
#define ASM_ARM64_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define A64_INSN_LEN		4

/* Fixed words */
#define A64_NOP			0xd503201fu	/* HINT #0 */
#define A64_BTI_C		0xd503245fu	/* HINT #34 */
#define A64_MOV_X9_X30		0xaa1e03e9u	/* ORR X9, XZR, X30 */
#define A64_ISB			0xd5033fdfu	/* ISB SY */

/* Register numbers; 31 is SP as a load base, XZR elsewhere */
#define A64_REG_X9		9
#define A64_REG_LR		30
#define A64_REG_SP		31

/* Reach of the pc-relative forms, in bytes from the instruction */
#define A64_B_MIN		(-(1L << 27))		/* B, BL: imm26 * 4 */
#define A64_B_MAX		((1L << 27) - 4)
#define A64_LDR_LIT_MIN		(-(1L << 20))		/* LDR literal: imm19 * 4 */
#define A64_LDR_LIT_MAX		((1L << 20) - 4)
#define A64_LDR_UOFF_MAX	(4095 * 8)		/* LDR Xt: imm12 * 8 */
#define A64_LDUR_MIN		(-256)			/* LDUR: simm9 */
#define A64_LDUR_MAX		255

int a64_encode_nop(uint32_t *out);
int a64_encode_b(uint32_t *out, uintptr_t pc, uintptr_t target);
int a64_encode_bl(uint32_t *out, uintptr_t pc, uintptr_t target);
int a64_encode_brk(uint32_t *out, unsigned int imm16);
int a64_encode_mov_x9_x30(uint32_t *out);
int a64_encode_bti_c(uint32_t *out);
/* BR Xn / BLR Xn; @rn 0..30 */
int a64_encode_br(uint32_t *out, unsigned int rn);
int a64_encode_blr(uint32_t *out, unsigned int rn);
/* LDR Xt, <target>: @rt 0..30, 4-aligned @target within 1 MiB of @pc */
int a64_encode_ldr_lit(uint32_t *out, unsigned int rt, uintptr_t pc,
		       uintptr_t target);
/* LDR Xt, [Xn|SP, #off]: @rt 0..30, @rn 0..31, @off 0..32760 step 8 */
int a64_encode_ldr_imm(uint32_t *out, unsigned int rt, unsigned int rn,
		       intptr_t off);
/* LDUR Xt, [Xn|SP, #off]: @rt 0..30, @rn 0..31, @off -256..255 */
int a64_encode_ldur(uint32_t *out, unsigned int rt, unsigned int rn,
		    intptr_t off);

/*
 * Whether @insn is one of the instructions the architecture allows to be
 * replaced by another of the set while another PE may execute it, with no
 * synchronisation beyond the usual cache maintenance (ARM ARM B2.2.5
 * "Concurrent modification and execution of instructions"): B, BL, NOP,
 * BRK, SVC, HVC, SMC, ISB.  Both the old and the new word must qualify.
 */
bool a64_insn_is_cmodx(uint32_t insn);

#endif /* ASM_ARM64_INSN_H */
