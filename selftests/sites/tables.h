/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assembler macros for hand-made site tables, laid out as the compiler
 * (__patchable_function_entries, __mcount_loc: absolute addresses) and
 * textpoke's static keys (__tp_jump_table: 16-byte self-relative
 * entries) lay them out.  Functions are local: a shared object may then
 * refer to them PC-relatively.
 */
	.macro func name
	.type	\name, @function
\name:
	.endm

	.macro endfunc name
	.size	\name, . - \name
	.endm

	.macro object name, value
	.balign	8
	.type	\name, @object
\name:	.quad	\value
	.size	\name, 8
	.endm

	.macro pfe_entry addr
	.pushsection __patchable_function_entries, "aw", @progbits
	.balign	8
	.quad	\addr
	.popsection
	.endm

	.macro mcount_entry addr
	.pushsection __mcount_loc, "aw", @progbits
	.balign	8
	.quad	\addr
	.popsection
	.endm

/* flags: 1 branch (jump when enabled XOR branch), 2 assembled as a jump */
	.macro jump_entry code, target, slot, flags
	.pushsection __tp_jump_table, "aw", @progbits
	.balign	8
	.long	\code - .
	.long	\target - .
	.quad	\slot - . + \flags
	.popsection
	.endm

/* A key and the slot (relocated at load) that a table entry refers to. */
	.macro key_and_slot key, slot
	.pushsection .data, "aw", @progbits
	object	\key, 0
	.popsection
	.pushsection .data.rel.ro, "aw", @progbits
	object	\slot, \key
	.popsection
	.endm

/* The keys of the good_<arch>.S fixtures, and of the broken ones. */
	.macro good_keys
	key_and_slot key_a, slot_a
	key_and_slot key_b, slot_b
	.endm

	.macro bad_keys_and_data
	key_and_slot key, slot
	.pushsection .data, "aw", @progbits
	object	data_pfe, 0
	object	data_jump, 0
	.popsection
	.endm

/*
 * The four sites of key_user in good_<arch>.S, labelled 1 to 4, all
 * jumping to 5: NOP, NOP with the branch flag, jump, jump with it.
 */
	.macro key_user_table
	jump_entry 1b, 5b, slot_a, 0
	jump_entry 2b, 5b, slot_a, 1
	jump_entry 3b, 5b, slot_b, 2
	jump_entry 4b, 5b, slot_b, 3
	.endm

#ifdef __riscv
/* Static-branch sites are never compressed. */
	.macro norvc insn:vararg
	.option	push
	.option	norvc
	\insn
	.option	pop
	.endm
#endif
