#!/usr/bin/env bash
# check-includes: the include graph of src/ has no cycle, and no module includes one
# above it. Layers, lowest first (a module may include its own layer and those below):
#
#   0 util log sig exitcode flywaysum scram  what every module needs (flywaysum, scram: pure code)
#   1 db sqlsplit secrets          libpq, the SQL lexer, secret sources
#   2 script config query          a file, the configuration, our own statements
#   3 ledger lock lease topo wait txn  pginit's tables, the lock and lease, the topology, waiting, the file wrapper,
#     credfile appenv idxcheck     the dev credentials file, the app's environment, invalid indexes
#   4 formats/*                    one file per migration format
#   5 migrate seed bootstrap       the work
#   6 session                      the run lifecycle
#   7 cmd/*                        the commands
#   8 main                         options, lookup, exit status, exec
#
# A new module gets a row here (the check fails on a module it does not know).
# Usage: scripts/check-includes.sh [SRC_DIR]   (called by `make lint`)
set -u
src=${1:-src}
layer_of() {
	case "$1" in
	util|log|sig|exitcode|flywaysum|scram) echo 0 ;;
	db|sqlsplit|secrets) echo 1 ;;
	script|config|query) echo 2 ;;
	ledger|lock|lease|topo|wait|txn|credfile|appenv|idxcheck) echo 3 ;;
	formats/*) echo 4 ;;
	migrate|seed|bootstrap) echo 5 ;;
	session) echo 6 ;;
	cmd/*) echo 7 ;;
	main) echo 8 ;;
	*) echo "" ;;
	esac
}
fail=0
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in "$src"/*.[ch] "$src"/*/*.[ch]; do
	[ -e "$f" ] || continue
	mod=${f#"$src"/}
	mod=${mod%.[ch]}
	from=$(layer_of "$mod")
	if [ -z "$from" ]; then
		echo "check-includes: $f: module '$mod' has no layer (add it to $0)" >&2
		fail=1
		continue
	fi
	while read -r inc; do
		to_mod=${inc%.h}
		[ "$to_mod" = "$mod" ] && continue
		to=$(layer_of "$to_mod")
		if [ -z "$to" ]; then
			echo "check-includes: $f includes \"$inc\": unknown module" >&2
			fail=1
		elif [ "$to" -gt "$from" ]; then
			echo "check-includes: $f (layer $from) includes \"$inc\" (layer $to): a lower module must not include a higher one" >&2
			fail=1
		fi
		echo "$mod $to_mod" >>"$edges"
	done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
done
# Cycles between modules (a .c and its .h are one module): tsort reports them.
if ! sort -u "$edges" | tsort >/dev/null 2>"$edges.err"; then
	echo "check-includes: include cycle:" >&2
	sed 's/^tsort: /  /' "$edges.err" >&2
	fail=1
fi
rm -f "$edges.err"
[ $fail -eq 0 ] && echo "check-includes: ok ($(sort -u "$edges" | wc -l) module edges, no cycle, no upward include)"
exit $fail
