#!/usr/bin/env bash
# The core scenarios: a fresh database to migrated and seeded, idempotence,
# privileges, profiles, new/failing/drifted migrations, configuration errors.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

test_101_fresh_dev() {
	run_pginit -p dev run
	expect_rc 0
	assert_contains "migrate [1/" "$TDIR/out" "progress lines"
	# schemas owned by the owner role
	assert_eq "auth:app_owner,public:app_owner" \
		"$(q app "select string_agg(nspname || ':' || pg_get_userbyid(nspowner), ',' order by nspname) from pg_namespace where nspname in ('auth','public')")" "schema owners"
	# roles: owner NOLOGIN, app LOGIN without power, readonly NOLOGIN
	assert_eq "app_owner|f|f|f|f" "$(q app "select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname='app_owner'")" "owner role"
	assert_eq "app_user|t|f|f|f" "$(q app "select rolname, rolcanlogin, rolsuper, rolcreatedb, rolcreaterole from pg_roles where rolname='app_user'")" "app role"
	assert_eq "app_readonly|f" "$(q app "select rolname, rolcanlogin from pg_roles where rolname='app_readonly'")" "readonly role"
	assert_eq "citext,pgcrypto,uuid-ossp" "$(q app "select string_agg(extname, ',' order by extname) from pg_extension where extname <> 'plpgsql'")" "extensions"
	# every migration recorded once, with the file's SHA-256
	assert_eq "$(n_migration_files)" "$(q app "select count(*) from pginit.schema_migrations where success")" "migrations recorded"
	local f v sum
	for f in "$ROOT"/migrations/[0-9]*_*.sql; do
		[[ $f == *.down.sql ]] && continue
		v=$(basename "$f" | sed 's/_.*//; s/^0*//')
		sum=$(sha256sum "$f" | cut -d' ' -f1)
		assert_eq "$sum" "$(q app "select checksum from pginit.schema_migrations where version = '$v'")" "checksum of $(basename "$f")"
	done
	# the dev seeds
	assert_eq 5 "$(q app "select count(*) from auth.users")" "users"
	assert_eq "admin@witchcityrope.com,guest@witchcityrope.com,member@witchcityrope.com,organizer@witchcityrope.com,staff@witchcityrope.com" \
		"$(q app "select string_agg(email::text, ',' order by email) from auth.users")" "user emails"
	assert_eq 12 "$(q app "select count(*) from public.events")" "events"
	assert_eq 10 "$(q app "select count(*) from public.events where start_date > now()")" "upcoming events"
	assert_eq 2 "$(q app "select count(*) from public.events where start_date < now()")" "past events"
	assert_eq t "$(q app "select bool_and(password_hash = public.crypt('Test123!', password_hash)) from auth.users")" "documented test password"
	[ "$(q app "select count(*) from public.vetting_statuses")" -gt 0 ] || fail "vetting statuses"
	# the run's record
	assert_eq "success|dev|run|$(n_migration_files)|4" \
		"$(q app "select status, profile, command, migrations_applied, seeds_applied from pginit.init_log")" "init_log row"
	assert_eq "wait,bootstrap,migrate,seed:common,seed:dev" \
		"$(q app "select string_agg(step, ',' order by id) from pginit.init_step where status = 'success'")" "init_step rows"
	assert_eq 4 "$(q app "select count(*) from pginit.seed_history")" "seed_history rows"
}

test_102_second_run_is_noop() {
	run_pginit run
	expect_rc 0
	local verifier sm
	verifier=$(q postgres "select rolpassword from pg_authid where rolname = 'app_user'")
	sm=$(q app "select count(*) || ':' || max(id) from pginit.schema_migrations")
	local users_before
	users_before=$(q app "select md5(string_agg(u::text, '' order by id)) from auth.users u")
	run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied, 0 seed files" "$TDIR/out" "summary"
	assert_eq "$sm" "$(q app "select count(*) || ':' || max(id) from pginit.schema_migrations")" "no new history rows"
	assert_eq "$verifier" "$(q postgres "select rolpassword from pg_authid where rolname = 'app_user'")" "password verifier untouched"
	assert_eq "$users_before" "$(q app "select md5(string_agg(u::text, '' order by id)) from auth.users u")" "seed rows untouched"
	assert_eq "2|2" "$(q app "select count(*), count(*) filter (where status = 'success') from pginit.init_log")" "two init_log rows"
	assert_eq "0|0" "$(q app "select migrations_applied, seeds_applied from pginit.init_log order by id desc limit 1")" "second run counts"
}

test_103_app_role_privileges() {
	run_pginit run
	expect_rc 0
	assert_match '^SCRAM-SHA-256\$' "$(q postgres "select rolpassword from pg_authid where rolname = 'app_user'")" "SCRAM verifier stored"
	# pg_hba of the harness is scram-sha-256 on TCP: logging in proves the SCRAM verifier.
	assert_eq 5 "$(as_app -c "select count(*) from auth.users")" "app SELECT"
	as_app -c "insert into public.events (slug, title, start_date, end_date, capacity, event_type, pricing_tiers)
	           values ('app-test', 'App test', now() + interval '1 day', now() + interval '2 days', 10, 'Workshop', '[]')"
	as_app -c "update public.events set capacity = 11 where slug = 'app-test'"
	assert_eq 11 "$(as_app -c "select capacity from public.events where slug = 'app-test'")" "app UPDATE"
	as_app -c "delete from public.events where slug = 'app-test'"
	assert_eq 0 "$(as_app -c "select count(*) from public.events where slug = 'app-test'")" "app DELETE"
	local s
	for s in public auth; do
		if as_app -c "create table $s.app_made (id int)" 2>"$TDIR/err"; then fail "app created a table in $s"; fi
		assert_contains "permission denied for schema $s" "$TDIR/err" "CREATE in $s refused"
	done
	if as_app -c "select count(*) from pginit.init_log" 2>"$TDIR/err"; then fail "app read pginit.init_log"; fi
	assert_contains "permission denied for schema pginit" "$TDIR/err" "ledger hidden from app"
	if as_app -c "create schema app_schema" 2>"$TDIR/err"; then fail "app created a schema"; fi
	if APP_PW=wrong-password as_app -c "select 1" 2>"$TDIR/err"; then fail "wrong app password accepted"; fi
	assert_contains "password authentication failed" "$TDIR/err" "wrong password refused"
}

test_104_test_and_prod_profiles() {
	PGINIT_DBNAME=app_test run_pginit -p test run
	expect_rc 0
	assert_eq "0" "$(q app_test "select count(*) from auth.users where email not like '%@test.example'")" "only fixtures"
	[ "$(q app_test "select count(*) from auth.users")" -gt 0 ] || fail "test fixtures present"
	assert_eq "seed:common,seed:test" "$(q app_test "select string_agg(step, ',' order by id) from pginit.init_step where step like 'seed:%'")" "test seed steps"

	unset APP_DB_PASSWORD
	printf 'prod-App-Secret-99\n' >"$TDIR/secrets/app_db_password"
	# The harness has no TLS: waive the prod profile's sslmode check, explicitly.
	PGINIT_DBNAME=app_prod PGINIT_SAFETY_SSLMODE=prefer run_pginit -p prod run
	expect_rc 0
	assert_eq "$(n_migration_files)" "$(q app_prod "select count(*) from pginit.schema_migrations")" "prod migrations"
	assert_eq "0|0|0|0" "$(q app_prod "select (select count(*) from auth.users), (select count(*) from public.events), (select count(*) from public.vetting_statuses), (select count(*) from pginit.seed_history)")" "prod has no seed rows"
	assert_contains "profile prod has no seed sets" "$TDIR/out" "prod says why"
	# the app role's password is the Docker secret's (trailing newline stripped)
	APP_PW=prod-App-Secret-99 APP_DB=app_prod as_app -c "select 1" >/dev/null
}

test_105_new_migration_only_it_applies() {
	copy_migrations
	run_pginit run
	expect_rc 0
	local before
	before=$(q app "select count(*) from pginit.schema_migrations")
	cat >"$TDIR/migrations/0100_event_notes.sql" <<'SQL'
CREATE TABLE public.event_notes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES public.events (id),
  note text NOT NULL
);
SQL
	run_pginit run
	expect_rc 0
	assert_contains "migrate [1/1] 0100_event_notes.sql" "$TDIR/out" "only the new file"
	assert_eq $((before + 1)) "$(q app "select count(*) from pginit.schema_migrations")" "one more history row"
	assert_eq "app_owner" "$(q app "select tableowner from pg_tables where tablename = 'event_notes'")" "owned by the owner role"
	as_app -c "select count(*) from public.event_notes" >/dev/null # default privileges reached it
}

test_106_failing_migration() {
	copy_migrations
	run_pginit run
	expect_rc 0
	cat >"$TDIR/migrations/0100_broken.sql" <<'SQL'
-- a migration whose fourth line fails
CREATE TABLE public.broken_half (id int);
INSERT INTO public.broken_half VALUES (1);
UPDATE public.no_such_table SET x = 1;
SQL
	run_pginit run
	expect_rc 8
	assert_contains "0100_broken.sql:4:8: relation \"public.no_such_table\" does not exist [42P01]" "$TDIR/out" "file:line:col and SQLSTATE"
	assert_contains "hint:" "$TDIR/out" "a hint line"
	assert_eq "" "$(q app "select to_regclass('public.broken_half')")" "the failed file left no table"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations where version = '100'")" "no history row"
	assert_eq "$(n_migration_files)" "$(q app "select count(*) + 1 from pginit.schema_migrations")" "earlier migrations stay"
	assert_match "^failed\|.*0100_broken.sql:4: relation" "$(q app "select status || '|' || error from pginit.init_log order by id desc limit 1")" "init_log failed row"
	assert_eq "failed" "$(q app "select status from pginit.init_step where step = 'migrate' order by id desc limit 1")" "failed step"
	# fix the file: the next run applies it
	sed -i 's/UPDATE public.no_such_table SET x = 1;/UPDATE public.broken_half SET id = 2;/' "$TDIR/migrations/0100_broken.sql"
	run_pginit run
	expect_rc 0
	assert_eq 2 "$(q app "select id from public.broken_half")" "fixed migration applied"
}

test_107_checksum_drift() {
	copy_migrations
	run_pginit run
	expect_rc 0
	# Line endings alone are not drift.
	sed -i 's/$/\r/' "$TDIR/migrations/0001_vetting_statuses.sql"
	run_pginit run
	expect_rc 0
	echo "-- an edit after the fact" >>"$TDIR/migrations/0002_auth_users.sql"
	printf 'CREATE TABLE public.after_drift (id int);\n' >"$TDIR/migrations/0100_after_drift.sql"
	run_pginit run
	expect_rc 11
	assert_contains "0002_auth_users.sql was changed after it was applied" "$TDIR/out" "drift named"
	assert_eq "" "$(q app "select to_regclass('public.after_drift')")" "nothing applied after drift"
	# An applied version whose file disappeared is also refused.
	git -C "$ROOT" show HEAD:migrations/0002_auth_users.sql >"$TDIR/migrations/0002_auth_users.sql" 2>/dev/null ||
		cp "$ROOT/migrations/0002_auth_users.sql" "$TDIR/migrations/0002_auth_users.sql"
	rm "$TDIR/migrations/0100_after_drift.sql" "$TDIR/migrations/0003_"*.sql
	run_pginit run
	expect_rc 11
	assert_contains "1 applied migration has no file in the migrations directory: 3 (updated_at_trigger" "$TDIR/out" "missing file named"
}

test_108_out_of_order_refused() {
	copy_migrations
	export PGINIT_SEEDS= # the dev seeds need every migration
	mv "$TDIR/migrations/0008_event_registrations.sql" "$TDIR/held.sql"
	printf 'SELECT 1;\n' >"$TDIR/migrations/0100_later.sql"
	run_pginit run
	expect_rc 0
	mv "$TDIR/held.sql" "$TDIR/migrations/0008_event_registrations.sql"
	run_pginit run
	expect_rc 11
	assert_contains "0008_event_registrations.sql is pending but older than the newest applied migration (version 100)" "$TDIR/out" "both named"
	PGINIT_ALLOW_OUT_OF_ORDER=true run_pginit run
	expect_rc 0
	assert_contains "migrate [1/1] 0008_event_registrations.sql" "$TDIR/out" "applied with allow_out_of_order"
}

test_111_config_errors() {
	# Errors inside a config file (file:line) are cases of test_002_config_error_cases:
	# tests/data/config/errors/*.conf. Here: profile, missing file, variables, usage.
	run_pginit -p nosuch run
	expect_rc 3
	assert_contains "unknown profile 'nosuch'" "$TDIR/out" "unknown profile"
	assert_contains "dev, test, staging, prod" "$TDIR/out" "profiles listed"

	run_pginit -c "$TDIR/missing.conf" run
	expect_rc 3
	PGINIT_WAIT_TIMEOUT=soon run_pginit run
	expect_rc 3
	assert_contains "PGINIT_WAIT_TIMEOUT" "$TDIR/out" "bad variable named"
	run_pginit frobnicate
	expect_rc 2
	run_pginit --no-such-option
	expect_rc 2
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'app'")" "nothing done on config errors"
}

test_109_docs_cover_every_key() {
	# Every configuration key is in the README and in the example pginit.conf
	# (set, or shown commented out with its default: "# key = value").
	"$PGINIT_BIN" help config | tail -n +2 | awk '{print $1, $3}' >"$TDIR/keys"
	[ "$(wc -l <"$TDIR/keys")" -gt 20 ] || fail "key table too short"
	local key env leaf
	while read -r key env; do
		leaf=${key##*.}
		grep -q "^ *\(# \)\?$leaf = \|[{;] *$leaf = " "$ROOT/pginit.conf" || fail "pginit.conf lacks $key"
		grep -qF "$key" "$ROOT/README.md" || fail "README lacks $key"
		[ "$env" = "-" ] || grep -qF "$env" "$ROOT/README.md" || fail "README lacks $env"
	done <"$TDIR/keys"
}

test_110_json_log_and_status() {
	run_pginit --log-format json run
	expect_rc 0
	python3 - "$TDIR/out" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no output"
objs = [json.loads(l) for l in lines]
assert all("ts" in o and "level" in o for o in objs)
prog = [o for o in objs if o.get("event") == "migrate"]
assert prog and all(isinstance(o["ms"], int) and o["total"] >= o["index"] for o in prog), prog
PY
	run_pginit status
	expect_rc 0
	assert_contains "0 pending" "$TDIR/out" "status counts"
	assert_contains "applied  0001_vetting_statuses.sql" "$TDIR/out" "status lists files"
	assert_contains "applied  dev/001_users.sql" "$TDIR/out" "status lists seeds"
	assert_contains "success dev" "$TDIR/out" "status lists runs"
}
