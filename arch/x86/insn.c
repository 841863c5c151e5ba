// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * x86-64 instruction encoding for textpoke.  Only fixed forms: a NOP is
 * recognised byte for byte, a branch by its one-byte opcode.
 */
#include <errno.h>
#include <string.h>

#include <asm/insn.h>

#include "../../textpoke/arch.h"

/*
 * The long NOPs (0F 1F /0) of the Intel SDM's "recommended multi-byte NOP"
 * table, the forms GNU as emits for .nops on x86-64; 2 bytes is 66 90.
 */
static const uint8_t x86_nops[X86_NOP_MAX + 1][X86_NOP_MAX] = {
	[1] = { 0x90 },
	[2] = { 0x66, 0x90 },
	[3] = { 0x0f, 0x1f, 0x00 },
	[4] = { 0x0f, 0x1f, 0x40, 0x00 },
	[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[6] = { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 },
	[7] = { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 },
	[8] = { 0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00 },
};

int x86_encode_nop(uint8_t *buf, size_t len)
{
	if (len < 1 || len > X86_NOP_MAX)
		return -EINVAL;
	memcpy(buf, x86_nops[len], len);
	return len;
}

/* Displacement from the end of an instruction of @len bytes at @pc. */
static intptr_t rel_from(uintptr_t pc, size_t len, uintptr_t target)
{
	return (intptr_t)(target - (pc + len));
}

static int fits_s8(intptr_t v)
{
	return v >= INT8_MIN && v <= INT8_MAX;
}

static int fits_s32(intptr_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static int encode_rel32(uint8_t *buf, uint8_t opcode, uintptr_t pc,
			uintptr_t target)
{
	intptr_t rel = rel_from(pc, X86_REL32_LEN, target);
	int32_t rel32;

	if (!fits_s32(rel))
		return -ERANGE;
	rel32 = (int32_t)rel;
	buf[0] = opcode;
	memcpy(buf + 1, &rel32, sizeof(rel32));	/* little endian */
	return X86_REL32_LEN;
}

int x86_encode_jmp(uint8_t *buf, size_t len, uintptr_t pc, uintptr_t target)
{
	intptr_t rel;

	if (len == X86_REL32_LEN)
		return encode_rel32(buf, X86_JMP32_OPCODE, pc, target);
	if (len != X86_JMP8_LEN)
		return -EINVAL;
	rel = rel_from(pc, X86_JMP8_LEN, target);
	if (!fits_s8(rel))
		return -ERANGE;
	buf[0] = X86_JMP8_OPCODE;
	buf[1] = (uint8_t)(int8_t)rel;
	return X86_JMP8_LEN;
}

int x86_encode_call(uint8_t *buf, uintptr_t pc, uintptr_t target)
{
	return encode_rel32(buf, X86_CALL32_OPCODE, pc, target);
}

int x86_encode_int3(uint8_t *buf)
{
	buf[0] = X86_INT3;
	return 1;
}

static int nop_length(const uint8_t *code, size_t avail)
{
	size_t len;

	for (len = X86_NOP_MAX; len >= 1; len--)
		if (len <= avail && !memcmp(code, x86_nops[len], len))
			return len;
	return -EINVAL;
}

int x86_insn_length(const uint8_t *code, size_t avail)
{
	if (avail < 1)
		return -EINVAL;
	switch (code[0]) {
	case X86_INT3:
		return 1;
	case X86_JMP8_OPCODE:
		return avail >= X86_JMP8_LEN ? X86_JMP8_LEN : -EINVAL;
	case X86_JMP32_OPCODE:
	case X86_CALL32_OPCODE:
		return avail >= X86_REL32_LEN ? X86_REL32_LEN : -EINVAL;
	default:
		return nop_length(code, avail);
	}
}

int x86_is_nop1_run(const uint8_t *code, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (code[i] != x86_nops[1][0])
			return 0;
	return 1;
}

int arch_insn_decode(const void *code, size_t avail, uintptr_t pc,
		     struct insn *out)
{
	const uint8_t *p = code;
	int len = x86_insn_length(p, avail);
	int32_t rel32;

	if (len < 0)
		return len;
	memset(out, 0, sizeof(*out));
	out->len = len;
	switch (p[0]) {
	case X86_INT3:
		out->kind = INSN_TRAP;
		break;
	case X86_JMP8_OPCODE:
		out->kind = INSN_JUMP;
		out->target = pc + len + (int8_t)p[1];
		break;
	case X86_JMP32_OPCODE:
	case X86_CALL32_OPCODE:
		memcpy(&rel32, p + 1, sizeof(rel32));
		out->kind = p[0] == X86_JMP32_OPCODE ? INSN_JUMP : INSN_CALL;
		out->target = pc + len + rel32;
		break;
	default:
		out->kind = INSN_NOP;
		break;
	}
	return len;
}

size_t arch_insn_alignment(void)
{
	return 1;
}

/* CALL and JMP rel32: the opcode; the displacement is the target. */
uint64_t arch_insn_form_mask(uint64_t word, unsigned int len)
{
	uint8_t opcode = word & 0xff;

	if (len == X86_REL32_LEN &&
	    (opcode == X86_CALL32_OPCODE || opcode == X86_JMP32_OPCODE))
		return 0xff;
	return ~0ull;
}
