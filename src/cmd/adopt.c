/*
 * adopt — take over a database another tool migrated: `import` reads the old
 * tool's history table, `baseline VERSION` takes the version from the user;
 * both record the matching files as applied without running them.
 */
#include "cmd/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* What to record as applied: these versions, and everything up to upto. */
struct adopt {
	struct format_history old;
	const char *label; /* "imported", "baseline" */
};

/* The step's argument. */
struct adopt_arg {
	const struct ctx *ctx;
	bool baseline;
};

static enum rc record_applied(struct session *s, const struct migration *m, const char *label)
{
	char sum[65];
	if (!script_file_checksum(m->path, sum))
		return RC_VALIDATE;
	struct ledger_migration_row row = {.run_id = s->run_id, .version = m->version, .name = m->name,
					   .script = m->file, .checksum = sum, .success = true,
					   .kind = m->repeatable ? "repeatable" : "migration", .error = NULL};
	if (!ledger_record_migration(s->db, s->cfg->ledger_schema, &row))
		return RC_MIGRATE;
	s->migrations++;
	log_info("recorded %s as applied (%s)", m->file, label);
	return RC_OK;
}

/* Record every file the old history covers that the ledger does not know yet. */
static enum rc adopt_files(struct session *s, const struct migration_view *v, const struct adopt *a)
{
	for (int i = 0; i < v->set.n; i++) {
		const struct migration *m = &v->set.items[i];
		bool applied = strlist_contains(&a->old.versions, m->version) ||
			       (a->old.upto && !m->repeatable && migrate_version_cmp(m->version, a->old.upto) <= 0);
		const struct ledger_migration *h = ledger_find(v->hist, v->n_hist, m->version, m->repeatable);
		if (!applied || (h && h->success))
			continue;
		enum rc rc = record_applied(s, m, a->label);
		if (rc != RC_OK)
			return rc;
	}
	for (int i = 0; i < a->old.versions.n; i++)
		if (!migrate_set_find(&v->set, a->old.versions.items[i], false) &&
		    !migrate_set_find(&v->set, a->old.versions.items[i], true))
			log_warn("version %s is in the old tool's table but has no file here", a->old.versions.items[i]);
	return RC_OK;
}

/* The old tool's table says what is applied. */
static enum rc import_history(struct session *s, const struct ctx *ctx, const struct format *from,
			      struct format_history *old)
{
	if (ctx->opts.from && !(from = format_by_name(ctx->opts.from))) {
		log_error("import --from %s: not a format (golang-migrate, dbmate, goose, flyway)", ctx->opts.from);
		return RC_USAGE;
	}
	if (!from->history_table) {
		log_error("pginit's own format has no other tool's table to import from");
		log_hint("set migrations_format (or pass --from) to golang-migrate, dbmate, goose or flyway");
		return RC_USAGE;
	}
	char *table = format_history_name(s->db, from, s->cfg->migrations_compat_table);
	if (!table)
		return RC_CONNECT;
	enum rc rc = RC_OK;
	if (!format_history_read(s->db, from, table, old))
		rc = RC_CONNECT;
	else if (old->dirty)
		rc = RC_VALIDATE;
	else if (!old->found) {
		log_error("no %s history table %s in database %s: nothing to import", from->name, table, s->cfg->dbname);
		log_hint("set migrations_compat_table to the old tool's table (\"schema.table\") if it is elsewhere");
		rc = RC_VALIDATE;
	}
	free(table);
	return rc;
}

static enum rc adopt_step(struct session *s, void *arg)
{
	const struct adopt_arg *aa = arg;
	const struct ctx *ctx = aa->ctx;
	struct migration_view v;
	struct adopt a = {.label = aa->baseline ? "baseline" : "imported"};
	enum rc rc = session_view_load(s->cfg, s->format, s->db, true, &v);
	if (rc == RC_OK && aa->baseline) {
		a.old.upto = migrate_normalise_version(ctx->opts.arg, true);
		if (!a.old.upto) {
			log_error("baseline %s: not a version", ctx->opts.arg);
			rc = RC_USAGE;
		}
	} else if (rc == RC_OK) {
		rc = import_history(s, ctx, v.set.format, &a.old);
	}
	if (rc == RC_OK)
		rc = adopt_files(s, &v, &a);
	format_history_free(&a.old);
	session_view_free(&v);
	return rc;
}

/* Both record in a step named "import". */
static enum rc adopt(struct ctx *ctx, bool baseline)
{
	struct session s = cmd_session(ctx);
	struct adopt_arg arg = {.ctx = ctx, .baseline = baseline};
	struct session_step own = {.name = "import", .verb = "recorded", .fn = adopt_step, .arg = &arg};
	return session_run(&s, &own);
}

enum rc cmd_import(struct ctx *ctx)
{
	return adopt(ctx, false);
}

enum rc cmd_baseline(struct ctx *ctx)
{
	return adopt(ctx, true);
}
