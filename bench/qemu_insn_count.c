// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A qemu TCG plugin that counts the guest instructions a program runs
 * and prints "insns N" to qemu's log when it exits (qemu -plugin
 * this.so -d plugin -D LOG): exact counts of emulated runs, for
 * bench/insn_per_call.sh.  Debian's qemu-user loads plugins but ships
 * none, nor the header: the few functions of qemu's plugin API used here
 * are declared below, as qemu documents them (API version 1, qemu 7.x
 * and later).
 *
 * Every translated block adds its number of instructions to one counter
 * each time it runs (an inline add: no call per block).  The counter is
 * shared by all vCPUs (threads) without atomicity: the benchmarks count
 * single-threaded calls.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_info_t;

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
};

size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    void (*cb)(qemu_plugin_id_t id, void *data),
				    void *data);
void qemu_plugin_outs(const char *string);

#define PLUGIN_EXPORT	__attribute__((visibility("default")))

PLUGIN_EXPORT extern int qemu_plugin_version;
PLUGIN_EXPORT int qemu_plugin_version = 1;

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
				      int argc, char **argv);

static uint64_t insns;

static void block_translated(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &insns,
						 qemu_plugin_tb_n_insns(tb));
}

static void program_exited(qemu_plugin_id_t id, void *data)
{
	char line[48];

	(void)id, (void)data;
	snprintf(line, sizeof(line), "insns %llu\n", (unsigned long long)insns);
	qemu_plugin_outs(line);
}

int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	(void)info, (void)argc, (void)argv;
	qemu_plugin_register_vcpu_tb_trans_cb(id, block_translated);
	qemu_plugin_register_atexit_cb(id, program_exited, NULL);
	return 0;
}
