#!/usr/bin/env bash
# Runtime behaviour: waiting for the server, authentication, secrets,
# concurrency, secrecy, signals.
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

test_401_server_starts_late() {
	pg_stop
	local t0
	t0=$(date +%s%N)
	PGINIT_WAIT_TIMEOUT=20 "$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$!
	sleep 3
	pg_start
	wait_rc $pid
	expect_rc 0
	[ "$(elapsed_ms "$t0")" -ge 3000 ] || fail "finished before the server existed"
	assert_contains "waiting for server" "$TDIR/out" "progress while waiting"
	assert_eq 5 "$(q app "select count(*) from auth.users")" "seeded after the wait"
}

test_402_server_never_starts() {
	pg_stop
	local t0 ms
	t0=$(date +%s%N)
	PGINIT_WAIT_TIMEOUT=2 run_pginit run
	ms=$(elapsed_ms "$t0")
	expect_rc 5
	if [ "$ms" -lt 2000 ] || [ "$ms" -ge 3000 ]; then fail "exit after $ms ms, expected 2000..3000"; fi
	assert_contains "not ready after 2000 ms" "$TDIR/out" "timeout message"
	# bad connection parameters are not waited on
	t0=$(date +%s%N)
	PGINIT_WAIT_TIMEOUT=10 PGINIT_SSLMODE=bogus run_pginit run
	expect_rc 3
	[ "$(elapsed_ms "$t0")" -lt 1000 ] || fail "invalid parameters were retried"
}

test_403_wrong_admin_password() {
	local t0 ms
	t0=$(date +%s%N)
	POSTGRES_PASSWORD=not-the-password PGINIT_WAIT_TIMEOUT=30 run_pginit run
	ms=$(elapsed_ms "$t0")
	expect_rc 6
	[ "$ms" -lt 2000 ] || fail "wrong password took $ms ms"
	assert_contains "password authentication failed" "$TDIR/out" "reason"
	assert_contains "hint: check POSTGRES_PASSWORD" "$TDIR/out" "hint"
	assert_not_contains "not-the-password" "$TDIR/out" "password not echoed"
}

test_404_secrets() {
	# _FILE forms for both passwords
	unset APP_DB_PASSWORD POSTGRES_PASSWORD
	printf '%s\n' "$TEST_SUPERPASS" >"$TDIR/superpass"
	printf 'from-a-File-123\r\n' >"$TDIR/apppass"
	POSTGRES_PASSWORD_FILE=$TDIR/superpass APP_DB_PASSWORD_FILE=$TDIR/apppass run_pginit run
	expect_rc 0
	APP_PW=from-a-File-123 as_app -c "select 1" >/dev/null
	# both forms set
	POSTGRES_PASSWORD=$TEST_SUPERPASS POSTGRES_PASSWORD_FILE=$TDIR/superpass run_pginit run
	expect_rc 4
	assert_contains "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set" "$TDIR/out" "admin both"
	POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD=x APP_DB_PASSWORD_FILE=$TDIR/apppass run_pginit run
	expect_rc 4
	# unreadable and empty secret files
	POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD_FILE=$TDIR/nope run_pginit run
	expect_rc 4
	assert_contains "$TDIR/nope" "$TDIR/out" "file named"
	: >"$TDIR/empty"
	POSTGRES_PASSWORD=$TEST_SUPERPASS APP_DB_PASSWORD_FILE=$TDIR/empty run_pginit run
	expect_rc 4
	# prod without an app secret: refused before connecting
	PGINIT_DBNAME=app_prod POSTGRES_PASSWORD=$TEST_SUPERPASS run_pginit -p prod run
	expect_rc 4
	assert_contains "no password for role app_prod_user" "$TDIR/out" "prod needs the secret"
	assert_eq 0 "$(q postgres "select count(*) from pg_database where datname = 'app_prod'")" "nothing done"
	# dev without one: generated, 0600, and it logs in
	PGINIT_DBNAME=app_gen POSTGRES_PASSWORD=$TEST_SUPERPASS run_pginit -p dev run
	expect_rc 0
	assert_eq 600 "$(stat -c %a "$TDIR/credentials")" "credentials file mode"
	local pw
	pw=$(sed -n 's/^APP_DB_PASSWORD=//p' "$TDIR/credentials")
	[ ${#pw} -ge 32 ] || fail "generated password too short (${#pw})"
	assert_not_contains "$pw" "$TDIR/out" "generated password not logged"
	APP_PW=$pw APP_DB=app_gen as_app -c "select 1" >/dev/null
	# the next run reuses it instead of generating another
	PGINIT_DBNAME=app_gen POSTGRES_PASSWORD=$TEST_SUPERPASS run_pginit -p dev run
	expect_rc 0
	APP_PW=$pw APP_DB=app_gen as_app -c "select 1" >/dev/null
}

test_405_concurrent_runs() {
	local i pids=() rcs=""
	for i in 1 2 3 4 5 6 7 8; do
		"$PGINIT_BIN" run >"$TDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	wait_all "${pids[@]}"
	rcs="$rcs$RCS"
	assert_eq 00000000 "$rcs" "all eight exit 0"
	assert_eq "$(n_migration_files)|$(n_migration_files)" "$(q app "select count(*), count(distinct version) from pginit.schema_migrations")" "each migration once"
	assert_eq "4|4" "$(q app "select count(*), count(distinct (set_name, name)) from pginit.seed_history")" "each seed file once"
	assert_eq 5 "$(q app "select count(*) from auth.users")" "users once"
	assert_eq "8|8" "$(q app "select count(*), count(*) filter (where status = 'success') from pginit.init_log")" "eight runs recorded"
	cat "$TDIR"/out.* >"$TDIR/out"
	assert_contains "another pginit is working on database app" "$TDIR/out" "they did wait for the lock"
}

test_406_no_secret_leaks() {
	echo "log_statement = 'all'" >>"$PGDATA_TEST/postgresql.conf"
	pg_stop
	pg_start
	copy_migrations
	printf 'SELECT pg_sleep(1.5);\n' >"$TDIR/migrations/0100_slow.sql"
	"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$!
	sleep 1
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$TDIR/cmdline" || true
	wait $pid
	[ -s "$TDIR/cmdline" ] || fail "did not catch the process running"
	local log=$PGDATA_TEST/server.log
	assert_contains "ALTER ROLE" "$log" "statements are logged"
	local secret
	for secret in "$APP_DB_PASSWORD" "$TEST_SUPERPASS"; do
		assert_not_contains "$secret" "$log" "server log"
		assert_not_contains "$secret" "$TDIR/out" "pginit output"
		assert_not_contains "$secret" "$TDIR/cmdline" "process arguments"
	done
	# a rotated secret is set again, still only as a verifier
	APP_DB_PASSWORD=rotated-Secret-777 run_pginit run
	expect_rc 0
	assert_contains "updated the password of role app_user" "$TDIR/out" "rotation noticed"
	assert_not_contains "rotated-Secret-777" "$log" "rotated secret not in server log"
	APP_PW=rotated-Secret-777 as_app -c "select 1" >/dev/null
}

test_407_sigterm_rolls_back() {
	copy_migrations
	run_pginit run
	expect_rc 0
	cat >"$TDIR/migrations/0100_long.sql" <<'SQL'
CREATE TABLE public.long_half (id int);
SELECT pg_sleep(30);
SQL
	"$PGINIT_BIN" run >"$TDIR/out" 2>&1 &
	local pid=$! i
	for i in $(seq 1 100); do
		[ "$(q postgres "select count(*) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()")" = 1 ] && break
		sleep 0.1
	done
	local t0
	t0=$(date +%s%N)
	kill -TERM $pid
	wait_rc $pid
	expect_rc 143
	[ "$(elapsed_ms "$t0")" -lt 3000 ] || fail "took too long to stop"
	assert_eq "" "$(q app "select to_regclass('public.long_half')")" "the interrupted file left nothing"
	assert_eq 0 "$(q app "select count(*) from pginit.schema_migrations where version = '100'")" "no history row"
	assert_match "^failed\|interrupted by signal 15" "$(q app "select status || '|' || error from pginit.init_log order by id desc limit 1")" "run recorded failed"
	assert_eq 0 "$(q postgres "select count(*) from pg_locks where locktype = 'advisory'")" "lock released"
	assert_eq 0 "$(q postgres "select count(*) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()")" "query cancelled"
	sed -i 's/pg_sleep(30)/pg_sleep(0)/' "$TDIR/migrations/0100_long.sql"
	run_pginit run
	expect_rc 0
	assert_eq "long_half" "$(q app "select to_regclass('public.long_half')")" "next run applies it"
}

test_408_exec_entrypoint_mode() {
	# After a successful init pginit becomes the app: same PID, args passed through.
	run_pginit run --exec -- sh -c 'echo "app pid $$ args $0 $1"; exit 7' first second
	expect_rc 7
	assert_contains "app pid " "$TDIR/out" "the app ran"
	assert_contains "args first second" "$TDIR/out" "arguments passed"
	assert_eq 5 "$(q app "select count(*) from auth.users")" "init ran first"
	# exec keeps the PID: the app's $$ is the PID pginit was started with
	"$PGINIT_BIN" -q run --exec -- sh -c 'echo $$' >"$TDIR/out" 2>&1 &
	local pid=$!
	wait $pid
	assert_eq "$pid" "$(tail -n 1 "$TDIR/out")" "same PID"
	# a failed init never starts the app and exits with the init's code
	POSTGRES_PASSWORD=wrong run_pginit run --exec -- touch "$TDIR/app-started"
	expect_rc 6
	[ ! -e "$TDIR/app-started" ] || fail "app started after a failed init"
	# shell-like codes when the app cannot be run
	run_pginit -q run --exec -- /nonexistent/app
	expect_rc 127
	run_pginit run --exec
	expect_rc 2
	# a dry run starts nothing
	run_pginit run --dry-run --exec -- touch "$TDIR/app-started"
	expect_rc 0
	[ ! -e "$TDIR/app-started" ] || fail "app started after a dry run"
}

# make_ca DIR NAME: a CA key and certificate DIR/NAME.{key,crt}
make_ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$2" -keyout "$1/$2.key" -out "$1/$2.crt" 2>/dev/null
}

test_409_tls_verify_full() {
	local d=$TDIR/tls
	mkdir -p "$d"
	make_ca "$d" test-ca
	make_ca "$d" other-ca
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName = IP:127.0.0.1\n' >"$d/san.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/test-ca.crt" -CAkey "$d/test-ca.key" -CAcreateserial -days 2 \
		-extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null
	cp "$d/server.crt" "$d/server.key" "$PGDATA_TEST/"
	[ "$(id -u)" -eq 0 ] && chown "$PG_USER_OS" "$PGDATA_TEST/server.crt" "$PGDATA_TEST/server.key"
	chmod 600 "$PGDATA_TEST/server.key"
	printf "ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n" >>"$PGDATA_TEST/postgresql.conf"
	pg_stop
	pg_start
	PGINIT_SSLMODE=verify-full PGINIT_SSLROOTCERT=$d/test-ca.crt run_pginit run
	expect_rc 0
	# a CA that did not sign the server's certificate: refused at once, not waited on
	local t0
	t0=$(date +%s%N)
	PGINIT_SSLMODE=verify-full PGINIT_SSLROOTCERT=$d/other-ca.crt PGINIT_WAIT_TIMEOUT=20 run_pginit run
	expect_rc 6
	[ "$(elapsed_ms "$t0")" -lt 3000 ] || fail "a certificate error was retried"
	assert_contains "certificate verify failed" "$TDIR/out" "the reason"
	assert_contains "hint: check sslmode, sslrootcert" "$TDIR/out" "the fix"
}
