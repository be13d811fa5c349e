/*
 * test_migrate — version order, file names of every format, discovery (order,
 * down files and sections, format detection, errors), the parts a migration
 * loads, and planning against a fake history (what ledger_migrations() would
 * return), all without a server. Data: tests/data/migrations/<set>/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "log.h"
#include "formats/format.h"
#include "migrate.h"
#include "script.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/data/migrations/"

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_version_cmp(void)
{
	static const struct { const char *a, *b; int want; } cases[] = {
		{"9", "10", -1},
		{"10", "9", 1},
		{"0010", "10", 0},
		{"10", "0010", 0},
		{"0", "000", 0},
		{"2", "2", 0},
		{"0009", "10", -1},
		{"100", "99", 1},
		{"123456789012345678901234567890", "123456789012345678901234567891", -1},
		{"99999999999999999999", "100000000000000000000", -1},
		{"00000000000000000000000000000000000001", "1", 0},
		{"20240101120000", "20231231235959", 1},
		/* flyway's multi-part versions, part by part */
		{"1.2", "1.10", -1},
		{"1.10", "1.9", 1},
		{"1", "1.1", -1},
		{"1.0", "1", 1},
		{"1.01", "1.1", 0},
		{"2", "1.99", 1},
		{"1.2.3", "1.2.3", 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("migrate_version_cmp(%s, %s)", cases[i].a, cases[i].b);
		CHECK_INT_EQ(sign(migrate_version_cmp(cases[i].a, cases[i].b)), cases[i].want);
	}
}

static void test_normalise(void)
{
	static const struct { const char *in; bool multipart; const char *want; } cases[] = {
		{"0012", false, "12"}, {"0", false, "0"}, {"000", false, "0"}, {"12", false, "12"},
		{"1_2", true, "1.2"}, {"1.2", true, "1.2"}, {"01.002_0003", true, "1.2.3"},
		{"1_2", false, NULL}, {"1.", true, NULL}, {".1", true, NULL}, {"1..2", true, NULL},
		{"", false, NULL}, {"12a", false, NULL}, {"1-2", true, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("migrate_normalise_version(\"%s\", %d)", cases[i].in, cases[i].multipart);
		char *v = migrate_normalise_version(cases[i].in, cases[i].multipart);
		CHECK_STR_EQ(v, cases[i].want);
		free(v);
	}
}

static void test_parse_name(void)
{
#define N "native"
#define G "golang-migrate"
#define D "dbmate"
#define O "goose"
#define F "flyway"
	static const struct {
		const char *fmt;
		const char *file;
		bool ok;
		const char *version, *name;
		bool down, repeatable;
	} cases[] = {
		{N, "0001_init.sql", true, "1", "init", false, false},
		{N, "1_a.sql", true, "1", "a", false, false},
		{N, "0000_zero.sql", true, "0", "zero", false, false},
		{N, "0010_ten.down.sql", true, "10", "ten", true, false},
		{N, "1_x.down.sql", true, "1", "x", true, false},
		{N, "1_down.sql", true, "1", "down", false, false},
		{N, "007_with.dots.sql", true, "7", "with.dots", false, false},
		{N, "20240101120000_big.sql", true, "20240101120000", "big", false, false},
		{N, "0002_Add Users.sql", true, "2", "Add Users", false, false},
		{N, "init.sql", false, NULL, NULL, false, false},
		{N, "_init.sql", false, NULL, NULL, false, false},
		{N, "0001init.sql", false, NULL, NULL, false, false},
		{N, "0001-init.sql", false, NULL, NULL, false, false},
		{N, "0001_.sql", false, NULL, NULL, false, false},
		{N, "0001_.down.sql", false, NULL, NULL, false, false},
		{N, "0001_init.txt", false, NULL, NULL, false, false},
		{N, "0001_init.sql.bak", false, NULL, NULL, false, false},
		{N, "0001_init.SQL", false, NULL, NULL, false, false},
		{N, "0001_init", false, NULL, NULL, false, false},
		{N, "V1__init.sql", false, NULL, NULL, false, false},
		{N, "1_", false, NULL, NULL, false, false},
		{N, "", false, NULL, NULL, false, false},
		{G, "1_init.up.sql", true, "1", "init", false, false},
		{G, "0001_init.down.sql", true, "1", "init", true, false},
		{G, "1_init.sql", false, NULL, NULL, false, false},
		{G, "1_.up.sql", false, NULL, NULL, false, false},
		{D, "20240101000000_create_users.sql", true, "20240101000000", "create_users", false, false},
		{D, "1_x.down.sql", true, "1", "x.down", false, false}, /* dbmate has no down files */
		{O, "00001_init.sql", true, "1", "init", false, false},
		{F, "V1__init.sql", true, "1", "init", false, false},
		{F, "V1_1__add_a.sql", true, "1.1", "add_a", false, false},
		{F, "V01.010__x.sql", true, "1.10", "x", false, false},
		{F, "V2__a__b.sql", true, "2", "a__b", false, false},
		{F, "U1__init.sql", true, "1", "init", true, false},
		{F, "R__views.sql", true, "views", "views", false, true},
		{F, "V__x.sql", false, NULL, NULL, false, false},
		{F, "R1__x.sql", false, NULL, NULL, false, false},
		{F, "B1__x.sql", false, NULL, NULL, false, false},
		{F, "V1__.sql", false, NULL, NULL, false, false},
		{F, "V1.__x.sql", false, NULL, NULL, false, false},
		{F, "V1_x.sql", false, NULL, NULL, false, false},
		{F, "0001_init.sql", false, NULL, NULL, false, false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("%s parse_name(\"%s\")", cases[i].fmt, cases[i].file);
		struct migration_name mn = {.down = !cases[i].down, .repeatable = !cases[i].repeatable};
		bool ok = format_by_name(cases[i].fmt)->parse_name(cases[i].file, &mn);
		char *version = mn.version, *name = mn.name;
		bool down = mn.down, repeatable = mn.repeatable;
		CHECK_INT_EQ(ok, cases[i].ok);
		if (ok && cases[i].ok) {
			CHECK_STR_EQ(version, cases[i].version);
			CHECK_STR_EQ(name, cases[i].name);
			CHECK_INT_EQ(down, cases[i].down);
			CHECK_INT_EQ(repeatable, cases[i].repeatable);
		} else if (!ok) {
			CHECK(version == NULL && name == NULL); /* nothing to free on failure */
		}
		free(version);
		free(name);
	}

#undef N
#undef G
#undef D
#undef O
#undef F

	unit_case("format_by_name");
	int n = 0;
	for (const struct format *const *f = format_table; *f; f++, n++)
		CHECK(format_by_name((*f)->name) == *f);
	CHECK_INT_EQ(n, 5);
	CHECK(format_by_name("auto") == NULL); /* auto is not a format: detect */
	CHECK(format_by_name("flyway ") == NULL);
	CHECK(format_by_name("Goose") == NULL);
}

/* Discover quietly, returning what was logged (caller frees). */
static enum rc discover(const char *dir, struct migration_set *set, char **log)
{
	struct unit_capture cap;
	unit_capture_begin(&cap);
	enum rc rc = migrate_discover(dir, NULL, set) ? RC_OK : RC_VALIDATE;
	*log = unit_capture_end(&cap);
	return rc;
}

static void test_discover(void)
{
	struct migration_set set;
	char *log;

	unit_case("migrate_discover(ordered)");
	CHECK_INT_EQ(discover(DATA "ordered", &set, &log), RC_OK);
	CHECK_STR_EQ(log, "");
	free(log);
	CHECK_STR_EQ(set.format->name, "native");
	/* numeric order, not the directory's name order (0001, 0009, 100, 10, 2) */
	static const struct { const char *version, *name, *file, *down; } want[] = {
		{"1", "init", "0001_init.sql", NULL},
		{"2", "users", "2_users.sql", NULL},
		{"9", "nine", "0009_nine.sql", NULL},
		{"10", "ten", "10_ten.sql", DATA "ordered/10_ten.down.sql"},
		{"100", "hundred", "100_hundred.sql", NULL},
	};
	if (CHECK_INT_EQ(set.n, 5)) {
		for (int i = 0; i < 5; i++) {
			unit_case("migrate_discover(ordered) item %d", i);
			CHECK_STR_EQ(set.items[i].version, want[i].version);
			CHECK_STR_EQ(set.items[i].name, want[i].name);
			CHECK_STR_EQ(set.items[i].file, want[i].file);
			char *path = xasprintf(DATA "ordered/%s", want[i].file);
			CHECK_STR_EQ(set.items[i].path, path);
			free(path);
			CHECK_STR_EQ(set.items[i].down_path, want[i].down);
			CHECK_INT_EQ(set.items[i].has_down, want[i].down != NULL);
			CHECK(!set.items[i].repeatable);
		}
	}
	migrate_set_free(&set);
	CHECK(set.items == NULL && set.n == 0);

	unit_case("migrate_discover(ordered) as golang-migrate: every name is wrong");
	struct unit_capture cap;
	unit_capture_begin(&cap);
	CHECK(!migrate_discover(DATA "ordered", format_by_name("golang-migrate"), &set));
	log = unit_capture_end(&cap);
	CHECK_STR_EQ(set.format->name, "golang-migrate");
	/* one error for all of them (issue 8: one root cause, one error line) */
	CHECK_CONTAINS(log, "error: " DATA "ordered: 5 files are not valid golang-migrate migration file names: "
			    "0001_init.sql, 0009_nine.sql, 100_hundred.sql and 2 more");
	CHECK_CONTAINS(log, "hint: golang-migrate migrations are named N_description.up.sql");
	CHECK(strstr(strstr(log, "error: ") + 1, "error: ") == NULL);
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(duplicate)");
	CHECK_INT_EQ(discover(DATA "duplicate", &set, &log), RC_VALIDATE);
	CHECK_CONTAINS(log, "001_a.sql and 1_b.sql have the same version 1");
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(badname)");
	CHECK_INT_EQ(discover(DATA "badname", &set, &log), RC_VALIDATE);
	CHECK_CONTAINS(log, DATA "badname: 1 file is not a native migration file name: add_users.sql");
	CHECK_CONTAINS(log, "hint: ");
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(mixed): one golang-migrate file among nine native ones");
	CHECK_INT_EQ(discover(DATA "mixed", &set, &log), RC_VALIDATE);
	CHECK_CONTAINS(log, "error: " DATA "mixed mixes migration formats: 10_t10.up.sql is golang-migrate, but 9 "
			    "files (0001_t1.sql, 0002_t2.sql, 0003_t3.sql and 6 more) are not");
	CHECK_CONTAINS(log, "hint: one directory holds one tool's files: move 10_t10.up.sql out");
	CHECK(strstr(strstr(log, "error: ") + 1, "error: ") == NULL);
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(two_downs): two down files of one version (found by fuzz_migration)");
	CHECK_INT_EQ(discover(DATA "two_downs", &set, &log), RC_VALIDATE);
	CHECK_CONTAINS(log, "01_a.down.sql and 1_a.down.sql are both down files of version 1");
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(orphan_down)");
	/* A down file without its migration is never applied: a warning, not an error. */
	CHECK_INT_EQ(discover(DATA "orphan_down", &set, &log), RC_OK);
	CHECK_CONTAINS(log, "warning: " DATA "orphan_down/0002_b.down.sql: a down file without its migration");
	free(log);
	if (CHECK_INT_EQ(set.n, 1))
		CHECK(set.items[0].down_path == NULL && !set.items[0].has_down);
	migrate_set_free(&set);

	unit_case("migrate_discover(dbmate_nosection)");
	CHECK_INT_EQ(discover(DATA "dbmate_nosection", &set, &log), RC_VALIDATE);
	CHECK_STR_EQ(set.format->name, "dbmate");
	CHECK_CONTAINS(log, DATA "dbmate_nosection/20240102000000_bare.sql:1: no '-- migrate:up' section");
	free(log);
	migrate_set_free(&set);

	unit_case("migrate_discover(missing directory)");
	CHECK_INT_EQ(discover(DATA "does-not-exist", &set, &log), RC_OK);
	CHECK_INT_EQ(set.n, 0);
	CHECK_CONTAINS(log, "does not exist");
	free(log);
	migrate_set_free(&set);
}

/*
 * Other tools' directories, detected: for each migration, what runs up and
 * down. "stmts" lists the statements of a part as "LINE:COL TEXT" joined by
 * " | " (TEXT with newlines as "\n"), the lines being the file's; a part
 * marked "notx" runs outside a transaction.
 */
struct want_part {
	const char *stmts;
	bool no_tx;
};
struct want_mig {
	const char *version, *name, *file;
	bool repeatable;
	const char *down_file; /* separate down/undo file, or NULL */
	bool has_down;
	struct want_part up, down;
};

/* The statements of a loaded part, as described above. */
static char *describe(const struct script *s)
{
	struct buf b = {0};
	buf_puts(&b, "");
	for (int i = s->first; i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		buf_printf(&b, "%s%d:%d ", i > s->first ? " | " : "", st->line, st->col);
		for (size_t k = 0; k < st->len; k++) {
			if (st->text[k] == '\n')
				buf_puts(&b, "\\n");
			else
				buf_putc(&b, st->text[k]);
		}
	}
	return buf_steal(&b);
}

static void check_part(const struct migration *m, bool down, const struct want_part *w)
{
	struct script s;
	struct unit_capture cap;
	unit_capture_begin(&cap);
	bool ok = migrate_load(m, down, NULL, &s);
	char *log = unit_capture_end(&cap);
	if (CHECK(ok)) {
		char *got = describe(&s);
		CHECK_STR_EQ(got, w->stmts);
		free(got);
		CHECK_INT_EQ(s.no_transaction, w->no_tx);
	} else {
		printf("    %s", log);
	}
	free(log);
	script_free(&s);
}

static void test_formats(void)
{
	static const struct want_mig golang[] = {
		{"1", "init", "1_init.up.sql", false, DATA "golang/1_init.down.sql", true,
		 {"1:1 CREATE TABLE one (id int)", false}, {"1:1 DROP TABLE one", false}},
		{"2", "users", "2_users.up.sql", false, NULL, false, {"1:1 CREATE TABLE two (id int)", false}, {NULL, false}},
		{"10", "ten", "10_ten.up.sql", false, DATA "golang/10_ten.down.sql", true,
		 {"1:1 CREATE TABLE ten (id int)", false}, {"1:1 DROP TABLE ten", false}},
		{NULL, NULL, NULL, false, NULL, false, {NULL, false}, {NULL, false}},
	};
	static const struct want_mig dbmate[] = {
		{"20240101000000", "init", "20240101000000_init.sql", false, NULL, true,
		 {"2:1 CREATE TABLE a (id int) | 3:1 INSERT INTO a VALUES (1)", false}, {"6:1 DROP TABLE a", false}},
		{"20240102000000", "index", "20240102000000_index.sql", false, NULL, true,
		 {"3:1 CREATE INDEX CONCURRENTLY a_id ON a (id)", true}, {"6:1 DROP INDEX CONCURRENTLY a_id", true}},
		{"20240103000000", "no_down", "20240103000000_no_down.sql", false, NULL, false,
		 {"2:1 CREATE TABLE b (id int)", false}, {NULL, false}},
		{NULL, NULL, NULL, false, NULL, false, {NULL, false}, {NULL, false}},
	};
	static const struct want_mig goose[] = {
		{"1", "init", "00001_init.sql", false, NULL, true,
		 {"3:1 CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\\nBEGIN\\n  RETURN 1;\\nEND;\\n$$; | "
		  "9:1 CREATE TABLE g (id int)", false},
		 {"12:1 DROP TABLE g | 13:1 DROP FUNCTION f()", false}},
		{"2", "index", "00002_index.sql", false, NULL, true,
		 {"3:1 CREATE INDEX CONCURRENTLY g_id ON g (id)", true}, {"5:1 DROP INDEX CONCURRENTLY g_id", true}},
		{NULL, NULL, NULL, false, NULL, false, {NULL, false}, {NULL, false}},
	};
	static const struct want_mig flyway[] = {
		{"1", "init", "V1__init.sql", false, DATA "flyway/U1__init.sql", true,
		 {"1:1 CREATE TABLE v1 (id int)", false}, {"1:1 DROP TABLE v1", false}},
		{"1.1", "add_a", "V1_1__add_a.sql", false, NULL, false, {"1:1 ALTER TABLE v1 ADD a int", false}, {NULL, false}},
		{"1.2", "add_b", "V1.2__add_b.sql", false, NULL, false, {"1:1 ALTER TABLE v1 ADD b int", false}, {NULL, false}},
		{"1.10", "add_c", "V1.10__add_c.sql", false, NULL, false, {"1:1 ALTER TABLE v1 ADD c int", false}, {NULL, false}},
		{"2", "index", "V2__index.sql", false, NULL, false,
		 {"1:1 CREATE INDEX CONCURRENTLY v1_a ON v1 (a)", true}, {NULL, false}}, /* V2__index.sql.conf */
		{"views", "views", "R__views.sql", true, NULL, false,
		 {"1:1 CREATE OR REPLACE VIEW v AS SELECT * FROM v1", false}, {NULL, false}},
		{NULL, NULL, NULL, false, NULL, false, {NULL, false}, {NULL, false}},
	};
	static const struct { const char *dir; const char *fmt; const struct want_mig *want; } sets[] = {
		{"golang", "golang-migrate", golang},
		{"dbmate", "dbmate", dbmate},
		{"goose", "goose", goose},
		{"flyway", "flyway", flyway},
	};
	for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
		char *dir = xasprintf(DATA "%s", sets[k].dir);
		unit_case("migrate_discover(%s), detected", dir);
		struct migration_set set;
		char *log;
		CHECK_INT_EQ(discover(dir, &set, &log), RC_OK);
		CHECK_STR_EQ(log, "");
		free(log);
		CHECK_STR_EQ(set.format->name, sets[k].fmt);
		int n = 0;
		while (sets[k].want[n].version)
			n++;
		if (CHECK_INT_EQ(set.n, n)) {
			for (int i = 0; i < n; i++) {
				const struct want_mig *w = &sets[k].want[i];
				const struct migration *m = &set.items[i];
				unit_case("%s/%s", dir, w->file);
				CHECK_STR_EQ(m->version, w->version);
				CHECK_STR_EQ(m->name, w->name);
				CHECK_STR_EQ(m->file, w->file);
				CHECK_INT_EQ(m->repeatable, w->repeatable);
				CHECK_STR_EQ(m->down_path, w->down_file);
				CHECK_INT_EQ(m->has_down, w->has_down);
				unit_case("%s/%s up", dir, w->file);
				check_part(m, false, &w->up);
				if (w->has_down) {
					unit_case("%s/%s down", dir, w->file);
					check_part(m, true, &w->down);
				}
			}
		}
		migrate_set_free(&set);
		unit_case("migrate_discover(%s) given its format", dir);
		struct unit_capture cap;
		unit_capture_begin(&cap);
		CHECK(migrate_discover(dir, format_by_name(sets[k].fmt), &set));
		free(unit_capture_end(&cap));
		CHECK_INT_EQ(set.n, n);
		migrate_set_free(&set);
		free(dir);
	}
}

/* ---- planning against a fake history */

/* One history row: version, file to take the checksum from ("" = a wrong checksum, NULL = no file). */
struct hrow {
	const char *version;
	const char *file;
	bool success;
	bool repeatable;
};

static struct ledger_migration *make_history(const char *dir, const struct hrow *rows, int n)
{
	struct ledger_migration *h = xcalloc((size_t)n + 1, sizeof *h);
	for (int i = 0; i < n; i++) {
		char sum[65] = "0000000000000000000000000000000000000000000000000000000000000000";
		if (rows[i].file && rows[i].file[0]) {
			char *path = xasprintf("%s/%s", dir, rows[i].file);
			char *text;
			size_t len;
			if (CHECK(read_file(path, &text, &len))) {
				script_checksum(text, len, sum);
				free(text);
			}
			free(path);
		}
		h[i].version = xstrdup(rows[i].version);
		h[i].name = xstrdup(rows[i].file ? "applied" : "gone");
		h[i].checksum = xstrdup(sum);
		h[i].applied_at = xstrdup("2024-01-01 00:00:00+00");
		h[i].success = rows[i].success;
		h[i].repeatable = rows[i].repeatable;
	}
	return h;
}

#define MAXROWS 8
/* history rows: applied, applied repeatable, failed (file "" = a wrong checksum, NULL = no file) */
#define A(version, file) {version, file, true, false}
#define R(version, file) {version, file, true, true}
#define FAILED(version, file) {version, file, false, false}

static void test_plan(void)
{
	/* ordered: 1, 2, 9, 10, 100 (indices 0..4); flyway: 1, 1.1, 1.2, 1.10, 2, R views (0..5). */
	static const struct {
		const char *what;
		const char *dir;
		struct hrow rows[MAXROWS];
		int n_rows;
		bool allow_out_of_order, strict;
		enum rc rc;
		const char *pending;  /* indices, e.g. "234" */
		const char *states;   /* per file: P pending, A applied, D drifted, F failed */
		int n_missing, n_drifted;
		const char *log;      /* must appear in the log (NULL: the log must be empty) */
	} cases[] = {
		{"nothing applied", "ordered", {{0}}, 0, false, true, RC_OK, "01234", "PPPPP", 0, 0, NULL},
		{"some applied", "ordered", {A("1", "0001_init.sql"), A("2", "2_users.sql")}, 2, false, true,
		 RC_OK, "234", "AAPPP", 0, 0, NULL},
		{"all applied, history in any order", "ordered",
		 {A("100", "100_hundred.sql"), A("10", "10_ten.sql"), A("9", "0009_nine.sql"),
		  A("2", "2_users.sql"), A("1", "0001_init.sql")}, 5, false, true,
		 RC_OK, "", "AAAAA", 0, 0, NULL},
		{"drift, strict", "ordered", {A("1", "0001_init.sql"), A("2", "")}, 2, false, true,
		 RC_VALIDATE, "234", "ADPPP", 0, 1, DATA "ordered/2_users.sql was changed after it was applied"},
		{"drift, not strict", "ordered", {A("1", "0001_init.sql"), A("2", "")}, 2, false, false,
		 RC_OK, "234", "ADPPP", 0, 1, NULL},
		{"a whole history without files (a wrong directory): one error", "ordered",
		 {A("51", NULL), A("52", NULL), A("53", NULL), A("54", NULL), A("55", NULL), A("56", NULL)}, 6, true, true,
		 RC_VALIDATE, "01234", "PPPPP", 6, 0, "hint: is paths.migrations (or migrations_format) the one this database"},
		{"applied file gone, strict", "ordered",
		 {A("1", "0001_init.sql"), A("2", "2_users.sql"), A("5", NULL)}, 3, false, true,
		 RC_VALIDATE, "234", "AAPPP", 1, 0, "1 applied migration has no file in the migrations directory: 5 (gone, applied 2024-01-01"},
		{"applied files gone, not strict", "ordered",
		 {A("1", "0001_init.sql"), A("5", NULL), A("7", NULL)}, 3, false, false,
		 RC_OK, "1234", "APPPP", 2, 0, NULL},
		{"a gone file still counts as the newest applied", "ordered",
		 {A("1", "0001_init.sql"), A("5", NULL)}, 2, true, true,
		 RC_VALIDATE, "1234", "APPPP", 1, 0, "1 applied migration has no file in the migrations directory: 5 (gone"},
		{"failed attempt whose file is gone", "ordered", {A("1", "0001_init.sql"), FAILED("5", NULL)}, 2,
		 false, true, RC_OK, "1234", "APPPP", 0, 0, NULL},
		{"failed: pending again", "ordered",
		 {A("1", "0001_init.sql"), A("2", "2_users.sql"), FAILED("9", "")}, 3, false, true,
		 RC_OK, "234", "AAFPP", 0, 0, NULL},
		{"out of order, strict", "ordered",
		 {A("1", "0001_init.sql"), A("10", "10_ten.sql")}, 2, false, true,
		 RC_VALIDATE, "124", "APPAP", 0, 0, "2_users.sql is pending but older than the newest applied migration (version 10)"},
		{"out of order, allowed", "ordered",
		 {A("1", "0001_init.sql"), A("10", "10_ten.sql")}, 2, true, true,
		 RC_OK, "124", "APPAP", 0, 0, NULL},
		{"out of order, not strict", "ordered",
		 {A("1", "0001_init.sql"), A("10", "10_ten.sql")}, 2, false, false,
		 RC_OK, "124", "APPAP", 0, 0, NULL},
		{"flyway: 1.10 after 1.2, repeatable unchanged", "flyway",
		 {A("1", "V1__init.sql"), A("1.1", "V1_1__add_a.sql"), A("1.2", "V1.2__add_b.sql"),
		  R("views", "R__views.sql")}, 4, false, true,
		 RC_OK, "34", "AAAPPA", 0, 0, NULL},
		{"flyway: a changed repeatable runs again, no drift", "flyway",
		 {A("1", "V1__init.sql"), A("1.1", "V1_1__add_a.sql"), A("1.2", "V1.2__add_b.sql"),
		  A("1.10", "V1.10__add_c.sql"), A("2", "V2__index.sql"), R("views", "")}, 6, false, true,
		 RC_OK, "5", "AAAAAP", 0, 0, NULL},
		{"flyway: a repeatable is never out of order nor missing", "flyway",
		 {A("2", "V2__index.sql"), R("gone_view", NULL)}, 2, true, true,
		 RC_OK, "01235", "PPPPAP", 0, 0, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("migrate_plan: %s", cases[i].what);
		char *dir = xasprintf(DATA "%s", cases[i].dir);
		struct migration_set set;
		char *log;
		CHECK_INT_EQ(discover(dir, &set, &log), RC_OK);
		free(log);
		struct ledger_migration *h = make_history(dir, cases[i].rows, cases[i].n_rows);
		struct plan plan;
		struct unit_capture cap;
		unit_capture_begin(&cap);
		enum rc rc = migrate_plan(&set, h, cases[i].n_rows, cases[i].allow_out_of_order, cases[i].strict, &plan)
				     ? RC_OK : RC_VALIDATE;
		log = unit_capture_end(&cap);
		CHECK_INT_EQ(rc, cases[i].rc);
		struct buf pend = {0}, states = {0};
		buf_puts(&pend, "");
		buf_puts(&states, "");
		for (int k = 0; k < plan.n_pending; k++)
			buf_printf(&pend, "%d", plan.pending[k]);
		for (int k = 0; k < set.n; k++)
			buf_putc(&states, "PADF"[plan.state[k]]);
		CHECK_STR_EQ(pend.data, cases[i].pending);
		CHECK_STR_EQ(states.data, cases[i].states);
		CHECK_INT_EQ(plan.n_missing, cases[i].n_missing);
		CHECK_INT_EQ(plan.n_drifted, cases[i].n_drifted);
		if (cases[i].log)
			CHECK_CONTAINS(log, cases[i].log);
		else
			CHECK_STR_EQ(log, "");
		free(log);
		buf_free(&pend);
		buf_free(&states);
		migrate_plan_free(&plan);
		ledger_migrations_free(h, cases[i].n_rows);
		migrate_set_free(&set);
		free(dir);
	}
}

/*
 * 20,000 generated files, all applied, one edited in the middle: discovery
 * reads each file once and planning merges the set with the history, so this
 * stays fast; the edited file must be reported as drift and nothing else.
 */
static void test_plan_large(void)
{
	enum { N = 20000, EDITED = 10000 };
	char tmpl[] = "/tmp/pginit-plan.XXXXXX";
	char *dir = mkdtemp(tmpl);
	unit_case("plan 20,000 files, one edited");
	if (!CHECK(dir != NULL))
		return;
	struct ledger_migration *h = xcalloc(N + 1, sizeof *h);
	bool written = true;
	for (int i = 0; i < N; i++) {
		/* the history in reverse order: the merge must not depend on it */
		struct ledger_migration *r = &h[N - 1 - i];
		char *path = xasprintf("%s/%05d_m%d.sql", dir, i + 1, i + 1);
		char *text = xasprintf("SELECT %d;\n", i + 1);
		char sum[65];
		script_checksum(text, strlen(text), sum);
		FILE *f = fopen(path, "w");
		written = written && f && fputs(i == EDITED ? "SELECT 'edited';\n" : text, f) >= 0 && fclose(f) == 0;
		*r = (struct ledger_migration){.version = xasprintf("%d", i + 1), .name = xasprintf("m%d", i + 1),
					       .checksum = xstrdup(sum), .applied_at = xstrdup("2024-01-01"),
					       .success = true};
		free(path);
		free(text);
	}
	CHECK(written);
	struct migration_set set;
	struct plan plan;
	struct unit_capture cap;
	unit_capture_begin(&cap);
	int64_t t0 = now_ms();
	CHECK(migrate_discover(dir, NULL, &set));
	int64_t t1 = now_ms();
	bool ok = migrate_plan(&set, h, N, false, true, &plan);
	int64_t t2 = now_ms();
	char *log = unit_capture_end(&cap);
	/* shown with UNIT_VERBOSE=1; never asserted */
	fprintf(stderr, "plan 20,000 files: discover %lld ms, plan %lld ms\n", (long long)(t1 - t0), (long long)(t2 - t1));
	CHECK(!ok);
	CHECK_INT_EQ(set.n, N);
	CHECK_INT_EQ(plan.n_drifted, 1);
	CHECK_INT_EQ(plan.n_pending, 0);
	CHECK_INT_EQ(plan.n_missing, 0);
	if (set.n == N)
		CHECK_INT_EQ(plan.state[EDITED], M_DRIFTED);
	CHECK_CONTAINS(log, "/10001_m10001.sql was changed after it was applied");
	free(log);
	migrate_plan_free(&plan);
	migrate_set_free(&set);
	ledger_migrations_free(h, N);
	char *rm = xasprintf("rm -rf '%s'", dir);
	CHECK(system(rm) == 0);
	free(rm);
}

int main(void)
{
	log_setup(LOG_TEXT, -1);
	test_version_cmp();
	test_normalise();
	test_parse_name();
	test_discover();
	test_formats();
	test_plan();
	test_plan_large();
	return unit_done();
}
