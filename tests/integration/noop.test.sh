#!/usr/bin/env bash
# The every-start path writes nothing but its run record (issue 10.1): bootstrap
# reads the catalog first and issues DDL only for what differs.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# catalog_rows DB: one line per catalog row a converged bootstrap must leave alone,
# with its xmin (a rewritten row gets a new one), then every user table's row count
# and a digest of its rows with their xmin, except pginit's run record.
catalog_rows() {
	local db=$1 t
	q "$db" "select 'pg_class ' || oid::regclass::text || ' ' || xmin from pg_class where relnamespace not in ('pg_toast'::regnamespace) order by 1" | grep -v 'pg_toast_temp'
	q "$db" "select 'pg_namespace ' || nspname || ' ' || xmin from pg_namespace order by 1"
	q "$db" "select 'pg_default_acl ' || defaclrole::regrole || ' ' || defaclnamespace::regnamespace || ' ' || defaclobjtype::text || ' ' || xmin from pg_default_acl order by 1"
	q "$db" "select 'pg_extension ' || extname || ' ' || xmin from pg_extension order by 1"
	q "$db" "select 'pg_authid ' || rolname || ' ' || xmin from pg_authid order by 1"
	q "$db" "select 'pg_auth_members ' || roleid::regrole || ' ' || member::regrole || ' ' || xmin from pg_auth_members order by 1"
	q "$db" "select 'pg_database ' || datname || ' ' || xmin from pg_database order by 1"
	q "$db" "select 'pg_db_role_setting ' || setdatabase || ' ' || setrole || ' ' || xmin from pg_db_role_setting order by 1"
	q "$db" "select 'pg_shdescription ' || objoid || ' ' || xmin from pg_shdescription order by 1"
	for t in $(q "$db" "select format('%I.%I', schemaname, relname) from pg_stat_user_tables where (schemaname, relname) not in (('pginit', 'init_log'), ('pginit', 'init_step')) order by 1"); do
		echo "rows $t $(q "$db" "select count(*) || ' ' || md5(coalesce(string_agg(x.xmin::text || x::text, ',' order by x::text), '')) from $t x")"
	done
}

# expect_no_writes BEFORE AFTER: the two snapshots are equal (prints the difference).
expect_no_writes() {
	diff -u "$1" "$2" >"$TDIR/diff" || { sed 's/^/    | /' "$TDIR/diff" | head -40 >&2; fail "a no-op run rewrote catalog or table rows"; }
}

test_800_noop_writes_only_its_run_record() {
	run_pginit run
	expect_rc 0
	catalog_rows app >"$TDIR/before"
	[ "$(grep -c '^pg_class ' "$TDIR/before")" -gt 20 ] || fail "snapshot looks empty"
	local runs steps
	runs=$(q app "select count(*) from pginit.init_log")
	steps=$(q app "select count(*) from pginit.init_step")
	run_pginit run
	expect_rc 0
	catalog_rows app >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	assert_eq "$((runs + 1))" "$(q app "select count(*) from pginit.init_log")" "one more run record"
	[ "$(q app "select count(*) from pginit.init_step")" -gt "$steps" ] || fail "no step rows recorded"
	# The same secret from a file (trailing newline stripped): still nothing rewritten.
	unset APP_DB_PASSWORD
	printf '%s\n' "app-Pass-1234" >"$TDIR/apppass"
	APP_DB_PASSWORD_FILE=$TDIR/apppass run_pginit run
	expect_rc 0
	catalog_rows app >"$TDIR/after2"
	expect_no_writes "$TDIR/before" "$TDIR/after2"
	# bootstrap alone, and a readonly role that logs in: converged, nothing written.
	export APP_DB_PASSWORD=app-Pass-1234 RO_PASSWORD=ro-Pass-5678
	PGINIT_READONLY_SECRET=ro_password run_pginit bootstrap
	expect_rc 0
	catalog_rows app >"$TDIR/before3"
	PGINIT_READONLY_SECRET=ro_password run_pginit bootstrap
	expect_rc 0
	catalog_rows app >"$TDIR/after3"
	expect_no_writes "$TDIR/before3" "$TDIR/after3"
}

test_801_grants_only_what_is_missing() {
	run_pginit run
	expect_rc 0
	# A table made by hand without grants, and a sequence: only they are granted.
	q app "create table public.by_hand (id serial primary key); alter table public.by_hand owner to app_owner;
	       revoke all on public.by_hand from app_user; revoke all on sequence public.by_hand_id_seq from app_user" >/dev/null
	catalog_rows app | grep -v 'by_hand' >"$TDIR/before"
	run_pginit run
	expect_rc 0
	as_app -c "insert into public.by_hand default values" >/dev/null
	assert_eq 1 "$(as_app -c "select count(*) from public.by_hand")" "the table made by hand is granted"
	catalog_rows app | grep -v 'by_hand' >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	# A privilege revoked from one schema's usage comes back, nothing else moves.
	q app "revoke usage on schema auth from app_user" >/dev/null
	run_pginit run
	expect_rc 0
	assert_eq 5 "$(as_app -c "select count(*) from auth.users")" "USAGE granted again"
}
