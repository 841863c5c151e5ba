#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Every public header compiles alone, with every architecture's asm
# headers: as C++ (g++ and clang++, C++11 to C++20) and as ISO C11
# (gcc and clang, -pedantic), -Wall -Wextra -Werror.  One "ok" line per
# header, compiler and standard; exits 0 only when all compile.
set -u
cd "$(dirname "$0")/../.."

fails=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

try() {	# try WHAT COMPILER-COMMAND...
	local what=$1
	shift
	if "$@" >"$out" 2>&1; then
		echo "ok $what"
	else
		echo "not ok $what"
		sed 's/^/    /' "$out" | head -n 8
		fails=$((fails + 1))
	fi
}

for arch in x86 arm64 riscv; do
	for header in include/textpoke/*.h; do
		name=textpoke/$(basename "$header")
		flags=(-Wall -Wextra -Werror -Iinclude -Iarch/$arch/include -fsyntax-only)
		for cxx in g++ clang++; do
			for std in c++11 c++14 c++17 c++20; do
				try "$arch $name $cxx -std=$std" \
					$cxx -std=$std -pedantic "${flags[@]}" -x c++ - <<<"#include <$name>"
			done
		done
		for cc in gcc clang; do
			try "$arch $name $cc -std=c11 -pedantic" \
				$cc -std=c11 -pedantic "${flags[@]}" -x c - <<<"#include <$name>"
		done
	done
done
echo "# $fails failed"
[ "$fails" = 0 ]
