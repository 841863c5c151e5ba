/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A shared object the Intel PT tests' recording maps beside the program:
 * a stand-in for the library's SIGTRAP handler, which a core tracing all
 * user code follows after a trap.  MOV, RET: PATH_HANDLER_BYTES.
 */
	.text
	.globl	pt_fake_handler
	.type	pt_fake_handler, @function
pt_fake_handler:
	movl	$3, %eax
	ret
	.size	pt_fake_handler, . - pt_fake_handler
	.if	. - pt_fake_handler != 6
	.error	"pt_fake_handler is not PATH_HANDLER_BYTES long"
	.endif
	.section .note.GNU-stack, "", @progbits
