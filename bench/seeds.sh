#!/usr/bin/env bash
# Seed loading: the same N rows as a CSV seed (COPY) and as INSERT statements
# (one per row, as hand-written or generated seed files usually are). Prints
# both times and the ratio; nothing asserted.
#   bench/seeds.sh [ROWS]   (default 20000; PGINIT_BIN picks the binary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
n=${1:-20000}
bin=${PGINIT_BIN:-$ROOT/build/pginit}
[ -x "$bin" ] || make -s build/pginit
# shellcheck source=tests/lib.sh
. tests/lib.sh

pg_throwaway pginit-bench
W=$THROWAWAY

mkdir -p "$W/migrations" "$W/seeds/csv" "$W/seeds/sql"
printf 'CREATE TABLE public.people (id bigint PRIMARY KEY, name text NOT NULL, email text NOT NULL, score numeric);\n' \
	>"$W/migrations/0001_people.sql"
awk -v n="$n" 'BEGIN { print "id,name,email,score"; for (i = 1; i <= n; i++) printf "%d,Person %d,p%d@example.com,%d.5\n", i, i, i, i % 100 }' \
	>"$W/seeds/csv/public.people.csv"
awk -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "INSERT INTO public.people (id, name, email, score) VALUES (%d, '\''Person %d'\'', '\''p%d@example.com'\'', %d.5) ON CONFLICT DO NOTHING;\n", i, i, i, i % 100 }' \
	>"$W/seeds/sql/001_people.sql"

export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD=bench-Pass-1
export PGINIT_MIGRATIONS_DIR=$W/migrations PGINIT_SEEDS_DIR=$W/seeds PGINIT_CONFIG=$ROOT/pginit.conf PGINIT_PROFILE=dev
"$bin" -q -s connection.dbname=b_csv -s seeds= run
"$bin" -q -s connection.dbname=b_sql -s seeds= run

ms() { echo $((($(date +%s%N) - $1) / 1000000)); }
s=$(date +%s%N)
"$bin" -q -s connection.dbname=b_csv -s seeds=csv seed
csv=$(ms "$s")
s=$(date +%s%N)
"$bin" -q -s connection.dbname=b_sql -s seeds=sql seed
ins=$(ms "$s")
rows_csv=$(sql -d b_csv -c 'select count(*) from public.people')
rows_sql=$(sql -d b_sql -c 'select count(*) from public.people')
echo "seed $n rows: CSV (COPY) $csv ms ($rows_csv rows), INSERT statements $ins ms ($rows_sql rows): COPY is $(echo "scale=1; $ins / $csv" | bc)x faster"
