#!/usr/bin/env bash
# tests/lib.sh — shared by the integration tests, the docker tests, the demo and the benchmarks:
# a throwaway PostgreSQL server (initdb into a temp dir, its own free port,
# 127.0.0.1 only, fsync off) and small assertion helpers. Source it.
#
# As root, the server runs as the unprivileged "postgres" user (initdb refuses
# root); the data directory lives under a temp dir that user can reach.

# (|| true: also sourced under errexit and pipefail, by the docker tests on machines
# without a PostgreSQL server.)
PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)}
PG_USER_OS=${PG_USER_OS:-postgres}
TEST_SUPERPASS=${TEST_SUPERPASS:-super-Secret-4711}

as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$PG_USER_OS" -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# pg_init DIR: a fresh cluster with a superuser "postgres" whose password is
# $TEST_SUPERPASS, scram-sha-256 on TCP. Sets PGPORT_TEST and PGDATA_TEST.
pg_init() {
	local dir=$1
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS" "$dir"
	PGDATA_TEST=$dir/data
	PGPORT_TEST=$(free_port)
	pg_sockdir "$dir/sock"
	local pwfile=$dir/superpass
	printf '%s\n' "$TEST_SUPERPASS" >"$pwfile"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS" "$pwfile"
	as_pg "$PG_BINDIR/initdb" -D "$PGDATA_TEST" -U postgres --pwfile="$pwfile" -A scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 -N >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log"; return 1; }
	rm -f "$pwfile"
	cat >>"$PGDATA_TEST/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PGPORT_TEST
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 60
CONF
	export PGDATA_TEST PGPORT_TEST
}

# The server's socket directory must be writable by the user it runs as.
pg_sockdir() {
	mkdir -p "$1"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS" "$1"
	return 0
}

pg_start() {
	as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_TEST" -l "$PGDATA_TEST/server.log" -w -t 30 start >/dev/null
}

pg_stop() {
	[ -n "${PGDATA_TEST:-}" ] && [ -f "$PGDATA_TEST/postmaster.pid" ] &&
		as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_TEST" -m immediate -w stop >/dev/null 2>&1
	return 0
}

# pg_throwaway PREFIX: a fresh cluster in a new temp dir ($THROWAWAY), started,
# and stopped and removed when the script exits. For the demo and the benchmarks.
pg_throwaway() {
	THROWAWAY=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$THROWAWAY"
	trap 'pg_stop; rm -rf "$THROWAWAY"' EXIT
	pg_init "$THROWAWAY"
	pg_start
}

# psql as the superuser on 127.0.0.1; extra arguments go to psql.
sql() {
	PGPASSWORD=$TEST_SUPERPASS psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres -At "$@"
}

# ---- assertions: each prints what failed and returns 1

fail() {
	echo "  FAIL: $*" >&2
	return 1
}

assert_eq() { # expected actual what
	[ "$1" == "$2" ] || fail "$3: expected '$1', got '$2'"
}

assert_match() { # regex text what
	[[ $2 =~ $1 ]] || fail "$3: '$2' does not match /$1/"
}

assert_contains() { # needle file-or-text what
	if [ -f "$2" ]; then
		grep -qF -- "$1" "$2" || { fail "$3: '$1' not in $2"; sed 's/^/    | /' "$2" | tail -n 20 >&2; return 1; }
	else
		[[ $2 == *"$1"* ]] || fail "$3: '$1' not in output"
	fi
}

assert_not_contains() { # needle file what
	! grep -qF -- "$1" "$2" || fail "$3: '$1' found in $2"
}
