/* migrate — see migrate.h. */
#include "migrate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "log.h"
#include "sig.h"

static const char *const format_names[] = {"native", "golang-migrate", "dbmate", "goose", "flyway", "auto"};

const char *migrate_format_name(enum mformat f)
{
	return format_names[f];
}

bool migrate_parse_format(const char *s, enum mformat *out)
{
	for (int i = 0; i <= FMT_AUTO; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum mformat)i;
			return true;
		}
	return false;
}

/* ---- versions */

/* Compare one numeric part of each (up to '.' or the end); advance both. */
static int cmp_part(const char **a, const char **b)
{
	while (**a == '0' && isdigit((unsigned char)(*a)[1]))
		(*a)++;
	while (**b == '0' && isdigit((unsigned char)(*b)[1]))
		(*b)++;
	size_t la = strcspn(*a, "."), lb = strcspn(*b, ".");
	int c = la != lb ? (la < lb ? -1 : 1) : strncmp(*a, *b, la);
	*a += la;
	*b += lb;
	return c;
}

int migrate_version_cmp(const char *a, const char *b)
{
	for (;;) {
		int c = cmp_part(&a, &b);
		if (c)
			return c;
		if (!*a && !*b)
			return 0;
		if (!*a)
			return -1; /* 1 < 1.1 */
		if (!*b)
			return 1;
		a++;
		b++;
	}
}

/* Digits and separators ('.' or '_' for flyway) to "1.2.10"; NULL if malformed. */
static char *normalise_version(const char *s, size_t n, bool multipart)
{
	struct buf b = {0};
	size_t i = 0;
	while (i < n) {
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == start)
			goto bad;
		size_t j = start;
		while (j + 1 < i && s[j] == '0')
			j++;
		buf_add(&b, s + j, i - j);
		if (i < n) {
			if (!multipart || (s[i] != '.' && s[i] != '_'))
				goto bad;
			buf_putc(&b, '.');
			i++;
			if (i == n)
				goto bad;
		}
	}
	if (b.len == 0)
		goto bad;
	return buf_steal(&b);
bad:
	buf_free(&b);
	return NULL;
}

char *migrate_normalise_version(const char *s, bool multipart)
{
	return normalise_version(s, strlen(s), multipart);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool migrate_parse_name(enum mformat f, const char *file, char **version, char **name, bool *down, bool *repeatable)
{
	*down = *repeatable = false;
	*version = *name = NULL;
	if (!ends_with(file, ".sql"))
		return false;
	size_t n = strlen(file) - 4;
	if (f == FMT_FLYWAY) {
		const char *sep = strstr(file, "__");
		if (!sep || sep == file || (size_t)(sep - file) + 2 >= n)
			return false;
		char prefix = file[0];
		*name = xstrndup(sep + 2, n - (size_t)(sep + 2 - file));
		if (prefix == 'R' && sep == file + 1) {
			*repeatable = true;
			*version = xstrdup(*name);
			return true;
		}
		if ((prefix == 'V' || prefix == 'U') && sep > file + 1)
			*version = normalise_version(file + 1, (size_t)(sep - file - 1), true);
		*down = prefix == 'U';
	} else {
		size_t digits = strspn(file, "0123456789");
		if (digits == 0 || file[digits] != '_')
			return false;
		size_t end = n;
		if (f == FMT_GOLANG_MIGRATE) {
			if (ends_with(file, ".up.sql"))
				end = n - 3;
			else if (ends_with(file, ".down.sql"))
				end = n - 5, *down = true;
			else
				return false;
		} else if (f == FMT_NATIVE && ends_with(file, ".down.sql")) {
			end = n - 5;
			*down = true;
		}
		if (end > digits + 1) {
			*version = normalise_version(file, digits, false);
			*name = xstrndup(file + digits + 1, end - digits - 1);
		}
	}
	if (!*version || !*name || !**name) {
		free(*version);
		free(*name);
		*version = *name = NULL;
		return false;
	}
	return true;
}

/* ---- sections of dbmate and goose files */

/* Is the line at p a comment "-- <marker>..." (case-insensitive for goose)? Returns what follows. */
static const char *marker(const char *p, const char *eol, const char *word, bool any_case)
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

static bool find_sections(struct migration *m, enum mformat f)
{
	char *text;
	size_t len;
	if (!read_file(m->path, &text, &len)) {
		log_error("unable to read %s", m->path);
		return false;
	}
	bool goose = f == FMT_GOOSE, up_seen = false, down_seen = false, no_tx = false;
	const char *up_word = goose ? "+goose Up" : "migrate:up";
	const char *down_word = goose ? "+goose Down" : "migrate:down";
	int line = 1;
	for (const char *p = text; p < text + len; line++) {
		const char *eol = memchr(p, '\n', (size_t)(text + len - p));
		const char *next = eol ? eol + 1 : text + len;
		if (!eol)
			eol = text + len;
		const char *rest;
		if ((rest = marker(p, eol, up_word, goose))) {
			up_seen = true;
			m->up = (struct script_part){.offset = (size_t)(next - text), .line = line + 1,
						     .split_flags = goose ? SQLSPLIT_GOOSE : 0};
			/* dbmate: options after the marker, e.g. "transaction:false" */
			if (!goose && strstr(rest, "transaction:false") && strstr(rest, "transaction:false") < eol)
				m->up.no_transaction = true;
		} else if ((rest = marker(p, eol, down_word, goose))) {
			down_seen = true;
			if (up_seen && m->up.len == 0)
				m->up.len = (size_t)(p - text) - m->up.offset;
			m->down = (struct script_part){.offset = (size_t)(next - text), .line = line + 1,
						       .split_flags = goose ? SQLSPLIT_GOOSE : 0};
			if (!goose && strstr(rest, "transaction:false") && strstr(rest, "transaction:false") < eol)
				m->down.no_transaction = true;
		} else if (goose && marker(p, eol, "+goose NO TRANSACTION", true)) {
			no_tx = true;
		}
		p = next;
	}
	if (up_seen && !down_seen)
		m->up.len = len - m->up.offset;
	if (down_seen) {
		m->down.len = len - m->down.offset;
		m->has_down = true;
		if (m->down.offset < m->up.offset) { /* down section first: up runs to the end */
			m->down.len = m->up.offset - m->down.offset;
		}
	}
	if (up_seen && down_seen && m->up.offset < m->down.offset && m->up.len == 0)
		m->up.len = m->down.offset - m->up.offset;
	if (goose && no_tx)
		m->up.no_transaction = m->down.no_transaction = true;
	free(text);
	if (!up_seen) {
		log_error_at(&(struct log_where){.file = m->path, .line = 1}, "no '-- %s' section", up_word);
		log_hint("%s migrations mark their parts with '-- %s' and '-- %s'", format_names[f], up_word, down_word);
		return false;
	}
	return true;
}

/* ---- discovery */

static enum mformat detect(const struct strlist *files)
{
	enum mformat f = FMT_NATIVE;
	for (int i = 0; i < files->n; i++) {
		const char *name = path_base(files->items[i]);
		char *v, *nm;
		bool down, rep;
		if ((name[0] == 'V' || name[0] == 'R' || name[0] == 'U') && strstr(name, "__") &&
		    migrate_parse_name(FMT_FLYWAY, name, &v, &nm, &down, &rep)) {
			free(v);
			free(nm);
			return FMT_FLYWAY;
		}
		if (ends_with(name, ".up.sql"))
			return FMT_GOLANG_MIGRATE;
		char *text;
		size_t len;
		if (f == FMT_NATIVE && read_file(files->items[i], &text, &len)) {
			for (const char *p = text; p && p < text + len;) {
				const char *eol = strchr(p, '\n');
				const char *e = eol ? eol : text + len;
				if (marker(p, e, "migrate:up", false))
					f = FMT_DBMATE;
				else if (marker(p, e, "+goose Up", true))
					f = FMT_GOOSE;
				p = eol ? eol + 1 : NULL;
			}
			free(text);
		}
	}
	return f;
}

static int by_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	if (x->repeatable != y->repeatable)
		return x->repeatable ? 1 : -1;
	return x->repeatable ? strcmp(x->name, y->name) : migrate_version_cmp(x->version, y->version);
}

/* Up to three names of a list, for a message: "a.sql, b.sql, c.sql and 6 more". */
static void some_names(struct buf *b, const struct strlist *l)
{
	for (int i = 0; i < l->n && i < 3; i++)
		buf_printf(b, "%s%s", i ? ", " : "", l->items[i]);
	if (l->n > 3)
		buf_printf(b, " and %d more", l->n - 3);
}

/*
 * One error for every misnamed file (issue 8: nine errors blamed the native
 * files when one golang-migrate file had made the directory look like
 * golang-migrate). Detected: say which files made it that format.
 */
static void report_bad_names(const char *dir, enum mformat f, bool detected, int total, const struct strlist *bad)
{
	static const char *const rules[] = {
		"NNNN_description.sql (and NNNN_description.down.sql)",
		"N_description.up.sql and N_description.down.sql",
		"VERSION_description.sql with -- migrate:up / -- migrate:down",
		"NNNNN_description.sql with -- +goose Up / -- +goose Down",
		"V1__description.sql, U1__description.sql, R__description.sql"};
	struct buf names = {0};
	some_names(&names, bad);
	if (detected && f != FMT_NATIVE && bad->n < total) {
		/* The files that do parse in the detected format are the odd ones out when they are few. */
		/* The odd ones out: the names that made the directory look like f (golang-migrate's *.up.sql
		 * and flyway's V/U/R__ names; for dbmate and goose, their markers: every file that parses). */
		struct strlist good = {0};
		struct strlist files = {0};
		if (script_list(dir, &files, NULL))
			for (int i = 0; i < files.n; i++) {
				const char *b = path_base(files.items[i]);
				if (strlist_contains(bad, b))
					continue;
				if (f == FMT_GOLANG_MIGRATE && !ends_with(b, ".up.sql"))
					continue;
				if (f == FMT_FLYWAY && !strstr(b, "__"))
					continue;
				strlist_add(&good, b);
			}
		struct buf g = {0};
		some_names(&g, &good);
		log_error("%s mixes migration formats: %s %s %s, but %d file%s (%s) %s not", dir, g.data,
			  good.n == 1 ? "is" : "are", format_names[f], bad->n, bad->n == 1 ? "" : "s", names.data,
			  bad->n == 1 ? "is" : "are");
		log_hint("one directory holds one tool's files: move %s out, or set migrations_format "
			 "(%s migrations are named %s)", good.n == 1 ? good.items[0] : "the odd ones", format_names[f], rules[f]);
		buf_free(&g);
		strlist_free(&good);
		strlist_free(&files);
	} else {
		log_error("%s: %d file%s %s not %s %s migration file name%s: %s", dir, bad->n, bad->n == 1 ? "" : "s",
			  bad->n == 1 ? "is" : "are", bad->n == 1 ? "a" : "valid", format_names[f], bad->n == 1 ? "" : "s",
			  names.data);
		log_hint("%s migrations are named %s%s", format_names[f], rules[f],
			 detected ? "" : " (migrations_format is set; is it the right one?)");
	}
	buf_free(&names);
}

/* Flyway's per-script configuration: V1__x.sql.conf with executeInTransaction=false. */
static bool flyway_no_tx(const char *path)
{
	char *conf = xasprintf("%s.conf", path), *text;
	size_t len;
	bool no_tx = false;
	if (read_file(conf, &text, &len)) {
		no_tx = strstr(text, "executeInTransaction=false") || strstr(text, "executeInTransaction = false");
		free(text);
	}
	free(conf);
	return no_tx;
}

enum rc migrate_discover(const char *dir, enum mformat fmt, struct migration_set *out)
{
	struct strlist files = {0}, downs = {0}, bad = {0};
	bool missing;
	memset(out, 0, sizeof *out);
	if (!script_list(dir, &files, &missing))
		return RC_VALIDATE;
	if (missing)
		log_warn("migrations directory %s does not exist: no migrations", dir);
	out->format = fmt == FMT_AUTO ? detect(&files) : fmt;
	enum rc rc = RC_OK;
	out->items = xcalloc((size_t)files.n + 1, sizeof *out->items);
	for (int i = 0; i < files.n; i++) {
		const char *file = path_base(files.items[i]);
		char *version, *name;
		bool down, repeatable;
		if (!migrate_parse_name(out->format, file, &version, &name, &down, &repeatable)) {
			strlist_add(&bad, file); /* reported once, below */
			rc = RC_VALIDATE;
			continue;
		}
		if (down) {
			strlist_add_owned(&downs, xasprintf("%s\n%s", version, files.items[i]));
			free(version);
			free(name);
			continue;
		}
		for (int j = 0; j < out->n; j++)
			if (out->items[j].repeatable == repeatable && strcmp(out->items[j].version, version) == 0) {
				log_error("%s and %s have the same version %s", out->items[j].file, file, version);
				log_hint("give one of them the next free number");
				rc = RC_VALIDATE;
			}
		struct migration *m = &out->items[out->n++];
		*m = (struct migration){.version = version, .name = name, .file = xstrdup(file),
					.path = xstrdup(files.items[i]), .repeatable = repeatable};
		if (out->format == FMT_DBMATE || out->format == FMT_GOOSE) {
			if (!find_sections(m, out->format))
				rc = RC_VALIDATE;
		} else {
			m->up = (struct script_part){.offset = 0, .len = (size_t)-1, .line = 1};
			if (out->format == FMT_FLYWAY)
				m->up.no_transaction = flyway_no_tx(m->path);
		}
	}
	/* Pair each down/undo file with its migration. */
	for (int i = 0; i < downs.n; i++) {
		char *nl = strchr(downs.items[i], '\n');
		*nl = '\0';
		bool paired = false;
		for (int j = 0; j < out->n; j++)
			if (!out->items[j].repeatable && strcmp(out->items[j].version, downs.items[i]) == 0) {
				paired = true;
				if (out->items[j].down_path) { /* found by fuzz_migration: the second one leaked and won */
					log_error("%s and %s are both down files of version %s", path_base(out->items[j].down_path),
						  path_base(nl + 1), downs.items[i]);
					log_hint("keep one down file per version");
					rc = RC_VALIDATE;
					continue;
				}
				out->items[j].down_path = xstrdup(nl + 1);
				out->items[j].has_down = true;
				out->items[j].down = (struct script_part){.offset = 0, .len = (size_t)-1, .line = 1};
				if (out->format == FMT_FLYWAY)
					out->items[j].down.no_transaction = flyway_no_tx(nl + 1);
				paired = true;
			}
		if (!paired && bad.n == 0) /* with misnamed files, the names are the one error */
			log_warn("%s: a down file without its migration (version %s)", nl + 1, downs.items[i]);
	}
	if (bad.n)
		report_bad_names(dir, out->format, fmt == FMT_AUTO, files.n, &bad);
	strlist_free(&bad);
	strlist_free(&downs);
	strlist_free(&files);
	if (out->n > 1)
		qsort(out->items, (size_t)out->n, sizeof *out->items, by_version);
	return rc;
}

void migrate_set_free(struct migration_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->items[i].version);
		free(s->items[i].name);
		free(s->items[i].file);
		free(s->items[i].path);
		free(s->items[i].down_path);
	}
	free(s->items);
	memset(s, 0, sizeof *s);
}

bool migrate_load(const struct migration *m, bool down, struct script *s)
{
	const char *path = down && m->down_path ? m->down_path : m->path;
	return script_load_part(path, down ? &m->down : &m->up, s);
}

/* ---- planning */

static const struct ledger_migration *find_history(const struct ledger_migration *h, int n, const struct migration *m)
{
	for (int i = 0; i < n; i++)
		if (h[i].repeatable == m->repeatable && strcmp(h[i].version, m->version) == 0)
			return &h[i];
	return NULL;
}

/* The file's checksum, without splitting it (a whole-file hash). */
static bool file_checksum(const char *path, char out[65])
{
	char *text;
	size_t len;
	if (!read_file(path, &text, &len)) {
		log_error("unable to read %s", path);
		return false;
	}
	script_checksum(text, len, out);
	free(text);
	return true;
}

enum rc migrate_plan(const struct migration_set *set, const struct ledger_migration *history, int n_history,
		     bool allow_out_of_order, bool strict, struct plan *out)
{
	memset(out, 0, sizeof *out);
	out->pending = xcalloc((size_t)set->n + 1, sizeof(int));
	out->state = xcalloc((size_t)set->n + 1, sizeof(enum mstate));
	enum rc rc = RC_OK;
	const char *newest = NULL;
	struct buf gone = {0};

	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		if (m->success && !m->repeatable && (!newest || migrate_version_cmp(m->version, newest) > 0))
			newest = m->version;
		bool found = false;
		for (int i = 0; i < set->n; i++)
			found = found || (set->items[i].repeatable == m->repeatable && strcmp(set->items[i].version, m->version) == 0);
		if (!found && m->success && !m->repeatable) {
			out->n_missing++;
			if (strict && out->n_missing <= 3)
				buf_printf(&gone, "%s%s (%s, applied %s)", out->n_missing > 1 ? ", " : "", m->version, m->name,
					   m->applied_at);
		}
	}
	if (strict && out->n_missing) {
		/* One root cause, one error: a whole history without files is a wrong directory, not n lost files. */
		if (out->n_missing > 3)
			buf_printf(&gone, " and %d more", out->n_missing - 3);
		log_error("%d applied migration%s %s no file in the migrations directory: %s", out->n_missing,
			  out->n_missing == 1 ? "" : "s", out->n_missing == 1 ? "has" : "have", gone.data);
		if (out->n_missing > 1 && out->n_missing >= set->n)
			log_hint("is paths.migrations (or migrations_format) the one this database was migrated from? "
				 "applied migrations must stay in the directory");
		else
			log_hint("restore the file%s; applied migrations must stay (undo them with a new migration)",
				 out->n_missing == 1 ? "" : "s");
		rc = RC_VALIDATE;
	}
	buf_free(&gone);
	for (int i = 0; i < set->n; i++) {
		const struct migration *mg = &set->items[i];
		const struct ledger_migration *h = find_history(history, n_history, mg);
		if (!h) {
			out->state[i] = M_PENDING;
			continue;
		}
		if (!h->success) {
			out->state[i] = M_FAILED;
			continue;
		}
		char sum[65];
		if (!file_checksum(mg->path, sum)) {
			rc = RC_VALIDATE;
			continue;
		}
		if (strcmp(sum, h->checksum) == 0) {
			out->state[i] = M_APPLIED;
		} else if (mg->repeatable) {
			out->state[i] = M_PENDING; /* a repeatable runs again when it changes */
		} else {
			out->state[i] = M_DRIFTED;
			out->n_drifted++;
			if (strict) {
				log_error("%s was changed after it was applied on %s (checksum %.12s, applied %.12s)",
					  mg->path, h->applied_at, sum, h->checksum);
				log_hint("restore the applied text and put the change in a new migration, "
					 "or run `pginit repair` if the edit is intended");
				rc = RC_VALIDATE;
			}
		}
	}
	for (int i = 0; i < set->n; i++) {
		const struct migration *mg = &set->items[i];
		if (out->state[i] != M_PENDING && out->state[i] != M_FAILED)
			continue;
		if (!mg->repeatable && newest && migrate_version_cmp(mg->version, newest) < 0 && !allow_out_of_order &&
		    strict) {
			log_error("%s is pending but older than the newest applied migration (version %s)", mg->file, newest);
			log_hint("renumber it after %s, or set allow_out_of_order = true in the profile", newest);
			rc = RC_VALIDATE;
		}
		out->pending[out->n_pending++] = i;
	}
	return rc;
}

void migrate_plan_free(struct plan *p)
{
	free(p->pending);
	free(p->state);
	memset(p, 0, sizeof *p);
}

/* ---- applying */

/* lock_timeout/statement_timeout for this migration; local to its transaction when it has one. */
static bool set_timeouts(struct db *db, const struct profile *p, bool local)
{
	struct db_error err = {0};
	const char *params[] = {p->migration_lock_timeout, p->migration_statement_timeout, local ? "t" : "f"};
	struct db_result *r = db_query(db,
				       "SELECT set_config('lock_timeout', $1, $3::bool),"
				       " set_config('statement_timeout', $2, $3::bool)",
				       3, params, &err);
	if (!r) {
		log_error("invalid migration_lock_timeout '%s' or migration_statement_timeout '%s' of profile %s: %s",
			  p->migration_lock_timeout, p->migration_statement_timeout, p->name, err.message);
		db_error_clear(&err);
		return false;
	}
	db_result_free(r);
	return true;
}

/* The statements pginit wraps around a migration, for --dry-run's listing too. */
static char *set_role_sql(struct db *db, const struct config *cfg, bool local)
{
	char *owner = db ? db_ident(db, cfg->owner.name) : xasprintf("\"%s\"", cfg->owner.name);
	char *sql = xasprintf("SET %sROLE %s", local ? "LOCAL " : "", owner);
	free(owner);
	return sql;
}

/* Run one direction of one migration and record it (kind "migration" or "rollback"). */
static enum rc run_one(struct db *db, const struct config *cfg, const struct migration_set *set,
		       const struct migration *m, bool down, long run_id, long *ms)
{
	struct script s;
	if (!migrate_load(m, down, &s)) {
		script_free(&s);
		return RC_MIGRATE;
	}
	char sum[65];
	if (!file_checksum(m->path, sum)) {
		script_free(&s);
		return RC_MIGRATE;
	}
	bool tx = !s.no_transaction;
	char *set_role = set_role_sql(db, cfg, tx);
	/* The version below this one (golang-migrate's table keeps only the current version). */
	const char *prev = NULL;
	for (int i = 0; i < set->n; i++)
		if (!set->items[i].repeatable && migrate_version_cmp(set->items[i].version, m->version) < 0)
			prev = set->items[i].version;
	int64_t t0 = now_ms();
	long rows = 0;
	char *errmsg = NULL;
	bool ok = (!tx || script_simple(db, "BEGIN")) && set_timeouts(db, cfg->profile, tx) && script_simple(db, set_role);
	bool ran = ok && script_exec(db, &s, &rows, &errmsg);
	*ms = (long)(now_ms() - t0);
	struct ledger_migration_row row = {.run_id = run_id, .version = m->version, .name = m->name,
					   .script = down && m->down_path ? path_base(m->down_path) : m->file,
					   .checksum = sum, .execution_ms = *ms, .success = ran, .error = errmsg,
					   .kind = down ? "rollback" : m->repeatable ? "repeatable" : "migration"};
	if (tx) {
		if (ran)
			ok = script_simple(db, "RESET ROLE") && ledger_record_migration(db, cfg->ledger_schema, &row) &&
			     (!cfg->migrations_compat || compat_record(db, set->format, m, prev, *ms, !down)) &&
			     script_simple(db, "COMMIT");
		if (!ran || !ok)
			script_simple(db, "ROLLBACK");
	} else {
		/* Outside a transaction what ran stays: record it either way. */
		script_simple(db, "RESET ROLE");
		script_simple(db, "RESET lock_timeout");
		script_simple(db, "RESET statement_timeout");
		if (ok)
			ok = ledger_record_migration(db, cfg->ledger_schema, &row) && ran &&
			     (!cfg->migrations_compat || compat_record(db, set->format, m, prev, *ms, !down));
		if (!ran && !sig_caught())
			log_hint("%s ran outside a transaction: the statements before the failing one stay applied; "
				 "make them idempotent (IF NOT EXISTS) before running again", s.name);
	}
	free(errmsg);
	free(set_role);
	script_free(&s);
	if (sig_caught())
		return RC_SIGNAL;
	return ok && ran ? RC_OK : RC_MIGRATE;
}

enum rc migrate_apply(struct db *db, const struct config *cfg, const struct migration_set *set,
		      const struct plan *plan, long run_id, int *applied)
{
	*applied = 0;
	if (plan->n_pending == 0) {
		log_info("migrations (%s): %d applied, nothing to do", format_names[set->format], set->n);
		return RC_OK;
	}
	/* Every pending file must load (split, directives, placeholders) before the first one runs. */
	enum rc pre = RC_OK;
	for (int k = 0; k < plan->n_pending; k++) {
		struct script s;
		if (!migrate_load(&set->items[plan->pending[k]], false, &s))
			pre = RC_VALIDATE;
		script_free(&s);
	}
	if (pre != RC_OK) {
		log_hint("nothing was applied: fix the file(s) above first");
		return pre;
	}
	if (cfg->migrations_compat && !compat_ensure(db, set->format))
		return RC_MIGRATE;
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		if (plan->state[plan->pending[k]] == M_FAILED)
			log_warn("%s failed outside a transaction earlier; running it again", m->file);
		long ms = 0;
		enum rc rc = run_one(db, cfg, set, m, false, run_id, &ms);
		if (rc != RC_OK) {
			if (rc == RC_MIGRATE)
				log_info("%s failed after %ld ms; %d of %d pending applied, the rest not attempted", m->file, ms,
					 *applied, plan->n_pending);
			return rc;
		}
		(*applied)++;
		log_progress("migrate", k + 1, plan->n_pending, m->file, ms, -1);
	}
	return RC_OK;
}

enum rc migrate_rollback(struct db *db, const struct config *cfg, const struct migration_set *set,
			 const struct ledger_migration *history, int n_history, int steps, const char *to_version,
			 long run_id, int *rolled_back)
{
	*rolled_back = 0;
	/* Applied versioned migrations, newest first. */
	int *targets = xcalloc((size_t)set->n + 1, sizeof(int)), n = 0;
	for (int i = set->n - 1; i >= 0; i--) {
		const struct migration *m = &set->items[i];
		const struct ledger_migration *h = find_history(history, n_history, m);
		if (m->repeatable || !h || !h->success)
			continue;
		if (to_version ? migrate_version_cmp(m->version, to_version) <= 0 : n >= steps)
			continue;
		targets[n++] = i;
	}
	enum rc rc = RC_OK;
	for (int k = 0; k < n; k++)
		if (!set->items[targets[k]].has_down) {
			log_error("%s has no down part: nothing of the rollback was done", set->items[targets[k]].file);
			log_hint("add its down step (%s) or roll back fewer steps", set->format == FMT_FLYWAY ? "a U file"
								: set->format == FMT_DBMATE ? "-- migrate:down"
								: set->format == FMT_GOOSE ? "-- +goose Down" : "a .down.sql file");
			rc = RC_VALIDATE;
		}
	if (rc == RC_OK && n == 0)
		log_info("nothing to roll back");
	if (rc == RC_OK && cfg->migrations_compat && n > 0 && !compat_ensure(db, set->format))
		rc = RC_MIGRATE;
	for (int k = 0; rc == RC_OK && k < n; k++) {
		const struct migration *m = &set->items[targets[k]];
		long ms = 0;
		rc = run_one(db, cfg, set, m, true, run_id, &ms);
		if (rc == RC_OK) {
			(*rolled_back)++;
			log_progress("rollback", k + 1, n, m->file, ms, -1);
		}
	}
	if (*rolled_back > 0 && !ledger_reset_repeatables(db, cfg->ledger_schema, run_id))
		rc = RC_MIGRATE;
	free(targets);
	return rc;
}

void migrate_print_plan(const struct config *cfg, const struct migration_set *set, const struct plan *plan)
{
	printf("-- migrations (%s, %s): %d pending\n", cfg->migrations_dir, format_names[set->format], plan->n_pending);
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		struct script s;
		if (!migrate_load(m, false, &s)) {
			script_free(&s);
			continue;
		}
		char *set_role = set_role_sql(NULL, cfg, !s.no_transaction);
		printf("\n-- [%d/%d] %s (version %s%s)\n", k + 1, plan->n_pending, m->file, m->version,
		       s.no_transaction ? ", no transaction" : "");
		if (!s.no_transaction)
			printf("BEGIN;\n");
		printf("SELECT set_config('lock_timeout', '%s', %s), set_config('statement_timeout', '%s', %s);\n",
		       cfg->profile->migration_lock_timeout, s.no_transaction ? "false" : "true",
		       cfg->profile->migration_statement_timeout, s.no_transaction ? "false" : "true");
		printf("%s;\n", set_role);
		for (int i = s.first; i < s.last; i++) {
			const struct sql_stmt *st = &s.sql.stmts[i];
			printf("%.*s;\n", (int)st->len, st->text);
			if (st->copy_data)
				printf("%.*s\\.\n", (int)st->copy_len, st->copy_data);
		}
		printf("RESET ROLE;\n-- + a row in %s.schema_migrations (version %s, checksum %.12s)\n", cfg->ledger_schema,
		       m->version, s.checksum);
		if (!s.no_transaction)
			printf("COMMIT;\n");
		free(set_role);
		script_free(&s);
	}
}
