/* seed — see seed.h. */
#include "seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sig.h"
#include "txn.h"

static bool is_csv(const char *path)
{
	return strlen(path) > 4 && str_ends_with(path, ".csv");
}

bool seed_list(const struct config *cfg, const char *set, struct strlist *files)
{
	char *dir = path_join(cfg->seeds_dir, set);
	bool missing = false;
	bool ok = script_list_ext(dir, ".sql", ".csv", files, &missing);
	if (missing) {
		log_error("seed set '%s' of profile %s has no directory %s", set, cfg->profile->name, dir);
		log_hint("create it, or remove '%s' from the profile's seeds", set);
		ok = false;
	}
	free(dir);
	return ok;
}

bool seed_load_all(const struct config *cfg, struct seed_files *out)
{
	memset(out, 0, sizeof *out);
	bool ok = true;
	for (int k = 0; k < cfg->profile->seeds.n; k++) {
		struct strlist files = {0};
		ok = seed_list(cfg, cfg->profile->seeds.items[k], &files) && ok;
		out->items = xrealloc(out->items, (size_t)(out->n + files.n) * sizeof *out->items);
		for (int i = 0; i < files.n; i++) {
			struct seed_file *f = &out->items[out->n++];
			f->set = cfg->profile->seeds.items[k];
			ok = seed_check_file(files.items[i], cfg->vars, &f->s) && ok;
		}
		strlist_free(&files);
	}
	return ok;
}

void seed_files_free(struct seed_files *f)
{
	for (int i = 0; i < f->n; i++)
		script_free(&f->items[i].s);
	free(f->items);
	ledger_seeds_free(f->done, f->n_done);
	memset(f, 0, sizeof *f);
}

bool seed_check_all(const struct config *cfg)
{
	struct seed_files f;
	bool ok = seed_load_all(cfg, &f);
	seed_files_free(&f);
	return ok;
}

/*
 * A CSV seed is named <schema>.<table>.csv (an optional "NNN_" prefix orders
 * it among the set's files) and starts with a header row naming the columns.
 * Its table and column list, as quoted SQL; false (logged) when malformed.
 */
static bool csv_target(struct db *db, const struct script *s, char **table, char **columns)
{
	const char *base = s->name;
	size_t digits = strspn(base, "0123456789");
	if (digits && base[digits] == '_')
		base += digits + 1;
	const char *dot = strchr(base, '.');
	size_t n = strlen(base) - 4;
	if (!dot || (size_t)(dot - base) >= n - 1 || memchr(dot + 1, '.', n - (size_t)(dot + 1 - base))) {
		log_error("%s: a CSV seed is named SCHEMA.TABLE.csv (optionally NNN_SCHEMA.TABLE.csv)", s->path);
		return false;
	}
	const char *eol = memchr(s->text, '\n', s->len);
	size_t hl = eol ? (size_t)(eol - s->text) : s->len;
	if (hl && s->text[hl - 1] == '\r')
		hl--;
	if (hl == 0) {
		log_error_at(&(struct log_where){.file = s->path, .line = 1}, "the first line must name the columns");
		return false;
	}
	if (!db) { /* offline check: the shape only */
		*table = *columns = NULL;
		return true;
	}
	char *schema = xstrndup(base, (size_t)(dot - base)), *tab = xstrndup(dot + 1, n - (size_t)(dot + 1 - base));
	char *qs = db_ident(db, schema), *qt = db_ident(db, tab);
	*table = xasprintf("%s.%s", qs, qt);
	free(schema);
	free(tab);
	free(qs);
	free(qt);
	/* Header fields: plain or "quoted" names, comma-separated. */
	struct buf cols = {0};
	struct strlist names = {0};
	char *header = xstrndup(s->text, hl);
	strlist_split(&names, header);
	for (int i = 0; i < names.n; i++) {
		char *f = names.items[i];
		size_t fl = strlen(f);
		if (fl >= 2 && f[0] == '"' && f[fl - 1] == '"') {
			f[fl - 1] = '\0';
			f++;
		}
		char *q = db_ident(db, f);
		buf_printf(&cols, "%s%s", i ? ", " : "", q);
		free(q);
	}
	*columns = buf_steal(&cols);
	strlist_free(&names);
	free(header);
	return true;
}

bool seed_check_file(const char *path, const struct kv *vars, struct script *s)
{
	if (!is_csv(path))
		return script_load(path, vars, s);
	memset(s, 0, sizeof *s);
	s->path = xstrdup(path);
	s->name = xstrdup(path_base(path));
	if (!read_file(path, &s->text, &s->len)) {
		log_error("unable to read %s", path);
		return false;
	}
	script_checksum(s->text, s->len, s->checksum);
	char *t, *c;
	return csv_target(NULL, s, &t, &c);
}

/*
 * COPY into a temporary table shaped like the CSV's columns, then INSERT ...
 * ON CONFLICT DO NOTHING: as fast as COPY and as idempotent as the SQL seeds
 * when a changed file is applied again.
 */
static bool exec_csv(struct db *db, const struct script *s, long *rows)
{
	char *table = NULL, *cols = NULL;
	if (!csv_target(db, s, &table, &cols))
		return false;
	char *create = xasprintf("CREATE TEMP TABLE pginit_csv ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA", cols, table);
	char *copy = xasprintf("COPY pginit_csv (%s) FROM STDIN WITH (FORMAT csv, HEADER true)", cols);
	char *insert = xasprintf("INSERT INTO %s (%s) SELECT %s FROM pginit_csv ON CONFLICT DO NOTHING", table, cols, cols);
	struct db_error err = {0};
	long copied = 0;
	bool ok = db_exec(db, create, NULL, &err) && db_copy_in(db, copy, s->text, s->len, &copied, &err) &&
		  db_exec(db, insert, rows, &err);
	if (!ok) {
		log_error_at(&(struct log_where){.file = s->path, .sqlstate = err.sqlstate}, "%s", err.message);
		if (err.context)
			log_error("context: %s", err.context);
	}
	db_error_clear(&err);
	free(create);
	free(copy);
	free(insert);
	free(table);
	free(cols);
	return ok;
}

/* One seed file, as txn.c runs it. */
struct seed_run {
	const struct config *cfg;
	const char *set;
	struct script *s;
	long run_id, rows, ms;
	char *errmsg;
};

static bool seed_work(struct db *db, void *arg)
{
	struct seed_run *r = arg;
	int64_t t0 = now_ms();
	bool ran = is_csv(r->s->path) ? exec_csv(db, r->s, &r->rows) : script_exec(db, r->s, &r->rows, &r->errmsg);
	r->ms = (long)(now_ms() - t0);
	return ran;
}

static bool seed_record(struct db *db, void *arg, bool ran)
{
	struct seed_run *r = arg;
	(void)ran;
	return ledger_record_seed(db, r->cfg->ledger_schema, r->run_id, r->set, r->s->name, r->s->checksum,
				  r->cfg->profile->name, r->rows, r->ms);
}

static bool apply_file(struct db *db, const struct config *cfg, const char *set, struct script *s, long run_id,
		       long *rows, long *ms)
{
	struct seed_run r = {.cfg = cfg, .set = set, .s = s, .run_id = run_id};
	struct txn t = {.transaction = true, .role = cfg->owner.name, .work = seed_work, .record = seed_record, .arg = &r};
	bool ran, ok = txn_run(db, &t, &ran);
	*rows = r.rows;
	*ms = r.ms;
	free(r.errmsg);
	return ok && !sig_caught();
}

static const char *state_of(const char *name, const char *sum, const char *set, const struct ledger_seed *done,
			    int n_done)
{
	for (int j = 0; j < n_done; j++)
		if (strcmp(done[j].set, set) == 0 && strcmp(done[j].name, name) == 0)
			return strcmp(done[j].checksum, sum) == 0 ? "applied" : "changed";
	return "pending";
}

const char *seed_state(const char *path, const char *set, const struct ledger_seed *done, int n_done)
{
	char *text;
	size_t len;
	char sum[65] = "";
	if (read_file(path, &text, &len)) { /* unreadable: not "applied"; applying it reports why */
		script_checksum(text, len, sum);
		free(text);
	}
	return state_of(path_base(path), sum, set, done, n_done);
}

static bool load_done(struct db *db, const struct config *cfg, struct seed_files *loaded)
{
	if (!loaded->have_done) {
		if (!ledger_seeds(db, cfg->ledger_schema, &loaded->done, &loaded->n_done))
			return false;
		loaded->have_done = true;
	}
	return true;
}

int seed_set_todo(struct db *db, const struct config *cfg, const char *set, struct seed_files *loaded)
{
	if (!load_done(db, cfg, loaded))
		return -1;
	int todo = 0;
	for (int k = 0; k < loaded->n; k++) {
		const struct script *s = &loaded->items[k].s;
		todo += strcmp(loaded->items[k].set, set) == 0 &&
			strcmp(state_of(s->name, s->checksum, set, loaded->done, loaded->n_done), "applied") != 0;
	}
	return todo;
}

bool seed_apply_set(struct db *db, const struct config *cfg, const char *set, struct seed_files *loaded, long run_id,
		    struct seed_totals *totals)
{
	if (!load_done(db, cfg, loaded))
		return false;
	int n = 0, i = 0;
	for (int k = 0; k < loaded->n; k++)
		n += strcmp(loaded->items[k].set, set) == 0;
	bool ok = true;
	for (int k = 0; ok && k < loaded->n; k++) {
		struct script *s = &loaded->items[k].s;
		if (strcmp(loaded->items[k].set, set) != 0)
			continue;
		i++;
		const char *state = state_of(s->name, s->checksum, set, loaded->done, loaded->n_done);
		if (strcmp(state, "applied") == 0) {
			log_debug("seed %s/%s: applied before, unchanged", set, s->name);
			continue;
		}
		if (strcmp(state, "changed") == 0)
			log_info("seed %s/%s changed since it was applied: applying it again", set, s->name);
		long rows = 0, ms = 0;
		ok = apply_file(db, cfg, set, s, run_id, &rows, &ms);
		if (ok) {
			char *label = xasprintf("%s/%s", set, s->name);
			log_progress("seed", i, n, label, ms, rows);
			free(label);
			totals->files++;
			totals->rows += rows;
		}
	}
	return ok;
}

bool seed_print_plan(struct db *db, const struct config *cfg, bool ledger)
{
	struct ledger_seed *done = NULL;
	int n_done = 0;
	if (db && ledger && !ledger_seeds(db, cfg->ledger_schema, &done, &n_done))
		return false;
	bool ok = true;
	printf("\n-- seeds (profile %s):%s\n", cfg->profile->name, cfg->profile->seeds.n ? "" : " none");
	for (int k = 0; ok && k < cfg->profile->seeds.n; k++) {
		const char *set = cfg->profile->seeds.items[k];
		struct strlist files = {0};
		ok = seed_list(cfg, set, &files);
		for (int i = 0; ok && i < files.n; i++) {
			const char *state = seed_state(files.items[i], set, done, n_done);
			if (strcmp(state, "applied") == 0)
				continue;
			struct script s;
			if (!seed_check_file(files.items[i], cfg->vars, &s)) {
				ok = false;
			} else {
				printf("\n-- %s/%s (%s)\nBEGIN;\nSET LOCAL ROLE \"%s\";\n", set, s.name, state, cfg->owner.name);
				if (is_csv(s.path))
					printf("-- COPY %s (header: first line) FROM STDIN WITH (FORMAT csv, HEADER true) "
					       "via a temporary table, INSERT ... ON CONFLICT DO NOTHING\n", s.name);
				for (int j = s.first; j < s.last; j++)
					printf("%.*s;\n", (int)s.sql.stmts[j].len, s.sql.stmts[j].text);
				printf("RESET ROLE;\n-- + a row in %s.seed_history\nCOMMIT;\n", cfg->ledger_schema);
			}
			script_free(&s);
		}
		strlist_free(&files);
	}
	ledger_seeds_free(done, n_done);
	return ok;
}
