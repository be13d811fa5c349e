#!/usr/bin/env bash
# Roles are cluster-wide; nothing privileged is ever taken over (issue 8.1, 8.3,
# 8.8) and the production safety check (issue 8). Every refusal is exit 3
# before any change: the catalog (roles, their attributes and xmin, databases,
# row counts; catalog_rows in noop.test.sh) is compared before and after.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# refused NEEDLE ARGS...: pginit ARGS exits 3 saying NEEDLE, with a hint line.
refused() {
	local needle=$1
	shift
	run_pginit "$@"
	expect_rc 3
	assert_contains "$needle" "$TDIR/out" "the reason"
	assert_contains "hint:" "$TDIR/out" "a hint"
}

superusers() {
	q postgres "select string_agg(rolname, ',' order by rolname) from pg_roles where rolsuper"
}

test_600_privileged_roles_are_never_managed() {
	q postgres "create role other_admin superuser login; create role repl replication login;
	            create role delegate createrole; create role builder createdb" >/dev/null
	# A fresh cluster: nothing may be created either.
	catalog_rows postgres >"$TDIR/fresh.before"
	PGINIT_APP_ROLE=postgres refused "roles.app.name is 'postgres', the role pginit connects as"
	PGINIT_OWNER_ROLE=postgres refused "roles.owner.name is 'postgres', the role pginit connects as"
	PGINIT_READONLY_ROLE=postgres refused "roles.readonly.name is 'postgres'"
	PGINIT_READONLY_ROLE=other_admin refused "unable to manage role other_admin (roles.readonly.name): it is a superuser"
	PGINIT_APP_ROLE=repl refused "unable to manage role repl (roles.app.name): it is a replication role"
	PGINIT_OWNER_ROLE=delegate refused "unable to manage role delegate (roles.owner.name): it has CREATEROLE and pginit does not manage it"
	PGINIT_APP_ROLE=builder refused "it has CREATEDB and pginit does not manage it"
	PGINIT_APP_ROLE=app_owner refused "roles.owner.name and roles.app.name are both 'app_owner'"
	PGINIT_READONLY_ROLE=app_user refused "roles.app.name and roles.readonly.name are both 'app_user'"
	PGINIT_OWNER_ROLE='' refused "roles.owner.name is empty"
	# shellcheck disable=SC2016 # a literal ${db}
	PGINIT_APP_ROLE='${db}_user' refused "only \${database} may appear in a role name"
	PGINIT_DBNAME=a_database_name_that_is_long_enough_to_overflow_the_limit refused "is longer than 63 bytes"
	catalog_rows postgres >"$TDIR/fresh.after"
	expect_no_writes "$TDIR/fresh.before" "$TDIR/fresh.after"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'app'")" "no database created"
	# A converged database: the same refusals change nothing there either.
	run_pginit run
	expect_rc 0
	catalog_rows app >"$TDIR/before"
	PGINIT_APP_ROLE=postgres refused "the role pginit connects as"
	PGINIT_READONLY_ROLE=other_admin refused "it is a superuser"
	PGINIT_OWNER_ROLE=delegate refused "it has CREATEROLE"
	# bootstrap alone
	PGINIT_APP_ROLE=other_admin refused "it is a superuser" bootstrap
	catalog_rows app >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	assert_eq "other_admin,postgres" "$(superusers)" "superusers unchanged"
	assert_eq "t|t|t|t" "$(q postgres "select (select rolreplication from pg_roles where rolname = 'repl'), (select rolcreaterole from pg_roles where rolname = 'delegate'), (select rolcreatedb from pg_roles where rolname = 'builder'), (select rolcanlogin from pg_roles where rolname = 'other_admin')")" "attributes unchanged"
}

test_601_two_apps_on_one_cluster() {
	# Two applications with the defaults: each gets roles of its own database.
	PGINIT_DBNAME=shop APP_DB_PASSWORD=shop-Pass-1111 run_pginit run
	expect_rc 0
	local shop_verifier
	shop_verifier=$(q postgres "select rolpassword from pg_authid where rolname = 'shop_user'")
	PGINIT_DBNAME=blog APP_DB_PASSWORD=blog-Pass-2222 run_pginit run
	expect_rc 0
	assert_eq "$shop_verifier" "$(q postgres "select rolpassword from pg_authid where rolname = 'shop_user'")" "first app's password kept"
	assert_eq 5 "$(APP_DB=shop APP_PW=shop-Pass-1111 as_app -c "select count(*) from auth.users")" "first app logs in"
	assert_eq 5 "$(APP_DB=blog APP_PW=blog-Pass-2222 as_app -c "select count(*) from auth.users")" "second app logs in"
	if APP_DB=shop APP_ROLE=blog_user APP_PW=blog-Pass-2222 as_app -c "select count(*) from auth.users" 2>"$TDIR/err"; then
		fail "the second app read the first app's tables"
	fi
	assert_contains "permission denied for database" "$TDIR/err" "no CONNECT on the other database"
	assert_eq 'managed by pginit for database "shop"' "$(q postgres "select shobj_description('shop_owner'::regrole, 'pg_authid')")" "the marker"
	# The second app naming the first app's role is refused, before any change.
	catalog_rows shop >"$TDIR/before"
	PGINIT_DBNAME=blog PGINIT_APP_ROLE=shop_user APP_DB_PASSWORD=blog-Pass-2222 \
		refused 'unable to manage role shop_user (roles.app.name): pginit manages it for database "shop"'
	assert_contains "roles.shared = true" "$TDIR/out" "the explicit way named"
	catalog_rows shop >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	# Explicitly shared (same secret): managed by both, the marker keeps the first database.
	PGINIT_DBNAME=blog PGINIT_APP_ROLE=shop_user PGINIT_ROLES_SHARED=true APP_DB_PASSWORD=shop-Pass-1111 run_pginit run
	expect_rc 0
	assert_eq 5 "$(APP_DB=blog APP_ROLE=shop_user APP_PW=shop-Pass-1111 as_app -c "select count(*) from auth.users")" "shared role reads the second database"
	assert_eq 'managed by pginit for database "shop"' "$(q postgres "select shobj_description('shop_user'::regrole, 'pg_authid')")" "marker kept"
	# A role made by hand (or by an older pginit) without the marker is adopted, with a warning.
	q postgres "create role legacy_user login" >/dev/null
	PGINIT_DBNAME=legacy PGINIT_APP_ROLE=legacy_user run_pginit run
	expect_rc 0
	assert_contains "role legacy_user existed without pginit's marker: it is managed for database legacy from now on" "$TDIR/out" "adoption said"
	APP_DB=legacy APP_ROLE=legacy_user as_app -c "select 1" >/dev/null
}

test_602_concurrent_runs_on_eight_databases() {
	local round i pids rcs
	for round in derived shared; do
		pids=() rcs=""
		for i in 1 2 3 4 5 6 7 8; do
			if [ $round = derived ]; then
				PGINIT_DBNAME=db$i PGINIT_SEEDS='' "$PGINIT_BIN" run >"$TDIR/out.$round.$i" 2>&1 &
			else
				PGINIT_DBNAME=sh$i PGINIT_SEEDS='' PGINIT_ROLES_SHARED=true PGINIT_OWNER_ROLE=common_owner \
					PGINIT_APP_ROLE=common_user PGINIT_READONLY_ROLE=common_ro "$PGINIT_BIN" run >"$TDIR/out.$round.$i" 2>&1 &
			fi
			pids+=($!)
		done
		wait_all "${pids[@]}"
		rcs="$rcs$RCS"
		cat "$TDIR"/out.$round.* >"$TDIR/out"
		assert_not_contains "tuple concurrently updated" "$TDIR/out" "$round: no catalog race"
		assert_eq 00000000 "$rcs" "$round: all eight exit 0"
	done
	assert_eq 8 "$(q postgres "select count(*) from pg_roles where rolname ~ '^db[1-8]_user$'")" "eight app roles"
	for i in 1 8; do
		assert_eq "db${i}_owner" "$(q "db$i" "select pg_get_userbyid(nspowner) from pg_namespace where nspname = 'auth'")" "db$i owned by its role"
		APP_DB=sh$i APP_ROLE=common_user as_app -c "select count(*) from public.events" >/dev/null
	done
}

test_603_ledger_schema_the_app_can_write() {
	catalog_rows postgres >"$TDIR/before"
	PGINIT_LEDGER_SCHEMA=public refused "ledger_schema 'public' is refused: the app role is granted DML on every table of that schema"
	PGINIT_LEDGER_SCHEMA=auth refused "ledger_schema 'auth' is refused"
	PGINIT_LEDGER_SCHEMA=pg_catalog refused "it is a system schema"
	catalog_rows postgres >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	# A schema of its own that someone opened to the app role: refused before the run is recorded
	export PGINIT_LEDGER_SCHEMA=ledger2
	run_pginit run
	expect_rc 0
	q app "grant create on schema ledger2 to app_user" >/dev/null
	catalog_rows app >"$TDIR/before"
	refused "ledger_schema ledger2 is writable by role app_user" run
	catalog_rows app >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	assert_eq 1 "$(q app "select count(*) from ledger2.init_log")" "the refused run wrote nothing"
	q app "revoke create on schema ledger2 from app_user; grant insert on ledger2.schema_migrations to app_readonly" >/dev/null
	refused "ledger_schema ledger2 is writable by role app_readonly" migrate
	q app "revoke insert on ledger2.schema_migrations from app_readonly" >/dev/null
	run_pginit run
	expect_rc 0
}

test_604_prod_safety_check() {
	unset APP_DB_PASSWORD
	printf 'prod-App-Secret-99\n' >"$TDIR/secrets/app_db_password"
	export PGINIT_DBNAME=app_prod
	catalog_rows postgres >"$TDIR/before"
	refused "unable to pass the safety check of profile prod: connection.sslmode is prefer, the profile requires verify-full" -p prod run
	assert_contains 'profiles.prod.safety.sslmode = "prefer" (PGINIT_SAFETY_SSLMODE=prefer)' "$TDIR/out" "the waiver"
	export PGINIT_SAFETY_SSLMODE=prefer
	APP_DB_PASSWORD=changeme refused "the password of role app_prod_user is a known development or common password" -p prod run
	assert_contains "PGINIT_SAFETY_ALLOW_KNOWN_PASSWORDS" "$TDIR/out" "its waiver"
	APP_DB_PASSWORD=app-dev refused "known development or common password" -p prod run
	APP_DB_PASSWORD=short-Pass-1 refused "the password of role app_prod_user is shorter than 16 characters" -p prod run
	assert_contains "PGINIT_SAFETY_MIN_PASSWORD_LENGTH" "$TDIR/out" "its waiver"
	assert_not_contains "short-Pass-1" "$TDIR/out" "the password itself never printed"
	POSTGRES_PASSWORD=postgres refused "the admin password is a known development or common password" -p prod run
	PGINIT_SEEDS=common refused "unable to pass the safety check of profile prod: it applies seed sets (common)" -p prod run
	assert_contains "PGINIT_SAFETY_ALLOW_SEEDS" "$TDIR/out" "its waiver"
	# several failures: each its own line
	APP_DB_PASSWORD=password PGINIT_SAFETY_SSLMODE=verify-full refused "connection.sslmode is prefer" -p prod run
	assert_contains "is a known development or common password" "$TDIR/out" "second failure also said"
	catalog_rows postgres >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	# the same settings pass in dev (the check is off), and every waiver works in prod
	APP_DB_PASSWORD=changeme PGINIT_DBNAME=app_dev PGINIT_SEEDS='' run_pginit -p dev run
	expect_rc 0
	APP_DB_PASSWORD=changeme PGINIT_SAFETY_ALLOW_KNOWN_PASSWORDS=true PGINIT_SAFETY_MIN_PASSWORD_LENGTH=0 \
		PGINIT_DBNAME=app_waived run_pginit -p prod run
	expect_rc 0
	run_pginit -p prod run
	expect_rc 0
	# an app role given powers by hand: refused in prod before anything is changed, unless waived
	q postgres "alter role app_prod_user createdb bypassrls" >/dev/null
	catalog_rows app_prod >"$TDIR/before"
	refused "unable to pass the safety check of profile prod: app role app_prod_user has CREATEDB BYPASSRLS" -p prod run
	catalog_rows app_prod >"$TDIR/after"
	expect_no_writes "$TDIR/before" "$TDIR/after"
	PGINIT_SAFETY_ALLOW_PRIVILEGED_APP_ROLE=true run_pginit -p prod run
	expect_rc 0
	assert_eq "f|f" "$(q postgres "select rolcreatedb, rolbypassrls from pg_roles where rolname = 'app_prod_user'")" "powers removed"
	# pg_hba.conf trusting TCP clients: a warning (as superuser), which can be silenced
	printf 'host all all 10.0.0.0/8 trust\n' >>"$PGDATA_TEST/pg_hba.conf"
	q postgres "select pg_reload_conf()" >/dev/null
	sleep 0.5
	run_pginit -p prod run
	expect_rc 0
	assert_contains "connections from 10.0.0.0 for database all, user all are trusted without a password" "$TDIR/out" "trust warned"
	assert_contains "PGINIT_SAFETY_WARN_TRUST" "$TDIR/out" "how to silence it"
	PGINIT_SAFETY_WARN_TRUST=false run_pginit -p prod run
	expect_rc 0
	assert_not_contains "trusted without a password" "$TDIR/out" "silenced"
	# an unknown sslmode in the waiver is a configuration error
	PGINIT_SAFETY_SSLMODE=strict refused "profiles.prod.safety.sslmode: unknown sslmode 'strict'" -p prod run
}
