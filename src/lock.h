/*
 * lock — one pginit at a time per target database. A session-level
 * pg_try_advisory_lock on the connection to the target database itself (so
 * the maintenance_db setting never matters: advisory locks are per database),
 * keyed by a hash of the target database's name, polled with
 * backoff until the profile's lock timeout. Polling rather than a blocking
 * pg_advisory_lock means a waiting replica never sits in the lock queue of a
 * CREATE INDEX CONCURRENTLY run by the holder; a session lock dies with a
 * killed process, so no stale lock is ever left behind.
 */
#ifndef PGINIT_LOCK_H
#define PGINIT_LOCK_H

#include "db.h"
#include "exitcode.h"

/* RC_OK, RC_LOCK (timeout), RC_SIGNAL or RC_CONNECT (query failed); logged. */
enum rc lock_acquire(struct db *db, const char *dbname, int timeout_ms);
/*
 * One round trip for the common case of lock_mode = auto: *pooled tells
 * whether a pooler is between pginit and the server (the backend running the
 * query is not the one the server announced), and only when none is, the
 * lock is tried once. 1: taken, 0: not taken (or pooled), -1: error (logged).
 */
int lock_try_unless_pooled(struct db *db, const char *dbname, bool *pooled);
/* The advisory lock key of a database name (FNV-1a 64 of "pginit:" + name). */
long long lock_key(const char *dbname);

#endif
