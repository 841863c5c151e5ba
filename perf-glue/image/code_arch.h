/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the code image asks of a traced architecture, answered by that
 * architecture's own code: arch/<arch>/tools/image.c points at its
 * arch_* hooks, built for the host under a prefixed name
 * (perf-glue/Makefile.inc), so that every architecture is in one program
 * and nothing outside arch/ knows an instruction encoding.
 */
#ifndef PERF_GLUE_CODE_ARCH_H
#define PERF_GLUE_CODE_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct code_arch {
	uint16_t machine;		/* ELF e_machine */
	/*
	 * arch_trap_insn() of textpoke/arch.h: the trap the breakpoint
	 * backend writes first at the @len-byte site at @addr, and its length.
	 */
	size_t (*trap_insn)(uint8_t *buf, uintptr_t addr, size_t len);
	/*
	 * The target of the direct (pc-relative) branch of @len bytes @insn
	 * at @pc; false for any other instruction.  NULL where no decoder
	 * asks (x86 only: Intel PT's TIP.PGD after a direct branch).
	 */
	bool (*direct_branch_target)(const uint8_t *insn, size_t len, uint64_t pc,
				     uint64_t *target);
};

/*
 * In the decoders' archive each arch's objects are one, whose other
 * symbols are local (perf-glue/Makefile.inc): a program may link the
 * archive and an arch's insn.c both.
 */
#define CODE_ARCH_API	__attribute__((visibility("default")))

extern const struct code_arch code_arch_x86 CODE_ARCH_API;
extern const struct code_arch code_arch_arm64 CODE_ARCH_API;
extern const struct code_arch code_arch_riscv CODE_ARCH_API;

/* The architecture of ELF machine @machine, or NULL for one textpoke does not run on. */
const struct code_arch *code_arch_of(uint16_t machine);

#endif /* PERF_GLUE_CODE_ARCH_H */
