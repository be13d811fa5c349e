/* idxcheck — see idxcheck.h. */
#include "idxcheck.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* One token of a statement: a word, a "quoted identifier", or one other character. */
struct tok {
	const char *p;
	size_t len;
	bool quoted;
};

static const char *skip_space(const char *p, const char *end)
{
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p + 1 < end && p[0] == '-' && p[1] == '-') {
			while (p < end && *p != '\n')
				p++;
		} else if (p + 1 < end && p[0] == '/' && p[1] == '*') {
			int depth = 0;
			do {
				if (p + 1 < end && p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (p + 1 < end && p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else
					p++;
			} while (p < end && depth > 0);
		} else {
			return p;
		}
	}
}

static bool next_tok(const char **pp, const char *end, struct tok *t)
{
	const char *p = skip_space(*pp, end);
	if (p >= end)
		return false;
	t->p = p;
	t->quoted = false;
	if (*p == '"') {
		t->quoted = true;
		p++;
		while (p < end && !(*p == '"' && !(p + 1 < end && p[1] == '"')))
			p += *p == '"' ? 2 : 1;
		p = p < end ? p + 1 : p;
	} else if (isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80) {
		while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' || (unsigned char)*p >= 0x80))
			p++;
	} else {
		p++;
	}
	t->len = (size_t)(p - t->p);
	*pp = p;
	return true;
}

static bool is_word(const struct tok *t, const char *w)
{
	return !t->quoted && strlen(w) == t->len && strncasecmp(t->p, w, t->len) == 0;
}

/* An identifier's name as stored: quoted ones unescaped, others folded to lower case. */
static char *ident_name(const struct tok *t)
{
	struct buf b = {0};
	if (t->quoted) {
		for (size_t i = 1; i + 1 < t->len; i++) {
			buf_putc(&b, t->p[i]);
			if (t->p[i] == '"')
				i++;
		}
	} else {
		for (size_t i = 0; i < t->len; i++)
			buf_putc(&b, (char)tolower((unsigned char)t->p[i]));
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

struct target {
	char *table; /* as written, for to_regclass() */
	char *index; /* NULL: unnamed */
};

/* CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] [name] ON [ONLY] table ... */
static bool parse_create_index(const struct sql_stmt *st, struct target *out)
{
	const char *p = st->text, *end = st->text + st->len;
	struct tok t;
	memset(out, 0, sizeof *out);
	if (!next_tok(&p, end, &t) || !is_word(&t, "create") || !next_tok(&p, end, &t))
		return false;
	if (is_word(&t, "unique") && !next_tok(&p, end, &t))
		return false;
	if (!is_word(&t, "index") || !next_tok(&p, end, &t))
		return false;
	if (is_word(&t, "concurrently") && !next_tok(&p, end, &t))
		return false;
	if (is_word(&t, "if")) {
		if (!next_tok(&p, end, &t) || !is_word(&t, "not") || !next_tok(&p, end, &t) || !is_word(&t, "exists") ||
		    !next_tok(&p, end, &t))
			return false;
	}
	if (!is_word(&t, "on")) {
		out->index = ident_name(&t);
		if (!next_tok(&p, end, &t) || !is_word(&t, "on")) {
			free(out->index);
			out->index = NULL;
			return false;
		}
	}
	if (!next_tok(&p, end, &t))
		goto fail;
	if (is_word(&t, "only") && !next_tok(&p, end, &t))
		goto fail;
	/* The table: identifiers joined by dots, kept as written. */
	const char *start = t.p;
	const char *stop = t.p + t.len;
	for (;;) {
		const char *save = p;
		struct tok dot, part;
		if (!next_tok(&p, end, &dot) || dot.len != 1 || *dot.p != '.' || !next_tok(&p, end, &part)) {
			p = save;
			break;
		}
		stop = part.p + part.len;
	}
	out->table = xstrndup(start, (size_t)(stop - start));
	return true;
fail:
	free(out->index);
	out->index = NULL;
	return false;
}

/*
 * The invalid indexes ("schema.name", quoted) a CREATE INDEX statement
 * concerns, and beside each in builders who else is building it: a pid, or
 * "". A CREATE INDEX CONCURRENTLY in progress shows indisvalid = false as
 * well; its backend is in pg_stat_progress_create_index (index_relid, or only
 * the database when that backend's role is hidden from ours: counted, to be
 * safe), and a REINDEX CONCURRENTLY holds a lock on its new index.
 */
static bool invalid_indexes(struct db *db, const struct target *tg, struct strlist *out, struct strlist *builders)
{
	const char *params[] = {tg->table, tg->index};
	struct db_error err = {0};
	struct db_result *r = db_query(
		db,
		"SELECT format('%I.%I', n.nspname, c.relname), coalesce(coalesce((SELECT p.pid FROM pg_stat_progress_create_index p"
		" WHERE p.pid <> pg_backend_pid() AND p.datid = d.oid AND (p.index_relid = i.indexrelid OR p.relid IS NULL)"
		" LIMIT 1), (SELECT coalesce(l.pid, 0) FROM pg_locks l WHERE l.locktype = 'relation' AND l.database = d.oid"
		" AND l.relation = i.indexrelid AND l.pid IS DISTINCT FROM pg_backend_pid() AND l.granted LIMIT 1))::text, '')"
		" FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_database d ON d.datname = current_database()"
		" WHERE NOT i.indisvalid AND i.indrelid = to_regclass($1)"
		" AND ($2::text IS NULL OR c.relname = $2) ORDER BY 1",
		2, params, &err);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to look for invalid indexes on %s: %s",
			     tg->table, err.message);
		db_error_clear(&err);
		return false;
	}
	for (int i = 0; i < db_nrows(r); i++) {
		strlist_add(out, db_get(r, i, 0));
		strlist_add(builders, db_get(r, i, 1));
	}
	db_result_free(r);
	return true;
}

/* The invalid indexes of each CREATE INDEX statement of the file (see invalid_indexes). */
static bool each_index(struct db *db, const struct script *s, struct strlist *found, struct strlist *builders)
{
	for (int i = s->first; i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		if (!sqlsplit_starts_with(st, "CREATE INDEX") && !sqlsplit_starts_with(st, "CREATE UNIQUE INDEX"))
			continue;
		struct target tg;
		if (!parse_create_index(st, &tg))
			continue;
		bool ok = invalid_indexes(db, &tg, found, builders);
		free(tg.table);
		free(tg.index);
		if (!ok)
			return false;
	}
	return true;
}

/* An index another session is building is not left over: refuse, before anything is dropped. */
static bool none_being_built(const struct script *s, const struct strlist *found, const struct strlist *builders)
{
	bool ok = true;
	for (int i = 0; i < found->n; i++) {
		if (!*builders->items[i])
			continue;
		log_error_at(&(struct log_where){.file = s->path},
			     "index %s is being built by another session (pid %s): not dropping it", found->items[i],
			     builders->items[i]);
		log_hint("a CREATE INDEX CONCURRENTLY (or REINDEX CONCURRENTLY) is still running "
			 "(pg_stat_progress_create_index); run again once it has finished");
		ok = false;
	}
	return ok;
}

bool idxcheck_drop_invalid(struct db *db, const struct script *s)
{
	struct strlist found = {0}, builders = {0};
	bool ok = each_index(db, s, &found, &builders) && none_being_built(s, &found, &builders);
	for (int i = 0; ok && i < found.n; i++) {
		log_warn("%s: dropping invalid index %s (left by an interrupted CREATE INDEX CONCURRENTLY) so that the "
			 "file builds it again", s->name, found.items[i]);
		char *sql = xasprintf("DROP INDEX CONCURRENTLY IF EXISTS %s", found.items[i]);
		struct db_error err = {0};
		if (!db_exec(db, sql, NULL, &err)) {
			log_error_at(&(struct log_where){.file = s->path, .sqlstate = err.sqlstate},
				     "unable to drop invalid index %s: %s", found.items[i], err.message);
			log_hint("drop it by hand (DROP INDEX CONCURRENTLY %s) and run again", found.items[i]);
			ok = false;
		}
		db_error_clear(&err);
		free(sql);
	}
	strlist_free(&found);
	strlist_free(&builders);
	return ok;
}

bool idxcheck_verify(struct db *db, const struct script *s, char **errmsg)
{
	struct strlist found = {0}, builders = {0};
	bool ok = each_index(db, s, &found, &builders);
	strlist_free(&builders);
	if (ok && found.n) {
		struct buf names = {0};
		for (int i = 0; i < found.n; i++)
			buf_printf(&names, "%s%s", i ? ", " : "", found.items[i]);
		log_error_at(&(struct log_where){.file = s->path},
			     "index %s is invalid after the file ran (pg_index.indisvalid = false)", names.data);
		log_hint("a CREATE INDEX CONCURRENTLY did not finish; pginit drops and rebuilds it on the next run");
		free(*errmsg);
		*errmsg = xasprintf("%s: index %s is invalid", s->path, names.data);
		buf_free(&names);
		ok = false;
	}
	strlist_free(&found);
	return ok;
}
