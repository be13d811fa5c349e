#!/usr/bin/env bash
# The differential harness (issue 9): one migration set, applied twice on the
# same cluster, once by pginit configured the way a team switching to it would
# (PGINIT_MIGRATIONS_DIR, format detected, migrations_compat on, no seeds, no
# extra schemas or extensions) and once by psql following the old tool's rules
# (tests/differential/peer.py says which rule and where it was checked). Then:
# pg_dump --schema-only of both databases, normalised, must be equal; the row
# count of every table must be equal; a second pginit run must apply nothing.
#
# A set listed in tests/differential/known-divergences is expected to diverge
# today: it passes with an XFAIL line, and FAILS once it matches (so the list
# cannot go stale). An unlisted set that diverges fails.
#
# Sourced by tests/integration/peers.test.sh; uses its helpers (run_pginit, q, sql).
DIFF_DIR=$ROOT/tests/differential
FORMATS=$ROOT/tests/data/formats

# What the normalisation takes out, and why:
#  - schema pginit (the ledger; the old tool never had it);
#  - the old tool's history table, wherever it is (its rows differ by design:
#    the reference does not write them);
#  - owners (--no-owner): pginit runs migrations as its owner role, psql as the
#    superuser. A migration that changes owners fails under pginit, which shows
#    as a pginit error, not as a dump difference;
#  - what pginit's bootstrap does to schema public by design: its grants to the
#    three roles and the default privileges of the owner role there;
#  - pg_dump's random \restrict key, its comment lines and blank lines (the
#    comments name owners and the dump's TOC order, which follows OIDs).
peer_dump() { # DB
	PGPASSWORD=$TEST_SUPERPASS "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres --schema-only \
		--no-owner --exclude-schema=pginit \
		-T '*.schema_migrations' -T '*.goose_db_version' -T '*.goose_db_version_id_seq' \
		-T '*.flyway_schema_history' "$1" |
		grep -vE '^\\(un)?restrict [[:alnum:]]+$' |
		grep -vE '^(GRANT|REVOKE) .* ON SCHEMA public (TO|FROM) ' |
		grep -vE '^ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public ' |
		grep -vE '^(--.*)?$'
}

# Row counts of every table outside the ledger and the system, history tables left out.
peer_counts() { # DB
	local t
	for t in $(q "$1" "select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.relkind in ('r', 'p') and n.nspname not in ('pginit', 'pg_catalog', 'information_schema') and n.nspname !~ '^pg_toast'
		and c.relname not in ('schema_migrations', 'goose_db_version', 'flyway_schema_history') order by 1"); do
		printf '%s %s\n' "$t" "$(q "$1" "select count(*) from $t")"
	done
}

# known_divergence SET: prints the listed reason, or nothing.
known_divergence() {
	awk -v s="$1" '$1 == s { $1 = ""; sub(/^ +/, ""); print; exit }' "${DIFF_KNOWN:-$DIFF_DIR/known-divergences}"
}

# diff_pginit ARGS...: pginit as the set is configured. Default: the way a team
# switching to it configures it (PGINIT_MIGRATIONS_DIR, compat on, no seeds, no
# extra schemas or extensions: exported by differential). DIFF_NO_CONFIG=1: no
# configuration at all, as `dbmate up` is run: DATABASE_URL, the set copied to
# ./db/migrations, no PGINIT_* and no secret (README, "No configuration file").
diff_pginit() {
	[ -n "${DIFF_NO_CONFIG:-}" ] || { run_pginit "$@"; return 0; }
	mkdir -p "$TDIR/nocfg/db"
	[ -d "$TDIR/nocfg/db/migrations" ] || cp -a "$DIFF_SET_DIR" "$TDIR/nocfg/db/migrations"
	set +e
	(
		cd "$TDIR/nocfg" || exit 1
		unset PGINIT_CONFIG PGINIT_MIGRATIONS_DIR PGINIT_SEEDS PGINIT_MIGRATIONS_COMPAT PGINIT_MIGRATIONS_FORMAT
		unset PGINIT_SCHEMAS PGINIT_EXTENSIONS PGINIT_INITDB_DIR APP_DB_PASSWORD POSTGRES_PASSWORD PGHOST PGPORT
		export DATABASE_URL="postgres://postgres:$TEST_SUPERPASS@127.0.0.1:$PGPORT_TEST/app?sslmode=disable"
		exec "$PGINIT_BIN" "$@" >"$TDIR/out" 2>&1
	)
	RC=$?
	set -e
}

# differential SET FORMAT [SETDIR]: the whole comparison for one set.
differential() {
	local set=$1 format=$2 dir=${3:-$FORMATS/$1} diverged="" why=""
	local initdb=$dir.initdb.d
	rm -f "$TDIR/dump.diff" "$TDIR/counts.diff"
	[ -d "$initdb" ] || { initdb=$TDIR/no-initdb; mkdir -p "$initdb"; }
	echo "== differential: $set ($format) from $dir"
	# --- pginit, the way a team switching to it configures it
	export PGINIT_MIGRATIONS_DIR=$dir PGINIT_SEEDS='' PGINIT_MIGRATIONS_COMPAT=true PGINIT_MIGRATIONS_FORMAT=auto
	export PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_INITDB_DIR=$initdb DIFF_SET_DIR=$dir
	if [ -n "${DIFF_NO_CONFIG:-}" ]; then
		echo "  pginit: no configuration file, DATABASE_URL, the set in ./db/migrations"
		q postgres "create database app" >/dev/null
	fi
	diff_pginit run
	cp "$TDIR/out" "$TDIR/pginit.out"
	if [ "$RC" != 0 ]; then
		diverged="pginit run exited $RC: $(grep -m1 'error:' "$TDIR/out" || tail -n 1 "$TDIR/out")"
	fi
	# --- the old tool's rules, with psql, on a fresh database of the same cluster
	q postgres "create database peer" >/dev/null
	PGHOST=127.0.0.1 PGPORT=$PGPORT_TEST PGUSER=postgres PGPASSWORD=$TEST_SUPERPASS PGDATABASE=peer \
		PEER_PSQL="$PG_BINDIR/psql" PEER_PLACEHOLDERS=${PEER_PLACEHOLDERS:-} \
		python3 "$DIFF_DIR/peer.py" "$format" "$dir" 2>"$TDIR/peer.err" ||
		{ cat "$TDIR/peer.err"; fail "the reference (psql with $format's rules) failed on $set: fix the set or peer.py"; return 1; }
	sed 's/^/  reference: /' "$TDIR/peer.err"
	# (for the harness's own test only: a change made behind pginit's back)
	[ -z "${PEER_EXTRA_SQL:-}" ] || q peer "$PEER_EXTRA_SQL" >/dev/null
	# --- compare
	peer_dump peer >"$TDIR/peer.dump"
	peer_counts peer >"$TDIR/peer.counts"
	if [ -z "$diverged" ]; then
		peer_dump app >"$TDIR/pginit.dump"
		peer_counts app >"$TDIR/pginit.counts"
		if ! diff -u "$TDIR/peer.dump" "$TDIR/pginit.dump" >"$TDIR/dump.diff"; then
			diverged="schema differs: $(grep -E '^[-+][^-+]' "$TDIR/dump.diff" | head -n 3 | tr '\n' ' ')"
		elif ! diff -u "$TDIR/peer.counts" "$TDIR/pginit.counts" >"$TDIR/counts.diff"; then
			diverged="row counts differ: $(grep -E '^[-+][^-+]' "$TDIR/counts.diff" | head -n 4 | tr '\n' ' ')"
		else
			diff_pginit run
			if [ "$RC" != 0 ]; then
				diverged="second pginit run exited $RC: $(grep -m1 'error:' "$TDIR/out")"
			elif ! grep -q '0 migrations applied' "$TDIR/out"; then
				diverged="second pginit run applied something: $(grep -m1 'migrations applied' "$TDIR/out")"
			fi
		fi
	fi
	# --- verdict
	why=$(known_divergence "$set")
	if [ -n "$diverged" ]; then
		echo "  divergence: $diverged"
		[ -f "$TDIR/dump.diff" ] && head -n 60 "$TDIR/dump.diff"
		[ -f "$TDIR/counts.diff" ] && cat "$TDIR/counts.diff"
		if [ -n "$why" ]; then
			echo "XFAIL $set: $why"
			echo "XFAIL   seen: $diverged"
			return 0
		fi
		sed 's/^/  pginit: /' "$TDIR/pginit.out" | tail -n 20
		fail "$set: pginit and $format's rules give different databases ($diverged)"
		return 1
	fi
	if [ -n "$why" ]; then
		fail "$set now matches $format's rules: remove it from tests/differential/known-divergences"
		return 1
	fi
	echo "  same schema, same row counts, nothing applied on the second run"
}

# known_or_fixed NAME WHAT CMD...: a check of a behaviour issue 9 changes. CMD
# succeeding is the goal. When it fails and NAME is in known-divergences: XFAIL
# (the test goes on); not listed: the test fails. When it succeeds while NAME is
# still listed: the test fails, so the list is kept true.
known_or_fixed() {
	local name=$1 what=$2 why
	shift 2
	why=$(known_divergence "$name")
	if "$@" >"$TDIR/known.out" 2>&1; then
		[ -z "$why" ] || { fail "$name: $what works now: remove it from tests/differential/known-divergences"; return 1; }
		echo "  ok: $what"
		return 0
	fi
	if [ -n "$why" ]; then
		echo "XFAIL $name: $why"
		echo "XFAIL   seen: $(grep -m1 -iE 'error|fatal' "$TDIR/known.out" || tail -n 1 "$TDIR/known.out")"
		return 0
	fi
	cat "$TDIR/known.out"
	fail "$name: $what"
	return 1
}
