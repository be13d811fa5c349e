/*
 * wait — wait until the server accepts a real, authenticated connection.
 *
 * PQpingParams is polled with exponential backoff and full jitter (first
 * sleep 25 ms, doubling, capped at 250 ms) until the deadline. "No response"
 * and "rejecting: starting up" are retried; PQPING_NO_ATTEMPT (bad parameters)
 * fails at once; once the server answers, a refused connection (wrong
 * password, missing role, pg_hba) fails at once instead of burning the
 * timeout. Which refusals are worth retrying is decided by SQLSTATE (57P03,
 * 53300, ...) and libpq's status, never by the server's translated message
 * text. Each attempt, host name lookup included, is bounded by the time left.
 * Progress is logged at most every 2 s.
 */
#ifndef PGINIT_WAIT_H
#define PGINIT_WAIT_H

#include "db.h"
#include "exitcode.h"

/* RC_OK with *out an open connection (caller closes), or RC_CONFIG,
 * RC_WAIT, RC_CONNECT, RC_SIGNAL; the failure is logged. */
enum rc wait_for_server(const struct db_params *p, int timeout_ms, struct db **out);

/*
 * The common path: one real connection first, no ping. Only when it fails
 * does wait_for_server() take over, to wait out a server that is starting or
 * to explain a refusal: on wait_p when given (a database that surely exists,
 * the maintenance db, when p's may have to be created), then p is tried once
 * more. *missing_db (optional): p->dbname does not exist (3D000); then that
 * is not logged and RC_CONNECT is returned, so the caller can create it.
 */
enum rc wait_connect(const struct db_params *p, const struct db_params *wait_p, int timeout_ms, struct db **out,
		     bool *missing_db);

#endif
