#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# Docker Swarm: deploy/swarm/stack.yml on a one-node swarm of the suite's engine.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).
#
# The swarm is made by the test when the engine is not in one (`docker swarm init` on
# 127.0.0.1) and left again at the end (`docker swarm leave --force`, plus the
# docker_gwbridge network that init creates); run.sh's cleanup calls swarm_cleanup too,
# for a test that was interrupted. Images are local only: `--resolve-image never`.

APP_EXAMPLE_IMAGE=pginit-test/app:local

docker_test swarm "swarm stack: 4 app replicas in entrypoint mode start at once, migrations applied once, all running"

# swarm_cleanup: removes the stacks this run deployed and leaves a swarm it made.
swarm_cleanup() {
	local s
	[ -s "$work/swarm-stacks" ] || [ -e "$work/swarm-made" ] || return 0
	if [ -s "$work/swarm-stacks" ]; then
		for s in $(sort -u "$work/swarm-stacks"); do
			docker stack rm "$s" >/dev/null 2>&1 || true
			swarm_wait_gone "$s" || true
			docker volume rm "${s}_db_data" >/dev/null 2>&1 || true
		done
		: >"$work/swarm-stacks"
	fi
	if [ -e "$work/swarm-made" ]; then
		docker swarm leave --force >/dev/null 2>&1 || true
		docker network rm docker_gwbridge >/dev/null 2>&1 || true
		rm -f "$work/swarm-made"
	fi
}

# swarm_wait_gone STACK: until its containers and network are gone (stack rm is
# asynchronous), at most 60 s.
swarm_wait_gone() {
	for _ in $(seq 1 120); do
		if [ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$1")" ] &&
			! docker network inspect "$1_backend" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# task_cids STACK SERVICE: the running containers of a stack's service.
task_cids() {
	docker ps -q --filter "label=com.docker.stack.namespace=$1" \
		--filter "label=com.docker.swarm.service.name=$1_$2"
}

test_swarm() {
	local s=pgsw$$ made n state t0 db c ids logs rows waited secrets=$work/swarm-secrets
	trap swarm_cleanup EXIT
	n=$(n_migration_files)
	t0=$(now)
	# The application image: deploy/swarm/Dockerfile.app on the postgres image (a shell
	# and psql for the stand-in app), with this run's pginit image inside.
	DOCKER_BUILDKIT=0 docker build -q -f deploy/swarm/Dockerfile.app --build-arg PGINIT_IMAGE="$PGINIT_IMAGE" \
		--build-arg APP_BASE="$POSTGRES_IMAGE" -t "$APP_EXAMPLE_IMAGE" deploy/swarm >/dev/null
	docker run --rm --entrypoint /usr/local/bin/pginit "$APP_EXAMPLE_IMAGE" version
	prod_secrets "$secrets"

	state=$(docker info --format '{{.Swarm.LocalNodeState}}')
	if [ "$state" != active ]; then
		[ "$state" = inactive ] || fail "the engine's swarm state is '$state'"
		touch "$work/swarm-made"
		docker swarm init --advertise-addr 127.0.0.1 >/dev/null
	fi
	echo "$s" >>"$work/swarm-stacks"
	POSTGRES_IMAGE=$POSTGRES_IMAGE APP_IMAGE=$APP_EXAMPLE_IMAGE APP_REPLICAS=4 PGINIT_SECRETS_DIR=$secrets \
		docker stack deploy --resolve-image never --detach=true -c deploy/swarm/stack.yml "$s"

	# All four replicas log the stand-in's line once they are past pginit (15 s of wait
	# and lock at most in practice; 90 s allowed).
	for _ in $(seq 1 180); do
		logs=$(docker service logs --raw "${s}_app" 2>&1 || true)
		[ "$(grep -c '^app: connected as app_user' <<<"$logs")" -ge 4 ] && break
		sleep 0.5
	done
	timing "swarm: stack deploy -> 4 apps connected" "$(since "$t0")"
	echo "$logs" | grep -E 'run done|connected|error|hint' || true
	assert_eq 4 "$(grep -c '^app: connected as app_user, 0 users$' <<<"$logs")" "apps connected as app_user"
	# Each replica ran once: four tasks, all running, none failed and restarted.
	rows=$(docker service ps --format '{{.DesiredState}} {{.CurrentState}}' "${s}_app")
	echo "$rows"
	assert_eq 4 "$(wc -l <<<"$rows")" "app tasks (a restarted task adds a row)"
	assert_eq 4 "$(grep -c '^Running Running' <<<"$rows")" "app tasks running"
	assert_eq 4 "$(grep -c 'init done; starting /bin/sh' <<<"$logs")" "inits that exec'd the app"

	db=$(task_cids "$s" db)
	assert_eq 1 "$(wc -w <<<"$db")" "db containers"
	sql() { docker exec "$db" psql -U postgres -d app -v ON_ERROR_STOP=1 -qAtX -c "$1"; }
	assert_eq "$n:$n" "$(sql "select count(*) || ':' || count(distinct version) from pginit.schema_migrations where kind = 'migration'")" "migration rows:versions vs $n files"
	assert_eq "4:success" "$(sql "select count(*) || ':' || string_agg(distinct status, ',') from pginit.init_log")" "runs"
	assert_eq "0,0,0,$n" "$(sql "select string_agg(migrations_applied::text, ',' order by migrations_applied) from pginit.init_log")" "migrations applied per run"
	waited=$(grep -c 'another pginit is working on database app' <<<"$logs" || true)
	echo "note: swarm: $waited of the 4 inits waited for another one's lock"

	# Entrypoint mode: the app is PID 1 (pginit exec'd it) as uid 65532; the secrets are
	# files of that uid with mode 0400; no password is in the app's environment.
	ids=$(task_cids "$s" app)
	assert_eq 4 "$(wc -w <<<"$ids")" "app containers"
	for c in $ids; do
		assert_eq "/bin/sh" "$(docker exec "$c" sh -c 'tr "\0" "\n" </proc/1/cmdline | head -n 1')" "PID 1 of $c"
		assert_eq 65532 "$(docker exec "$c" id -u)" "uid in $c"
		assert_eq "400 65532
400 65532" "$(docker exec "$c" stat -c '%a %u' /run/secrets/app_db_password /run/secrets/postgres_password)" "secret files in $c"
		docker exec "$c" sh -c 'tr "\0" "\n" </proc/1/environ' >"$work/swarm-env"
		grep -F -f "$secrets/app_db_password" "$work/swarm-env" >/dev/null && fail "app password in the environment of $c"
		grep -F -f "$secrets/postgres_password" "$work/swarm-env" >/dev/null && fail "admin password in the environment of $c"
		grep -qx 'APP_DB_PASSWORD_FILE=/run/secrets/app_db_password' "$work/swarm-env" || fail "no APP_DB_PASSWORD_FILE in $c"
		assert_eq true "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$c")" "read-only root fs of $c"
	done
	# The password only ever went to the engine as a Swarm secret, never into a spec.
	docker service inspect "${s}_app" "${s}_db" >"$work/swarm-spec"
	grep -F -f "$secrets/app_db_password" "$work/swarm-spec" >/dev/null && fail "app password in a service spec"

	t0=$(now)
	made=$([ -e "$work/swarm-made" ] && echo 1 || echo 0)
	swarm_cleanup
	timing "swarm: stack rm + swarm leave" "$(since "$t0")"
	[ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$s")" ] || fail "containers of $s left"
	if [ "$made" = 1 ]; then
		assert_eq inactive "$(docker info --format '{{.Swarm.LocalNodeState}}')" "swarm state after the test"
	fi
	trap - EXIT
}
