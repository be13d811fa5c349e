#!/usr/bin/env bash
# The migration engine: rollback, dry run, COPY and CSV, validate/repair,
# placeholders, timeouts, status JSON, `new`, files with their own transaction.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# pg_dump of a database (schema only with "schema"), pginit's ledger left out.
dump() {
	local what=()
	[ "${2:-}" = schema ] && what=(--schema-only)
	PGPASSWORD=$TEST_SUPERPASS "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres \
		"${what[@]}" -N pginit -N "${3:-pginit}" "$1" | grep -vE '^.(un)?restrict [[:alnum:]]+$'
}

test_201_rollback_round_trip() {
	export PGINIT_SEEDS=
	run_pginit run
	expect_rc 0
	dump app schema >"$TDIR/up1.sql"
	run_pginit rollback
	expect_rc 0
	assert_contains "rollback [1/1] 0008_event_registrations.sql" "$TDIR/out" "one step by default"
	assert_eq "" "$(q app "select to_regclass('public.event_registrations')")" "0008 undone"
	run_pginit rollback --to 0
	expect_rc 0
	assert_eq "0" "$(q app "select count(*) from pg_tables where schemaname in ('auth', 'public')")" "every table gone"
	assert_eq "8" "$(q app "select count(*) from pginit.schema_migrations where kind = 'rollback' and success")" "rollback rows"
	run_pginit status
	assert_contains "8 pending" "$TDIR/out" "all pending again"
	run_pginit run
	expect_rc 0
	dump app schema >"$TDIR/up2.sql"
	diff -u "$TDIR/up1.sql" "$TDIR/up2.sql" >"$TDIR/diff" || { cat "$TDIR/diff"; fail "up -> down -> up changed the schema"; }
	# prod refuses without --force; a migration without a down part stops everything
	APP_DB_PASSWORD=x run_pginit -p prod rollback
	expect_rc 2
	copy_migrations
	rm "$TDIR/migrations/0007_events_slug.down.sql"
	run_pginit rollback 2
	expect_rc 11
	assert_contains "0007_events_slug.sql has no down part" "$TDIR/out" "missing down named"
	assert_eq "event_registrations" "$(q app "select to_regclass('public.event_registrations')")" "nothing rolled back"
}

test_202_dry_run_changes_nothing() {
	copy_migrations
	mkdir "$TDIR/held"
	mv "$TDIR/migrations/0008_"* "$TDIR/held/"
	export PGINIT_SEEDS=common
	run_pginit run
	expect_rc 0
	mv "$TDIR/held/"* "$TDIR/migrations/"
	export PGINIT_SEEDS=common,dev
	dump app >"$TDIR/before.sql"
	local runs
	runs=$(q app "select count(*) from pginit.init_log")
	run_pginit run --dry-run
	expect_rc 0
	assert_contains "[1/1] 0008_event_registrations.sql" "$TDIR/out" "plan"
	assert_contains "CREATE TABLE public.event_registrations" "$TDIR/out" "exact SQL"
	assert_contains "SET LOCAL ROLE \"app_owner\";" "$TDIR/out" "the wrapping statements"
	assert_contains "-- dev/001_users.sql (pending)" "$TDIR/out" "pending seeds"
	dump app >"$TDIR/after.sql"
	cmp "$TDIR/before.sql" "$TDIR/after.sql" || fail "dry run changed the database"
	assert_eq "$runs" "$(q app "select count(*) from pginit.init_log")" "no run recorded"
	PGINIT_DBNAME=nowhere run_pginit migrate --dry-run
	expect_rc 0
	assert_contains "database nowhere does not exist" "$TDIR/out" "says it would create it"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'nowhere'")" "not created"
}

test_203_copy_data_and_csv_seeds() {
	copy_migrations
	printf 'CREATE TABLE public.colours (code text PRIMARY KEY, name text NOT NULL, hex text);\nCOPY public.colours (code, name, hex) FROM stdin;\nred\tRed\t#ff0000\ngrn\tGreen; with a semicolon\t#00ff00\nnul\tNo hex\t\\N\n\\.\nCREATE INDEX colours_name_idx ON public.colours (name);\n' \
		>"$TDIR/migrations/0100_colours.sql"
	cp -a "$ROOT/seeds" "$TDIR/seeds"
	mkdir "$TDIR/seeds/csv"
	printf 'code,name,hex\nblu,Blue,#0000ff\nylw,"Yellow, bright",#ffff00\n' >"$TDIR/seeds/csv/010_public.colours.csv"
	export PGINIT_SEEDS_DIR=$TDIR/seeds PGINIT_SEEDS=common,csv
	run_pginit run
	expect_rc 0
	assert_eq "3" "$(q app "select count(*) from public.colours where code in ('red', 'grn', 'nul')")" "COPY data"
	assert_eq "Green; with a semicolon|t" "$(q app "select name, (select hex is null from public.colours where code = 'nul') from public.colours where code = 'grn'")" "COPY text and NULL"
	assert_eq "Yellow, bright" "$(q app "select name from public.colours where code = 'ylw'")" "CSV quoting"
	assert_contains "seed [1/1] csv/010_public.colours.csv" "$TDIR/out" "CSV progress"
	printf 'org,Orange,#ff8800\n' >>"$TDIR/seeds/csv/010_public.colours.csv"
	run_pginit run
	expect_rc 0
	assert_contains "(1 rows)" "$TDIR/out" "only the new row inserted"
	assert_eq 6 "$(q app "select count(*) from public.colours")" "no duplicates"
	printf 'code,nope\nx,y\n' >"$TDIR/seeds/csv/020_public.colours.csv"
	run_pginit run
	expect_rc 9
	assert_contains "020_public.colours.csv" "$TDIR/out" "bad CSV named"
}

test_204_validate_and_repair() {
	copy_migrations
	run_pginit validate --offline
	expect_rc 0
	assert_contains "validate: 8 migrations (native), offline: ok" "$TDIR/out" "clean"
	printf 'SELECT 1;\n' >"$TDIR/migrations/0010_fine.sql"
	run_pginit validate --offline
	expect_rc 0
	assert_contains "gap in versions: 10 follows 8" "$TDIR/out" "gap reported"
	printf "SELECT 'unterminated;\n" >"$TDIR/migrations/0011_broken.sql"
	printf 'SELECT 1;\n' >"$TDIR/migrations/0011_twin.sql"
	printf 'SELECT 1;\n' >"$TDIR/migrations/badname.sql"
	run_pginit validate --offline
	expect_rc 11
	assert_contains "0011_broken.sql:1:8: unterminated quoted string" "$TDIR/out" "file:line:col"
	assert_contains "have the same version 11" "$TDIR/out" "duplicate"
	assert_contains "1 file is not a native migration file name: badname.sql" "$TDIR/out" "bad name"
	rm "$TDIR/migrations/0011_"* "$TDIR/migrations/badname.sql" "$TDIR/migrations/0010_fine.sql"
	# online: drift is found, repair accepts it
	run_pginit run
	expect_rc 0
	echo "-- reformatted comment" >>"$TDIR/migrations/0005_indexes.sql"
	run_pginit validate
	expect_rc 11
	assert_contains "0005_indexes.sql was changed after it was applied" "$TDIR/out" "online drift"
	run_pginit repair
	expect_rc 0
	assert_contains "repaired the checksum of 0005_indexes.sql" "$TDIR/out" "repair says what"
	assert_eq "$(sha256sum "$TDIR/migrations/0005_indexes.sql" | cut -d' ' -f1)" \
		"$(q app "select checksum from pginit.schema_migrations where version = '5'")" "checksum realigned"
	run_pginit run
	expect_rc 0
	# a failed no-transaction migration leaves a failed row; repair clears it
	printf -- '-- pginit:no-transaction\nCREATE TABLE public.nt_a (id int);\nSELECT 1/0;\n' >"$TDIR/migrations/0100_nt.sql"
	run_pginit run
	expect_rc 8
	assert_eq "f" "$(q app "select success from pginit.schema_migrations where version = '100'")" "failed row"
	run_pginit repair
	expect_rc 0
	assert_contains "removed 1 failed migration row" "$TDIR/out" "failed row removed"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations where not success")" "no failed rows"
}

test_205_placeholders() {
	copy_migrations
	cat >"$TDIR/migrations/0100_placeholders.sql" <<'SQL'
CREATE TABLE public.settings (k text PRIMARY KEY, v text);
INSERT INTO public.settings VALUES ('app', '${app_name}'), ('role', '${app_role}'), ('env', '${deploy_env}');
-- not placeholders: a parameter-like ${1}, an unclosed ${ and an escaped $${app_role}
INSERT INTO public.settings VALUES ('lit1', '${1}'), ('lit2', '${ not closed'), ('lit3', '$${app_role}');
CREATE FUNCTION public.greeting() RETURNS text LANGUAGE sql AS $$ SELECT 'hello from ${database}'::text $$;
GRANT SELECT ON public.settings TO ${app_role};
SQL
	PGINIT_VAR_DEPLOY_ENV=staging-eu run_pginit run
	expect_rc 0
	assert_eq "witchcityrope|app_user|staging-eu" "$(q app "select string_agg(v, '|' order by k) from public.settings where k in ('app','env','role')" | awk -F'|' '{print $1"|"$3"|"$2}')" "values"
	assert_eq '${1}|${ not closed|${app_role}' "$(q app "select string_agg(v, '|' order by k) from public.settings where k like 'lit%'")" "literals untouched"
	assert_eq "hello from app" "$(q app "select public.greeting()")" "inside a \$\$ body"
	# undefined: refused before anything runs
	printf 'CREATE TABLE public.first_one (id int);\n' >"$TDIR/migrations/0101_first.sql"
	printf 'SELECT ${nowhere_defined};\n' >"$TDIR/migrations/0102_undefined.sql"
	run_pginit run
	expect_rc 11
	assert_contains "0102_undefined.sql:1: undefined placeholder \${nowhere_defined}" "$TDIR/out" "named with file:line"
	assert_eq "" "$(q app "select to_regclass('public.first_one')")" "nothing applied"
}

test_206_migration_timeouts() {
	copy_migrations
	run_pginit run
	expect_rc 0
	# another session holds a lock on the table the migration alters
	sql -d app -c "begin; lock table public.events in access exclusive mode; select pg_sleep(8); commit;" &
	local holder=$!
	sleep 0.5
	printf 'ALTER TABLE public.events ADD COLUMN venue_notes text;\n' >"$TDIR/migrations/0100_alter_events.sql"
	local t0
	t0=$(date +%s%N)
	PGINIT_MIGRATION_LOCK_TIMEOUT=300ms run_pginit run
	expect_rc 8
	[ "$(elapsed_ms "$t0")" -lt 4000 ] || fail "lock_timeout not applied"
	assert_contains "0100_alter_events.sql:1: canceling statement due to lock timeout [55P03]" "$TDIR/out" "which migration"
	assert_contains "hint: a lock wait exceeded migration_lock_timeout" "$TDIR/out" "the fix"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
	rm "$TDIR/migrations/0100_alter_events.sql"
	printf 'SELECT pg_sleep(3);\n' >"$TDIR/migrations/0100_slow.sql"
	PGINIT_MIGRATION_STATEMENT_TIMEOUT=300ms run_pginit run
	expect_rc 8
	assert_contains "[57014]" "$TDIR/out" "statement timeout"
	assert_contains "migration_statement_timeout" "$TDIR/out" "statement timeout hint"
}

test_207_status_json_and_check() {
	copy_migrations
	run_pginit run
	expect_rc 0
	run_pginit status --check
	expect_rc 0
	printf 'SELECT 1;\n' >"$TDIR/migrations/0100_pending.sql"
	"$PGINIT_BIN" status --json --check >"$TDIR/status.json" 2>"$TDIR/err" && RC=0 || RC=$?
	expect_rc 1
	python3 - "$TDIR/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["pending"] == 1 and s["drifted"] == 0 and s["format"] == "native", s
states = {m["file"]: m["state"] for m in s["migrations"]}
assert states["0100_pending.sql"] == "pending" and states["0001_vetting_statuses.sql"] == "applied", states
assert all(m["applied_at"] for m in s["migrations"] if m["state"] == "applied")
assert s["runs"][0]["status"] == "success" and s["seeds"][0]["state"] == "applied", s["runs"]
PY
	echo "-- edited" >>"$TDIR/migrations/0001_vetting_statuses.sql"
	"$PGINIT_BIN" status --json --check >"$TDIR/status.json" 2>"$TDIR/err" && RC=0 || RC=$?
	expect_rc 11
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); assert s["drifted"] == 1, s' "$TDIR/status.json"
}

test_208_new_and_own_transactions() {
	copy_migrations
	run_pginit new "Add Widgets!"
	expect_rc 0
	assert_contains "$TDIR/migrations/0009_add_widgets.sql" "$TDIR/out" "path printed"
	[ -f "$TDIR/migrations/0009_add_widgets.down.sql" ] || fail "down file created"
	printf 'BEGIN;\nCREATE TABLE public.widgets (id int);\nINSERT INTO public.widgets VALUES (1);\nCOMMIT;\n' >"$TDIR/migrations/0009_add_widgets.sql"
	printf 'DROP TABLE public.widgets;\n' >"$TDIR/migrations/0009_add_widgets.down.sql"
	printf -- '-- pginit:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS widgets_id_idx ON public.widgets (id);\n' \
		>"$TDIR/migrations/0010_widgets_index.sql"
	printf 'BEGIN;\nCREATE TABLE public.half (id int);\nCOMMIT;\nSELECT 1;\n' >"$TDIR/held.sql"
	run_pginit run
	expect_rc 0
	assert_eq 1 "$(q app "select count(*) from public.widgets")" "own BEGIN/COMMIT file applied once"
	assert_eq t "$(q app "select indisvalid from pg_index where indexrelid = 'public.widgets_id_idx'::regclass")" "CONCURRENTLY index valid"
	mv "$TDIR/held.sql" "$TDIR/migrations/0011_half.sql"
	PGINIT_MIGRATIONS_STRICT_TRANSACTIONS=true run_pginit run
	expect_rc 11
	assert_contains "0011_half.sql:1:1: transaction control in the middle of a file" "$TDIR/out" "strict: mid-file COMMIT refused"
	# the old tools' rule (default): the file runs as written, outside pginit's transaction
	run_pginit run
	expect_rc 0
	assert_contains "0011_half.sql runs outside a transaction, as its old tool ran it (line 1: its own transaction control)" "$TDIR/out" "why"
	assert_eq "half" "$(q app "select to_regclass('public.half')")" "applied as written"
}

# The catalog a failed migration must not touch: roles, schemas, relations and
# constraints with their xmin, the app's tables with their row counts.
catalog_of() {
	q app "select string_agg(rolname || ':' || xmin::text, ',' order by rolname) from pg_authid"
	q app "select string_agg(nspname || ':' || xmin::text, ',' order by nspname) from pg_namespace"
	q app "select count(*) || ':' || md5(string_agg(oid::regclass::text || ':' || xmin::text, ',' order by oid))
	       from pg_class where relnamespace <> 'pg_toast'::regnamespace and relname not like 'pg_toast%' and relname <> 'kept'"
	q app "select count(*) || ':' || md5(coalesce(string_agg(conname || ':' || xmin::text, ',' order by oid), ''))
	       from pg_constraint where connamespace = 'public'::regnamespace"
	local t
	for t in $(q app "select format('%I.%I', schemaname, tablename) from pg_tables where schemaname in ('public', 'auth') and tablename <> 'kept' order by 1"); do
		echo "$t $(q app "select count(*) from $t")"
	done
}

# Issue 10 item 4: a transaction's statements go in one pipeline. The third of
# five fails: the error still names its file, line and SQLSTATE (not a
# neighbour's), the statements before it in the same file are rolled back, the
# ones after it never run, and the file before it in the run stays applied
# (and the session setting it left is reset before the next file begins).
test_209_pipelined_failure_names_its_statement() {
	copy_migrations
	run_pginit run
	expect_rc 0
	# (the session reset must still run before the next file's BEGIN, which reads this)
	cat >"$TDIR/migrations/0100_kept.sql" <<'SQL'
CREATE TABLE public.kept (id int);
DO $$ BEGIN RAISE WARNING 'kept: a server warning from a pipelined file'; END $$;
SET default_transaction_read_only = on;
SQL
	cat >"$TDIR/migrations/0101_middle.sql" <<'SQL'
-- five statements, sent together; the third fails
CREATE TABLE public.mid_a (id int PRIMARY KEY);
INSERT INTO public.mid_a VALUES (1);
INSERT INTO public.mid_a
  VALUES (2), (1);
CREATE TABLE public.mid_b (id int);
UPDATE public.no_such_table SET x = 1;
SQL
	catalog_of >"$TDIR/before"
	local hist
	hist=$(q app "select count(*) from pginit.schema_migrations")
	run_pginit run
	expect_rc 8
	assert_contains "0100_kept.sql: server warning: kept: a server warning from a pipelined file" "$TDIR/out" "notice routed"
	assert_contains "0101_middle.sql:4: duplicate key value violates unique constraint \"mid_a_pkey\" [23505]" "$TDIR/out" \
		"file:line and SQLSTATE of the third statement"
	assert_contains "detail: Key (id)=(1) already exists." "$TDIR/out" "its detail"
	assert_contains "hint: a unique constraint rejected a row" "$TDIR/out" "its hint"
	assert_not_contains "no_such_table" "$TDIR/out" "the statements after it never ran"
	assert_eq 1 "$(grep -v 'error: detail:' "$TDIR/out" | grep -c 'error:')" "one error"
	assert_eq "kept" "$(q app "select to_regclass('public.kept')")" "the file before it stays applied"
	assert_eq "" "$(q app "select to_regclass('public.mid_a')")$(q app "select to_regclass('public.mid_b')")" "nothing of the file"
	assert_eq "$((hist + 1))" "$(q app "select count(*) from pginit.schema_migrations")" "one history row: the kept file's"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations where version = '101'")" "none for the failed one"
	catalog_of >"$TDIR/after"
	diff -u "$TDIR/before" "$TDIR/after" || fail "the failed migration changed the catalog"
	assert_match "^failed\|.*0101_middle.sql:4: duplicate key value .* \[23505\]" \
		"$(q app "select status || '|' || error from pginit.init_log order by id desc limit 1")" "init_log failed row"
	# A deferred constraint fails at COMMIT, the last statement of the second round trip.
	cat >"$TDIR/migrations/0101_middle.sql" <<'SQL'
CREATE TABLE public.mid_p (id int PRIMARY KEY);
CREATE TABLE public.mid_c (p int REFERENCES public.mid_p DEFERRABLE INITIALLY DEFERRED);
INSERT INTO public.mid_c VALUES (7);
SQL
	run_pginit run
	expect_rc 8
	assert_contains "COMMIT: insert or update on table \"mid_c\" violates foreign key constraint \"mid_c_p_fkey\"" "$TDIR/out" \
		"the commit's error"
	assert_contains "0101_middle.sql failed after" "$TDIR/out" "the file named"
	assert_eq "" "$(q app "select to_regclass('public.mid_p')")" "nothing of it"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations where version = '101'")" "no history row"
}

# statement_timeout applies to each statement of a pipeline on its own
# (PostgreSQL >= 11 rearms it at every Execute message): three statements of
# 0.8 s under a 2 s timeout pass although the file takes 2.4 s; one 3 s
# statement among quick ones is cancelled, and named.
test_210_statement_timeout_per_pipelined_statement() {
	copy_migrations
	run_pginit run
	expect_rc 0
	printf 'SELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);\nSELECT pg_sleep(0.8);\n' >"$TDIR/migrations/0100_three.sql"
	PGINIT_MIGRATION_STATEMENT_TIMEOUT=2s run_pginit run
	expect_rc 0
	assert_eq 1 "$(q app "select count(*) from pginit.schema_migrations where version = '100' and success")" "applied"
	printf 'CREATE TABLE public.slow_one (id int);\nSELECT pg_sleep(3);\nSELECT 1;\n' >"$TDIR/migrations/0101_slow.sql"
	PGINIT_MIGRATION_STATEMENT_TIMEOUT=2s run_pginit run
	expect_rc 8
	assert_contains "0101_slow.sql:2: canceling statement due to statement timeout [57014]" "$TDIR/out" "the slow statement named"
	assert_eq "" "$(q app "select to_regclass('public.slow_one')")" "rolled back"
}
