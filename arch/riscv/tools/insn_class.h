/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RISC-V instructions by the classes a branch-trace decoder must tell
 * apart (the E-Trace specification's decoder chapter): conditional
 * branches, inferable and uninferable jumps, trap returns and the
 * environment traps, RV64 with the C extension.  Built for the host into
 * the decoders' archive (perf-glue/Makefile.inc), where these functions
 * are all that arch/riscv shows: the rest of its code stays inside, so
 * that a program may link the archive and arch/riscv/insn.c both.
 */
#ifndef ARCH_RISCV_TOOLS_INSN_CLASS_H
#define ARCH_RISCV_TOOLS_INSN_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#define RV_INSN_CLASS_API	__attribute__((visibility("default")))

enum rv_class_kind {
	RV_CLASS_SEQUENTIAL,
	RV_CLASS_BRANCH,		/* conditional: BEQ..BGEU, C.BEQZ, C.BNEZ */
	RV_CLASS_DIRECT_JUMP,		/* JAL, C.J, JALR with rs1 = x0 */
	RV_CLASS_INDIRECT_JUMP,		/* JALR, C.JR, C.JALR */
	RV_CLASS_TRAP_RETURN,		/* MRET, SRET */
	RV_CLASS_ENV_TRAP,		/* ECALL, EBREAK, C.EBREAK */
};

/* What a sequentially inferable jump (E-Trace's sijump option) builds on. */
enum rv_upper_kind {
	RV_UPPER_NONE,
	RV_UPPER_LUI,			/* LUI, C.LUI: rd = imm */
	RV_UPPER_AUIPC,			/* AUIPC: rd = pc + imm */
};

struct rv_insn_class {
	enum rv_class_kind kind;
	unsigned int len;
	int64_t imm;			/* branch and jump offsets, JALR's, upper immediates */
	bool absolute;			/* JALR x0: imm is the target */
	enum rv_upper_kind upper;
	unsigned int rd, rs1;		/* of jumps and upper immediates */
};

/*
 * The length of the instruction whose first 16-bit parcel is @parcel:
 * the library's rv_insn_length() (asm/insn.h), 2 or 4, or -EINVAL for
 * the 48-bit and longer encodings.
 */
RV_INSN_CLASS_API int rv_insn_class_length(uint16_t parcel);

/*
 * Classify the @len-byte instruction at @bytes, @len being what
 * rv_insn_class_length() said of its first parcel.  Anything this does
 * not name is sequential.
 */
RV_INSN_CLASS_API void rv_insn_classify(const uint8_t *bytes, unsigned int len,
					struct rv_insn_class *insn);

/* Where a taken branch or direct jump at @pc goes. */
RV_INSN_CLASS_API uint64_t rv_insn_class_target(const struct rv_insn_class *insn, uint64_t pc);

#endif /* ARCH_RISCV_TOOLS_INSN_CLASS_H */
