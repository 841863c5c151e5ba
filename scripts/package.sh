#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The Debian packages of debian/, built and then used as a user would.
#
#   scripts/package.sh build --out DIR [--arch DEB_ARCH]
#       copies the tree (its tracked and untracked files, not build/) to
#       DIR/textpoke-VERSION, runs dpkg-buildpackage -us -uc -b there
#       (-a DEB_ARCH for a cross build), then lintian on the .changes:
#       the .debs land in DIR, the logs in DIR/*.log.  Fails on a build
#       error or on any lintian error.
#   scripts/package.sh check --out DIR
#       extracts the native .debs of DIR with dpkg -x into DIR/root,
#       builds the example of libtextpoke-dev against its pkg-config file
#       alone (the scratch root as pkg-config's sysroot), dynamically and
#       with the static library, runs both against the extracted files,
#       and runs selftests/cli on the extracted commands and man pages.
#       One "ok" line per check, then "package-check: N passed, N failed",
#       also written to DIR/summary for make check.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
shift || true
out= arch=
while [ $# -gt 0 ]; do
	case "$1" in
	--out)	out=$2; shift 2 ;;
	--arch)	arch=$2; shift 2 ;;
	*)	echo "package.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "usage: package.sh build|check --out DIR [--arch DEB_ARCH]" >&2; exit 2; }
out=$(realpath -m "$out")
version=$(cd "$src" && dpkg-parsechangelog -S Version)
arch=${arch:-$(dpkg-architecture -qDEB_HOST_ARCH)}

say() { printf 'package: %s\n' "$*"; }

# The files of the tree as a fresh clone with the working changes has
# them: what git tracks or would track, or everything but build/ and .git
# outside a git checkout.
copy_tree() {
	local dest=$1
	mkdir -p "$dest"
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		(cd "$src" && git ls-files -z --cached --others --exclude-standard |
			tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$dest"
	else
		(cd "$src" && tar --exclude=./build --exclude=./.git -cf - .) | tar -xf - -C "$dest"
	fi
}

build() {
	local tree=$out/textpoke-$version changes rc=0 options=${DEB_BUILD_OPTIONS:-} cross=()
	rm -rf "$out"
	copy_tree "$tree"
	# A cross build runs no test (nocheck) and says so (the cross profile).
	if [ "$arch" != "$(dpkg --print-architecture)" ]; then
		cross=(-Pcross,nocheck)
		options="nocheck $options"
	fi
	say "dpkg-buildpackage -us -uc -b -a $arch ${cross[*]} (log: $out/build.log)"
	# A make that runs this passes its variables and jobserver in the
	# environment: the package's build must not inherit them.
	(cd "$tree" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS DEB_BUILD_OPTIONS="$options" \
		dpkg-buildpackage -us -uc -b -a "$arch" "${cross[@]}") >"$out/build.log" 2>&1 || rc=$?
	# The lines that say what was built, and the warnings.
	grep -E '^dpkg-(buildpackage|genchanges|deb|gensymbols|shlibdeps): |warning' "$out/build.log" || true
	if [ "$rc" != 0 ]; then
		tail -n 40 "$out/build.log"
		say "dpkg-buildpackage failed ($rc)"
		return 1
	fi
	changes=$out/textpoke_${version}_$arch.changes
	say "lintian $(basename "$changes") (log: $out/lintian.log)"
	lintian --fail-on error --display-info "$changes" >"$out/lintian.log" 2>&1 || rc=$?
	cat "$out/lintian.log"
	say "lintian: $(grep -c '^E: ' "$out/lintian.log") errors," \
		"$(grep -c '^W: ' "$out/lintian.log") warnings," \
		"$(grep -c '^I: ' "$out/lintian.log") infos"
	[ "$rc" = 0 ] || { say "lintian failed ($rc)"; return 1; }
	# dpkg-buildpackage leaves its products beside the tree: in DIR.
	ls "$out"/*.deb
}

passed=0 failed=0
ok() { echo "ok $1"; passed=$((passed + 1)); }
not_ok() {	# not_ok DESCRIPTION [LOG]
	echo "not ok $1"
	[ -n "${2:-}" ] && [ -s "$2" ] && tail -n 20 "$2" | sed 's/^/    /'
	failed=$((failed + 1))
}
check_step() {	# check_step DESCRIPTION COMMAND...
	local what=$1 log=$out/check-step.log
	shift
	if "$@" >"$log" 2>&1; then ok "$what"; else not_ok "$what" "$log"; fi
}

check() {
	local root=$out/root work=$out/check multiarch packages p deb example pcdir pc cc
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	cc=${CC:-gcc}
	rm -rf "$root" "$work"
	mkdir -p "$root" "$work"

	# Every binary package debian/control names, built and extracted.
	packages=$(sed -n 's/^Package: //p' "$src/debian/control")
	for p in $packages; do
		deb=$out/${p}_${version}_$arch.deb
		check_step "$p: built and extracted with dpkg -x" dpkg -x "$deb" "$root"
	done

	pcdir=$root/usr/lib/$multiarch/pkgconfig
	pc() { PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$pcdir pkg-config "$@" textpoke; }
	check_step "textpoke.pc: version $version" test "$(pc --modversion)" = "$version"
	check_step "textpoke.pc: libdir is /usr/lib/$multiarch" \
		test "$(pc --variable=libdir)" = "$root/usr/lib/$multiarch"

	# textpoke record, live and attach look for the agent there (AGENTDIR).
	check_step "textpoke-agent: the agent in /usr/lib/$multiarch/textpoke" \
		test -f "$root/usr/lib/$multiarch/textpoke/libtextpoke-agent.so"

	# The example as libtextpoke-dev ships it, built outside the tree.
	example=$root/usr/share/doc/libtextpoke-dev/examples/poke.c
	if [ -f "$example.gz" ]; then
		zcat "$example.gz" > "$work/poke.c"
	else
		cp "$example" "$work/poke.c" 2>/dev/null || true
	fi
	check_step "libtextpoke-dev ships examples/poke.c" test -s "$work/poke.c"
	# shellcheck disable=SC2046
	check_step "poke.c builds with the extracted textpoke.pc alone" \
		$cc -O2 -o "$work/poke" "$work/poke.c" $(pc --cflags --libs)
	check_step "it runs against the extracted libtextpoke.so.0" \
		env LD_LIBRARY_PATH="$root/usr/lib/$multiarch" "$work/poke"
	check_step "it loaded the extracted libtextpoke.so.0" \
		sh -c "LD_LIBRARY_PATH='$root/usr/lib/$multiarch' ldd '$work/poke' |
			grep -q ' $root/usr/lib/$multiarch/libtextpoke.so.0 '"
	# Static: libtextpoke.a with the .pc file's private libraries.
	# shellcheck disable=SC2046
	check_step "poke.c links libtextpoke.a with pkg-config --static" \
		$cc -O2 -o "$work/poke-static" "$work/poke.c" $(pc --cflags) \
		$(pc --libs-only-L) -l:libtextpoke.a $(pc --static --libs-only-l | sed 's/-ltextpoke\b//')
	check_step "the static one runs" "$work/poke-static"

	# Every extracted command, with the extracted man pages.
	mkdir -p "$work/man"
	for p in "$root"/usr/share/man/man1/*.1.gz; do
		zcat "$p" > "$work/man/$(basename "$p" .gz)"
	done
	if TP_BIN=$root/usr/bin TP_MAN=$work/man TP_VERSION=$version \
		LD_LIBRARY_PATH=$root/usr/lib/$multiarch \
		bash "$src/selftests/cli/cli_test.sh" >"$work/cli.log" 2>&1; then
		ok "every extracted command: --help, --version, exit statuses, man page ($(grep -c '^ok' "$work/cli.log") checks)"
	else
		grep -A3 '^not ok' "$work/cli.log" | sed 's/^/    /'
		not_ok "every extracted command: --help, --version, exit statuses, man page"
	fi
	for p in "$work"/man/*.1; do
		check_step "man page $(basename "$p") has its command" \
			test -x "$root/usr/bin/$(basename "$p" .1)"
	done

	echo "package-check: $passed passed, $failed failed"
	echo "$passed $failed 0" > "$out/summary"
	[ "$failed" = 0 ]
}

case "$mode" in
build)	build ;;
check)	check ;;
*)	echo "usage: package.sh build|check --out DIR [--arch DEB_ARCH]" >&2; exit 2 ;;
esac
