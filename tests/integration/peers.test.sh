#!/usr/bin/env bash
# Peers: pginit against the old tools' own rules (issue 9). test_90N: the
# differential harness (tests/differential/harness.sh) on each set of
# tests/data/formats; test_95N: the real dbmate binary, both ways.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"
# shellcheck source=tests/differential/harness.sh
. "$ROOT/tests/differential/harness.sh"

test_901_peer_golang_migrate() { differential golang-migrate golang-migrate; }
test_902_peer_dbmate() { differential dbmate dbmate; }
test_903_peer_goose() { differential goose goose; }
test_904_peer_flyway() { PEER_PLACEHOLDERS=app_role=app_user differential flyway flyway; }

# The harness itself: a difference is found and fails an unlisted set, a listed
# set that diverges passes (XFAIL), a listed set that matches fails.
test_900_peer_harness_verdicts() {
	export PEER_EXTRA_SQL="create table blog.not_from_a_migration (id int)"
	if (differential golang-migrate golang-migrate) >"$TDIR/v1" 2>&1; then
		cat "$TDIR/v1"; fail "an extra table on the reference side was not noticed"
	fi
	assert_contains "-CREATE TABLE blog.not_from_a_migration" "$TDIR/v1" "the diff is shown"
	q postgres "drop database app" >/dev/null; q postgres "drop database peer" >/dev/null
	printf 'golang-migrate  the self-test - issue 9 item 0\n' >"$TDIR/known"
	DIFF_KNOWN=$TDIR/known differential golang-migrate golang-migrate >"$TDIR/v2" 2>&1 || { cat "$TDIR/v2"; fail "listed divergence failed"; }
	assert_contains "XFAIL golang-migrate: the self-test - issue 9 item 0" "$TDIR/v2" "XFAIL printed"
	q postgres "drop database app" >/dev/null; q postgres "drop database peer" >/dev/null
	unset PEER_EXTRA_SQL
	if (DIFF_KNOWN=$TDIR/known differential golang-migrate golang-migrate) >"$TDIR/v3" 2>&1; then
		cat "$TDIR/v3"; fail "a listed set that matches passed"
	fi
	assert_contains "remove it from tests/differential/known-divergences" "$TDIR/v3" "stale entry named"
}

# One set per shape of issue 9 (tests/data/formats/README.md, "Sets for the
# differential harness").
test_911_peer_golang_migrate_history_alter() { differential golang-migrate-history-alter golang-migrate; }
test_912_peer_golang_migrate_tx_blocks() { differential golang-migrate-tx-blocks golang-migrate; }
test_913_peer_golang_migrate_cic() { differential golang-migrate-cic golang-migrate; }
test_914_peer_dbmate_search_path() { differential dbmate-search-path dbmate; }
test_915_peer_dbmate_session_set() { differential dbmate-session-set dbmate; }
test_917_peer_goose_mixed() { differential goose-mixed goose; }
test_918_peer_flyway_mixed() { differential flyway-mixed flyway; }

# A pg_dump (plain, with owners and COPY data) of a database built here, applied
# as two migrations: pre-data, then data + post-data.
pg_dump_set() { # DIR: the two migrations, as pg_dump writes them
	local dir=$1
	mkdir -p "$dir"
	q postgres "create database legacy" >/dev/null
	sql -d legacy -f "$FORMATS/pg_dump/source.sql" >/dev/null
	local dump=(env PGPASSWORD="$TEST_SUPERPASS" "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres -n billing legacy)
	"${dump[@]}" --section=pre-data >"$dir/0001_billing_schema.sql"
	"${dump[@]}" --section=data --section=post-data >"$dir/0002_billing_data.sql"
	grep -q 'OWNER TO postgres' "$dir/0001_billing_schema.sql" || fail "the dump has no owners"
	grep -q '^COPY billing.invoice' "$dir/0002_billing_data.sql" || fail "the dump has no COPY data"
}

test_916_peer_pg_dump() {
	pg_dump_set "$TDIR/pg_dump"
	differential pg_dump native "$TDIR/pg_dump"
}

# The same dump without the \restrict/\unrestrict lines that pg_dump writes since
# 17.6/16.10/15.14 (2025-08): what a dump made by an older pg_dump looks like.
test_919_peer_pg_dump_old() {
	pg_dump_set "$TDIR/pg_dump_old"
	sed -i -E '/^\\(un)?restrict /d' "$TDIR/pg_dump_old"/*.sql
	differential pg_dump_old native "$TDIR/pg_dump_old"
}
