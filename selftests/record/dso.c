// SPDX-License-Identifier: GPL-2.0
/* The shared object prog.c dlopen()s: traced functions of its own. */
__attribute__((noinline)) int dso_leaf(int x)
{
	return x * 7;
}

int dso_entry(int x)
{
	return dso_leaf(x) + 1;
}
