#!/usr/bin/env bash
# The contract (0xx): every documented exit code from a table, and the configuration
# error cases from their files.
#   test_001_exit_code_table     rows of exitcodes.table: code | setup | args | stderr needle
#   test_002_config_error_cases  tests/data/config/errors/*.conf, expectation in each file
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# ---- the exit-code table

# trim TEXT: without leading and trailing blanks.
trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	echo "${s%"${s##*[![:space:]]}"}"
}

# The codes the README's "Exit codes" table documents; 128+N stands for the two signals
# an init container gets: SIGINT (130) and SIGTERM (143).
documented_codes() {
	sed -n '/^## Exit codes/,/^## [^E]/p' "$ROOT/README.md" | sed -n 's/^| *\([0-9][0-9+N, ]*\)|.*/\1/p' |
		tr ',' ' ' | sed 's/128+N/130 143/' | xargs -n 1
}

# lock_key DBNAME: pginit's advisory lock key (src/lock.c: FNV-1a 64 of "pginit:DBNAME", signed).
lock_key() {
	python3 -c '
import sys
h = 14695981039346656037
for b in ("pginit:" + sys.argv[1]).encode():
    h = ((h ^ b) * 1099511628211) % 2**64
print(h - 2**64 if h >= 2**63 else h)' "$1"
}

# The row's own copy of the reference migrations.
ec_copy_migrations() {
	cp -a "$ROOT/migrations" "$ROW/migrations"
	export PGINIT_MIGRATIONS_DIR=$ROW/migrations
}

# A first successful run of the row's database, with a private copy of the migrations.
ec_first_run() {
	ec_copy_migrations
	"$PGINIT_BIN" -q run >"$ROW/first-run.out" 2>&1 || { cat "$ROW/first-run.out" >&2; return 1; }
}

ec_setup_pending() {
	ec_first_run
	printf 'SELECT 1;\n' >"$PGINIT_MIGRATIONS_DIR/0100_pending.sql"
}

ec_setup_bad_variable() { export PGINIT_WAIT_TIMEOUT=soon; }

ec_setup_both_admin_forms() {
	printf '%s\n' "$POSTGRES_PASSWORD" >"$ROW/superpass"
	export POSTGRES_PASSWORD_FILE=$ROW/superpass
}

ec_setup_prod_no_app_secret() { unset APP_DB_PASSWORD; }

# A managed role named like an existing superuser: refused before any change.
ec_setup_app_role_superuser() {
	q postgres "select 1 from pg_roles where rolname = 'ec_super'" | grep -q 1 || q postgres "create role ec_super superuser" >/dev/null
	export PGINIT_APP_ROLE=ec_super
}

ec_setup_no_server() {
	PGPORT=$(free_port)
	export PGPORT PGINIT_WAIT_TIMEOUT=1
}

ec_setup_wrong_password() { export POSTGRES_PASSWORD=not-the-password; }

ec_setup_missing_extension() { export PGINIT_EXTENSIONS=citext,pginit_no_such_ext; }

ec_setup_failing_initdb() {
	mkdir -p "$ROW/initdb.d"
	printf -- '-- the second line fails\nSELECT pginit_no_such_function();\n' >"$ROW/initdb.d/01_fails.sql"
	export PGINIT_INITDB_DIR=$ROW/initdb.d
}

ec_setup_failing_migration() {
	ec_copy_migrations
	printf 'SELECT 1;\nUPDATE public.pginit_no_such_table SET x = 1;\n' >"$PGINIT_MIGRATIONS_DIR/0100_fails.sql"
}

ec_setup_failing_seed() {
	cp -a "$ROOT/seeds" "$ROW/seeds"
	printf 'INSERT INTO public.pginit_no_such_table VALUES (1);\n' >"$ROW/seeds/common/999_fails.sql"
	export PGINIT_SEEDS_DIR=$ROW/seeds
}

# Another session holds pginit's lock (in the maintenance database, where pginit takes
# it, and in the target database too, in case the lock moves there).
ec_setup_lock_held() {
	ec_first_run
	local key db i
	key=$(lock_key "$PGINIT_DBNAME")
	for db in postgres "$PGINIT_DBNAME"; do
		PGPASSWORD=$TEST_SUPERPASS psql -X -q -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres -d "$db" \
			-c "select pg_advisory_lock($key)" -c "select pg_sleep(120)" >/dev/null 2>&1 &
		echo $! >>"$ROW/bg.pids"
	done
	for i in $(seq 1 100); do
		[ "$(q postgres "select count(*) from pg_locks where locktype = 'advisory' and granted
			and ((classid::bigint << 32) | objid::bigint) = ($key)")" = 2 ] && break
		sleep 0.05
	done
	[ "$i" -lt 100 ] || fail "the lock was not taken by the test's sessions"
	export PGINIT_LOCK_TIMEOUT=1
}

ec_setup_drift() {
	ec_first_run
	echo "-- an edit after the fact" >>"$PGINIT_MIGRATIONS_DIR/0002_auth_users.sql"
}

ec_setup_not_executable() { printf '#!/bin/sh\necho started\n' >"$ROW/app"; }

ec_slow_migration() {
	ec_copy_migrations
	printf 'CREATE TABLE public.slow_half (id int);\nSELECT pg_sleep(30);\n' >"$PGINIT_MIGRATIONS_DIR/0100_slow.sql"
	export EC_SIGNAL=$1
}
ec_setup_slow_migration_sigint() { ec_slow_migration INT; }
ec_setup_slow_migration_sigterm() { ec_slow_migration TERM; }

# ec_run ARGS...: pginit with ARGS, stdout in $ROW/stdout, stderr in $ROW/stderr, exit
# code in $RC. With $EC_SIGNAL set: sent once the slow migration runs.
ec_run() {
	set +e
	if [ -z "${EC_SIGNAL:-}" ]; then
		"$PGINIT_BIN" "$@" >"$ROW/stdout" 2>"$ROW/stderr"
		RC=$?
	else
		"$PGINIT_BIN" "$@" >"$ROW/stdout" 2>"$ROW/stderr" &
		local pid=$! i
		for i in $(seq 1 200); do
			[ "$(q postgres "select count(*) from pg_stat_activity where datname = '$PGINIT_DBNAME'
				and query like '%pg_sleep(30)%'")" = 1 ] && break
			sleep 0.05
		done
		kill -s "$EC_SIGNAL" "$pid"
		wait "$pid"
		RC=$?
	fi
	set -e
}

# ec_row LINE CODE SETUP ARGS NEEDLE: one row in a subshell; prints what failed.
ec_row() {
	local n=$1 code=$2 setup=$3 args=$4 needle=$5 where=stderr
	ROW=$TDIR/row.$n
	mkdir -p "$ROW"
	(
		set -e
		export ROW PGINIT_DBNAME=ec_$n
		[ "$setup" = - ] || "ec_setup_$setup"
		# shellcheck disable=SC2086 # the args column is split on blanks
		ec_run ${args//\$ROW/$ROW}
		needle=${needle//\$ROW/$ROW}
		case "$needle" in "stdout: "*) where=stdout needle=${needle#stdout: } ;; esac
		if [ "$RC" != "$code" ]; then
			echo "  FAIL: line $n: expected exit $code, got $RC"
		elif ! grep -qF -- "$needle" "$ROW/$where"; then
			echo "  FAIL: line $n: exit $code, but '$needle' is not in its $where"
		else
			exit 0
		fi
		sed 's/^/    | stdout: /' "$ROW/stdout"
		sed 's/^/    | stderr: /' "$ROW/stderr"
		exit 1
	)
	local rc=$?
	if [ -s "$ROW/bg.pids" ]; then
		# shellcheck disable=SC2046
		kill $(cat "$ROW/bg.pids") 2>/dev/null || true
		wait 2>/dev/null || true
	fi
	return $rc
}

test_001_exit_code_table() {
	local table=${EXITCODES_TABLE:-$ROOT/tests/integration/exitcodes.table}
	local line n=0 rows=0 bad=0 code setup args needle covered="" c rc
	while IFS= read -r line; do
		n=$((n + 1))
		case "$line" in '' | '#'*) continue ;; esac
		IFS='|' read -r code setup args needle <<<"$line"
		code=$(trim "$code") setup=$(trim "$setup") args=$(trim "$args") needle=$(trim "$needle")
		rows=$((rows + 1))
		covered+=" $code "
		# Not in a condition: errexit must stay on inside the row.
		set +e
		ec_row "$n" "$code" "$setup" "$args" "$needle"
		rc=$?
		set -e
		if [ "$rc" = 0 ]; then
			echo "ok   line $n: exit $code ($setup: pginit $args)"
		else
			bad=$((bad + 1))
		fi
	done <"$table"
	[ "$rows" -gt 0 ] || fail "no rows in $table"
	for c in $(documented_codes); do
		[[ $covered == *" $c "* ]] && continue
		echo "  FAIL: exit code $c is documented (README) but has no row in $table"
		bad=$((bad + 1))
	done
	[ "$bad" = 0 ] || fail "$bad of $rows rows failed"
}

# ---- configuration error cases

# Every tests/data/config/errors/NAME.conf is one case. Its first line says what pginit
# must do with it, later comment lines may add needles and the command line:
#   # expect: rc=3 stderr=NEEDLE      NEEDLE: a fixed string of stderr; {file} is the
#   # stderr: NEEDLE                  case file's path, so `{file}:4:` names its line 4
#   # args: -p prod run               pginit's arguments after -c FILE (default: run)
# Nothing may be done on a config error: roles and databases are compared before/after.
test_002_config_error_cases() {
	local dir=${CONFIG_ERRORS_DIR:-$ROOT/tests/data/config/errors} f name first rc want needles args before n=0 bad=0 needle
	before=$(q postgres "select string_agg(rolname, ',' order by rolname) from pg_roles")/$(q postgres "select string_agg(datname, ',' order by datname) from pg_database")
	for f in "$dir"/*.conf; do
		name=$(basename "$f")
		n=$((n + 1))
		first=$(head -n 1 "$f")
		if [[ ! $first =~ ^'# expect: rc='([0-9]+)' stderr='(.+)$ ]]; then
			echo "  FAIL: $name: first line is not '# expect: rc=N stderr=NEEDLE'"
			bad=$((bad + 1))
			continue
		fi
		want=${BASH_REMATCH[1]}
		needles=("${BASH_REMATCH[2]}")
		while IFS= read -r needle; do needles+=("$needle"); done < <(sed -n 's/^# stderr: //p' "$f")
		args=$(sed -n 's/^# args: //p' "$f" | head -n 1)
		set +e
		# shellcheck disable=SC2086 # the args line is split on blanks
		"$PGINIT_BIN" -c "$f" ${args:-run} >"$TDIR/case.out" 2>"$TDIR/case.err"
		rc=$?
		set -e
		local ok=1
		if [ "$rc" != "$want" ]; then
			echo "  FAIL: $name: expected exit $want, got $rc"
			ok=0
		fi
		for needle in "${needles[@]}"; do
			needle=${needle//\{file\}/$f}
			if ! grep -qF -- "$needle" "$TDIR/case.err"; then
				echo "  FAIL: $name: '$needle' not in stderr"
				ok=0
			fi
		done
		if [ "$ok" = 1 ]; then
			echo "ok   $name: exit $rc"
		else
			sed 's/^/    | /' "$TDIR/case.err"
			bad=$((bad + 1))
		fi
	done
	[ "$n" -gt 0 ] || fail "no cases in $dir"
	assert_eq "$before" "$(q postgres "select string_agg(rolname, ',' order by rolname) from pg_roles")/$(q postgres "select string_agg(datname, ',' order by datname) from pg_database")" \
		"roles and databases unchanged by config errors"
	[ "$bad" = 0 ] || fail "$bad of $n config error cases failed"
}

# ---- usage errors: pginit's own words, the same on the glibc and the musl build

# Each case: the arguments | the exact stderr (two lines: the error, the hint).
# getopt's own messages (glibc: "unrecognized option '--bogus'", musl:
# "unrecognized option: bogus", both after argv[0]) must never show.
test_003_usage_errors_exact() {
	local n=0 bad=0 args want got rc
	while IFS='|' read -r args want; do
		n=$((n + 1))
		read -r -a argv <<<"$args"
		set +e
		"$PGINIT_BIN" "${argv[@]}" >"$TDIR/usage.out" 2>"$TDIR/usage.err"
		rc=$?
		set -e
		got=$(paste -sd '|' "$TDIR/usage.err")
		if [ "$rc" != 2 ] || [ "$got" != "$want" ] || [ -s "$TDIR/usage.out" ]; then
			echo "  FAIL pginit $args: exit $rc, stderr '${got:0:200}', expected exit 2 and '$want'" >&2
			bad=$((bad + 1))
		fi
	done <<'CASES'
run --bogus|pginit: error: run: unknown option --bogus|pginit: hint: see `pginit help run`
--bogus run|pginit: error: unknown option --bogus|pginit: hint: see `pginit help`
--bogus=1 run|pginit: error: unknown option --bogus|pginit: hint: see `pginit help`
-x run|pginit: error: unknown option -x|pginit: hint: see `pginit help`
-vx run|pginit: error: unknown option -x|pginit: hint: see `pginit help`
-c|pginit: error: option -c/--config needs a value|pginit: hint: see `pginit help`
--profile|pginit: error: option -p/--profile needs a value|pginit: hint: see `pginit help`
--log-format|pginit: error: option --log-format needs a value|pginit: hint: see `pginit help`
--quiet=yes run|pginit: error: option --quiet takes no value|pginit: hint: see `pginit help`
status --limit 5|pginit: error: status: unknown option --limit|pginit: hint: see `pginit help status`
history --limit|pginit: error: history: option --limit needs a value|pginit: hint: see `pginit help history`
history --limit many|pginit: error: history: invalid value 'many' for --limit|pginit: hint: see `pginit help history`
rollback later|pginit: error: rollback: unexpected argument 'later'|pginit: hint: see `pginit help rollback`
baseline|pginit: error: baseline: missing argument|pginit: hint: see `pginit help baseline`
CASES
	echo "usage errors: $n cases, $bad failed"
	[ "$bad" = 0 ] || fail "$bad of $n usage error cases failed"
	# the hint's page exists
	"$PGINIT_BIN" help run >"$TDIR/help.out"
	assert_contains "run [--dry-run] [--exec -- CMD ARGS...]" "$TDIR/help.out" "help run: its synopsis"
}
