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
	const char *where = ctx->opts.table ? ctx->opts.table : s->cfg->migrations_compat_table;
	char *table = format_history_name(s->db, from, where);
	if (!table)
		return RC_CONNECT;
	if (ctx->opts.table && (!s->cfg->migrations_compat_table || strcmp(where, s->cfg->migrations_compat_table) != 0))
		log_info("reading %s (--table); with migrations_compat, set migrations_compat_table = \"%s\" so that later "
			 "runs keep that table", table, where);
	enum rc rc = RC_OK;
	if (!format_history_read(s->db, from, table, old))
		rc = RC_CONNECT;
	else if (old->dirty)
		rc = RC_VALIDATE;
	else if (!old->found) {
		/* table is quoted: name it plainly, and say where a table of that name is, if anywhere
		 * (another schema of the old tool's search_path). */
		const char *params[] = {table};
		struct db_error err = {0};
		struct db_result *r = db_query(s->db,
			"SELECT array_to_string(parse_ident($1), '.'), (SELECT string_agg(format('%I.%I', n.nspname, c.relname),"
			" ', ' ORDER BY 1) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
			" WHERE c.relname = (parse_ident($1))[cardinality(parse_ident($1))] AND c.relkind IN ('r', 'p'))",
			1, params, &err);
		bool got = r && db_nrows(r) == 1;
		const char *plain = got && db_get(r, 0, 0) ? db_get(r, 0, 0) : table;
		const char *elsewhere = got ? db_get(r, 0, 1) : NULL;
		log_error("no %s history table in database %s: nothing to import (looked for %s)", from->name,
			  s->cfg->dbname, plain);
		if (elsewhere && *elsewhere)
			log_hint("a table of that name exists as %s: the old tool used another schema (its URL's search_path); "
				 "pass --table with it, and set migrations_compat_table to it (\"schema.table\")", elsewhere);
		else
			log_hint("is this the database the old tool migrated, and --from (migrations_format) its format? "
				 "if its table is elsewhere, pass --table SCHEMA.NAME (and set migrations_compat_table)");
		db_result_free(r);
		db_error_clear(&err);
		rc = RC_VALIDATE;
	}
	free(table);
	return rc;
}

/*
 * After import: tables the old tool's role owns make new migrations that alter
 * them fail (42501) under the owner role. Say so, and which way out we
 * recommend: adopt-owner (the owner role owns everything, least privilege
 * stays as designed), or migrations_role when the old role is a superuser
 * (REASSIGN OWNED cannot take system objects from it).
 */
static void foreign_owners(struct session *s)
{
	const struct config *cfg = s->cfg;
	const char *params[] = {config_migrations_role(cfg), cfg->ledger_schema};
	struct db_error err = {0};
	struct db_result *r = db_query(s->db,
		"SELECT o.rolname, o.rolsuper, count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		" JOIN pg_roles o ON o.oid = c.relowner"
		" WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND o.rolname <> $1 AND n.nspname <> $2"
		" AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp)'"
		" GROUP BY 1, 2 ORDER BY 3 DESC, 1", 2, params, &err);
	if (!r) {
		log_warn("unable to read who owns the tables here: %s", err.message);
		db_error_clear(&err);
		return;
	}
	for (int i = 0; i < db_nrows(r); i++) {
		const char *who = db_get(r, i, 0);
		bool super = strcmp(db_get(r, i, 1), "t") == 0;
		log_warn("%s tables, views or sequences here are owned by role %s, not by %s: new migrations that alter them "
			 "fail with 42501", db_get(r, i, 2), who, config_migrations_role(cfg));
		if (super)
			log_hint("recommended: run migrations as that role, migrations_role = %s (PGINIT_MIGRATIONS_ROLE); "
				 "a superuser's objects cannot be reassigned", who);
		else
			log_hint("recommended: `pginit adopt-owner --from %s --dry-run`, then without --dry-run (REASSIGN OWNED "
				 "BY %s TO %s; %s keeps ALL on its tables); or run migrations as it: migrations_role = %s",
				 who, who, cfg->owner.name, who, who);
	}
	db_result_free(r);
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
	if (rc == RC_OK)
		foreign_owners(s);
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

/* ---- adopt-owner --from ROLE [--dry-run]: hand the old tool's objects to the owner role */

/*
 * What ROLE owns in this database (and the database itself, when it does), one
 * row each: description, kind (r relation, s schema, o other), and for
 * relations and schemas the object's name as SQL (quoted, schema-qualified).
 */
static const char owned_sql[] =
	"SELECT pg_describe_object(d.classid, d.objid, d.objsubid),"
	" CASE WHEN d.classid = 'pg_class'::regclass THEN 'r' WHEN d.classid = 'pg_namespace'::regclass THEN 's' ELSE 'o' END,"
	" CASE WHEN d.classid = 'pg_class'::regclass THEN d.objid::regclass::text"
	"      WHEN d.classid = 'pg_namespace'::regclass THEN quote_ident((SELECT nspname FROM pg_namespace WHERE oid = d.objid)) END,"
	" (SELECT relkind::text FROM pg_class WHERE d.classid = 'pg_class'::regclass AND oid = d.objid)"
	" FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid"
	" WHERE r.rolname = $1 AND d.deptype = 'o' AND d.dbid IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))"
	" AND (d.dbid <> 0 OR d.objid = (SELECT oid FROM pg_database WHERE datname = current_database()))"
	" ORDER BY 2, 1";

static struct db_result *owned_by(struct db *db, const char *role)
{
	struct db_error err = {0};
	const char *params[] = {role};
	struct db_result *r = db_query(db, owned_sql, 1, params, &err);
	if (!r) {
		log_error("unable to list what role %s owns: %s", role, err.message);
		db_error_clear(&err);
	}
	return r;
}

/* The role may be handed over: it exists, is not the owner role, not a superuser. */
static enum rc owner_check(struct db *db, const struct config *cfg, const char *role)
{
	if (strcmp(role, cfg->owner.name) == 0) {
		log_error("adopt-owner --from %s: that is the owner role already", role);
		return RC_USAGE;
	}
	struct db_error err = {0};
	const char *params[] = {role};
	struct db_result *r = db_query(db, "SELECT rolsuper FROM pg_roles WHERE rolname = $1", 1, params, &err);
	if (!r) {
		log_error("unable to read role %s: %s", role, err.message);
		db_error_clear(&err);
		return RC_CONNECT;
	}
	enum rc rc = RC_OK;
	if (db_nrows(r) == 0) {
		log_error("adopt-owner --from %s: no such role", role);
		rc = RC_USAGE;
	} else if (strcmp(db_get(r, 0, 0), "t") == 0) {
		log_error("adopt-owner --from %s: a superuser owns system objects too; REASSIGN OWNED cannot take them", role);
		log_hint("run migrations as that role instead: migrations_role = %s (PGINIT_MIGRATIONS_ROLE)", role);
		rc = RC_USAGE;
	}
	db_result_free(r);
	return rc;
}

/* REASSIGN OWNED BY role TO owner, then give the old role back ALL on what it owned (it keeps working). */
static enum rc adopt_owner_step(struct session *s, void *arg)
{
	const char *role = arg;
	const struct config *cfg = s->cfg;
	enum rc rc = owner_check(s->db, cfg, role);
	if (rc != RC_OK)
		return rc;
	struct db_result *r = owned_by(s->db, role);
	if (!r)
		return RC_MIGRATE;
	/* What the role may do on the database and its schemas now (owning them included), as GRANTs. */
	struct db_error gerr = {0};
	const char *params[] = {role};
	struct db_result *g = db_query(s->db,
		"SELECT format('GRANT %s ON SCHEMA %I TO %I;', string_agg(p, ', '), n.nspname, $1::text)"
		" FROM pg_namespace n, unnest(ARRAY['USAGE', 'CREATE']) p WHERE has_schema_privilege($1::text, n.oid, p)"
		" AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema' GROUP BY n.nspname"
		" UNION ALL SELECT format('GRANT %s ON DATABASE %I TO %I;', string_agg(p, ', '), current_database(), $1::text)"
		" FROM unnest(ARRAY['CREATE', 'CONNECT', 'TEMPORARY']) p WHERE has_database_privilege($1::text, current_database(), p)"
		" HAVING count(*) > 0", 1, params, &gerr);
	if (!g) {
		log_error("unable to read what role %s may do here: %s", role, gerr.message);
		db_error_clear(&gerr);
		db_result_free(r);
		return RC_MIGRATE;
	}
	char *from = db_ident(s->db, role), *to = db_ident(s->db, cfg->owner.name);
	struct buf sql = {0}, tables = {0}, seqs = {0};
	buf_printf(&sql, "BEGIN;\nREASSIGN OWNED BY %s TO %s;\n", from, to);
	for (int i = 0; i < db_nrows(g); i++)
		buf_printf(&sql, "%s\n", db_get(g, i, 0));
	db_result_free(g);
	for (int i = 0; i < db_nrows(r); i++) {
		const char *kind = db_get(r, i, 1), *name = db_get(r, i, 2), *relkind = db_get(r, i, 3);
		if (kind[0] == 'r' && relkind && relkind[0] == 'S')
			buf_printf(&seqs, "%s%s", seqs.len ? ", " : "", name);
		else if (kind[0] == 'r' && relkind && strchr("rvmfp", relkind[0]))
			buf_printf(&tables, "%s%s", tables.len ? ", " : "", name);
	}
	if (tables.len)
		buf_printf(&sql, "GRANT ALL ON TABLE %s TO %s;\n", tables.data, from);
	if (seqs.len)
		buf_printf(&sql, "GRANT ALL ON SEQUENCE %s TO %s;\n", seqs.data, from);
	buf_puts(&sql, "COMMIT;\n");
	struct db_error err = {0};
	if (!db_exec(s->db, sql.data, NULL, &err)) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to reassign what role %s owns to %s: %s",
			     role, cfg->owner.name, err.message);
		log_hint("nothing was changed; `pginit adopt-owner --from %s --dry-run` lists the objects", role);
		db_exec(s->db, "ROLLBACK", NULL, &(struct db_error){0});
		db_error_clear(&err);
		rc = RC_MIGRATE;
	} else {
		log_info("role %s owns what role %s owned here (%d objects); %s keeps ALL privileges on its tables and sequences",
			 cfg->owner.name, role, db_nrows(r), role);
	}
	buf_free(&sql);
	buf_free(&tables);
	buf_free(&seqs);
	free(from);
	free(to);
	db_result_free(r);
	return rc;
}

/* --dry-run: read only, no session. */
static enum rc adopt_owner_dry(struct ctx *ctx, const char *role)
{
	enum rc rc = RC_OK;
	struct db *db = session_connect(ctx->cfg, &rc);
	if (!db)
		return rc;
	rc = owner_check(db, ctx->cfg, role);
	struct db_result *r = rc == RC_OK ? owned_by(db, role) : NULL;
	if (rc == RC_OK && !r)
		rc = RC_CONNECT;
	if (r) {
		printf("-- adopt-owner --from %s: %d object%s in database %s would be owned by %s\n", role, db_nrows(r),
		       db_nrows(r) == 1 ? "" : "s", ctx->cfg->dbname, ctx->cfg->owner.name);
		for (int i = 0; i < db_nrows(r); i++)
			printf("--   %s\n", db_get(r, i, 0));
		printf("REASSIGN OWNED BY \"%s\" TO \"%s\";\n-- then GRANT back to %s what it may do now: ALL on its former tables and "
		       "sequences, its privileges on the database and its schemas\n",
		       role, ctx->cfg->owner.name, role);
	}
	db_result_free(r);
	db_close(db);
	return rc;
}

enum rc cmd_adopt_owner(struct ctx *ctx)
{
	const char *role = ctx->opts.from;
	if (!role || !role[0]) {
		log_error("adopt-owner: no role given");
		log_hint("pginit adopt-owner --from ROLE [--dry-run] (the role that owns the old tool's tables)");
		return RC_USAGE;
	}
	if (ctx->opts.dry_run)
		return adopt_owner_dry(ctx, role);
	struct session s = cmd_session(ctx);
	struct session_step own = {.name = "adopt-owner", .verb = "reassigned", .fn = adopt_owner_step, .arg = (void *)role};
	return session_run(&s, &own);
}
