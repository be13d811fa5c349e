#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# Docker Swarm: deploy/swarm/stack.yml on a one-node swarm of the suite's engine: the app
# replicas in entrypoint mode (swarm) and the sharded fleet job (swarm_fleet).
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).
#
# The swarm is made by the test when the engine is not in one (`docker swarm init` on
# 127.0.0.1) and left again at the end (`docker swarm leave --force`, plus the
# docker_gwbridge network that init creates); run.sh's cleanup calls swarm_cleanup too,
# for a test that was interrupted. Images are local only: `--resolve-image never`.

APP_EXAMPLE_IMAGE=pginit-test/app:local

docker_test swarm "swarm stack: 4 app replicas in entrypoint mode start at once, migrations applied once, all running"
docker_test swarm_fleet "swarm sharded fleet job: 3 tasks of a replicated job (--shard from the task slot) migrate 30 tenant databases, each exactly once; a rerun touches none"

# swarm_cleanup: removes the stacks this run deployed and leaves a swarm it made.
swarm_cleanup() {
	local s
	[ -s "$work/swarm-stacks" ] || [ -e "$work/swarm-made" ] || return 0
	if [ -s "$work/swarm-stacks" ]; then
		for s in $(sort -u "$work/swarm-stacks"); do
			docker stack rm "$s" >/dev/null 2>&1 || true
			swarm_wait_gone "$s" || true
			# What Swarm may keep of a removed service: the exited containers of a job's
			# completed tasks.
			docker ps -aq --filter "label=com.docker.stack.namespace=$s" | xargs -r docker rm -fv >/dev/null 2>&1 || true
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

# swarm_wait_gone STACK: until its running containers and its network are gone (stack rm
# is asynchronous), at most 60 s.
swarm_wait_gone() {
	for _ in $(seq 1 120); do
		if [ -z "$(docker ps -q --filter "label=com.docker.stack.namespace=$1")" ] &&
			! docker network inspect "$1_backend" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# swarm_up: a one-node swarm on the engine (made, and marked to be left, if there is none).
swarm_up() {
	local state
	state=$(docker info --format '{{.Swarm.LocalNodeState}}')
	if [ "$state" != active ]; then
		[ "$state" = inactive ] || fail "the engine's swarm state is '$state'"
		touch "$work/swarm-made"
		docker swarm init --advertise-addr 127.0.0.1 >/dev/null
	fi
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

	swarm_up
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

# job_containers STACK: the containers of the stack's fleet job (service tenants), all
# iterations, exited ones included.
job_containers() {
	docker ps -aq --filter "label=com.docker.swarm.service.name=$1_tenants"
}

# job_wait STACK N [OLD...]: until N containers of the job that are not among OLD have
# exited (at most 240 s); fails at once when one exited non-zero.
job_wait() {
	local s=$1 want=$2 c st n_done
	shift 2
	for _ in $(seq 1 480); do
		n_done=0
		for c in $(job_containers "$s"); do
			[[ " $* " == *" $c "* ]] && continue
			st=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$c" 2>/dev/null) || continue
			case "$st" in
			"exited 0") n_done=$((n_done + 1)) ;;
			exited*)
				docker logs "$c" 2>&1 | tail -n 20
				fail "fleet task $(docker inspect -f '{{.Config.Hostname}}' "$c") $st"
				;;
			esac
		done
		[ "$n_done" -ge "$want" ] && return 0
		sleep 0.5
	done
	docker service ps --no-trunc "${s}_tenants" || true
	fail "$want fleet tasks not done after 240 s"
}

# The sharded fleet job of deploy/swarm/stack.yml: FLEET_SHARDS=3 tasks of a replicated
# job over 30 tenant databases (fleet.databases: pginit creates them). Each task's shard
# comes from its slot (JOB_COMPLETION_INDEX, `--shard 3`; slots 0..2, slot 0 rendered as the node id); a wrong base
# (a shard never run, or one refused) fails the coverage and per-task checks below.
test_swarm_fleet() {
	local s=pgsf$$ n t0 db c k t slot tenants list logs got want first made all_logs="" secrets=$work/swarm-fleet-secrets
	local -A slot_of=() expect_of=()
	trap swarm_cleanup EXIT
	n=$(n_migration_files)
	prod_secrets "$secrets"
	tenants=$(seq -f 'tenant_%02g' 1 30)
	list=$(paste -sd, <<<"$tenants")
	# Which tenants each shard must get: the image's own pginit, offline, no network.
	for k in 1 2 3; do
		for t in $(docker run --rm --label org.pginit.test="$$" --network none "$PGINIT_IMAGE" -q \
			-s "fleet.databases=$list" validate --offline --json --shard "$k/3" |
			grep -o '"target":"[^"]*"' | cut -d'"' -f4); do
			[ -z "${expect_of[$t]:-}" ] || fail "$t in shards ${expect_of[$t]} and $k"
			expect_of[$t]=$k
		done
	done
	assert_eq 30 "${#expect_of[@]}" "tenants the three shards cover"

	swarm_up
	echo "$s" >>"$work/swarm-stacks"
	t0=$(now)
	POSTGRES_IMAGE=$POSTGRES_IMAGE APP_IMAGE=$APP_EXAMPLE_IMAGE APP_REPLICAS=0 PGINIT_SECRETS_DIR=$secrets \
		PGINIT_IMAGE=$PGINIT_IMAGE FLEET_SHARDS=3 FLEET_TARGETS="fleet.databases=$list" \
		docker stack deploy --resolve-image never --detach=true -c deploy/swarm/stack.yml "$s"
	job_wait "$s" 3
	timing "swarm fleet: stack deploy -> 3 tasks done (30 tenants x $n migrations)" "$(since "$t0")"

	# Three tasks, none restarted (a restarted task adds a row), each in its own slot.
	docker service ps --format '{{.Name}} {{.CurrentState}}' "${s}_tenants"
	assert_eq 3 "$(docker service ps -q "${s}_tenants" | wc -l)" "fleet tasks"
	first=$(job_containers "$s" | tr '\n' ' ')
	assert_eq 3 "$(wc -w <<<"$first")" "fleet task containers"
	for c in $first; do
		slot=$(docker inspect -f '{{.Config.Hostname}}' "$c")
		slot=${slot#tenants-}
		logs=$(docker logs "$c" 2>&1)
		sed "s/^/slot $slot: /" <<<"$logs"
		all_logs+=$logs$'\n'
		# Slot 0..2 of a replicated job: shard slot+1 of 3.
		k=$((slot + 1))
		if [ "$k" -lt 1 ] || [ "$k" -gt 3 ]; then fail "task slot $slot: not 0..2"; fi
		got=$(grep -E '^tenant_[0-9]+ ' <<<"$logs" | awk '{ print $1 }' | sort)
		want=$(for t in "${!expect_of[@]}"; do if [ "${expect_of[$t]}" = "$k" ]; then echo "$t"; fi; done | sort)
		assert_eq "$want" "$got" "tenants of slot $slot (shard $k/3)"
		assert_match "^fleet run: $(wc -l <<<"$want") targets \\(shard $k/3 of 30\\): $(wc -l <<<"$want") ok \\(0 up to date\\), 0 behind, 0 failed, 0 not started; exit 0" \
			"$(grep '^fleet run: ' <<<"$logs")" "summary of slot $slot"
		for t in $got; do slot_of[$t]=$slot; done
	done
	assert_eq 30 "${#slot_of[@]}" "tenants done by the three tasks together"
	assert_eq 30 "$(grep -cE '^tenant_[0-9]+ +ok +exit 0 ' <<<"$all_logs")" "ok lines (each tenant once)"

	# Each tenant's own history: every migration once, one successful run that applied all
	# of them, recorded by the task that printed it (init_log.hostname is the task's).
	db=$(task_cids "$s" db)
	assert_eq 1 "$(wc -w <<<"$db")" "db containers"
	fleet_rows() {
		for t in $tenants; do
			printf '\\c %s\n' "$t"
			echo "select current_database() || ' ' || (select count(*) || ':' || count(distinct version) from pginit.schema_migrations where kind = 'migration') || ' ' || (select count(*) || ':' || string_agg(status || '/' || migrations_applied || '/' || hostname, ',') from pginit.init_log);"
		done | docker exec -i "$db" psql -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtX
	}
	want=$(for t in $tenants; do echo "$t $n:$n 1:success/$n/tenants-${slot_of[$t]}"; done)
	assert_eq "$want" "$(fleet_rows)" "tenant histories"

	# A rerun of the job (as a redeploy of a new release would): three new tasks, every
	# tenant up to date, no lock taken, no run row added.
	t0=$(now)
	docker service update --force --detach "${s}_tenants" >/dev/null
	# shellcheck disable=SC2086 # the old containers, one word each
	job_wait "$s" 3 $first
	timing "swarm fleet: job rerun, 30 tenants up to date" "$(since "$t0")"
	all_logs=""
	for c in $(job_containers "$s"); do
		[[ " $first " == *" $c "* ]] && continue
		all_logs+=$(docker logs "$c" 2>&1)$'\n'
	done
	grep '^fleet run: ' <<<"$all_logs"
	assert_eq 3 "$(grep -c '^fleet run: .* ok (\([0-9]*\) up to date)' <<<"$all_logs")" "rerun summaries"
	assert_eq 30 "$(grep -cE '^tenant_[0-9]+ +up-to-date +exit 0 ' <<<"$all_logs")" "tenants up to date on the rerun"
	assert_eq "$want" "$(fleet_rows)" "tenant histories after the rerun (no new run row)"

	# The passwords went to the engine as Swarm secrets only.
	docker service inspect "${s}_tenants" >"$work/swarm-spec"
	grep -F -f "$secrets/postgres_password" "$work/swarm-spec" >/dev/null && fail "admin password in the job's spec"

	made=$([ -e "$work/swarm-made" ] && echo 1 || echo 0)
	swarm_cleanup
	[ -z "$(docker ps -aq --filter "label=com.docker.stack.namespace=$s")" ] || fail "containers of $s left"
	if [ "$made" = 1 ]; then
		assert_eq inactive "$(docker info --format '{{.Swarm.LocalNodeState}}')" "swarm state after the test"
	fi
	trap - EXIT
}
