/*
 * format — everything pginit knows about one migration format, as one
 * operations struct per format (native.c, golang_migrate.c, dbmate.c, goose.c,
 * flyway.c), and the table of them (discover.c). Nothing outside src/formats/
 * knows which formats exist: it holds a `const struct format *` and calls
 * through it.
 *
 * A sixth format: a new file defining `const struct format format_<name>` and
 * one row in the table in discover.c.
 *
 * The old tool's history table (migrations_compat = true, `pginit import`):
 * every migration pginit applies or rolls back is also written, in the same
 * transaction, to the old tool's own table in that tool's shape, so scripts
 * that read it, and the old tool itself, keep working; import reads the same
 * table to adopt a database the old tool migrated. The table is where that
 * tool puts it (format_history_name: its name, or migrations_compat_table, in
 * the first schema of the search_path). Functions log their failures once and
 * return false.
 */
#ifndef PGINIT_FORMAT_H
#define PGINIT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "db.h"
#include "formats/migration.h"
#include "util.h"

/* A file name, parsed. */
struct migration_name {
	char *version; /* normalised; a repeatable's name */
	char *name;
	bool down;       /* a down/undo file */
	bool repeatable;
};

/* What the old tool's table says is applied. */
struct format_history {
	bool found;             /* the table exists */
	struct strlist versions; /* normalised versions (a repeatable's name as it is) */
	char *upto;             /* everything up to this version (golang-migrate's row, Flyway's baseline), or NULL */
	bool dirty;             /* golang-migrate: a migration failed half-way (logged) */
};
void format_history_free(struct format_history *h);

/* What `pginit new` needs to name the next file. */
struct format_new {
	const char *dir;
	const char *slug;  /* the description, as a file-name word */
	long next;         /* newest version + 1 */
	int width;         /* digits the directory already uses (4 when empty) */
	const char *stamp; /* UTC YYYYMMDDHHMMSS */
};

struct format {
	const char *name;          /* its migrations_format value */
	const char *naming_rule;   /* for the hint on a bad file name */
	const char *down_part;     /* what gives a migration a down part, for rollback's hint */
	bool gap_warning;          /* validate warns when integer versions skip one */
	size_t version_prefix;     /* letters before the version digits (flyway's V) */
	bool placeholders;         /* ${name} is replaced (pginit's own rule, Flyway's); else the text runs as written */

	/* Parse a file name; false (nothing allocated) if it is not one of this format. */
	bool (*parse_name)(const char *file, struct migration_name *out);
	/* Detection: a file name that settles it, or a line that suggests it. NULL: never. */
	bool (*detect_name)(const char *file);
	bool (*detect_line)(const char *line, const char *eol);
	/* Find the up/down parts in the file's text; NULL: the whole file is the up part. Logs. */
	bool (*find_parts)(struct migration *m, const char *text, size_t len);
	/* A whole file (up or down) runs outside a transaction by the format's own rule. NULL: never. */
	bool (*no_transaction)(const char *path);
	/* `pginit new`: the up file, the down file (or NULL) and the up body. Caller frees. */
	void (*new_files)(const struct format_new *in, char **up, char **down, char **body);

	/*
	 * The old tool's table: NULL when the format has none (native).
	 * history_table is its default name (unqualified); the SQL (history_ddl
	 * and what record/read send through format_query) writes {T} for the
	 * quoted, qualified name and {L} for it as a string literal.
	 */
	const char *history_table;
	const char *history_ddl;
	bool (*history_record)(struct db *db, const char *table, const struct migration *m, const char *prev, long ms,
			       bool up);
	bool (*history_read)(struct db *db, const char *table, struct format_history *out);
};

/* The formats; NULL-terminated. */
extern const struct format *const format_table[];
/* By migrations_format value; NULL for "auto" or an unknown name. */
const struct format *format_by_name(const char *name);

/*
 * Where the old tool's table is, as that tool would look for it: configured
 * (migrations_compat_table: "table" or "schema.table"; NULL: the format's
 * default name), in the first schema of the connection's search_path
 * (current_schema(), which golang-migrate and dbmate use, and where goose's
 * and Flyway's unqualified names resolve) unless the name has its own. The
 * quoted qualified name, or NULL for native or on a failed query (logged).
 * Caller frees.
 */
char *format_history_name(struct db *db, const struct format *f, const char *configured);

/*
 * Create the old tool's table (table: from format_history_name) if it is
 * missing, owned by owner (NULL: the connecting role), as the old tool's own
 * table belongs to the role that migrates: a migration that alters it (running
 * as the owner role) can. A table that exists is left as it is.
 */
bool format_history_ensure(struct db *db, const struct format *f, const char *table, const char *owner);
/* Read the old tool's table; out->found false when it is missing. */
bool format_history_read(struct db *db, const struct format *f, const char *table, struct format_history *out);
/* query_run with {T}/{L} in sql replaced by the table's name (see struct format). */
bool format_query(struct db *db, const char *table, const char *sql, int n, const char *const *params, const char *what,
		  struct db_result **keep);

/*
 * For a history_read: run sql (with {T}) and add column 0 of each row to
 * out->versions, normalised (as it is when it does not parse as a version).
 */
bool format_read_versions(struct db *db, const char *table, const char *sql, struct format_history *out);

/*
 * validate's gap rule: true when next skips a version after prev, for a
 * format with gap_warning. Timestamp versions (8 digits or more: 20240101,
 * 20240101120000) are not counted: they skip by design.
 */
bool format_version_gap(const struct format *f, const char *prev, const char *next);

/* ---- helpers for the format files */

/* Is the line [p, eol) a comment "-- <word>..."? Returns what follows the word, else NULL. */
const char *format_marker(const char *p, const char *eol, const char *word, bool any_case);

/*
 * NNNN_description.sql: digits, '_', a description. down_suffix (may be NULL)
 * marks a down file; up_suffix, when given, is required of an up file.
 */
bool format_parse_numbered(const char *file, const char *down_suffix, const char *up_suffix, struct migration_name *out);

/* Up/down sections marked by comment lines (dbmate, goose). */
struct format_sections {
	const char *up, *down;  /* the marker words */
	bool any_case;          /* goose matches annotations in any case */
	unsigned split_flags;   /* SQLSPLIT_GOOSE */
	const char *no_tx_option; /* dbmate: after a marker, e.g. "transaction:false" */
	const char *no_tx_line;   /* goose: a marker line for the whole file */
};
bool format_find_sections(struct migration *m, const char *text, size_t len, const struct format_sections *how,
			  const char *format_name);

/* The placeholders a file of format f gets: vars where the format has them, else none (NULL: the text as written). */
static inline const struct kv *format_vars(const struct format *f, const struct kv *vars)
{
	return f->placeholders ? vars : NULL;
}

#endif
