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
/* The server's version number (PQserverVersion: 150004 for 15.4). */
int db_server_version(const struct db *db);
/* The server said at connect that the session user is a superuser (its
 * is_superuser ParameterStatus); false when it did not say. */
bool db_announced_superuser(const struct db *db);
/* No pooler in between (the announced pid is the server's): known from the
 * lock_timeout query, else asked once (one round trip); false when unknown. */
bool db_direct(struct db *db);
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

/*
 * Pipeline mode: many statements, one round trip (libpq's pipeline mode; the
 * connection is non-blocking meanwhile, so sending and reading never wait on
 * each other and a signal still cancels the running statement).
 *
 * Between db_pipeline_begin and db_pipeline_end, db_exec (one statement: the
 * extended protocol takes no lists) and db_query queue their statement and
 * return at once: true, and an empty result for db_query (errors at this point
 * are the connection's). The server runs them in order, each with a
 * statement_timeout of its own (PostgreSQL >= 11 rearms it per Execute
 * message). db_pipeline_sync ends a segment: its statements not inside a
 * transaction block commit there; after a failure the server skips the rest
 * of the segment, and runs the next one. Statements are numbered from 0 in the
 * order they were queued since db_pipeline_begin (db_pipeline_queued: the
 * number of the next one); db_pipeline_label names the last one queued
 * (static text, for messages).
 *
 * db_pipeline_read ends the open segment, sends everything and reads every
 * answer: false when a statement since db_pipeline_begin failed, with err the
 * first failure (db_pipeline_failed: its number and label); rows (optional)
 * the affected rows of the statements numbered from `from` on. A transaction
 * opened by a queued BEGIN stays open across reads. db_pipeline_end reads what
 * is still unread and leaves pipeline mode. No COPY in pipeline mode
 * (db_copy_in refuses). Behind a pooler in transaction mode a pipeline must not
 * span transactions (PgBouncer 1.18 hands the server back at the first
 * ReadyForQuery "idle" while the rest is already sent to it): check db_direct.
 */
bool db_pipeline_begin(struct db *db, struct db_error *err);
bool db_pipelined(const struct db *db);
int db_pipeline_queued(const struct db *db);
void db_pipeline_label(struct db *db, const char *label);
bool db_pipeline_sync(struct db *db, struct db_error *err);
bool db_pipeline_read(struct db *db, int from, long *rows, struct db_error *err);
/* The number of the first statement that failed (-1: none); *label (may be NULL) its label or NULL. */
int db_pipeline_failed(const struct db *db, const char **label);
void db_pipeline_end(struct db *db);

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
