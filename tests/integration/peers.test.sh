#!/usr/bin/env bash
# Peers: pginit against the old tools' own rules (issue 9). test_90N: the
# differential harness (tests/differential/harness.sh) on each set of
# tests/data/formats; test_95N: the real dbmate binary, both ways.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"
# shellcheck source=tests/differential/harness.sh
. "$ROOT/tests/differential/harness.sh"

test_901_peer_golang_migrate() { differential golang-migrate golang-migrate; }
test_902_peer_dbmate() { differential dbmate dbmate; }
test_903_peer_goose() { differential goose goose; }
test_904_peer_flyway() { PEER_PLACEHOLDERS=app_role=app_user differential flyway flyway; }

# The harness itself: a difference is found and fails an unlisted set, a listed
# set that diverges passes (XFAIL), a listed set that matches fails.
test_900_peer_harness_verdicts() {
	# every entry of the list: a name, a reason, the issue 9 item it belongs to
	local bad
	bad=$(grep -vE '^(#|$)' "$DIFF_DIR/known-divergences" | grep -vE '^[a-z0-9_-]+ +[^ ].* - issue 9 item [0-9]+$' || true)
	[ -z "$bad" ] || fail "malformed known-divergences lines: $bad"
	export PEER_EXTRA_SQL="create table blog.not_from_a_migration (id int)"
	if (differential golang-migrate golang-migrate) >"$TDIR/v1" 2>&1; then
		cat "$TDIR/v1"; fail "an extra table on the reference side was not noticed"
	fi
	assert_contains "-CREATE TABLE blog.not_from_a_migration" "$TDIR/v1" "the diff is shown"
	q postgres "drop database app" >/dev/null; q postgres "drop database peer" >/dev/null
	printf 'golang-migrate  the self-test - issue 9 item 0\n' >"$TDIR/known"
	DIFF_KNOWN=$TDIR/known differential golang-migrate golang-migrate >"$TDIR/v2" 2>&1 || { cat "$TDIR/v2"; fail "listed divergence failed"; }
	assert_contains "XFAIL golang-migrate: the self-test - issue 9 item 0" "$TDIR/v2" "XFAIL printed"
	q postgres "drop database app" >/dev/null; q postgres "drop database peer" >/dev/null
	unset PEER_EXTRA_SQL
	if (DIFF_KNOWN=$TDIR/known differential golang-migrate golang-migrate) >"$TDIR/v3" 2>&1; then
		cat "$TDIR/v3"; fail "a listed set that matches passed"
	fi
	assert_contains "remove it from tests/differential/known-divergences" "$TDIR/v3" "stale entry named"
}

# One set per shape of issue 9 (tests/data/formats/README.md, "Sets for the
# differential harness").
test_911_peer_golang_migrate_history_alter() { differential golang-migrate-history-alter golang-migrate; }
test_912_peer_golang_migrate_tx_blocks() { differential golang-migrate-tx-blocks golang-migrate; }
test_913_peer_golang_migrate_cic() { differential golang-migrate-cic golang-migrate; }
test_914_peer_dbmate_search_path() { differential dbmate-search-path dbmate; }
test_915_peer_dbmate_session_set() { DIFF_NO_CONFIG=1 differential dbmate-session-set dbmate; }
test_917_peer_goose_mixed() { differential goose-mixed goose; }
test_918_peer_flyway_mixed() { differential flyway-mixed flyway; }
# ${...} in a dbmate file is text (dbmate has no placeholders), also where pginit's
# own format would know the name (${app_role}).
test_921_peer_dbmate_templates() { differential dbmate-templates dbmate; }

# A pg_dump (plain, with owners and COPY data) of a database built here, applied
# as two migrations: pre-data, then data + post-data.
pg_dump_set() { # DIR: the two migrations, as pg_dump writes them
	local dir=$1
	mkdir -p "$dir"
	q postgres "create database legacy" >/dev/null
	sql -d legacy -f "$FORMATS/pg_dump/source.sql" >/dev/null
	local dump=(env PGPASSWORD="$TEST_SUPERPASS" "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres -n billing legacy)
	"${dump[@]}" --section=pre-data >"$dir/0001_billing_schema.sql"
	"${dump[@]}" --section=data --section=post-data >"$dir/0002_billing_data.sql"
	grep -q 'OWNER TO postgres' "$dir/0001_billing_schema.sql" || fail "the dump has no owners"
	grep -q '^COPY billing.invoice' "$dir/0002_billing_data.sql" || fail "the dump has no COPY data"
}

test_916_peer_pg_dump() {
	pg_dump_set "$TDIR/pg_dump"
	# a team applying pg_dump output runs it as the admin (its ALTER ... OWNER TO postgres)
	PGINIT_MIGRATIONS_RUN_AS_ADMIN=true differential pg_dump native "$TDIR/pg_dump"
}

# The same dump without the \restrict/\unrestrict lines that pg_dump writes since
# 17.6/16.10/15.14 (2025-08): what a dump made by an older pg_dump looks like.
test_919_peer_pg_dump_old() {
	pg_dump_set "$TDIR/pg_dump_old"
	sed -i -E '/^\\(un)?restrict /d' "$TDIR/pg_dump_old"/*.sql
	PGINIT_MIGRATIONS_RUN_AS_ADMIN=true differential pg_dump_old native "$TDIR/pg_dump_old"
}

# ---- the real dbmate (scripts/install-dbmate.sh, from npm), both ways
DBMATE=${PGINIT_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pginit/npm}/node_modules/.bin/dbmate

# dbmate DBMATE_ARGS...: the real dbmate on database app, as the superuser. Output
# in $TDIR/dbmate.out, exit code in $RC.
dbmate() {
	[ -x "$DBMATE" ] || fail "no dbmate at $DBMATE (scripts/install-dbmate.sh)"
	set +e
	DATABASE_URL="postgres://postgres:$TEST_SUPERPASS@127.0.0.1:$PGPORT_TEST/app?sslmode=disable" \
		"$DBMATE" --no-dump-schema --migrations-dir "$PGINIT_MIGRATIONS_DIR" "$@" >"$TDIR/dbmate.out" 2>&1
	RC=$?
	set -e
	sed 's/^/  dbmate: /' "$TDIR/dbmate.out"
}

# pginit configured as a team switching from dbmate would: its directory, compat on.
as_dbmate_team() {
	mkdir -p "$TDIR/no-initdb"
	export PGINIT_MIGRATIONS_DIR=$1 PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true PGINIT_MIGRATIONS_FORMAT=auto
	export PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$TDIR/no-initdb
}

# Every privilege legacy_app has on database app, schema public and its tables, one word each.
legacy_app_privs() {
	q app "select string_agg(x, ' ' order by x) from (
		select format('db:%s:%s', p, has_database_privilege('legacy_app', 'app', p)) x
		  from unnest(array['CONNECT', 'TEMPORARY', 'CREATE']) p
		union all select format('schema:%s:%s', p, has_schema_privilege('legacy_app', 'public', p))
		  from unnest(array['USAGE', 'CREATE']) p
		union all select format('%s:%s:%s', c.relname, p, has_table_privilege('legacy_app', c.oid, p))
		  from pg_class c, unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
		  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r'
		    and c.relname in ('account', 'session', 'schema_migrations')) s"
}

legacy_can_connect() {
	PGPASSWORD=legacy-Pass-1 psql -X -q -At -h 127.0.0.1 -p "$PGPORT_TEST" -U legacy_app -d app \
		-c "select count(*) from public.account"
}

# dbmate migrates, pginit imports its table and goes on with new migrations.
test_951_dbmate_then_pginit() {
	cp -a "$FORMATS/dbmate-app" "$TDIR/m"
	as_dbmate_team "$TDIR/m"
	dbmate up
	[ "$RC" = 0 ] || fail "dbmate up exited $RC"
	assert_eq 3 "$(q app "select count(*) from public.schema_migrations")" "dbmate recorded its three"
	# a login role the application already uses, with what it was granted
	q postgres "create role legacy_app login password 'legacy-Pass-1'" >/dev/null
	q app "grant select on all tables in schema public to legacy_app" >/dev/null
	assert_eq 2 "$(legacy_can_connect)" "the legacy role reads before pginit"
	privs_before=$(legacy_app_privs)
	run_pginit import
	expect_rc 0
	assert_contains "import done" "$TDIR/out" "import ran"
	# dbmate ran as the superuser: its tables are postgres's, and import says which way out it recommends
	assert_contains "owned by role postgres" "$TDIR/out" "import saw the foreign owner"
	assert_contains "recommended: run migrations as that role, migrations_role = postgres" "$TDIR/out" "and recommends"
	run_pginit status --check
	expect_rc 0
	# a new migration that only adds a table
	printf -- '-- migrate:up\nCREATE TABLE feature_flag (name text PRIMARY KEY, enabled boolean NOT NULL DEFAULT false);\n\n-- migrate:down\nDROP TABLE feature_flag;\n' \
		>"$TDIR/m/20240601090000_feature_flags.sql"
	run_pginit run
	expect_rc 0
	assert_contains "1 migration applied" "$TDIR/out" "the new one applied"
	assert_eq t "$(q app "select to_regclass('public.feature_flag') is not null")" "table there"
	dbmate status --exit-code
	[ "$RC" = 0 ] || fail "dbmate status says something is pending after pginit (exit $RC)"
	assert_contains "Pending: 0" "$TDIR/dbmate.out" "dbmate sees all four applied"
	dbmate up
	[ "$RC" = 0 ] || fail "dbmate up exited $RC"
	grep -q 'Applying:' "$TDIR/dbmate.out" && fail "dbmate applied something pginit had applied"
	known_or_fixed dbmate-import-login-role "the login role that used the database still reads it after pginit run" \
		legacy_can_connect
	# a new migration that changes a table dbmate created (owned by dbmate's role)
	printf -- '-- migrate:up\nALTER TABLE account ADD COLUMN name text;\n\n-- migrate:down\nALTER TABLE account DROP COLUMN name;\n' \
		>"$TDIR/m/20240602090000_account_name.sql"
	known_or_fixed dbmate-import-alter "a new migration alters a table the old tool created (migrations_role, as import recommends)" \
		env PGINIT_MIGRATIONS_ROLE=postgres "$PGINIT_BIN" run
	assert_eq t "$(q app "select count(*) = 1 from information_schema.columns where table_name = 'account' and column_name = 'name'")" "column added"
	assert_eq 2 "$(legacy_can_connect)" "the legacy role still reads"
	assert_eq "$privs_before" "$(legacy_app_privs)" "nothing legacy_app had was revoked"
}

# pginit migrates with compat on; the real dbmate sees everything applied.
test_952_pginit_then_dbmate() {
	as_dbmate_team "$FORMATS/dbmate-app"
	run_pginit run
	expect_rc 0
	assert_contains "3 migrations applied" "$TDIR/out" "pginit applied three"
	dbmate status --exit-code
	[ "$RC" = 0 ] || fail "dbmate status --exit-code exited $RC after pginit migrated"
	assert_contains "Applied: 3" "$TDIR/dbmate.out" "dbmate counts three applied"
	assert_contains "Pending: 0" "$TDIR/dbmate.out" "and none pending"
	dbmate up
	[ "$RC" = 0 ] || fail "dbmate up exited $RC"
	grep -q 'Applying:' "$TDIR/dbmate.out" && fail "dbmate re-applied a migration pginit had applied"
	# and back: dbmate rolls the last one back, pginit sees it pending and applies it again
	dbmate rollback
	[ "$RC" = 0 ] || fail "dbmate rollback exited $RC"
	assert_eq "" "$(q app "select to_regclass('public.session')")" "dbmate rolled back"
	known_or_fixed dbmate-rollback-then-pginit "pginit applies again what dbmate rolled back" \
		pginit_reapplies_session
	assert_contains "no longer lists it (rolled back with dbmate): pending again" "$TDIR/known.out" "said why"
	dbmate status --exit-code
	[ "$RC" = 0 ] || fail "dbmate status says something is pending after pginit re-applied (exit $RC)"
	assert_contains "Pending: 0" "$TDIR/dbmate.out" "dbmate sees the three applied again"
	run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "and then nothing is pending"
}

pginit_reapplies_session() {
	"$PGINIT_BIN" run && [ "$(q app "select to_regclass('public.session') is not null")" = t ]
}

# dbmate-session-set and dbmate-app: as a team that only wants migrations runs
# pginit (issue 9 item 7): no configuration file, so no roles and none of
# pginit's default privileges, which the old tool never gave.
test_920_peer_dbmate_app() { DIFF_NO_CONFIG=1 differential dbmate-app dbmate; }
