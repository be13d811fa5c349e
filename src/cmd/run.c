/*
 * run — the commands of the run family: run, wait, bootstrap, migrate, seed
 * (each a session with what the command table says it needs), and --dry-run:
 * the plan and its SQL, read-only, nothing recorded.
 */
#include "cmd/cmd.h"

#include <stdio.h>

#include "log.h"
#include "seed.h"
#include "wait.h"

static enum rc dry_run(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	unsigned needs = ctx->cmd->needs;
	struct db_params p = session_params(cfg, cfg->maintenance_db);
	struct db *maint = NULL, *db = NULL;
	struct migration_view v = {0};
	struct plan plan = {0};
	bool ledger = false;
	/* The files the real command would check, before anything connects. */
	enum rc rc = session_preflight(cfg, needs);
	if (rc == RC_OK)
		rc = wait_for_server(&p, cfg->profile->wait_timeout_ms, &maint);
	if (rc != RC_OK)
		return rc;
	struct db_error err = {0};
	const char *params[] = {cfg->dbname};
	struct db_result *r = db_query(maint, "SELECT 1 FROM pg_database WHERE datname = $1", 1, params, &err);
	bool exists = r && db_nrows(r) > 0;
	db_result_free(r);
	db_error_clear(&err);
	printf("-- pginit %s --dry-run: profile %s, database %s on %s:%d; nothing below has been run\n", ctx->cmd->name,
	       cfg->profile->name, cfg->dbname, cfg->host, cfg->port);
	if (!exists)
		printf("-- database %s does not exist: bootstrap would create it; every migration is pending\n", cfg->dbname);
	if (exists) {
		db = session_connect(cfg, &rc);
		/* Read-only for real: any write would fail, not just be avoided. */
		if (db && !db_exec(db, "SET default_transaction_read_only = on", NULL, &err))
			rc = RC_CONNECT;
		db_error_clear(&err);
		if (db && rc == RC_OK && !ledger_exists(db, cfg->ledger_schema, &ledger))
			rc = RC_CONNECT;
	}
	if (rc == RC_OK)
		rc = session_view_load(cfg, ctx->format, db, ledger, &v);
	if (rc == RC_OK && !migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, true, &plan))
		rc = RC_VALIDATE;
	if (rc == RC_OK && (cfg->profile->migrate || (needs & NEED_MIGRATE_ALWAYS)))
		migrate_print_plan(cfg, &v.set, &plan);
	if (rc == RC_OK && (needs & NEED_SEED) && !seed_print_plan(db, cfg, ledger))
		rc = RC_SEED;
	migrate_plan_free(&plan);
	session_view_free(&v);
	db_close(db);
	db_close(maint);
	return rc;
}

static enum rc run_session(struct ctx *ctx)
{
	struct session s = cmd_session(ctx);
	return session_run(&s, NULL);
}

enum rc cmd_run(struct ctx *ctx)
{
	return ctx->opts.dry_run ? dry_run(ctx) : run_session(ctx);
}

enum rc cmd_migrate(struct ctx *ctx)
{
	return ctx->opts.dry_run ? dry_run(ctx) : run_session(ctx);
}

enum rc cmd_bootstrap(struct ctx *ctx)
{
	return run_session(ctx);
}

enum rc cmd_seed(struct ctx *ctx)
{
	return run_session(ctx);
}

enum rc cmd_wait(struct ctx *ctx)
{
	struct db_params p = session_params(ctx->cfg, ctx->cfg->maintenance_db);
	struct db *db = NULL;
	enum rc rc = wait_for_server(&p, ctx->cfg->profile->wait_timeout_ms, &db);
	db_close(db);
	return rc;
}
