/* repair — accept edited applied files (their new checksums), forget failed attempts. */
#include "cmd/cmd.h"

#include "log.h"

static enum rc repair_step(struct session *s, void *arg)
{
	(void)arg;
	const char *schema = s->cfg->ledger_schema;
	struct migration_view v;
	struct plan plan = {0};
	enum rc rc = session_view_load(s->cfg, s->format, s->db, true, &v);
	if (rc == RC_OK)
		migrate_plan(&v.set, v.hist, v.n_hist, true, false, &plan);
	for (int i = 0; rc == RC_OK && i < v.set.n; i++) {
		const struct migration *m = &v.set.items[i];
		char sum[65];
		if (plan.state[i] != M_DRIFTED || !script_file_checksum(m->path, sum))
			continue;
		if (!ledger_repair_checksum(s->db, schema, m->version, m->repeatable, sum)) {
			rc = RC_MIGRATE;
		} else {
			log_info("repaired the checksum of %s (now %.12s)", m->file, sum);
			s->migrations++;
		}
	}
	long deleted = 0;
	if (rc == RC_OK && !ledger_delete_failed(s->db, schema, &deleted))
		rc = RC_MIGRATE;
	if (deleted)
		log_info("removed %ld failed migration row%s", deleted, deleted == 1 ? "" : "s");
	if (rc == RC_OK && plan.n_missing)
		log_warn("%d applied version%s have no file; restore them (repair does not forget history)", plan.n_missing,
			 plan.n_missing == 1 ? "" : "s");
	migrate_plan_free(&plan);
	session_view_free(&v);
	return rc;
}

enum rc cmd_repair(struct ctx *ctx)
{
	struct session s = cmd_session(ctx);
	struct session_step own = {.name = "repair", .verb = "recorded", .fn = repair_step};
	return session_run(&s, &own);
}
