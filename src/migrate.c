/* migrate — see migrate.h. */
#include "migrate.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "script.h"
#include "sig.h"

int migrate_version_cmp(const char *a, const char *b)
{
	while (*a == '0' && a[1])
		a++;
	while (*b == '0' && b[1])
		b++;
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

bool migrate_parse_name(const char *file, char **version, char **name, bool *down)
{
	size_t n = strlen(file), digits = 0;
	while (isdigit((unsigned char)file[digits]))
		digits++;
	if (digits == 0 || file[digits] != '_' || n < 4 || strcmp(file + n - 4, ".sql") != 0)
		return false;
	size_t name_end = n - 4;
	*down = n - digits > 9 && strcmp(file + n - 9, ".down.sql") == 0;
	if (*down)
		name_end = n - 9;
	if (name_end <= digits + 1)
		return false;
	const char *v = file;
	size_t vl = digits;
	while (vl > 1 && *v == '0') {
		v++;
		vl--;
	}
	*version = xstrndup(v, vl);
	*name = xstrndup(file + digits + 1, name_end - digits - 1);
	return true;
}

static int by_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return migrate_version_cmp(x->version, y->version);
}

enum rc migrate_discover(const char *dir, struct migration_set *out)
{
	struct strlist files = {0};
	bool missing;
	out->items = NULL;
	out->n = 0;
	if (!script_list(dir, &files, &missing))
		return RC_VALIDATE;
	if (missing)
		log_warn("migrations directory %s does not exist: no migrations", dir);
	enum rc rc = RC_OK;
	struct strlist downs = {0};
	out->items = xcalloc((size_t)files.n + 1, sizeof *out->items);
	for (int i = 0; i < files.n; i++) {
		const char *file = path_base(files.items[i]);
		char *version, *name;
		bool down;
		if (!migrate_parse_name(file, &version, &name, &down)) {
			log_error("%s: not a migration file name", files.items[i]);
			log_hint("name migrations NNNN_description.sql (and NNNN_description.down.sql for the down step)");
			rc = RC_VALIDATE;
			continue;
		}
		if (down) {
			strlist_add(&downs, files.items[i]);
			free(version);
			free(name);
			continue;
		}
		for (int j = 0; j < out->n; j++)
			if (strcmp(out->items[j].version, version) == 0) {
				log_error("%s and %s have the same version %s", out->items[j].file, file, version);
				log_hint("give one of them the next free number");
				rc = RC_VALIDATE;
			}
		out->items[out->n++] = (struct migration){
			.version = version, .name = name, .file = xstrdup(file), .path = xstrdup(files.items[i])};
	}
	/* Pair each down file with its migration. */
	for (int i = 0; i < downs.n; i++) {
		char *version, *name;
		bool down;
		migrate_parse_name(path_base(downs.items[i]), &version, &name, &down);
		for (int j = 0; j < out->n; j++)
			if (strcmp(out->items[j].version, version) == 0 && !out->items[j].down_path)
				out->items[j].down_path = xstrdup(downs.items[i]);
		free(version);
		free(name);
	}
	strlist_free(&downs);
	strlist_free(&files);
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
	s->items = NULL;
	s->n = 0;
}

enum rc migrate_plan(const struct migration_set *set, struct ledger_migration *history, int n_history,
		     bool allow_out_of_order, bool strict, struct plan *out)
{
	memset(out, 0, sizeof *out);
	out->pending = xcalloc((size_t)set->n + 1, sizeof(int));
	out->state = xcalloc((size_t)set->n + 1, sizeof(enum mstate));
	out->history = history;
	out->n_history = n_history;
	enum rc rc = RC_OK;
	const char *newest = NULL;

	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		int found = -1;
		for (int i = 0; i < set->n; i++)
			if (strcmp(set->items[i].version, m->version) == 0)
				found = i;
		if (found < 0) {
			if (m->success) {
				out->n_missing++;
				if (strict) {
					log_error("migration %s (%s) was applied on %s but its file is gone from the migrations directory",
						  m->version, m->name, m->applied_at);
					log_hint("restore the file; applied migrations must stay (undo them with a new migration)");
					rc = RC_VALIDATE;
				}
			}
			continue;
		}
		if (!m->success) {
			out->state[found] = M_FAILED;
			continue;
		}
		if (!newest || migrate_version_cmp(m->version, newest) > 0)
			newest = m->version;
		struct script s;
		bool loaded = script_load(set->items[found].path, &s);
		if (!loaded) {
			script_free(&s);
			rc = RC_VALIDATE;
			continue;
		}
		if (strcmp(s.checksum, m->checksum) != 0) {
			out->state[found] = M_DRIFTED;
			if (strict) {
				log_error("%s was changed after it was applied on %s (checksum %.12s, applied %.12s)",
					  set->items[found].path, m->applied_at, s.checksum, m->checksum);
				log_hint("restore the applied text (git checkout) and put the change in a new migration");
				rc = RC_VALIDATE;
			}
		} else {
			out->state[found] = M_APPLIED;
		}
		script_free(&s);
	}
	for (int i = 0; i < set->n; i++) {
		if (out->state[i] != M_PENDING && out->state[i] != M_FAILED)
			continue;
		if (newest && migrate_version_cmp(set->items[i].version, newest) < 0 && !allow_out_of_order && strict) {
			log_error("%s is pending but older than the newest applied migration (version %s)", set->items[i].file,
				  newest);
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

static bool simple(struct db *db, const char *sql)
{
	struct db_error err = {0};
	bool ok = db_exec(db, sql, NULL, &err);
	if (!ok)
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "%s: %s", sql, err.message);
	db_error_clear(&err);
	return ok;
}

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

static enum rc apply_one(struct db *db, const struct config *cfg, const struct migration *m, long run_id, long *ms)
{
	struct script s;
	if (!script_load(m->path, &s)) {
		script_free(&s);
		return RC_MIGRATE;
	}
	char *owner = db_ident(db, cfg->owner.name);
	char *set_role = xasprintf("SET %sROLE %s", s.no_transaction ? "" : "LOCAL ", owner);
	int64_t t0 = now_ms();
	long rows = 0;
	char *errmsg = NULL;
	bool tx = !s.no_transaction;
	bool ok = (!tx || simple(db, "BEGIN")) && set_timeouts(db, cfg->profile, tx) && simple(db, set_role);
	bool ran = ok && script_exec(db, &s, &rows, &errmsg);
	*ms = (long)(now_ms() - t0);
	struct ledger_migration_row row = {.run_id = run_id, .version = m->version, .name = m->name,
					   .script = m->file, .checksum = s.checksum, .execution_ms = *ms,
					   .success = ran, .error = errmsg};
	if (tx) {
		if (ran)
			ok = simple(db, "RESET ROLE") && ledger_record_migration(db, cfg->ledger_schema, &row) &&
			     simple(db, "COMMIT");
		if (!ran || !ok)
			simple(db, "ROLLBACK");
	} else {
		/* Outside a transaction what ran stays: record it either way, success or not. */
		simple(db, "RESET ROLE");
		simple(db, "RESET lock_timeout");
		simple(db, "RESET statement_timeout");
		if (ok)
			ok = ledger_record_migration(db, cfg->ledger_schema, &row) && ran;
		if (!ran)
			log_hint("%s ran outside a transaction: the statements before the failing one stay applied; "
				 "make them idempotent (IF NOT EXISTS) before running again", m->file);
	}
	free(errmsg);
	free(set_role);
	free(owner);
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
		log_info("migrations: %d applied, nothing to do", set->n);
		return RC_OK;
	}
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		if (plan->state[plan->pending[k]] == M_FAILED)
			log_warn("%s failed outside a transaction earlier; running it again", m->file);
		long ms = 0;
		enum rc rc = apply_one(db, cfg, m, run_id, &ms);
		if (rc != RC_OK) {
			if (rc == RC_MIGRATE)
				log_info("migration %s failed after %ld ms; %d of %d pending applied, the rest not attempted",
					  m->file, ms, *applied, plan->n_pending);
			return rc;
		}
		(*applied)++;
		log_progress("migrate", k + 1, plan->n_pending, m->file, ms, -1);
	}
	return RC_OK;
}
