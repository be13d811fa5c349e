/* txn — see txn.h. */
#include "txn.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
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

/*
 * In a transaction: BEGIN, the timeouts and SET LOCAL ROLE in one round trip
 * (one simple-protocol message); the error says which part failed.
 */
static bool begin_work(struct db *db, const struct txn *t, const char *set_role)
{
	struct buf sql = {0};
	buf_puts(&sql, "BEGIN");
	if (t->timeouts) {
		char *lt = db_literal(db, t->timeouts->migration_lock_timeout);
		char *st = db_literal(db, t->timeouts->migration_statement_timeout);
		buf_printf(&sql, ";\nSELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true)",
			   lt, st);
		free(lt);
		free(st);
	}
	if (set_role)
		buf_printf(&sql, ";\n%s", set_role);
	struct db_error err = {0};
	bool ok = db_exec(db, sql.data, NULL, &err);
	if (!ok && !sig_caught()) {
		const struct profile *p = t->timeouts;
		if (p && strcmp(err.sqlstate, "22023") == 0)
			log_error("invalid migration_lock_timeout '%s' or migration_statement_timeout '%s' of profile %s: %s",
				  p->migration_lock_timeout, p->migration_statement_timeout, p->name, err.message);
		else
			log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to begin the transaction%s%s%s: %s",
				     set_role ? " (" : "", set_role ? set_role : "", set_role ? ")" : "", err.message);
	}
	db_error_clear(&err);
	free(sql.data);
	return ok;
}

bool txn_run(struct db *db, const struct txn *t, bool *ran)
{
	char *set_role = t->role ? txn_set_role_sql(db, t->role, t->transaction) : NULL;
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
