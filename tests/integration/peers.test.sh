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
