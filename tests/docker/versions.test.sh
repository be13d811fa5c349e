#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# Server versions: the test stack on PostgreSQL 15 and 17.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).

docker_test versions "PostgreSQL 15 and 17"

test_versions() {
	local img p v t0 f=docker-compose.test.yml
	for img in "$POSTGRES_IMAGE" "$PG17_IMAGE"; do
		v=${img##*:}
		p=pgv$v$$
		t0=$(now)
		POSTGRES_IMAGE=$img dc "$p" "$f" up -d
		assert_eq 0 "$(wait_exit "$(cid "$p" init)")" "PostgreSQL $v: init exit code"
		timing "PostgreSQL $v test stack up" "$(since "$t0")"
		assert_eq "$v" "$(db_sql "$p" "select current_setting('server_version_num')::int / 10000")" "server major version"
		assert_eq "$(n_migration_files)" "$(db_sql "$p" "select count(*) from pginit.schema_migrations where success and kind = 'migration'")" "PostgreSQL $v: migrations"
		[ "$(db_sql "$p" "select count(*) from auth.users")" -gt 0 ] || fail "PostgreSQL $v: no fixtures"
		# A second run on the same server: nothing to do, exit 0.
		POSTGRES_IMAGE=$img dc "$p" "$f" up -d
		assert_eq 0 "$(wait_exit "$(cid "$p" init)")" "PostgreSQL $v: second init"
		assert_eq "0:0" \
			"$(db_sql "$p" "select migrations_applied || ':' || seeds_applied from pginit.init_log order by id desc limit 1")" "PostgreSQL $v: second run applied"
		POSTGRES_IMAGE=$img dc "$p" "$f" down -v
	done
}
