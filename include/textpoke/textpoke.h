/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * textpoke: change the machine code of this running, multi-threaded
 * process safely, and tell trace decoders when each change happened.
 *
 * Errors are negative errno values; tp_strerror() says what each means
 * for a poke.  No call leaves text half-changed: an error means the text
 * is exactly as it was.
 */
#ifndef TEXTPOKE_TEXTPOKE_H
#define TEXTPOKE_TEXTPOKE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#define TP_EXPORT __attribute__((visibility("default")))

/* The longest change one site may make, in bytes. */
#define TP_MAX_INSN_LEN 16

/*
 * How a change reaches the text while other threads may execute it.
 *
 * TP_BACKEND_NOSYNC: one aligned store of one whole instruction, for the
 *	transitions the architecture guarantees (arm64 CMODX set, riscv
 *	aligned 4-byte words).  Never on x86: -EINVAL.
 * TP_BACKEND_BREAKPOINT: the trap instruction first; a thread reaching the
 *	site meanwhile traps and textpoke's SIGTRAP handler executes the new
 *	instruction for it.  The old bytes must be one instruction and the
 *	new one must be one the arch can emulate (NOP, jump, call).
 * TP_BACKEND_STOP_MACHINE: every other thread is parked in a signal
 *	handler, outside the changed ranges, while the bytes are written.
 *	Any valid change; costs a signal round trip per thread.
 * TP_BACKEND_AUTO: the cheapest of the three that can do every site.
 */
enum tp_backend {
	TP_BACKEND_AUTO = 0,
	TP_BACKEND_NOSYNC,
	TP_BACKEND_BREAKPOINT,
	TP_BACKEND_STOP_MACHINE,
};

/*
 * How the bytes are stored into read-execute pages.
 *
 * TP_WRITER_MPROTECT: the page runs of a batch are made RWX for the
 *	duration of the batch (PROT_EXEC is never dropped).
 * TP_WRITER_PROC_MEM: pwrite() to /proc/self/mem, no permission change.
 *	Not single-copy atomic: only x86 breakpoint and stop_machine use it.
 *	A write can fail: a breakpoint site it leaves trapped stays emulated
 *	until a later poke finishes it (docs/engine.md, "Writers").
 * TP_WRITER_AUTO: mprotect, and /proc/self/mem where RWX is refused.
 */
enum tp_writer {
	TP_WRITER_AUTO = 0,
	TP_WRITER_MPROTECT,
	TP_WRITER_PROC_MEM,
};

/*
 * Set up the SIGTRAP handler, the park signal handler (tp_park_signal())
 * and the membarrier registration.  Every other call initialises on
 * first use.  A handler the program installed on those signals before
 * gets every one that is not textpoke's, as the kernel would deliver it;
 * one installed after replaces textpoke's, and the pokes that need it
 * fail with -EBUSY.  Returns 0, -EINVAL (TEXTPOKE_PARK_SIGNAL names no
 * real-time signal) or -errno; after an error (-ENOMEM) the next call
 * tries again.
 */
TP_EXPORT int tp_init(void);

/* Choose the text writer for later pokes.  -EINVAL for an unknown one. */
TP_EXPORT int tp_set_writer(enum tp_writer writer);

/*
 * Replace the @len bytes at @addr with @insn, which must be exactly one
 * instruction (or, for stop_machine, a sequence of whole instructions)
 * of @len bytes.  @expect, unless NULL, is the @len bytes that must be at
 * @addr now.  When tp_poke() returns 0 every thread executes the new
 * bytes; on error the text is unchanged.  Not async-signal-safe.
 *
 * Errors: -EINVAL (NULL, misaligned, @len not the instruction's length,
 * unknown instruction, transition the backend cannot make), -EFAULT (not
 * in a readable, executable mapping as the kernel maps it now: text the
 * application unmapped or re-protected is refused, and its protection
 * left as it is), -EPERM (textpoke's own text or code its signal
 * handlers run: libc, liburcu, the dynamic linker, a sanitizer's
 * runtime), -EILSEQ (@expect differs), -EBUSY (the signals the backend
 * needs are not textpoke's now: breakpoint while another SIGTRAP handler
 * replaced textpoke's, a thread blocks SIGTRAP or a debugger traces the
 * process; stop_machine, and the others where cross-core syncs are
 * signal rounds, while the application has taken the park signal, see
 * tp_park_signal(); or the site is one a failed /proc/self/mem write
 * left trapped, which could not be finished yet), -ETIMEDOUT (a thread
 * did not park), -EACCES (no writer can write this text), -EIO or the
 * errno of pwrite() (a write through /proc/self/mem failed; what was
 * written is taken back), -ENOMEM.
 */
TP_EXPORT int tp_poke(void *addr, const void *expect, const void *insn,
		      size_t len, enum tp_backend backend);

/*
 * The real-time signal that parks threads for stop_machine (and makes
 * the cross-core syncs on kernels without membarrier SYNC_CORE):
 * SIGRTMIN+3 (37 with glibc) unless TEXTPOKE_PARK_SIGNAL, read when the
 * library initialises, names another: "SIGRTMIN+n", "SIGRTMAX-n" or its
 * number; one that names no real-time signal makes tp_init() fail with
 * -EINVAL.  The application must not install a handler on it or ignore
 * it after textpoke (the pokes that need it then fail with -EBUSY); a
 * handler installed before gets the signals that are not textpoke's.
 * Under gdb: "handle SIG37 nostop noprint pass" (SIG<number>).
 *
 * tp_park_signal() returns its number, or what tp_init() returned.
 * tp_set_park_signal() moves it to @sig (from SIGRTMIN to SIGRTMAX): the
 * old one gets back the disposition it had before textpoke, the same
 * one puts textpoke's handler back.  Errors: -EINVAL (not a real-time
 * signal), -EDEADLK (from an event callback), or tp_init()'s.
 */
TP_EXPORT int tp_park_signal(void);
TP_EXPORT int tp_set_park_signal(int sig);

/*
 * A batch: any number of sites changed by one run of one protocol (one
 * set of cross-core syncs for all of them).  Sites may not overlap.
 * tp_batch_add() checks what it can without the text (NULL, alignment,
 * length, decoding) and copies the bytes; tp_batch_commit() checks the
 * rest, then writes all sites or none.  A batch can be committed once;
 * free it with tp_batch_free() in any case.
 */
struct tp_batch;

TP_EXPORT struct tp_batch *tp_batch_new(void);
TP_EXPORT int tp_batch_add(struct tp_batch *batch, void *addr,
			   const void *expect, const void *insn, size_t len);
TP_EXPORT int tp_batch_commit(struct tp_batch *batch, enum tp_backend backend);
TP_EXPORT void tp_batch_free(struct tp_batch *batch);

/*
 * The instructions of this architecture that sites are made of, encoded
 * for an instruction at @addr into @buf (at least TP_MAX_INSN_LEN bytes).
 * They return the length written, or -EINVAL (length this architecture
 * has no such instruction of, misaligned address or target) or -ERANGE
 * (target out of reach); nothing is written on error.
 *
 * tp_encode_nop:  x86 1 to 8 bytes; arm64 4; riscv 4, or 2 (C.NOP)
 * tp_encode_jump: x86 2 (rel8) or 5 (rel32); arm64 4 (B); riscv 4 (JAL x0)
 * tp_encode_call: x86 CALL rel32; arm64 BL; riscv JAL ra
 */
TP_EXPORT int tp_encode_nop(void *buf, size_t len);
TP_EXPORT int tp_encode_jump(void *buf, const void *addr, const void *target,
			     size_t len);
TP_EXPORT int tp_encode_call(void *buf, const void *addr, const void *target);

/*
 * A short explanation of @err (a negative errno returned by textpoke) in
 * the context of patching text; an errno the library only passes on (of
 * open or write) gets the C library's description.  Any int is accepted
 * ("unknown error" for what is no errno).  Never NULL; the string is
 * static and async-signal-safe to read.
 */
TP_EXPORT const char *tp_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* TEXTPOKE_TEXTPOKE_H */
