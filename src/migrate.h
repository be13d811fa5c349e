/*
 * migrate — versioned migrations, whatever their format (src/formats/): plan
 * the files against the ledger's history, apply the pending ones, roll applied
 * ones back, print what would run.
 *
 * Planning refuses before anything runs when: an applied file's checksum
 * changed, an applied version has no file any more, or a pending version is
 * older than the newest applied one (unless allow_out_of_order). Each pending
 * migration runs through txn.c (its own transaction under SET LOCAL ROLE owner
 * with the profile's timeouts, its history row written in that transaction,
 * and the old tool's row too with migrations_compat); a failed one leaves no
 * trace but the log. Functions return false after logging; the caller (a
 * phase) chooses the exit code.
 */
#ifndef PGINIT_MIGRATE_H
#define PGINIT_MIGRATE_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "formats/discover.h"
#include "formats/format.h"
#include "formats/migration.h"
#include "ledger.h"
#include "script.h"

enum mstate { M_PENDING, M_APPLIED, M_DRIFTED, M_FAILED };

struct plan {
	int *pending;       /* indices into the set, in order */
	int n_pending;
	enum mstate *state; /* per file in the set */
	int n_missing;      /* applied versions with no file */
	int n_drifted;
};

/* Compare files and history. strict: drift/missing/out-of-order are errors (logged, false). */
bool migrate_plan(const struct migration_set *set, const struct ledger_migration *history, int n_history,
		  bool allow_out_of_order, bool strict, struct plan *out);
void migrate_plan_free(struct plan *p);

/*
 * migrations_compat: versions the old tool rolled back (newer than the newest
 * its table lists) leave hist, so the plan sees them pending. False (logged):
 * the old tool's table could not be read.
 */
bool migrate_compat_undone(struct db *db, const struct config *cfg, const struct migration_set *set,
			   struct ledger_migration *hist, int *n_hist);

/* Every pending file loads (split, directives, placeholders); false (logged) before anything runs. */
bool migrate_check(const struct migration_set *set, const struct plan *plan, const struct kv *vars);

/* Apply the plan (after migrate_check). *applied counts the files applied. */
bool migrate_apply(struct db *db, const struct config *cfg, const struct migration_set *set,
		   const struct plan *plan, long run_id, int *applied);

/*
 * The migrations a rollback undoes, newest first: the `steps` newest applied
 * ones, or every one newer than to_version (when not NULL). False (logged)
 * when a target has no down part. *targets: indices into the set, caller frees.
 */
bool migrate_rollback_targets(const struct migration_set *set, const struct ledger_migration *history,
			      int n_history, int steps, const char *to_version, int **targets, int *n);

/* Run the down parts of the targets, each in its own transaction, recorded as 'rollback' rows. */
bool migrate_rollback(struct db *db, const struct config *cfg, const struct migration_set *set, const int *targets,
		      int n, long run_id, int *rolled_back);

/* Print what migrate_apply would run, SQL included, to stdout. */
void migrate_print_plan(const struct config *cfg, const struct migration_set *set, const struct plan *plan);

#endif
