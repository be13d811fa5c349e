#!/bin/bash
# Entrypoint of the local PostgreSQL test server images (pginit-test/postgres:15, :17).
#
# Nothing can be pulled on the test machines, so postgres:16-alpine is replaced in the
# docker tests by a Debian image of our own. This script gives it the interface of the
# official image that the compose files rely on:
#   - `postgres -c k=v ...` or just `-c k=v ...` as the command; anything else is exec'd
#   - POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE (both set is an error), POSTGRES_USER
#     (default postgres), POSTGRES_DB (default $POSTGRES_USER), PGDATA,
#     POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256)
#   - on an empty PGDATA: initdb, then a temporary server listening on the unix socket
#     only (so that TCP clients see "connection refused" until the real server is up,
#     like with the official image), CREATE DATABASE, /docker-entrypoint-initdb.d/*.sql
#     and *.sh, stop
#   - started as root it fixes ownership and drops to the postgres user; started as
#     another user it runs as that user
#   - the server listens on all addresses; host connections use scram-sha-256
set -Eeuo pipefail

log() { echo "docker-entrypoint: $*" >&2; }

# file_env VAR [DEFAULT]: VAR or VAR_FILE (the file's content), never both.
file_env() {
	local var=$1 def=${2:-} fvar="${1}_FILE" val
	if [ -n "${!var:-}" ] && [ -n "${!fvar:-}" ]; then
		log "error: both $var and $fvar are set (but are exclusive)"
		exit 1
	fi
	val=$def
	if [ -n "${!var:-}" ]; then
		val=${!var}
	elif [ -n "${!fvar:-}" ]; then
		val=$(<"${!fvar}")
	fi
	export "$var=$val"
	unset "$fvar"
}

# The official image's convention: a first argument starting with '-' means postgres.
if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi
if [ "${1:-}" != postgres ]; then
	exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chmod 00700 "$PGDATA"
	chmod 03775 /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	# Read secret files as root (they may be readable by root only), then drop.
	file_env POSTGRES_PASSWORD
	exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

file_env POSTGRES_USER postgres
file_env POSTGRES_PASSWORD
file_env POSTGRES_DB "$POSTGRES_USER"
file_env POSTGRES_INITDB_ARGS
auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$auth" != trust ]; then
		log "error: database is uninitialized and superuser password is not specified."
		log "       set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust)"
		exit 1
	fi
	log "initialising $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
	# The password reaches initdb on its standard input, never on a command line.
	pw=()
	if [ -n "$POSTGRES_PASSWORD" ]; then
		pw=(--pwfile=/dev/stdin)
	fi
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a word list by contract
	printf '%s\n' "$POSTGRES_PASSWORD" | initdb --username="$POSTGRES_USER" "${pw[@]}" \
		--encoding=UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host="$auth" \
		$POSTGRES_INITDB_ARGS >/dev/null
	{
		echo
		echo "# added by docker-entrypoint.sh"
		echo "listen_addresses = '*'"
		echo "unix_socket_directories = '/var/run/postgresql'"
	} >>"$PGDATA/postgresql.conf"
	printf '\n# added by docker-entrypoint.sh\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"

	# Temporary server: unix socket only, as the official image does.
	pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -p 5432" start >/dev/null
	export PGHOST=/var/run/postgresql PGPORT=5432 PGUSER=$POSTGRES_USER
	psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc -q)
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql[@]}" -d postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db";
		EOSQL
	fi
	for f in /docker-entrypoint-initdb.d/*; do
		[ -e "$f" ] || continue
		case "$f" in
		*.sh)
			log "running $f"
			# shellcheck disable=SC1090
			. "$f"
			;;
		*.sql)
			log "running $f"
			"${psql[@]}" -d "$POSTGRES_DB" -f "$f"
			;;
		*) log "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
	unset PGHOST PGPORT PGUSER
	log "initialisation complete; starting the server"
fi

# The password is not needed by the server: keep it out of its environment.
unset POSTGRES_PASSWORD
exec "$@"
