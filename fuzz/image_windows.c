// SPDX-License-Identifier: GPL-2.0
/* The trace fuzz targets' code image (image_windows.h). */
#include <elf.h>
#include <string.h>

#include "image_windows.h"

static int image_with_windows(struct code_image *img, uint16_t machine, const void *code,
			      size_t size, const uint8_t branch[4])
{
	struct code_change nosync = {
		.addr = FUZZ_CODE_BASE, .len = 4, .pre_time = 100, .post_time = 200,
		.backend = TP_BACKEND_NOSYNC,
	};
	struct code_change breakpoint = nosync;

	memcpy(nosync.old, code, 4);
	memcpy(nosync.new, branch, 4);
	memcpy(breakpoint.old, branch, 4);
	memcpy(breakpoint.new, code, 4);
	breakpoint.pre_time = 300;
	breakpoint.post_time = 400;
	breakpoint.backend = TP_BACKEND_BREAKPOINT;
	code_image_init(img);
	if (code_image_set_arch(img, machine) ||
	    code_image_add_region(img, FUZZ_CODE_BASE, code, size) ||
	    code_image_add_change(img, &nosync) || code_image_add_change(img, &breakpoint))
		return -1;
	return code_image_freeze(img);
}

/* NOP, MOV X0 #1, CBZ X0 +12, ADR X1 +12, BR X1, MOV X0 #2, B +4, RET, BRK #0x7450 */
int fuzz_a64_image(struct code_image *img)
{
	static const uint32_t code[] = {
		0xd503201f, 0xd2800020, 0xb4000060, 0x10000061, 0xd61f0020,
		0xd2800040, 0x14000001, 0xd65f03c0, 0xd42e8a00,
	};
	static const uint8_t branch[4] = { 0x05, 0x00, 0x00, 0x14 };	/* B +20 */

	return image_with_windows(img, EM_AARCH64, code, sizeof(code), branch);
}

/*
 * The tests' traced function: NOP, C.LI a0 1, C.BEQZ a0 +16, AUIPC a1 0,
 * ADDI a1 a1 14, C.JR a1, C.LI a0 2, C.J +2, C.JR ra.
 */
int fuzz_rv64_image(struct code_image *img)
{
	static const uint8_t code[] = {
		0x13, 0x00, 0x00, 0x00, 0x05, 0x45, 0x01, 0xc9, 0x97, 0x05, 0x00, 0x00,
		0x93, 0x85, 0xe5, 0x00, 0x82, 0x85, 0x09, 0x45, 0x09, 0xa0, 0x82, 0x80,
	};
	static const uint8_t jal[4] = { 0x6f, 0x00, 0x20, 0x01 };	/* JAL x0, +18 */

	return image_with_windows(img, EM_RISCV, code, sizeof(code), jal);
}

/*
 * The Intel PT tests' traced function (selftests/pt/traced_x86.S): NOP5,
 * MOV EAX 1, TEST, JZ +17, LEA RCX [RIP+10], JMP RCX, MOV EAX 2, JMP +1,
 * INT3, RET.  The windows change its first 4 bytes: NOP5 and JMP +18
 * share the fifth.
 */
int fuzz_x86_image(struct code_image *img)
{
	static const uint8_t code[] = {
		0x0f, 0x1f, 0x44, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x85, 0xc0,
		0x74, 0x11, 0x48, 0x8d, 0x0d, 0x0a, 0x00, 0x00, 0x00, 0xff, 0xe1, 0xb8,
		0x02, 0x00, 0x00, 0x00, 0xeb, 0x01, 0xcc, 0xc3,
	};
	static const uint8_t jmp[4] = { 0xe9, 0x12, 0x00, 0x00 };	/* JMP +18 */

	return image_with_windows(img, EM_X86_64, code, sizeof(code), jmp);
}
