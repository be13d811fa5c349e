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
#include "exitcode.h"

struct seed_totals {
	int files;  /* applied in this run */
	long rows;
};

/* Apply one set; records the step "seed:<set>" via ledger when run_id > 0. */
enum rc seed_apply_set(struct db *db, const struct config *cfg, const char *set, long run_id,
		       struct seed_totals *totals);

/* The files of a set (full paths, name order); RC_SEED if the set has no directory. */
enum rc seed_list(const struct config *cfg, const char *set, struct strlist *files);

#endif
