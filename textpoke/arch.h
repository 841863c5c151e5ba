/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fixed set of questions the arch-neutral core asks the arch layer.
 * Each arch/<arch>/ implements all of them; the core never needs to know
 * which architecture it runs on.
 */
#ifndef TEXTPOKE_ARCH_H
#define TEXTPOKE_ARCH_H

#include <stddef.h>
#include <stdint.h>

#include "insn.h"

/*
 * Decode the instruction at @code (at most @avail bytes readable) as if it
 * sat at address @pc.  Returns its length in bytes and fills @out, or
 * -EINVAL for anything but the forms the library writes.
 */
int arch_insn_decode(const void *code, size_t avail, uintptr_t pc,
		     struct insn *out);

/* Alignment every instruction start must have on this arch, in bytes. */
size_t arch_insn_alignment(void);

#endif /* TEXTPOKE_ARCH_H */
