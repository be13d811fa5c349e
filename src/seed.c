/* seed — see seed.h. */
#include "seed.h"

#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "log.h"
#include "script.h"
#include "sig.h"

enum rc seed_list(const struct config *cfg, const char *set, struct strlist *files)
{
	char *dir = path_join(cfg->seeds_dir, set);
	bool missing = false;
	enum rc rc = script_list(dir, files, &missing) ? RC_OK : RC_SEED;
	if (missing) {
		log_error("seed set '%s' of profile %s has no directory %s", set, cfg->profile->name, dir);
		log_hint("create it, or remove '%s' from the profile's seeds", set);
		rc = RC_SEED;
	}
	free(dir);
	return rc;
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

static enum rc apply_file(struct db *db, const struct config *cfg, const char *set, struct script *s, long run_id,
			  long *rows, long *ms)
{
	char *owner = db_ident(db, cfg->owner.name);
	char *set_role = xasprintf("SET LOCAL ROLE %s", owner);
	char *errmsg = NULL;
	int64_t t0 = now_ms();
	bool ok = simple(db, "BEGIN") && simple(db, set_role);
	bool ran = ok && script_exec(db, s, rows, &errmsg);
	*ms = (long)(now_ms() - t0);
	if (ran)
		ok = simple(db, "RESET ROLE") &&
		     ledger_record_seed(db, cfg->ledger_schema, run_id, set, s->name, s->checksum, cfg->profile->name,
					*rows, *ms) &&
		     simple(db, "COMMIT");
	if (!ran || !ok)
		simple(db, "ROLLBACK");
	free(errmsg);
	free(set_role);
	free(owner);
	if (sig_caught())
		return RC_SIGNAL;
	return ran && ok ? RC_OK : RC_SEED;
}

enum rc seed_apply_set(struct db *db, const struct config *cfg, const char *set, long run_id,
		       struct seed_totals *totals)
{
	struct strlist files = {0};
	struct ledger_seed *done = NULL;
	int n_done = 0;
	enum rc rc = seed_list(cfg, set, &files);
	if (rc == RC_OK && !ledger_seeds(db, cfg->ledger_schema, &done, &n_done))
		rc = RC_SEED;
	for (int i = 0; rc == RC_OK && i < files.n; i++) {
		struct script s;
		if (!script_load(files.items[i], &s)) {
			script_free(&s);
			rc = RC_SEED;
			break;
		}
		const char *before = NULL;
		for (int j = 0; j < n_done; j++)
			if (strcmp(done[j].set, set) == 0 && strcmp(done[j].name, s.name) == 0)
				before = done[j].checksum;
		if (before && strcmp(before, s.checksum) == 0) {
			log_debug("seed %s/%s: applied before, unchanged", set, s.name);
			script_free(&s);
			continue;
		}
		if (before)
			log_info("seed %s/%s changed since it was applied: applying it again", set, s.name);
		long rows = 0, ms = 0;
		rc = apply_file(db, cfg, set, &s, run_id, &rows, &ms);
		if (rc == RC_OK) {
			char *label = xasprintf("%s/%s", set, s.name);
			log_progress("seed", i + 1, files.n, label, ms, rows);
			free(label);
			totals->files++;
			totals->rows += rows;
		}
		script_free(&s);
	}
	ledger_seeds_free(done, n_done);
	strlist_free(&files);
	return rc;
}
