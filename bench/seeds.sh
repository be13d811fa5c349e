#!/usr/bin/env bash
# Seed loading: the same N rows as a CSV seed (COPY) and as INSERT statements
# (one per row, as hand-written or generated seed files usually are), each
# `pginit seed` into a fresh database, interleaved; prints min and median and
# the ratio (issue 10's target: COPY >= 15x faster at 100k rows). Nothing asserted.
#   bench/seeds.sh [ROWS]   (default 100000; BENCH_SEED_ROUNDS=3; PGINIT_BIN picks the binary)
# The server runs with fsync on (bench/lib.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
n=${1:-100000}
rounds=${BENCH_SEED_ROUNDS:-3}
bin=${PGINIT_BIN:-$ROOT/build/pginit}
[ -x "$bin" ] || make -s build/pginit
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo
echo "== seeds: $n rows, CSV (COPY) against INSERT statements, $rounds rounds (load average $(loadavg))"
bench_server pginit-bench-seeds
W=$THROWAWAY

mkdir -p "$W/migrations" "$W/seeds/csv" "$W/seeds/sql"
printf 'CREATE TABLE public.people (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, score numeric);\n' \
	>"$W/migrations/0001_people.sql"
awk -v n="$n" 'BEGIN { print "id,name,email,score"; for (i = 1; i <= n; i++) printf "%d,Person %d,p%d@example.com,%d.5\n", i, i, i, i % 100 }' \
	>"$W/seeds/csv/public.people.csv"
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "INSERT INTO public.people (id, name, email, score) VALUES (%d, '\''Person %d'\'', '\''p%d@example.com'\'', %d.5) ON CONFLICT DO NOTHING;\n", i, i, i, i % 100 }' \
	>"$W/seeds/sql/001_people.sql"
echo "files: CSV $(stat -c %s "$W/seeds/csv/public.people.csv") bytes, SQL $(stat -c %s "$W/seeds/sql/001_people.sql") bytes"

export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST PGINIT_SSLMODE=disable POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD=bench-Pass-1
export PGINIT_MIGRATIONS_DIR=$W/migrations PGINIT_SEEDS_DIR=$W/seeds PGINIT_CONFIG=$ROOT/pginit.conf PGINIT_PROFILE=dev
export PGINIT_CREDENTIALS_FILE=$W/.env.credentials

seed_round() { # r SET: a fresh database with the table, then one timed `pginit seed`
	local db=seed_$2_$1
	"$bin" -q -s connection.dbname="$db" -s seeds= run
	sql -c checkpoint
	t_run "seed.$2" "$bin" -q -s connection.dbname="$db" -s seeds="$2" seed
	local rows
	rows=$(sql -d "$db" -c 'select count(*) from public.people')
	[ "$rows" = "$n" ] || { echo "bench: seed set $2 loaded $rows rows, expected $n" >&2; exit 1; }
	sql -c "drop database $db with (force)"
}
for ((r = 0; r < rounds; r++)); do
	for s in $(rotate "$r" csv sql); do seed_round "$r" "$s"; done
done
show "seed $n rows, CSV (COPY)" seed.csv
show "seed $n rows, INSERT statements" seed.sql
read -r cmin cmed _ < <(stats seed.csv)
read -r imin imed _ < <(stats seed.sql)
echo "COPY is $(ratio "$imed" "$cmed")x faster than INSERT statements (median; min: $(ratio "$imin" "$cmin")x; target >= 15x); load average $(loadavg)"
