/*
 * migrate — versioned migrations: discover the files, plan them against the
 * ledger's history, apply the pending ones.
 *
 * Native format: NNNN_name.sql, ordered by the number's value (9 before 10,
 * leading zeros ignored). NNNN_name.down.sql files are the matching down
 * steps and are not applied forward. Planning refuses (RC_VALIDATE) before
 * anything runs when: an applied file's checksum changed, an applied version
 * has no file any more, two files share a version, or a pending version is
 * older than the newest applied one (unless allow_out_of_order).
 * Each pending file runs in its own transaction under SET LOCAL ROLE owner,
 * with the profile's lock_timeout/statement_timeout, and its history row is
 * written in that same transaction: a failure leaves no trace but the log.
 */
#ifndef PGINIT_MIGRATE_H
#define PGINIT_MIGRATE_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"
#include "ledger.h"

struct migration {
	char *version; /* digits, leading zeros removed */
	char *name;    /* the part after the version */
	char *file;    /* file name */
	char *path;
	char *down_path; /* NNNN_name.down.sql, or NULL */
};

struct migration_set {
	struct migration *items;
	int n;
};

/* Compare two versions by numeric value; works for any number of digits. */
int migrate_version_cmp(const char *a, const char *b);

/* Parse a file name; false if it is not a native migration name. *down tells .down.sql. */
bool migrate_parse_name(const char *file, char **version, char **name, bool *down);

/* Read the directory (a missing one is an empty set); RC_VALIDATE on bad names or duplicates. */
enum rc migrate_discover(const char *dir, struct migration_set *out);
void migrate_set_free(struct migration_set *s);

enum mstate { M_PENDING, M_APPLIED, M_DRIFTED, M_FAILED };

struct plan {
	int *pending;       /* indices into the set, in order */
	int n_pending;
	enum mstate *state; /* per file in the set */
	struct ledger_migration *history;
	int n_history;
	int n_missing;      /* applied versions with no file */
};

/* Compare files and history. strict: drift/missing/out-of-order are errors (logged). */
enum rc migrate_plan(const struct migration_set *set, struct ledger_migration *history, int n_history,
		     bool allow_out_of_order, bool strict, struct plan *out);
void migrate_plan_free(struct plan *p);

/* Apply the plan. *applied counts the files applied. */
enum rc migrate_apply(struct db *db, const struct config *cfg, const struct migration_set *set,
		      const struct plan *plan, long run_id, int *applied);

#endif
