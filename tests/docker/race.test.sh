#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# Races: init against a server still initialising; two inits at once.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).

docker_test race "init started while the db is still initialising (no healthcheck dependency)"

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
	# --no-deps: init starts right away, without waiting for anything.
	dc "$p" "$f" "$override" -- up -d --no-deps init
	db=$(cid "$p" db) init=$(cid "$p" init)
	ready=0
	docker exec "$db" pg_isready -q -h 127.0.0.1 || ready=$?
	[ "$ready" != 0 ] || fail "the server was already accepting TCP connections when init started"
	echo "ok: server not ready when init started (pg_isready rc $ready)"
	assert_eq 0 "$(wait_exit "$init")" "init exit code"
	timing "race: db + init started together, init done" "$(since "$t0")"
	# It had to retry: more than one attempt before the server was ready.
	attempts=$(docker logs "$init" 2>&1 | sed -nE 's/.* is ready \(([0-9]+) attempts?.*/\1/p' | head -n 1)
	echo "note: init waited: $(docker logs "$init" 2>&1 | grep -m1 'is ready' || true)"
	[ "${attempts:-0}" -gt 1 ] || fail "init did not retry (attempts: ${attempts:-none})"
	docker logs "$db" 2>&1 | grep 'slow-initdb: sleeping' >/dev/null || fail "the slow initdb script did not run"
	[ "$(db_sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "no fixtures"
	assert_eq "1:success" "$(db_sql "$p" "select count(*) || ':' || max(status) from pginit.init_log")" "runs"
	dc "$p" "$f" "$override" -- down -v
}

docker_test concurrent "two init containers at once: both 0, migrations applied once"

test_concurrent() {
	local p=pgc$$ f=docker-compose.test.yml ids c n overlap
	dc "$p" "$f" up -d --scale init=2
	ids=$(cid "$p" init)
	assert_eq 2 "$(wc -w <<<"$ids")" "init containers"
	for c in $ids; do
		assert_eq 0 "$(wait_exit "$c")" "exit code of init $c"
	done
	n=$(n_migration_files)
	assert_eq "$n" "$(db_sql "$p" "select count(*) from pginit.schema_migrations where kind = 'migration'")" "migration rows"
	assert_eq "$n" "$(db_sql "$p" "select count(distinct version) from pginit.schema_migrations where kind = 'migration'")" "distinct versions"
	assert_eq 0 "$(db_sql "$p" "select count(*) from (select set_name, name from pginit.seed_history group by 1, 2 having count(*) > 1) d")" "seed files applied once"
	assert_eq "2:success" "$(db_sql "$p" "select count(*) || ':' || string_agg(distinct status, ',') from pginit.init_log")" "runs"
	assert_eq "0,$n" "$(db_sql "$p" "select string_agg(migrations_applied::text, ',' order by migrations_applied) from pginit.init_log")" "migrations applied by the two runs"
	overlap=$(db_sql "$p" "select count(*) from pginit.init_log a join pginit.init_log b on a.id < b.id where a.started_at < b.completed_at and b.started_at < a.completed_at")
	echo "note: the two runs overlapped in time: $([ "$overlap" = 1 ] && echo yes || echo no)"
	dc "$p" "$f" down -v
}
