/* SPDX-License-Identifier: GPL-2.0 */
/* arm64: traced functions that sign their return addresses (traced_pac_arm64.c). */
#ifndef SELFTESTS_FGRAPH_TRACED_PAC_ARM64_H
#define SELFTESTS_FGRAPH_TRACED_PAC_ARM64_H

#include "../traced_attr.h"

/* As fg_bt_outer and fg_bt_inner (traced.h), with a buffer always. */
TRACED int fg_pac_outer(void **buf, int max);
TRACED int fg_pac_inner(void **buf, int max);

#endif /* SELFTESTS_FGRAPH_TRACED_PAC_ARM64_H */
