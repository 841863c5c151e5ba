/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86-64 encoders and decoder for the instructions textpoke writes:
 * NOPs of 1 to 8 bytes (the forms the assembler's .nops emits), JMP rel8,
 * JMP rel32, CALL rel32 and INT3.  x86 has no instruction alignment.
 *
 * Encoders write to @buf only on success and return the length written,
 * or -EINVAL (bad length) / -ERANGE (target out of reach of the form).
 * @pc is the address the instruction will execute at.
 */
#ifndef ASM_X86_INSN_H
#define ASM_X86_INSN_H

#include <stddef.h>
#include <stdint.h>

#define X86_INT3		0xcc
#define X86_JMP8_OPCODE		0xeb
#define X86_JMP32_OPCODE	0xe9
#define X86_CALL32_OPCODE	0xe8

#define X86_JMP8_LEN		2
#define X86_REL32_LEN		5	/* JMP rel32, CALL rel32, NOP5 */
#define X86_NOP_MAX		8

int x86_encode_nop(uint8_t *buf, size_t len);
int x86_encode_jmp(uint8_t *buf, size_t len, uintptr_t pc, uintptr_t target);
int x86_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target);
int x86_encode_int3(uint8_t *buf);

/*
 * Length of the known instruction at @code, or -EINVAL.  Five 1-byte NOPs
 * (what -fpatchable-function-entry=5 emits) are five instructions: the
 * length is 1, and x86_is_nop1_run() tells whether a run of them follows.
 */
int x86_insn_length(const uint8_t *code, size_t avail);
int x86_is_nop1_run(const uint8_t *code, size_t count);

#endif /* ASM_X86_INSN_H */
