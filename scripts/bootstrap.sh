#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Install what textpoke needs to build and test, from Debian packages only.
#
#   scripts/bootstrap.sh [--deps DIR] [packages|riscv-urcu|kselftest|all|bench|fuzz|kernel]
#   scripts/bootstrap.sh [--deps DIR] package [DEB_ARCH]
#
# packages    the Debian packages (cross compilers, qemu-user, liburcu for
#             amd64 and arm64 through multiarch, kconfiglib, gdb for the
#             debugger selftest, ...)
# riscv-urcu  liburcu for riscv64, built once from Debian's source package
#             into DIR/riscv64 (Debian ships no riscv64 build for bookworm)
# kselftest   kselftest.h and kselftest_harness.h extracted from Debian's
#             linux-source package into DIR/include (never committed)
# bench       what only make bench needs besides the packages above: the
#             peers it measures (LTTng-UST; uftrace is in packages, for the
#             record tests), strace for the system
#             calls of a poke and matplotlib for the plots; not part of
#             all, so make check never installs them
# fuzz        clang's libFuzzer runtime, for make fuzz
# kernel      what make kernel and make kernel-check need besides the
#             packages above: the kernel's build tools (bc, flex, bison,
#             libelf, libssl, cpio; ply and GitPython for checkpatch.pl's
#             SPDX check) and qemu-system for the three arches
#             with OpenSBI for riscv64; not part of all
# package     what make package needs: the Build-Depends of debian/control
#             (for DEB_ARCH, the native arch by default; a foreign one
#             gets its cross toolchain and multiarch), and lintian
#
# Every step checks first and returns at once when its result is present,
# so make can call this on every build.  Installing needs root; without
# it the script names what is missing and fails.
set -euo pipefail

deps=build/deps
if [ "${1:-}" = "--deps" ]; then
	deps=$2
	shift 2
fi
what=${1:-all}

LINUX_SOURCE=linux-source-6.1

packages=(
	make gcc g++ clang lld pkg-config python3 xz-utils dpkg-dev
	gcc-aarch64-linux-gnu gcc-riscv64-linux-gnu
	g++-aarch64-linux-gnu g++-riscv64-linux-gnu
	libc6-dev-arm64-cross libc6-dev-riscv64-cross
	qemu-user
	liburcu-dev liburcu-dev:arm64
	libtraceevent-dev libopencsd-dev libopencsd-bin libipt-dev linux-perf
	python3-kconfiglib valgrind gdb
	uftrace
	"$LINUX_SOURCE"
)

bench_packages=(liblttng-ust-dev python3-matplotlib strace)
# clang's libFuzzer runtime, which a --no-install-recommends clang lacks
fuzz_packages=(libclang-rt-14-dev)
kernel_packages=(bc flex bison libelf-dev libssl-dev cpio python3-ply python3-git
	qemu-system-x86 qemu-system-arm qemu-system-misc opensbi)

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

installed() {
	dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	say "apt-get update"
	apt-get update -qq
	apt_updated=1
}

# Multiarch arm64 is what makes liburcu-dev:arm64 (and the matching libc6)
# installable for the arm64 selftests run under qemu-aarch64.
ensure_arm64_arch() {
	dpkg --print-foreign-architectures | grep -qx arm64 && return
	is_root || die "arm64 multiarch is not enabled; run as root: dpkg --add-architecture arm64"
	say "dpkg --add-architecture arm64"
	dpkg --add-architecture arm64
	apt_updated=
}

step_packages() {
	local missing=() p
	for p in "${packages[@]}" "$@"; do
		installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return
	if ! is_root; then
		die "missing Debian packages: ${missing[*]}; run as root: scripts/bootstrap.sh $what"
	fi
	ensure_arm64_arch
	apt_update
	say "apt-get install ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# apt-get source needs a deb-src entry; derive one from the existing
# deb822 (or one-line) sources so the same mirror serves both.
ensure_deb_src() {
	if grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return
	fi
	is_root || die "no deb-src entry for apt-get source; run as root: scripts/bootstrap.sh riscv-urcu"
	local src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed 's/^Types: deb$/Types: deb-src/' "$src" > /etc/apt/sources.list.d/textpoke-deb-src.sources
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/textpoke-deb-src.list
	else
		die "cannot derive a deb-src entry: no /etc/apt/sources.list or $src"
	fi
	say "added a deb-src entry"
	apt_updated=
}

step_riscv_urcu() {
	local prefix stamp work
	prefix=$(realpath -m "$deps/riscv64")
	stamp=$prefix/.built-pic
	[ -f "$stamp" ] && return
	command -v riscv64-linux-gnu-gcc >/dev/null || step_packages
	ensure_deb_src
	apt_update
	work=$(realpath -m "$deps/src")
	rm -rf "$work"
	mkdir -p "$work"
	say "building liburcu for riscv64 into $prefix (about half a minute)"
	if ! (
		# Our own make's jobserver is not for this build.
		unset MAKEFLAGS MAKELEVEL MFLAGS
		cd "$work"
		apt-get source liburcu
		cd liburcu-*/
		# The Debian tree ships a generated configure; maintainer mode
		# would rerun autotools, which this build does not need.
		# PIC, because it is linked into libtextpoke.so as well.
		./configure --host=riscv64-linux-gnu --prefix="$prefix" \
			--disable-maintainer-mode --disable-shared --enable-static --with-pic
		make -j"$(nproc)"
		make install
	) > "$work.log" 2>&1; then
		tail -n 30 "$work.log" >&2
		die "building liburcu for riscv64 failed; full log in $work.log"
	fi
	rm -rf "$work"
	touch "$stamp"
}

step_kselftest() {
	local inc=$deps/include tarball
	[ -f "$inc/kselftest_harness.h" ] && [ -f "$inc/kselftest.h" ] && return
	installed "$LINUX_SOURCE" || step_packages
	tarball=$(ls /usr/src/$LINUX_SOURCE.tar.* 2>/dev/null | head -n1)
	[ -n "$tarball" ] || die "no /usr/src/$LINUX_SOURCE.tar.*; is $LINUX_SOURCE installed?"
	mkdir -p "$inc"
	say "extracting the kselftest harness from $tarball"
	tar -xf "$tarball" -C "$inc" --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest.h' \
		'*/tools/testing/selftests/kselftest_harness.h'
}

# The package build's needs come from debian/control itself (apt-get
# build-dep on the tree), so that the two cannot disagree.
step_package() {
	local arch=${1:-} native src
	src=$(cd "$(dirname "$0")/.." && pwd)
	native=$(dpkg --print-architecture)
	arch=${arch:-$native}
	local extra=(build-essential dpkg-dev lintian)
	[ "$arch" = "$native" ] || extra+=("crossbuild-essential-$arch")
	local missing=() p
	for p in "${extra[@]}"; do
		installed "$p" || missing+=("$p")
	done
	if [ ${#missing[@]} = 0 ] &&
	   dpkg-checkbuilddeps -a "$arch" "$src/debian/control" >/dev/null 2>&1; then
		return
	fi
	is_root || die "missing build dependencies of debian/ for $arch; run as root: scripts/bootstrap.sh package $arch"
	# A foreign arch needs its Build-Depends built for it (liburcu-dev,
	# libtraceevent-dev, libopencsd-dev, libc6-dev): bookworm's archive
	# has none for riscv64, for instance.  Say so before changing dpkg.
	if [ "$arch" != "$native" ]; then
		apt_update
		grep -qhE "^Architectures:.* $arch( |\$)" /var/lib/apt/lists/*Release 2>/dev/null ||
			die "the configured Debian archive has no $arch packages, so the build dependencies of debian/ (liburcu-dev, libtraceevent-dev, libopencsd-dev, libc6-dev) cannot be installed for $arch"
	fi
	if [ "$arch" != "$native" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
		say "dpkg --add-architecture $arch"
		dpkg --add-architecture "$arch"
		apt_updated=
	fi
	apt_update
	say "apt-get install ${extra[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${extra[@]}"
	say "apt-get build-dep -a $arch (debian/control)"
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends \
		-a "$arch" "$src"
}

case "$what" in
packages)	step_packages ;;
riscv-urcu)	step_riscv_urcu ;;
kselftest)	step_kselftest ;;
all)		step_packages; step_kselftest; step_riscv_urcu ;;
bench)		step_packages "${bench_packages[@]}" ;;
fuzz)		step_packages "${fuzz_packages[@]}" ;;
kernel)		step_packages "${kernel_packages[@]}" ;;
package)	step_package "${2:-}" ;;
*)		die "unknown step '$what' (packages, riscv-urcu, kselftest, all, bench, fuzz, kernel, package)" ;;
esac
