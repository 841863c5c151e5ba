#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The library's API: every function its public headers mark TP_EXPORT.
#
#   scripts/exports.sh HEADER...                   one name a line
#   scripts/exports.sh --version-script HEADER...  a linker version script
#                                                  exporting those and no other
set -euo pipefail

script=0
if [ "${1:-}" = --version-script ]; then
	script=1
	shift
fi

# A declaration may span lines: join up to its "(", take the name before
# it (a name in parentheses protects it from a macro of the same name).
names=$(sed -n '/^TP_EXPORT/{:a;/(/!{N;ba};p}' "$@" |
	tr '\n' ' ' | sed 's/TP_EXPORT/\n&/g' |
	sed -n -E 's/^TP_EXPORT[^(]*[ *]\(?([a-z_][a-z0-9_]*)\)?[ ]*\(.*/\1/p' | sort -u)
[ -n "$names" ] || { echo "exports.sh: no TP_EXPORT declaration in $*" >&2; exit 1; }

if [ $script = 0 ]; then
	printf '%s\n' $names
	exit 0
fi
echo "TEXTPOKE_0 {"
echo "global:"
printf '\t%s;\n' $names
echo "local:"
printf '\t*;\n'
echo "};"
