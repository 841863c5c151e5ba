#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Build and boot the kernels of the textpoke patch series.
#
#   kernel/scripts/kernel.sh build ARCH...   unpack, patch, build kernel,
#                                            selftests, init, initramfs
#   kernel/scripts/kernel.sh check ARCH...   boot each under qemu-system,
#                                            print TAP, "N passed, N failed"
#   kernel/scripts/kernel.sh source          only unpack and apply the series
#   kernel/scripts/kernel.sh export          write the commits of src/ on
#                                            top of the base as the series
#   kernel/scripts/kernel.sh checkpatch      checkpatch.pl --strict on each
#   kernel/scripts/kernel.sh series-check ARCH...  build each arch's image
#                                            at every patch of the series
#
# ARCH is x86_64, arm64 or riscv64.  Everything lands in $KBUILD_DIR
# (build/kernel): src/ the patched Linux tree (a git repository whose
# commits are the series), <arch>/ the kernel objects, <arch>/guest/ the
# init, the selftests and the initramfs.  Nothing is downloaded: the
# source is Debian's linux-source-6.1.
set -euo pipefail

# Run from textpoke's Makefile, the environment carries its exports and
# command line: KCONFIG_CONFIG (textpoke's own .config, which the kernel's
# kconfig would then read and write instead of the kernel's), ARCH, and
# MAKEFLAGS with O= and the like for every make below.  The kernel's
# builds take none of them.
unset KCONFIG_CONFIG ARCH CROSS_COMPILE O KBUILD_OUTPUT MAKEFLAGS MFLAGS MAKEOVERRIDES \
	MAKELEVEL LLVM CC

top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$top/kernel
out=${KBUILD_DIR:-$top/build/kernel}
src=$out/src
tarball=${LINUX_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
jobs=${KERNEL_JOBS:-2}
boot_timeout=${KERNEL_BOOT_TIMEOUT:-600}
nice=(nice -n 19)

die() { echo "kernel.sh: $*" >&2; exit 1; }
note() { echo "  KERNEL  $*"; }

karch() {
	case $1 in
	x86_64)	echo x86_64 ;;
	arm64)	echo arm64 ;;
	riscv64) echo riscv ;;
	*) die "unknown arch '$1' (x86_64, arm64, riscv64)" ;;
	esac
}

cross() {
	case $1 in
	x86_64)	[ "$(uname -m)" = x86_64 ] && echo "" || echo x86_64-linux-gnu- ;;
	arm64)	echo aarch64-linux-gnu- ;;
	riscv64) echo riscv64-linux-gnu- ;;
	esac
}

image() {
	case $1 in
	x86_64)	echo arch/x86/boot/bzImage ;;
	arm64)	echo arch/arm64/boot/Image ;;
	riscv64) echo arch/riscv/boot/Image ;;
	esac
}

git_src() { git -C "$src" -c user.name=textpoke -c user.email=textpoke@localhost "$@"; }

# The hash of the series and its patches: the tree is re-patched only when
# it changes, so that an unchanged series keeps every object up to date.
series_stamp() {
	(cd "$kdir/patches" && cat series $(grep -v '^#' series)) | sha256sum | cut -d' ' -f1
}

unpack() {
	[ -f "$src/.git/textpoke-base" ] && return 0
	[ -r "$tarball" ] || die "$tarball is missing: apt-get install linux-source-6.1"
	note "unpack $(basename "$tarball")"
	rm -rf "$src"
	mkdir -p "$src"
	"${nice[@]}" tar -C "$src" --strip-components=1 -xf "$tarball"
	# Debian's tree ignores everything at its top level; the series adds
	# files there, so drop that rule from the private base commit.
	sed -i -e '/^\/\*$/d' -e '/^!\/debian\/$/d' "$src/.gitignore"
	git_src init -q
	git_src add -A
	git_src commit -q -m "Linux $(make -s -C "$src" kernelversion) as Debian ships it"
	git_src tag -f textpoke-base >/dev/null
	touch "$src/.git/textpoke-base"
}

apply_series() {
	local stamp p
	stamp=$(series_stamp)
	if [ "$(cat "$src/.git/textpoke-series" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	note "apply kernel/patches/series"
	git_src checkout -q -f --detach textpoke-base
	git_src clean -q -fd
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		git_src am -q --keep-cr "$kdir/patches/$p" ||
			{ git_src am --abort; die "$p does not apply"; }
	done < "$kdir/patches/series"
	echo "$stamp" > "$src/.git/textpoke-series"
}

configure() {
	local arch=$1 obj=$out/$1 ka
	ka=$(karch "$arch")
	local frags=("$kdir/configs/common.config" "$kdir/configs/$arch.config")
	local want
	want=$(cat "${frags[@]}" | sha256sum | cut -d' ' -f1)
	if [ -f "$obj/.config" ] && [ "$(cat "$obj/.textpoke-config" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	note "configure $arch (tinyconfig + fragments)"
	mkdir -p "$obj"
	"${nice[@]}" make -s -C "$src" O="$obj" ARCH="$ka" CROSS_COMPILE="$(cross "$arch")" \
		tinyconfig >/dev/null
	(cd "$src" && KCONFIG_CONFIG="$obj/.config" scripts/kconfig/merge_config.sh -m \
		-O "$obj" "$obj/.config" "${frags[@]}" >/dev/null)
	"${nice[@]}" make -s -C "$src" O="$obj" ARCH="$ka" CROSS_COMPILE="$(cross "$arch")" \
		olddefconfig >/dev/null
	# olddefconfig writes every symbol's value (CONFIG_CC_VERSION_TEXT
	# among them); a .config without it is the fragments alone, which
	# would build a kernel that cannot boot.
	grep -q '^CONFIG_CC_VERSION_TEXT=' "$obj/.config" ||
		die "$arch: the configuration was not generated (tinyconfig or olddefconfig failed)"
	# A fragment option that did not survive olddefconfig is a broken
	# fragment, not something to find out at boot.
	local line
	while read -r line; do
		case $line in CONFIG_*=y)
			grep -qx "$line" "$obj/.config" ||
				die "$arch: $line did not take (dependencies?)" ;;
		esac
	done < <(cat "${frags[@]}")
	echo "$want" > "$obj/.textpoke-config"
}

build_kernel() {
	local arch=$1 obj=$out/$1 ka cc=()
	ka=$(karch "$arch")
	command -v ccache >/dev/null && cc=(CC="ccache $(cross "$arch")gcc")
	note "build $arch kernel"
	local t0=$SECONDS
	"${nice[@]}" make -s -C "$src" O="$obj" ARCH="$ka" CROSS_COMPILE="$(cross "$arch")" \
		"${cc[@]}" -j"$jobs" "$(basename "$(image "$arch")")" headers
	note "$arch kernel built in $((SECONDS - t0)) s"
}

build_guest() {
	local arch=$1 obj=$out/$1 g=$out/$1/guest cc
	cc=$(cross "$arch")gcc
	mkdir -p "$g/selftests"
	note "build $arch init and selftests"
	"${nice[@]}" "$cc" -static -O2 -Wall -Wextra -Werror -o "$g/init" "$kdir/guest/init.c"
	"${nice[@]}" make -s -C "$src/tools/testing/selftests/textpoke" CC="$cc" \
		OUTPUT="$g/selftests" KHDR_INCLUDES="-isystem $obj/usr/include" \
		LDFLAGS=-static
	if [ ! -x "$out/gen_init_cpio" ] || [ "$src/usr/gen_init_cpio.c" -nt "$out/gen_init_cpio" ]; then
		gcc -O2 -o "$out/gen_init_cpio" "$src/usr/gen_init_cpio.c"
	fi
	cat > "$g/initramfs.list" <<-EOF
	dir /dev 0755 0 0
	nod /dev/console 0600 0 0 c 5 1
	dir /proc 0755 0 0
	dir /sys 0755 0 0
	dir /tmp 1777 0 0
	dir /selftests 0755 0 0
	file /init $g/init 0755 0 0
	file /selftests/text_poke_records $g/selftests/text_poke_records 0755 0 0
	EOF
	"$out/gen_init_cpio" "$g/initramfs.list" > "$g/initramfs.cpio"
}

# OpenSBI from Debian's opensbi package, else the copy qemu carries.
riscv_firmware() {
	local fw=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
	[ -r "$fw" ] && echo "$fw" || echo default
}

qemu_cmd() {
	local arch=$1 obj=$out/$1
	local img=$obj/$(image "$arch") rd=$obj/guest/initramfs.cpio
	local common=(-smp 2 -m 512 -nographic -no-reboot -kernel "$img" -initrd "$rd")
	case $arch in
	x86_64)	echo qemu-system-x86_64 -accel tcg -cpu max "${common[@]}" \
			-append "'console=ttyS0 panic=-1 quiet loglevel=4'" ;;
	arm64)	echo qemu-system-aarch64 -M virt -cpu max "${common[@]}" \
			-append "'console=ttyAMA0 panic=-1 quiet loglevel=4'" ;;
	riscv64) echo qemu-system-riscv64 -M virt -bios "$(riscv_firmware)" "${common[@]}" \
			-append "'console=ttyS0 panic=-1 quiet loglevel=4'" ;;
	esac
}

check_one() {
	local arch=$1 log=$out/$1/boot.log rc=0 t0=$SECONDS
	[ -f "$out/$arch/guest/initramfs.cpio" ] || die "$arch is not built: make kernel"
	note "boot $arch under qemu (timeout ${boot_timeout} s)"
	eval "timeout --foreground -k 10 $boot_timeout $(qemu_cmd "$arch")" \
		< /dev/null > "$log" 2>&1 || rc=$?
	# The firmware's escape sequences may precede the first line on the
	# same row of the serial console.
	tr -d '\r' < "$log" | sed -n -e 's/^.*\(TAP version\)/\1/' -e '/^TAP version/,/^# Totals/p'
	local pass fail skip done_line
	pass=$(tr -d '\r' < "$log" | grep '^ok ' | grep -vc '# SKIP' || true)
	skip=$(tr -d '\r' < "$log" | grep -c '^ok .*# SKIP' || true)
	fail=$(tr -d '\r' < "$log" | grep -c '^not ok ' || true)
	done_line=$(tr -d '\r' < "$log" | grep '^textpoke-init: done' || true)
	if [ -z "$done_line" ]; then
		echo "# $arch: the guest did not finish (qemu exit $rc after $((SECONDS - t0)) s); last lines of $log:"
		tail -n 30 "$log" | sed 's/^/#   /'
		fail=$((fail + 1))
	elif ! echo "$done_line" | grep -q ' 0 program'; then
		tr -d '\r' < "$log" | grep '^textpoke-init:' | sed 's/^/# /'
		[ "$fail" -gt 0 ] || fail=1
	fi
	echo "# $arch: $pass passed, $fail failed, $skip skipped (boot and tests $((SECONDS - t0)) s)"
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
	total_skip=$((total_skip + skip))
}

cmd=${1:-}
shift || true
case $cmd in export|checkpatch|source) ;; *) [ $# -gt 0 ] || set -- x86_64 ;; esac
case $cmd in
build)
	unpack
	apply_series
	for a in "$@"; do
		karch "$a" >/dev/null
		configure "$a"
		build_kernel "$a"
		build_guest "$a"
	done
	;;
check)
	total_pass=0
	total_fail=0
	total_skip=0
	for a in "$@"; do
		karch "$a" >/dev/null
		check_one "$a"
	done
	echo "kernel-check: $total_pass passed, $total_fail failed, $total_skip skipped"
	[ "$total_fail" -eq 0 ]
	;;
source)
	unpack
	apply_series
	;;
checkpatch)
	unpack
	bad=0
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		if out=$(cd "$src" && ./scripts/checkpatch.pl --strict -q --no-summary "$kdir/patches/$p" 2>&1 |
				grep -v -e spdxcheck -e '^Traceback' -e '^  File' -e '^    ' -e ModuleNotFoundError); then
			echo "$p:"; echo "$out"; bad=1
		else
			echo "$p: clean"
		fi
	done < "$kdir/patches/series"
	exit $bad
	;;
series-check)
	# Every patch must build on its own: check out each commit of the
	# series in turn and build the image (incrementally), then go back.
	unpack
	apply_series
	head=$(git_src symbolic-ref -q --short HEAD || git_src rev-parse HEAD)
	trap 'git_src checkout -q -f "$head"' EXIT
	for c in $(git_src rev-list --reverse textpoke-base..HEAD); do
		git_src checkout -q -f "$c"
		for a in "$@"; do
			karch "$a" >/dev/null
			configure "$a"
			note "$(git_src log -1 --format=%s "$c")"
			build_kernel "$a" || die "$a does not build at $(git_src log -1 --format=%h "$c")"
		done
	done
	;;
export)
	# For whoever changes the series: commit in $src, then export.
	rm -f "$kdir"/patches/*.patch
	git -C "$src" format-patch -q --signoff --no-signature -o "$kdir/patches" textpoke-base..HEAD
	(cd "$kdir/patches" && { echo "# Applied in this order to Debian's linux-source-6.1."; ls *.patch; } > series)
	series_stamp > "$src/.git/textpoke-series"
	ls "$kdir/patches"
	;;
*)
	die "usage: $0 build|check|series-check ARCH... | source | export | checkpatch"
	;;
esac
