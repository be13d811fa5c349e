#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# The three compose stacks: files validate; dev, test and prod brought up and checked.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).

docker_test config "docker-compose config -q for the dev, test and prod files"

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

docker_test dev "dev stack: init 0, app after init, objects + dev seeds; down/up again is a no-op"

test_dev() {
	local p=pgd$$ f=docker-compose.dev.yml t0 init app db n port
	PGINIT_DEV_DB_PORT=$(free_port)
	export PGINIT_DEV_DB_PORT
	t0=$(now)
	dc "$p" "$f" up -d
	timing "dev up (empty volume)" "$(since "$t0")"
	init=$(cid "$p" init) app=$(cid "$p" app) db=$(cid "$p" db)
	assert_eq 0 "$(wait_exit "$init")" "init exit code"
	[ -n "$app" ] || fail "app container not created"
	assert_eq true "$(docker inspect -f '{{.State.Running}}' "$app")" "app running"
	# The app started only after init had finished.
	[ "$(started_ns "$app")" -ge "$(finished_ns "$init")" ] || fail "app started before init finished"
	echo "ok: app started after init finished"
	startup_figures "dev stack, empty volume" "$db" "$init" "$app"
	wait_log "$app" 'app: connected as app_user; 12 events' ||
		fail "app did not read 12 events as app_user: $(docker logs "$app" 2>&1 | tail -n 3)"
	echo "ok: app connected as app_user"

	assert_eq "auth,pginit,public" \
		"$(db_sql "$p" "select string_agg(nspname, ',' order by nspname) from pg_namespace where nspname in ('auth','public','pginit')")" "schemas"
	assert_eq "app_owner:f,app_readonly:f,app_user:t" \
		"$(db_sql "$p" "select string_agg(rolname || ':' || case when rolcanlogin then 't' else 'f' end, ',' order by rolname) from pg_roles where rolname in ('app_owner','app_user','app_readonly')")" "roles"
	assert_eq "citext,pgcrypto,uuid-ossp" \
		"$(db_sql "$p" "select string_agg(extname, ',' order by extname) from pg_extension where extname in ('citext','pgcrypto','uuid-ossp')")" "extensions"
	n=$(n_migration_files)
	assert_eq "$n" "$(db_sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")" "applied migrations"
	assert_eq 5 "$(db_sql "$p" "select count(*) from auth.users")" "dev accounts"
	assert_eq 12 "$(db_sql "$p" "select count(*) from public.events")" "events"
	assert_eq 10 "$(db_sql "$p" "select count(*) from public.events where start_date > now()")" "upcoming events"
	[ "$(db_sql "$p" "select count(*) from public.vetting_statuses")" -gt 0 ] || fail "no vetting statuses"
	echo "ok: vetting statuses present"
	assert_eq "1:success" "$(db_sql "$p" "select count(*) || ':' || max(status) from pginit.init_log")" "runs logged"
	# Published on 127.0.0.1 only; reachable there from the host.
	port=$(docker port "$db" 5432/tcp)
	assert_eq "127.0.0.1:$PGINIT_DEV_DB_PORT" "$port" "published port"
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
	assert_eq 0 "$(wait_exit "$init")" "second init exit code"
	assert_eq true "$(docker inspect -f '{{.State.Running}}' "$app")" "app running after second up"
	startup_figures "dev stack, existing volume" "$(cid "$p" db)" "$init" "$app"
	assert_eq "success:0:0" \
		"$(db_sql "$p" "select status || ':' || migrations_applied || ':' || seeds_applied from pginit.init_log order by id desc limit 1")" "second run"
	assert_eq "$n" "$(db_sql "$p" "select count(*) from pginit.schema_migrations where kind = 'migration'")" "applied migrations after second run"
	assert_eq 5 "$(db_sql "$p" "select count(*) from auth.users")" "dev accounts after second run"
	assert_eq 12 "$(db_sql "$p" "select count(*) from public.events")" "events after second run"
	dc "$p" "$f" down -v
}

docker_test test "test stack: tmpfs data, durability off, fixtures, whole cycle timed"

test_test() {
	local p=pgt$$ f=docker-compose.test.yml t0 t1 init db mounts
	t0=$(now)
	dc "$p" "$f" up -d
	t1=$(since "$t0")
	init=$(cid "$p" init) db=$(cid "$p" db)
	assert_eq 0 "$(wait_exit "$init")" "init exit code"
	timing "test up (until init exited)" "$(since "$t0")"
	echo "note: test up -d returned after $t1 s"
	assert_eq tmpfs \
		"$(docker exec "$db" awk '$2 == "/var/lib/postgresql/data" { print $3 }' /proc/mounts)" "data directory filesystem"
	assert_eq /var/lib/postgresql/data "$(db_sql "$p" "show data_directory")" "data_directory"
	assert_eq "off,off,off" \
		"$(db_sql "$p" "select current_setting('fsync') || ',' || current_setting('synchronous_commit') || ',' || current_setting('full_page_writes')")" "durability settings"
	mounts=$(docker inspect -f '{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}' "$db")
	case "$mounts" in *volume:*) fail "db has a volume mount: $mounts" ;; esac
	[ -z "$(docker volume ls -q --filter "label=com.docker.compose.project=$p")" ] || fail "the test stack created volumes"
	echo "ok: no volumes"
	assert_eq 127.0.0.1 "$(docker port "$db" 5432/tcp | cut -d: -f1)" "port published on"
	[ "$(db_sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "no fixture accounts"
	assert_eq 0 "$(db_sql "$p" "select count(*) from auth.users where email::text not like '%@test.example'")" "non-fixture accounts"
	[ "$(db_sql "$p" "select count(*) from public.events")" -gt 0 ] || fail "no fixture events"
	assert_eq "common,test" "$(db_sql "$p" "select string_agg(distinct set_name, ',' order by set_name) from pginit.seed_history")" "seed sets"
	dc "$p" "$f" down -v
	timing "test stack whole cycle (up, init, checks, down)" "$(since "$t0")"
	[ -z "$(cid "$p" db)" ] || fail "containers left after down"
}

docker_test startup "test stack with an app that depends on init: app after init; db ready -> app started"

# What an application (or the test runner) hanging on the test stack's init sees: it
# starts once init has exited 0; the figure printed is how long after the server was ready.
test_startup() {
	local p=pgu$$ f=docker-compose.test.yml override=$work/startup.override.yml db init app
	cat >"$override" <<-EOF
		services:
		  app:
		    image: $PGINIT_IMAGE
		    command: ["version"]
		    depends_on:
		      init:
		        condition: service_completed_successfully
		    restart: "no"
	EOF
	dc "$p" "$f" "$override" -- up -d
	db=$(cid "$p" db) init=$(cid "$p" init) app=$(cid "$p" app)
	assert_eq 0 "$(wait_exit "$init")" "init exit code"
	[ -n "$app" ] || fail "app container not created"
	assert_eq 0 "$(wait_exit "$app")" "app exit code"
	[ "$(started_ns "$app")" -ge "$(finished_ns "$init")" ] || fail "app started before init finished"
	echo "ok: app started after init finished"
	startup_figures "test stack" "$db" "$init" "$app"
	dc "$p" "$f" "$override" -- down -v
}

docker_test prod "prod stack: secrets from files only, no seeds, least-privilege app role; wrong secret -> init 6, no app"

test_prod() {
	local p=pgp$$ f=docker-compose.prod.yml s=$work/prod-secrets t0 init app db c env net out
	prod_secrets "$s"
	export PGINIT_SECRETS_DIR=$s
	t0=$(now)
	dc "$p" "$f" up -d
	timing "prod up" "$(since "$t0")"
	init=$(cid "$p" init) app=$(cid "$p" app) db=$(cid "$p" db) net=${p}_backend
	assert_eq 0 "$(wait_exit "$init")" "init exit code"
	assert_eq true "$(docker inspect -f '{{.State.Running}}' "$app")" "app running"
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
	assert_eq "" "$(docker port "$db")" "published ports"
	assert_eq unless-stopped "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$db")" "db restart policy"
	assert_eq $((64 * 1024 * 1024)) "$(docker inspect -f '{{.HostConfig.Memory}}' "$init")" "init memory limit"
	assert_eq true "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$init")" "init read-only root"

	assert_eq 0 "$(db_sql "$p" "select count(*) from pginit.seed_history")" "seed files applied"
	assert_eq 0 "$(db_sql "$p" "select count(*) from auth.users")" "accounts"
	assert_eq 0 "$(db_sql "$p" "select count(*) from public.events")" "events"
	assert_eq "$(n_migration_files)" "$(db_sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")" "migrations applied"

	# The app role from a second container: logs in with its secret, may use the tables,
	# may not create any.
	assert_eq app_user "$(app_sql "$net" "$s/app_db_password" "select current_user")" "app login"
	assert_eq 0 "$(app_sql "$net" "$s/app_db_password" "select count(*) from public.events")" "app reads events"
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
	assert_eq 6 "$(wait_exit "$init")" "init exit code with wrong secret"
	if [ -n "$app" ]; then
		assert_eq "0001-01-01T00:00:00Z" "$(docker inspect -f '{{.State.StartedAt}}' "$app")" "app started"
	fi
	echo "ok: app never started"
	echo "note: init with a wrong secret: $(docker logs "$init" 2>&1 | grep -m1 -E '"level": *"error"|error' || true)"
	if docker logs "$init" 2>&1 | grep -F -e not-the-password -e "$(cat "$s2/app_db_password")" >/dev/null; then
		fail "init logged a secret"
	fi
	echo "ok: no secret in the init log"
	dc "$p2" "$f" down -v
}
