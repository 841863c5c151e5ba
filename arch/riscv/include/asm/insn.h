/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * riscv64 encoders and decoder for the instructions textpoke writes:
 * NOP and C.NOP, JAL, JALR, AUIPC (alone or as the AUIPC+JALR pair that
 * reaches +-2 GiB), EBREAK and C.EBREAK.  The C extension is assumed
 * present, so instructions start on any 2-byte boundary.
 *
 * Encoders write to @buf, a byte buffer, only on success and return the
 * length written (4, 2, or 8 for the pair), or -EINVAL (odd pc or target,
 * register number above 31) / -ERANGE (offset or immediate out of reach of
 * the form).  A byte buffer and not uint32_t/uint16_t words because a site
 * is only 2-byte aligned with RVC, and because instructions are stored as
 * 16-bit little-endian parcels whatever the data endianness (unprivileged
 * ISA, "Base Instruction-Length Encoding"); the encoders store them so.
 * @pc is the address the instruction will execute at.
 *
 * Alignment is 2, but a 4-byte instruction can only be replaced without
 * stopping other harts if it is naturally aligned to 4: Ziccif (RVA20
 * profiles) makes only naturally aligned fetches atomic.  Which sites may
 * take the nosync backend is decided by the CMODX policy in poke.c, not
 * by the encoders.
 */
#ifndef ASM_RISCV_INSN_H
#define ASM_RISCV_INSN_H

#include <stddef.h>
#include <stdint.h>

/* Fixed instruction words. */
#define RV_NOP			0x00000013u	/* addi x0, x0, 0 */
#define RV_C_NOP		0x0001u		/* c.addi x0, 0 */
#define RV_EBREAK		0x00100073u
#define RV_C_EBREAK		0x9002u

/* Major opcodes (bits 6:0) of the 4-byte forms. */
#define RV_OPCODE_MASK		0x7fu
#define RV_OPCODE_AUIPC		0x17u
#define RV_OPCODE_JAL		0x6fu
#define RV_OPCODE_JALR		0x67u

#define RV_INSN_LEN		4
#define RV_C_INSN_LEN		2
#define RV_PAIR_LEN		8	/* AUIPC + JALR */

#define RV_REG_ZERO		0u
#define RV_REG_RA		1u
#define RV_REG_T0		5u
#define RV_REG_T1		6u
#define RV_NR_REGS		32u

/*
 * Reach of each form, as an offset from the address of the (first)
 * instruction.  JAL: a signed 21-bit, even offset.  AUIPC: a signed 20-bit
 * immediate shifted by 12.  AUIPC+JALR: the AUIPC part rounds to the
 * nearest 4 KiB and the JALR part adds a signed 12-bit remainder, so the
 * reach is shifted down by 2 KiB from AUIPC's.
 */
#define RV_JAL_MIN		(-(1L << 20))
#define RV_JAL_MAX		((1L << 20) - 2)
#define RV_IMM12_MIN		(-2048L)
#define RV_IMM12_MAX		2047L
#define RV_AUIPC_MIN		(-(1L << 31))
#define RV_AUIPC_MAX		((1L << 31) - (1L << 12))
#define RV_PAIR_MIN		(-(1L << 31) - (1L << 11))
#define RV_PAIR_MAX		((1L << 31) - (1L << 11) - 1)

int rv_encode_nop(uint8_t *buf);
int rv_encode_c_nop(uint8_t *buf);
int rv_encode_ebreak(uint8_t *buf);
int rv_encode_c_ebreak(uint8_t *buf);
int rv_encode_jal(uint8_t *buf, unsigned int rd, uintptr_t pc,
		  uintptr_t target);
int rv_encode_jalr(uint8_t *buf, unsigned int rd, unsigned int rs1,
		   intptr_t imm12);
/* @off is the pc-relative offset AUIPC adds: a multiple of 4096. */
int rv_encode_auipc(uint8_t *buf, unsigned int rd, intptr_t off);
/*
 * AUIPC @tmp_rs; JALR @link_rd, lo(@tmp_rs): a call (@link_rd = ra or t0)
 * or a tail jump (@link_rd = x0) to anywhere in RV_PAIR_MIN..RV_PAIR_MAX
 * of @pc.  @tmp_rs must not be x0, whose AUIPC result is discarded.
 */
int rv_encode_auipc_jalr(uint8_t *buf, unsigned int link_rd,
			 unsigned int tmp_rs, uintptr_t pc, uintptr_t target);

/*
 * Length of the instruction whose first 16-bit parcel is @parcel: 4 when
 * the low two bits are 11, else 2.  -EINVAL for the 48-bit-and-longer
 * encodings (low five bits 11111), which textpoke never writes.
 */
int rv_insn_length(uint16_t parcel);

#endif /* ASM_RISCV_INSN_H */
