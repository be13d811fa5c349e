/*
 * lease — pginit's lock when a connection pooler sits between pginit and the
 * server, and the choice between it and the session advisory lock (lock.h).
 *
 * Behind PgBouncer in transaction (or statement) pooling, every transaction
 * may run on another server connection: a session advisory lock is taken on
 * one backend and "released" on another (which returns false), and it stays
 * held by the pooled backend until PgBouncer recycles it. So behind a pooler
 * pginit holds a lease instead: one row per target database in
 * <ledger_schema>.lock_lease of the target database itself (like the session
 * lock: the run's one connection; a target that does not exist yet is created
 * first, and concurrent CREATE DATABASEs are tolerated), taken with a single INSERT .. ON CONFLICT DO UPDATE that only
 * succeeds when the row is free or its expiry has passed (server clock, so
 * client clocks never matter). Every statement stands alone, so any pooling
 * mode works.
 *
 * The heartbeat: pginit blocks in one statement for as long as a migration
 * runs, so renewal cannot wait for the main thread. A second thread with its
 * own connection renews the lease every third of lock_lease_ttl. A killed
 * pginit stops renewing and its lease expires after at most the ttl; the next
 * run takes it over and says so. If the renewal finds the lease gone or
 * cannot renew it for a whole ttl (another run may then hold it), the
 * heartbeat logs the error and sends SIGTERM to pginit: the running statement
 * is cancelled and rolled back, the run ends as interrupted (exit 143).
 *
 * lock_mode: session (lock.h), lease, or auto (the default): lease when the
 * connection goes through a pooler, detected by comparing the backend
 * pid libpq was told at connect (a pooler announces its own) with the
 * server's pg_backend_pid(); session otherwise.
 */
#ifndef PGINIT_LEASE_H
#define PGINIT_LEASE_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"

struct lease_lock;

/*
 * Take pginit's lock of name (the database, or database/schema for a schema
 * fleet's tenant; the lease row's key) on db (the target connection), by
 * cfg->lock_mode, waiting up to timeout_ms. p: the parameters of db (the
 * heartbeat opens its own connection with them; they must outlive the lock).
 * RC_OK with *out set (release with lease_lock_release), else RC_LOCK
 * (timeout), RC_SIGNAL or RC_CONNECT; logged.
 */
enum rc lease_lock_acquire(struct db *db, const struct db_params *p, const struct config *cfg, const char *name,
			   int timeout_ms,
			   struct lease_lock **out);
/* Stop the heartbeat and drop the lease, free l (NULL is fine). A session
 * lock is left to end with db's session (no round trip). */
void lease_lock_release(struct lease_lock *l, struct db *db);

#endif
