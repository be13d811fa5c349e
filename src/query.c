/* query — see query.h. */
#include "query.h"

#include <string.h>

#include "log.h"

static bool failed(const char *what, struct db_error *err)
{
	log_error_at(&(struct log_where){.sqlstate = err->sqlstate}, "unable to %s: %s", what, err->message);
	if (strcmp(err->sqlstate, "55P03") == 0) {
		/* db.c looked up who held the lock while the statement waited. */
		if (err->detail)
			log_error("detail: %s", err->detail);
		log_hint("another session holds a lock pginit needs; end it (pg_terminate_backend(pid)) or let it "
			 "commit, then run again; migration_lock_timeout (PGINIT_MIGRATION_LOCK_TIMEOUT) sets how long "
			 "pginit's statements wait");
	}
	db_error_clear(err);
	return false;
}

bool query_run(struct db *db, const char *sql, int n, const char *const *params, const char *what,
	       struct db_result **keep)
{
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, n, params, &err);
	if (!r)
		return failed(what, &err);
	db_pipeline_label(db, what); /* queued (pipeline mode): its failure is named later */
	if (keep)
		*keep = r;
	else
		db_result_free(r);
	return true;
}

bool query_exec(struct db *db, const char *sql, const char *what)
{
	struct db_error err = {0};
	if (!db_exec(db, sql, NULL, &err))
		return failed(what, &err);
	db_pipeline_label(db, what);
	return true;
}

bool query_failed(const char *what, const struct db_error *err)
{
	struct db_error e = *err;
	e.detail = e.detail ? xstrdup(e.detail) : NULL;
	e.message = e.message ? xstrdup(e.message) : NULL;
	e.hint = e.context = NULL;
	return failed(what, &e);
}
