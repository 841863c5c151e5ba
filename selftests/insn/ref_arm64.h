/* SPDX-License-Identifier: GPL-2.0 */
/*
 * arm64 reference kinds beyond ref.h's: the fixed words that are not NOPs,
 * the indirect branches and the loads.  The registers of a form ride in
 * the kind's upper bytes, so the one INSN_REF table holds them all:
 * REF_A64(kind,rt,rn), with no spaces since it is a macro argument.
 * For the loads the INSN_REF offset is the literal's offset from the
 * instruction (LDR literal) or the immediate (LDR, LDUR).
 */
#ifndef SELFTESTS_INSN_REF_ARM64_H
#define SELFTESTS_INSN_REF_ARM64_H

#include "ref.h"

#define REF_A64_MOV_X9_X30	16
#define REF_A64_BTI_C		17
#define REF_A64_BR		18	/* rn */
#define REF_A64_BLR		19	/* rn */
#define REF_A64_LDR_LIT		20	/* rt */
#define REF_A64_LDR_IMM		21	/* rt, rn */
#define REF_A64_LDUR		22	/* rt, rn */

#define REF_A64(kind,rt,rn)	((kind)|((rt)<<8)|((rn)<<16))

#define REF_KIND(k)		((k) & 0xff)
#define REF_RT(k)		(((k) >> 8) & 0xff)
#define REF_RN(k)		(((k) >> 16) & 0xff)

#endif /* SELFTESTS_INSN_REF_ARM64_H */
