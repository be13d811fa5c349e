/*
 * db — the only module that talks libpq. Connections are opened with keyword
 * arrays (never by changing the environment, never with a password in a
 * string that could be logged); queries run asynchronously so that a caught
 * SIGTERM/SIGINT cancels the running statement (PQcancel) instead of waiting
 * for it; every result is drained; server notices go to our logger.
 *
 * Errors are returned in struct db_error (SQLSTATE, message, detail, hint,
 * position, context), never logged here: the caller knows which file and
 * line the statement came from and logs once.
 *
 * Connections never hang pginit: TCP keepalives and tcp_user_timeout are set
 * on every connection; the host name is resolved here with a deadline (the
 * connect timeout) and handed to libpq as hostaddr, so a stalled resolver
 * cannot overrun the wait; connecting is asynchronous and gives up on a signal
 * or at the deadline. After a signal, a query wait lasts SIG_CANCEL_WAIT_MS at
 * most (cancel, then close the connection). Connection failures carry the
 * server's SQLSTATE (read from libpq's verbose message, so the server's
 * lc_messages does not matter). A statement that waits for a lock for more
 * than a second has its blockers looked up from a second connection
 * (pg_blocking_pids); a lock timeout (55P03) then names them in detail.
 */
#ifndef PGINIT_DB_H
#define PGINIT_DB_H

#include <stdbool.h>

#include "util.h"

struct db_params {
	const char *host;
	int port;
	const char *ports;    /* when set: the port or port list libpq gets (multi-host) */
	const char *dbname;
	const char *user;
	const char *password; /* NULL: libpq's own sources (.pgpass) */
	const char *sslmode;
	const char *sslrootcert;
	const char *application_name;
	const char *target_session_attrs;
	int connect_timeout; /* seconds; libpq treats 1 as 2 */
	/* session lock_timeout for pginit's own statements ("10s"); NULL: none. Not set
	 * behind a pooler (a session SET would stay on a pooled server connection). Set
	 * with the connection's first query, in its round trip (pipeline mode); an invalid
	 * value fails that query ("invalid lock_timeout ..."). */
	const char *lock_timeout;
	const char *options; /* libpq options ("-c name=value", escaped), or NULL */
};

struct db_error {
	char sqlstate[6]; /* "" when the server sent none (e.g. connection lost) */
	char *message;
	char *detail;
	char *hint;
	char *context;
	int position; /* 1-based character offset into the statement, 0: none */
	bool needs_password; /* connect: the server asked for a password and none was given */
	bool resolve_failed; /* connect: the host name could not be resolved (in time) */
};
void db_error_clear(struct db_error *e);

struct db;

enum db_ping { DB_PING_OK, DB_PING_REJECT, DB_PING_NO_RESPONSE, DB_PING_NO_ATTEMPT };
enum db_ping db_ping(const struct db_params *p);

/* NULL on failure with err->message set (never containing the password). */
struct db *db_connect(const struct db_params *p, struct db_error *err);
void db_close(struct db *db);
/* The backend process id the server announced at connect (PQbackendPID). A
 * pooler in between announces its own key, so this differs from the
 * server's pg_backend_pid(). */
int db_announced_pid(const struct db *db);
/* The server said at connect that the session user is a superuser (its
 * is_superuser ParameterStatus); false when it did not say. */
bool db_announced_superuser(const struct db *db);
/* "host:port" of the server libpq chose from a multi-host list; caller frees. */
char *db_endpoint(const struct db *db);
/* The lock_timeout this session was given at connect; NULL when none (also behind a pooler). */
const char *db_lock_timeout(const struct db *db);
/* The session is inside a transaction block (open, or failed and waiting for ROLLBACK). */
bool db_in_transaction(const struct db *db);
/* Label used in notice log lines ("0003_events.sql"); NULL to clear. Not copied. */
void db_set_context(struct db *db, const char *label);

/*
 * Run SQL text (one or more statements) with the simple query protocol.
 * rows (optional) gets the sum of affected rows. False on the first error.
 */
bool db_exec(struct db *db, const char *sql, long *rows, struct db_error *err);

/* A query with parameters (text format); NULL on error. */
struct db_result;
struct db_result *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
			   struct db_error *err);
int db_nrows(const struct db_result *r);
/* NULL for SQL NULL; the string belongs to the result. */
const char *db_get(const struct db_result *r, int row, int col);
void db_result_free(struct db_result *r);

/* Run a `COPY ... FROM STDIN` statement feeding it data. */
bool db_copy_in(struct db *db, const char *sql, const char *data, size_t len, long *rows, struct db_error *err);

/* Quoted identifier / literal; caller frees. Never NULL (aborts on OOM). */
char *db_ident(struct db *db, const char *s);
char *db_literal(struct db *db, const char *s);

/* A SCRAM-SHA-256 verifier for the role's password, made on the client. Caller frees. */
char *db_scram_verifier(struct db *db, const char *role, const char *password, struct db_error *err);

/* Split a URI or conninfo string into keywords and values (both lists owned by the caller). */
bool db_conninfo_parse(const char *conninfo, struct strlist *keys, struct strlist *vals, char **errmsg);

#endif
