/* compat — see compat.h. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *const table_of[] = {
	[FMT_NATIVE] = NULL,
	[FMT_GOLANG_MIGRATE] = "public.schema_migrations",
	[FMT_DBMATE] = "public.schema_migrations",
	[FMT_GOOSE] = "public.goose_db_version",
	[FMT_FLYWAY] = "public.flyway_schema_history",
};

/* Each tool's own DDL shape (from its PostgreSQL driver). */
static const char *const ddl_of[] = {
	[FMT_GOLANG_MIGRATE] = "CREATE TABLE IF NOT EXISTS public.schema_migrations"
			       " (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
	[FMT_DBMATE] = "CREATE TABLE IF NOT EXISTS public.schema_migrations (version varchar(128) PRIMARY KEY)",
	[FMT_GOOSE] = "DO $$BEGIN IF to_regclass('public.goose_db_version') IS NULL THEN"
		      " CREATE TABLE public.goose_db_version (id serial NOT NULL PRIMARY KEY, version_id bigint NOT NULL,"
		      " is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());"
		      " INSERT INTO public.goose_db_version (version_id, is_applied) VALUES (0, true); END IF; END$$",
	[FMT_FLYWAY] = "CREATE TABLE IF NOT EXISTS public.flyway_schema_history (installed_rank integer NOT NULL"
		       " CONSTRAINT flyway_schema_history_pk PRIMARY KEY, version varchar(50), description varchar(200)"
		       " NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,"
		       " installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
		       " execution_time integer NOT NULL, success boolean NOT NULL);"
		       " CREATE INDEX IF NOT EXISTS flyway_schema_history_s_idx ON public.flyway_schema_history (success)",
};

static bool run(struct db *db, const char *sql, int n, const char *const *params, const char *what)
{
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, n, params, &err);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to %s: %s", what, err.message);
		db_error_clear(&err);
		return false;
	}
	db_result_free(r);
	return true;
}

bool compat_ensure(struct db *db, enum mformat f)
{
	if (!table_of[f])
		return true;
	struct db_error err = {0};
	bool ok = db_exec(db, ddl_of[f], NULL, &err);
	if (!ok) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to create %s for %s compatibility: %s",
			     table_of[f], migrate_format_name(f), err.message);
		db_error_clear(&err);
	}
	return ok;
}

bool compat_record(struct db *db, enum mformat f, const struct migration *m, const char *prev, long ms, bool up)
{
	char msbuf[32];
	snprintf(msbuf, sizeof msbuf, "%ld", ms);
	switch (f) {
	case FMT_GOLANG_MIGRATE: {
		/* One row: the current version. */
		const char *v = up ? m->version : prev;
		if (!run(db, "DELETE FROM public.schema_migrations", 0, NULL, "update schema_migrations"))
			return false;
		const char *params[] = {v};
		return !v || run(db, "INSERT INTO public.schema_migrations (version, dirty) VALUES ($1::bigint, false)", 1,
				 params, "update schema_migrations");
	}
	case FMT_DBMATE: {
		const char *params[] = {m->version};
		return run(db, up ? "INSERT INTO public.schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING"
				  : "DELETE FROM public.schema_migrations WHERE version = $1",
			   1, params, "update schema_migrations");
	}
	case FMT_GOOSE: {
		const char *params[] = {m->version};
		return run(db, up ? "INSERT INTO public.goose_db_version (version_id, is_applied) VALUES ($1::bigint, true)"
				  : "DELETE FROM public.goose_db_version WHERE version_id = $1::bigint",
			   1, params, "update goose_db_version");
	}
	case FMT_FLYWAY: {
		const char *params[] = {m->repeatable ? NULL : m->version, m->name, up ? "SQL" : "UNDO_SQL", m->file, msbuf};
		return run(db,
			   "INSERT INTO public.flyway_schema_history (installed_rank, version, description, type, script,"
			   " checksum, installed_by, execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1,"
			   " $1, replace($2, '_', ' '), $3, $4, NULL, current_user, $5::int, true"
			   " FROM public.flyway_schema_history",
			   5, params, "update flyway_schema_history");
	}
	default:
		return true;
	}
}

enum rc compat_applied(struct db *db, enum mformat f, struct strlist *versions, char **upto, bool *found)
{
	*upto = NULL;
	*found = false;
	if (!table_of[f]) {
		log_error("pginit's own format has no other tool's table to import from");
		log_hint("set migrations_format (or pass --from) to golang-migrate, dbmate, goose or flyway");
		return RC_USAGE;
	}
	struct db_error err = {0};
	const char *params[] = {table_of[f]};
	struct db_result *r = db_query(db, "SELECT to_regclass($1) IS NOT NULL", 1, params, &err);
	if (!r)
		goto fail;
	*found = strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	if (!*found)
		return RC_OK;
	static const char *const query_of[] = {
		[FMT_GOLANG_MIGRATE] = "SELECT version::text, dirty::text FROM public.schema_migrations",
		[FMT_DBMATE] = "SELECT version::text, 'false' FROM public.schema_migrations",
		[FMT_GOOSE] = "SELECT version_id::text, 'false' FROM (SELECT DISTINCT ON (version_id) version_id, is_applied"
			      " FROM public.goose_db_version ORDER BY version_id, id DESC) s WHERE is_applied AND version_id > 0",
		[FMT_FLYWAY] = "SELECT coalesce(version, replace(description, ' ', '_')), type FROM public.flyway_schema_history"
			       " WHERE success AND type NOT LIKE 'UNDO%' ORDER BY installed_rank",
	};
	r = db_query(db, query_of[f], 0, NULL, &err);
	if (!r)
		goto fail;
	enum rc rc = RC_OK;
	for (int i = 0; i < db_nrows(r); i++) {
		const char *v = db_get(r, i, 0), *extra = db_get(r, i, 1);
		if (f == FMT_GOLANG_MIGRATE) {
			if (strcmp(extra, "true") == 0) {
				log_error("golang-migrate's schema_migrations is dirty at version %s: a migration failed half-way",
					  v);
				log_hint("repair the database by hand, then `migrate force %s` (or set dirty = false)", v);
				rc = RC_VALIDATE;
			}
			*upto = migrate_normalise_version(v, false);
		} else if (f == FMT_FLYWAY && strcmp(extra, "BASELINE") == 0) {
			free(*upto);
			*upto = migrate_normalise_version(v, true);
		} else {
			char *n = migrate_normalise_version(v, f == FMT_FLYWAY);
			strlist_add_owned(versions, n ? n : xstrdup(v)); /* a repeatable's name stays as it is */
		}
	}
	db_result_free(r);
	return rc;
fail:
	log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to read %s: %s", table_of[f], err.message);
	db_error_clear(&err);
	return RC_CONNECT;
}
