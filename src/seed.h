/*
 * seed — named seed sets: seeds/<set>/ *.sql, applied in name order for each
 * set the profile lists (prod lists none). Each file runs once in its own
 * transaction under SET LOCAL ROLE owner and is recorded in seed_history
 * with its checksum; a file whose content changed is applied again, so seed
 * files must be idempotent (INSERT ... ON CONFLICT).
 */
#ifndef PGINIT_SEED_H
#define PGINIT_SEED_H

#include "config.h"
#include "db.h"
#include "ledger.h"
#include "script.h"

struct seed_totals {
	int files;  /* applied in this run */
	long rows;
};

/*
 * The profile's seed files, each read, checksummed and parsed once (before
 * the first migration runs) and applied from memory; seed_history is read
 * once per run, at the first set applied.
 */
struct seed_file {
	const char *set; /* the profile's string */
	struct script s;
};
struct seed_files {
	struct seed_file *items;
	int n;
	struct ledger_seed *done; /* seed_history, once read */
	int n_done;
	bool have_done;
};
/* Every file of every set of the profile; false (each problem logged) if any fails to load. */
bool seed_load_all(const struct config *cfg, struct seed_files *out);
void seed_files_free(struct seed_files *f);

/* How many files of the set are new or changed since they were applied (seed_history read once); -1: error, logged. */
int seed_set_todo(struct db *db, const struct config *cfg, const char *set, struct seed_files *loaded);
/* Apply one set (each file recorded in seed_history). False (logged) on the first failure. */
bool seed_apply_set(struct db *db, const struct config *cfg, const char *set, struct seed_files *loaded, long run_id,
		    struct seed_totals *totals);

/* The files of a set (full paths, name order); false (logged) if the set has no directory. */
bool seed_list(const struct config *cfg, const char *set, struct strlist *files);

/* Every file of every set of the profile loads; false (each problem logged). */
bool seed_check_all(const struct config *cfg);

/* Load a seed file as it would run (SQL split and placeholders, or CSV shape). */
bool seed_check_file(const char *path, const struct kv *vars, struct script *s);

/* "applied", "changed" or "pending" for a file of a set, from seed_history rows. */
const char *seed_state(const char *path, const char *set, const struct ledger_seed *done, int n_done);

/* --dry-run: print the seed files that would run and their SQL. db may be NULL. */
bool seed_print_plan(struct db *db, const struct config *cfg, bool ledger);

#endif
