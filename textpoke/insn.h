/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The instructions textpoke writes, seen arch-neutrally.
 *
 * The engine never interprets instruction bytes itself: it asks the arch
 * layer to decode what it is about to write (to check lengths, to decide
 * which backend may do the transition, and to know what a trapping thread
 * must execute instead).  Only the forms the library itself writes are
 * decoded; anything else is INSN_UNKNOWN and is refused by the engine.
 */
#ifndef TEXTPOKE_INSN_H
#define TEXTPOKE_INSN_H

#include <stddef.h>
#include <stdint.h>

enum insn_kind {
	INSN_UNKNOWN = 0,
	INSN_NOP,		/* any NOP form of any length */
	INSN_JUMP,		/* pc-relative jump, no link */
	INSN_CALL,		/* pc-relative call: pushes or links the return */
	INSN_TRAP,		/* the arch breakpoint instruction */
	INSN_INDIRECT,		/* register-indirect jump or call (riscv JALR) */
	INSN_OTHER,		/* recognised, not a control transfer (arm64 MOV
				 * X9,X30, BTI C, loads; riscv AUIPC) */
};

struct insn {
	enum insn_kind kind;
	unsigned int len;	/* bytes */
	uintptr_t target;	/* INSN_JUMP, INSN_CALL: absolute destination */
	/* INSN_INDIRECT and INSN_OTHER register forms */
	unsigned int rd;	/* link (riscv JALR) or destination register */
	unsigned int rs;	/* base register */
	intptr_t imm;		/* immediate (riscv JALR/AUIPC offset) */
};

#endif /* TEXTPOKE_INSN_H */
