#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   recordmcount.sh OUT.o SRC.c CC [CFLAGS...]
#
# Builds SRC.c with -pg and adds an __mcount_loc table the way the
# kernel's recordmcount does for arm64 and riscv, whose compilers record
# nothing: from the object's relocations of the calls to _mcount, as
# offsets into .text.  Those offsets are right in the object; linker
# relaxation (riscv) moves the code after them, not the numbers.
set -euo pipefail
out=$1 src=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$@" -pg -S "$src" -o "$tmp/a.s"
"$@" -c "$tmp/a.s" -o "$tmp/a.o"
{
	cat "$tmp/a.s"
	echo '	.section __mcount_loc, "aw", @progbits'
	echo '	.balign 8'
	readelf -rW "$tmp/a.o" | awk '$3 ~ /^R_(RISCV_CALL|RISCV_CALL_PLT|AARCH64_CALL26)$/ &&
		$5 ~ /^_?mcount$/ { print "\t.quad .text + 0x" $1 }'
} > "$tmp/b.s"
"$@" -c "$tmp/b.s" -o "$out"
