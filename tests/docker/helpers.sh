#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# Helpers of the docker tests (tests/docker/*.test.sh), sourced by tests/docker/run.sh
# after tests/lib.sh (fail, assert_eq, assert_contains, free_port, ...). They expect
# $top (the project directory, also the working directory), $work (this run's scratch
# directory, removed at the end) and the images' variables that run.sh sets.
#
# Note: with pipefail, never `producer | grep -q`: grep -q exits at the first match, the
# producer dies of SIGPIPE, and the pipeline fails although the text was found (an
# `if ... | grep -q secret` check would then pass wrongly). `grep ... >/dev/null` reads all.

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# docker_test NAME DESCRIPTION: declares test_NAME (defined in the same file) as a test
# of the suite; `tests/docker/run.sh NAME...` runs some of them.
declare -a all_tests=()
declare -A test_desc=()
docker_test() {
	all_tests+=("$1")
	# shellcheck disable=SC2034 # read by run.sh
	test_desc[$1]=$2
}

# dc PROJECT FILE... -- ARGS...: docker-compose with the project's compose file(s) (names
# relative to the top directory, or absolute); `dc P F ARGS...` is short for one file.
# The stack is registered for cleanup before it is used.
dc() {
	local p=$1 files=() f fargs=() line
	shift
	if [[ " $* " == *" -- "* ]]; then
		while [ "$1" != -- ]; do
			files+=("$1")
			shift
		done
		shift
	else
		files=("$1")
		shift
	fi
	line=$p
	for f in "${files[@]}"; do
		case "$f" in /*) ;; *) f=$top/$f ;; esac
		fargs+=(-f "$f")
		line+="|$f"
	done
	echo "$line" >>"$work/stacks"
	# --env-file (empty): a developer's .env next to the compose files must not leak in.
	docker-compose --env-file "$work/empty.env" -p "$p" "${fargs[@]}" "$@"
}

# cid PROJECT SERVICE: the container id(s) of a service (running or exited).
cid() {
	docker ps -aq --filter "label=com.docker.compose.project=$1" \
		--filter "label=com.docker.compose.service=$2"
}

# db_sql PROJECT QUERY: run a query as the superuser inside the project's db container
# (unix socket, trust), print the unaligned, tuples-only result.
db_sql() {
	docker exec "$(cid "$1" db)" psql -U postgres -d app -v ON_ERROR_STOP=1 -qAtX -c "$2"
}

# app_sql NETWORK SECRET-FILE QUERY: run a query as app_user from a throw-away container
# on NETWORK, with the password from the secret file (through a pgpass file).
app_sql() {
	docker run --rm --network "$1" --label org.pginit.test="$$" \
		-v "$2:/run/secrets/app_db_password:ro" -e PGHOST=db -e PGUSER=app_user -e PGDATABASE=app \
		--entrypoint /bin/sh "$POSTGRES_IMAGE" -c '
			umask 077
			printf "db:5432:app:app_user:%s\n" "$(sed "s/[\\:]/\\\\&/g" /run/secrets/app_db_password)" >/tmp/pgpass
			PGPASSFILE=/tmp/pgpass exec psql -v ON_ERROR_STOP=1 -qAtX -c "$1"' sh "$3"
}

exit_code() { docker inspect -f '{{.State.ExitCode}}' "$1"; }
started_ns() { date -d "$(docker inspect -f '{{.State.StartedAt}}' "$1")" +%s%N; }
finished_ns() { date -d "$(docker inspect -f '{{.State.FinishedAt}}' "$1")" +%s%N; }

# wait_exit CONTAINER: its exit code (docker wait), 124 after 120 s.
wait_exit() {
	timeout 120 docker wait "$1" || echo 124
}

# wait_healthy CONTAINER
wait_healthy() {
	local s
	for _ in $(seq 1 240); do
		s=$(docker inspect -f '{{.State.Health.Status}}' "$1")
		[ "$s" = healthy ] && return 0
		sleep 0.25
	done
	fail "container $1 not healthy after 60 s (status $s)"
}

# wait_log CONTAINER TEXT: wait up to 15 s for TEXT in the container's log.
wait_log() {
	for _ in $(seq 1 60); do
		docker logs "$1" 2>&1 | grep -F -- "$2" >/dev/null && return 0
		sleep 0.25
	done
	return 1
}

n_migration_files() {
	find migrations -maxdepth 1 -type f -name '[0-9]*.sql' ! -name '*.down.sql' | wc -l
}

# timing WHAT SECONDS: a figure for the suite's summary (run.sh also collects the
# timing: lines of the tests' logs, which run in subshells).
timings=()
timing() {
	timings+=("$1: $2 s")
	echo "timing: $1: $2 s"
}

# prod_secrets DIR: fresh random secrets readable by pginit's uid only (root reads anything).
prod_secrets() {
	install -d -m 0700 "$1"
	(
		umask 077
		openssl rand -hex 24 | tr -d '\n' >"$1/postgres_password"
		openssl rand -hex 24 | tr -d '\n' >"$1/app_db_password"
	)
	chown 65532:65532 "$1/postgres_password" "$1/app_db_password"
	chmod 0440 "$1/postgres_password" "$1/app_db_password"
}

# db_ready_ns CONTAINER: when the server in CONTAINER last logged that it accepts
# connections (the engine's timestamp of that log line). On a first start the image's
# entrypoint runs a temporary socket-only server first, which logs the same line:
# the last one is the real server's.
db_ready_ns() {
	local ts
	ts=$(docker logs -t "$1" 2>&1 | grep -F 'database system is ready to accept connections' | tail -n 1 | cut -d' ' -f1)
	[ -n "$ts" ] || fail "no 'ready to accept connections' in the log of $1"
	date -d "$ts" +%s%N
}

# startup_figures LABEL DB INIT APP: prints, as timing lines, how long after the server
# was ready init had exited (when `docker wait` on init returns: the test stack's
# documented way to start the tests) and the app container had started (compose's
# dependency polling, container create and start on top); a note has init's start too
# (negative: before the server was ready).
startup_figures() {
	local ready
	ready=$(db_ready_ns "$2")
	after() { awk -v a="$ready" -v b="$1" -v f="$2" 'BEGIN { printf f, (b - a) / 1e9 }'; }
	timing "$1: db ready -> init exited" "$(after "$(finished_ns "$3")" %.2f)"
	timing "$1: db ready -> app started" "$(after "$(started_ns "$4")" %.2f)"
	echo "note: $1: init started $(after "$(started_ns "$3")" %+.2f) s after the db was ready"
}
