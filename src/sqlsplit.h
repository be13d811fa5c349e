/*
 * sqlsplit — split SQL text into statements where psql would: at a `;` that
 * is outside quotes ('', E'' with backslash escapes, ""), dollar quotes
 * ($$ and $tag$), line and nested block comments, parentheses, and the
 * BEGIN ... END of a SQL-standard function body (BEGIN ATOMIC). The data of
 * `COPY ... FROM stdin` (up to a line `\.`) is attached to its statement.
 *
 * Statements point into the caller's text (nothing is copied); each carries
 * the 1-based line and column where it starts, so a server error position
 * can be mapped back to file:line:col. Statements that are empty or only
 * comments are dropped. The text must stay alive while the result is used.
 */
#ifndef PGINIT_SQLSPLIT_H
#define PGINIT_SQLSPLIT_H

#include <stdbool.h>
#include <stddef.h>

struct sql_stmt {
	const char *text; /* statement, without the terminating ';' */
	size_t len;
	int line, col;          /* where the statement starts */
	const char *copy_data;  /* COPY ... FROM stdin data (lines, without "\."), or NULL */
	size_t copy_len;
};

struct sql_script {
	struct sql_stmt *stmts;
	int n;
};

struct sqlsplit_error {
	int line, col;
	const char *message; /* static */
};

/* False on unterminated quotes, comments or COPY data; err says where it began. */
bool sqlsplit(const char *text, size_t len, struct sql_script *out, struct sqlsplit_error *err);

/*
 * The same, for a part of a file: first_line is the file line the text starts
 * on (statements and errors carry file lines). SQLSPLIT_GOOSE: text between a
 * line `-- +goose StatementBegin` and a line `-- +goose StatementEnd` is one
 * statement, whatever it contains (goose's rule, matched case-insensitively).
 */
enum { SQLSPLIT_GOOSE = 1 };
bool sqlsplit_ex(const char *text, size_t len, unsigned flags, int first_line, struct sql_script *out,
		 struct sqlsplit_error *err);
void sqlsplit_free(struct sql_script *s);

/* Map a 1-based character position inside stmt (as the server reports it)
 * to a file line and column. */
void sqlsplit_locate(const struct sql_stmt *stmt, int position, int *line, int *col);

/* True when the statement starts with the given keyword sequence,
 * case-insensitively, skipping comments ("COPY", "CREATE INDEX"...). */
bool sqlsplit_starts_with(const struct sql_stmt *stmt, const char *words);

#endif
