/*
 * txn — the one wrapper pginit puts around a file it runs (a migration, a
 * seed file, an initdb.d file):
 *
 *   BEGIN -> timeouts -> SET [LOCAL] ROLE owner -> the work -> RESET ROLE
 *         -> record (ledger rows, in the same transaction) -> COMMIT
 *
 * or ROLLBACK when anything fails. Without a transaction each statement of the
 * work stays once it ran, so the record is written whether the work succeeded
 * or not (the callback is told which). Each failing statement of ours is logged
 * once (script_simple); the work and the record log their own failures.
 *
 * In a transaction with t->pipeline (issue 10 item 4) it takes two round
 * trips: t->before (statements of ours: the session reset, committed on their
 * own at a Sync of their own, as if sent alone), BEGIN, the timeouts, SET
 * LOCAL ROLE and the work's statements go in one pipeline (db.h), which the
 * work reads (script_exec_steps on a script_pipelinable() script does); RESET
 * ROLE, the record's statements (queued: db_query returns at once) and COMMIT
 * in a second. The server skips whatever follows a failure in its segment, so
 * COMMIT never runs after one (a failure of t->before, whose segment ends
 * before BEGIN, fails the run all the same: no COMMIT is sent); the failing
 * statement is logged as it would be outside a pipeline, then ROLLBACK.
 *
 * Outside a transaction the timeouts are set for the session; afterwards
 * statement_timeout is RESET and lock_timeout set back to the value the
 * connection was given (db_lock_timeout: the profile's migration_lock_timeout
 * on a direct connection, none behind a pooler): a RESET would leave the next
 * file and the ledger's statements without one (the value was set after
 * connecting, so the server's default is none).
 */
#ifndef PGINIT_TXN_H
#define PGINIT_TXN_H

#include <stdbool.h>

#include "config.h"
#include "db.h"

struct txn {
	bool transaction;               /* BEGIN ... COMMIT around it */
	const char *role;               /* SET [LOCAL] ROLE for the work; NULL: none */
	const struct profile *timeouts; /* its migration_lock/statement_timeout; NULL: none */
	bool (*work)(struct db *db, void *arg);
	bool (*record)(struct db *db, void *arg, bool ran); /* NULL: nothing to record */
	void *arg;
	bool pipeline;              /* in a transaction: pipeline mode (above); work must be pipelined */
	const char *const *before;  /* with pipeline: statements sent first, NULL-terminated; NULL: none */
};

/* Run it. *ran: the work succeeded. True when work, record and commit all did. */
bool txn_run(struct db *db, const struct txn *t, bool *ran);

/* The statements txn_run sends around the work, for --dry-run listings. Caller frees. */
char *txn_set_role_sql(struct db *db, const char *role, bool local);
/* The connection's own lock_timeout set again (RESET when it has none); db NULL: the profile's, for a listing. */
char *txn_lock_timeout_sql(struct db *db, const struct profile *p);

#endif
