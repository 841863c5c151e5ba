// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded fuzz of the arch's instruction decoder, shared by the three
 * arch files (each calls it from one test).  The inputs are the
 * assembler's reference instructions (ref_<arch>.S) with a few bits or
 * bytes changed, cut short or grown, and plain random bytes; each sits
 * in a heap buffer of exactly its size, so that a read past it is a real
 * overread for ASan.  What must hold for every input: the decoder says
 * -EINVAL, or a length within what it was given and at most
 * TP_MAX_INSN_LEN with a kind it knows, and the library's own encoder
 * agrees with every jump and call it reports (encoder_agrees()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <textpoke/textpoke.h>

#include "../../textpoke/arch.h"
#include "ref.h"
#include "fuzz.h"

/* xorshift32: the same inputs on every run for one seed. */
static uint32_t next_random(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

/* One input into @buf; returns its length (1 .. TP_MAX_INSN_LEN). */
static size_t make_input(uint8_t *buf, uint32_t *rnd)
{
	size_t nr_refs = insn_refs_end - insn_refs, len, i;
	const struct insn_ref *r;
	int changes;

	if (!nr_refs || next_random(rnd) % 8 == 0) {
		len = 1 + next_random(rnd) % TP_MAX_INSN_LEN;
		for (i = 0; i < len; i++)
			buf[i] = next_random(rnd);
		return len;
	}
	r = &insn_refs[next_random(rnd) % nr_refs];
	len = r->len;
	memcpy(buf, r->code, len);
	switch (next_random(rnd) % 4) {
	case 0:		/* cut short */
		if (len > 1)
			len = 1 + next_random(rnd) % (len - 1);
		break;
	case 1:		/* random bytes behind it */
		while (len < TP_MAX_INSN_LEN && next_random(rnd) % 2)
			buf[len++] = next_random(rnd);
		break;
	}
	for (changes = next_random(rnd) % 3; changes; changes--) {
		i = next_random(rnd) % len;
		if (next_random(rnd) % 2)
			buf[i] ^= 1u << (next_random(rnd) % 8);
		else
			buf[i] = next_random(rnd);
	}
	return len;
}

/*
 * Whether the library's encoder agrees with what was decoded: a jump is
 * byte for byte the one it writes for that target; a call's target
 * survives encoding and decoding again (riscv decodes JAL with any link
 * register as a call, and emulates it with that register, while the
 * encoder always links in ra).
 */
static bool encoder_agrees(const uint8_t *code, uintptr_t pc, const struct insn *insn)
{
	uint8_t again[TP_MAX_INSN_LEN];
	struct insn back;
	int len;

	if (insn->kind == INSN_JUMP) {
		len = arch_encode_jump(again, pc, insn->target, insn->len);
		return len == (int)insn->len && !memcmp(again, code, insn->len);
	}
	len = arch_encode_call(again, pc, insn->target);
	return len > 0 && arch_insn_decode(again, len, pc, &back) == len &&
	       back.kind == INSN_CALL && back.target == insn->target;
}

/*
 * What the breakpoint handler does with a decoded instruction, on a
 * context of its own: the PC goes where the instruction would have taken
 * it, and a call leaves the return address where the arch puts it (x86-64
 * pushed below RSP, arm64 in X30, riscv64 in the link register it names).
 */
static bool emulation_agrees(uintptr_t pc, const struct insn *insn)
{
	uintptr_t want = insn->kind == INSN_NOP ? pc + insn->len : insn->target;
	ucontext_t uc;
#if defined(__x86_64__)
	uintptr_t stack[4] = { 0 };

	memset(&uc, 0, sizeof(uc));
	uc.uc_mcontext.gregs[REG_RSP] = (greg_t)&stack[2];
#else
	memset(&uc, 0, sizeof(uc));
#endif
	arch_context_set_pc(&uc, pc);
	arch_emulate(&uc, pc, insn);
	if (arch_context_pc(&uc) != want)
		return false;
	if (insn->kind != INSN_CALL)
		return true;
#if defined(__x86_64__)
	return uc.uc_mcontext.gregs[REG_RSP] == (greg_t)&stack[1] && stack[1] == pc + insn->len;
#elif defined(__aarch64__)
	return uc.uc_mcontext.regs[30] == pc + insn->len;
#elif defined(__riscv)
	return !insn->rd || uc.uc_mcontext.__gregs[insn->rd] == pc + insn->len;
#else
	return true;
#endif
}

int insn_fuzz(unsigned long cases, uint32_t seed, struct insn_fuzz_result *res)
{
	uint32_t rnd = seed ? seed : 1;
	unsigned long n;

	memset(res, 0, sizeof(*res));
	for (n = 0; n < cases; n++) {
		uint8_t input[TP_MAX_INSN_LEN], *code;
		/* an aligned pc anywhere in a 47-bit address space */
		uintptr_t pc = ((uintptr_t)next_random(&rnd) << 15 ^ next_random(&rnd)) &
			       ~(uintptr_t)(arch_insn_alignment() - 1) & ((1ul << 47) - 1);
		size_t len = make_input(input, &rnd);
		struct insn insn;
		int ret;

		code = malloc(len);
		if (!code)
			return -ENOMEM;
		memcpy(code, input, len);
		memset(&insn, 0, sizeof(insn));
		ret = arch_insn_decode(code, len, pc, &insn);
		res->cases++;
		if (ret == -EINVAL) {
			free(code);
			continue;
		}
		res->decoded++;
		if (ret < 1 || (size_t)ret > len || ret > TP_MAX_INSN_LEN ||
		    insn.len != (unsigned int)ret || insn.kind == INSN_UNKNOWN ||
		    ((insn.kind == INSN_JUMP || insn.kind == INSN_CALL) &&
		     !encoder_agrees(code, pc, &insn)) ||
		    ((insn.kind == INSN_NOP || insn.kind == INSN_JUMP || insn.kind == INSN_CALL) &&
		     !emulation_agrees(pc, &insn))) {
			if (!res->bad++) {
				memcpy(res->first_bad, input, len);
				res->first_bad_len = len;
				res->first_bad_ret = ret;
			}
		}
		free(code);
	}
	return 0;
}

/*
 * arch_insn_form_mask() of each reference instruction: every word with
 * the masked bits equal and random others decodes to the same kind and
 * length (what the toggle lane takes from one decode for a batch).
 * Returns the instructions with a form, or -1 at the first word that
 * breaks it (*@bad).
 */
int insn_form_check(unsigned long tries, uint32_t seed, uint64_t *bad)
{
	uint32_t rnd = seed;
	int forms = 0;

	for_each_insn_ref(r) {
		uintptr_t pc = (uintptr_t)r->code;
		uint64_t word = 0, mask;
		struct insn insn, other;
		unsigned long i;

		if (r->len > sizeof(word) || arch_insn_decode(r->code, r->len, pc, &insn) != (int)r->len)
			continue;
		memcpy(&word, r->code, r->len);
		mask = arch_insn_form_mask(word, r->len);
		if (!~mask)
			continue;
		forms++;
		for (i = 0; i < tries; i++) {
			uint64_t v = (uint64_t)next_random(&rnd) << 32 | next_random(&rnd);
			uint64_t w = (word & mask) | (v & ~mask);

			if (r->len < sizeof(w))
				w &= (1ull << (8 * r->len)) - 1;
			if (arch_insn_decode(&w, r->len, pc, &other) != (int)r->len ||
			    other.kind != insn.kind || other.len != insn.len) {
				*bad = w;
				return -1;
			}
		}
	}
	return forms;
}
