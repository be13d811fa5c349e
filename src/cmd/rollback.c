/* rollback — undo the N newest migrations (or those above --to VERSION) with their down parts. */
#include "cmd/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sig.h"

static enum rc rollback_step(struct session *s, void *arg)
{
	const struct cmd_opts *o = arg;
	struct migration_view v;
	int *targets = NULL, n = 0;
	enum rc rc = session_view_load(s->cfg, s->format, s->db, true, &v);
	if (rc == RC_OK && !migrate_rollback_targets(&v.set, v.hist, v.n_hist, o->steps, o->to_version, &targets, &n))
		rc = RC_VALIDATE;
	if (rc == RC_OK && !migrate_rollback(s->db, s->cfg, &v.set, targets, n, s->run_id, &s->migrations))
		rc = sig_caught() ? RC_SIGNAL : RC_MIGRATE;
	free(targets);
	session_view_free(&v);
	return rc;
}

enum rc cmd_rollback(struct ctx *ctx)
{
	if (strcmp(ctx->cfg->profile->name, "prod") == 0 && !ctx->opts.force) {
		log_error("rollback refused under the prod profile");
		log_hint("roll forward with a new migration, or pass --force if you really mean it");
		return RC_USAGE;
	}
	struct session s = cmd_session(ctx);
	struct session_step own = {.name = "rollback", .verb = "rolled back", .fn = rollback_step, .arg = &ctx->opts,
				       .runs_migrations = true};
	return session_run(&s, &own);
}
