#!/usr/bin/env bash
# Benchmarks: figures printed, nothing asserted.
#   bench/run.sh [N_MIGRATIONS]   (default 1000; PGINIT_BIN picks the binary)
# - binary sizes and `pginit version` start-up time
# - a fresh `pginit run` applying N generated migrations (prod profile: no seeds)
# - a no-op `pginit run` against those N applied migrations (median of 10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
n=${1:-1000}
bin=${PGINIT_BIN:-$ROOT/build/pginit}
[ -x "$bin" ] || make -s build/pginit
# shellcheck source=tests/lib.sh
. tests/lib.sh

pg_throwaway pginit-bench
W=$THROWAWAY

mkdir "$W/migrations"
for i in $(seq 1 "$n"); do
	printf -- '-- generated migration %d\nCREATE TABLE public.bench_%d (id bigint PRIMARY KEY, note text);\nCOMMENT ON TABLE public.bench_%d IS %s;\n' \
		"$i" "$i" "$i" "'bench $i; with a semicolon'" >"$W/migrations/$(printf '%05d' "$i")_bench_$i.sql"
done

export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD=bench-Pass-1
export PGINIT_MIGRATIONS_DIR=$W/migrations PGINIT_CONFIG=$ROOT/pginit.conf PGINIT_PROFILE=prod

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

echo "binary: $bin ($(stat -c %s "$bin") bytes; $(file -b "$bin" | cut -d, -f1-2,5))"
for f in build/pginit build/pginit-static; do
	[ -x "$f" ] && echo "size: $f $(stat -c %s "$f") bytes"
done
t=()
for _ in $(seq 1 20); do
	s=$(date +%s%N)
	"$bin" version >/dev/null
	t+=("$(( ($(date +%s%N) - s) / 1000 ))")
done
echo "pginit version: median $(printf '%s\n' "${t[@]}" | median) us over 20 runs"

s=$(date +%s%N)
"$bin" -q run
echo "fresh run, $n migrations applied: $(ms "$s") ms"
echo "schema_migrations rows: $(sql -d app -c 'select count(*) from pginit.schema_migrations')"

t=()
for _ in $(seq 1 10); do
	s=$(date +%s%N)
	"$bin" -q run
	t+=("$(ms "$s")")
done
echo "no-op run against $n applied migrations: median $(printf '%s\n' "${t[@]}" | median) ms, runs: ${t[*]} ms"
