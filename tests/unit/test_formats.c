/*
 * test_formats — per-format parse goldens: each case under
 * tests/data/formats-parse/<format>/ is a directory listing (<case>.files)
 * and the plan pginit reads from it (<case>.expected). <format> is a
 * migrations_format value, or "auto" to test detection.
 *
 * <case>.files: "=== FILE NAME" starts a file; the lines up to the next one
 * are its content (none: an empty file). <case>.expected: the detected
 * format, whether discovery succeeded, one line per migration
 *
 *   VERSION | NAME | migration|repeatable | up FILE:LINE tx|no-tx N stmts | down ... (or -)
 *
 * and every line logged (the temporary directory shown as DIR). Add a case by
 * adding the two files; UPDATE_GOLDEN=1 writes the .expected of every case
 * from what pginit does now (read the diff before committing it).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "formats/discover.h"
#include "log.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/data/formats-parse"

/* Write the files of a case into dir. */
static bool write_files(const char *dir, const char *spec)
{
	FILE *f = NULL;
	for (const char *p = spec; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n >= 4 && strncmp(p, "=== ", 4) == 0) {
			if (f)
				fclose(f);
			char *name = xstrndup(p + 4, n - 4), *path = xasprintf("%s/%s", dir, name);
			f = fopen(path, "w");
			free(name);
			free(path);
			if (!f)
				return false;
		} else if (f) {
			fwrite(p, 1, n, f);
			fputc('\n', f);
		}
		p = eol ? eol + 1 : p + n;
	}
	if (f)
		fclose(f);
	return true;
}

static void describe_part(struct buf *b, const char *label, const struct migration *m, bool down)
{
	const struct script_part *part = down ? &m->down : &m->up;
	const char *path = down && m->down_path ? m->down_path : m->path;
	if (down && !m->has_down) {
		buf_printf(b, " | %s -", label);
		return;
	}
	/* What would run: the format's markers and the file's own -- pginit: directives. */
	struct script s;
	struct unit_capture cap;
	unit_capture_begin(&cap);
	bool ok = migrate_load(m, down, NULL, &s);
	free(unit_capture_end(&cap));
	buf_printf(b, " | %s %s:%d ", label, path_base(path), part->line);
	if (ok)
		buf_printf(b, "%s %d stmt%s", s.no_transaction ? "no-tx" : "tx", s.last - s.first,
			   s.last - s.first == 1 ? "" : "s");
	else
		buf_puts(b, "unloadable");
	script_free(&s);
}

/* The plan as text, the log with the directory replaced by DIR. */
static char *describe(const char *dir, bool ok, const struct migration_set *set, const char *log)
{
	struct buf b = {0};
	buf_printf(&b, "format: %s\nok: %s\n", set->format ? set->format->name : "-", ok ? "true" : "false");
	for (int i = 0; i < set->n; i++) {
		const struct migration *m = &set->items[i];
		buf_printf(&b, "%s | %s | %s", m->version, m->name, m->repeatable ? "repeatable" : "migration");
		describe_part(&b, "up", m, false);
		describe_part(&b, "down", m, true);
		buf_putc(&b, '\n');
	}
	size_t dl = strlen(dir);
	for (const char *p = log; *p; p++) {
		if (strncmp(p, dir, dl) == 0) {
			buf_puts(&b, "DIR");
			p += dl - 1;
		} else {
			buf_putc(&b, *p);
		}
	}
	return buf_steal(&b);
}

static void run_case(const char *format, const char *name)
{
	char *files_path = xasprintf(DATA "/%s/%s.files", format, name);
	char *exp_path = xasprintf(DATA "/%s/%s.expected", format, name);
	char tmpl[] = "/tmp/pginit-formats.XXXXXX";
	char *dir = mkdtemp(tmpl), *spec = NULL, *want = NULL;
	size_t len;
	unit_case("%s/%s", format, name);
	if (!CHECK(dir && read_file(files_path, &spec, &len) && write_files(dir, spec)))
		goto out;
	struct migration_set set;
	struct unit_capture cap;
	unit_capture_begin(&cap);
	bool ok = migrate_discover(dir, format_by_name(format), &set);
	char *log = unit_capture_end(&cap);
	char *got = describe(dir, ok, &set, log);
	if (getenv("UPDATE_GOLDEN")) {
		FILE *f = fopen(exp_path, "w");
		CHECK(f && fputs(got, f) >= 0 && fclose(f) == 0);
	} else if (CHECK(read_file(exp_path, &want, &len))) {
		CHECK_STR_EQ(got, want);
	}
	free(got);
	free(log);
	migrate_set_free(&set);
out:
	if (dir) {
		char *rm = xasprintf("rm -rf '%s'", dir);
		CHECK(system(rm) == 0);
		free(rm);
	}
	free(spec);
	free(want);
	free(files_path);
	free(exp_path);
}

/* Every <case>.files of every format directory, in name order. */
/*
 * config_load checks migrations_format with its own list (config sits below
 * the formats): every row of format_table must pass it, or a sixth format
 * would be refused by the config (or, the other way, silently be "auto").
 */
static void test_config_knows_every_format(void)
{
	for (int i = 0; format_table[i]; i++) {
		unit_case("migrations_format = %s passes config_load", format_table[i]->name);
		struct strlist sets = {0};
		strlist_add_owned(&sets, xasprintf("migrations_format=%s", format_table[i]->name));
		enum rc rc;
		struct unit_capture cap;
		unit_capture_begin(&cap);
		struct config *cfg = config_load("tests/data/config/empty.conf", &sets, &rc);
		char *log = unit_capture_end(&cap);
		CHECK_INT_EQ(rc, RC_OK);
		CHECK_STR_EQ(log, "");
		if (cfg)
			CHECK(format_by_name(cfg->migrations_format) == format_table[i]);
		config_free(cfg);
		free(log);
		strlist_free(&sets);
	}
}

int main(void)
{
	log_setup(LOG_TEXT, 0);
	struct strlist formats = {0};
	DIR *d = opendir(DATA);
	unit_case(DATA);
	if (!CHECK(d != NULL))
		return unit_done();
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.' && (format_by_name(e->d_name) || strcmp(e->d_name, "auto") == 0))
			strlist_add(&formats, e->d_name);
	closedir(d);
	test_config_knows_every_format();
	CHECK_INT_EQ(formats.n, 6); /* the five formats and auto */
	for (int k = 0; k < formats.n; k++) {
		char *fdir = xasprintf(DATA "/%s", formats.items[k]);
		struct strlist cases = {0};
		bool missing;
		script_list_ext(fdir, ".files", NULL, &cases, &missing);
		unit_case("%s has cases", fdir);
		CHECK(cases.n > 0);
		for (int i = 0; i < cases.n; i++) {
			char *base = xstrdup(path_base(cases.items[i]));
			base[strlen(base) - 6] = '\0';
			run_case(formats.items[k], base);
			free(base);
		}
		strlist_free(&cases);
		free(fdir);
	}
	strlist_free(&formats);
	return unit_done();
}
