// SPDX-License-Identifier: GPL-2.0
/*
 * LeakSanitizer's suppression for the fuzz targets that decode with
 * OpenCSD.  OpenCSD 1.3.3 never frees the element callback's connector
 * (see tp-decode.c).  Its libraries have no frame pointers, so the stack
 * of that allocation ends in libstdc++'s operator new; in these programs
 * only OpenCSD allocates with it (the slow unwinder would name the
 * function, at a third of the speed).
 */
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libstdc++.so\n";
}
