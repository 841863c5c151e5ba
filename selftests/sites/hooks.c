// SPDX-License-Identifier: GPL-2.0
/*
 * The profiling hooks that -pg code calls, for the fixtures linked as
 * executables without a C library; hidden, so that the linker may turn
 * the calls into direct ones (and, on riscv, relax them).
 */
#define HOOK __attribute__((visibility("hidden"), used))

HOOK void __fentry__(void)
{
}

HOOK void _mcount(void)
{
}
