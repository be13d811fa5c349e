/*
 * script — one SQL file (migration, seed or initdb.d file): its text, its
 * checksum, its directives and its statements, and running it.
 *
 * Checksum: SHA-256 (hex) of the text with a UTF-8 BOM removed and CRLF turned
 * into LF, so a change of line endings is not drift but any other edit is.
 * Directives: comment lines `-- pginit:<word>` before the first statement;
 * `-- pginit:no-transaction` runs the file statement by statement outside a
 * transaction; `-- pginit:encoding NAME` (on one of the file's first comment
 * lines) says the file is not UTF-8: it is sent with SET client_encoding NAME;
 * `-- pginit:run-as admin` runs it as the connecting (admin)
 * role instead of the owner role (the escape hatch for pg_dump output).
 * pg_dump's `\restrict KEY` / `\unrestrict KEY` lines (psql meta-commands,
 * pg_dump >= 15.14) are skipped; any other backslash command is an error. A file that wraps itself in BEGIN; ... COMMIT; is not wrapped
 * twice: those two statements are dropped and pginit's own transaction used.
 *
 * Unless the part asks for the strict rule, loading also finds what the old
 * tools ran outside one transaction (issue 9 item 2) and runs the file that
 * way, as written, with s->no_tx_why saying why: transaction control of its
 * own anywhere else in the file (golang-migrate sends a file as one query, so
 * its BEGIN/COMMIT are what runs), or a statement that cannot run in a
 * transaction block (CREATE/DROP INDEX CONCURRENTLY, VACUUM, CREATE DATABASE,
 * ALTER SYSTEM, ...; Flyway detects these too). Under the strict rule only
 * the directive (or the format's own marker) takes a file out of a
 * transaction, and transaction control in the middle is refused at load.
 *
 * Bytes: a NUL byte anywhere in a file, or (unless it declares another
 * encoding) a byte sequence that is not UTF-8, makes the file fail to load,
 * naming file:line:col. libpq sends C strings: a NUL would cut a statement
 * short (an UPDATE without its WHERE) without any error.
 */
#ifndef PGINIT_SCRIPT_H
#define PGINIT_SCRIPT_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "sqlsplit.h"
#include "util.h"

struct script {
	char *path;       /* as opened */
	char *name;       /* file name without directories */
	char *text;       /* the whole file as read */
	size_t len;
	char checksum[65]; /* of the whole file, before placeholders */
	char *sql_text;   /* the part that runs, placeholders replaced; statements point here */
	size_t sql_len;
	bool no_transaction;
	bool run_as_admin; /* -- pginit:run-as admin: no SET ROLE owner */
	char *no_tx_why;  /* detected: why it runs outside a transaction ("line 3: VACUUM ..."); NULL otherwise */
	const char *encoding; /* declared client encoding (static string), NULL: UTF-8 */
	struct sql_script sql;
	int first, last;  /* statements to run: [first, last) (own BEGIN/COMMIT dropped) */
};

/* Which part of a file runs (the up or down section of a dbmate/goose file). */
struct script_part {
	size_t offset, len; /* byte range in the file; len (size_t)-1: to the end */
	int line;           /* file line where it starts */
	unsigned split_flags; /* SQLSPLIT_GOOSE */
	bool no_transaction;  /* set by the format's own directive */
	bool strict_transactions; /* no detection (migrations_strict_transactions) */
};

/*
 * Read and split the whole file; logs "file:line: ..." and returns false on error.
 *
 * Placeholders (vars, passed by the caller; NULL: none, the text runs exactly as
 * written, `${x}` and `$${x}` included: a dbmate, golang-migrate or goose file,
 * see format_vars): ${name} in a script
 * is replaced by its value before the script is split (the first name that
 * matches wins), everywhere in the file: inside quotes, comments and $$
 * bodies too (a DO block or a function body is where a role or schema name
 * is most often needed). `$${name}` stands for a literal `${name}`. What is
 * not a name (`${1}`, `${ x`) is left alone. An undefined ${name} is an
 * error naming file:line.
 */
bool script_load(const char *path, const struct kv *vars, struct script *s);
/* The same for a part of the file (NULL: all of it). */
bool script_load_part(const char *path, const struct script_part *part, const struct kv *vars, struct script *s);
/* The same for a file's text already in memory: s takes text (malloc'd, a
 * NUL after its len bytes); path is for messages. Used by the fuzzers. */
bool script_load_text(const char *path, char *text, size_t len, const struct script_part *part,
		      const struct kv *vars, struct script *s);
void script_free(struct script *s);

/*
 * The byte checks above on a whole file's text (path for the messages).
 * *encoding (may be NULL) gets the declared encoding or NULL. Logs and
 * returns false on a NUL byte, invalid UTF-8 or an unknown encoding.
 */
bool script_check_text(const char *path, const char *text, size_t len, const char **encoding);

/*
 * Before anything connects: the byte checks on every file a run may execute
 * (*.sql of the migrations and initdb directories, *.sql and *.csv of each
 * seed set; NULL skips one). Missing directories are left to the phases.
 * Logs each bad file (and one hint); false if any.
 */
bool script_preflight(const char *migrations_dir, const char *initdb_dir, const char *seeds_dir,
		      const struct strlist *seed_sets);
/*
 * What the last preflight read of the migrations directory, handed over once
 * to discovery: true when it was dir, with *files (script_list's listing),
 * *texts and *lens (one per file; a NULL text: not read) now the caller's.
 * False: list and read it yourself (another directory, taken already, or a
 * name script_list warns about). script_kept_free drops what was not taken
 * (the session calls it at its end).
 */
bool script_take_kept(const char *dir, struct strlist *files, char ***texts, size_t **lens);
void script_kept_free(void);

/*
 * The *.sql files of dir (full paths) in name order. A missing directory is
 * an empty list (and *missing, if given, is set); other errors are logged.
 * A file whose suffix differs only in case ("0009_x.SQL") is skipped with a
 * warning.
 */
bool script_list(const char *dir, struct strlist *out, bool *missing);
/* The same for files ending in suffix or suffix2 (may be NULL). */
bool script_list_ext(const char *dir, const char *suffix, const char *suffix2, struct strlist *out, bool *missing);

/* The checksum of a text, as above, into out (65 bytes). */
void script_checksum(const char *text, size_t len, char out[65]);
/* The checksum of a whole file (no splitting); logs "unable to read PATH" and returns false. */
bool script_file_checksum(const char *path, char out[65]);

/*
 * Run the statements on db (no BEGIN/COMMIT is added here). rows gets the sum
 * of affected rows. On failure the error is logged once as
 * "file:line:col: message [SQLSTATE]" with a hint, and *errmsg (caller
 * frees) gets the same text for the ledger.
 */
bool script_exec(struct db *db, const struct script *s, long *rows, char **errmsg);

/*
 * The same from statement `from` (s->first for all of it). After each
 * statement that leaves the session outside a transaction block, done (may be
 * NULL) is called with the index of the next statement: a resume point. A
 * false return from it stops the run (it logs).
 */
struct script_steps {
	int from;
	bool (*done)(struct db *db, void *arg, int next);
	void *arg;
};
bool script_exec_steps(struct db *db, const struct script *s, const struct script_steps *steps, long *rows,
		       char **errmsg);
/*
 * The script can be sent in pipeline mode (db.h): no COPY, no declared
 * encoding, one SQL statement per statement (a goose block may hold more).
 * On a db in pipeline mode script_exec_steps queues the statements from
 * steps->from, reads every answer in one round trip and reports the first
 * failure as above (done is not called); when a statement queued before them
 * failed, it returns false without logging (that one is the caller's).
 */
bool script_pipelinable(const struct script *s);

/* The checksum of statements [s->first, upto) (their text and COPY data), into out (65 bytes). */
void script_prefix_checksum(const struct script *s, int upto, char out[65]);

/* One of pginit's own statements (BEGIN, SET ROLE, COMMIT...); a failure is
 * logged (unless a signal caused it) and false returned. */
bool script_simple(struct db *db, const char *sql);

#endif
