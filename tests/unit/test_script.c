/*
 * test_script — script_checksum, script_load (directives, a file's own
 * BEGIN/COMMIT, transaction control in the middle), script_list, that
 * every SQL file shipped with the project loads, script_pipelinable.
 * Data: tests/data/script/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "script.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/data/script/"

static void checksum_of(const char *text, size_t len, char out[65])
{
	memset(out, 'x', 65);
	script_checksum(text, len, out);
}

static void test_checksum(void)
{
	char a[65], b[65];

	/* Known SHA-256 values: the checksum is plain SHA-256 (hex) of the normalised text. */
	unit_case("sha256(\"abc\")");
	checksum_of("abc", 3, a);
	CHECK_STR_EQ(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	unit_case("sha256(\"\")");
	checksum_of("", 0, a);
	CHECK_STR_EQ(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	unit_case("length, not NUL, ends the text");
	checksum_of("abcdef", 3, b);
	CHECK_STR_EQ(b, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	/* Pairs of texts: same = the checksums must be equal (not drift), else they must differ. */
	static const struct { const char *x, *y; bool same; const char *why; } pairs[] = {
		{"SELECT 1;\r\nSELECT 2;\r\n", "SELECT 1;\nSELECT 2;\n", true, "CRLF is LF"},
		{"\xEF\xBB\xBFSELECT 1;\n", "SELECT 1;\n", true, "a leading BOM is dropped"},
		{"\xEF\xBB\xBFSELECT 1;\r\n", "SELECT 1;\n", true, "BOM and CRLF"},
		{"abc\r\n", "abc\n", true, "CRLF at the very end"},
		{"\xEF\xBB\xBF", "", true, "a BOM alone"},
		{"a\rb", "a\nb", false, "a lone CR is not a line end"},
		{"a\rb", "ab", false, "a lone CR is kept"},
		{"abc\r", "abc", false, "a CR at the end is kept"},
		{"a\xEF\xBB\xBF" "b", "ab", false, "a BOM in the middle is text"},
		{"\xEF\xBB\xBF\xEF\xBB\xBF" "a", "a", false, "only one BOM is dropped"},
		{"SELECT 1;\n", "SELECT 1; \n", false, "a blank"},
		{"SELECT 1;\n", "select 1;\n", false, "case"},
		{"SELECT 1;\n", "SELECT 1;", false, "the final newline"},
		{"SELECT 1;\n", "SELECT 1;\n\n", false, "an extra line"},
		{"SELECT 1; -- a\n", "SELECT 1; -- b\n", false, "a comment"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		unit_case("checksum: %s", pairs[i].why);
		checksum_of(pairs[i].x, strlen(pairs[i].x), a);
		checksum_of(pairs[i].y, strlen(pairs[i].y), b);
		CHECK_INT_EQ(strlen(a), 64);
		CHECK_INT_EQ(strspn(a, "0123456789abcdef"), 64);
		if (pairs[i].same)
			CHECK_STR_EQ(a, b);
		else
			CHECK(strcmp(a, b) != 0);
	}

	/* The same holds for files read by script_load (what the ledger records). */
	unit_case("script_load checksums of lf.sql, crlf.sql, bom.sql");
	struct script lf, crlf, bom;
	CHECK(script_load(DATA "lf.sql", NULL, &lf));
	CHECK(script_load(DATA "crlf.sql", NULL, &crlf));
	CHECK(script_load(DATA "bom.sql", NULL, &bom));
	CHECK_STR_EQ(lf.checksum, crlf.checksum);
	CHECK_STR_EQ(lf.checksum, bom.checksum);
	checksum_of(lf.text, lf.len, a);
	CHECK_STR_EQ(lf.checksum, a);
	/* the CRLF file's COPY data still ends at "\.\r" */
	if (CHECK_INT_EQ(crlf.sql.n, 2))
		CHECK_MEM_EQ(crlf.sql.stmts[1].copy_data, crlf.sql.stmts[1].copy_len, "1\r\n");
	script_free(&lf);
	script_free(&crlf);
	script_free(&bom);
}

static void test_load(void)
{
	/*
	 * file, loads, no_transaction, statements, [first, last), and for a
	 * failure the "file:line[:col]: message" start it must log; strict: under
	 * migrations_strict_transactions (no detection); why: the detected reason.
	 */
	static const struct {
		const char *file;
		bool ok, no_tx;
		int n, first, last;
		const char *log;
		bool strict;
		const char *why;
	} cases[] = {
		{"plain.sql", true, false, 2, 0, 2, NULL},
		{"no_transaction.sql", true, true, 1, 0, 1, NULL},
		{"no_transaction_spaced.sql", true, true, 1, 0, 1, NULL},
		{"no_transaction_crlf.sql", true, true, 1, 0, 1, NULL},
		{"no_transaction_bom.sql", true, true, 1, 0, 1, NULL},
		{"directive_after_statement.sql", true, false, 2, 0, 2, NULL},
		{"unknown_directive.sql", false, false, 0, 0, 0,
		 DATA "unknown_directive.sql:1: unknown directive '-- pginit:no-transactions'"},
		{"unknown_directive_line3.sql", false, false, 0, 0, 0,
		 DATA "unknown_directive_line3.sql:3: unknown directive '-- pginit:notx'"},
		{"wrapped.sql", true, false, 4, 1, 3, NULL},
		{"wrapped_start_end.sql", true, false, 3, 1, 2, NULL},
		{"wrapped_atomic.sql", true, false, 3, 1, 2, NULL},
		{"only_begin_commit.sql", true, false, 2, 1, 1, NULL},
		{"begin_atomic.sql", true, false, 2, 0, 2, NULL},
		{"mid_commit.sql", false, false, 0, 0, 0, DATA "mid_commit.sql:2:1: transaction control", true, NULL},
		{"mid_begin.sql", false, false, 0, 0, 0, DATA "mid_begin.sql:2:3: transaction control", true, NULL},
		{"mid_rollback.sql", false, false, 0, 0, 0, DATA "mid_rollback.sql:3:1: transaction control", true, NULL},
		{"begin_without_commit.sql", false, false, 0, 0, 0, DATA "begin_without_commit.sql:1:1: transaction control",
		 true, NULL},
		{"cic.sql", true, false, 1, 0, 1, NULL, true, NULL},
		/* the old tools' rule: run as written, outside a transaction, nothing dropped */
		{"mid_commit.sql", true, true, 3, 0, 3, NULL, false, "line 2: its own transaction control"},
		{"mid_begin.sql", true, true, 4, 0, 4, NULL, false, "line 2: its own transaction control"},
		{"mid_rollback.sql", true, true, 5, 0, 5, NULL, false, "line 3: its own transaction control"},
		{"begin_without_commit.sql", true, true, 2, 0, 2, NULL, false, "line 1: its own transaction control"},
		{"cic.sql", true, true, 1, 0, 1, NULL, false,
		 "line 2: CREATE UNIQUE INDEX CONCURRENTLY cannot run in a transaction block"},
		{"vacuum.sql", true, true, 2, 0, 2, NULL, false, "line 2: VACUUM cannot run in a transaction block"},
		{"unterminated.sql", false, false, 0, 0, 0, DATA "unterminated.sql:2:8: unterminated quoted string"},
		{"does_not_exist.sql", false, false, 0, 0, 0, "unable to read " DATA "does_not_exist.sql"},
		/* bytes (issue 8.2): libpq would cut the UPDATE at the NUL and run it without its WHERE */
		{"nul.sql", false, false, 0, 0, 0, DATA "nul.sql:1:26: a NUL byte in the file"},
		{"utf16.sql", false, false, 0, 0, 0, DATA "utf16.sql:1:4: a NUL byte in the file"},
		{"latin1_undeclared.sql", false, false, 0, 0, 0, DATA "latin1_undeclared.sql:2:12: invalid UTF-8 (byte 0xE9)"},
		{"surrogate.sql", false, false, 0, 0, 0, DATA "surrogate.sql:1:9: invalid UTF-8 (byte 0xED)"},
		{"overlong.sql", false, false, 0, 0, 0, DATA "overlong.sql:1:9: invalid UTF-8 (byte 0xC0)"},
		{"sjis.sql", false, false, 0, 0, 0, DATA "sjis.sql:1: unknown or unsupported encoding 'SJIS'"},
		{"utf8_ok.sql", true, false, 1, 0, 1, NULL},
		{"latin1.sql", true, false, 1, 0, 1, NULL},
		{"win1252.sql", true, true, 1, 0, 1, NULL},
		{"encoding_after.sql", true, false, 1, 0, 1, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = xasprintf(DATA "%s", cases[i].file);
		unit_case("script_load(%s)%s", path, cases[i].strict ? " strict" : "");
		struct script s;
		struct unit_capture cap;
		struct script_part part = {.len = (size_t)-1, .line = 1, .strict_transactions = cases[i].strict};
		unit_capture_begin(&cap);
		bool ok = script_load_part(path, &part, NULL, &s);
		char *log = unit_capture_end(&cap);
		CHECK_INT_EQ(ok, cases[i].ok);
		if (cases[i].ok) {
			CHECK_STR_EQ(log, "");
			CHECK_STR_EQ(s.path, path);
			CHECK_STR_EQ(s.name, cases[i].file);
			CHECK_INT_EQ(s.no_transaction, cases[i].no_tx);
			CHECK_INT_EQ(s.sql.n, cases[i].n);
			CHECK_INT_EQ(s.first, cases[i].first);
			CHECK_INT_EQ(s.last, cases[i].last);
			if (cases[i].why)
				CHECK_STR_EQ(s.no_tx_why ? s.no_tx_why : "(null)", cases[i].why);
			else
				CHECK(s.no_tx_why == NULL);
		} else {
			CHECK_CONTAINS(log, cases[i].log);
			CHECK_CONTAINS(log, "pginit: error: ");
		}
		free(log);
		script_free(&s);
		free(path);
	}
}

static void test_encoding(void)
{
	static const struct { const char *file, *encoding; } cases[] = {
		{"plain.sql", NULL}, {"utf8_ok.sql", NULL}, {"latin1.sql", "LATIN1"}, {"win1252.sql", "WIN1252"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *path = xasprintf(DATA "%s", cases[i].file);
		unit_case("encoding of %s", path);
		struct script s;
		if (CHECK(script_load(path, NULL, &s))) {
			if (cases[i].encoding)
				CHECK_STR_EQ(s.encoding, cases[i].encoding);
			else
				CHECK(s.encoding == NULL);
		}
		script_free(&s);
		free(path);
	}
	/* In memory: every byte value alone, and the hint. */
	unit_case("script_check_text: bytes 0x01-0x7F pass, 0x80-0xFF alone fail");
	struct unit_capture cap;
	for (int b = 1; b < 256; b++) {
		char c = (char)b;
		unit_capture_begin(&cap);
		bool ok = script_check_text("x.sql", &c, 1, NULL);
		free(unit_capture_end(&cap));
		CHECK_INT_EQ(ok, b < 0x80);
	}
	/* ASCII is skipped eight bytes at a time: a bad byte anywhere in or after those words is
	 * found at its own column, and a good sequence there passes. */
	for (int at = 0; at < 20; at++) {
		char t[25];
		memset(t, 'a', 24);
		t[24] = '\0';
		t[at] = '\xe9';
		unit_case("script_check_text: 0xE9 at byte %d of 24", at);
		char *want = xasprintf("x.sql:1:%d: invalid UTF-8 (byte 0xE9)", at + 1);
		unit_capture_begin(&cap);
		CHECK(!script_check_text("x.sql", t, 24, NULL));
		char *got = unit_capture_end(&cap);
		CHECK_CONTAINS(got, want);
		free(got);
		free(want);
		t[at + 1] = '\xa9'; /* C3 A9: é */
		t[at] = '\xc3';
		unit_capture_begin(&cap);
		CHECK(script_check_text("x.sql", t, 24, NULL));
		free(unit_capture_end(&cap));
		CHECK(script_check_text("x.sql", t, (size_t)at, NULL)); /* ASCII up to there, every length */
	}
	unit_case("script_check_text: the hint names the directive");
	unit_capture_begin(&cap);
	CHECK(!script_check_text("x.sql", "a\n\xe9", 3, NULL));
	char *log = unit_capture_end(&cap);
	CHECK_CONTAINS(log, "x.sql:2:1: invalid UTF-8");
	CHECK_CONTAINS(log, "hint: save the file as UTF-8, or declare its encoding");
	CHECK_CONTAINS(log, "-- pginit:encoding LATIN1");
	free(log);
	unit_case("script_check_text: a directive in a goose up section counts");
	const char *goose = "-- +goose Up\n-- pginit:encoding latin-1\nSELECT '\xe9';\n";
	const char *enc = NULL;
	CHECK(script_check_text("x.sql", goose, strlen(goose), &enc));
	CHECK_STR_EQ(enc, "LATIN1");
}

/* A part that starts at the very end of the file (a goose file ending in
 * "-- +goose Up\n"): nothing may be read past the file (ASan found this). */
static void test_part_at_end(void)
{
	unit_case("script_load_part at the end of the file");
	char path[] = "/tmp/pginit-unit-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "-- +goose Down\nDROP TABLE IF EXISTS t;\n-- x\n-- +goose Up\n";
	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	size_t len = strlen(text);
	struct script_part parts[] = {
		{.offset = len, .len = 0, .line = 5, .split_flags = SQLSPLIT_GOOSE},
		{.offset = len, .len = (size_t)-1, .line = 5},
		{.offset = len + 10, .len = 3, .line = 5},
		{.offset = len - 1, .len = 1, .line = 4},
	};
	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		struct script s;
		CHECK(script_load_part(path, &parts[i], NULL, &s));
		CHECK_INT_EQ(s.sql.n, 0);
		script_free(&s);
	}
	unlink(path);
}

static int by_path(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The listing's order is the whole path's (it is sorted past the shared directory prefix). */
static void check_name_order(const struct strlist *l, int want)
{
	char **sorted = xcalloc((size_t)l->n + 1, sizeof *sorted);
	memcpy(sorted, l->items, (size_t)l->n * sizeof *sorted);
	qsort(sorted, (size_t)l->n, sizeof *sorted, by_path);
	if (CHECK_INT_EQ(l->n, want))
		for (int i = 0; i < l->n; i++)
			if (!CHECK_STR_EQ(l->items[i], sorted[i]))
				break;
	free(sorted);
}

/* Names created in an order readdir keeps in part: "09" before "10", "a9" before "b0". */
static void test_list_order(void)
{
	char dir[] = "/tmp/pginit-unit-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	enum { N = 300 };
	for (int i = N - 1; i >= 0; i--) {
		char *f = xasprintf("%s/%c%02d_%d.sql", dir, 'a' + i % 7, i % 100, i);
		FILE *fp = fopen(f, "w");
		CHECK(fp != NULL);
		if (fp)
			fclose(fp);
		free(f);
	}
	struct strlist l = {0};
	unit_case("script_list: %d names in name order", N);
	CHECK(script_list(dir, &l, NULL));
	check_name_order(&l, N);
	strlist_free(&l);

	unit_case("script_list: a directory given with a trailing '/'");
	char *slash = xasprintf("%s/", dir);
	CHECK(script_list(slash, &l, NULL));
	check_name_order(&l, N);
	if (l.n)
		CHECK(strncmp(l.items[0], slash, strlen(slash)) == 0 && l.items[0][strlen(slash)] != '/');
	strlist_free(&l);

	unit_case("script_list: appended to a list that holds other paths, the whole list in order");
	strlist_add(&l, "/tmp/pginit-unit-0/zz.sql");
	CHECK(script_list(dir, &l, NULL));
	check_name_order(&l, N + 1);
	strlist_free(&l);
	unit_case("script_list: appended after a path that shares the directory's name, not its '/'");
	strlist_add_owned(&l, xasprintf("%sX/a.sql", dir));
	CHECK(script_list(dir, &l, NULL));
	check_name_order(&l, N + 1);
	strlist_free(&l);

	for (int i = 0; i < N; i++) {
		char *f = xasprintf("%s/%c%02d_%d.sql", dir, 'a' + i % 7, i % 100, i);
		unlink(f);
		free(f);
	}
	free(slash);
	rmdir(dir);
}

static void test_list(void)
{
	unit_case("script_list(" DATA "list)");
	struct strlist l = {0};
	bool missing = true;
	struct unit_capture cap0;
	unit_capture_begin(&cap0);
	CHECK(script_list(DATA "list", &l, &missing));
	char *log0 = unit_capture_end(&cap0);
	/* the upper-case suffix is not read, but said (issue 8.12) */
	CHECK_CONTAINS(log0, "warning: " DATA "list/upper.SQL is skipped: only files ending in .sql (lower case) are read");
	CHECK(strstr(log0, "notes.txt") == NULL);
	free(log0);
	CHECK(!missing);
	/* *.sql only (not .SQL, not hidden), in name order */
	if (CHECK_INT_EQ(l.n, 3)) {
		CHECK_STR_EQ(l.items[0], DATA "list/10.sql");
		CHECK_STR_EQ(l.items[1], DATA "list/a.sql");
		CHECK_STR_EQ(l.items[2], DATA "list/b.sql");
	}
	strlist_free(&l);

	unit_case("script_list(an empty directory)");
	char empty[] = "/tmp/pginit-unit-XXXXXX";
	if (CHECK(mkdtemp(empty) != NULL)) {
		CHECK(script_list(empty, &l, &missing));
		CHECK_INT_EQ(l.n, 0);
		rmdir(empty);
	}
	strlist_free(&l);

	unit_case("script_list(missing directory)");
	missing = false;
	CHECK(script_list(DATA "no-such-dir", &l, &missing));
	CHECK(missing);
	CHECK_INT_EQ(l.n, 0);
	strlist_free(&l);

	unit_case("script_list(a file, not a directory)");
	struct unit_capture cap;
	unit_capture_begin(&cap);
	CHECK(!script_list(DATA "plain.sql", &l, NULL));
	char *log = unit_capture_end(&cap);
	CHECK_CONTAINS(log, "unable to read directory " DATA "plain.sql");
	free(log);
	strlist_free(&l);
}

static void test_placeholders(void)
{
	struct strlist names = {0}, values = {0};
	strlist_add(&names, "schema");
	strlist_add(&values, "auth");
	strlist_add(&names, "app.role");
	strlist_add(&values, "app_user");
	struct kv vars = {.names = names, .values = values};

	unit_case("placeholders.sql");
	struct script s;
	if (CHECK(script_load(DATA "placeholders.sql", &vars, &s)) && CHECK_INT_EQ(s.sql.n, 3)) {
		static const struct { int line; const char *text; } want[] = {
			{2, "CREATE SCHEMA auth"},
			{3, "GRANT USAGE ON SCHEMA auth TO app_user"},
			/* $${x} is a literal ${x}; ${1} and "${ x}" are no placeholders; $$ bodies are replaced too */
			{4, "SELECT '${schema}', '${1}', '${ schema}', $$ auth $$"},
		};
		for (int i = 0; i < 3; i++) {
			CHECK_INT_EQ(s.sql.stmts[i].line, want[i].line);
			CHECK_MEM_EQ(s.sql.stmts[i].text, s.sql.stmts[i].len, want[i].text);
		}
		/* the file's text and checksum are the file's, before replacement */
		CHECK(strstr(s.text, "CREATE SCHEMA ${schema};") != NULL);
		char sum[65];
		script_checksum(s.text, s.len, sum);
		CHECK_STR_EQ(s.checksum, sum);
	}
	script_free(&s);

	unit_case("placeholder_undefined.sql");
	struct unit_capture cap;
	unit_capture_begin(&cap);
	CHECK(!script_load(DATA "placeholder_undefined.sql", &vars, &s));
	char *log = unit_capture_end(&cap);
	CHECK_CONTAINS(log, DATA "placeholder_undefined.sql:3: undefined placeholder ${nope}");
	CHECK_CONTAINS(log, "hint: define it in pginit.conf (placeholders = { nope = \"...\"; }) or as PGINIT_VAR_NOPE;");
	free(log);
	script_free(&s);

	unit_case("no placeholders defined");
	struct kv none = {{0}, {0}};
	unit_capture_begin(&cap);
	CHECK(!script_load(DATA "placeholders.sql", &none, &s));
	log = unit_capture_end(&cap);
	CHECK_CONTAINS(log, DATA "placeholders.sql:1: undefined placeholder ${schema}");
	free(log);
	script_free(&s);
	CHECK(script_load(DATA "plain.sql", NULL, &s)); /* a file without any is fine */
	script_free(&s);

	unit_case("no placeholders at all (a dbmate, golang-migrate or goose file): the text as written");
	if (CHECK(script_load(DATA "placeholders.sql", NULL, &s)) && CHECK_INT_EQ(s.sql.n, 3)) {
		CHECK_MEM_EQ(s.sql.stmts[0].text, s.sql.stmts[0].len, "CREATE SCHEMA ${schema}");
		CHECK_MEM_EQ(s.sql.stmts[2].text, s.sql.stmts[2].len, "SELECT '$${schema}', '${1}', '${ schema}', $$ ${schema} $$");
	}
	script_free(&s);
	strlist_free(&names);
	strlist_free(&values);
}

/* The SQL that ships with pginit (and the demo's) must load: a splitter
 * regression would show here before it shows against a server. */
static void test_shipped_sql(void)
{
	static const char *const dirs[] = {"migrations", "seeds/common", "seeds/dev", "seeds/test", "initdb.d"};
	int total = 0;
	/* The built-in placeholders, as pginit sets them for database app (initdb.d uses them). */
	struct kv vars = {0};
	static const char *const builtin[][2] = {{"owner_role", "app_owner"}, {"app_role", "app_user"},
						 {"readonly_role", "app_readonly"}, {"database", "app"},
						 {"ledger_schema", "pginit"}, {"profile", "dev"}};
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		strlist_add(&vars.names, builtin[i][0]);
		strlist_add(&vars.values, builtin[i][1]);
	}
	for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
		struct strlist l = {0};
		bool missing;
		if (!script_list(dirs[d], &l, &missing) || missing) {
			strlist_free(&l);
			continue; /* a directory the project dropped is not this test's business */
		}
		for (int i = 0; i < l.n; i++) {
			unit_case("script_load(%s)", l.items[i]);
			struct script s;
			CHECK(script_load(l.items[i], &vars, &s));
			CHECK(s.sql.n > 0);
			script_free(&s);
			total++;
		}
		strlist_free(&l);
	}
	strlist_free(&vars.names);
	strlist_free(&vars.values);
	unit_case("shipped SQL files");
	CHECK(total > 0);
}

/* Which scripts go in one pipeline (issue 10 item 4): one SQL statement per statement, no COPY, no encoding. */
static void test_pipelinable(void)
{
	static const struct { const char *text; unsigned flags; bool ok; const char *why; } cases[] = {
		{"CREATE TABLE a (id int);\nCOMMENT ON TABLE a IS 'x; y';\n", 0, true, "plain statements"},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nDO $$ BEGIN NULL; END $$;\n", 0, true,
		 "a ; inside a body"},
		{"BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", 0, true, "its own BEGIN/COMMIT (dropped)"},
		{"CREATE TABLE a (id int);\nCOPY a FROM stdin;\n1\n\\.\n", 0, false, "COPY with data"},
		{"COPY a TO stdout;\n", 0, false, "any COPY"},
		{"-- pginit:encoding LATIN1\nSELECT 1;\n", 0, false, "a declared encoding"},
		{"-- +goose StatementBegin\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n-- +goose StatementEnd\n",
		 SQLSPLIT_GOOSE, false, "a goose block of two statements"},
		{"-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;\n"
		 "-- +goose StatementEnd\n", SQLSPLIT_GOOSE, true, "a goose block of one statement"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case(cases[i].why);
		struct script s;
		struct script_part part = {.offset = 0, .len = (size_t)-1, .line = 1, .split_flags = cases[i].flags};
		if (CHECK(script_load_text("p.sql", xstrdup(cases[i].text), strlen(cases[i].text), &part, NULL, &s)))
			CHECK_INT_EQ(script_pipelinable(&s), cases[i].ok);
		script_free(&s);
	}
}

int main(void)
{
	log_setup(LOG_TEXT, -1);
	test_checksum();
	test_load();
	test_encoding();
	test_part_at_end();
	test_list();
	test_list_order();
	test_placeholders();
	test_shipped_sql();
	test_pipelinable();
	return unit_done();
}
