/*
 * validate — every file parses (migrations up and down, seeds), placeholders
 * included, and online the history agrees with the files; nothing changes.
 */
#include "cmd/cmd.h"

#include "log.h"
#include "seed.h"

/* Every part of every migration loads; the format's gap rule warns. Returns the problems. */
static int check_migrations(const struct migration_set *set, const struct kv *vars)
{
	int problems = 0;
	for (int i = 0; i < set->n; i++) {
		const struct migration *m = &set->items[i];
		struct script s;
		problems += !migrate_load(m, false, format_vars(set->format, vars), &s);
		script_free(&s);
		if (m->has_down) {
			problems += !migrate_load(m, true, format_vars(set->format, vars), &s);
			script_free(&s);
		}
		if (i > 0 && !m->repeatable && !set->items[i - 1].repeatable &&
		    format_version_gap(set->format, set->items[i - 1].version, m->version))
			log_warn("gap in versions: %s follows %s", m->version, set->items[i - 1].version);
	}
	return problems;
}

/* Online: the history against the files, strictly. Returns the problems; *rc RC_CONNECT when unreachable. */
static int check_history(struct ctx *ctx, struct migration_view *v, enum rc *rc)
{
	const struct config *cfg = ctx->cfg;
	struct db *db = session_connect(cfg, rc);
	bool ledger = false;
	int problems = 0;
	if (db && ledger_exists(db, cfg->ledger_schema, &ledger) && ledger) {
		session_view_free(v);
		*rc = session_view_load(cfg, ctx->format, db, true, v);
		struct plan plan = {0};
		if (*rc == RC_OK && !migrate_plan(&v->set, v->hist, v->n_hist, cfg->profile->allow_out_of_order, true, &plan))
			problems++;
		for (int i = 0; i < v->set.n && plan.state; i++)
			if (plan.state[i] == M_FAILED)
				log_warn("%s failed outside a transaction earlier (see `pginit repair`)", v->set.items[i].file);
		migrate_plan_free(&plan);
	}
	if (!db)
		problems++;
	db_close(db);
	return problems;
}

enum rc cmd_validate(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct migration_view v;
	/* The bytes first, as a run checks them; the parse below would name the same file again. */
	if (session_preflight(cfg, NEED_MIGRATE | NEED_SEED) != RC_OK)
		return RC_VALIDATE;
	enum rc rc = session_view_load(cfg, ctx->format, NULL, false, &v);
	int problems = rc == RC_OK ? 0 : 1;
	problems += check_migrations(&v.set, cfg->vars);
	problems += !seed_check_all(cfg);
	if (!ctx->opts.offline && problems == 0) {
		rc = RC_OK;
		problems += check_history(ctx, &v, &rc);
	}
	if (problems == 0)
		log_info("validate: %d migrations (%s)%s: ok", v.set.n, v.set.format->name,
			 ctx->opts.offline ? ", offline" : "");
	session_view_free(&v);
	return problems == 0 ? RC_OK : rc == RC_CONNECT ? RC_CONNECT : RC_VALIDATE;
}
