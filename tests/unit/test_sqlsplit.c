/*
 * test_sqlsplit — sqlsplit, sqlsplit_locate and sqlsplit_starts_with.
 *
 * Golden files: every tests/data/sqlsplit/NAME.sql is split and compared with
 * NAME.expected, which lists what the split must give, one record a line
 * (blank lines and lines starting with '#' are ignored):
 *
 *   stmt LINE:COL TEXT      the next statement starts at LINE:COL (1-based;
 *                           the column counts characters) and its text,
 *                           without the ';', is TEXT
 *   copy DATA               that statement carries COPY ... FROM stdin data
 *                           DATA ("copy" alone: empty data); without a copy
 *                           record the statement must carry none
 *   locate POS LINE:COL     sqlsplit_locate() maps the 1-based character
 *                           position POS of that statement to LINE:COL
 *   error LINE:COL MESSAGE  sqlsplit fails, pointing at LINE:COL, with MESSAGE
 *   option goose            split with SQLSPLIT_GOOSE (sqlsplit_ex)
 *   option first-line N     the text starts on file line N (sqlsplit_ex)
 *
 * TEXT, DATA and MESSAGE are escaped: \n newline, \r carriage return,
 * \t tab, \\ backslash; everything else is literal (UTF-8 included). The
 * number of stmt records must equal the number of statements.
 * To add a case, add NAME.sql and NAME.expected; nothing here changes.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "sqlsplit.h"
#include "unit.h"
#include "util.h"

#define DATA_DIR "tests/data/sqlsplit"

/* Undo the escapes above; false on an unknown escape (a broken data file). */
static bool unescape(const char *s, size_t n, struct buf *out)
{
	buf_reset(out);
	buf_add(out, "", 0);
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			buf_putc(out, s[i]);
			continue;
		}
		if (++i == n)
			return false;
		switch (s[i]) {
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		case '\\': buf_putc(out, '\\'); break;
		default: return false;
		}
	}
	return true;
}

/* "L:C" at the start of s; the rest (after one blank) in *rest. */
static bool parse_linecol(const char *s, int *line, int *col, const char **rest)
{
	char *end;
	long l = strtol(s, &end, 10);
	if (end == s || *end != ':')
		return false;
	const char *c = end + 1;
	long k = strtol(c, &end, 10);
	if (end == c || (*end != ' ' && *end != '\0'))
		return false;
	*line = (int)l;
	*col = (int)k;
	*rest = *end ? end + 1 : end;
	return true;
}

static void run_golden(const char *name)
{
	char *sql_path = xasprintf("%s/%s.sql", DATA_DIR, name);
	char *exp_path = xasprintf("%s/%s.expected", DATA_DIR, name);
	char *sql = NULL, *exp = NULL;
	size_t sql_len = 0, exp_len = 0;
	unit_case("%s", sql_path);
	if (!CHECK(read_file(sql_path, &sql, &sql_len)) || !CHECK(read_file(exp_path, &exp, &exp_len)))
		goto out;

	/* Options first: they change the split itself. */
	unsigned flags = 0;
	int first_line = 1;
	for (const char *o = exp; o; o = strchr(o, '\n'), o = o ? o + 1 : NULL) {
		if (strncmp(o, "option goose\n", 13) == 0)
			flags |= SQLSPLIT_GOOSE;
		else if (strncmp(o, "option first-line ", 18) == 0)
			first_line = atoi(o + 18);
		else if (strncmp(o, "option ", 7) == 0)
			CHECK(!"unknown option in the .expected file");
	}
	struct sql_script sc;
	struct sqlsplit_error err = {0};
	bool ok = flags || first_line != 1 ? sqlsplit_ex(sql, sql_len, flags, first_line, &sc, &err)
					   : sqlsplit(sql, sql_len, &sc, &err);
	struct buf want = {0};
	int k = -1;           /* index of the last stmt record */
	bool want_error = false;
	bool copy_seen = true; /* did the statement k get its copy record? */
	int lineno = 0;
	for (char *p = exp, *next; *p; p = next) {
		char *eol = strchr(p, '\n');
		if (eol) {
			*eol = '\0';
			next = eol + 1;
		} else {
			next = p + strlen(p);
		}
		lineno++;
		if (!*p || *p == '#')
			continue;
		unit_case("%s line %d", exp_path, lineno);
		int line, col;
		const char *rest;
		if (strncmp(p, "stmt ", 5) == 0 && parse_linecol(p + 5, &line, &col, &rest)) {
			if (k >= 0 && k < sc.n && !copy_seen)
				CHECK(sc.stmts[k].copy_data == NULL);
			k++;
			copy_seen = false;
			if (!CHECK(ok) || !CHECK(k < sc.n))
				continue;
			const struct sql_stmt *st = &sc.stmts[k];
			CHECK(st->text >= sql && st->text + st->len <= sql + sql_len); /* points into the text */
			CHECK_INT_EQ(st->line, line);
			CHECK_INT_EQ(st->col, col);
			if (CHECK(unescape(rest, strlen(rest), &want)))
				CHECK_MEM_EQ(st->text, st->len, want.data);
		} else if (strcmp(p, "copy") == 0 || strncmp(p, "copy ", 5) == 0) {
			copy_seen = true;
			if (!CHECK(ok) || !CHECK(k >= 0 && k < sc.n))
				continue;
			const struct sql_stmt *st = &sc.stmts[k];
			rest = p[4] ? p + 5 : p + 4;
			if (CHECK(st->copy_data != NULL) && CHECK(unescape(rest, strlen(rest), &want))) {
				CHECK_MEM_EQ(st->copy_data, st->copy_len, want.data);
				CHECK(st->copy_data >= sql && st->copy_data + st->copy_len <= sql + sql_len);
			}
		} else if (strncmp(p, "locate ", 7) == 0) {
			char *end;
			long pos = strtol(p + 7, &end, 10);
			if (!CHECK(*end == ' ' && parse_linecol(end + 1, &line, &col, &rest)))
				continue;
			if (!CHECK(ok) || !CHECK(k >= 0 && k < sc.n))
				continue;
			int got_line = -1, got_col = -1;
			sqlsplit_locate(&sc.stmts[k], (int)pos, &got_line, &got_col);
			unit_case("%s line %d: locate %ld", exp_path, lineno, pos);
			CHECK_INT_EQ(got_line, line);
			CHECK_INT_EQ(got_col, col);
		} else if (strncmp(p, "error ", 6) == 0 && parse_linecol(p + 6, &line, &col, &rest)) {
			want_error = true;
			if (!CHECK(!ok))
				continue;
			CHECK_INT_EQ(err.line, line);
			CHECK_INT_EQ(err.col, col);
			if (CHECK(unescape(rest, strlen(rest), &want)))
				CHECK_STR_EQ(err.message, want.data);
		} else if (strncmp(p, "option ", 7) == 0) {
			continue; /* read above */
		} else {
			CHECK(!"a record of the .expected file is not understood");
		}
	}
	unit_case("%s", sql_path);
	if (k >= 0 && k < sc.n && !copy_seen)
		CHECK(sc.stmts[k].copy_data == NULL);
	if (!want_error) {
		CHECK(ok);
		if (!ok)
			printf("    sqlsplit failed at %d:%d: %s\n", err.line, err.col, err.message);
		CHECK_INT_EQ(sc.n, k + 1);
	} else {
		/* On failure the script is released and empty. */
		CHECK(sc.n == 0 && sc.stmts == NULL);
	}
	buf_free(&want);
	sqlsplit_free(&sc);
out:
	free(sql);
	free(exp);
	free(sql_path);
	free(exp_path);
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_golden_files(void)
{
	struct strlist names = {0};
	int n_expected = 0;
	DIR *d = opendir(DATA_DIR);
	unit_case("%s", DATA_DIR);
	if (!CHECK(d != NULL))
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n > 4 && strcmp(e->d_name + n - 4, ".sql") == 0)
			strlist_add_owned(&names, xstrndup(e->d_name, n - 4));
		else if (n > 9 && strcmp(e->d_name + n - 9, ".expected") == 0)
			n_expected++;
	}
	closedir(d);
	qsort(names.items, (size_t)names.n, sizeof(char *), by_str);
	unit_case("%s: every NAME.sql has its NAME.expected and back", DATA_DIR);
	CHECK_INT_EQ(n_expected, names.n);
	CHECK(names.n >= 25); /* the files are there, not silently missing */
	for (int i = 0; i < names.n; i++)
		run_golden(names.items[i]);
	strlist_free(&names);
}

/* The length is the limit, not a NUL: sqlsplit must not read past len. */
static void test_bounds(void)
{
	unit_case("len shorter than the buffer");
	const char *text = "SELECT 1; SELECT 2;";
	struct sql_script sc;
	struct sqlsplit_error err;
	CHECK(sqlsplit(text, 9, &sc, &err));
	if (CHECK_INT_EQ(sc.n, 1))
		CHECK_MEM_EQ(sc.stmts[0].text, sc.stmts[0].len, "SELECT 1");
	sqlsplit_free(&sc);

	unit_case("a quote cut by len is unterminated");
	CHECK(!sqlsplit("SELECT 'a';", 9, &sc, &err));
	CHECK_INT_EQ(err.col, 8);

	unit_case("a dollar tag cut by len is not a tag");
	CHECK(sqlsplit("SELECT $a$", 9, &sc, &err));
	if (CHECK_INT_EQ(sc.n, 1))
		CHECK_MEM_EQ(sc.stmts[0].text, sc.stmts[0].len, "SELECT $a");
	sqlsplit_free(&sc);

	unit_case("empty text");
	CHECK(sqlsplit("", 0, &sc, &err));
	CHECK_INT_EQ(sc.n, 0);
	sqlsplit_free(&sc);

	unit_case("BOM alone");
	CHECK(sqlsplit("\xEF\xBB\xBF", 3, &sc, &err));
	CHECK_INT_EQ(sc.n, 0);
	sqlsplit_free(&sc);

	unit_case("many statements (the array grows)");
	struct buf b = {0};
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "SELECT %d;\n", i);
	CHECK(sqlsplit(b.data, b.len, &sc, &err));
	if (CHECK_INT_EQ(sc.n, 1000)) {
		CHECK_INT_EQ(sc.stmts[999].line, 1000);
		CHECK_MEM_EQ(sc.stmts[999].text, sc.stmts[999].len, "SELECT 999");
	}
	sqlsplit_free(&sc);
	buf_free(&b);
}

static void test_locate_edges(void)
{
	const char *text = "x;\n  SELECT 'é',\n\tfoo";
	struct sql_script sc;
	struct sqlsplit_error err;
	unit_case("sqlsplit_locate edges");
	if (!CHECK(sqlsplit(text, strlen(text), &sc, &err)) || !CHECK_INT_EQ(sc.n, 2))
		return;
	const struct sql_stmt *st = &sc.stmts[1];
	CHECK_INT_EQ(st->line, 2);
	CHECK_INT_EQ(st->col, 3);
	/* position, then the wanted line and column */
	static const int cases[][3] = {
		{0, 2, 3}, {1, 2, 3}, {8, 2, 10}, {9, 2, 11}, {10, 2, 12}, {12, 2, 14}, {13, 3, 1},
		{14, 3, 2}, {16, 3, 4}, {17, 3, 5}, {1000, 3, 5}, /* past the end: the end, no overrun */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("sqlsplit_locate(position %d)", cases[i][0]);
		int line = 0, col = 0;
		sqlsplit_locate(st, cases[i][0], &line, &col);
		CHECK_INT_EQ(line, cases[i][1]);
		CHECK_INT_EQ(col, cases[i][2]);
	}
	sqlsplit_free(&sc);
}

static void test_starts_with(void)
{
	static const struct { const char *text; const char *words; bool want; } cases[] = {
		{"COPY t FROM stdin", "COPY", true},
		{"copy t from stdin", "COPY", true},
		{"COPYX t", "COPY", false},
		{"COP", "COPY", false},
		{"", "COPY", false},
		{"CREATE INDEX CONCURRENTLY i ON t (a)", "CREATE INDEX", true},
		{"create  \n\t index i", "CREATE INDEX", true},
		{"/* c */ -- line\n CREATE /* in between */ INDEX i", "CREATE INDEX", true},
		{"/* a /* nested */ comment */ CREATE INDEX i", "CREATE INDEX", true},
		{"CREATE UNIQUE INDEX i", "CREATE INDEX", false},
		{"CREATE INDEXES", "CREATE INDEX", false},
		{"CREATE", "CREATE INDEX", false},
		{"BEGIN", "BEGIN", true},
		{"BEGIN ATOMIC SELECT 1; END", "BEGIN", true},
		{"BEGIN ATOMIC SELECT 1; END", "BEGIN ATOMIC", true},
		{"BEGIN ISOLATION LEVEL SERIALIZABLE", "BEGIN ATOMIC", false},
		{"begin_x", "BEGIN", false},
		{"BEGIN$x", "BEGIN", false},
		{"BEGIN(1)", "BEGIN", true},
		{"START TRANSACTION READ WRITE", "START TRANSACTION", true},
		{"END", "END", true},
		{"END IF", "END", true},
		{"ROLLBACK", "COMMIT", false},
		{"-- only a comment", "COPY", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("sqlsplit_starts_with(\"%s\", \"%s\")", cases[i].text, cases[i].words);
		struct sql_stmt st = {.text = cases[i].text, .len = strlen(cases[i].text), .line = 1, .col = 1};
		CHECK_INT_EQ(sqlsplit_starts_with(&st, cases[i].words), cases[i].want);
	}
	/* Bounded by len: "COPY" inside a longer buffer is still just "COPY". */
	unit_case("sqlsplit_starts_with bounded by len");
	struct sql_stmt st = {.text = "COPYX", .len = 4};
	CHECK(sqlsplit_starts_with(&st, "COPY"));
	st.len = 3;
	CHECK(!sqlsplit_starts_with(&st, "COPY"));
	st = (struct sql_stmt){.text = "/* unterminated", .len = 15};
	CHECK(!sqlsplit_starts_with(&st, "COPY"));
}

/* An unterminated StatementBegin names its own line, also when it ends the input (found by
 * fuzz_sqlsplit: the error said line 0). */
static void test_goose_unterminated(void)
{
	const char *cases[] = {"SELECT 1;\n-- +goose StatementBegin", "-- +goose StatementBegin",
			       "SELECT 1; -- +goose StatementBegin\nSELECT 2;\n"};
	int want[] = {2, 1, 1};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("goose StatementBegin without StatementEnd, case %zu", i);
		struct sql_script sc = {0};
		struct sqlsplit_error err = {0};
		CHECK(!sqlsplit_ex(cases[i], strlen(cases[i]), SQLSPLIT_GOOSE, 1, &sc, &err));
		CHECK_INT_EQ(err.line, want[i]);
		CHECK(err.message != NULL);
		sqlsplit_free(&sc);
	}
}

int main(void)
{
	test_golden_files();
	test_bounds();
	test_locate_edges();
	test_starts_with();
	test_goose_unterminated();
	return unit_done();
}
