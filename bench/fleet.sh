#!/usr/bin/env bash
# Fleets (issue 11): T tenant databases x M migrations, `pginit run` over the
# fleet sequentially (-j 1) and with -j 4 (each on its own fresh set of T
# databases, found by fleet.pattern), then the no-op rerun over each (every
# target up to date: a read-only check per target, no lock, no run row).
# Prints the figures; nothing asserted; not part of make test.
#   bench/fleet.sh [TENANTS [MIGRATIONS]]   (default 200 20; PGINIT_BIN picks the binary)
# The server runs with fsync on (bench/lib.sh).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
tenants=${1:-200}
migrations=${2:-20}
case "$tenants$migrations" in *[!0-9]*)
	echo "bench/fleet.sh: TENANTS and MIGRATIONS must be numbers" >&2
	exit 2
	;;
esac
bin=${PGINIT_BIN:-$ROOT/build/pginit}
[ -x "$bin" ] || make -s build/pginit
# shellcheck source=bench/lib.sh
. bench/lib.sh

echo
echo "== fleet: $tenants tenant databases x $migrations migrations, -j 1 against -j 4 (load average $(loadavg))"
bench_server pginit-bench-fleet
W=$THROWAWAY
mkdir -p "$W/migrations" "$W/seeds" "$W/initdb.d"
printf 'CREATE TABLE items (id int PRIMARY KEY, note text);\n' >"$W/migrations/0001_items.sql"
for ((m = 2; m <= migrations; m++)); do
	printf 'ALTER TABLE items ADD COLUMN c%d int;\nINSERT INTO items (id, note) VALUES (%d, $$m%d$$);\n' "$m" "$m" "$m" \
		>"$W/migrations/$(printf '%04d' "$m")_step.sql"
done
cat >"$W/pginit.conf" <<'CONF'
default_profile = "tenant";
database = { schemas = [ "public" ]; extensions = [ ]; };
profiles = { tenant = { seeds = [ ]; generate_app_password = true; }; };
CONF
export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST PGINIT_SSLMODE=disable POSTGRES_PASSWORD=$TEST_SUPERPASS
export APP_DB_PASSWORD=bench-Pass-1 PGINIT_CONFIG=$W/pginit.conf PGINIT_CREDENTIALS_FILE=$W/.env.credentials

for set in seq par; do
	for ((i = 1; i <= tenants; i++)); do printf 'CREATE DATABASE %s_%04d;\n' "$set" "$i"; done | sql -d postgres
done
sql -c checkpoint
t_run "run.j1" "$bin" -q -s fleet.pattern='seq\_%' run -j 1
t_run "run.j4" "$bin" -q -s fleet.pattern='par\_%' run -j 4
t_run "noop.j1" "$bin" -q -s fleet.pattern='seq\_%' run -j 1
t_run "noop.j4" "$bin" -q -s fleet.pattern='par\_%' run -j 4
applied=$(sql -d par_0001 -c 'select count(*) from pginit.schema_migrations where success')
[ "$applied" = "$migrations" ] || { echo "bench: par_0001 has $applied migrations, expected $migrations" >&2; exit 1; }
show "run, $tenants x $migrations, -j 1" run.j1
show "run, $tenants x $migrations, -j 4" run.j4
show "no-op rerun, $tenants targets, -j 1" noop.j1
show "no-op rerun, $tenants targets, -j 4" noop.j4
read -r _ j1 _ < <(stats run.j1)
read -r _ j4 _ < <(stats run.j4)
echo "  speed-up of -j 4: $(ratio "$j1" "$j4")x on $(nproc) cores"
