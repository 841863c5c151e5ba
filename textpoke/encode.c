// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The public encoders: so that a program can build the bytes of a site of
 * its own (a jump to a fixed version, a call to a hook) without knowing
 * the architecture's encodings.
 */
#include <errno.h>

#include <textpoke/textpoke.h>

#include "arch.h"

int tp_encode_nop(void *buf, size_t len)
{
	return buf ? arch_encode_nop(buf, len) : -EINVAL;
}

int tp_encode_jump(void *buf, const void *addr, const void *target, size_t len)
{
	if (!buf)
		return -EINVAL;
	return arch_encode_jump(buf, (uintptr_t)addr, (uintptr_t)target, len);
}

int tp_encode_call(void *buf, const void *addr, const void *target)
{
	if (!buf)
		return -EINVAL;
	return arch_encode_call(buf, (uintptr_t)addr, (uintptr_t)target);
}
