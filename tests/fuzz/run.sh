#!/usr/bin/env bash
# tests/fuzz/run.sh SECONDS BINARY... — run each libFuzzer harness (built by
# `make fuzz`) for SECONDS, from the repository root. Each one starts from a
# seed corpus made of tests/data (and the shipped SQL) plus what earlier runs
# found (build/fuzz/corpus/NAME, kept between runs). Prints one line per
# harness with its exec count; exits 1 if any harness found a crash, a
# sanitizer report or a leak (the input is kept in build/fuzz/artifacts/).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
secs=${1:?usage: $0 SECONDS BINARY...}
shift
out=build/fuzz
mkdir -p "$out/corpus" "$out/artifacts" "$out/logs"

# A migration input: a format byte (0 native, 1 golang-migrate, 2 dbmate, 3
# goose, 4 flyway, 5 auto), then "NAME\n" + content per file, files joined by "==> ".
migration_seed() { # FORMAT_BYTE DIR OUTFILE
	local first=1 f
	{
		printf "\\x$1"
		for f in "$2"/*; do
			[ -f "$f" ] || continue
			[ $first -eq 1 ] || printf '==> '
			first=0
			printf '%s\n' "$(basename "$f")"
			cat "$f"
		done
	} >"$3"
}

seed() { # NAME: fill build/fuzz/corpus/NAME/seed-* from tests/data
	local name=$1 dir=$out/corpus/$1 f i=0
	mkdir -p "$dir"
	case $name in
	fuzz_sqlsplit | fuzz_script)
		for f in tests/data/sqlsplit/*.sql tests/data/script/*.sql migrations/*.sql seeds/*/*.sql initdb.d/*.sql; do
			[ -f "$f" ] && cp "$f" "$dir/seed-$(basename "$(dirname "$f")")-$(basename "$f")"
		done
		;;
	fuzz_migration)
		for f in tests/data/migrations/*/; do
			local base fmt
			base=$(basename "$f")
			case $base in golang) fmt=01 ;; dbmate*) fmt=02 ;; goose) fmt=03 ;; flyway) fmt=04 ;; *) fmt=00 ;; esac
			migration_seed "$fmt" "$f" "$dir/seed-$base"
			migration_seed 05 "$f" "$dir/seed-auto-$base"
		done
		migration_seed 00 migrations "$dir/seed-shipped"
		;;
	fuzz_config)
		for f in tests/data/config/*.conf pginit.conf; do
			i=$((i + 1))
			cp "$f" "$dir/seed-$i-$(basename "$f")"
		done
		;;
	esac
}

# libconfig 1.5's own leak after a syntax error (see tests/unit/lsan.supp).
export LSAN_OPTIONS="suppressions=$root/tests/unit/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

status=0
for bin in "$@"; do
	name=$(basename "$bin")
	seed "$name"
	log=$out/logs/$name.log
	# -close_fd_mask=2: the code under test logs every rejected input on stderr;
	# libFuzzer keeps its own output and the sanitizers' reports.
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
		-close_fd_mask=2 -artifact_prefix="$out/artifacts/$name-" "$out/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	units=$(find "$out/corpus/$name" -type f | wc -l)
	if [ $rc -eq 0 ]; then
		printf 'fuzz %-16s ok      %10s execs in %ss, %s, corpus %s\n' "$name" "${execs:-?}" "$secs" "${cov:-cov: ?}" "$units"
	else
		printf 'fuzz %-16s FAILED  (exit %d) after %s execs; log %s\n' "$name" $rc "${execs:-?}" "$log"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20 | sed 's/^/    /'
		status=1
	fi
done
exit $status
