/*
 * idxcheck — invalid indexes left by an interrupted CREATE INDEX CONCURRENTLY.
 *
 * A CIC that fails (a unique index over duplicates, a cancel, a killed run)
 * leaves its index behind with pg_index.indisvalid = false, and a retry's
 * `CREATE INDEX CONCURRENTLY IF NOT EXISTS` then skips it: the migration is
 * recorded as applied while the index is unusable (and, if unique, enforces
 * nothing). For the files that run outside a transaction, pginit therefore
 * reads the CREATE INDEX statements of the file (index name and table) and
 *   - before the file runs: drops those indexes that exist and are invalid
 *     (DROP INDEX CONCURRENTLY), so the file builds them again; unless
 *     another session is building one of them right now (its CREATE INDEX
 *     CONCURRENTLY shows indisvalid = false too): then nothing is dropped,
 *     the file does not run, and the error names that session;
 *   - after it ran: fails, naming the index, if one of them is still invalid.
 * A CREATE INDEX without a name concerns every invalid index of its table.
 */
#ifndef PGINIT_IDXCHECK_H
#define PGINIT_IDXCHECK_H

#include <stdbool.h>

#include "db.h"
#include "script.h"

/* False (logged) when an invalid index could not be dropped or is another session's build in progress. */
bool idxcheck_drop_invalid(struct db *db, const struct script *s);
/* False when an index of the file is invalid: logged, *errmsg (caller frees) for the ledger. */
bool idxcheck_verify(struct db *db, const struct script *s, char **errmsg);

#endif
