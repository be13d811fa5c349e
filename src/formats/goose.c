/*
 * goose — NNNNN_description.sql with `-- +goose Up` / `-- +goose Down`,
 * StatementBegin/End blocks (split by sqlsplit.c under SQLSPLIT_GOOSE) and
 * `-- +goose NO TRANSACTION` for the whole file; annotations match in any
 * case. Its table goose_db_version (format_history_name says where) has one
 * row per step (is_applied), plus the (0, true) row goose inserts when it creates it.
 */
#include "formats/format.h"

#include "sqlsplit.h"

static const struct format_sections sections = {
	.up = "+goose Up", .down = "+goose Down", .any_case = true, .split_flags = SQLSPLIT_GOOSE,
	.no_tx_line = "+goose NO TRANSACTION",
};

static bool parse_name(const char *file, struct migration_name *out)
{
	return format_parse_numbered(file, NULL, NULL, out);
}

static bool detect_line(const char *p, const char *eol)
{
	return format_marker(p, eol, sections.up, true) != NULL;
}

static bool find_parts(struct migration *m, const char *text, size_t len)
{
	return format_find_sections(m, text, len, &sections, "goose");
}

static void new_files(const struct format_new *in, char **up, char **down, char **body)
{
	*up = xasprintf("%s/%0*ld_%s.sql", in->dir, in->width > 5 ? in->width : 5, in->next, in->slug);
	*down = NULL;
	*body = xstrdup("-- +goose Up\n\n\n-- +goose Down\n\n");
}

static bool history_record(struct db *db, const char *table, const struct migration *m, const char *prev, long ms, bool up)
{
	(void)prev;
	(void)ms;
	const char *params[] = {m->version};
	return format_query(db, table, up ? "INSERT INTO {T} (version_id, is_applied) VALUES ($1::bigint, true)"
				: "DELETE FROM {T} WHERE version_id = $1::bigint",
			 1, params, "update goose_db_version", NULL);
}

static bool history_read(struct db *db, const char *table, struct format_history *out)
{
	/* The newest row of each version says whether it is applied; (0, true) is the table's own. */
	return format_read_versions(db, table,
				    "SELECT version_id::text FROM (SELECT DISTINCT ON (version_id) version_id, is_applied"
				    " FROM {T} ORDER BY version_id, id DESC) s WHERE is_applied AND version_id > 0",
				    out);
}

const struct format format_goose = {
	.name = "goose",
	.naming_rule = "NNNNN_description.sql with -- +goose Up / -- +goose Down",
	.down_part = "-- +goose Down",
	.gap_warning = true,
	.parse_name = parse_name,
	.detect_line = detect_line,
	.find_parts = find_parts,
	.new_files = new_files,
	.history_table = "goose_db_version",
	/* goose's own DDL (serial shape, before v3.22) and the row it inserts. */
	.history_ddl = "DO $$BEGIN IF to_regclass({L}) IS NULL THEN"
		       " CREATE TABLE {T} (id serial NOT NULL PRIMARY KEY, version_id bigint NOT NULL,"
		       " is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now());"
		       " INSERT INTO {T} (version_id, is_applied) VALUES (0, true); END IF; END$$",
	.history_record = history_record,
	.history_read = history_read,
};
