/*
 * compat — the previous tool's history table, for teams switching to pginit.
 *
 * With migrations_compat = true, every migration pginit applies or rolls back
 * is also written, in the same transaction, to the old tool's own table in
 * that tool's shape (golang-migrate's one-row schema_migrations(version,
 * dirty), dbmate's schema_migrations(version), goose's goose_db_version,
 * Flyway's flyway_schema_history), so migrations or scripts that read it, and
 * the old tool itself, keep working. `pginit import` reads the same tables to
 * adopt a database the old tool migrated. The tables live in schema public,
 * where each tool puts them by default.
 */
#ifndef PGINIT_COMPAT_H
#define PGINIT_COMPAT_H

#include <stdbool.h>

#include "db.h"
#include "migrate.h"

/* Create the old tool's table if it is missing. Logs and returns false on error. */
bool compat_ensure(struct db *db, enum mformat f);

/* Record one applied (up) or rolled back (!up) migration. prev: the version
 * below m (golang-migrate keeps only the current one), or NULL. */
bool compat_record(struct db *db, enum mformat f, const struct migration *m, const char *prev, long ms, bool up);

/*
 * What the old tool's table says is applied: normalised versions in
 * *versions, and/or everything up to *upto (golang-migrate's single row,
 * Flyway's baseline; NULL if none). *found false when the table is missing.
 * RC_VALIDATE for a dirty golang-migrate state; errors are logged.
 */
enum rc compat_applied(struct db *db, enum mformat f, struct strlist *versions, char **upto, bool *found);

#endif
