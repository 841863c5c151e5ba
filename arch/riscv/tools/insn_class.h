/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RISC-V instructions by the classes a branch-trace decoder must tell
 * apart (the E-Trace specification's decoder chapter): conditional
 * branches, inferable and uninferable jumps, trap returns and the
 * environment traps, RV64 with the C extension.  Built for the host with
 * the decoders (perf-glue/Makefile.inc); the instruction lengths are the
 * library's own (rv_insn_length() of asm/insn.h).
 */
#ifndef ARCH_RISCV_TOOLS_INSN_CLASS_H
#define ARCH_RISCV_TOOLS_INSN_CLASS_H

#include <stdbool.h>
#include <stdint.h>

#include "../include/asm/insn.h"

enum rv_class_kind {
	RV_CLASS_SEQUENTIAL,
	RV_CLASS_BRANCH,		/* conditional: BEQ..BGEU, C.BEQZ, C.BNEZ */
	RV_CLASS_DIRECT_JUMP,		/* JAL, C.J, JALR with rs1 = x0 */
	RV_CLASS_INDIRECT_JUMP,		/* JALR, C.JR, C.JALR */
	RV_CLASS_TRAP_RETURN,		/* MRET, SRET */
	RV_CLASS_ENV_TRAP,		/* ECALL, EBREAK, C.EBREAK */
};

struct rv_insn_class {
	enum rv_class_kind kind;
	unsigned int len;
	int64_t imm;			/* branch and jump offsets */
	bool absolute;			/* JALR x0: imm is the target */
};

/*
 * Classify the @len-byte instruction at @bytes: 4, or 2 for a compressed
 * one (what rv_insn_length() says of its first parcel).  Anything this
 * does not name is sequential.
 */
void rv_insn_classify(const uint8_t *bytes, unsigned int len, struct rv_insn_class *insn);

/* Where a taken branch or direct jump at @pc goes. */
uint64_t rv_insn_class_target(const struct rv_insn_class *insn, uint64_t pc);

#endif /* ARCH_RISCV_TOOLS_INSN_CLASS_H */
