/*
 * discover — the table of formats, format detection, reading a migrations
 * directory into a set, and the helpers the format files share (comment
 * markers, up/down sections, the old tool's table).
 */
#include "formats/discover.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "query.h"
#include "script.h"

extern const struct format format_native, format_golang_migrate, format_dbmate, format_goose, format_flyway;

/* Order matters for detection only: a file name that settles it is looked for in this order. */
const struct format *const format_table[] = {
	&format_native, &format_golang_migrate, &format_dbmate, &format_goose, &format_flyway, NULL,
};

const struct format *format_by_name(const char *name)
{
	for (int i = 0; format_table[i]; i++)
		if (strcmp(format_table[i]->name, name) == 0)
			return format_table[i];
	return NULL;
}

/* ---- names, markers and sections */

bool format_parse_numbered(const char *file, const char *down_suffix, const char *up_suffix, struct migration_name *out)
{
	memset(out, 0, sizeof *out);
	if (!str_ends_with(file, ".sql"))
		return false;
	size_t digits = strspn(file, "0123456789"), end = strlen(file) - 4;
	if (digits == 0 || file[digits] != '_')
		return false;
	if (down_suffix && str_ends_with(file, down_suffix)) {
		end = strlen(file) - strlen(down_suffix);
		out->down = true;
	} else if (up_suffix && str_ends_with(file, up_suffix)) {
		end = strlen(file) - strlen(up_suffix);
	} else if (up_suffix) {
		return false;
	}
	if (end > digits + 1) {
		out->version = migrate_normalise_version_n(file, digits, false);
		out->name = xstrndup(file + digits + 1, end - digits - 1);
	}
	if (!out->version || !out->name || !*out->name) {
		free(out->version);
		free(out->name);
		memset(out, 0, sizeof *out);
		return false;
	}
	return true;
}


const char *format_marker(const char *p, const char *eol, const char *word, bool any_case)
{
	if (eol - p < 2 || p[0] != '-' || p[1] != '-')
		return NULL;
	p += 2;
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	size_t n = strlen(word);
	if ((size_t)(eol - p) < n || (any_case ? strncasecmp(p, word, n) : strncmp(p, word, n)) != 0)
		return NULL;
	const char *rest = p + n;
	if (rest < eol && !isspace((unsigned char)*rest))
		return NULL; /* "-- migrate:upper" is not a marker */
	return rest;
}

/* Does the option (e.g. "transaction:false") follow the marker on its line? */
static bool has_option(const char *rest, const char *eol, const char *option)
{
	const char *o = option ? strstr(rest, option) : NULL;
	return o && o < eol;
}

/* Close the parts once every line has been seen: each runs up to the other or to the end. */
static void close_sections(struct migration *m, size_t len, bool up_seen, bool down_seen)
{
	if (up_seen && !down_seen)
		m->up.len = len - m->up.offset;
	if (down_seen) {
		m->down.len = len - m->down.offset;
		m->has_down = true;
		if (up_seen && m->down.offset < m->up.offset) { /* down section first: up runs to the end */
			m->down.len = m->up.offset - m->down.offset;
			m->up.len = len - m->up.offset;
		}
	}
	if (up_seen && down_seen && m->up.offset < m->down.offset && m->up.len == 0)
		m->up.len = m->down.offset - m->up.offset;
}

bool format_find_sections(struct migration *m, const char *text, size_t len, const struct format_sections *how,
			  const char *format_name)
{
	bool up_seen = false, down_seen = false, no_tx = false;
	int line = 1;
	for (const char *p = text; p < text + len; line++) {
		const char *eol = memchr(p, '\n', (size_t)(text + len - p));
		const char *next = eol ? eol + 1 : text + len;
		if (!eol)
			eol = text + len;
		const char *rest;
		if ((rest = format_marker(p, eol, how->up, how->any_case))) {
			up_seen = true;
			m->up = (struct script_part){.offset = (size_t)(next - text), .line = line + 1,
						     .split_flags = how->split_flags,
						     .no_transaction = has_option(rest, eol, how->no_tx_option)};
		} else if ((rest = format_marker(p, eol, how->down, how->any_case))) {
			down_seen = true;
			if (up_seen && m->up.len == 0)
				m->up.len = (size_t)(p - text) - m->up.offset;
			m->down = (struct script_part){.offset = (size_t)(next - text), .line = line + 1,
						       .split_flags = how->split_flags,
						       .no_transaction = has_option(rest, eol, how->no_tx_option)};
		} else if (how->no_tx_line && format_marker(p, eol, how->no_tx_line, how->any_case)) {
			no_tx = true;
		}
		p = next;
	}
	close_sections(m, len, up_seen, down_seen);
	if (no_tx)
		m->up.no_transaction = m->down.no_transaction = true;
	if (!up_seen) {
		log_error_at(&(struct log_where){.file = m->path, .line = 1}, "no '-- %s' section", how->up);
		log_hint("%s migrations mark their parts with '-- %s' and '-- %s'", format_name, how->up, how->down);
		return false;
	}
	return true;
}

/* ---- the old tool's table */

void format_history_free(struct format_history *h)
{
	strlist_free(&h->versions);
	free(h->upto);
	memset(h, 0, sizeof *h);
}

bool format_version_gap(const struct format *f, const char *prev, const char *next)
{
	long a, b;
	if (!f->gap_warning || strlen(prev) >= 8 || strlen(next) >= 8)
		return false;
	return parse_long(prev, &a) && parse_long(next, &b) && b > a + 1;
}

/* sql with {T} -> table and {L} -> table as a literal. Caller frees. */
static char *with_table(struct db *db, const char *table, const char *sql)
{
	char *lit = db_literal(db, table);
	struct buf b = {0};
	for (const char *p = sql; *p;) {
		if (strncmp(p, "{T}", 3) == 0 || strncmp(p, "{L}", 3) == 0) {
			buf_puts(&b, p[1] == 'T' ? table : lit);
			p += 3;
		} else {
			buf_putc(&b, *p++);
		}
	}
	free(lit);
	return buf_steal(&b);
}

bool format_query(struct db *db, const char *table, const char *sql, int n, const char *const *params, const char *what,
		  struct db_result **keep)
{
	char *q = with_table(db, table, sql);
	bool ok = n > 0 || keep ? query_run(db, q, n, params, what, keep) : query_exec(db, q, what);
	free(q);
	return ok;
}

bool format_read_versions(struct db *db, const char *table, const char *sql, struct format_history *out)
{
	struct db_result *r = NULL;
	if (!format_query(db, table, sql, 0, NULL, "read the old tool's table", &r))
		return false;
	for (int i = 0; i < db_nrows(r); i++) {
		char *n = migrate_normalise_version(db_get(r, i, 0), false);
		strlist_add_owned(&out->versions, n ? n : xstrdup(db_get(r, i, 0)));
	}
	db_result_free(r);
	return true;
}

char *format_history_name(struct db *db, const struct format *f, const char *configured)
{
	if (!f->history_table)
		return NULL;
	const char *name = configured && *configured ? configured : f->history_table;
	const char *dot = strchr(name, '.');
	char *schema = NULL, *rel;
	if (dot) {
		schema = xstrndup(name, (size_t)(dot - name));
		rel = xstrdup(dot + 1);
	} else {
		struct db_result *r = NULL;
		if (!query_run(db, "SELECT coalesce(current_schema(), 'public')", 0, NULL,
			       "find the first schema of the search_path", &r))
			return NULL;
		schema = xstrdup(db_get(r, 0, 0));
		db_result_free(r);
		rel = xstrdup(name);
	}
	char *qs = db_ident(db, schema), *qr = db_ident(db, rel);
	char *out = xasprintf("%s.%s", qs, qr);
	free(qs);
	free(qr);
	free(schema);
	free(rel);
	return out;
}

bool format_history_ensure(struct db *db, const struct format *f, const char *table, const char *owner)
{
	if (!f->history_table)
		return true;
	const char *params[] = {table};
	struct db_result *r = NULL;
	char *what = xasprintf("create %s for %s compatibility", table, f->name);
	bool ok = query_run(db, "SELECT to_regclass($1) IS NULL", 1, params, what, &r);
	bool created = ok && strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	ok = ok && format_query(db, table, f->history_ddl, 0, NULL, what, NULL);
	/* Ours: the owner role's, as the old tool's table was its migrating role's, so a
	 * migration running as the owner can ALTER it. One the old tool made stays its. */
	if (ok && created && owner) {
		char *q = db_ident(db, owner);
		char *sql = xasprintf("ALTER TABLE %s OWNER TO %s", table, q);
		ok = query_exec(db, sql, what);
		free(sql);
		free(q);
	}
	free(what);
	return ok;
}

bool format_history_read(struct db *db, const struct format *f, const char *table, struct format_history *out)
{
	memset(out, 0, sizeof *out);
	const char *params[] = {table};
	struct db_result *r = NULL;
	char *what = xasprintf("read %s", table);
	bool ok = query_run(db, "SELECT to_regclass($1) IS NOT NULL", 1, params, what, &r);
	free(what);
	if (!ok)
		return false;
	out->found = strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	return !out->found || f->history_read(db, table, out);
}

/* ---- discovery: each file read once (detect, checksum, parts from one buffer), sorted once */

/* The files' texts that are not read yet (NULL in texts); NULL for one that cannot be read (logged). */
static void read_rest(const struct strlist *files, char **texts, size_t *lens, bool *ok)
{
	for (int i = 0; i < files->n; i++)
		if (!texts[i] && !read_file(files->items[i], &texts[i], &lens[i])) {
			log_error("unable to read %s: %s", files->items[i], strerror(errno));
			texts[i] = NULL;
			*ok = false;
		}
}

/* A file name that settles the format, else the last marker line seen in the files' text. */
static const struct format *detect(const struct strlist *files, char *const *texts, const size_t *lens)
{
	const struct format *f = &format_native;
	for (int i = 0; i < files->n; i++) {
		const char *name = path_base(files->items[i]);
		for (int k = 0; format_table[k]; k++)
			if (format_table[k]->detect_name && format_table[k]->detect_name(name))
				return format_table[k];
		const char *text = texts[i];
		if (f != &format_native || !text)
			continue;
		for (const char *p = text; p && p < text + lens[i];) {
			const char *eol = memchr(p, '\n', (size_t)(text + lens[i] - p));
			const char *e = eol ? eol : text + lens[i];
			for (int k = 0; format_table[k]; k++)
				if (format_table[k]->detect_line && format_table[k]->detect_line(p, e))
					f = format_table[k];
			p = eol ? eol + 1 : NULL;
		}
	}
	return f;
}

/* Add one up file to the set (it takes path): its checksum and its parts, from the text read once. */
static bool add_migration(struct migration_set *out, char *path, struct migration_name *mn, const char *text,
			  size_t len)
{
	const struct format *f = out->format;
	struct migration *m = &out->items[out->n++];
	*m = (struct migration){.version = mn->version, .name = mn->name, .file = path_base(path), .path = path,
				.repeatable = mn->repeatable};
	if (!text)
		return false;
	script_checksum(text, len, m->checksum);
	if (f->find_parts)
		return f->find_parts(m, text, len);
	m->up = (struct script_part){.offset = 0, .len = (size_t)-1, .line = 1,
				     .no_transaction = f->no_transaction && f->no_transaction(m->path)};
	return true;
}

/* By version: the files come in name order, which is already that for zero-padded numbers. */
static void sort_set(struct migration_set *set)
{
	for (int i = 1; i < set->n; i++)
		if (migration_order(&set->items[i - 1], &set->items[i]) > 0) {
			qsort(set->items, (size_t)set->n, sizeof *set->items, migration_order);
			return;
		}
}

/* Two files with one version sit next to each other once sorted. */
static bool check_duplicates(const struct migration_set *set)
{
	bool ok = true;
	for (int i = 1; i < set->n; i++) {
		const struct migration *a = &set->items[i - 1], *b = &set->items[i];
		if (migration_key_cmp(a->repeatable, a->version, b->repeatable, b->version) == 0) {
			log_error("%s and %s have the same version %s", a->file, b->file, b->version);
			log_hint("give one of them the next free number");
			ok = false;
		}
	}
	return ok;
}

/*
 * Pair each down/undo file ("version\npath") with its migration (the set is
 * sorted). A second down file for one version is an error (found by
 * fuzz_migration: the second one leaked and won). quiet: no warning about a
 * down file without its migration (with misnamed files, the names are the
 * one error).
 */
static bool pair_downs(struct migration_set *out, struct strlist *downs, bool quiet)
{
	bool ok = true;
	for (int i = 0; i < downs->n; i++) {
		char *nl = strchr(downs->items[i], '\n');
		*nl = '\0';
		struct migration *m = (struct migration *)migrate_set_find(out, downs->items[i], false);
		if (!m) {
			if (!quiet)
				log_warn("%s: a down file without its migration (version %s)", nl + 1, downs->items[i]);
			continue;
		}
		if (m->down_path) {
			log_error("%s and %s are both down files of version %s", path_base(m->down_path), path_base(nl + 1),
				  downs->items[i]);
			log_hint("keep one down file per version");
			ok = false;
			continue;
		}
		m->down_path = xstrdup(nl + 1);
		m->has_down = true;
		m->down = (struct script_part){.offset = 0, .len = (size_t)-1, .line = 1,
					       .no_transaction = out->format->no_transaction &&
								 out->format->no_transaction(nl + 1)};
	}
	return ok;
}

/* Up to three names of a list, for a message: "a.sql, b.sql, c.sql and 6 more". */
static void some_names(struct buf *b, const struct strlist *l)
{
	buf_puts(b, "");
	for (int i = 0; i < l->n && i < 3; i++)
		buf_printf(b, "%s%s", i ? ", " : "", l->items[i]);
	if (l->n > 3)
		buf_printf(b, " and %d more", l->n - 3);
}

/*
 * The odd ones out of a mixed directory: the names that made it look like f
 * (a name that settles the format: golang-migrate's *.up.sql, Flyway's
 * V/U/R__ names); for a format detected by its markers, every file that parses.
 */
static void odd_ones(const struct format *f, const struct strlist *files, const struct strlist *bad,
		     struct strlist *good)
{
	for (int i = 0; i < files->n; i++) {
		const char *b = path_base(files->items[i]);
		if (!strlist_contains(bad, b) && (!f->detect_name || f->detect_name(b)))
			strlist_add(good, b);
	}
}

/*
 * One error for every misnamed file (issue 8: nine errors blamed the native
 * files when one golang-migrate file had made the directory look like
 * golang-migrate). Detected: say which files made it that format.
 */
static void report_bad_names(const char *dir, const struct format *f, bool detected, const struct strlist *files,
			     const struct strlist *bad)
{
	struct buf names = {0};
	some_names(&names, bad);
	bool one = bad->n == 1;
	if (detected && (f->detect_name || f->detect_line) && bad->n < files->n) {
		struct strlist good = {0};
		odd_ones(f, files, bad, &good);
		struct buf g = {0};
		some_names(&g, &good);
		log_error("%s mixes migration formats: %s %s %s, but %d file%s (%s) %s not", dir, g.data,
			  good.n == 1 ? "is" : "are", f->name, bad->n, one ? "" : "s", names.data, one ? "is" : "are");
		log_hint("one directory holds one tool's files: move %s out, or set migrations_format "
			 "(%s migrations are named %s)", good.n == 1 ? good.items[0] : "the odd ones", f->name, f->naming_rule);
		buf_free(&g);
		strlist_free(&good);
	} else {
		log_error("%s: %d file%s %s not %s %s migration file name%s: %s", dir, bad->n, one ? "" : "s",
			  one ? "is" : "are", one ? "a" : "valid", f->name, one ? "" : "s", names.data);
		log_hint("%s migrations are named %s%s", f->name, f->naming_rule,
			 detected ? "" : " (migrations_format is set; is it the right one?)");
	}
	buf_free(&names);
}

bool migrate_discover(const char *dir, const struct format *fmt, struct migration_set *out)
{
	struct strlist files = {0}, downs = {0}, bad = {0};
	bool missing, ok = true;
	char **texts;
	size_t *lens;
	memset(out, 0, sizeof *out);
	/* Listed and read once per run: by the preflight's byte check, before connecting. */
	if (!script_take_kept(dir, &files, &texts, &lens)) {
		if (!script_list(dir, &files, &missing))
			return false;
		if (missing)
			log_warn("migrations directory %s does not exist: no migrations", dir);
		lens = xcalloc((size_t)files.n + 1, sizeof *lens);
		texts = xcalloc((size_t)files.n + 1, sizeof *texts);
	}
	read_rest(&files, texts, lens, &ok);
	out->format = fmt ? fmt : detect(&files, texts, lens);
	out->items = xcalloc((size_t)files.n + 1, sizeof *out->items);
	bool *taken = xcalloc((size_t)files.n + 1, sizeof *taken); /* the path is the migration's now */
	for (int i = 0; i < files.n; i++) {
		struct migration_name mn;
		if (!out->format->parse_name(path_base(files.items[i]), &mn)) {
			strlist_add(&bad, path_base(files.items[i])); /* reported once, below */
			ok = false;
		} else if (mn.down) {
			strlist_add_owned(&downs, xasprintf("%s\n%s", mn.version, files.items[i]));
			free(mn.version);
			free(mn.name);
		} else {
			taken[i] = true;
			ok = add_migration(out, files.items[i], &mn, texts[i], lens[i]) && ok;
		}
		free(texts[i]);
	}
	free(texts);
	free(lens);
	sort_set(out);
	ok = check_duplicates(out) && ok;
	ok = pair_downs(out, &downs, bad.n > 0) && ok;
	if (bad.n)
		report_bad_names(dir, out->format, !fmt, &files, &bad);
	for (int i = 0; i < files.n; i++)
		if (taken[i])
			files.items[i] = NULL;
	free(taken);
	strlist_free(&bad);
	strlist_free(&downs);
	strlist_free(&files);
	return ok;
}
