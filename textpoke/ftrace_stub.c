// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Function-entry tracing built out (CONFIG_FTRACE=n): the same API, and
 * every call says so.
 */
#include <errno.h>

#include <textpoke/ftrace.h>

int tp_ftrace_set_filter(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	(void)ops, (void)glob, (void)reset;
	return -ENOSYS;
}

int tp_ftrace_set_notrace(struct tp_ftrace_ops *ops, const char *glob, int reset)
{
	(void)ops, (void)glob, (void)reset;
	return -ENOSYS;
}

int tp_ftrace_free_filter(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

int tp_register_ftrace_function(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

int tp_unregister_ftrace_function(struct tp_ftrace_ops *ops)
{
	(void)ops;
	return -ENOSYS;
}

unsigned long tp_ftrace_regs_get_argument(const struct tp_ftrace_regs *regs,
					  unsigned int n)
{
	(void)regs, (void)n;
	return 0;
}

long tp_ftrace_count_functions(const char *glob)
{
	(void)glob;
	return -ENOSYS;
}
