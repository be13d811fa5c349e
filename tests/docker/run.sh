#!/usr/bin/env bash
# Docker test suite: the real image and the real compose files on a real engine.
#
# Usage: tests/docker/run.sh [TEST...]
#   tests: image config dev test prod tls race concurrent versions   (default: all)
#
# What it does, in order:
#   1. installs what is missing (scripts/install-deps.sh docker static build)
#   2. starts its own dockerd (tests/docker/engine.sh; reused if already running)
#   3. gets the local images (tests/docker/images.sh): PostgreSQL 15 (bookworm) and 17
#      (trixie) servers standing in for postgres:16-alpine, and the Debian build image
#      used as the Dockerfile's BUILD_IMAGE; nothing can be pulled on the test machines
#   4. `make static` on the host (fills the build/static-deps cache), then builds the
#      pginit image from the project Dockerfile with that cache in the context
#   5. runs the tests; each prints a PASS or FAIL line, the failures their log
#   6. stops everything it started, also on failure: the stacks (containers, networks,
#      volumes), the temporary files, and the engine if it started it
# Exit status: 0 when every test passed, 1 otherwise.
#
# All checks that talk to PostgreSQL run psql inside a container on the stack's network
# (`docker exec` into the db container, or a throw-away container on the network); the
# host only ever connects to ports published on 127.0.0.1.
#
# Environment: PGINIT_CACHE_DIR (image cache, default ~/.cache/pginit),
# PGINIT_DOCKER_ROOT / PGINIT_DOCKER_EXEC_ROOT (engine state), PGINIT_DOCKER_KEEP_ENGINE=1
# (leave an engine this run started running, for a quicker next run),
# PGINIT_DOCKER_SKIP_BUILD=1 (use the pginit image already in the engine instead of
# `make static` + docker build: for iterating on the tests while src/ does not build).
set -Eeuo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

# The compose files read these from the environment: the tests set what they need.
unset POSTGRES_PASSWORD APP_DB_PASSWORD PGINIT_SECRETS_DIR PGINIT_SSLMODE PGINIT_DEV_DB_PORT \
	COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
export POSTGRES_IMAGE=pginit-test/postgres:15
export PGINIT_IMAGE=pginit:local
PG17_IMAGE=pginit-test/postgres:17
BUILD_IMAGE=pginit-test/build:bookworm
MAX_IMAGE_BYTES=$((6 * 1000 * 1000))

all_tests="image config dev test prod tls race concurrent versions"
selected=${*:-$all_tests}

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "docker-tests: $*"; }

# ---------------------------------------------------------------- cleanup ------------

work=$(mktemp -d /tmp/pginit-docker-tests.XXXXXX)
: >"$work/empty.env"
started_engine=0
engine_up=0
volumes_before=""

cleanup() {
	local rc=$? line parts fargs f c n v
	trap - EXIT INT TERM
	if [ "$engine_up" = 1 ]; then
		# Every stack brought up (the tests run in subshells: they register in a file).
		if [ -s "$work/stacks" ]; then
			while IFS= read -r line; do
				IFS='|' read -ra parts <<<"$line"
				fargs=()
				for f in "${parts[@]:1}"; do fargs+=(-f "$f"); done
				docker-compose --env-file "$work/empty.env" -p "${parts[0]}" "${fargs[@]}" down -v --remove-orphans -t 5 \
					>>"$work/cleanup.log" 2>&1 || true
			done < <(sort -u "$work/stacks")
		fi
		# Whatever is left of this run: projects named *$$, containers we labelled,
		# volumes that were not there before (anonymous ones included).
		for c in $(docker ps -aq); do
			n=$(docker inspect -f '{{ index .Config.Labels "com.docker.compose.project" }}|{{ index .Config.Labels "org.pginit.test" }}' "$c" 2>/dev/null) || continue
			case "$n" in *"$$|"* | *"|$$") docker rm -fv "$c" >/dev/null 2>&1 || true ;; esac
		done
		for n in $(docker network ls -q --filter label=com.docker.compose.network); do
			case "$(docker network inspect -f '{{ index .Labels "com.docker.compose.project" }}' "$n")" in
			*"$$") docker network rm "$n" >/dev/null 2>&1 || true ;;
			esac
		done
		for v in $(docker volume ls -q); do
			grep -qxF "$v" <<<"$volumes_before" || docker volume rm "$v" >/dev/null 2>&1 || true
		done
		docker image prune -f >/dev/null 2>&1 || true
		if [ "$started_engine" = 1 ] && [ "${PGINIT_DOCKER_KEEP_ENGINE:-0}" != 1 ]; then
			"$here/engine.sh" stop >/dev/null || true
		fi
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helpers ------------
# Note: with pipefail, never `producer | grep -q`: grep -q exits at the first match, the
# producer dies of SIGPIPE, and the pipeline fails although the text was found (an
# `if ... | grep -q secret` check would then pass wrongly). `grep ... >/dev/null` reads all.

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

# sql PROJECT QUERY: run a query as the superuser inside the project's db container
# (unix socket, trust), print the unaligned, tuples-only result.
sql() {
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

fail() {
	echo "FAILED CHECK: $*" >&2
	exit 1
}
# expect WHAT EXPECTED ACTUAL
expect() {
	if [ "$2" = "$3" ]; then
		echo "ok: $1 = $3"
	else
		fail "$1: expected '$2', got '$3'"
	fi
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

free_port() {
	local p
	for p in $(seq 15433 15999); do
		if [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return 0
		fi
	done
	fail "no free port in 15433-15999"
}

n_migration_files() {
	find migrations -maxdepth 1 -type f -name '[0-9]*.sql' ! -name '*.down.sql' | wc -l
}

timings=()
timing() {
	timings+=("$1: $2 s")
	echo "timing: $1: $2 s"
}

passed=0
failed=0
results=()
# run_test NAME DESCRIPTION: runs test_NAME in a subshell with errexit; its output goes to
# a log printed only on failure; lines starting with "timing:" or "size:" are kept.
run_test() {
	local name=$1 desc=$2 log=$work/$1.log t0 rc line
	t0=$(now)
	set +e
	(
		set -e
		"test_$name"
	) >"$log" 2>&1
	rc=$?
	set -e
	while IFS= read -r line; do
		case "$line" in
		timing:*) timings+=("${line#timing: }") ;;
		esac
	done <"$log"
	grep -E '^(timing|size|note):' "$log" || true
	if [ "$rc" = 0 ]; then
		results+=("PASS: $name - $desc ($(since "$t0") s)")
		echo "PASS: $name - $desc ($(since "$t0") s)"
		passed=$((passed + 1))
	else
		results+=("FAIL: $name - $desc")
		echo "FAIL: $name - $desc (rc $rc, $(since "$t0") s); log:"
		sed 's/^/    | /' "$log" | tail -n 60
		failed=$((failed + 1))
	fi
}

# ---------------------------------------------------------------- tests --------------

test_image() {
	local size user
	size=$(docker image inspect -f '{{.Size}}' "$PGINIT_IMAGE")
	echo "size: image $PGINIT_IMAGE: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)"
	[ "$size" -le "$MAX_IMAGE_BYTES" ] || fail "image is $size bytes, more than $MAX_IMAGE_BYTES"
	user=$(docker image inspect -f '{{.Config.User}}' "$PGINIT_IMAGE")
	expect "image user" "65532:65532" "$user"
	expect "entrypoint" '[/pginit]' "$(docker image inspect -f '{{.Config.Entrypoint}}' "$PGINIT_IMAGE")"
	expect "cmd" '[run]' "$(docker image inspect -f '{{.Config.Cmd}}' "$PGINIT_IMAGE")"
	docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$PGINIT_IMAGE" |
		grep -x 'PGINIT_CONFIG=/etc/pginit/pginit.conf' >/dev/null || fail "PGINIT_CONFIG not set in the image"
	docker run --rm --label org.pginit.test="$$" "$PGINIT_IMAGE" version | grep '^pginit ' >/dev/null ||
		fail "pginit version did not run"
	# The files the image must have, listed from an exported (never started) container.
	local c listing f
	c=$(docker create --label org.pginit.test="$$" "$PGINIT_IMAGE")
	listing=$(docker export "$c" | tar -t)
	docker rm "$c" >/dev/null
	for f in pginit etc/passwd etc/group etc/ssl/certs/ca-certificates.crt etc/pginit/pginit.conf \
		etc/pginit/migrations/ etc/pginit/seeds/ etc/pginit/initdb.d/ tmp/; do
		grep -qx "$f" <<<"$listing" || fail "image lacks /$f"
	done
	echo "ok: files present"
	# Documented exit codes from the container, without a server (--network none):
	# 3 unknown profile, 4 prod without the app secret, 5 wait timeout (the dev profile
	# first writes a generated app password to the image's /run/pginit).
	local rc
	for c in "3 -e PGINIT_PROFILE=nosuch -e POSTGRES_PASSWORD=x" \
		"4 -e PGINIT_PROFILE=prod -e POSTGRES_PASSWORD=x" \
		"5 -e PGINIT_PROFILE=dev -e POSTGRES_PASSWORD=x -e PGINIT_WAIT_TIMEOUT=2"; do
		rc=0
		# shellcheck disable=SC2086 # option list
		docker run --rm --label org.pginit.test="$$" --network none -e PGHOST=127.0.0.1 ${c#* } \
			"$PGINIT_IMAGE" >"$work/image-rc.log" 2>&1 || rc=$?
		expect "exit code with${c#* }" "${c%% *}" "$rc"
	done
	grep -q '/run/pginit/credentials.env' "$work/image-rc.log" ||
		fail "no generated credentials in /run/pginit: $(cat "$work/image-rc.log")"
}

test_config() {
	local f
	for f in docker-compose.dev.yml docker-compose.test.yml docker-compose.prod.yml; do
		docker-compose --env-file "$work/empty.env" -f "$f" config -q || fail "$f does not validate"
		echo "ok: $f validates"
	done
	# Image names are parameterised; no registry host name in any file.
	for f in docker-compose.dev.yml docker-compose.test.yml docker-compose.prod.yml; do
		# shellcheck disable=SC2016 # a literal compose variable
		grep -qF '${POSTGRES_IMAGE:-postgres:16-alpine}' "$f" || fail "$f: POSTGRES_IMAGE not parameterised"
	done
	# No password in the prod file's environment sections.
	docker-compose --env-file "$work/empty.env" -f docker-compose.prod.yml config | grep -E '^\s+[A-Z_]*PASSWORD:' &&
		fail "docker-compose.prod.yml sets a password in an environment"
	echo "ok: no password in docker-compose.prod.yml environments"
}

test_dev() {
	local p=pgd$$ f=docker-compose.dev.yml t0 init app db n port
	PGINIT_DEV_DB_PORT=$(free_port)
	export PGINIT_DEV_DB_PORT
	t0=$(now)
	dc "$p" "$f" up -d
	timing "dev up (empty volume)" "$(since "$t0")"
	init=$(cid "$p" init) app=$(cid "$p" app) db=$(cid "$p" db)
	expect "init exit code" 0 "$(wait_exit "$init")"
	[ -n "$app" ] || fail "app container not created"
	expect "app running" true "$(docker inspect -f '{{.State.Running}}' "$app")"
	# The app started only after init had finished.
	[ "$(started_ns "$app")" -ge "$(finished_ns "$init")" ] || fail "app started before init finished"
	echo "ok: app started after init finished"
	wait_log "$app" 'app: connected as app_user; 12 events' ||
		fail "app did not read 12 events as app_user: $(docker logs "$app" 2>&1 | tail -n 3)"
	echo "ok: app connected as app_user"

	expect "schemas" "auth,pginit,public" \
		"$(sql "$p" "select string_agg(nspname, ',' order by nspname) from pg_namespace where nspname in ('auth','public','pginit')")"
	expect "roles" "app_owner:f,app_readonly:f,app_user:t" \
		"$(sql "$p" "select string_agg(rolname || ':' || case when rolcanlogin then 't' else 'f' end, ',' order by rolname) from pg_roles where rolname in ('app_owner','app_user','app_readonly')")"
	expect "extensions" "citext,pgcrypto,uuid-ossp" \
		"$(sql "$p" "select string_agg(extname, ',' order by extname) from pg_extension where extname in ('citext','pgcrypto','uuid-ossp')")"
	n=$(n_migration_files)
	expect "applied migrations" "$n" "$(sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")"
	expect "dev accounts" 5 "$(sql "$p" "select count(*) from auth.users")"
	expect "events" 12 "$(sql "$p" "select count(*) from public.events")"
	expect "upcoming events" 10 "$(sql "$p" "select count(*) from public.events where start_date > now()")"
	[ "$(sql "$p" "select count(*) from public.vetting_statuses")" -gt 0 ] || fail "no vetting statuses"
	echo "ok: vetting statuses present"
	expect "runs logged" "1:success" "$(sql "$p" "select count(*) || ':' || max(status) from pginit.init_log")"
	# Published on 127.0.0.1 only; reachable there from the host.
	port=$(docker port "$db" 5432/tcp)
	expect "published port" "127.0.0.1:$PGINIT_DEV_DB_PORT" "$port"
	if command -v pg_isready >/dev/null; then
		pg_isready -q -h 127.0.0.1 -p "$PGINIT_DEV_DB_PORT" || fail "db not reachable on 127.0.0.1:$PGINIT_DEV_DB_PORT"
		echo "ok: db answers on 127.0.0.1:$PGINIT_DEV_DB_PORT"
	fi
	# log_statement=all is on in dev: the app password must not be in the server log.
	if docker logs "$db" 2>&1 | grep -F -- "${APP_DB_PASSWORD:-app-dev}" >/dev/null; then
		fail "the app password appears in the server log"
	fi
	echo "ok: no app password in the server log (log_statement=all)"

	# down (keeping the volume) and up again: init runs again and has nothing to do.
	t0=$(now)
	dc "$p" "$f" down
	docker volume inspect "${p}_db_data" >/dev/null || fail "volume ${p}_db_data gone after down"
	dc "$p" "$f" up -d
	timing "dev down + up (existing volume)" "$(since "$t0")"
	init=$(cid "$p" init) app=$(cid "$p" app)
	expect "second init exit code" 0 "$(wait_exit "$init")"
	expect "app running after second up" true "$(docker inspect -f '{{.State.Running}}' "$app")"
	expect "second run" "success:0:0" \
		"$(sql "$p" "select status || ':' || migrations_applied || ':' || seeds_applied from pginit.init_log order by id desc limit 1")"
	expect "applied migrations after second run" "$n" "$(sql "$p" "select count(*) from pginit.schema_migrations where kind = 'migration'")"
	expect "dev accounts after second run" 5 "$(sql "$p" "select count(*) from auth.users")"
	expect "events after second run" 12 "$(sql "$p" "select count(*) from public.events")"
	dc "$p" "$f" down -v
}

test_test() {
	local p=pgt$$ f=docker-compose.test.yml t0 t1 init db mounts
	t0=$(now)
	dc "$p" "$f" up -d
	t1=$(since "$t0")
	init=$(cid "$p" init) db=$(cid "$p" db)
	expect "init exit code" 0 "$(wait_exit "$init")"
	timing "test up (until init exited)" "$(since "$t0")"
	echo "note: test up -d returned after $t1 s"
	expect "data directory filesystem" tmpfs \
		"$(docker exec "$db" awk '$2 == "/var/lib/postgresql/data" { print $3 }' /proc/mounts)"
	expect "data_directory" /var/lib/postgresql/data "$(sql "$p" "show data_directory")"
	expect "durability settings" "off,off,off" \
		"$(sql "$p" "select current_setting('fsync') || ',' || current_setting('synchronous_commit') || ',' || current_setting('full_page_writes')")"
	mounts=$(docker inspect -f '{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}' "$db")
	case "$mounts" in *volume:*) fail "db has a volume mount: $mounts" ;; esac
	[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$p")" ] || fail "the test stack created volumes"
	echo "ok: no volumes"
	expect "port published on" 127.0.0.1 "$(docker port "$db" 5432/tcp | cut -d: -f1)"
	[ "$(sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "no fixture accounts"
	expect "non-fixture accounts" 0 "$(sql "$p" "select count(*) from auth.users where email::text not like '%@test.example'")"
	[ "$(sql "$p" "select count(*) from public.events")" -gt 0 ] || fail "no fixture events"
	expect "seed sets" "common,test" "$(sql "$p" "select string_agg(distinct set_name, ',' order by set_name) from pginit.seed_history")"
	dc "$p" "$f" down -v
	timing "test stack whole cycle (up, init, checks, down)" "$(since "$t0")"
	[ -z "$(cid "$p" db)" ] || fail "containers left after down"
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

test_prod() {
	local p=pgp$$ f=docker-compose.prod.yml s=$work/prod-secrets t0 init app db c env net out
	prod_secrets "$s"
	export PGINIT_SECRETS_DIR=$s
	t0=$(now)
	dc "$p" "$f" up -d
	timing "prod up" "$(since "$t0")"
	init=$(cid "$p" init) app=$(cid "$p" app) db=$(cid "$p" db) net=${p}_backend
	expect "init exit code" 0 "$(wait_exit "$init")"
	expect "app running" true "$(docker inspect -f '{{.State.Running}}' "$app")"
	wait_log "$app" 'app: connected as app_user' ||
		fail "app did not log in: $(docker logs "$app" 2>&1 | tail -n 3)"
	echo "ok: app logged in as app_user with its secret"

	# No password in any container's configuration, by name or by value.
	for c in $(docker ps -aq --filter "label=com.docker.compose.project=$p"); do
		env=$(docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$c")
		if grep -E '^[A-Z_]*PASSWORD=' <<<"$env"; then fail "password variable in the environment of $c"; fi
		if docker inspect "$c" | grep -F -e "$(cat "$s/postgres_password")" -e "$(cat "$s/app_db_password")" >/dev/null; then
			fail "a secret value appears in docker inspect of $c"
		fi
	done
	echo "ok: no password in any container's environment (docker inspect)"
	expect "published ports" "" "$(docker port "$db")"
	expect "db restart policy" unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$db")"
	expect "init memory limit" $((64 * 1024 * 1024)) "$(docker inspect -f '{{.HostConfig.Memory}}' "$init")"
	expect "init read-only root" true "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$init")"

	expect "seed files applied" 0 "$(sql "$p" "select count(*) from pginit.seed_history")"
	expect "accounts" 0 "$(sql "$p" "select count(*) from auth.users")"
	expect "events" 0 "$(sql "$p" "select count(*) from public.events")"
	expect "migrations applied" "$(n_migration_files)" "$(sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")"

	# The app role from a second container: logs in with its secret, may use the tables,
	# may not create any.
	expect "app login" app_user "$(app_sql "$net" "$s/app_db_password" "select current_user")"
	expect "app reads events" 0 "$(app_sql "$net" "$s/app_db_password" "select count(*) from public.events")"
	for c in public auth; do
		if out=$(app_sql "$net" "$s/app_db_password" "create table $c.pginit_probe (i int)" 2>&1); then
			fail "app_user created a table in schema $c"
		fi
		grep -q 'permission denied' <<<"$out" || fail "unexpected error for create table in $c: $out"
		echo "ok: app_user cannot create tables in $c"
	done
	dc "$p" "$f" down -v

	# A wrong superuser secret: init exits 6 (authentication) and the app never starts.
	local p2=pgw$$ s2=$work/prod-secrets-wrong rc
	prod_secrets "$s2"
	export PGINIT_SECRETS_DIR=$s2
	dc "$p2" "$f" up -d db
	wait_healthy "$(cid "$p2" db)"
	# The volume is initialised: changing the file no longer changes the password.
	chmod u+w "$s2/postgres_password"
	printf 'not-the-password' >"$s2/postgres_password"
	rc=0
	dc "$p2" "$f" up -d || rc=$?
	[ "$rc" != 0 ] || fail "up succeeded with a wrong superuser secret"
	echo "ok: up failed (rc $rc)"
	init=$(cid "$p2" init) app=$(cid "$p2" app)
	expect "init exit code with wrong secret" 6 "$(wait_exit "$init")"
	if [ -n "$app" ]; then
		expect "app started" "0001-01-01T00:00:00Z" "$(docker inspect -f '{{.State.StartedAt}}' "$app")"
	fi
	echo "ok: app never started"
	echo "note: init with a wrong secret: $(docker logs "$init" 2>&1 | grep -m1 -E '"level": *"error"|error' || true)"
	if docker logs "$init" 2>&1 | grep -F -e not-the-password -e "$(cat "$s2/app_db_password")" >/dev/null; then
		fail "init logged a secret"
	fi
	echo "ok: no secret in the init log"
	dc "$p2" "$f" down -v
}

# tls_files DIR: a CA, a server certificate for the host name db signed by it, and a
# second CA that did not sign it.
tls_files() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pginit-test-ca \
			-keyout ca.key -out ca.crt
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pginit-other-ca \
			-keyout other-ca.key -out other-ca.crt
		openssl req -newkey rsa:2048 -nodes -subj /CN=db -keyout server.key -out server.csr
		printf 'subjectAltName=DNS:db\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile server.ext -out server.crt
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; fail "openssl"; }
	chmod 0644 "$d/ca.crt" "$d/other-ca.crt" "$d/server.crt"
}

# TLS as docker-compose.prod.yml's comments describe it: server certificate and key and
# the CA as secrets, sslmode=verify-full for pginit, through the static OpenSSL of the
# FROM-scratch image.
test_tls() {
	local p=pgs$$ f=docker-compose.prod.yml s=$work/tls-secrets d=$work/tls override uid init db \
		net rc line
	prod_secrets "$s"
	export PGINIT_SECRETS_DIR=$s
	tls_files "$d"
	# The key must belong to the server's user (mode 0600), whatever its uid in the image.
	uid=$(docker run --rm --label org.pginit.test="$$" --entrypoint id "$POSTGRES_IMAGE" -u postgres)
	chown "$uid" "$d/server.key"
	chmod 0600 "$d/server.key"
	override=$work/tls.override.yml
	cat >"$override" <<-EOF
		services:
		  db:
		    command: ["postgres", "-c", "log_connections=on", "-c", "ssl=on",
		              "-c", "ssl_cert_file=/run/secrets/server_crt",
		              "-c", "ssl_key_file=/run/secrets/server_key",
		              "-c", "ssl_min_protocol_version=TLSv1.3"]
		    secrets: [postgres_password, server_crt, server_key]
		  init:
		    environment:
		      PGINIT_SSLMODE: verify-full
		      PGINIT_SSLROOTCERT: /run/secrets/db_ca
		    secrets: [postgres_password, app_db_password, db_ca]
		secrets:
		  server_crt:
		    file: $d/server.crt
		  server_key:
		    file: $d/server.key
		  db_ca:
		    file: $d/ca.crt
	EOF
	dc "$p" "$f" "$override" -- up -d
	init=$(cid "$p" init) db=$(cid "$p" db) net=${p}_backend
	expect "init exit code (verify-full)" 0 "$(wait_exit "$init")"
	line=$(docker logs "$db" 2>&1 |
		grep -E 'connection authorized: .*application_name=pginit.* SSL enabled \(protocol=TLSv1.3' || true)
	[ -n "$line" ] || fail "no TLS 1.3 connection from pginit in the server log"
	echo "${line%%$'\n'*}"
	echo "ok: pginit connected with TLS 1.3 and verified the server certificate"
	# A CA that did not sign the server certificate: refused, exit code 6.
	rc=0
	docker run --rm --label org.pginit.test="$$" --network "$net" \
		-v "$s/postgres_password:/run/secrets/postgres_password:ro" \
		-v "$s/app_db_password:/run/secrets/app_db_password:ro" \
		-v "$d/other-ca.crt:/run/secrets/db_ca:ro" \
		-e PGINIT_PROFILE=prod -e PGHOST=db -e PGINIT_SSLMODE=verify-full \
		-e PGINIT_SSLROOTCERT=/run/secrets/db_ca -e PGINIT_WAIT_TIMEOUT=5 \
		"$PGINIT_IMAGE" >"$work/tls-wrong-ca.log" 2>&1 || rc=$?
	echo "note: wrong CA: $(grep -m1 error "$work/tls-wrong-ca.log" || true)"
	expect "init exit code with the wrong CA" 6 "$rc"
	dc "$p" "$f" "$override" -- down -v
}

test_race() {
	local p=pgr$$ f=docker-compose.test.yml t0 init db override ready attempts
	# The db's first start is made slow (an initdb script that sleeps) so that init
	# certainly starts while the server is still initialising.
	printf 'echo "slow-initdb: sleeping 3 s"; sleep 3\n' >"$work/slow-initdb.sh"
	chmod 0755 "$work/slow-initdb.sh"
	override=$work/race.override.yml
	cat >"$override" <<-EOF
		services:
		  db:
		    volumes:
		      - $work/slow-initdb.sh:/docker-entrypoint-initdb.d/slow-initdb.sh:ro
	EOF
	t0=$(now)
	dc "$p" "$f" "$override" -- up -d --no-deps db
	# --no-deps: no wait for the healthcheck; init starts right away.
	dc "$p" "$f" "$override" -- up -d --no-deps init
	db=$(cid "$p" db) init=$(cid "$p" init)
	ready=0
	docker exec "$db" pg_isready -q -h 127.0.0.1 || ready=$?
	[ "$ready" != 0 ] || fail "the server was already accepting TCP connections when init started"
	echo "ok: server not ready when init started (pg_isready rc $ready)"
	expect "init exit code" 0 "$(wait_exit "$init")"
	timing "race: db + init started together, init done" "$(since "$t0")"
	# It had to retry: more than one attempt before the server was ready.
	attempts=$(docker logs "$init" 2>&1 | sed -nE 's/.* is ready \(([0-9]+) attempts?.*/\1/p' | head -n 1)
	echo "note: init waited: $(docker logs "$init" 2>&1 | grep -m1 'is ready' || true)"
	[ "${attempts:-0}" -gt 1 ] || fail "init did not retry (attempts: ${attempts:-none})"
	docker logs "$db" 2>&1 | grep 'slow-initdb: sleeping' >/dev/null || fail "the slow initdb script did not run"
	[ "$(sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "no fixtures"
	expect "runs" "1:success" "$(sql "$p" "select count(*) || ':' || max(status) from pginit.init_log")"
	dc "$p" "$f" "$override" -- down -v
}

test_concurrent() {
	local p=pgc$$ f=docker-compose.test.yml ids c n overlap
	dc "$p" "$f" up -d --scale init=2
	ids=$(cid "$p" init)
	expect "init containers" 2 "$(wc -w <<<"$ids")"
	for c in $ids; do
		expect "exit code of init $c" 0 "$(wait_exit "$c")"
	done
	n=$(n_migration_files)
	expect "migration rows" "$n" "$(sql "$p" "select count(*) from pginit.schema_migrations where kind = 'migration'")"
	expect "distinct versions" "$n" "$(sql "$p" "select count(distinct version) from pginit.schema_migrations where kind = 'migration'")"
	expect "seed files applied once" 0 "$(sql "$p" "select count(*) from (select set_name, name from pginit.seed_history group by 1, 2 having count(*) > 1) d")"
	expect "runs" "2:success" "$(sql "$p" "select count(*) || ':' || string_agg(distinct status, ',') from pginit.init_log")"
	expect "migrations applied by the two runs" "0,$n" "$(sql "$p" "select string_agg(migrations_applied::text, ',' order by migrations_applied) from pginit.init_log")"
	overlap=$(sql "$p" "select count(*) from pginit.init_log a join pginit.init_log b on a.id < b.id where a.started_at < b.completed_at and b.started_at < a.completed_at")
	echo "note: the two runs overlapped in time: $([ "$overlap" = 1 ] && echo yes || echo no)"
	dc "$p" "$f" down -v
}

test_versions() {
	local img p v t0 f=docker-compose.test.yml
	for img in "$POSTGRES_IMAGE" "$PG17_IMAGE"; do
		v=${img##*:}
		p=pgv$v$$
		t0=$(now)
		POSTGRES_IMAGE=$img dc "$p" "$f" up -d
		expect "PostgreSQL $v: init exit code" 0 "$(wait_exit "$(cid "$p" init)")"
		timing "PostgreSQL $v test stack up" "$(since "$t0")"
		expect "server major version" "$v" "$(sql "$p" "select current_setting('server_version_num')::int / 10000")"
		expect "PostgreSQL $v: migrations" "$(n_migration_files)" "$(sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")"
		[ "$(sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "PostgreSQL $v: no fixtures"
		# A second run on the same server: nothing to do, exit 0.
		POSTGRES_IMAGE=$img dc "$p" "$f" up -d
		expect "PostgreSQL $v: second init" 0 "$(wait_exit "$(cid "$p" init)")"
		expect "PostgreSQL $v: second run applied" "0:0" \
			"$(sql "$p" "select migrations_applied || ':' || seeds_applied from pginit.init_log order by id desc limit 1")"
		POSTGRES_IMAGE=$img dc "$p" "$f" down -v
	done
}

# ---------------------------------------------------------------- main ---------------

t_all=$(now)
[ "$(id -u)" -eq 0 ] || { echo "docker-tests: must run as root (dockerd, debootstrap)" >&2; exit 1; }
"$top/scripts/install-deps.sh" docker static build

t0=$(now)
case "$("$here/engine.sh" start)" in
started) started_engine=1 ;;
esac
eval "$("$here/engine.sh" env)"
engine_up=1
say "engine up ($(since "$t0") s, $([ "$started_engine" = 1 ] && echo started || echo reused))"
volumes_before=$(docker volume ls -q)

setup_ok=1
skip_build=${PGINIT_DOCKER_SKIP_BUILD:-0}
t0=$(now)
images=(postgres15 postgres17)
[ "$skip_build" = 1 ] || images+=(build)
if "$here/images.sh" "${images[@]}"; then
	timing "local images (${images[*]})" "$(since "$t0")"
else
	setup_ok=0
	echo "FAIL: setup - local images could not be made"
fi

if [ "$skip_build" = 1 ]; then
	if docker image inspect "$PGINIT_IMAGE" >/dev/null 2>&1; then
		echo "note: PGINIT_DOCKER_SKIP_BUILD=1: testing the existing $PGINIT_IMAGE, not the current sources"
	else
		echo "FAIL: setup - PGINIT_DOCKER_SKIP_BUILD=1 but there is no $PGINIT_IMAGE"
		setup_ok=0
	fi
fi
# The host build fills build/static-deps, which the image build then reuses.
if [ "$setup_ok" = 1 ] && [ "$skip_build" != 1 ]; then
	t0=$(now)
	if make -s static >"$work/make-static.log" 2>&1; then
		timing "make static (host)" "$(since "$t0")"
		size=$(stat -c %s build/pginit-static)
		echo "size: build/pginit-static: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)"
	else
		tail -n 30 "$work/make-static.log"
		echo "FAIL: setup - make static"
		setup_ok=0
	fi
fi
if [ "$setup_ok" = 1 ] && [ "$skip_build" != 1 ]; then
	t0=$(now)
	# SRCDIR: the static-deps cache records absolute paths; building at the same path
	# reuses it as it is (see the Dockerfile).
	if DOCKER_BUILDKIT=0 docker build --build-arg BUILD_IMAGE="$BUILD_IMAGE" --build-arg SRCDIR="$top" \
		--build-arg VERSION="$(sed -n 's/^VERSION *:= *//p' Makefile)" \
		-t "$PGINIT_IMAGE" "$top" >"$work/docker-build.log" 2>&1; then
		timing "docker build $PGINIT_IMAGE" "$(since "$t0")"
		grep -E '^Sending build context|^build-static-deps:|^static:' "$work/docker-build.log" || true
	else
		tail -n 40 "$work/docker-build.log"
		echo "FAIL: setup - docker build of $PGINIT_IMAGE"
		setup_ok=0
	fi
fi

declare -A desc=(
	[image]="image: FROM scratch, <= 6 MB, user 65532, entrypoint, files"
	[config]="docker-compose config -q for the dev, test and prod files"
	[dev]="dev stack: init 0, app after init, objects + dev seeds; down/up again is a no-op"
	[test]="test stack: tmpfs data, durability off, fixtures, whole cycle timed"
	[prod]="prod stack: secrets from files only, no seeds, least-privilege app role; wrong secret -> init 6, no app"
	[tls]="prod stack with TLS as documented: verify-full from the scratch image; wrong CA -> 6"
	[race]="init started while the db is still initialising (no healthcheck dependency)"
	[concurrent]="two init containers at once: both 0, migrations applied once"
	[versions]="PostgreSQL 15 and 17"
)
for t in $selected; do
	[ -n "${desc[$t]:-}" ] || { echo "docker-tests: unknown test '$t' (tests: $all_tests)" >&2; exit 2; }
	if [ "$setup_ok" = 1 ] || [ "$t" = config ]; then
		run_test "$t" "${desc[$t]}"
	else
		results+=("FAIL: $t - not run (setup failed)")
		echo "FAIL: $t - not run (setup failed)"
		failed=$((failed + 1))
	fi
done

echo
echo "---- timings"
printf '  %s\n' "${timings[@]}"
echo "  whole suite: $(since "$t_all") s"
echo "---- results"
printf '  %s\n' "${results[@]}"
[ "$setup_ok" = 1 ] || failed=$((failed + 1))
echo "docker: $passed passed, $failed failed"
[ "$failed" = 0 ]
