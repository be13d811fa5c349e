/*
 * migrate — versioned migrations: discover the files (pginit's own format or
 * another tool's directory as it is), plan them against the ledger's history,
 * apply the pending ones, roll applied ones back.
 *
 * Formats (chosen by migrations_format, or detected):
 *   native          NNNN_name.sql, optional NNNN_name.down.sql
 *   golang-migrate  N_name.up.sql / N_name.down.sql
 *   dbmate          VERSION_name.sql with `-- migrate:up [transaction:false]` / `-- migrate:down`
 *   goose           NNNNN_name.sql with `-- +goose Up` / `-- +goose Down`, StatementBegin/End,
 *                   `-- +goose NO TRANSACTION` (annotations matched in any case)
 *   flyway          V<1.2 or 1_2>__name.sql, U<version>__name.sql (undo), R__name.sql (repeatable)
 * Versions are ordered by value, part by part (9 < 10, 1_2 < 1_10), never
 * lexically. Every format maps onto pginit.schema_migrations the same way:
 * one row per application with the normalised version (leading zeros dropped,
 * parts joined by '.'), the name, the file and the file's checksum.
 *
 * Planning refuses (RC_VALIDATE) before anything runs when: an applied file's
 * checksum changed, an applied version has no file any more, two files share a
 * version, or a pending version is older than the newest applied one (unless
 * allow_out_of_order). Each pending migration runs in its own transaction
 * under SET LOCAL ROLE owner with the profile's timeouts, its history row
 * written in that transaction; a failed one leaves no trace but the log.
 */
#ifndef PGINIT_MIGRATE_H
#define PGINIT_MIGRATE_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"
#include "ledger.h"
#include "script.h"

enum mformat { FMT_NATIVE, FMT_GOLANG_MIGRATE, FMT_DBMATE, FMT_GOOSE, FMT_FLYWAY, FMT_AUTO };

const char *migrate_format_name(enum mformat f);
bool migrate_parse_format(const char *s, enum mformat *out);

struct migration {
	char *version;   /* normalised; for a repeatable, its name */
	char *name;
	char *file;      /* file name */
	char *path;
	char *down_path; /* a separate down/undo file, or NULL */
	bool repeatable; /* flyway R__: applied again whenever it changes */
	bool has_down;   /* a down section or file exists */
	struct script_part up;   /* in path */
	struct script_part down; /* in path (section formats) or in down_path */
};

struct migration_set {
	struct migration *items; /* versioned ones by version, then repeatables by name */
	int n;
	enum mformat format;
};

/* "0012" -> "12", "1_2" -> "1.2" (multipart for flyway); NULL if malformed. Caller frees. */
char *migrate_normalise_version(const char *s, bool multipart);

/* Compare two normalised versions by value, part by part. */
int migrate_version_cmp(const char *a, const char *b);

/* Parse a file name of a format; false if it is not one. *down: a down/undo file. */
bool migrate_parse_name(enum mformat f, const char *file, char **version, char **name, bool *down, bool *repeatable);

/* Read the directory (a missing one is an empty set). fmt FMT_AUTO detects.
 * RC_VALIDATE on bad names, duplicates, missing sections. */
enum rc migrate_discover(const char *dir, enum mformat fmt, struct migration_set *out);
void migrate_set_free(struct migration_set *s);

/* Load the up (or down) part of a migration as a script. */
bool migrate_load(const struct migration *m, bool down, struct script *s);

enum mstate { M_PENDING, M_APPLIED, M_DRIFTED, M_FAILED };

struct plan {
	int *pending;       /* indices into the set, in order */
	int n_pending;
	enum mstate *state; /* per file in the set */
	int n_missing;      /* applied versions with no file */
	int n_drifted;
};

/* Compare files and history. strict: drift/missing/out-of-order are errors (logged). */
enum rc migrate_plan(const struct migration_set *set, const struct ledger_migration *history, int n_history,
		     bool allow_out_of_order, bool strict, struct plan *out);
void migrate_plan_free(struct plan *p);

/* Apply the plan. *applied counts the files applied. */
enum rc migrate_apply(struct db *db, const struct config *cfg, const struct migration_set *set,
		      const struct plan *plan, long run_id, int *applied);

/*
 * Roll back applied migrations, newest first: the `steps` newest, or every
 * one newer than to_version (when not NULL). Each down part runs in its own
 * transaction and is recorded as a 'rollback' row. Refuses (RC_VALIDATE)
 * before anything runs when a target has no down part.
 */
enum rc migrate_rollback(struct db *db, const struct config *cfg, const struct migration_set *set,
			 const struct ledger_migration *history, int n_history, int steps, const char *to_version,
			 long run_id, int *rolled_back);

/* Print what migrate_apply would run, SQL included, to stdout. */
void migrate_print_plan(const struct config *cfg, const struct migration_set *set, const struct plan *plan);

#endif
