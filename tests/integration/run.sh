#!/usr/bin/env bash
# Integration tests: the built binary against a real PostgreSQL.
#
#   tests/integration/run.sh [NAME_FILTER]      (PGINIT_BIN picks the binary)
#
# Every test_* function in tests/integration/*.test.sh runs in a subshell with
# `set -e`, against its own fresh cluster (a copy of one initdb'd template, its
# own port, 127.0.0.1 only), which is stopped and removed afterwards. They run in
# name order; NAME_FILTER is a substring of the name (`run.sh test_4` runs the
# 4xx area, `run.sh test_405` one test, `run.sh secrets` every test with it).
#
# Test names are test_NNN_what: the hundreds are the area, the number is unique,
# and a new test takes the next free number of its area (grep -h '^test_' *.test.sh
# | sort shows them). Areas, their files, and who owns the range:
#   0xx  the contract        exitcodes.test.sh  001 exit-code table (exitcodes.table),
#                                               002 config error cases (tests/data/config/errors/)
#   1xx  core scenarios      core.test.sh       fresh run, no-op, privileges, profiles,
#                                               new/failing/drifted migrations, docs, config errors
#   2xx  migration engine    engine.test.sh     rollback, dry run, COPY/CSV, validate/repair,
#                                               placeholders, timeouts, status, `new`
#   3xx  migration formats   formats.test.sh    golang-migrate, dbmate, goose, Flyway, baseline
#        (32x)             adopt.test.sh      adopting a database: foreign owners, adopt-owner, harden,
#                                               search_path, no-config mode
#   4xx  runtime and signals runtime.test.sh    waiting, auth, secrets, concurrency, secrecy,
#                                               SIGTERM, --exec, TLS
#   5xx  bad input           badinput.test.sh   (reserved)
#   6xx  safety and roles    safety.test.sh     (reserved)
#   7xx  runtime robustness  robust.test.sh     interrupted and concurrent CIC, credentials file, exec env, stopped
#                                               backend, stalled resolver, lock blockers, abandoned
#                                               runs, SQLSTATE retries (German server), kill -9 loop
#   8xx  performance-shaped  noop.test.sh       (reserved: no-op writes nothing, connection counts)
#   9xx  real peers          (reserved: against the tools the formats come from)
#   96x  fleets              fleet.test.sh      databases and schemas fleets, -j, --shard,
#                                               retention, history, prometheus
#   97x  topology            topology.test.sh   PgBouncer (transaction pooling, the lease), a streaming
#                                               standby (host lists, waiting for a primary, promotion)
# A new area file is just another *.test.sh here: run.sh sources every one of them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib.sh
. "$ROOT/tests/lib.sh"

filter=${1:-}
bin=${PGINIT_BIN:-$ROOT/build/pginit}
[ -x "$bin" ] || { echo "integration: no binary at $bin (run make)" >&2; exit 2; }
[ -x "$PG_BINDIR/initdb" ] || { echo "integration: no PostgreSQL server binaries (scripts/install-deps.sh test)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/pginit-it.XXXXXX)
chmod 755 "$WORK"
# A private copy: a rebuild during the run must not change the binary under test.
cp "$bin" "$WORK/pginit"
PGINIT_BIN=$WORK/pginit
export ROOT WORK PGINIT_BIN

cleanup() {
	for d in "$WORK"/t.*/data; do
		[ -f "$d/postmaster.pid" ] && PGDATA_TEST=$d pg_stop
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_init "$WORK/template" || exit 1
TEMPLATE=$PGDATA_TEST

for f in "$ROOT"/tests/integration/*.test.sh; do
	# shellcheck source=/dev/null
	. "$f"
done

passed=0 failed=0 failed_names=""
start_all=$(date +%s.%N)
for t in $(declare -F | awk '{print $3}' | grep '^test_'); do
	[ -n "$filter" ] && [[ $t != *"$filter"* ]] && continue
	TDIR=$WORK/t.$t
	mkdir -p "$TDIR/secrets"
	chmod 755 "$TDIR"
	cp -a "$TEMPLATE" "$TDIR/data"
	PGDATA_TEST=$TDIR/data
	PGPORT_TEST=$(free_port)
	pg_sockdir "$TDIR/sock"
	sed -i "s/^port = .*/port = $PGPORT_TEST/; s#^unix_socket_directories = .*#unix_socket_directories = '$TDIR/sock'#" "$PGDATA_TEST/postgresql.conf"
	[ "$(id -u)" -eq 0 ] && chown -R "$PG_USER_OS" "$TDIR/data"
	export TDIR PGDATA_TEST PGPORT_TEST
	t0=$(date +%s.%N)
	if ! pg_start; then
		echo "FAIL $t (server did not start)"
		failed=$((failed + 1))
		continue
	fi
	(
		set -e
		# The environment a user of the tool would give it; tests change what they test.
		export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST POSTGRES_PASSWORD=$TEST_SUPERPASS
		export APP_DB_PASSWORD=app-Pass-1234 PGINIT_CONFIG=$ROOT/pginit.conf
		export PGINIT_CREDENTIALS_FILE=$TDIR/credentials PGINIT_SECRETS_DIR=$TDIR/secrets
		unset PGINIT_PROFILE DATABASE_URL PGDATABASE PGUSER PGPASSWORD
		cd "$TDIR"
		"$t"
	) >"$TDIR/test.log" 2>&1
	rc=$?
	pg_stop
	secs=$(echo "$(date +%s.%N) - $t0" | bc)
	if [ $rc -eq 0 ]; then
		printf 'ok   %-40s %5.1f s\n' "$t" "$secs"
		# expected failures a test tolerates (the differential harness) stay visible
		grep '^XFAIL ' "$TDIR/test.log" | sed 's/^/     /' || true
		passed=$((passed + 1))
		rm -rf "$TDIR"
	else
		printf 'FAIL %-40s %5.1f s\n' "$t" "$secs"
		sed 's/^/    | /' "$TDIR/test.log" | tail -n 40
		failed=$((failed + 1))
		failed_names="$failed_names $t"
		[ -n "${KEEP_FAILED:-}" ] && cp -a "$TDIR" "/tmp/pginit-failed.$t"
	fi
done
total=$(echo "$(date +%s.%N) - $start_all" | bc)
printf 'integration (%s): %d passed, %d failed in %.1f s\n' "$("$PGINIT_BIN" version)" "$passed" "$failed" "$total"
[ $failed -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
