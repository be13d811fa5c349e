/*
 * query — pginit's own SQL statements (not a file's), run and logged once:
 *
 *   pginit: error: unable to <what>: <server message> [SQLSTATE]
 *
 * db.c never logs (the caller knows what a statement was for); this is the one
 * place that turns "a statement of ours failed" into that line. Every module
 * that runs its own SQL (ledger, bootstrap, the formats' history tables,
 * status) goes through here instead of repeating the pattern.
 */
#ifndef PGINIT_QUERY_H
#define PGINIT_QUERY_H

#include <stdbool.h>

#include "db.h"

/*
 * Run sql with n text parameters. On success the result goes to *keep (caller
 * frees with db_result_free) when keep is not NULL. On failure logs the line
 * above once and returns false.
 */
bool query_run(struct db *db, const char *sql, int n, const char *const *params, const char *what,
	       struct db_result **keep);

/* The same for SQL text without parameters (several statements allowed, except in pipeline mode). */
bool query_exec(struct db *db, const char *sql, const char *what);

/*
 * In pipeline mode (db.h) both return at once, the statement labelled with
 * `what`; when it fails later, whoever reads the pipeline logs the line above
 * with this (err is not changed). Returns false.
 */
bool query_failed(const char *what, const struct db_error *err);

#endif
