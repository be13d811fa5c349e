/*
 * golang-migrate — N_description.up.sql / N_description.down.sql; each file
 * is one part. Its table schema_migrations (format_history_name says where)(version bigint, dirty
 * boolean) holds one row: the current version (TRUNCATE + INSERT on every
 * step), dirty when a migration failed half-way.
 */
#include "formats/format.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "query.h"

static bool parse_name(const char *file, struct migration_name *out)
{
	return format_parse_numbered(file, ".down.sql", ".up.sql", out);
}

static bool detect_name(const char *file)
{
	return str_ends_with(file, ".up.sql");
}

static void new_files(const struct format_new *in, char **up, char **down, char **body)
{
	*up = xasprintf("%s/%ld_%s.up.sql", in->dir, in->next, in->slug);
	*down = xasprintf("%s/%ld_%s.down.sql", in->dir, in->next, in->slug);
	*body = xstrdup("\n");
}

static bool history_record(struct db *db, const char *table, const struct migration *m, const char *prev, long ms, bool up)
{
	(void)ms;
	/* One row: the current version. */
	const char *v = up ? m->version : prev;
	if (!format_query(db, table, "DELETE FROM {T}", 0, NULL, "update schema_migrations", NULL))
		return false;
	const char *params[] = {v};
	return !v || format_query(db, table, "INSERT INTO {T} (version, dirty) VALUES ($1::bigint, false)", 1,
			       params, "update schema_migrations", NULL);
}

static bool history_read(struct db *db, const char *table, struct format_history *out)
{
	struct db_result *r = NULL;
	if (!format_query(db, table, "SELECT version::text, dirty::text FROM {T}", 0, NULL,
		       "read the old tool's table", &r))
		return false;
	for (int i = 0; i < db_nrows(r); i++) {
		const char *v = db_get(r, i, 0);
		if (strcmp(db_get(r, i, 1), "true") == 0) {
			log_error("golang-migrate's schema_migrations is dirty at version %s: a migration failed half-way", v);
			log_hint("repair the database by hand, then `migrate force %s` (or set dirty = false)", v);
			out->dirty = true;
		}
		free(out->upto);
		out->upto = migrate_normalise_version(v, false);
	}
	db_result_free(r);
	return true;
}

const struct format format_golang_migrate = {
	.name = "golang-migrate",
	.naming_rule = "N_description.up.sql and N_description.down.sql",
	.down_part = "a .down.sql file",
	.gap_warning = true,
	.parse_name = parse_name,
	.detect_name = detect_name,
	.new_files = new_files,
	.history_table = "schema_migrations",
	/* golang-migrate's own DDL (database/postgres: ensureVersionTable). */
	.history_ddl = "CREATE TABLE IF NOT EXISTS {T}"
		       " (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)",
	.history_record = history_record,
	.history_read = history_read,
};
