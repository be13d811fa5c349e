#!/usr/bin/env bash
# tests/unit/run.sh BINARY... — run unit test binaries from the repository root
# (their data files are tests/data/...), print one line per binary and a total,
# exit 1 if any check failed or any binary did not finish cleanly (a crash, a
# sanitizer report, no summary line).
#
# Each binary ends its stdout with "unit: checks=N failures=M" (tests/unit/unit.h).
# What the code under test logs on stderr is shown only for a binary that
# failed, or for all with UNIT_VERBOSE=1.
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)

if [ $# -eq 0 ]; then
	echo "usage: $0 BINARY..." >&2
	exit 2
fi

# Resolve the binaries before changing directory: they may be relative paths.
bins=()
for b in "$@"; do
	case $b in
	/*) bins+=("$b") ;;
	*) bins+=("$PWD/$b") ;;
	esac
done

cd "$root" || exit 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Under -fsanitize=address,undefined: stop at the first undefined behaviour (a
# recoverable report would otherwise leave the exit status 0), write reports to
# files (a test may have stderr redirected when one happens), and ignore the
# known leak inside libconfig (tests/unit/lsan.supp). No effect on other
# builds. Options the caller sets come last, so they win.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$tmp/sanitizer${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="log_path=$tmp/sanitizer${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/unit/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

total_checks=0
total_failures=0
bad=0
for bin in "${bins[@]}"; do
	name=${bin##*/}
	rm -f "$tmp"/sanitizer.*
	"$bin" >"$tmp/out" 2>"$tmp/err"
	status=$?
	summary=$(grep '^unit: checks=[0-9]* failures=[0-9]*$' "$tmp/out" | tail -n 1)
	note=""
	if [ -n "$summary" ]; then
		checks=${summary#unit: checks=}
		checks=${checks%% *}
		failures=${summary##*failures=}
	else
		# It stopped early: count the failures it reported before that.
		checks=0
		failures=$(grep -c '^FAIL ' "$tmp/out")
		note=" (no summary line: crashed?)"
	fi
	for report in "$tmp"/sanitizer.*; do
		[ -e "$report" ] || continue
		note="$note (sanitizer report)"
		cat "$report" >>"$tmp/err"
	done
	if [ "$status" -ne 0 ] && [ "$failures" -eq 0 ]; then
		note="$note (exit status $status)"
	fi
	printf '%-20s %6d checks %4d failures%s\n' "$name" "$checks" "$failures" "$note"
	total_checks=$((total_checks + checks))
	total_failures=$((total_failures + failures))
	if [ "$status" -ne 0 ] || [ -z "$summary" ] || [ "$failures" -ne 0 ] || [ -n "$note" ]; then
		bad=1
		grep -v '^unit: checks=' "$tmp/out" | sed 's/^/    /'
		if [ -s "$tmp/err" ]; then
			echo "    --- stderr of $name (last 60 lines):"
			tail -n 60 "$tmp/err" | sed 's/^/    /'
		fi
	elif [ -n "${UNIT_VERBOSE:-}" ]; then
		sed 's/^/    /' "$tmp/out" "$tmp/err"
	fi
done

printf '%-20s %6d checks %4d failures\n' "total" "$total_checks" "$total_failures"
if [ "$bad" -ne 0 ]; then
	echo "unit tests FAILED"
	exit 1
fi
