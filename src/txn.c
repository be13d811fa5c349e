/* txn — see txn.h. */
#include "txn.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "query.h"
#include "script.h"
#include "sig.h"

char *txn_set_role_sql(struct db *db, const char *role, bool local)
{
	char *q = db ? db_ident(db, role) : xasprintf("\"%s\"", role);
	char *sql = xasprintf("SET %sROLE %s", local ? "LOCAL " : "", q);
	free(q);
	return sql;
}

char *txn_lock_timeout_sql(struct db *db, const struct profile *p)
{
	const char *v = db ? db_lock_timeout(db) : p->migration_lock_timeout;
	if (!v || !*v) /* none at connect (behind a pooler): the server's, as before */
		return xstrdup("RESET lock_timeout");
	char *lit = db ? db_literal(db, v) : xasprintf("'%s'", v);
	char *sql = xasprintf("SELECT set_config('lock_timeout', %s, false)", lit);
	free(lit);
	return sql;
}

/* lock_timeout/statement_timeout for the work; local to its transaction when it has one. */
static bool set_timeouts(struct db *db, const struct profile *p, bool local)
{
	struct db_error err = {0};
	const char *params[] = {p->migration_lock_timeout, p->migration_statement_timeout, local ? "t" : "f"};
	struct db_result *r = db_query(db,
				       "SELECT set_config('lock_timeout', $1, $3::bool),"
				       " set_config('statement_timeout', $2, $3::bool)",
				       3, params, &err);
	if (!r) {
		log_error("invalid migration_lock_timeout '%s' or migration_statement_timeout '%s' of profile %s: %s",
			  p->migration_lock_timeout, p->migration_statement_timeout, p->name, err.message);
		db_error_clear(&err);
		return false;
	}
	db_result_free(r);
	return true;
}

/* BEGIN, the timeouts or SET LOCAL ROLE failed: the error says which part. */
static void begin_failed(const struct txn *t, const char *set_role, const struct db_error *err)
{
	if (sig_caught())
		return;
	const struct profile *p = t->timeouts;
	if (p && strcmp(err->sqlstate, "22023") == 0)
		log_error("invalid migration_lock_timeout '%s' or migration_statement_timeout '%s' of profile %s: %s",
			  p->migration_lock_timeout, p->migration_statement_timeout, p->name, err->message);
	else
		log_error_at(&(struct log_where){.sqlstate = err->sqlstate}, "unable to begin the transaction%s%s%s: %s",
			     set_role ? " (" : "", set_role ? set_role : "", set_role ? ")" : "", err->message);
}

/* The timeouts, local to the transaction, as one statement. */
static char *local_timeouts_sql(struct db *db, const struct profile *p)
{
	char *lt = db_literal(db, p->migration_lock_timeout);
	char *st = db_literal(db, p->migration_statement_timeout);
	char *sql = xasprintf("SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)", lt,
			      st);
	free(lt);
	free(st);
	return sql;
}

/*
 * In a transaction: BEGIN, the timeouts and SET LOCAL ROLE in one round trip
 * (one simple-protocol message); the error says which part failed.
 */
static bool begin_work(struct db *db, const struct txn *t, const char *set_role)
{
	struct buf sql = {0};
	buf_puts(&sql, "BEGIN");
	if (t->timeouts) {
		char *set = local_timeouts_sql(db, t->timeouts);
		buf_printf(&sql, ";\n%s", set);
		free(set);
	}
	if (set_role)
		buf_printf(&sql, ";\n%s", set_role);
	struct db_error err = {0};
	bool ok = db_exec(db, sql.data, NULL, &err);
	if (!ok)
		begin_failed(t, set_role, &err);
	db_error_clear(&err);
	free(sql.data);
	return ok;
}

/* ---- in pipeline mode (t->pipeline) */

/* One of our statements queued; false: the connection failed (logged). */
static bool queue(struct db *db, const char *sql)
{
	struct db_error err = {0};
	bool ok = db_exec(db, sql, NULL, &err);
	if (!ok && !sig_caught())
		log_error("unable to send %s: %s", sql, err.message);
	db_error_clear(&err);
	return ok;
}

/*
 * t->before, then BEGIN, the timeouts, the role: queued. A Sync after
 * t->before commits them on their own (the session reset must not wait for,
 * or be undone with, the transaction: a default_transaction_* it resets must
 * be reset before BEGIN reads it). *n_before: how many before.
 */
static bool queue_begin(struct db *db, const struct txn *t, const char *set_role, int *n_before)
{
	bool ok = true;
	*n_before = 0;
	for (; ok && t->before && t->before[*n_before]; (*n_before)++)
		ok = queue(db, t->before[*n_before]);
	struct db_error err = {0};
	if (ok && *n_before && !db_pipeline_sync(db, &err)) {
		log_error("unable to send %s: %s", t->before[0], err.message);
		ok = false;
	}
	db_error_clear(&err);
	char *set = ok && t->timeouts ? local_timeouts_sql(db, t->timeouts) : NULL;
	ok = ok && queue(db, "BEGIN") && (!set || queue(db, set)) && (!set_role || queue(db, set_role));
	free(set);
	return ok;
}

/*
 * Statement f of ours failed (the work reports its own): logged as it is
 * outside a pipeline. Numbers below n[0] are t->before, then BEGIN, the
 * timeouts and the role up to n[1], then the record's (labelled by query.c).
 */
static void ours_failed(struct db *db, const struct txn *t, const char *set_role, const int n[2], int f,
			const struct db_error *err)
{
	const char *label = NULL;
	db_pipeline_failed(db, &label);
	if (sig_caught())
		return;
	if (f < n[0])
		log_error_at(&(struct log_where){.sqlstate = err->sqlstate}, "%s: %s", t->before[f], err->message);
	else if (f < n[1])
		begin_failed(t, set_role, err);
	else
		query_failed(label ? label : "record the work", err);
}

/*
 * Two round trips: before + BEGIN + timeouts + role + the work's statements,
 * read by the work; then RESET ROLE + the record + COMMIT. Whatever fails, the
 * transaction is rolled back after the pipeline (the server skipped the rest).
 */
static bool run_pipelined(struct db *db, const struct txn *t, const char *set_role, bool *ran)
{
	struct db_error err = {0};
	*ran = false;
	if (!db_pipeline_begin(db, &err)) {
		log_error("unable to enter pipeline mode: %s", err.message);
		db_error_clear(&err);
		return false;
	}
	int n[2], f; /* n: how many before; all of ours, with BEGIN, timeouts and role */
	bool ok = queue_begin(db, t, set_role, &n[0]);
	n[1] = db_pipeline_queued(db);
	*ran = ok && t->work(db, t->arg);
	if (ok && !*ran && (f = db_pipeline_failed(db, NULL)) >= 0 && f < n[1]) {
		db_pipeline_read(db, n[1], NULL, &err); /* the error again: nothing is left to read */
		ours_failed(db, t, set_role, n, f, &err);
	}
	if (*ran) {
		int reset = db_pipeline_queued(db);
		ok = (!set_role || queue(db, "RESET ROLE")) && (!t->record || t->record(db, t->arg, true));
		int commit = db_pipeline_queued(db);
		ok = ok && queue(db, "COMMIT");
		if (ok && !db_pipeline_read(db, reset, NULL, &err)) {
			f = db_pipeline_failed(db, NULL);
			if (f != commit && (!set_role || f != reset))
				ours_failed(db, t, set_role, n, f, &err); /* the record's */
			else if (!sig_caught())
				log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "%s: %s",
					     f == commit ? "COMMIT" : "RESET ROLE", err.message);
			ok = false;
		}
	}
	db_error_clear(&err);
	db_pipeline_end(db);
	if (!*ran || !ok)
		script_simple(db, "ROLLBACK");
	return ok;
}

bool txn_run(struct db *db, const struct txn *t, bool *ran)
{
	char *set_role = t->role ? txn_set_role_sql(db, t->role, t->transaction) : NULL;
	if (t->transaction && t->pipeline) {
		bool ok = run_pipelined(db, t, set_role, ran);
		free(set_role);
		return ok && *ran;
	}
	bool ok = t->transaction ? begin_work(db, t, set_role)
				 : (!t->timeouts || set_timeouts(db, t->timeouts, false)) &&
					   (!set_role || script_simple(db, set_role));
	*ran = ok && t->work(db, t->arg);
	if (t->transaction) {
		if (*ran)
			ok = (!set_role || script_simple(db, "RESET ROLE")) && (!t->record || t->record(db, t->arg, true)) &&
			     script_simple(db, "COMMIT");
		if (!*ran || !ok)
			script_simple(db, "ROLLBACK");
	} else {
		/* Outside a transaction what ran stays: record it either way. A block
		 * of the file's own that failed is rolled back first. */
		if (db_in_transaction(db))
			script_simple(db, "ROLLBACK");
		if (set_role)
			script_simple(db, "RESET ROLE");
		if (t->timeouts) { /* lock_timeout back to pginit's own, not RESET to the server's (none) */
			char *sql = txn_lock_timeout_sql(db, t->timeouts);
			script_simple(db, sql);
			free(sql);
			script_simple(db, "RESET statement_timeout");
		}
		if (ok)
			ok = !t->record || t->record(db, t->arg, *ran);
	}
	free(set_role);
	return ok && *ran;
}
