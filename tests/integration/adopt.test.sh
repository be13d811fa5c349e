#!/usr/bin/env bash
# Adopting what exists (issue 9 items 3, 6, 7): a database another tool's role
# migrated and other login roles use, settings bootstrap makes for the
# migrations, and migrations with no configuration file at all.

# legacy_privs: every privilege the two legacy roles have on database app, its
# schema public and its tables, as one line per (role, object, privilege).
legacy_privs() {
	q app "select string_agg(x, ' ' order by x) from (
		select format('%s:db:%s:%s', r, p, has_database_privilege(r, 'app', p)) x
		  from unnest(array['legacy_owner', 'legacy_app']) r, unnest(array['CONNECT', 'TEMPORARY', 'CREATE']) p
		union all select format('%s:schema:%s:%s', r, p, has_schema_privilege(r, 'public', p))
		  from unnest(array['legacy_owner', 'legacy_app']) r, unnest(array['USAGE', 'CREATE']) p
		union all select format('%s:%s:%s:%s', r, c.relname, p, has_table_privilege(r, c.oid, p))
		  from unnest(array['legacy_owner', 'legacy_app']) r, pg_class c,
		       unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
		  where c.relnamespace = 'public'::regnamespace and c.relkind = 'r') s"
}

legacy_app_reads() {
	PGPASSWORD=legacy-Pass-1 psql -X -q -At -h 127.0.0.1 -p "$PGPORT_TEST" -U legacy_app -d app \
		-c "select count(*) from public.account"
}

# A database dbmate migrated as its own login role (not a superuser), and a
# second login role the application reads with; dbmate's rules by hand.
legacy_database() {
	q postgres "create role legacy_owner login password 'legacy-Owner-1'" >/dev/null
	q postgres "create role legacy_app login password 'legacy-Pass-1'" >/dev/null
	q postgres "create database app owner legacy_owner" >/dev/null
	mkdir -p "$TDIR/m"
	printf -- '-- migrate:up\nCREATE TABLE account (id bigserial PRIMARY KEY, email text NOT NULL);\n\n-- migrate:down\nDROP TABLE account;\n' \
		>"$TDIR/m/20240501090000_create_accounts.sql"
	printf -- "-- migrate:up\nINSERT INTO account (email) VALUES ('a@example.com'), ('b@example.com');\n\n-- migrate:down\nDELETE FROM account;\n" \
		>"$TDIR/m/20240502090000_seed_accounts.sql"
	PGPASSWORD=legacy-Owner-1 psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_TEST" -U legacy_owner -d app <<-'SQL'
		CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
		CREATE TABLE account (id bigserial PRIMARY KEY, email text NOT NULL);
		INSERT INTO account (email) VALUES ('a@example.com'), ('b@example.com');
		INSERT INTO schema_migrations VALUES ('20240501090000'), ('20240502090000');
		GRANT SELECT ON account TO legacy_app;
	SQL
	mkdir -p "$TDIR/no-initdb"
	export PGINIT_MIGRATIONS_DIR=$TDIR/m PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true PGINIT_MIGRATIONS_FORMAT=auto
	export PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$TDIR/no-initdb
}

# import + run on the adopted database: nothing the legacy roles had is taken
# away; import names the foreign owner and recommends adopt-owner; its dry run
# changes nothing; adopt-owner hands the tables over; the new migration applies.
test_321_adopt_foreign_owner() {
	legacy_database
	assert_eq 2 "$(legacy_app_reads)" "the legacy app reads before pginit"
	before=$(legacy_privs)
	run_pginit import
	expect_rc 0
	assert_contains "recorded 20240502090000_seed_accounts.sql as applied" "$TDIR/out" "import recorded dbmate's two"
	assert_contains "owned by role legacy_owner" "$TDIR/out" "import names the foreign owner"
	assert_contains "recommended: \`pginit adopt-owner --from legacy_owner --dry-run\`" "$TDIR/out" "and recommends adopt-owner"
	run_pginit run
	expect_rc 0
	assert_contains "was not created by pginit: left PUBLIC's privileges on the database" "$TDIR/out" "reported, not revoked"
	assert_eq 2 "$(legacy_app_reads)" "the legacy app still reads after pginit run"
	assert_eq "$before" "$(legacy_privs)" "nothing the legacy roles had was revoked"
	# the new migration alters dbmate's table: fails as the owner role, as import said
	printf -- '-- migrate:up\nALTER TABLE account ADD COLUMN name text;\n\n-- migrate:down\nALTER TABLE account DROP COLUMN name;\n' \
		>"$TDIR/m/20240601090000_account_name.sql"
	run_pginit run
	expect_rc 8
	assert_contains "must be owner of table account" "$TDIR/out" "42501 before the hand-over"
	# the dry run lists and changes nothing
	owner_before=$(q app "select relowner::regrole from pg_class where relname = 'account'")
	run_pginit adopt-owner --from legacy_owner --dry-run
	expect_rc 0
	assert_contains "table account" "$TDIR/out" "dry run lists the table"
	assert_contains 'REASSIGN OWNED BY "legacy_owner" TO "app_owner"' "$TDIR/out" "and the statement"
	assert_eq "$owner_before" "$(q app "select relowner::regrole from pg_class where relname = 'account'")" "dry run changed nothing"
	run_pginit adopt-owner --from legacy_owner
	expect_rc 0
	assert_eq app_owner "$(q app "select relowner::regrole from pg_class where relname = 'account'")" "the owner role owns it"
	run_pginit run
	expect_rc 0
	assert_contains "1 migration applied" "$TDIR/out" "the new migration applied"
	assert_eq 2 "$(legacy_app_reads)" "the legacy app still reads"
	assert_eq "$before" "$(legacy_privs)" "the legacy roles kept every privilege through adopt-owner"
	# refusals
	run_pginit adopt-owner --from postgres --dry-run
	expect_rc 2
	assert_contains "migrations_role = postgres" "$TDIR/out" "superuser: the other way out"
	run_pginit adopt-owner --from nobody_here
	expect_rc 2
}

# The other way out: run the migrations as the old role.
test_322_adopt_migrations_role() {
	legacy_database
	run_pginit import
	expect_rc 0
	printf -- '-- migrate:up\nALTER TABLE account ADD COLUMN name text;\n\n-- migrate:down\nALTER TABLE account DROP COLUMN name;\n' \
		>"$TDIR/m/20240601090000_account_name.sql"
	PGINIT_MIGRATIONS_ROLE=legacy_owner run_pginit run
	expect_rc 0
	assert_contains "1 migration applied" "$TDIR/out" "applied as legacy_owner"
	assert_eq legacy_owner "$(q app "select relowner::regrole from pg_class where relname = 'account'")" "still legacy_owner's"
}

# database.harden: the team asks for PUBLIC's privileges to go.
test_323_adopt_harden() {
	legacy_database
	run_pginit import
	expect_rc 0
	PGINIT_DATABASE_HARDEN=true run_pginit run
	expect_rc 0
	assert_eq f "$(q app "select has_database_privilege('legacy_app', 'app', 'CONNECT')")" "PUBLIC's CONNECT revoked on request"
	# and a database pginit creates is hardened without asking
	q postgres "drop database app with (force)" >/dev/null
	run_pginit run
	expect_rc 0
	assert_eq f "$(q app "select has_database_privilege('legacy_app', 'app', 'CONNECT')")" "pginit's own database"
	assert_eq "created by pginit" "$(q app "select shobj_description(oid, 'pg_database') from pg_database where datname = 'app'")" "marked"
}

# A database-level search_path set in initdb.d is in force for the migrations
# of the same run; database.search_path sets one for migrations and seeds.
test_324_search_path() {
	mkdir -p "$TDIR/m" "$TDIR/initdb"
	printf -- "DO \$\$ BEGIN EXECUTE format('ALTER DATABASE %%I SET search_path TO inv, public', current_database()); END \$\$;\n" \
		>"$TDIR/initdb/010_search_path.sql"
	printf -- '-- migrate:up\nCREATE SCHEMA IF NOT EXISTS inv;\nCREATE TABLE IF NOT EXISTS inv.marker (id int);\n\n-- migrate:down\n\n' \
		>"$TDIR/m/20240101000000_schema.sql"
	printf -- '-- migrate:up\nCREATE TABLE item (id int);\n\n-- migrate:down\nDROP TABLE item;\n' >"$TDIR/m/20240102000000_item.sql"
	export PGINIT_MIGRATIONS_DIR=$TDIR/m PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$TDIR/initdb
	run_pginit run
	expect_rc 0
	assert_contains "reconnecting" "$TDIR/out" "said why it reconnects"
	assert_eq t "$(q app "select backend_pid is not null and status = 'success' from pginit.init_log order by id desc limit 1")" "the run's row followed the new session"
	assert_eq inv "$(q app "select relnamespace::regnamespace from pg_class where relname = 'item'")" "first run: the table is in inv"
	# converged: no reconnect
	run_pginit run
	expect_rc 0
	assert_not_contains "reconnecting" "$TDIR/out" "no reconnect when nothing changed"
	# the setting: one for migrations, whatever the database says
	printf -- '-- migrate:up\nCREATE TABLE gadget (id int);\n\n-- migrate:down\nDROP TABLE gadget;\n' >"$TDIR/m/20240103000000_gadget.sql"
	PGINIT_SEARCH_PATH='public, inv' run_pginit run
	expect_rc 0
	assert_eq public "$(q app "select relnamespace::regnamespace from pg_class where relname = 'gadget'")" "database.search_path in force"
}

# No configuration file, DATABASE_URL only: migrations like `dbmate up` — from
# ./migrations (or ./db/migrations), format detected, no roles, schemas,
# extensions or secrets, as the connecting role; the schema is the one psql
# gives under the old tool's rules (the differential harness's helpers).
test_325_no_config_migrations_only() {
	local set format sub i=0
	q postgres "create role nocfg_app" >/dev/null # what flyway.placeholders.app_role named
	roles_before=$(q postgres "select count(*) from pg_roles")
	for spec in dbmate:dbmate:migrations golang-migrate:golang-migrate:db/migrations goose:goose:migrations flyway:flyway:migrations; do
		IFS=: read -r set format sub <<<"$spec"
		i=$((i + 1))
		echo "== no-config: $set ($format) in ./$sub"
		q postgres "create database nocfg$i" >/dev/null
		mkdir -p "$TDIR/w$i/$(dirname "$sub")"
		cp -a "$FORMATS/$set" "$TDIR/w$i/$sub"
		(
			cd "$TDIR/w$i" || exit 1
			unset PGINIT_CONFIG APP_DB_PASSWORD POSTGRES_PASSWORD PGPASSWORD PGHOST PGPORT
			export DATABASE_URL="postgres://postgres:$TEST_SUPERPASS@127.0.0.1:$PGPORT_TEST/nocfg$i?sslmode=disable"
			if [ "$format" = flyway ]; then
				# No roles in this mode, so no ${app_role} built in: it is an error until given.
				run_pginit migrate
				expect_rc 11
				assert_contains "V2_6__grants.sql:2: undefined placeholder \${app_role}" "$TDIR/out" "role placeholder undefined"
				assert_eq "" "$(q "nocfg$i" "select to_regclass('crm.accounts')")" "nothing applied before the error"
				export PGINIT_VAR_APP_ROLE=nocfg_app
			fi
			run_pginit migrate
			expect_rc 0
			assert_contains "no configuration file: migrations only" "$TDIR/out" "said which mode"
			assert_contains "($format format, detected)" "$TDIR/out" "format detected"
			run_pginit run
			expect_rc 0
			assert_contains "0 migrations applied" "$TDIR/out" "run after migrate applies nothing"
		)
		q postgres "create database peer$i" >/dev/null
		PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST PGUSER=postgres PGPASSWORD=$TEST_SUPERPASS PGDATABASE=peer$i \
			PEER_PLACEHOLDERS=app_role=nocfg_app PEER_PSQL="$PG_BINDIR/psql" python3 "$DIFF_DIR/peer.py" "$format" "$FORMATS/$set" 2>/dev/null ||
			fail "the reference failed on $set"
		peer_dump "nocfg$i" >"$TDIR/nocfg.dump"
		assert_contains "CREATE TABLE" "$TDIR/nocfg.dump" "the migrations made tables"
		diff -u <(peer_dump "peer$i") "$TDIR/nocfg.dump" || fail "$set: no-config schema differs from psql's"
		diff -u <(peer_counts "peer$i") <(peer_counts "nocfg$i") || fail "$set: row counts differ"
		assert_eq 0 "$(q "nocfg$i" "select count(*) from pg_namespace where nspname = 'auth'")" "no schema auth"
		assert_eq 0 "$(q "nocfg$i" "select count(*) from pg_extension where extname <> 'plpgsql'")" "no extensions"
	done
	assert_eq "$roles_before" "$(q postgres "select count(*) from pg_roles")" "no role created"
}

# dbmate's table in another schema (its URL's search_path): import says where it
# looked and where a table of that name is.
test_326_import_says_where_it_looked() {
	q postgres "create database app" >/dev/null
	q app "create schema legacy; create table legacy.schema_migrations (version varchar(128) primary key); insert into legacy.schema_migrations values ('20240501090000')" >/dev/null
	mkdir -p "$TDIR/m" "$TDIR/no-initdb"
	printf -- '-- migrate:up\nCREATE TABLE t (id int);\n\n-- migrate:down\nDROP TABLE t;\n' >"$TDIR/m/20240501090000_t.sql"
	export PGINIT_MIGRATIONS_DIR=$TDIR/m PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$TDIR/no-initdb
	run_pginit import
	expect_rc 11
	assert_contains "looked for public.schema_migrations" "$TDIR/out" "where it looked"
	assert_contains "exists as legacy.schema_migrations" "$TDIR/out" "where the table is"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations")" "nothing recorded"
	# --table: where the old tool's table is
	run_pginit import --table legacy.schema_migrations
	expect_rc 0
	assert_contains "recorded 20240501090000_t.sql as applied" "$TDIR/out" "imported from legacy"
	assert_contains 'set migrations_compat_table = "legacy.schema_migrations"' "$TDIR/out" "says what later runs need"
	PGINIT_MIGRATIONS_COMPAT=true PGINIT_MIGRATIONS_COMPAT_TABLE=legacy.schema_migrations run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "nothing pending after the import"
	assert_eq "" "$(q app "select to_regclass('public.schema_migrations')")" "no second table in public"
}

# migrations_compat and the old tool's rollback (README, "which table is the
# truth"): a version newer than the newest the old tool's table lists is
# pending again; older ones missing there (compat turned on later) are not.
test_327_compat_old_tool_rollback() {
	local v
	mkdir -p "$TDIR/no-initdb" "$TDIR/m"
	for v in 1 2 3; do
		printf 'CREATE TABLE t%s (id int);\n' "$v" >"$TDIR/m/${v}_t$v.up.sql"
		printf 'DROP TABLE t%s;\n' "$v" >"$TDIR/m/${v}_t$v.down.sql"
	done
	export PGINIT_MIGRATIONS_DIR=$TDIR/m PGINIT_SEEDS='' PGINIT_MIGRATIONS_FORMAT=auto
	export PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$TDIR/no-initdb
	run_pginit run
	expect_rc 0
	assert_contains "3 migrations applied" "$TDIR/out" "applied without compat"
	# compat turned on later: the old tool's table starts empty; nothing runs again
	PGINIT_MIGRATIONS_COMPAT=true run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "compat on later: nothing re-applied"
	# golang-migrate's table, empty (the old tool never ran here): still nothing
	q app "create table public.schema_migrations (version bigint not null primary key, dirty boolean not null)" >/dev/null
	PGINIT_MIGRATIONS_COMPAT=true run_pginit status --check
	expect_rc 0
	# `migrate down 1` from 3 leaves version 2 and drops t3: 3 is pending again
	q app "insert into public.schema_migrations values (2, false); drop table t3" >/dev/null
	PGINIT_MIGRATIONS_COMPAT=true run_pginit status --check
	expect_rc 1
	PGINIT_MIGRATIONS_COMPAT=true run_pginit run
	expect_rc 0
	assert_contains "3_t3.up.sql: applied in pginit's ledger, but \"public\".\"schema_migrations\" no longer lists it (rolled back with golang-migrate): pending again" \
		"$TDIR/out" "the rule, said"
	assert_contains "1 migration applied" "$TDIR/out" "3 applied again"
	assert_eq t "$(q app "select to_regclass('public.t3') is not null")" "t3 is back"
	assert_eq 3 "$(q app "select version from public.schema_migrations")" "the old table follows"
	# older versions missing from the old table stay applied: 2 listed, 1 not
	PGINIT_MIGRATIONS_COMPAT=true run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "nothing else pending"
	# without compat the old table is not read: pginit's ledger alone
	q app "update public.schema_migrations set version = 1; drop table t3" >/dev/null
	run_pginit status --check
	expect_rc 0
}
