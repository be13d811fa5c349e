#!/usr/bin/env bash
# Other tools' migration directories as they are (tests/data/formats): apply
# all, keep the old tool's table (compat), roll back, apply again (same schema),
# and adopt a database the old tool migrated (import).
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# schema_dump SCHEMA: pg_dump --schema-only of one schema of database app.
schema_dump() {
	PGPASSWORD=$TEST_SUPERPASS "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres --schema-only \
		-n "$1" app | grep -vE '^.(un)?restrict [[:alnum:]]+$'
}

# format_round_trip DIR FORMAT SCHEMA MIGRATIONS OLD_TABLE_CHECK_SQL EXPECTED
format_round_trip() {
	local dir=$1 format=$2 schema=$3 n=$4 check_sql=$5 expected=$6
	export PGINIT_MIGRATIONS_DIR=$dir PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true
	run_pginit run
	expect_rc 0
	assert_contains "migrations: $n files in $dir ($format format, detected), $n pending" "$TDIR/out" "format detected and reported"
	assert_eq "$n" "$(q app "select count(*) from pginit.schema_migrations where success and kind <> 'rollback'")" "every migration recorded once"
	assert_eq "$expected" "$(q app "$check_sql")" "$format's own table kept in its shape"
	schema_dump "$schema" >"$TDIR/up1.sql"
	[ "$(grep -c 'CREATE TABLE' "$TDIR/up1.sql")" -ge 5 ] || fail "schema $schema looks empty"
	run_pginit rollback --to 0
	expect_rc 0
	assert_eq "" "$(q app "select nspname from pg_namespace where nspname = '$schema'")" "everything undone"
	run_pginit run
	expect_rc 0
	cp "$TDIR/out" "$TDIR/out.round"
	schema_dump "$schema" >"$TDIR/up2.sql"
	diff -u "$TDIR/up1.sql" "$TDIR/up2.sql" >"$TDIR/diff" || { head -40 "$TDIR/diff"; fail "up -> down -> up changed schema $schema"; }
	assert_eq "$expected" "$(q app "$check_sql")" "$format's table after the round trip"
	# adopt: forget pginit's ledger, import from the old tool's table, nothing left to run
	q app "drop schema pginit cascade" >/dev/null
	run_pginit import
	expect_rc 0
	assert_contains "import done" "$TDIR/out" "import ran"
	run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "nothing re-applied after import"
	run_pginit status --check
	expect_rc 0
}

FORMATS=$ROOT/tests/data/formats

test_301_format_golang_migrate() {
	format_round_trip "$FORMATS/golang-migrate" golang-migrate blog 22 \
		"select version || ':' || dirty from public.schema_migrations" "22:false"
	# a dirty golang-migrate state is not adopted
	q app "drop schema pginit cascade; update public.schema_migrations set dirty = true" >/dev/null
	run_pginit import
	expect_rc 11
	assert_contains "dirty at version 22" "$TDIR/out" "dirty refused"
}

test_302_format_dbmate() {
	format_round_trip "$FORMATS/dbmate" dbmate shop 23 "select count(*) from public.schema_migrations" 23
}

test_303_format_goose() {
	format_round_trip "$FORMATS/goose" goose tick 21 \
		"select count(*) from (select distinct on (version_id) is_applied from public.goose_db_version where version_id > 0 order by version_id, id desc) s where is_applied" 21
}

test_304_format_flyway() {
	cp -a "$FORMATS/flyway" "$TDIR/flyway"
	# V1_12 is data-only and has no undo script: a full rollback is refused before anything runs ...
	export PGINIT_MIGRATIONS_DIR=$TDIR/flyway PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true
	run_pginit run
	expect_rc 0
	run_pginit rollback --to 0
	expect_rc 11
	assert_contains "V1_12__backfill_probability.sql has no down part" "$TDIR/out" "missing undo named"
	# ... so give it an empty one and go all the way down and up again.
	printf -- '-- the backfill of V1_12 needs no undo\n' >"$TDIR/flyway/U1_12__backfill_probability.sql"
	q postgres "drop database app" >/dev/null
	format_round_trip "$TDIR/flyway" flyway crm 23 \
		"select count(*) from (select distinct on (coalesce(version, description)) type from public.flyway_schema_history order by coalesce(version, description), installed_rank desc) s where type = 'SQL'" 23
	assert_contains "R__views.sql" "$TDIR/out.round" "repeatables run again after the rollback"
	assert_eq "1.1,1.2,1.10" "$(q app "select string_agg(version, ',' order by id) from pginit.schema_migrations where version in ('1.1','1.2','1.10') and kind = 'migration' and id in (select min(id) from pginit.schema_migrations group by version)")" "1_2 before 1_10"
}

test_305_baseline() {
	export PGINIT_SEEDS=
	q postgres "create database app" >/dev/null
	run_pginit baseline 5
	expect_rc 0
	assert_eq 5 "$(q app "select count(*) from pginit.schema_migrations")" "five recorded"
	assert_eq "" "$(q app "select to_regclass('public.vetting_statuses')")" "not run"
	run_pginit status
	expect_rc 0
	assert_contains "8 files, 3 pending" "$TDIR/out" "the rest pending"
	assert_contains "pending  0006_users_last_login.sql" "$TDIR/out" "from 6 on"
}
