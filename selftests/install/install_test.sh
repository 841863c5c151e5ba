#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make install as a packager runs it: DESTDIR staging, PREFIX=/usr and a
# multiarch LIBDIR.  The .pc file it writes must carry those directories
# (not the build's defaults); a program built with that .pc file alone
# (pkg-config with the staging root as its sysroot) must find the
# installed headers and library and run; every installed command must
# answer --version; make uninstall with the same variables must leave no
# file behind.  The older INCDIR still names the include directory.
#
# Environment: TP_O (the build's O, absolute), TP_ARCH (the native
# ARCH), TP_VERSION, and TP_SANITIZE (the build's SANITIZE, which a program linking its library
# needs too).  Exits 0 when all hold; one "ok" line per check.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
O=${TP_O:?set TP_O to the build directory}
arch=${TP_ARCH:?set TP_ARCH to the native ARCH}
version=${TP_VERSION:?set TP_VERSION to the library version}
cc=${CC:-gcc}
multiarch=$($cc -print-multiarch)
fails=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log=$scratch/log

ok() { echo "ok $1"; }
not_ok() {	# not_ok DESCRIPTION: report, with the log of the last step
	echo "not ok $1"
	[ -s "$log" ] && tail -n 20 "$log" | sed 's/^/    /'
	fails=$((fails + 1))
}
check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@" >"$log" 2>&1; then ok "$what"; else not_ok "$what"; fi
}
tp_make() {	# tp_make ARGS...: the tree's make for the native arch
	make -C "$src" --no-print-directory O="$O" ARCH="$arch" "$@"
}

# What remains under a root: files and links, not directories (the
# first few, and how many).
leftovers() {
	local n
	n=$(find "$1" ! -type d | wc -l)
	[ "$n" = 0 ] || echo "$n, such as $(find "$1" ! -type d | sort | head -n 3 | tr '\n' ' ')"
}

root=$scratch/root
dirs=(PREFIX=/usr LIBDIR=/usr/lib/$multiarch ARCHINCLUDEDIR=/usr/include/$multiarch)
check "make install DESTDIR= PREFIX=/usr LIBDIR=/usr/lib/$multiarch" \
	tp_make install DESTDIR="$root" "${dirs[@]}"

pcdir=$root/usr/lib/$multiarch/pkgconfig
pc() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$pcdir pkg-config "$@" textpoke; }
check "textpoke.pc in LIBDIR/pkgconfig" test -f "$pcdir/textpoke.pc"
check "textpoke.pc says prefix=/usr" grep -qx 'prefix=/usr' "$pcdir/textpoke.pc"
check "textpoke.pc: libdir is LIBDIR" \
	test "$(pc --variable=libdir)" = "$root/usr/lib/$multiarch"
check "textpoke.pc: archincludedir is ARCHINCLUDEDIR" \
	test "$(pc --variable=archincludedir)" = "$root/usr/include/$multiarch"
check "textpoke.pc: version $version" test "$(pc --modversion)" = "$version"
check "textpoke.pc: ftrace_cflags given" test -n "$(pc --variable=ftrace_cflags)"
check "the library's SONAME link" test -L "$root/usr/lib/$multiarch/libtextpoke.so.0"

# A user's program, from the installed files only (the tree's include/
# is not on its command line).
prog=$scratch/poke
sanitize=${TP_SANITIZE:+-fsanitize=$TP_SANITIZE}
# shellcheck disable=SC2046,SC2086
check "examples/poke.c builds with the installed textpoke.pc alone" \
	$cc -O2 $sanitize -o "$prog" "$src/examples/poke.c" $(pc --cflags --libs)
check "it runs against the installed libtextpoke.so.0" \
	env LD_LIBRARY_PATH="$root/usr/lib/$multiarch" "$prog"
check "it loaded the installed library" \
	sh -c "LD_LIBRARY_PATH='$root/usr/lib/$multiarch' ldd '$prog' | grep -q '$root/usr/lib/$multiarch/libtextpoke.so.0'"

for cmd in "$root"/usr/bin/*; do
	name=$(basename "$cmd")
	check "installed $name --version" sh -c "'$cmd' --version | grep -qx '$name (textpoke) $version'"
	check "installed $name has its man page" test -f "$root/usr/share/man/man1/$name.1"
done

check "make uninstall with the same variables" tp_make uninstall DESTDIR="$root" "${dirs[@]}"
left=$(leftovers "$root")
if [ -z "$left" ]; then ok "nothing left after make uninstall"; else
	: >"$log"; not_ok "nothing left after make uninstall: $left"; fi

# INCDIR, the older name: headers, asm headers and the .pc follow it.
root=$scratch/incdir
dirs=(PREFIX=/opt/tp INCDIR=/opt/tp/inc)
check "make install INCDIR=/opt/tp/inc" tp_make install DESTDIR="$root" "${dirs[@]}"
check "headers in INCDIR" test -f "$root/opt/tp/inc/textpoke/textpoke.h"
check "asm headers in INCDIR" test -f "$root/opt/tp/inc/textpoke/asm/jump_label.h"
check "textpoke.pc: includedir follows INCDIR" \
	grep -qx 'includedir=${prefix}/inc' "$root/opt/tp/lib/pkgconfig/textpoke.pc"
check "make uninstall INCDIR=/opt/tp/inc" tp_make uninstall DESTDIR="$root" "${dirs[@]}"
left=$(leftovers "$root")
if [ -z "$left" ]; then ok "nothing left after make uninstall (INCDIR)"; else
	: >"$log"; not_ok "nothing left after make uninstall (INCDIR): $left"; fi

[ "$fails" = 0 ]
