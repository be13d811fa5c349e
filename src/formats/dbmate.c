/*
 * dbmate — VERSION_description.sql (a timestamp, by convention) with
 * `-- migrate:up [transaction:false]` and `-- migrate:down` sections. Its
 * table schema_migrations(version varchar; format_history_name says where) has one row per applied
 * version.
 */
#include "formats/format.h"

static const struct format_sections sections = {
	.up = "migrate:up", .down = "migrate:down", .no_tx_option = "transaction:false",
};

static bool parse_name(const char *file, struct migration_name *out)
{
	return format_parse_numbered(file, NULL, NULL, out);
}

static bool detect_line(const char *p, const char *eol)
{
	return format_marker(p, eol, sections.up, false) != NULL;
}

static bool find_parts(struct migration *m, const char *text, size_t len)
{
	return format_find_sections(m, text, len, &sections, "dbmate");
}

static void new_files(const struct format_new *in, char **up, char **down, char **body)
{
	*up = xasprintf("%s/%s_%s.sql", in->dir, in->stamp, in->slug);
	*down = NULL;
	*body = xstrdup("-- migrate:up\n\n\n-- migrate:down\n\n");
}

static bool history_record(struct db *db, const char *table, const struct migration *m, const char *prev, long ms, bool up)
{
	(void)prev;
	(void)ms;
	const char *params[] = {m->version};
	return format_query(db, table, up ? "INSERT INTO {T} (version) VALUES ($1) ON CONFLICT DO NOTHING"
				: "DELETE FROM {T} WHERE version = $1",
			 1, params, "update schema_migrations", NULL);
}

static bool history_read(struct db *db, const char *table, struct format_history *out)
{
	return format_read_versions(db, table, "SELECT version::text FROM {T}", out);
}

const struct format format_dbmate = {
	.name = "dbmate",
	.naming_rule = "VERSION_description.sql with -- migrate:up / -- migrate:down",
	.down_part = "-- migrate:down",
	.parse_name = parse_name,
	.detect_line = detect_line,
	.find_parts = find_parts,
	.new_files = new_files,
	.history_table = "schema_migrations",
	/* dbmate's own DDL (pkg/driver/postgres: CreateMigrationsTable, v2.0 shape). */
	.history_ddl = "CREATE TABLE IF NOT EXISTS {T} (version varchar(128) PRIMARY KEY)",
	.history_record = history_record,
	.history_read = history_read,
};
