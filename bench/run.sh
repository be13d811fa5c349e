#!/usr/bin/env bash
# make bench: pginit against the real peer, in one run, on one throwaway server.
# Figures printed, nothing asserted; timings stay out of the tests.
#
# The peer is dbmate (npm `dbmate` ships its static Go binary; installed with
# npm into $BENCH_NPM_DIR, default ~/.cache/pginit/npm, when missing; the
# binary is run directly, not through npm's node wrapper). The server floor is
# one psql session running every file wrapped in BEGIN/COMMIT.
#
# Measured, interleaved (each round runs every tool once, the order rotating
# from round to round), min and median of BENCH_ROUNDS rounds:
# - no-op: `pginit run` (glibc and static) and `dbmate up` against N applied,
#   beside the floor of any client: bench/floor.c, one libpq connection
#   (SCRAM) and SELECT 1
# - apply: N migrations into an empty database (made by `pginit bootstrap` for
#   all three, so they start from the same state): `pginit run`, `dbmate up`,
#   one psql session
# - peak RSS of the client process (GNU time), ready-detect latency (after the
#   server logs that it accepts connections: `pginit wait`, `dbmate wait`, a
#   pg_isready loop at healthcheck intervals), binary sizes, load average.
# The server runs with fsync, synchronous_commit and full_page_writes on.
#
# Environment (defaults):
#   BENCH_ROUNDS=10                 rounds of every interleaved measurement
#   BENCH_SIZES="100 1000 5000"     applied migrations for the no-op runs
#   BENCH_APPLY_SIZES="100 1000"    migrations for the apply runs
#   BENCH_HC_INTERVALS="0.5 2"      pg_isready loop intervals, seconds (the test and dev stacks)
#   BENCH_DBMATE_VERSION=2.36.0     BENCH_NPM_DIR=~/.cache/pginit/npm   DBMATE_BIN (skip npm)
#   PGINIT_BIN=build/pginit         PGINIT_STATIC_BIN=build/pginit-static (never built here)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
. bench/lib.sh

rounds=${BENCH_ROUNDS:-10}
read -r -a sizes <<<"${BENCH_SIZES:-100 1000 5000}"
read -r -a apply_sizes <<<"${BENCH_APPLY_SIZES:-100 1000}"
read -r -a hc_intervals <<<"${BENCH_HC_INTERVALS:-0.5 2}"
bin=${PGINIT_BIN:-$ROOT/build/pginit}
static=${PGINIT_STATIC_BIN:-$ROOT/build/pginit-static}
[ -x "$bin" ] || make -s build/pginit
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROUNDS must be a positive number, not '$rounds'" >&2; exit 2; }
for n in "${sizes[@]}" "${apply_sizes[@]}"; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_SIZES and BENCH_APPLY_SIZES take positive numbers, not '$n'" >&2; exit 2; }
done
[ ${#sizes[@]} -gt 0 ] && [ ${#apply_sizes[@]} -gt 0 ] || { echo "bench: BENCH_SIZES and BENCH_APPLY_SIZES must not be empty" >&2; exit 2; }
have_static=1
[ -x "$static" ] || have_static=0

# ---- the peer: dbmate's binary from npm, cached
dbmate_version=${BENCH_DBMATE_VERSION:-2.36.0}
npm_dir=${BENCH_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pginit/npm}
find_dbmate() {
	local f
	for f in "$npm_dir"/node_modules/@dbmate/*/bin/dbmate; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
	return 0
}
dbmate=${DBMATE_BIN:-}
if [ -z "$dbmate" ]; then
	dbmate=$(find_dbmate)
	if [ -z "$dbmate" ] || ! "$dbmate" --version | grep -qF "version $dbmate_version"; then
		command -v npm >/dev/null || { echo "bench: npm is missing (scripts/install-deps.sh bench)" >&2; exit 1; }
		echo "bench: installing dbmate@$dbmate_version with npm into $npm_dir"
		mkdir -p "$npm_dir"
		npm install --prefix "$npm_dir" --no-audit --no-fund --silent "dbmate@$dbmate_version"
		dbmate=$(find_dbmate)
		[ -n "$dbmate" ] || { echo "bench: npm installed no dbmate binary under $npm_dir/node_modules/@dbmate" >&2; exit 1; }
	fi
fi

echo "== make bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(loadavg)"
echo "pginit: $bin ($("$bin" version 2>&1 | head -n 1))"
if [ "$have_static" = 1 ]; then
	echo "pginit-static: $static"
else
	echo "static: not built (make static)"
fi
echo "dbmate: $dbmate ($("$dbmate" --version))"
echo "psql: $(psql --version)"

bench_server pginit-bench
W=$THROWAWAY
echo "rounds: $rounds, no-op sizes: ${sizes[*]}, apply sizes: ${apply_sizes[*]}, order rotating each round"

# ---- the migrations: the same SQL in pginit's format, dbmate's format and one psql script
gen() { # N: native/N/*.sql, dbmate/N/*.sql, psql/N.sql
	local n=$1
	[ -d "$W/native/$n" ] && return 0
	mkdir -p "$W/native/$n" "$W/dbmate/$n" "$W/psql"
	awk -v n="$n" -v w="$W" 'BEGIN {
		for (i = 1; i <= n; i++) {
			body = sprintf("CREATE TABLE public.bench_%d (id bigint PRIMARY KEY, note text);\nCOMMENT ON TABLE public.bench_%d IS '\''bench %d; with a semicolon'\'';\n", i, i, i)
			f = sprintf("%s/native/%d/%05d_bench_%d.sql", w, n, i, i)
			printf "-- generated migration %d\n%s", i, body > f; close(f)
			f = sprintf("%s/dbmate/%d/%.0f_bench_%d.sql", w, n, 20260101000000 + i, i)
			printf "-- migrate:up\n-- generated migration %d\n%s\n-- migrate:down\nDROP TABLE public.bench_%d;\n", i, body, i > f; close(f)
			printf "BEGIN;\n-- generated migration %d\n%sCOMMIT;\n", i, body > (w "/psql/" n ".sql")
		}
	}'
}
for n in "${sizes[@]}" "${apply_sizes[@]}"; do gen "$n"; done

export PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST PGUSER=postgres PGSSLMODE=disable PGINIT_SSLMODE=disable
export POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD=bench-App-Pass-0001
# The prod profile's safety check runs (its cost is measured); this throwaway local server
# has no TLS, so the sslmode check is waived explicitly.
export PGINIT_SAFETY_SSLMODE=disable
export PGINIT_CONFIG=$ROOT/pginit.conf PGINIT_PROFILE=prod
url() { echo "postgres://postgres:$TEST_SUPERPASS@127.0.0.1:$PGPORT_TEST/$1?sslmode=disable"; }

# do_TOOL N DB: one run of each contender; $wrap (empty for the timed runs) can
# put GNU time in front of the executable.
wrap=()
do_pginit() { PGINIT_MIGRATIONS_DIR=$W/native/$1 PGINIT_DBNAME=$2 "${wrap[@]}" "$bin" -q run; }
do_static() { PGINIT_MIGRATIONS_DIR=$W/native/$1 PGINIT_DBNAME=$2 "${wrap[@]}" "$static" -q run; }
do_dbmate() { DATABASE_URL=$(url "$2") "${wrap[@]}" "$dbmate" --migrations-dir "$W/dbmate/$1" --no-dump-schema up; }
do_floor() { PGPASSWORD=$TEST_SUPERPASS PGDATABASE=$2 "${wrap[@]}" "$W/floor"; }
do_psql() { PGPASSWORD=$TEST_SUPERPASS "${wrap[@]}" psql -X -q -v ON_ERROR_STOP=1 -d "$2" -f "$W/psql/$1.sql"; }
prepare() { PGINIT_DBNAME=$1 "$bin" -q bootstrap; } # an empty database, as pginit makes it

tables() { sql -d "$1" -c "select count(*) from pg_class where relkind = 'r' and relname like 'bench\_%'"; }
check() { # N DB TOOL: the run did its job (tables and history rows)
	local n=$1 db=$2 t h
	h=$n
	t=$(tables "$db")
	case $3 in
	pginit | static) h=$(sql -d "$db" -c "select count(distinct version) from pginit.schema_migrations where success") ;;
	dbmate) h=$(sql -d "$db" -c "select count(*) from public.schema_migrations") ;;
	esac
	[ "$t" = "$n" ] && [ "$h" = "$n" ] || { echo "bench: $3 on $db: $t tables, $h history rows, expected $n" >&2; exit 1; }
}

# The floor: a minimal libpq client (bench/floor.c) connecting and running SELECT 1.
cc -O2 -I"$(pg_config --includedir)" -o "$W/floor" bench/floor.c -lpq
contenders=(pginit dbmate floor)
[ "$have_static" = 1 ] && contenders=(pginit static dbmate floor)

# ---- no-op: N applied, every run finds nothing to do
echo
echo "== no-op runs (load average $(loadavg))"
for n in "${sizes[@]}"; do
	do_pginit "$n" "noop_$n" >/dev/null
	check "$n" "noop_$n" pginit
	do_dbmate "$n" "dnoop_$n" >/dev/null
	check "$n" "dnoop_$n" dbmate
done
sql -c checkpoint
for n in "${sizes[@]}"; do # warm-up, not counted
	for t in "${contenders[@]}"; do
		db=noop_$n
		[ "$t" = dbmate ] && db=dnoop_$n
		"do_$t" "$n" "$db" >/dev/null
	done
done
for ((r = 0; r < rounds; r++)); do
	for n in "${sizes[@]}"; do
		for t in $(rotate "$r" "${contenders[@]}"); do
			db=noop_$n
			[ "$t" = dbmate ] && db=dnoop_$n
			t_run "noop.$n.$t" "do_$t" "$n" "$db"
		done
	done
done
for n in "${sizes[@]}"; do
	check "$n" "noop_$n" pginit
	check "$n" "dnoop_$n" dbmate
	for t in "${contenders[@]}"; do
		show "no-op, $n applied, $t" "noop.$n.$t"
	done
done

# ---- apply: N migrations into an empty database
echo
echo "== apply (load average $(loadavg))"
applied=(pginit dbmate psql)
seq_db=0
apply_round() { # N TOOL: a fresh empty database, a checkpoint, one timed run, checked, dropped
	local n=$1 t=$2 db
	seq_db=$((seq_db + 1))
	db=apply_${t}_$seq_db
	prepare "$db"
	sql -c checkpoint
	t_run "apply.$n.$t" "do_$t" "$n" "$db"
	check "$n" "$db" "$t"
	sql -c "drop database $db with (force)"
}
for ((r = 0; r < rounds; r++)); do
	for n in "${apply_sizes[@]}"; do
		for t in $(rotate "$r" "${applied[@]}"); do
			apply_round "$n" "$t"
		done
	done
done
for n in "${apply_sizes[@]}"; do
	for t in "${applied[@]}"; do
		show "apply $n, $t" "apply.$n.$t"
	done
done

# ---- peak RSS of the client process: one more run each under GNU time
echo
echo "== peak RSS of the client process (GNU time: maximum resident set size)"
rss_run() { # SERIES TOOL N DB
	wrap=(/usr/bin/time -f %M -o "$BENCH_TIMES/rss.$1")
	"do_$2" "$3" "$4" >/dev/null 2>"$BENCH_TIMES/rss.$1.err" || {
		echo "bench: $2 failed under GNU time" >&2
		cat "$BENCH_TIMES/rss.$1.err" >&2
		exit 1
	}
	wrap=()
	printf '  %-22s %-7s %6d KiB\n' "${1%.*}" "$2" "$(tail -n 1 "$BENCH_TIMES/rss.$1")"
}
for n in "${sizes[@]}"; do
	for t in "${contenders[@]}"; do
		db=noop_$n
		[ "$t" = dbmate ] && db=dnoop_$n
		rss_run "noop-$n.$t" "$t" "$n" "$db"
	done
done
n_rss=${apply_sizes[${#apply_sizes[@]}-1]}
for t in "${applied[@]}"; do
	seq_db=$((seq_db + 1))
	db=rss_${t}_$seq_db
	prepare "$db"
	sql -c checkpoint
	rss_run "apply-$n_rss.$t" "$t" "$n_rss" "$db"
	check "$n_rss" "$db" "$t"
	sql -c "drop database $db with (force)"
done

# ---- ready-detect: how soon after the server accepts connections each waiter returns
echo
echo "== ready-detect latency after 'database system is ready to accept connections' (load average $(loadavg))"
echo "   (all waiters start with the server; a healthcheck-style loop sleeps its interval, then runs pg_isready)"
probes=(pginit dbmate)
for i in "${hc_intervals[@]}"; do probes+=("isready-$i"); done
waiter() { # PROBE: wait for the server, then write the clock to done.PROBE
	local p=$1 ok=0
	case $p in
	pginit) "$bin" -q wait >/dev/null 2>&1 && ok=1 ;;
	dbmate) DATABASE_URL=$(url postgres) "$dbmate" wait >/dev/null 2>&1 && ok=1 ;;
	isready-*)
		local t0=${EPOCHREALTIME/[.,]/} lim=60000000
		while sleep "${p#isready-}"; do
			if pg_isready -q -d postgres; then ok=1; break; fi
			[ $((${EPOCHREALTIME/[.,]/} - t0)) -lt $lim ] || break
		done
		;;
	esac
	if [ "$ok" = 1 ]; then echo "${EPOCHREALTIME/[.,]/}" >"$BENCH_TIMES/done.$p"; else echo fail >"$BENCH_TIMES/done.$p"; fi
}
log=$PGDATA_TEST/server.log
for ((r = 0; r < rounds; r++)); do
	as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_TEST" -m fast -w stop >/dev/null
	rm -f "$BENCH_TIMES"/done.*
	lines=$(wc -l <"$log")
	for p in "${probes[@]}"; do waiter "$p" & done
	s=${EPOCHREALTIME/[.,]/}
	as_pg "$PG_BINDIR/pg_ctl" -D "$PGDATA_TEST" -l "$log" -W start >/dev/null
	wait
	ready=$(tail -n +"$((lines + 1))" "$log" | grep -m 1 'ready to accept connections' | cut -d' ' -f1)
	[ -n "$ready" ] || { echo "bench: no 'ready to accept connections' line in $log" >&2; exit 1; }
	ready_us=$(awk -v t="$ready" 'BEGIN { printf "%.0f", t * 1000000 }')
	echo $((ready_us - s)) >>"$BENCH_TIMES/ready.server-start"
	for p in "${probes[@]}"; do
		d=$(cat "$BENCH_TIMES/done.$p")
		[ "$d" != fail ] || { echo "bench: $p did not see the server ready" >&2; exit 1; }
		echo $((d - ready_us)) >>"$BENCH_TIMES/ready.$p"
	done
done
show "server start (pg_ctl start to ready)" ready.server-start
for p in "${probes[@]}"; do
	show "$p" "ready.$p"
done

# ---- sizes
echo
echo "== binary sizes"
printf '  %-14s %9d bytes  (%s)\n' pginit "$(stat -c %s "$bin")" "$(file -b "$bin" | cut -d, -f1,5 | sed 's/^ *//')"
if [ "$have_static" = 1 ]; then
	printf '  %-14s %9d bytes  (%s)\n' pginit-static "$(stat -c %s "$static")" "$(file -b "$static" | cut -d, -f1,5)"
else
	echo "  static: not built (make static)"
fi
printf '  %-14s %9d bytes  (%s)\n' dbmate "$(stat -c %s "$dbmate")" "$(file -b "$dbmate" | cut -d, -f1,5)"

# ---- the summary, in the issue's shape (medians; min in brackets; ratios of the medians)
med() { stats "$1" | cut -d' ' -f2; }
mn() { stats "$1" | cut -d' ' -f1; }
cell() { [ -s "$BENCH_TIMES/$1" ] && echo "$(med "$1") ms [$(mn "$1")]" || echo "-"; }
echo
echo "== summary: median ms [min] of $rounds interleaved rounds; ratio = median/median [min/min]; fsync on; load average $(loadavg)"
echo
echo "| | pginit (glibc) | pginit (static) | dbmate $dbmate_version | one psql session | pginit/dbmate | static/dbmate | pginit/psql | goal (issue 10) |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
	a=noop.$n.pginit b=noop.$n.static c=noop.$n.dbmate
	st="-" rs="-"
	if [ "$have_static" = 1 ]; then
		st=$(cell "$b")
		rs="$(ratio "$(med "$b")" "$(med "$c")") [$(ratio "$(mn "$b")" "$(mn "$c")")]"
	fi
	echo "| no-op, $n applied | $(cell "$a") | $st | $(cell "$c") | - | $(ratio "$(med "$a")" "$(med "$c")") [$(ratio "$(mn "$a")" "$(mn "$c")")] | $rs | - | <= 0.5 of dbmate |"
done
for n in "${sizes[@]}"; do
	f=noop.$n.floor c=noop.$n.dbmate
	echo "| floor: connect + SELECT 1 (libpq, SCRAM), beside no-op $n | $(cell "$f") | - | $(cell "$c") | - | $(ratio "$(med "$f")" "$(med "$c")") [$(ratio "$(mn "$f")" "$(mn "$c")")] | - | - | what no client goes below |"
done
for n in "${apply_sizes[@]}"; do
	a=apply.$n.pginit c=apply.$n.dbmate p=apply.$n.psql
	echo "| apply $n | $(cell "$a") | - | $(cell "$c") | $(cell "$p") | $(ratio "$(med "$a")" "$(med "$c")") [$(ratio "$(mn "$a")" "$(mn "$c")")] | - | $(ratio "$(med "$a")" "$(med "$p")") [$(ratio "$(mn "$a")" "$(mn "$p")")] | <= 1.0 of psql |"
done
kib() { [ -s "$BENCH_TIMES/rss.$1" ] && echo "$(tail -n 1 "$BENCH_TIMES/rss.$1") KiB" || echo "-"; }
kratio() { [ -s "$BENCH_TIMES/rss.$1" ] && [ -s "$BENCH_TIMES/rss.$2" ] && ratio "$(tail -n 1 "$BENCH_TIMES/rss.$1")" "$(tail -n 1 "$BENCH_TIMES/rss.$2")" || echo "-"; }
nmax=${sizes[${#sizes[@]}-1]}
echo "| peak RSS, no-op $nmax | $(kib "noop-$nmax.pginit") | $(kib "noop-$nmax.static") | $(kib "noop-$nmax.dbmate") | - | $(kratio "noop-$nmax.pginit" "noop-$nmax.dbmate") | $(kratio "noop-$nmax.static" "noop-$nmax.dbmate") | - | |"
echo "| peak RSS, apply $n_rss | $(kib "apply-$n_rss.pginit") | - | $(kib "apply-$n_rss.dbmate") | $(kib "apply-$n_rss.psql") | $(kratio "apply-$n_rss.pginit" "apply-$n_rss.dbmate") | - | $(kratio "apply-$n_rss.pginit" "apply-$n_rss.psql") | |"
hc=""
for i in "${hc_intervals[@]}"; do hc="$hc, pg_isready every ${i}s $(cell "ready.isready-$i")"; done
echo "| ready-detect after the server is ready | $(cell ready.pginit) | - | $(cell ready.dbmate) (dbmate wait) | - | $(ratio "$(med ready.pginit)" "$(med ready.dbmate)") | - | - | |"
echo
echo "ready-detect, healthcheck loops$hc"
ss="not built (make static)"
[ "$have_static" = 1 ] && ss="$(stat -c %s "$static") bytes"
echo "sizes: pginit-static $ss; pginit (glibc, dynamic) $(stat -c %s "$bin") bytes; dbmate $(stat -c %s "$dbmate") bytes"
echo "load average at the end: $(loadavg)"
