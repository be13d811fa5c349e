#!/usr/bin/env bash
# Topology: pginit behind PgBouncer in transaction pooling (the lease lock),
# and a primary with a real streaming standby (multi-host lists, waiting for
# a primary, promotion during the wait). Each test starts and stops its own
# PgBouncer or standby next to the test cluster.

# ---- PgBouncer

# bouncer_start [POOL_MODE [POOL_SIZE]]: PgBouncer on a free 127.0.0.1 port in front of the
# test cluster, scram-sha-256 against a userlist holding the server's own
# verifier of "postgres" (so PgBouncer can log in to the server with SCRAM on
# the client's behalf). Sets BOUNCER_PORT; stopped when the test exits.
bouncer_start() {
	local mode=${1:-transaction} size=${2:-6} dir=$TDIR/bouncer
	command -v pgbouncer >/dev/null || fail "pgbouncer is not installed (scripts/install-deps.sh test)"
	mkdir -p "$dir"
	BOUNCER_PORT=$(free_port)
	printf '"postgres" "%s"\n' "$(q postgres "select rolpassword from pg_authid where rolname = 'postgres'")" \
		>"$dir/userlist.txt"
	cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$PGPORT_TEST
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = $mode
default_pool_size = $size
server_login_retry = 1
max_client_conn = 100
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
INI
	[ "$(id -u)" -eq 0 ] && chown -R "$PG_USER_OS" "$dir"
	chmod 600 "$dir/userlist.txt"
	# PgBouncer refuses to run as root.
	as_pg pgbouncer -d "$dir/pgbouncer.ini" || { cat "$dir/pgbouncer.log" >&2; return 1; }
	trap bouncer_stop EXIT
	local i
	for i in $(seq 50); do
		PGPASSWORD=$TEST_SUPERPASS psql -X -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d postgres -Atc 'select 1' \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$dir/pgbouncer.log" >&2
	fail "pgbouncer did not come up on port $BOUNCER_PORT"
}

bouncer_stop() {
	local pidfile=$TDIR/bouncer/pgbouncer.pid pid i
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null || return 0
	# Gone before the harness stops the cluster (a pgbouncer left behind is a bug).
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	return 0
}

# Leases left in the target database (the lease lives in its ledger schema).
n_leases() {
	q app "select count(*) from pginit.lock_lease"
}

test_970_pgbouncer_concurrent_runs() {
	bouncer_start transaction
	export PGPORT=$BOUNCER_PORT PGINIT_LOCK_TIMEOUT=120
	local i pids=() rcs=""
	for i in 1 2 3 4 5 6 7 8; do
		"$PGINIT_BIN" run >"$TDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	wait_all "${pids[@]}"
	rcs="$rcs$RCS"
	cat "$TDIR"/out.* >"$TDIR/out"
	assert_eq 00000000 "$rcs" "all eight exit 0 through pgbouncer" || { sed 's/^/    | /' "$TDIR/out" | tail -40; return 1; }
	assert_eq "$(n_migration_files)|$(n_migration_files)" \
		"$(q app "select count(*), count(distinct version) from pginit.schema_migrations")" "each migration once"
	assert_eq "4|4" "$(q app "select count(*), count(distinct (set_name, name)) from pginit.seed_history")" "each seed file once"
	assert_eq 5 "$(q app "select count(*) from auth.users")" "users once"
	assert_eq "8|8" "$(q app "select count(*), count(*) filter (where status = 'success') from pginit.init_log")" \
		"eight runs recorded"
	assert_contains "a connection pooler is between pginit and the server" "$TDIR/out" "auto detected the pooler"
	assert_contains "another pginit holds the lease of database app" "$TDIR/out" "they did wait for the lease"
	assert_eq 0 "$(n_leases)" "no lease left"
	assert_eq 0 "$(q postgres "select count(*) from pg_locks where locktype = 'advisory'")" "no advisory lock left"

	# The no-op run through PgBouncer.
	run_pginit run
	expect_rc 0
	assert_contains "0 migrations applied" "$TDIR/out" "nothing left to do"
	assert_eq 0 "$(n_leases)" "no lease left after the no-op"
}

test_971_pgbouncer_lease_survives_kill_9() {
	bouncer_start transaction
	copy_migrations
	# A migration that keeps the holder busy far longer than the lease lives
	# without its heartbeat: only the heartbeat keeps it.
	printf 'SELECT pg_sleep(30);\n' >"$TDIR/migrations/0099_slow.sql"
	export PGPORT=$BOUNCER_PORT PGINIT_LOCK_LEASE_TTL=3 PGINIT_LOCK_TIMEOUT=60
	"$PGINIT_BIN" run >"$TDIR/out.holder" 2>&1 &
	local holder=$! i
	for i in $(seq 200); do
		[ "$(q postgres "select count(*) from pg_stat_activity where query like 'SELECT pg_sleep(30)%'")" = 1 ] && break
		sleep 0.1
	done
	assert_eq 1 "$(q postgres "select count(*) from pg_stat_activity where query like 'SELECT pg_sleep(30)%'")" \
		"the holder is in the slow migration"
	assert_eq 1 "$(n_leases)" "the holder has a lease"
	# Three ttls of one statement: still held, renewed by the heartbeat.
	sleep 4
	assert_eq 1 "$(q app "select count(*) from pginit.lock_lease where expires_at > clock_timestamp()")" \
		"the heartbeat keeps the lease alive during a long statement"
	kill -9 "$holder"
	wait_rc "$holder"
	assert_eq 137 "$RC" "the holder was killed"
	assert_eq 1 "$(n_leases)" "the killed holder's lease row is still there"

	rm "$TDIR/migrations/0099_slow.sql"
	run_pginit run
	expect_rc 0
	assert_contains "for an expired lease" "$TDIR/out" "the next run says it waited for an expired lease"
	assert_eq 0 "$(n_leases)" "no lease left"
	assert_eq "$(n_migration_files)" "$(q app "select count(*) from pginit.schema_migrations where success")" \
		"every migration applied once"
}

test_972_lock_mode_session_is_default_direct() {
	# Direct connection: auto keeps the session advisory lock and never
	# creates the lease table; lease mode works without a pooler too.
	run_pginit run
	expect_rc 0
	assert_not_contains "connection pooler" "$TDIR/out" "no pooler detected on a direct connection"
	local d
	for d in postgres app; do
		assert_eq 0 "$(q $d "select count(*) from pg_tables where tablename = 'lock_lease'")" "no lease table in $d"
	done
	PGINIT_LOCK_MODE=lease run_pginit run
	expect_rc 0
	assert_eq 0 "$(n_leases)" "lease mode: no lease left"
	PGINIT_LOCK_MODE=table run_pginit run
	expect_rc 3
	assert_contains "PGINIT_LOCK_MODE: invalid lock_mode: 'table' is not one of session, lease, auto" "$TDIR/out" "bad lock_mode"
}

test_973_lost_lease_stops_the_run() {
	# The heartbeat finds its lease taken (here: by hand) -> the run stops like
	# on SIGTERM, the running migration is rolled back, the run recorded failed.
	copy_migrations
	printf 'CREATE TABLE slow_marker (id int);\nSELECT pg_sleep(30);\n' >"$TDIR/migrations/0099_slow.sql"
	export PGINIT_LOCK_MODE=lease PGINIT_LOCK_LEASE_TTL=3
	"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$!
	backend_of "SELECT pg_sleep(30)" >/dev/null || fail "the slow migration did not start"
	q app "update pginit.lock_lease set holder = 'someone-else'" >/dev/null
	wait_rc "$pid"
	expect_rc 143
	assert_contains "unable to keep the lease of database app: another run holds it now" "$TDIR/out" "it says why"
	assert_eq 0 "$(q app "select count(*) from pg_tables where tablename = 'slow_marker'")" "the migration rolled back"
	assert_eq failed "$(q app "select status from pginit.init_log order by started_at desc limit 1")" "recorded as failed"
}

# ---- a primary and a streaming standby

# standby_start: a streaming standby of the test cluster (pg_basebackup -R) on
# a free port. Sets STANDBY_PORT and STANDBY_DATA; stopped when the test exits.
standby_start() {
	local dir=$TDIR/standby
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS" "$dir"
	STANDBY_DATA=$dir/data
	STANDBY_PORT=$(free_port)
	as_pg env PGPASSWORD="$TEST_SUPERPASS" "$PG_BINDIR/pg_basebackup" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres \
		-D "$STANDBY_DATA" -R -X stream >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; return 1; }
	pg_sockdir "$dir/sock"
	sed -i "s/^port = .*/port = $STANDBY_PORT/; s#^unix_socket_directories = .*#unix_socket_directories = '$dir/sock'#" \
		"$STANDBY_DATA/postgresql.conf"
	trap standby_stop EXIT
	as_pg "$PG_BINDIR/pg_ctl" -D "$STANDBY_DATA" -l "$dir/server.log" -w -t 30 start >/dev/null
	assert_eq t "$(PGPORT_TEST=$STANDBY_PORT q postgres "select pg_is_in_recovery()")" "the standby is in recovery"
}

standby_stop() {
	[ -f "${STANDBY_DATA:-/nonexistent}/postmaster.pid" ] &&
		as_pg "$PG_BINDIR/pg_ctl" -D "$STANDBY_DATA" -m immediate -w stop >/dev/null 2>&1
	return 0
}

test_974_no_session_lock_timeout_behind_pooler() {
	# pginit's own lock_timeout is a session setting on a direct connection.
	# Behind transaction pooling it would stay on the pooled server connection
	# for the next client: with one server connection per pool, every client
	# after pginit gets that very backend.
	bouncer_start transaction 1
	export PGPORT=$BOUNCER_PORT PGINIT_MIGRATION_LOCK_TIMEOUT=7s
	run_pginit run
	expect_rc 0
	assert_contains "connection pooler" "$TDIR/out" "the pooler is detected"
	local d
	for d in postgres app; do
		assert_eq 0 "$(PGPASSWORD=$TEST_SUPERPASS psql -X -h 127.0.0.1 -p "$BOUNCER_PORT" -U postgres -d "$d" \
			-Atc 'show lock_timeout')" "no lock_timeout left on the pooled connection of $d"
	done
}

test_975_host_list_goes_to_the_primary() {
	standby_start
	# The standby first: libpq skips it (read-write) and the run stays on the primary.
	export PGHOST=127.0.0.1,127.0.0.1 PGPORT=$STANDBY_PORT,$PGPORT_TEST PGTARGETSESSIONATTRS=read-write
	run_pginit run
	expect_rc 0
	assert_contains "server 127.0.0.1:$PGPORT_TEST is ready" "$TDIR/out" "the wait chose the primary"
	assert_contains "using 127.0.0.1:$PGPORT_TEST for this run" "$TDIR/out" "the run is pinned to the primary"
	assert_eq "$(n_migration_files)" "$(q app "select count(*) from pginit.schema_migrations")" "migrated on the primary"
	# The same list in a config file, as a string of ports.
	sed "s/^  host = .*/  host = \"127.0.0.1,127.0.0.1\";/; s/^  port = .*/  port = \"$STANDBY_PORT,$PGPORT_TEST\";/" \
		"$ROOT/pginit.conf" >"$TDIR/multi.conf"
	grep -q "port = \"$STANDBY_PORT,$PGPORT_TEST\"" "$TDIR/multi.conf" || fail "multi.conf has no port list"
	unset PGHOST PGPORT
	export PGINIT_MIGRATIONS_DIR=$ROOT/migrations PGINIT_SEEDS_DIR=$ROOT/seeds PGINIT_INITDB_DIR=$ROOT/initdb.d
	run_pginit -c "$TDIR/multi.conf" run
	expect_rc 0
	assert_contains "server 127.0.0.1:$PGPORT_TEST is ready" "$TDIR/out" "a port list from the file"
	assert_contains "0 migrations applied" "$TDIR/out" "nothing left on the primary"
}

test_976_standby_only_waits_then_exit_5() {
	standby_start
	local roles_before
	roles_before=$(q postgres "select string_agg(rolname, ',' order by rolname) from pg_roles")
	PGPORT=$STANDBY_PORT PGINIT_WAIT_TIMEOUT=3 run_pginit run
	expect_rc 5
	assert_contains "server is a standby (in recovery); waiting for a primary" "$TDIR/out" "a clear message"
	assert_contains "hint: pginit needs a primary" "$TDIR/out" "a hint naming the fix"
	assert_not_contains "session is read-only" "$TDIR/out" "not libpq's generic error"
	assert_eq "$roles_before" "$(q postgres "select string_agg(rolname, ',' order by rolname) from pg_roles")" \
		"nothing created on the primary"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'app'")" "no database created"
}

test_977_standby_promoted_mid_wait() {
	standby_start
	PGPORT=$STANDBY_PORT PGINIT_WAIT_TIMEOUT=60 "$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$! i
	for i in $(seq 100); do
		grep -qF "waiting for a primary" "$TDIR/out" && break
		sleep 0.1
	done
	assert_contains "server is a standby (in recovery); waiting for a primary" "$TDIR/out" "it waits on the standby"
	as_pg "$PG_BINDIR/pg_ctl" -D "$STANDBY_DATA" -w promote >/dev/null
	wait_rc "$pid"
	expect_rc 0
	assert_contains "server 127.0.0.1:$STANDBY_PORT is ready" "$TDIR/out" "it used the promoted standby"
	assert_eq "$(n_migration_files)" "$(PGPORT_TEST=$STANDBY_PORT q app "select count(*) from pginit.schema_migrations")" \
		"migrated on the promoted standby"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'app'")" "the old primary was not touched"
}

test_978_reconnect_keeps_the_lease() {
	# An initdb.d file changes a database setting, so pginit reconnects before it
	# migrates (issue 9 item 3). Under lock_mode = lease the lease must stay held
	# across that: renewed while a migration runs past the ttl (on the heartbeat's own
	# connection), a second run waits for it, and it is dropped at the end.
	copy_migrations
	mkdir -p "$TDIR/initdb"
	cat >"$TDIR/initdb/010_work_mem.sql" <<'SQL'
DO $$ BEGIN
    IF current_setting('work_mem') <> '5MB' THEN
        EXECUTE format('ALTER DATABASE %I SET work_mem = %L', current_database(), '5MB');
    END IF;
END $$;
SQL
	# the migration sees the new setting (it runs on the new session) and outlives the ttl
	printf "DO \$\$ BEGIN IF current_setting('work_mem') <> '5MB' THEN RAISE EXCEPTION 'old session: work_mem %%', current_setting('work_mem'); END IF; END \$\$;\nSELECT pg_sleep(4);\n" \
		>"$TDIR/migrations/0099_slow.sql"
	export PGINIT_LOCK_MODE=lease PGINIT_LOCK_LEASE_TTL=2 PGINIT_INITDB_DIR=$TDIR/initdb
	"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local first=$!
	backend_of "SELECT pg_sleep(4)" >/dev/null || fail "the slow migration did not start"
	sleep 2.5 # past the ttl: only the heartbeat keeps the lease now
	"$PGINIT_BIN" run >"$TDIR/out2" 2>&1 &
	local second=$!
	wait_all "$first" "$second"
	assert_eq 00 "$RCS" "both runs succeed"
	assert_contains "reconnecting" "$TDIR/out" "the first run reconnected after initdb.d"
	assert_contains "another pginit holds the lease of database app" "$TDIR/out2" "the second run waited for the lease"
	assert_not_contains "unable to keep the lease" "$TDIR/out" "the lease was renewed after the reconnect"
	assert_eq 1 "$(q app "select count(*) from pginit.schema_migrations where name = 'slow' and success")" "the slow migration applied once"
	assert_eq 0 "$(q app "select count(*) from pginit.lock_lease where expires_at > clock_timestamp()")" "no lease left behind"
}
