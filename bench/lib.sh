#!/usr/bin/env bash
# bench/lib.sh — shared by the benchmarks. Source it (after `cd "$ROOT"`).
# - bench_server PREFIX: a throwaway PostgreSQL (tests/lib.sh's pg_init) with
#   the durability settings turned back ON (fsync, synchronous_commit,
#   full_page_writes: what a real server does; the tests run with them off) and
#   a log line prefix with epoch milliseconds (for the ready-detect figure).
# - t_run SERIES CMD...: runs CMD once, appends its wall time (microseconds,
#   from $EPOCHREALTIME: no fork around the measured command) to SERIES.
# - stats SERIES: "min median n" in milliseconds.
# Nothing here asserts a timing.

export LC_ALL=C
# shellcheck source=tests/lib.sh
. tests/lib.sh

BENCH_LOG_PREFIX='%n [%p] '

bench_server() {
	THROWAWAY=$(mktemp -d "/tmp/$1.XXXXXX")
	chmod 755 "$THROWAWAY"
	trap 'pg_stop; rm -rf "$THROWAWAY"' EXIT
	pg_init "$THROWAWAY"
	# Later lines win in postgresql.conf: undo the test suite's fsync = off.
	cat >>"$PGDATA_TEST/postgresql.conf" <<CONF
# bench: a real server's durability
fsync = on
synchronous_commit = on
full_page_writes = on
log_line_prefix = '$BENCH_LOG_PREFIX'
CONF
	pg_start
	mkdir -p "$THROWAWAY/times"
	BENCH_TIMES=$THROWAWAY/times
	echo "server: PostgreSQL $(sql -c 'show server_version') on 127.0.0.1:$PGPORT_TEST," \
		"fsync=$(sql -c 'show fsync') synchronous_commit=$(sql -c 'show synchronous_commit')" \
		"full_page_writes=$(sql -c 'show full_page_writes') ($THROWAWAY)"
}

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# t_run SERIES CMD...: time one run of CMD (stdout discarded, stderr kept in
# $BENCH_TIMES/SERIES.err); a failing CMD stops the benchmark with its stderr.
t_run() {
	local series=$1 s e
	shift
	s=${EPOCHREALTIME/[.,]/}
	if ! "$@" >/dev/null 2>"$BENCH_TIMES/$series.err"; then
		echo "bench: $series failed: $*" >&2
		tail -n 20 "$BENCH_TIMES/$series.err" >&2
		exit 1
	fi
	e=${EPOCHREALTIME/[.,]/}
	echo $((e - s)) >>"$BENCH_TIMES/$series"
}

# stats SERIES -> "MIN MEDIAN N" (ms, one decimal)
stats() {
	sort -n "$BENCH_TIMES/$1" | awk '{ a[NR] = $1 }
		END { if (NR == 0) { print "- - 0"; exit }
		      m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		      printf "%.1f %.1f %d\n", a[1] / 1000, m / 1000, NR }'
}

# show LABEL SERIES: one line of figures
show() {
	local min med n
	read -r min med n < <(stats "$2")
	printf '  %-40s min %9s ms  median %9s ms  (n=%s)\n' "$1" "$min" "$med" "$n"
}

# ratio A B -> A/B with two decimals ("-" if either is missing)
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

# rotate I WORD...: the words rotated left by I (interleaving: each tool takes
# each position in turn, so none always runs first or right after another).
rotate() {
	local i=$1
	shift
	local -a w=("$@")
	local n=${#w[@]} k
	for ((k = 0; k < n; k++)); do
		printf '%s\n' "${w[$(((i + k) % n))]}"
	done
}
