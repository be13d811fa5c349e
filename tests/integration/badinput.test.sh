#!/usr/bin/env bash
# Bad input, table-driven (issue 8): tests/integration/badinput.cases lists
# `case | input | expected exit | expected message`. Each test_5NN function
# runs the cases of one group against one cluster, initialised once by a good
# run; every case runs in its own copy of the project (pginit.conf,
# migrations, seeds, initdb.d) and must exit as listed, say the message, and
# leave the database exactly as it was (roles and their attributes and
# verifiers, superusers, catalog xmins, row counts of pginit's and the app's
# tables, the recorded runs).
#
# Input: actions joined by " && " (values take printf %b escapes: \n \0 \xHH):
#   env:VAR=VALUE     export VAR            unset:VAR      unset VAR
#   envbig:VAR=N      VAR = N times 'x'     set:KEY=VALUE  add -s KEY=VALUE
#   conf:TEXT         pginit.conf is TEXT   confsed:EXPR   sed -E EXPR on pginit.conf
#   file:PATH=TEXT    write PATH (in the case's directory)
#   big:PATH=N        PATH holds N bytes    rm:PATH        remove PATH
#   args:ARGS         the command line after the options (default: run)
#   cfg:PATH          -c PATH (default: the case's pginit.conf)
# shellcheck source=tests/integration/helpers.sh
. "$ROOT/tests/integration/helpers.sh"

BADINPUT_CASES=$ROOT/tests/integration/badinput.cases

# Everything a bad input must not change, as one text.
badinput_snapshot() {
	q postgres "select string_agg(rolname || ':' || rolsuper || rolcanlogin || rolcreaterole || rolcreatedb ||
	                  rolreplication || rolbypassrls || ':' || coalesce(md5(rolpassword), '-') || ':' || xmin::text, ',' order by rolname)
	            from pg_authid where rolname !~ '^pg_'" || return 1
	q postgres "select count(*) from pg_authid where rolsuper" || return 1
	q postgres "select string_agg(datname || ':' || xmin::text || ':' || coalesce(datacl::text, ''), ',' order by datname) from pg_database" || return 1
	q app "select string_agg(nspname || ':' || xmin::text || ':' || coalesce(nspacl::text, ''), ',' order by nspname)
	       from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema'" || return 1
	q app "select count(*) || ':' || md5(coalesce(string_agg(c.relname || c.relkind::text || c.xmin::text, ',' order by c.oid), ''))
	       from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname in ('public', 'auth', 'pginit')" || return 1
	q app "select (select count(*) from pginit.init_log) || ':' || (select count(*) from pginit.init_step) || ':' ||
	              (select count(*) from pginit.schema_migrations) || ':' || (select count(*) from pginit.seed_history)" || return 1
	q app "select (select count(*) from auth.users) || ':' || (select count(*) from public.events) || ':' ||
	              (select count(*) from public.vetting_statuses) || ':' || (select md5(string_agg(u::text, '' order by id)) from auth.users u)" || return 1
}

# A fresh copy of the project for one case, in $TDIR/case.
badinput_project() {
	rm -rf "$TDIR/case"
	mkdir -p "$TDIR/case"
	cp -a "$ROOT/pginit.conf" "$ROOT/migrations" "$ROOT/seeds" "$ROOT/initdb.d" "$TDIR/case/"
}

# Run one case in a subshell (its environment stays there); 0 if it passed.
badinput_case() { # name input exit message
	local name=$1 input=$2 want_rc=$3 want_msg=$4
	badinput_project
	(
		cd "$TDIR/case"
		unset PGINIT_MIGRATIONS_DIR PGINIT_SEEDS_DIR PGINIT_INITDB_DIR
		local cfg=$TDIR/case/pginit.conf action kind arg sets=() args=(run) k v
		local rest=$input
		while [ -n "$rest" ]; do
			action=${rest%% && *}
			if [ "$action" = "$rest" ]; then rest=""; else rest=${rest#* && }; fi
			kind=${action%%:*}
			arg=${action#*:}
			k=${arg%%=*}
			v=${arg#*=}
			case $kind in
			env) export "$k=$(printf '%b' "$v")" ;;
			unset) unset "$arg" ;;
			envbig) export "$k=$(head -c "$v" /dev/zero | tr '\0' x)" ;;
			set) sets+=(-s "$(printf '%b' "$arg")") ;;
			conf) printf '%b' "$arg" >"$TDIR/case/pginit.conf" ;;
			confsed) sed -E -i "$arg" "$TDIR/case/pginit.conf" ;;
			file) mkdir -p "$(dirname "$TDIR/case/$k")"; printf '%b' "$v" >"$TDIR/case/$k" ;;
			big) mkdir -p "$(dirname "$TDIR/case/$k")"; head -c "$v" /dev/zero | tr '\0' x >"$TDIR/case/$k" ;;
			rm) rm -rf "${TDIR:?}/case/$arg" ;;
			args) read -r -a args <<<"$arg" ;;
			cfg) cfg=$arg ;;
			*) echo "  bad action '$action' in case $name" >&2; exit 99 ;;
			esac
		done
		set +e
		timeout 60 "$PGINIT_BIN" -c "$cfg" "${sets[@]}" "${args[@]}" >"$TDIR/case.out" 2>&1
		echo $? >"$TDIR/case.rc"
	) || return 1
	local rc
	rc=$(cat "$TDIR/case.rc")
	if [ "$rc" != "$want_rc" ]; then
		echo "  FAIL $name: exit $rc, expected $want_rc" >&2
		sed 's/^/    | /' "$TDIR/case.out" | head -n 8 >&2
		return 1
	fi
	if [ -n "$want_msg" ] && ! grep -qF -- "$want_msg" "$TDIR/case.out"; then
		echo "  FAIL $name: output lacks '$want_msg'" >&2
		sed 's/^/    | /' "$TDIR/case.out" | head -n 8 >&2
		return 1
	fi
	# An error says what to do: every failure but a usage error carries a hint.
	if [ "$want_rc" != 0 ] && [ "$want_rc" != 2 ] && ! grep -q '^pginit: hint: ' "$TDIR/case.out"; then
		echo "  FAIL $name: no hint line" >&2
		sed 's/^/    | /' "$TDIR/case.out" | head -n 8 >&2
		return 1
	fi
	if grep -q 'input in flex scanner failed\|AddressSanitizer\|runtime error' "$TDIR/case.out"; then
		echo "  FAIL $name: crash or scanner message" >&2
		return 1
	fi
	return 0
}

# Run every case of a group ("config", "env", ...) against this cluster.
badinput_group() { # group
	local group=$1 before after n=0 bad=0 changed=0 name input rc msg
	run_pginit -p dev run
	expect_rc 0
	before=$(badinput_snapshot) || fail "snapshot"
	while IFS='|' read -r name input rc msg; do
		name=$(echo "$name" | sed 's/^ *//; s/ *$//')
		case $name in "" | \#*) continue ;; esac
		[ "${name%%.*}" = "$group" ] || continue
		input=$(echo "$input" | sed 's/^ *//; s/ *$//')
		rc=$(echo "$rc" | tr -d ' ')
		msg=$(echo "$msg" | sed 's/^ *//; s/ *$//')
		n=$((n + 1))
		local ok=1
		badinput_case "$name" "$input" "$rc" "$msg" || ok=0
		# The database is compared after every case, also one that failed above.
		after=$(badinput_snapshot) || fail "snapshot"
		if [ $ok -eq 0 ]; then
			bad=$((bad + 1))
		fi
		if [ "$after" != "$before" ]; then
			echo "  FAIL $name: the database changed" >&2
			diff <(echo "$before") <(echo "$after") | sed 's/^/    /' >&2
			[ $ok -eq 0 ] || bad=$((bad + 1))
			changed=$((changed + 1))
			before=$after
		fi
	done <"$BADINPUT_CASES"
	echo "badinput $group: $n cases, $bad failed, $changed changed the database"
	[ "$n" -gt 0 ] || fail "no cases in group $group"
	[ "$bad" -eq 0 ] || fail "$bad of $n $group cases failed"
}

test_501_badinput_config() { badinput_group config; }
test_502_badinput_env() { badinput_group env; }
test_503_badinput_files() { badinput_group files; }
test_504_badinput_names() { badinput_group names; }
test_505_badinput_cli() { badinput_group cli; }

# The data file has at least 120 cases, in the groups above only.
test_506_badinput_table() {
	local n
	n=$(grep -cE '^ *[a-z]+\.[a-z0-9_]+ *\|' "$BADINPUT_CASES")
	[ "$n" -ge 120 ] || fail "only $n bad-input cases"
	if grep -E '^ *[a-z]+\.' "$BADINPUT_CASES" | grep -vqE '^ *(config|env|files|names|cli)\.'; then
		fail "a case outside the groups"
	fi
	# names are unique
	[ -z "$(grep -oE '^ *[a-z]+\.[a-z0-9_]+' "$BADINPUT_CASES" | sort | uniq -d)" ] || fail "duplicate case names"
}

# The other side of the byte checks: a file that declares its encoding is
# converted by the server, and the next file is read as UTF-8 again.
test_507_declared_encoding_applies() {
	copy_migrations
	printf -- "-- pginit:encoding LATIN1\nCREATE TABLE public.enc (t text);\nINSERT INTO public.enc VALUES ('caf\xe9');\n" \
		>"$TDIR/migrations/0009_latin1.sql"
	printf -- "INSERT INTO public.enc VALUES ('caf\xc3\xa9 2');\n" >"$TDIR/migrations/0010_utf8.sql"
	run_pginit run
	expect_rc 0
	assert_eq "café|café 2" "$(q app "select string_agg(t, '|' order by t) from public.enc")" "both rows as UTF-8"
	# without the declaration the same bytes stop the run before anything
	printf -- "INSERT INTO public.enc VALUES ('caf\xe9 3');\n" >"$TDIR/migrations/0011_undeclared.sql"
	run_pginit run
	expect_rc 11
	assert_contains "0011_undeclared.sql:1:36: invalid UTF-8 (byte 0xE9)" "$TDIR/out" "file:line:col"
	assert_eq 2 "$(q app "select count(*) from public.enc")" "nothing applied"
}
