/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where a process's libc is and where its dynamic-loading functions are
 * in it: from /proc/PID/maps and the dynamic symbols of the very file
 * mapped (device and inode checked).
 */
#ifndef TP_TARGET_LIBC_H
#define TP_TARGET_LIBC_H

#include <stddef.h>
#include <sys/types.h>

struct target_libc {
	char path[4200];
	unsigned long base;		/* load address of the object */
	unsigned long dlopen, dlsym, dlclose, dlerror;	/* run-time addresses */
	unsigned long getenv, setenv, unsetenv;
};

/*
 * 0, or -ENOENT (no libc.so.6 mapped), -ESTALE (the file mapped was
 * replaced on disk), -ENOEXEC (not an ELF file this can read),
 * -EOPNOTSUPP (no dlopen in it: glibc older than 2.34), an errno of
 * reading /proc.  @why says which in words.
 */
int target_libc_find(pid_t pid, struct target_libc *libc, const char **why);

/* Whether a file named @name (its basename) is mapped into @pid. */
int target_maps_have(pid_t pid, const char *name);

/* The value of dynamic symbol @name of ELF file @path, or 0. */
unsigned long elf_dynsym(const char *path, const char *name);

#endif /* TP_TARGET_LIBC_H */
