#!/usr/bin/env bash
# Fleets (issue 11): many databases or schemas per run, -j N, --fail-fast,
# --shard I/N, status --check over a fleet; the run log's retention, history
# and the Prometheus text of status.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# A tiny project in $TDIR/fleet: two tenant migrations; FLEET is the fleet group's body.
fleet_project() {
	local d=$TDIR/fleet
	mkdir -p "$d/migrations" "$d/seeds" "$d/initdb.d"
	cat >"$d/migrations/0001_items.sql" <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, note text);
SQL
	cat >"$d/migrations/0002_tag.sql" <<'SQL'
INSERT INTO items VALUES (1, '${schema}${database}');
SQL
	cat >"$d/pginit.conf" <<CONF
default_profile = "tenant";
run_log_keep = ${KEEP:-100};
connection = { dbname = "${DBNAME:-tenants}"; };
database = { schemas = [ "public" ]; extensions = [ ]; };
fleet = { $1 };
profiles = { tenant = { seeds = [ ]; generate_app_password = true; }; };
CONF
	export PGINIT_CONFIG=$d/pginit.conf
}

# N databases tenant_01..N (pattern fleets find what exists).
make_dbs() {
	local i
	for i in $(seq -w 1 "$1"); do echo "CREATE DATABASE tenant_$i;"; done | sql -d postgres
}

# each_db N SQL: SQL's one value in tenant_01..N, comma-separated (one psql for all of them).
each_db() {
	local i
	for i in $(seq -w 1 "$1"); do printf '\\c tenant_%s\n%s;\n' "$i" "$2"; done | sql -d postgres | tr '\n' , | sed 's/,$//'
}

test_961_fleet_of_50_databases() {
	fleet_project 'pattern = "tenant_%"; jobs = 4;'
	make_dbs 50
	# tenant_17 already has an items table: its 0001 fails, the others go on.
	sql -d tenant_17 -c "CREATE TABLE public.items (x int)"
	run_pginit run
	expect_rc 8
	assert_contains "fleet run: 50 targets: 49 ok (0 up to date), 0 behind, 1 failed" "$TDIR/out" "summary"
	assert_match "tenant_17 +failed +exit 8 .*already exists" "$(grep '^tenant_17 ' "$TDIR/out")" "the failing line"
	[ "$(grep -c '^tenant_[0-9]* *ok ' "$TDIR/out")" = 49 ] || fail "49 ok lines"
	local want
	want=$(seq -w 1 50 | sed 's/^/tenant_/; s/^tenant_17$/-/' | tr '\n' , | sed 's/,$//')
	assert_eq "$want" "$(each_db 50 "select coalesce((select string_agg(to_jsonb(i)->>'note', '') from public.items i), '-')")" "each tenant migrated, with its \${database}"
	assert_eq tenant_05_owner "$(q tenant_05 "select tableowner from pg_tables where tablename = 'items'")" "roles follow each target database"
	assert_eq "failed" "$(q tenant_17 "select status from pginit.init_log order by id desc limit 1")" "tenant_17 run failed"
	# The rerun touches only tenant_17: no new run row anywhere else.
	local before
	before=$(each_db 50 "select count(*) from pginit.init_log")
	sql -d tenant_17 -c "DROP TABLE public.items"
	run_pginit run -j 3
	expect_rc 0
	assert_contains "fleet run: 50 targets: 50 ok (49 up to date), 0 behind, 0 failed" "$TDIR/out" "rerun summary"
	assert_match "tenant_17 +ok +exit 0 .*2 migrations applied" "$(grep '^tenant_17 ' "$TDIR/out")" "tenant_17 fixed"
	# every tenant still has its one run, tenant_17 its failed one and the new one
	assert_eq "$(echo "$before" | sed 's/^\(\([0-9]*,\)\{16\}\)1,/\12,/')" \
		"$(each_db 50 "select count(*) from pginit.init_log")" "only tenant_17 got a run row"
	assert_eq tenant_17 "$(q tenant_17 "select note from public.items")" "tenant_17 migrated"
	# A third run is the no-op over the whole fleet, in JSON.
	run_pginit run --json
	expect_rc 0
	python3 - "$TDIR/out" <<'PY'
import json, sys
doc = json.loads([l for l in open(sys.argv[1]) if l.startswith("{\"command\"")][0])
assert len(doc["targets"]) == 50 and doc["up_to_date"] == 50 and doc["exit"] == 0, doc
assert all(t["state"] == "up-to-date" for t in doc["targets"])
PY
}

test_962_fleet_of_50_schemas() {
	fleet_project 'schema_pattern = "tenant_%"; jobs = 4;'
	sql -d postgres -c "CREATE DATABASE tenants"
	local i
	for i in $(seq -w 1 50); do echo "CREATE SCHEMA tenant_$i;"; done | sql -d tenants
	sql -d tenants -c "CREATE TABLE tenant_17.items (x int)"
	run_pginit run
	expect_rc 8
	assert_contains "fleet run: 50 targets: 49 ok (0 up to date), 0 behind, 1 failed" "$TDIR/out" "summary"
	assert_match "tenant_17 +failed +exit 8" "$(grep '^tenant_17 ' "$TDIR/out")" "the failing line"
	# each tenant's table is in its own schema, ${schema} was its name, its history in pginit_<schema>
	assert_eq "tenant_03tenants" "$(q tenants "select note from tenant_03.items")" "search_path and \${schema}"
	assert_eq 49 "$(q tenants "select count(*) from pg_tables where tablename = 'items' and schemaname like 'tenant%' and tableowner = 'tenants_owner'")" "49 tables owned by the owner role"
	assert_eq 2 "$(q tenants "select count(*) from pginit_tenant_50.schema_migrations where success")" "history per schema"
	assert_eq 0 "$(q tenants "select count(*) from pg_tables where tablename = 'items' and schemaname = 'public'")" "nothing in public"
	assert_eq 1 "$(q tenants "select count(*) from pginit_tenant_17.init_log where status = 'failed'")" "tenant_17 failed run"
	sql -d tenants -c "DROP TABLE tenant_17.items"
	run_pginit run
	expect_rc 0
	assert_contains "50 ok (49 up to date)" "$TDIR/out" "rerun summary"
	assert_eq 1 "$(q tenants "select count(*) from pginit_tenant_16.init_log")" "tenant_16 untouched"
	assert_eq 2 "$(q tenants "select count(*) from pginit_tenant_17.init_log")" "tenant_17 rerun"
	assert_eq "tenant_17tenants" "$(q tenants "select note from tenant_17.items")" "tenant_17 migrated"
}

test_963_fleet_status_check_and_fail_fast() {
	fleet_project 'databases = [ "tenant_1", "tenant_2", "tenant_3" ];'
	DBNAME=postgres
	run_pginit run -j 2
	expect_rc 0
	assert_eq 1 "$(q tenant_2 "select count(*) from pginit.init_log")" "the list's databases are created"
	run_pginit status --check
	expect_rc 0
	printf 'ALTER TABLE items ADD c int;\n' >"$TDIR/fleet/migrations/0003_c.sql"
	run_pginit status
	expect_rc 0
	assert_contains "0 ok (0 up to date), 3 behind" "$TDIR/out" "status names them behind"
	run_pginit status --check --json
	expect_rc 1
	python3 - "$TDIR/out" <<'PY'
import json, sys
doc = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
assert [t["state"] for t in doc["targets"]] == ["behind"] * 3, doc
assert [t["target"] for t in doc["targets"]] == ["tenant_1", "tenant_2", "tenant_3"], doc
PY
	# --fail-fast: the first failure stops the fleet (one at a time: the others are not started)
	sql -d tenant_1 -c "ALTER TABLE public.items ADD c int"
	run_pginit migrate --fail-fast -j 1
	expect_rc 8
	assert_contains "0 ok (0 up to date), 0 behind, 1 failed, 2 not started" "$TDIR/out" "fail-fast summary"
	assert_eq 2 "$(q tenant_2 "select count(*) from pginit.schema_migrations")" "tenant_2 not started"
	run_pginit migrate
	expect_rc 8
	assert_contains "2 ok (0 up to date), 0 behind, 1 failed" "$TDIR/out" "without fail-fast the others go on"
	# bad fleet options
	run_pginit run --shard 4/3
	expect_rc 2
	run_pginit -c "$ROOT/pginit.conf" run -j 2
	expect_rc 2
	assert_contains "need a fleet" "$TDIR/out" "-j without a fleet"
}

# The targets of one shard, from validate --offline's JSON (no server needed).
shard_targets() {
	"$PGINIT_BIN" validate --offline --json "$@" | python3 -c '
import json, sys
doc = json.loads(sys.stdin.read().splitlines()[-1])
print("\n".join(t["target"] for t in doc["targets"]))'
}

test_964_shards_cover_the_fleet_once() {
	local list="" i n k
	for i in $(seq 1 40); do list="$list\"t_$i\", "; done
	fleet_project "databases = [ ${list%, } ]; jobs = 4;"
	for n in 1 2 3 4 5; do
		: >"$TDIR/all"
		for k in $(seq 1 "$n"); do shard_targets --shard "$k/$n" >>"$TDIR/all"; done
		assert_eq 40 "$(sort "$TDIR/all" | grep -c .)" "N=$n: 40 targets in all"
		assert_eq 40 "$(sort -u "$TDIR/all" | grep -c .)" "N=$n: each exactly once"
	done
	# Kubernetes Indexed Job: --shard N takes the index (from 0) from JOB_COMPLETION_INDEX
	assert_eq "$(shard_targets --shard 2/3)" "$(JOB_COMPLETION_INDEX=1 shard_targets --shard 3)" "index 1 is shard 2/3"
	# (a Swarm replicated job's task slot too): indexes 0..N-1 cover the fleet, N is refused
	: >"$TDIR/all"
	for k in 0 1 2; do JOB_COMPLETION_INDEX=$k shard_targets --shard 3 >>"$TDIR/all"; done
	assert_eq 40 "$(sort -u "$TDIR/all" | grep -c .)" "indexes 0..2 cover the 40 targets"
	JOB_COMPLETION_INDEX=3 run_pginit validate --offline --shard 3
	expect_rc 2
	assert_contains "error: --shard 3: JOB_COMPLETION_INDEX=3 is not 0..2" "$TDIR/out" "index N refused"
	assert_contains "hint: the index counts from 0" "$TDIR/out" "its hint"
	# Adding targets moves no existing one to another shard.
	shard_targets --shard 2/3 >"$TDIR/before"
	fleet_project "databases = [ ${list%, }, \"t_new1\", \"t_new2\" ]; jobs = 4;"
	shard_targets --shard 2/3 | grep -v t_new >"$TDIR/after"
	cmp -s "$TDIR/before" "$TDIR/after" || fail "adding targets reshuffled shard 2/3"
}

test_965_run_log_retention() {
	KEEP=4 fleet_project 'databases = [ ];'
	local i
	for i in 1 2 3; do run_pginit run; expect_rc 0; done
	printf 'SELECT 1/0;\n' >"$TDIR/fleet/migrations/0009_bad.sql"
	run_pginit run
	expect_rc 8
	rm "$TDIR/fleet/migrations/0009_bad.sql"
	# a run killed with -9 in the middle of a migration: the next run marks it abandoned
	printf 'SELECT pg_sleep(1);\n' >"$TDIR/fleet/migrations/0009_slow.sql"
	kill9_during "pg_sleep(1)"
	rm "$TDIR/fleet/migrations/0009_slow.sql"
	for i in 1 2 3 4 5 6; do run_pginit run; expect_rc 0; done
	assert_eq "4|1|4|1|5" "$(q tenants "select count(*) filter (where status = 'success'), count(*) filter (where status = 'failed'), min(id) filter (where status = 'failed'), count(*) filter (where status = 'abandoned'), min(id) filter (where status = 'abandoned') from pginit.init_log")" "the newest 4, the failed run and the killed one"
	assert_eq 0 "$(q tenants "select count(*) from pginit.init_step s where not exists (select 1 from pginit.init_log l where l.id = s.run_id)")" "no orphan steps"
	assert_eq 2 "$(q tenants "select count(*) from pginit.schema_migrations where success")" "history rows survive"
	run_pginit -s run_log_keep=0 run
	expect_rc 0
	assert_eq 7 "$(q tenants "select count(*) from pginit.init_log")" "0 keeps everything"
}

test_966_history_and_prometheus() {
	fleet_project 'databases = [ ];'
	run_pginit run
	expect_rc 0
	printf 'SELECT 1/0;\n' >"$TDIR/fleet/migrations/0009_bad.sql"
	run_pginit run
	expect_rc 8
	run_pginit history --json
	expect_rc 0
	python3 - "$TDIR/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
p = doc["profiles"]
assert len(p) == 1 and p[0]["profile"] == "tenant" and p[0]["runs"] == 2 and p[0]["successful"] == 1, p
assert p[0]["success_rate"] == 0.5 and p[0]["max_duration_ms"] >= p[0]["avg_duration_ms"] >= 0, p
assert "division by zero" in p[0]["last_failure"]["error"], p
assert [r["status"] for r in doc["runs"]] == ["failed", "success"], doc["runs"]
PY
	run_pginit history
	expect_rc 0
	assert_match "tenant +2 runs, 50.0% successful" "$(cat "$TDIR/out")" "history text"
	run_pginit status --format prometheus
	expect_rc 0
	assert_contains 'pginit_migrations_pending{database="tenants"} 1' "$TDIR/out" "pending gauge"
	assert_contains 'pginit_runs_total{database="tenants",profile="tenant"} 2' "$TDIR/out" "runs gauge"
	assert_contains '# TYPE pginit_run_duration_ms_max gauge' "$TDIR/out" "types"
	# every sample line is NAME{labels} VALUE
	! grep -v '^#' "$TDIR/out" | grep -Ev '^pginit_[a-z_]+\{[^}]*\} [0-9]+$' || fail "malformed sample line"
	run_pginit status --format yaml
	expect_rc 2
}

test_967_fleet_dry_run_and_sigterm() {
	fleet_project 'databases = [ "tenant_1", "tenant_2", "tenant_3" ]; jobs = 3;'
	DBNAME=postgres
	run_pginit run --dry-run
	expect_rc 0
	assert_eq 3 "$(grep -c 'every migration is pending' "$TDIR/out")" "each target's plan is printed"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname like 'tenant_%'")" "a dry run creates nothing"
	# SIGTERM reaches every running worker: each rolls back, the fleet exits 143.
	printf 'SELECT pg_sleep(60);\n' >"$TDIR/fleet/migrations/0003_slow.sql"
	"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$! i
	for i in $(seq 1 100); do
		[ "$(q postgres "select count(*) from pg_stat_activity where query like '%pg_sleep(60)%' and pid <> pg_backend_pid()")" = 3 ] && break
		sleep 0.1
	done
	kill -TERM "$pid"
	wait_rc "$pid"
	assert_eq 143 "$RC" "exit code on SIGTERM"
	assert_contains "3 failed" "$TDIR/out" "every running target stopped"
	assert_eq 0 "$(q tenant_2 "select count(*) from pginit.schema_migrations where version = '3'")" "the slow migration rolled back"
	assert_eq 0 "$(q postgres "select count(*) from pg_stat_activity where query like '%pg_sleep(60)%' and pid <> pg_backend_pid()")" "no statement left running"
}

test_968_fleet_targets_file() {
	fleet_project 'targets_file = "targets.txt";'
	cat >"$TDIR/fleet/targets.txt" <<T
# one target per line
postgresql://127.0.0.1:$PGPORT_TEST/tenant_a
host=127.0.0.1 port=$PGPORT_TEST dbname=tenant_b

T
	# The port of each line wins over the connection's (nothing listens there).
	PGPORT=$(free_port) run_pginit run -j 2
	expect_rc 0
	assert_contains "fleet run: 2 targets: 2 ok" "$TDIR/out" "both targets"
	assert_match "^tenant_a@127.0.0.1:$PGPORT_TEST +ok" "$(grep '^tenant_a' "$TDIR/out")" "target named db@host:port"
	assert_eq 2 "$(q tenant_b "select count(*) from pginit.schema_migrations where success")" "tenant_b migrated"
	printf 'host=127.0.0.1 port=%s\nnot a = connection = string\n' "$PGPORT_TEST" >"$TDIR/fleet/targets.txt"
	run_pginit run
	expect_rc 3
	assert_contains "targets.txt:1: connection string names no database" "$TDIR/out" "file:line of the bad line"
}
