#!/usr/bin/env bash
# make demo: install what is missing, build, start a throwaway PostgreSQL in a
# temp dir (as an unprivileged user, 127.0.0.1, a free port), run the dev
# profile twice (the second run is a no-op), show what it made, stop the server.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scripts/install-deps.sh build test
make -s build/pginit
# shellcheck source=tests/lib.sh
. tests/lib.sh

pg_throwaway pginit-demo
DEMO=$THROWAWAY
echo "== throwaway PostgreSQL on 127.0.0.1:$PGPORT_TEST ($DEMO)"

export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST POSTGRES_PASSWORD=$TEST_SUPERPASS
export PGINIT_CREDENTIALS_FILE=$DEMO/.env.credentials
unset APP_DB_PASSWORD APP_DB_PASSWORD_FILE PGINIT_CONFIG
echo "== build/pginit -p dev run"
build/pginit -p dev run
echo "== again: nothing to do"
build/pginit -p dev run
echo "== build/pginit status"
build/pginit -p dev status

show() {
	echo "== $1"
	PGPASSWORD=$TEST_SUPERPASS psql -X -q -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres -d app -P footer=off -c "$2"
}
show "schemas" "select nspname as schema, pg_get_userbyid(nspowner) as owner from pg_namespace where nspname in ('auth', 'public', 'pginit') order by 1"
show "roles" "select rolname, rolcanlogin as login, rolsuper as super from pg_roles where rolname like 'app_%' order by 1"
show "extensions" "select extname, extversion from pg_extension order by 1"
show "pginit.schema_migrations" "select version, name, left(checksum, 12) as checksum, execution_ms, success from pginit.schema_migrations order by id"
show "auth.users (password of each: Test123!)" "select email, scene_name, role, is_vetted from auth.users order by email"
show "public.events" "select to_char(start_date, 'YYYY-MM-DD HH24:MI') as starts, title, event_type, capacity, start_date > now() as upcoming from public.events order by start_date"
show "pginit.init_log" "select id, status, profile, migrations_applied, seeds_applied, seed_records, duration_ms from pginit.init_log order by id"
show "pginit.init_step (last run)" "select step, status, items, rows, duration_ms from pginit.init_step where run_id = (select max(id) from pginit.init_log) order by id"
echo "== the generated app password is in $PGINIT_CREDENTIALS_FILE (mode $(stat -c %a "$PGINIT_CREDENTIALS_FILE")); the server is stopped and removed now"
