// SPDX-License-Identifier: GPL-2.0
/*
 * The keys the re-entry tests change, with their sites; built without
 * the ftrace_cflags (a key's NOP right after a function's patchable
 * entry would read as one longer entry to textpoke-sites).
 */
#include "callees.h"

extern const struct tp_jump_entry __start___tp_jump_table[]
	__attribute__((visibility("hidden")));
extern const struct tp_jump_entry __stop___tp_jump_table[]
	__attribute__((visibility("hidden")));

TP_DEFINE_STATIC_KEY_FALSE(callee_key);
TP_DEFINE_STATIC_KEY_FALSE(callee_key_off);
TP_DEFINE_STATIC_KEY_TRUE(callee_key_on);

__attribute__((noinline)) int callee_branches(void)
{
	int bits = 0;

	if (tp_static_branch_unlikely(&callee_key))
		bits |= 1;
	if (tp_static_branch_unlikely(&callee_key_off))
		bits |= 2;
	if (tp_static_branch_likely(&callee_key_on))
		bits |= 4;
	return bits;
}

int callees_table_register(void)
{
	return tp_jump_table_register(__start___tp_jump_table, __stop___tp_jump_table);
}

int callees_table_unregister(void)
{
	return tp_jump_table_unregister(__start___tp_jump_table);
}
