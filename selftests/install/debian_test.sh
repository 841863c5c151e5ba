#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packaging against the tree, so that an ABI change cannot go
# unnoticed: debian/libtextpoke0.symbols lists exactly the functions the
# public headers mark TP_EXPORT (scripts/exports.sh), each in the version
# node of the linker script made from them, plus the node itself; with
# TP_LIB (a built libtextpoke.so), exactly its dynamic symbols too.  The
# package names carry the SONAME's version, and debian/changelog the
# Makefile's VERSION.  Exits 0 when all hold; one "ok" line per check.
set -u
cd "$(dirname "$0")/../.." || exit 1
fails=0
symbols=debian/libtextpoke0.symbols

verdict() {	# verdict DESCRIPTION STATUS [DETAIL]
	if [ "$2" = 0 ]; then
		echo "ok $1"
	else
		echo "not ok $1"
		[ -n "${3:-}" ] && sed 's/^/    /' <<<"$3"
		fails=$((fails + 1))
	fi
}
same() {	# same DESCRIPTION WANT GOT: two lists, as a diff when they differ
	local d
	d=$(diff <(printf '%s\n' "$2") <(printf '%s\n' "$3"))
	verdict "$1" $? "$d"
}

make_var() { sed -n "s/^$1[[:space:]]*:= *//p" Makefile; }
version=$(make_var VERSION)
soversion=$(make_var SOVERSION)

api=$(scripts/exports.sh include/textpoke/*.h)
node=$(scripts/exports.sh --version-script include/textpoke/*.h | sed -n '1s/ {$//p')
verdict "the version script names its node ($node)" "$([ -n "$node" ]; echo $?)"

head=$(head -n1 "$symbols")
same "$symbols is for libtextpoke.so.$soversion in libtextpoke$soversion" \
	"libtextpoke.so.$soversion libtextpoke$soversion #MINVER#" "$head"
entries=$(sed -n 's/^ \([^ ]*\) .*/\1/p' "$symbols" | sort)
same "$symbols: every symbol in node $node" \
	"$(sed "s/@.*/@$node/" <<<"$entries")" "$entries"
same "$symbols: the node itself" "$node@$node" "$(grep -x "$node@.*" <<<"$entries")"
same "$symbols: exactly the TP_EXPORT functions of include/textpoke/" \
	"$api" "$(grep -vx "$node@.*" <<<"$entries" | sed 's/@.*//')"

if [ -n "${TP_LIB:-}" ]; then
	dynamic=$(nm -D --defined-only "$TP_LIB" | awk '{ print $3 }' |
		sed "s/@@/@/; s/^$node\$/$node@$node/" | sort)
	same "$symbols: exactly the dynamic symbols of $(basename "$TP_LIB")" \
		"$entries" "$dynamic"
fi

same "debian/changelog: the Makefile's version" "$version" \
	"$(sed -n '1s/^textpoke (\([^)]*\)).*/\1/p' debian/changelog)"
same "debian/control: libtextpoke$soversion" "libtextpoke$soversion" \
	"$(sed -n 's/^Package: \(libtextpoke[0-9]\+\)$/\1/p' debian/control)"

[ "$fails" = 0 ]
