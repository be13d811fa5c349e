/*
 * flyway — V<version>__description.sql (version parts split by '.' or '_'),
 * U<version>__description.sql (its undo), R__description.sql (repeatable: runs
 * again whenever it changes, after the versioned ones); a script runs outside
 * a transaction when its <script>.conf says executeInTransaction=false. Its
 * table flyway_schema_history (format_history_name says where) has one row per step, ranked.
 */
#include "formats/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flywaysum.h"
#include "log.h"
#include "query.h"

static bool parse_name(const char *file, struct migration_name *out)
{
	memset(out, 0, sizeof *out);
	if (!str_ends_with(file, ".sql"))
		return false;
	size_t n = strlen(file) - 4;
	const char *sep = strstr(file, "__");
	if (!sep || sep == file || (size_t)(sep - file) + 2 >= n)
		return false;
	char prefix = file[0];
	out->name = xstrndup(sep + 2, n - (size_t)(sep + 2 - file));
	if (prefix == 'R' && sep == file + 1) {
		out->repeatable = true;
		out->version = xstrdup(out->name);
		return true;
	}
	if ((prefix == 'V' || prefix == 'U') && sep > file + 1)
		out->version = migrate_normalise_version_n(file + 1, (size_t)(sep - file - 1), true);
	out->down = prefix == 'U';
	if (!out->version || !*out->name) {
		free(out->version);
		free(out->name);
		memset(out, 0, sizeof *out);
		return false;
	}
	return true;
}

static bool detect_name(const char *file)
{
	struct migration_name mn;
	if ((file[0] != 'V' && file[0] != 'R' && file[0] != 'U') || !strstr(file, "__") || !parse_name(file, &mn))
		return false;
	free(mn.version);
	free(mn.name);
	return true;
}

/* Flyway's per-script configuration: V1__x.sql.conf with executeInTransaction=false. */
static bool no_transaction(const char *path)
{
	char *conf = xasprintf("%s.conf", path), *text;
	size_t len;
	bool no_tx = false;
	if (read_file(conf, &text, &len)) {
		no_tx = strstr(text, "executeInTransaction=false") || strstr(text, "executeInTransaction = false");
		free(text);
	}
	free(conf);
	return no_tx;
}

static void new_files(const struct format_new *in, char **up, char **down, char **body)
{
	*up = xasprintf("%s/V%ld__%s.sql", in->dir, in->next, in->slug);
	*down = NULL;
	*body = xstrdup("\n");
}

/*
 * Flyway's own checksum of the file that ran (the V/R file, or the U file for
 * an undo), so that Flyway's validate accepts the row; NULL (checksum unset,
 * as Flyway writes for a baseline) when the file is not UTF-8, which Flyway
 * itself could not have checksummed. *sum gets the text of the value.
 */
static const char *flyway_checksum(const struct migration *m, bool up, char *sum, size_t n)
{
	const char *path = !up && m->down_path ? m->down_path : m->path;
	char *text;
	size_t len, bad = 0;
	int32_t crc;
	if (!read_file(path, &text, &len)) {
		log_warn("unable to read %s for Flyway's checksum: its flyway_schema_history row has none", path);
		return NULL;
	}
	bool ok = flywaysum(text, len, &crc, &bad);
	free(text);
	if (!ok) {
		log_warn("%s is not UTF-8 at byte %zu: its flyway_schema_history row has no checksum", path, bad);
		return NULL;
	}
	snprintf(sum, n, "%ld", (long)crc);
	return sum;
}

/*
 * One row as Flyway writes it: installed_rank the next one, version (NULL for
 * a repeatable), description (the name, '_' as ' '), type SQL (UNDO_SQL for
 * an undo), script (the file name), checksum (Flyway's CRC32, flywaysum.h),
 * installed_by (the connecting user, as Flyway's is), execution_time in ms,
 * success. installed_on is the table's default, now().
 */
static bool history_record(struct db *db, const char *table, const struct migration *m, const char *prev, long ms, bool up)
{
	(void)prev;
	char msbuf[32], sum[16];
	snprintf(msbuf, sizeof msbuf, "%ld", ms);
	const char *script = !up && m->down_path ? path_base(m->down_path) : m->file;
	const char *params[] = {m->repeatable ? NULL : m->version, m->name, up ? "SQL" : "UNDO_SQL", script, msbuf,
				flyway_checksum(m, up, sum, sizeof sum)};
	return format_query(db, table,
			 "INSERT INTO {T} (installed_rank, version, description, type, script,"
			 " checksum, installed_by, execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1,"
			 " $1, replace($2, '_', ' '), $3, $4, $6::int, session_user, $5::int, true"
			 " FROM {T}",
			 6, params, "update flyway_schema_history", NULL);
}

static bool history_read(struct db *db, const char *table, struct format_history *out)
{
	struct db_result *r = NULL;
	if (!format_query(db, table,
		       "SELECT coalesce(version, replace(description, ' ', '_')), type FROM {T}"
		       " WHERE success AND type NOT LIKE 'UNDO%' ORDER BY installed_rank",
		       0, NULL, "read the old tool's table", &r))
		return false;
	for (int i = 0; i < db_nrows(r); i++) {
		const char *v = db_get(r, i, 0);
		char *n = migrate_normalise_version(v, true);
		if (strcmp(db_get(r, i, 1), "BASELINE") == 0) {
			free(out->upto);
			out->upto = n;
		} else {
			strlist_add_owned(&out->versions, n ? n : xstrdup(v)); /* a repeatable's name stays as it is */
		}
	}
	db_result_free(r);
	return true;
}

const struct format format_flyway = {
	.name = "flyway",
	.placeholders = true,
	.naming_rule = "V1__description.sql, U1__description.sql, R__description.sql",
	.down_part = "a U file",
	.version_prefix = 1,
	.parse_name = parse_name,
	.detect_name = detect_name,
	.no_transaction = no_transaction,
	.new_files = new_files,
	.history_table = "flyway_schema_history",
	/* Flyway's own DDL (PostgreSQLDatabase.getRawCreateScript). */
	.history_ddl = "CREATE TABLE IF NOT EXISTS {T} (installed_rank integer NOT NULL"
		       " CONSTRAINT flyway_schema_history_pk PRIMARY KEY, version varchar(50), description varchar(200)"
		       " NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,"
		       " installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),"
		       " execution_time integer NOT NULL, success boolean NOT NULL);"
		       " CREATE INDEX IF NOT EXISTS flyway_schema_history_s_idx ON {T} (success)",
	.history_record = history_record,
	.history_read = history_read,
};
