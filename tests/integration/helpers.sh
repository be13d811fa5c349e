#!/usr/bin/env bash
# Helpers for the integration tests (sourced by run.sh through core.test.sh).

# run_pginit ARGS...: runs the binary under test; output in $TDIR/out, exit code in $RC.
run_pginit() {
	set +e
	"$PGINIT_BIN" "$@" >"$TDIR/out" 2>&1
	RC=$?
	set -e
	return 0
}

# wait_rc PID: waits for a background pginit; its exit code in $RC.
wait_rc() {
	set +e
	wait "$1"
	RC=$?
	set -e
	return 0
}

# wait_all PID...: waits for background pginits; their exit codes, in order, as one string in $RCS.
wait_all() {
	local pid
	RCS=""
	for pid in "$@"; do
		wait_rc "$pid"
		RCS="$RCS$RC"
	done
}

# backend_of SQL_FRAGMENT: the pid of the pginit backend running it.
backend_of() {
	local pid
	for _ in $(seq 1 100); do
		pid=$(q postgres "select pid from pg_stat_activity where query like '%$1%' and pid <> pg_backend_pid() and application_name = 'pginit'")
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.1
	done
	return 1
}

# kill9_during SQL_FRAGMENT: starts `pginit run` in the background, kills it with -9 once its
# backend runs the statement, then waits for that backend to end (after its statement).
kill9_during() {
	"$PGINIT_BIN" run >"$TDIR/out.killed" 2>&1 &
	local pid=$! bpid
	bpid=$(backend_of "$1") || { fail "no pginit backend ran '$1'"; return 1; }
	kill -KILL $pid
	wait_rc $pid
	for _ in $(seq 1 50); do
		[ "$(q postgres "select count(*) from pg_stat_activity where pid = $bpid")" = 0 ] && break
		sleep 0.1
	done
}

# expect_rc CODE: the last run_pginit exited with CODE (prints its output if not).
expect_rc() {
	if [ "$RC" != "$1" ]; then
		echo "  FAIL: expected exit $1, got $RC; output:" >&2
		sed 's/^/    | /' "$TDIR/out" >&2
		return 1
	fi
}

# q DB SQL: one value from the database as the superuser.
q() {
	sql -d "$1" -c "$2"
}

# A private copy of the reference migrations, to add and break files in.
copy_migrations() {
	cp -a "$ROOT/migrations" "$TDIR/migrations"
	export PGINIT_MIGRATIONS_DIR=$TDIR/migrations
}

# psql as the app role over TCP with its password (SCRAM on this server). The
# role is the database's own (<db>_user, as pginit.conf names it) unless APP_ROLE.
as_app() {
	PGPASSWORD=${APP_PW:-$APP_DB_PASSWORD} psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_TEST" \
		-U "${APP_ROLE:-${APP_DB:-app}_user}" -d "${APP_DB:-app}" -At "$@"
}

n_migration_files() {
	find "${PGINIT_MIGRATIONS_DIR:-$ROOT/migrations}" -maxdepth 1 -name '[0-9]*_*.sql' ! -name '*.down.sql' | wc -l
}

elapsed_ms() { # since $1 (date +%s%N)
	echo $((($(date +%s%N) - $1) / 1000000))
}
