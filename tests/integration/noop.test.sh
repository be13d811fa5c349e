#!/usr/bin/env bash
# The every-start path (issue 10): a no-op writes nothing but its run record (10.1:
# bootstrap reads the catalog first and issues DDL only for what differs); it opens one
# connection, straight to the target database (10.2); the lock lives in the target
# database whatever maintenance_db says (8.14).
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

# server_log_on: log every connection and statement from now on (new backends).
server_log_on() {
	sql -d postgres -c "alter system set log_connections = on" -c "alter system set log_statement = 'all'" \
		-c "select pg_reload_conf()" >/dev/null
}

# log_mark: the server log's current line count; log_since MARK: the lines after it.
log_mark() { wc -l <"$PGDATA_TEST/server.log"; }
log_since() { tail -n "+$(($1 + 1))" "$PGDATA_TEST/server.log"; }

# count_in MARK PATTERN: lines after MARK matching PATTERN (grep -E).
count_in() { log_since "$1" | grep -cE "$2" || true; }

test_850_noop_one_connection() {
	run_pginit run
	expect_rc 0
	server_log_on
	local mark received authorized statements
	mark=$(log_mark)
	run_pginit run
	expect_rc 0
	received=$(count_in "$mark" 'connection received')
	authorized=$(count_in "$mark" 'connection authorized')
	statements=$(count_in "$mark" 'LOG: +(statement|execute [^:]*):')
	echo "note: no-op: $received connection(s), $statements statement(s)"
	[ "$received" -eq 1 ] || { log_since "$mark" | grep -E 'connection (received|authorized)' >&2; fail "a no-op opened $received connections (want 1)"; }
	[ "$authorized" -eq 1 ] || fail "a no-op authenticated $authorized connections (want 1)"
	noop_shape "$mark" "$statements"
}

# NOOP_MAX_STATEMENTS: what a no-op of the reference project sends under the test profile
# (issue 10.4), today 16: lock_timeout and the lock with lock_mode auto's pooler probe (one
# round trip, 2 statements), the cluster state (1: roles, the database's mark, the settings a
# new session starts with; a superuser reads the stored verifiers there too), the ledger (1:
# who could write it, is its DDL current), the run's start (1: it marks abandoned runs and
# names the first step, bootstrap), the database diff (1), the two initdb.d files (3 each), the
# settings after them (1: issue 9's reconnect decision), the history (1), seed_history (1), the
# run's end with its retention (1). No step marker: a step names itself in init_log only before
# its first write. Before the third pass (stop 8): 25, with a separate pooler probe, an
# unconditional emptiness check of the database, the verifiers, the ledger's two checks and
# the settings read apart, 3 step markers and a separate retention DELETE.
NOOP_MAX_STATEMENTS=16

# noop_shape MARK STATEMENTS: the no-op's shape, from the server log (log_statement = all):
# at most NOOP_MAX_STATEMENTS statements, and one write that waits for the WAL flush
# (the run's end record); the run's start, step markers and retention commit without
# waiting (synchronous_commit off for their own transaction).
noop_shape() {
	local mark=$1 statements=$2 writes sync
	writes=$(log_since "$mark" | grep -E 'LOG: +(statement|execute [^:]*):' | grep -E '(INSERT INTO|UPDATE|DELETE FROM) "' || true)
	sync=$(printf '%s\n' "$writes" | grep -vc "set_config('synchronous_commit', 'off', true)" || true)
	echo "note: no-op: $(printf '%s\n' "$writes" | grep -c . || true) ledger write(s), $sync waiting for the WAL flush"
	[ "$statements" -le "$NOOP_MAX_STATEMENTS" ] || { log_since "$mark" | grep -E 'LOG: +(statement|execute [^:]*):' | cut -c1-160 >&2; fail "a no-op sent $statements statements (want at most $NOOP_MAX_STATEMENTS)"; }
	[ "$sync" -eq 1 ] || { printf '%s\n' "$writes" | cut -c1-200 >&2; fail "a no-op made $sync writes that wait for the WAL flush (want 1: the run's end)"; }
}

test_851_first_run_creates_database_in_two_connections() {
	server_log_on
	[ -z "$(q postgres "select 1 from pg_database where datname = 'app'")" ] || fail "app exists before the first run"
	local mark authorized missing sessions
	mark=$(log_mark)
	run_pginit run
	expect_rc 0
	# The first attempt goes to the target and is refused after authentication (the
	# server logs "authorized" before it looks the database up): an attempt, no session.
	authorized=$(count_in "$mark" 'connection authorized')
	missing=$(count_in "$mark" 'FATAL: +database "app" does not exist')
	sessions=$((authorized - missing))
	echo "note: first run with database creation: $sessions session(s), $authorized authenticated attempt(s)"
	[ "$missing" -le 1 ] || fail "the missing database was tried $missing times"
	# initdb.d's ALTER DATABASE ... SET (the shipped 010_database_settings.sql) makes the
	# run reconnect once so migrations see it (issue 9 item 3): one more session then.
	local want=2
	grep -q 'reconnecting so that migrations and seeds see them' "$TDIR/out" && want=3
	[ "$sessions" -le "$want" ] || { log_since "$mark" | grep -E 'connection authorized|FATAL' >&2; fail "a first run opened $sessions sessions (want at most $want)"; }
	[ "$(q app "select count(*) from pginit.schema_migrations")" -eq "$(n_migration_files)" ] || fail "migrations not applied"
}

# 16 first runs at once on a database that does not exist yet, half of them through
# another maintenance database: the database is created once, every migration
# applied once, every run succeeds.
test_852_concurrent_first_runs_serialised() {
	q postgres "create database maint2" >/dev/null
	local i pids=() failed=0
	for i in $(seq 1 16); do
		if [ $((i % 2)) -eq 0 ]; then
			PGINIT_MAINTENANCE_DB=maint2 PGINIT_LOCK_TIMEOUT=120 "$PGINIT_BIN" run >"$TDIR/out.$i" 2>&1 &
		else
			PGINIT_LOCK_TIMEOUT=120 "$PGINIT_BIN" run >"$TDIR/out.$i" 2>&1 &
		fi
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		wait_rc "${pids[$i]}"
		if [ "$RC" != 0 ]; then
			failed=$((failed + 1))
			echo "run $((i + 1)) exited $RC:" >&2
			sed 's/^/    | /' "$TDIR/out.$((i + 1))" >&2
		fi
	done
	[ "$failed" -eq 0 ] || fail "$failed of 16 concurrent first runs failed"
	local n
	n=$(n_migration_files)
	[ "$(q app "select count(*) from pginit.schema_migrations")" -eq "$n" ] || fail "history rows != $n files"
	[ "$(q app "select count(distinct version) from pginit.schema_migrations")" -eq "$n" ] || fail "a migration recorded twice"
	[ "$(q app "select sum(migrations_applied) from pginit.init_log where status = 'success'")" -eq "$n" ] ||
		fail "migrations applied $(q app "select sum(migrations_applied) from pginit.init_log") times in all (want $n)"
	[ "$(q app "select count(*) from pginit.init_log where status = 'success'")" -eq 16 ] || fail "not 16 successful runs recorded"
}

# Two replicas configured with different maintenance databases still exclude each
# other: the lock lives in the target database.
test_853_different_maintenance_db_exclude_each_other() {
	copy_migrations
	run_pginit run
	expect_rc 0
	q postgres "create database maint2" >/dev/null
	printf 'select pg_sleep(6);\ncreate table slow_marker (id int);\n' >"$PGINIT_MIGRATIONS_DIR/0900_slow.sql"
	PGINIT_MAINTENANCE_DB=postgres "$PGINIT_BIN" run >"$TDIR/out.a" 2>&1 &
	local a=$! i
	for i in $(seq 1 100); do
		[ -n "$(q postgres "select 1 from pg_stat_activity where query like 'select pg_sleep(6)%'")" ] && break
		sleep 0.05
	done
	[ "$i" -lt 100 ] || fail "the first run did not reach its slow migration"
	PGINIT_MAINTENANCE_DB=maint2 PGINIT_LOCK_TIMEOUT=1 run_pginit run
	expect_rc 10
	grep -q 'still holds the lock' "$TDIR/out" || fail "the second run did not wait for the lock"
	wait_rc "$a"
	[ "$RC" = 0 ] || { sed 's/^/    | /' "$TDIR/out.a" >&2; fail "the first run exited $RC"; }
	[ "$(q app "select count(*) from pginit.schema_migrations where name like '%slow%' and success")" -eq 1 ] || fail "slow migration not recorded once"
}

# silent_server DIR: a TCP port that accepts connections and never answers (the kernel
# completes the handshake; nothing reads); its port in $SILENT_PORT, its pid in $SILENT_PID.
silent_server() {
	python3 -c '
import socket, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
print(s.getsockname()[1], flush=True)
time.sleep(300)
' >"$1/silent.port" 2>&1 &
	SILENT_PID=$!
	trap 'kill $SILENT_PID 2>/dev/null' EXIT # the test runs in a subshell
	local i
	for i in $(seq 1 50); do [ -s "$1/silent.port" ] && break; sleep 0.1; done
	SILENT_PORT=$(head -n 1 "$1/silent.port")
	[[ $SILENT_PORT =~ ^[0-9]+$ ]] || { cat "$1/silent.port" >&2; fail "the silent server did not start"; }
}

# Nothing connects before the files' bytes and the secrets are checked (ARCHITECTURE.md:
# the run lifecycle; issue 10.3 tried a first connection attempt in a thread while the
# files are read, and dropped it). A bad file or a missing secret ends the run at once,
# with the same lines, whatever the server does: against one that never answers, a run
# that connected first would sit in the attempt until the connect timeout (30 s here), so
# a run still there after 5 s is killed and fails the test.
test_854_file_and_secret_errors_before_connecting() {
	copy_migrations
	printf 'SELECT 1;\0\n' >"$TDIR/migrations/0999_nul.sql"
	silent_server "$TDIR"
	local expected t0 mark
	expected="$TDIR/migrations/0999_nul.sql:1:10: a NUL byte in the file"
	# against the real server first: the lines a bad file gives, and no connection
	server_log_on
	mark=$(log_mark)
	run_pginit run
	expect_rc 11
	sleep 0.2 # the server logs a connection a moment after it came
	assert_eq 0 "$(count_in "$mark" 'connection (received|authorized)')" "connections with a bad file"
	grep -v '^pginit: pginit ' "$TDIR/out" >"$TDIR/lines.real"
	assert_contains "$expected" "$TDIR/lines.real" "file:line:col"
	[ "$(wc -l <"$TDIR/lines.real")" -eq 3 ] || { cat "$TDIR/lines.real" >&2; fail "want the error and its two hints only"; }
	assert_not_contains "is ready" "$TDIR/out" "no connection"
	# against a server that never answers: the same lines, at once
	t0=$(date +%s%N)
	set +e
	PGPORT=$SILENT_PORT PGINIT_WAIT_TIMEOUT=60 PGINIT_CONNECT_TIMEOUT=30 timeout -s KILL 5 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	RC=$?
	set -e
	expect_rc 11
	grep -v '^pginit: pginit ' "$TDIR/out" >"$TDIR/lines.silent"
	diff -u "$TDIR/lines.real" "$TDIR/lines.silent" >&2 || fail "a bad file gave other lines with a silent server"
	echo "note: bad file, silent server: exit 11 after $(elapsed_ms "$t0") ms"
	# a missing secret (exit 4): at once too
	rm "$TDIR/migrations/0999_nul.sql"
	set +e
	env -u APP_DB_PASSWORD APP_DB_PASSWORD_FILE=/nonexistent/pw PGPORT=$SILENT_PORT PGINIT_WAIT_TIMEOUT=60 PGINIT_CONNECT_TIMEOUT=30 timeout -s KILL 5 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	RC=$?
	set -e
	expect_rc 4
	assert_contains "unable to read secret file /nonexistent/pw" "$TDIR/out" "the secret's error"
	assert_not_contains "is ready" "$TDIR/out" "no connection"
}

# The production safety check runs before any connection: a transport the profile refuses
# (sslmode prefer, the prod profile requires verify-full) sees no authentication at all
# (a connection made early, beside the file check, would have been one).
test_855_safety_check_before_connecting() {
	unset APP_DB_PASSWORD
	printf 'prod-App-Secret-99\n' >"$TDIR/secrets/app_db_password"
	export PGINIT_DBNAME=app_prod
	server_log_on
	local mark
	mark=$(log_mark)
	run_pginit -p prod run
	expect_rc 3
	assert_contains "connection.sslmode is prefer, the profile requires verify-full" "$TDIR/out" "the safety check"
	sleep 0.2 # the server logs a connection a moment after it came
	assert_eq 0 "$(count_in "$mark" 'connection (received|authorized)')" "connections before the safety check"
	# waived to the sslmode in use: the run connects (and passes)
	PGINIT_SAFETY_SSLMODE=prefer run_pginit -p prod run
	expect_rc 0
}
