#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   scripts/sites-check.sh --tool TEXTPOKE_SITES [--summary FILE] ARCH:DIR...
#
# Runs textpoke-sites on every ELF file the build made in each DIR (the
# objects, the shared library, the selftests and the demo of ARCH), one
# TAP test per ARCH; prints the problems it finds.  With --summary,
# writes "passed failed skipped" to FILE for `make check`.  Exits
# non-zero if any file has a bad site.
set -u

tool= summary=
while [ $# -gt 0 ]; do
	case "$1" in
	--tool)		tool=$2; shift 2 ;;
	--summary)	summary=$2; shift 2 ;;
	*)		break ;;
	esac
done
[ -n "$tool" ] && [ $# -gt 0 ] || { echo "usage: $0 --tool T [--summary F] ARCH:DIR..." >&2; exit 2; }

passed=0 failed=0 n=0
echo "TAP version 13"
echo "1..$#"
for arg in "$@"; do
	arch=${arg%%:*} dir=${arg#*:}
	n=$((n + 1))
	mapfile -t files < <(find "$dir" -type f \( -name '*.o' -o -name 'libtextpoke.so.*' \
		-o -name '*_test' -o -name 'textpoke-demo' \) -not -path '*/deps/*' | sort)
	if [ ${#files[@]} = 0 ]; then
		echo "not ok $n sites $arch: no files in $dir (was it built?)"
		failed=$((failed + 1))
		continue
	fi
	# textpoke-sites prints one line per problem on stderr
	if "$tool" --quiet "${files[@]}"; then
		echo "ok $n sites $arch: ${#files[@]} files"
		passed=$((passed + 1))
	else
		echo "not ok $n sites $arch: bad sites in ${#files[@]} files"
		failed=$((failed + 1))
	fi
done
echo "# sites: $passed passed, $failed failed, 0 skipped"
if [ -n "$summary" ]; then
	mkdir -p "$(dirname "$summary")"
	echo "$passed $failed 0" > "$summary"
fi
[ "$failed" = 0 ]
