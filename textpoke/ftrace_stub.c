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

int tp_register_ftrace_graph(struct tp_fgraph_ops *gops)
{
	(void)gops;
	return -ENOSYS;
}

int tp_unregister_ftrace_graph(struct tp_fgraph_ops *gops)
{
	(void)gops;
	return -ENOSYS;
}

unsigned long tp_ftrace_graph_skipped(void)
{
	return 0;
}

int tp_register_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	(void)ip, (void)tramp;
	return -ENOSYS;
}

int tp_modify_ftrace_direct(unsigned long ip, unsigned long old_tramp,
			    unsigned long new_tramp)
{
	(void)ip, (void)old_tramp, (void)new_tramp;
	return -ENOSYS;
}

int tp_unregister_ftrace_direct(unsigned long ip, unsigned long tramp)
{
	(void)ip, (void)tramp;
	return -ENOSYS;
}

int tp_ftrace_redirect(unsigned long old_fn, unsigned long new_fn)
{
	(void)old_fn, (void)new_fn;
	return -ENOSYS;
}

int tp_ftrace_unredirect(unsigned long old_fn)
{
	(void)old_fn;
	return -ENOSYS;
}

int tp_fgraph_record_start(const char *path, const char *glob)
{
	(void)path, (void)glob;
	return -ENOSYS;
}

int tp_fgraph_record_stop(void)
{
	return -ENOSYS;
}

int tp_ftrace_update_objects(void)
{
	return -ENOSYS;
}

int tp_ftrace_set_backend(enum tp_backend backend)
{
	(void)backend;
	return -ENOSYS;
}
