#!/usr/bin/env bash
# Robustness (7xx): interrupted index builds, the dev credentials file, the
# app's environment, a server or resolver that stops answering, lock waits,
# killed runs, retries decided by SQLSTATE, and a kill -9 loop.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

# bg_timeout SECS CMD...: runs CMD, killing it after SECS (a hang is a failure, not a stuck suite).
bg_timeout() {
	local secs=$1
	shift
	set +e
	timeout -s KILL "$secs" "$@"
	RC=$?
	set -e
}

# ---- 8.5: an interrupted CREATE INDEX CONCURRENTLY

test_701_interrupted_cic_is_rebuilt() {
	copy_migrations
	cat >"$TDIR/migrations/0100_codes.sql" <<'SQL'
CREATE TABLE public.codes (code int);
INSERT INTO public.codes VALUES (1), (2), (2);
SQL
	cat >"$TDIR/migrations/0101_codes_unique.sql" <<'SQL'
-- pginit:no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS codes_code_uq ON public.codes (code);
SQL
	run_pginit run
	expect_rc 8
	# the failed build left an invalid index behind: the situation to recover from
	assert_eq f "$(q app "select indisvalid from pg_index where indexrelid = 'public.codes_code_uq'::regclass")" "invalid index left"
	q app "delete from public.codes where ctid = (select max(ctid) from public.codes where code = 2)"
	run_pginit run
	expect_rc 0
	assert_eq t "$(q app "select indisvalid from pg_index where indexrelid = 'public.codes_code_uq'::regclass")" "index rebuilt valid"
	assert_contains "dropping invalid index public.codes_code_uq" "$TDIR/out" "it says what it drops"
	# and it enforces what it promises
	if q app "insert into public.codes values (1)" 2>/dev/null; then fail "unique index does not enforce"; fi
	assert_eq "t" "$(q app "select success from pginit.schema_migrations where version = '101' order by id desc limit 1")" "recorded applied"
}

# ---- 8.6: the dev credentials file

test_702_credfile_symlink_refused() {
	unset APP_DB_PASSWORD
	echo "APP_DB_PASSWORD=attacker-chosen-password" >"$TDIR/elsewhere"
	ln -s "$TDIR/elsewhere" "$TDIR/credentials"
	run_pginit -p dev run
	expect_rc 4
	assert_contains "credentials file $TDIR/credentials: it is a symbolic link" "$TDIR/out" "refused"
	assert_contains "hint:" "$TDIR/out" "with a hint"
	assert_eq 0 "$(q postgres "select count(*) from pg_roles where rolname = 'app_user'")" "nothing done"
}

test_703_credfile_of_another_user_refused() {
	unset APP_DB_PASSWORD
	[ "$(id -u)" -eq 0 ] || { echo "skip: needs root to chown"; return 0; }
	echo "APP_DB_PASSWORD=attacker-chosen-password" >"$TDIR/credentials"
	chmod 600 "$TDIR/credentials"
	chown nobody "$TDIR/credentials"
	run_pginit -p dev run
	expect_rc 4
	assert_contains "belongs to uid $(id -u nobody)" "$TDIR/out" "refused"
	assert_eq 0 "$(q postgres "select count(*) from pg_roles where rolname = 'app_user'")" "nothing done"
	# a hard link to another file is refused too
	rm -f "$TDIR/credentials"
	echo "APP_DB_PASSWORD=attacker-chosen-password" >"$TDIR/other"
	ln "$TDIR/other" "$TDIR/credentials"
	run_pginit -p dev run
	expect_rc 4
	assert_contains "hard links" "$TDIR/out" "hard link refused"
}

test_704_credfile_mode_fixed_other_lines_kept() {
	unset APP_DB_PASSWORD
	printf '# my settings\nFOO=bar\nDATABASE_URL=postgresql://mine@h/db\nAPP_DB_PASSWORD=\nLAST=1' >"$TDIR/credentials"
	chmod 644 "$TDIR/credentials"
	run_pginit -p dev run
	expect_rc 0
	assert_contains "had mode 0644; changed it to 0600" "$TDIR/out" "warned"
	assert_eq 600 "$(stat -c %a "$TDIR/credentials")" "mode narrowed"
	assert_eq "# my settings|FOO=bar|DATABASE_URL=postgresql://mine@h/db|LAST=1" \
		"$(grep -v '^APP_DB_PASSWORD=' "$TDIR/credentials" | paste -sd '|')" "other lines kept, in order"
	assert_eq 1 "$(grep -c '^APP_DB_PASSWORD=' "$TDIR/credentials")" "one password line"
	local pw
	pw=$(sed -n 's/^APP_DB_PASSWORD=//p' "$TDIR/credentials")
	[ ${#pw} -ge 32 ] || fail "password line not filled (${#pw})"
	APP_PW=$pw as_app -c "select 1" >/dev/null
	assert_not_contains "$pw" "$TDIR/out" "password not logged"
}

test_705_credfile_concurrent_generation() {
	unset APP_DB_PASSWORD
	local i pids=() rcs=""
	for i in $(seq 1 16); do
		"$PGINIT_BIN" -p dev run >"$TDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	wait_all "${pids[@]}"
	rcs="$rcs$RCS"
	cat "$TDIR"/out.* >"$TDIR/out"
	[ "$rcs" = 0000000000000000 ] || grep -h "error\|hint" "$TDIR/out" | sort | uniq -c >&2
	assert_eq 0000000000000000 "$rcs" "all sixteen exit 0"
	assert_eq 1 "$(grep -c '^APP_DB_PASSWORD=' "$TDIR/credentials")" "one password line"
	assert_eq 1 "$(grep -c 'generated a password' "$TDIR/out")" "generated once"
	local pw
	pw=$(sed -n 's/^APP_DB_PASSWORD=//p' "$TDIR/credentials")
	APP_PW=$pw as_app -c "select 1" >/dev/null
}

# ---- 8.7: what the app inherits

test_706_exec_env_has_no_admin_credentials() {
	local ro=ro_secret_value-1234
	PGPASSFILE=$TDIR/pgpass PGUSER=postgres PGINIT_SOMETHING=x READONLY_PW=$ro PGINIT_READONLY_SECRET=readonly_pw \
		KEEP_ME=yes run_pginit -q run --exec -- env
	expect_rc 0
	local v
	for v in POSTGRES_PASSWORD PGPASSWORD PGPASSFILE PGUSER PGINIT_CONFIG PGINIT_SOMETHING READONLY_PW; do
		if grep -q "^$v=" "$TDIR/out"; then fail "$v reached the app"; fi
	done
	assert_not_contains "$TEST_SUPERPASS" "$TDIR/out" "admin password not in the app's environment"
	assert_not_contains "$ro" "$TDIR/out" "readonly secret not in the app's environment"
	assert_contains "APP_DB_PASSWORD=$APP_DB_PASSWORD" "$TDIR/out" "the app's own secret kept"
	assert_contains "KEEP_ME=yes" "$TDIR/out" "the rest kept"
	assert_contains "PGHOST=127.0.0.1" "$TDIR/out" "server address kept"
	# the file form of the admin secret too
	printf '%s\n' "$TEST_SUPERPASS" >"$TDIR/adminpw"
	env -u POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE=$TDIR/adminpw "$PGINIT_BIN" -q run --exec -- env >"$TDIR/out" 2>&1
	if grep -q "^POSTGRES_PASSWORD_FILE=" "$TDIR/out"; then fail "POSTGRES_PASSWORD_FILE reached the app"; fi
}

# ---- 8.9: a server or resolver that stops answering

test_707_stopped_backend_sigterm_exits() {
	copy_migrations
	run_pginit run
	expect_rc 0
	cat >"$TDIR/migrations/0100_stall.sql" <<'SQL'
CREATE TABLE public.stall_half (id int);
SELECT pg_sleep(60);
SQL
	local sig
	for sig in once twice; do
		"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
		local pid=$! bpid
		bpid=$(backend_of "pg_sleep(60)") || fail "migration did not start"
		kill -STOP "$bpid"
		kill -TERM "$pid"
		[ $sig = twice ] && { sleep 0.5; kill -TERM "$pid"; }
		# it must end by itself: a stuck process is killed by the test after 20 s
		local i
		for i in $(seq 1 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid"
			kill -CONT "$bpid"
			fail "pginit still running 20 s after SIGTERM with a stopped backend ($sig)"
		fi
		wait_rc "$pid"
		kill -CONT "$bpid"
		q postgres "select pg_terminate_backend($bpid)" >/dev/null
		expect_rc 143
		assert_eq 0 "$(q postgres "select count(*) from pg_locks where locktype = 'advisory'")" "lock released ($sig)"
	done
	# after the stopped session is gone, the next run finishes the work
	sed -i 's/pg_sleep(60)/pg_sleep(0)/' "$TDIR/migrations/0100_stall.sql"
	run_pginit run
	expect_rc 0
	assert_eq stall_half "$(q app "select to_regclass('public.stall_half')")" "applied on the next run"
}

# resolver_stall DIR: a resolv.conf pointing at a UDP server that never answers; its pid in $STALL_PID.
# Its address follows the test's own port, so two suites running at once (make test runs the
# glibc and static suites together) never share it.
resolver_stall() {
	local addr="127.0.$((PGPORT_TEST % 250 + 1)).53"
	STALL_ADDR=$addr python3 -c '
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((os.environ["STALL_ADDR"], 53))
print("ready", flush=True)
while True:
    s.recvfrom(512)  # read and never answer
' >"$1/stall.log" 2>&1 &
	STALL_PID=$!
	# the test runs in a subshell: stop the server however it ends
	trap 'kill $STALL_PID 2>/dev/null' EXIT
	local i
	for i in $(seq 1 50); do grep -q ready "$1/stall.log" && break; sleep 0.1; done
	grep -q ready "$1/stall.log" || { cat "$1/stall.log" >&2; fail "the silent resolver did not start"; }
	printf 'nameserver %s\noptions timeout:30 attempts:1\n' "$addr" >"$1/resolv.conf"
}

test_708_stalled_resolver_bounded() {
	if ! unshare -m true 2>/dev/null; then
		echo "skip: no mount namespaces here (unshare -m); the resolver stall is not tested"
		return 0
	fi
	resolver_stall "$TDIR"
	# a host name only DNS can answer: bind a resolv.conf of our own in a private mount namespace
	local host=db.pginit-stall.test
	bg_timeout 25 unshare -m sh -c "mount --bind '$TDIR/resolv.conf' /etc/resolv.conf &&
		PGHOST=$host PGINIT_WAIT_TIMEOUT=3 exec '$PGINIT_BIN' wait" >"$TDIR/out" 2>&1
	expect_rc 5
	assert_contains "not ready after 3000 ms" "$TDIR/out" "wait timeout, not a resolver hang"
	# SIGTERM during the lookup ends it promptly with 143
	unshare -m sh -c "mount --bind '$TDIR/resolv.conf' /etc/resolv.conf &&
		PGHOST=$host PGINIT_WAIT_TIMEOUT=60 exec '$PGINIT_BIN' wait" >"$TDIR/out" 2>&1 &
	local pid=$! i
	sleep 1
	kill -TERM $pid
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then kill -KILL $pid; fail "still waiting 10 s after SIGTERM"; fi
	wait_rc $pid
	expect_rc 143
}

# ---- 8.10: pginit's own statements and lock waits

test_709_lock_timeout_names_blocker() {
	run_pginit run
	expect_rc 0
	# a session idle in a transaction that wrote to the ledger: no longer in the way
	(echo "BEGIN; DELETE FROM pginit.schema_migrations WHERE false;"; sleep 20) |
		PGAPPNAME=writer_app sql -d app &
	local writer=$!
	sleep 1
	PGINIT_MIGRATION_LOCK_TIMEOUT=2s bg_timeout 20 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	expect_rc 0
	kill $writer 2>/dev/null || true
	q postgres "select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'writer_app'" >/dev/null
	# one that locked pginit's table: the run stops after lock_timeout and names it
	(echo "BEGIN; LOCK TABLE pginit.schema_migrations IN ACCESS EXCLUSIVE MODE;"; sleep 30) |
		PGAPPNAME=blocker_app sql -d app &
	local blocker=$!
	local bpid="" i
	for i in $(seq 1 50); do
		bpid=$(q postgres "select pid from pg_stat_activity where application_name = 'blocker_app' and state = 'idle in transaction'")
		[ -n "$bpid" ] && break
		sleep 0.1
	done
	[ -n "$bpid" ] || fail "blocker did not start"
	PGINIT_MIGRATION_LOCK_TIMEOUT=2s bg_timeout 20 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	kill $blocker 2>/dev/null || true
	q postgres "select pg_terminate_backend($bpid)" >/dev/null
	[ "$RC" != 137 ] || fail "pginit waited for the lock past 20 s"
	expect_rc 8
	assert_contains "lock timeout" "$TDIR/out" "the lock timeout is the error"
	assert_contains "blocked by pid $bpid (application_name \"blocker_app\", state \"idle in transaction\" since" "$TDIR/out" "blocker named"
	assert_contains "hint:" "$TDIR/out" "with a hint"
}

# hold_session APP SQL: a psql session (application_name APP) that ran SQL and
# stays idle in its transaction until release_session APP commits and quits
# (by its input: every later child inherits the pipe, so EOF would not come).
hold_session() {
	local app=$1 fd i
	mkfifo "$TDIR/$app.in"
	PGAPPNAME=$app sql -d app <"$TDIR/$app.in" >/dev/null &
	printf -v "HOLD_JOB_$app" %s $!
	exec {fd}>"$TDIR/$app.in"
	printf -v "HOLD_FD_$app" %s "$fd"
	echo "$2" >&"$fd"
	for i in $(seq 1 50); do
		[ -n "$(q postgres "select pid from pg_stat_activity where application_name = '$app' and state = 'idle in transaction'")" ] && return 0
		sleep 0.1
	done
	fail "session $app did not start"
}

release_session() { # APP
	local fdvar=HOLD_FD_$1 jobvar=HOLD_JOB_$1
	local fd=${!fdvar}
	printf 'COMMIT;\n\\q\n' >&"$fd"
	exec {fd}>&-
	wait "${!jobvar}" 2>/dev/null || true
	rm -f "$TDIR/$1.in"
}

# After a migration file (outside a transaction, or any file: each starts from
# a reset session) the files that follow still run with the configured
# lock_timeout: a seed file blocked by another session stops with exit 9,
# it does not wait for ever.
test_714_lock_timeout_kept_after_no_transaction_file() {
	mkdir -p "$TDIR/mig" "$TDIR/seeds/lk"
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS_DIR=$TDIR/seeds PGINIT_SEEDS=''
	export PGINIT_SCHEMAS=public PGINIT_EXTENSIONS='' PGINIT_MIGRATION_LOCK_TIMEOUT=1s
	printf 'CREATE TABLE public.target (id int);\n' >"$TDIR/mig/0001_target.sql"
	run_pginit run
	expect_rc 0
	hold_session locker_app "BEGIN; LOCK TABLE public.target IN ACCESS EXCLUSIVE MODE;"
	printf -- '-- pginit:no-transaction\nCREATE TABLE public.other (id int);\n' >"$TDIR/mig/0002_no_tx.sql"
	printf 'INSERT INTO public.target VALUES (1);\n' >"$TDIR/seeds/lk/001_target.sql"
	PGINIT_SEEDS=lk bg_timeout 30 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	[ "$RC" != 137 ] || { release_session locker_app; fail "the seed after a no-transaction file waited for the lock past 30 s"; }
	expect_rc 9 || { release_session locker_app; return 1; }
	assert_contains "seeds/lk/001_target.sql:1:13: canceling statement due to lock timeout [55P03]" "$TDIR/out" "the seed file named"
	# the last file in a transaction: its reset session keeps the setting too
	printf 'CREATE TABLE public.third (id int);\n' >"$TDIR/mig/0003_in_tx.sql"
	PGINIT_SEEDS=lk bg_timeout 30 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	[ "$RC" != 137 ] || { release_session locker_app; fail "the seed after a migration waited for the lock past 30 s"; }
	expect_rc 9 || { release_session locker_app; return 1; }
	assert_contains "seeds/lk/001_target.sql:1:13: canceling statement due to lock timeout [55P03]" "$TDIR/out" "the seed file named again"
	release_session locker_app
	PGINIT_SEEDS=lk run_pginit run
	expect_rc 0
	assert_eq 1 "$(q app "select count(*) from public.target")" "the seed applied once the lock is gone"
}

# An invalid index is not always a left-over: while another session's CREATE
# INDEX CONCURRENTLY waits (here for a writer's transaction) its index is
# invalid too. pginit must not drop it; it names the build and runs nothing.
test_715_concurrent_cic_not_dropped() {
	mkdir -p "$TDIR/mig"
	export PGINIT_MIGRATIONS_DIR=$TDIR/mig PGINIT_SEEDS='' PGINIT_SCHEMAS=public PGINIT_EXTENSIONS=''
	export PGINIT_MIGRATION_LOCK_TIMEOUT=3s
	printf 'CREATE TABLE public.codes (code int);\nINSERT INTO public.codes VALUES (1), (2);\n' >"$TDIR/mig/0001_codes.sql"
	run_pginit run
	expect_rc 0
	# a writer's open transaction holds the other session's CIC in its first wait
	hold_session writer_app "BEGIN; INSERT INTO public.codes VALUES (3);"
	PGAPPNAME=builder_app sql -d app -c "CREATE INDEX CONCURRENTLY codes_code_idx ON public.codes (code)" \
		>"$TDIR/builder.out" 2>&1 &
	local builder=$! bpid="" i oid
	for i in $(seq 1 100); do
		bpid=$(q app "select p.pid from pg_stat_progress_create_index p join pg_index i on i.indexrelid = p.index_relid
			where i.indexrelid = to_regclass('public.codes_code_idx') and not i.indisvalid")
		[ -n "$bpid" ] && break
		sleep 0.1
	done
	[ -n "$bpid" ] || { release_session writer_app; fail "the concurrent build did not start"; }
	oid=$(q app "select 'public.codes_code_idx'::regclass::oid")
	printf -- '-- pginit:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS codes_code_idx ON public.codes (code);\n' \
		>"$TDIR/mig/0002_codes_idx.sql"
	bg_timeout 30 "$PGINIT_BIN" run >"$TDIR/out" 2>&1
	[ "$RC" != 137 ] || { release_session writer_app; fail "pginit waited past 30 s"; }
	expect_rc 8 || { release_session writer_app; return 1; }
	assert_not_contains "dropping invalid index" "$TDIR/out" "the build in progress is not dropped"
	assert_contains "0002_codes_idx.sql: index public.codes_code_idx is being built by another session (pid $bpid): not dropping it" \
		"$TDIR/out" "the build named"
	assert_contains "hint: a CREATE INDEX CONCURRENTLY" "$TDIR/out" "with a hint"
	assert_eq "$oid" "$(q app "select 'public.codes_code_idx'::regclass::oid")" "the index being built is still there"
	# the writer commits: the other session's build finishes, and the file then finds it valid
	release_session writer_app
	wait_rc "$builder"
	[ "$RC" = 0 ] || { cat "$TDIR/builder.out" >&2; fail "the concurrent build failed"; }
	assert_eq t "$(q app "select indisvalid from pg_index where indexrelid = 'public.codes_code_idx'::regclass")" "built valid"
	run_pginit run
	expect_rc 0
	assert_not_contains "dropping invalid index" "$TDIR/out" "nothing dropped"
	assert_eq "$oid" "$(q app "select 'public.codes_code_idx'::regclass::oid")" "the other session's index kept"
}

# ---- 8.11: killed runs

test_710_killed_run_is_abandoned() {
	copy_migrations
	run_pginit run
	expect_rc 0
	printf 'CREATE TABLE public.slow (id int);\nSELECT pg_sleep(1);\n' >"$TDIR/migrations/0100_slow.sql"
	kill9_during "pg_sleep(1)"
	assert_eq running "$(q app "select status from pginit.init_log order by id desc limit 1")" "row left running"
	run_pginit status --check
	expect_rc 11
	assert_contains "was abandoned during step migrate" "$TDIR/out" "status --check names it"
	run_pginit run
	expect_rc 0
	assert_contains "was abandoned during step migrate" "$TDIR/out" "the next run says so"
	assert_match "^abandoned\|abandoned: its session ended during step migrate" \
		"$(q app "select status || '|' || error from pginit.init_log order by id desc offset 1 limit 1")" "marked abandoned"
	run_pginit status
	expect_rc 0
	assert_contains "abandoned" "$TDIR/out" "status shows it"
	run_pginit status --check
	expect_rc 0
	# a failed newest run fails the check too
	printf 'SELECT 1/0;\n' >"$TDIR/migrations/0101_bad.sql"
	run_pginit run
	expect_rc 8
	rm "$TDIR/migrations/0101_bad.sql"
	run_pginit status --check
	expect_rc 11
}

test_713_older_ledger_upgraded() {
	run_pginit run
	expect_rc 0
	# the ledger as pginit 0.1.0 (df1b406) made it, with a run killed back then
	q app "alter table pginit.init_log drop column backend_pid, drop column backend_start, drop column step,
		drop constraint init_log_status_check, add constraint init_log_status_check check (status in ('running', 'success', 'failed'))"
	q app "insert into pginit.init_log (started_at, status, profile, command, pginit_version) values (now(), 'running', 'dev', 'run', '0.0.9')"
	q app "comment on schema pginit is null"
	run_pginit run
	expect_rc 0
	assert_eq "abandoned|start" "$(q app "select status || '|' || coalesce(substring(error from 'during step ([a-z:]+)'), '') from pginit.init_log where pginit_version = '0.0.9'")" "legacy running row abandoned"
	assert_eq 1 "$(q app "select count(*) from pginit.init_log where backend_pid is not null and status = 'success'")" "new runs record their session"
	run_pginit status --check
	expect_rc 0
}

# ---- 8.13: retry decisions by SQLSTATE, whatever the server's language

test_711_retry_by_sqlstate_in_german() {
	local lang=C
	if locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then lang=de_DE.UTF-8; else
		echo "note: no de_DE.UTF-8 locale: the server speaks English (scripts/install-deps.sh installs it)"; fi
	pg_stop
	cat >>"$PGDATA_TEST/postgresql.conf" <<CONF
lc_messages = '$lang'
max_connections = 3
superuser_reserved_connections = 0
CONF
	pg_start
	# every slot taken for a few seconds: "too many connections" (53300) is worth waiting for
	local i fillers=()
	for i in 1 2 3; do
		sql -d postgres -c "select pg_sleep(4)" >/dev/null 2>&1 &
		fillers+=($!)
	done
	# until the slots are full (a connection is refused)
	for i in $(seq 1 50); do
		sql -d postgres -c "select 1" >/dev/null 2>&1 || break
		sleep 0.1
	done
	PGINIT_WAIT_TIMEOUT=30 run_pginit wait
	for i in "${fillers[@]}"; do wait "$i" || true; done
	expect_rc 0
	# a wrong password (28P01) fails at once, with the password hint, in German too
	POSTGRES_PASSWORD=wrong run_pginit wait
	expect_rc 6
	assert_contains "[28P01]" "$TDIR/out" "SQLSTATE shown"
	assert_contains "hint: check POSTGRES_PASSWORD" "$TDIR/out" "password hint chosen by SQLSTATE"
	[ $lang = C ] || assert_contains "Passwort-Authentifizierung" "$TDIR/out" "the server did speak German"
}

# ---- the kill -9 loop: a run killed at a random point converges on the next one

robust_schema_dump() {
	PGPASSWORD=$TEST_SUPERPASS "$PG_BINDIR/pg_dump" -h 127.0.0.1 -p "$PGPORT_TEST" -U postgres --schema-only app |
		grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' -e '^$'
}

test_712_kill9_loop() {
	local rounds=${PGINIT_KILL_ROUNDS:-20} k t0 run_ms delay pid abandoned=0 i
	copy_migrations
	# one file outside a transaction with a concurrent index build, so kills land in one too
	printf -- '-- pginit:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS events_title_idx ON public.events (title);\n' \
		>"$TDIR/migrations/0100_title_idx.sql"
	t0=$(date +%s%N)
	run_pginit run
	expect_rc 0
	run_ms=$(elapsed_ms "$t0")
	robust_schema_dump >"$TDIR/ref.sql"
	local files
	files=$(n_migration_files)
	for k in $(seq 1 "$rounds"); do
		q postgres "drop database app with (force)"
		delay=$((RANDOM % (run_ms * 9 / 10 + 1)))
		"$PGINIT_BIN" run >"$TDIR/out.killed" 2>&1 &
		pid=$!
		sleep "$(printf '0.%03d' "$delay")" 2>/dev/null || sleep "$((delay / 1000))"
		kill -KILL $pid 2>/dev/null || true
		wait_rc $pid
		# the killed run's sessions end once their current statement does
		for i in $(seq 1 100); do
			[ "$(q postgres "select count(*) from pg_stat_activity where application_name like 'pginit%'")" = 0 ] && break
			sleep 0.1
		done
		assert_eq 0 "$(q postgres "select count(*) from pg_locks where locktype = 'advisory'")" "round $k (kill at $delay ms): lock released"
		run_pginit run
		expect_rc 0 || fail "round $k (kill at $delay ms): rerun failed"
		robust_schema_dump >"$TDIR/now.sql"
		if ! diff -u "$TDIR/ref.sql" "$TDIR/now.sql" >"$TDIR/diff"; then
			head -n 30 "$TDIR/diff" >&2
			fail "round $k (kill at $delay ms): schema differs from a clean run"
		fi
		assert_eq "$files|$files|0" "$(q app "select count(*) filter (where success), count(distinct version), count(*) filter (where not success) from pginit.schema_migrations")" \
			"round $k: each migration applied once, no failed or partial row"
		assert_eq 0 "$(q app "select count(*) from pg_index where not indisvalid")" "round $k: no invalid index"
		assert_eq "success|0" "$(q app "select (select status from pginit.init_log order by id desc limit 1), count(*) filter (where status not in ('success', 'abandoned')) from pginit.init_log")" \
			"round $k: the rerun succeeded and the killed run is not left running"
		abandoned=$((abandoned + $(q app "select count(*) from pginit.init_log where status = 'abandoned'")))
	done
	echo "kill -9 loop: $rounds rounds, run $run_ms ms, $abandoned killed runs marked abandoned"
	[ "$abandoned" -ge 1 ] || fail "no killed run was ever marked abandoned"
}
