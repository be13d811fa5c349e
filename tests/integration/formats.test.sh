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

# ---- issue 9: the old tools' session and transaction rules

# Native migrations in $TDIR/mig from here-documents: new_mig NAME <<SQL.
new_mig() {
	mkdir -p "$TDIR/mig"
	cat >"$TDIR/mig/$1"
}

test_310_session_reset_between_files() {
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	new_mig 0001_legacy.sql <<'SQL'
CREATE SCHEMA legacy;
SET search_path TO legacy;
SELECT set_config('work_mem', '7MB', false);
CREATE TEMP TABLE scratch (x int);
CREATE TABLE old_order (id int);
SQL
	new_mig 0002_notice.sql <<'SQL'
CREATE TABLE notice (id int, work_mem text DEFAULT current_setting('work_mem'));
INSERT INTO notice (id) VALUES (1);
CREATE TEMP TABLE scratch (x int);
SQL
	run_pginit run
	expect_rc 0
	assert_eq "legacy.old_order,public.notice" \
		"$(q app "select string_agg(table_schema || '.' || table_name, ',' order by 1) from information_schema.tables where table_name in ('old_order', 'notice')")" \
		"the second file ran with the default search_path"
	assert_eq "4MB" "$(q app "select work_mem from public.notice")" "a set_config(..., false) did not leak"
}

test_311_no_transaction_resume() {
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	new_mig 0001_counter.sql <<'SQL'
CREATE TABLE counter (n int);
SQL
	new_mig 0002_fill.sql <<'SQL'
-- pginit:no-transaction
INSERT INTO counter VALUES (1);
INSERT INTO counter VALUES (2);
INSERT INTO missing_table VALUES (3);
INSERT INTO counter VALUES (4);
SQL
	run_pginit run
	expect_rc 8
	assert_contains "0002_fill.sql:4" "$TDIR/out" "the failing statement named"
	assert_eq "1,2" "$(q app "select string_agg(n::text, ',' order by n) from counter")" "statements 1-2 took effect"
	assert_eq "2" "$(q app "select statements from pginit.migration_progress where script = '0002_fill.sql'")" "progress recorded"
	# fixed: statement 3 now right, 1-2 unchanged -> resumes at statement 3
	sed -i 's/missing_table/counter/' "$TDIR/mig/0002_fill.sql"
	run_pginit run
	expect_rc 0
	assert_contains "0002_fill.sql: resuming at statement 3 (line 4)" "$TDIR/out" "resumed at the failed statement"
	assert_eq "1,2,3,4" "$(q app "select string_agg(n::text, ',' order by n) from counter")" "statements 1-2 not rerun"
	assert_eq "0" "$(q app "select count(*) from pginit.migration_progress")" "progress cleared on success"
	run_pginit run
	expect_rc 0
	assert_contains "nothing to do" "$TDIR/out" "applied once"
}

test_312_no_transaction_resume_changed_prefix() {
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	new_mig 0001_counter.sql <<'SQL'
CREATE TABLE counter (n int);
SQL
	new_mig 0002_fill.sql <<'SQL'
-- pginit:no-transaction
INSERT INTO counter VALUES (1);
INSERT INTO counter VALUES (2);
INSERT INTO missing_table VALUES (3);
SQL
	run_pginit run
	expect_rc 8
	# statement 1 edited as well: the prefix changed, so all of it runs again
	sed -i 's/missing_table/counter/; s/VALUES (1)/VALUES (10)/' "$TDIR/mig/0002_fill.sql"
	run_pginit run
	expect_rc 0
	assert_contains "running all of it again" "$TDIR/out" "a changed prefix is not resumed"
	assert_eq "1,2,2,3,10" "$(q app "select string_agg(n::text, ',' order by n) from counter")" "whole file rerun"
}

test_313_detected_no_transaction() {
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	new_mig 0001_t.sql <<'SQL'
CREATE TABLE t (a int, b int);
SQL
	new_mig 0002_idx.sql <<'SQL'
CREATE INDEX CONCURRENTLY t_a_idx ON t (a);
SQL
	new_mig 0003_blocks.sql <<'SQL'
INSERT INTO t VALUES (1, 1);
BEGIN;
INSERT INTO t VALUES (2, 2);
COMMIT;
BEGIN;
INSERT INTO t VALUES (3, 3);
INSERT INTO t VALUES (3, 'x');
COMMIT;
SQL
	# strict: the old rule (wrapped -> 25001; mid-file BEGIN refused at load)
	PGINIT_MIGRATIONS_STRICT_TRANSACTIONS=true run_pginit run
	expect_rc 11
	assert_contains "0003_blocks.sql:2:1: transaction control in the middle of a file is not supported" "$TDIR/out" "strict refuses"
	assert_eq "" "$(q app "select to_regclass('public.t')")" "nothing applied"
	mv "$TDIR/mig/0003_blocks.sql" "$TDIR/blocks.sql"
	PGINIT_MIGRATIONS_STRICT_TRANSACTIONS=true run_pginit run
	expect_rc 8
	assert_contains "[25001]" "$TDIR/out" "strict wraps CIC"
	# detected: run as the old tools ran them, with a line saying why
	mv "$TDIR/blocks.sql" "$TDIR/mig/0003_blocks.sql"
	run_pginit run
	expect_rc 8
	assert_contains "0002_idx.sql runs outside a transaction, as its old tool ran it (line 1: CREATE INDEX CONCURRENTLY cannot run in a transaction block)" "$TDIR/out" "why, for CIC"
	assert_contains "0003_blocks.sql runs outside a transaction, as its old tool ran it (line 2: its own transaction control)" "$TDIR/out" "why, for BEGIN"
	assert_eq "t_a_idx" "$(q app "select indexrelid::regclass from pg_index where indrelid = 't'::regclass")" "CIC ran"
	# the second block failed and was rolled back; the statements before it stay
	assert_eq "1,2" "$(q app "select string_agg(a::text, ',' order by a) from t")" "first block committed, second rolled back"
	assert_eq "4" "$(q app "select statements from pginit.migration_progress where script = '0003_blocks.sql'")" "resume point at the block's BEGIN"
	sed -i "s/(3, 'x')/(4, 4)/" "$TDIR/mig/0003_blocks.sql"
	run_pginit run
	expect_rc 0
	assert_contains "0003_blocks.sql: resuming at statement 5 (line 5)" "$TDIR/out" "resumed at the failed block"
	assert_eq "1,2,3,4" "$(q app "select string_agg(a::text, ',' order by a) from t")" "each statement once"
}

# Flyway's checksum of a file, computed here independently (CRC32 of the UTF-8
# lines without terminators, a leading BOM dropped, as a signed int).
flyway_crc() {
	python3 -c 'import sys, zlib
d = open(sys.argv[1], "rb").read().decode("utf-8")
d = d[1:] if d.startswith("\ufeff") else d
c = 0
for l in d.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
    c = zlib.crc32(l.encode("utf-8"), c)
print(c - (1 << 32) if c >= 1 << 31 else c)' "$1"
}

test_314_flyway_compat_row_columns() {
	export PGINIT_MIGRATIONS_DIR=$FORMATS/flyway PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true
	run_pginit run
	expect_rc 0
	local f n=0
	for f in "$FORMATS"/flyway/V*.sql "$FORMATS"/flyway/R__*.sql; do
		assert_eq "$(flyway_crc "$f")" \
			"$(q app "select checksum from public.flyway_schema_history where script = '$(basename "$f")' order by installed_rank desc limit 1")" \
			"Flyway's checksum of $(basename "$f")"
		n=$((n + 1))
	done
	[ "$n" -ge 10 ] || fail "too few flyway files checked ($n)"
	assert_eq "0" "$(q app "select count(*) from public.flyway_schema_history where checksum is null or description = ''
		or installed_by <> 'postgres' or installed_on is null or execution_time < 0 or not success
		or type <> 'SQL' or (version is null) <> (script like 'R\_\_%')")" "every column Flyway's validate and info read"
	assert_eq "accounts" "$(q app "select description from public.flyway_schema_history where version = '1.1'")" "description as Flyway writes it"
}

test_315_validate_gap_rule() {
	export PGINIT_SEEDS='' PGINIT_MIGRATIONS_DIR=$TDIR/gm
	mkdir -p "$TDIR/gm"
	for v in 20240101120000 20240305093000 20240610000000; do
		printf 'SELECT 1;\n' >"$TDIR/gm/${v}_step.up.sql"
	done
	run_pginit validate --offline
	expect_rc 0
	assert_not_contains "gap in versions" "$TDIR/out" "timestamp versions skip by design"
	rm "$TDIR"/gm/*
	printf 'SELECT 1;\n' >"$TDIR/gm/1_a.up.sql"
	printf 'SELECT 1;\n' >"$TDIR/gm/3_c.up.sql"
	run_pginit validate --offline
	expect_rc 0
	assert_contains "gap in versions: 3 follows 1" "$TDIR/out" "integer versions still warn"
}

test_316_pg_dump_meta_commands_and_run_as_admin() {
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	new_mig 0001_dump.sql <<'SQL'
--
-- PostgreSQL database dump
--

\restrict aB3dE5fG7hI9

SET statement_timeout = 0;
CREATE TABLE public.invoice (id int);
COPY public.invoice (id) FROM stdin;
1
2
\.

--
-- PostgreSQL database dump complete
--

\unrestrict aB3dE5fG7hI9

SQL
	run_pginit run
	expect_rc 0
	assert_eq "2" "$(q app "select count(*) from public.invoice")" "the dump applied, \\restrict lines skipped"
	# other psql meta-commands stay an error, before anything runs
	new_mig 0002_meta.sql <<'SQL'
CREATE TABLE public.other (id int);
\connect other
SQL
	run_pginit run
	expect_rc 11
	assert_contains "0002_meta.sql:2:1: psql meta-command '\\connect' is not supported" "$TDIR/out" "meta-command named"
	assert_eq "" "$(q app "select to_regclass('public.other')")" "nothing applied"
	rm "$TDIR/mig/0002_meta.sql"
	# pg_dump's owners: 42501 as the owner role, with a hint naming the owner; the directive is the way out
	q app "create table public.legacy (id int); alter table public.legacy owner to postgres" >/dev/null
	new_mig 0002_owner.sql <<'SQL'
ALTER TABLE public.legacy ADD COLUMN note text;
SQL
	run_pginit run
	expect_rc 8
	assert_contains "hint: legacy is owned by role postgres, and migrations run as app_owner" "$TDIR/out" "owner named"
	printf -- '-- pginit:run-as admin\nALTER TABLE public.legacy ADD COLUMN note text;\n' >"$TDIR/mig/0002_owner.sql"
	run_pginit run
	expect_rc 0
	assert_contains "0002_owner.sql runs as the admin role, not app_owner (-- pginit:run-as admin)" "$TDIR/out" "said so"
	assert_eq "note" "$(q app "select attname from pg_attribute where attrelid = 'public.legacy'::regclass and attnum = 2")" "applied as the admin"
}

test_317_compat_table_place_and_owner() {
	# schema legacy made by bootstrap (owned by the owner role), as a team's own schema is
	export PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true PGINIT_MIGRATIONS_DIR=$TDIR/gm PGINIT_SCHEMAS=public,legacy
	mkdir -p "$TDIR/gm"
	printf 'CREATE TABLE public.a (id int);\n' >"$TDIR/gm/1_a.up.sql"
	# a migration that alters the old tool's table, unqualified, as golang-migrate's users do
	printf 'ALTER TABLE schema_migrations ADD COLUMN applied_at timestamptz NOT NULL DEFAULT now();\n' >"$TDIR/gm/2_b.up.sql"
	# the first schema of the search_path (here the connection's, as a URL's search_path gives it)
	PGOPTIONS='-c search_path=legacy,public' run_pginit run
	expect_rc 0
	assert_eq "legacy.schema_migrations:app_owner" \
		"$(q app "select c.oid::regclass || ':' || pg_get_userbyid(relowner) from pg_class c where relname = 'schema_migrations' and relnamespace = 'legacy'::regnamespace")" \
		"in the first schema of the search_path, owned by the owner role"
	assert_eq "2|f" "$(q app "select version, dirty from legacy.schema_migrations")" "golang-migrate's shape, with the migration's column"
	assert_eq "" "$(q app "select to_regclass('public.schema_migrations')")" "nothing in public"
	# a configured name (x-migrations-table), with its own schema
	q postgres "drop database app" >/dev/null
	printf 'ALTER TABLE legacy.gm_versions ADD COLUMN applied_at timestamptz NOT NULL DEFAULT now();\n' >"$TDIR/gm/2_b.up.sql"
	PGINIT_MIGRATIONS_COMPAT_TABLE=legacy.gm_versions run_pginit run
	expect_rc 0
	assert_eq "2:app_owner" "$(q app "select version || ':' || (select pg_get_userbyid(relowner) from pg_class where oid = 'legacy.gm_versions'::regclass) from legacy.gm_versions")" "configured table"
	q app "drop schema pginit cascade" >/dev/null
	PGINIT_MIGRATIONS_COMPAT_TABLE=legacy.gm_versions run_pginit import
	expect_rc 0
	run_pginit import
	expect_rc 11
	assert_contains "no golang-migrate history table in database app: nothing to import (looked for public.schema_migrations)" "$TDIR/out" "import says where it looked"
}
