/* lock — see lock.h. */
#include "lock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sig.h"

long long lock_key(const char *dbname)
{
	uint64_t h = 14695981039346656037ULL;
	const char *parts[] = {"pginit:", dbname};
	for (int i = 0; i < 2; i++)
		for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++) {
			h ^= *p;
			h *= 1099511628211ULL;
		}
	return (long long)h;
}

static int try_lock(struct db *db, const char *key, const char *fn)
{
	struct db_error err = {0};
	const char *params[] = {key};
	char *sql = xasprintf("SELECT %s($1::bigint)", fn);
	struct db_result *r = db_query(db, sql, 1, params, &err);
	free(sql);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to take pginit's lock: %s", err.message);
		db_error_clear(&err);
		return -1;
	}
	int got = strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	return got;
}

enum rc lock_acquire(struct db *db, const char *dbname, int timeout_ms)
{
	char key[32];
	snprintf(key, sizeof key, "%lld", lock_key(dbname));
	int64_t start = now_ms();
	int backoff = 25;
	bool announced = false;
	for (;;) {
		int got = try_lock(db, key, "pg_try_advisory_lock");
		if (got < 0)
			return RC_CONNECT;
		if (got) {
			if (announced)
				log_info("got the lock after %ld ms", (long)(now_ms() - start));
			return RC_OK;
		}
		if (!announced) {
			log_info("another pginit is working on database %s; waiting up to %d ms for its lock", dbname,
				 timeout_ms);
			announced = true;
		}
		if (now_ms() - start >= timeout_ms) {
			log_error("another pginit still holds the lock of database %s after %d ms", dbname, timeout_ms);
			log_hint("see pg_stat_activity where application_name = 'pginit'; raise lock_timeout "
				 "(PGINIT_LOCK_TIMEOUT) for long migrations");
			return RC_LOCK;
		}
		if (!sleep_ms(backoff) || sig_caught())
			return RC_SIGNAL;
		backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
	}
}

int lock_try_unless_pooled(struct db *db, const char *dbname, bool *pooled)
{
	char key[32], pid[16];
	snprintf(key, sizeof key, "%lld", lock_key(dbname));
	snprintf(pid, sizeof pid, "%d", db_announced_pid(db));
	const char *params[] = {key, pid};
	struct db_error err = {0};
	struct db_result *r = db_query(db,
				       "SELECT pg_backend_pid() <> $2::int, CASE WHEN pg_backend_pid() = $2::int"
				       " THEN pg_try_advisory_lock($1::bigint) END",
				       2, params, &err);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to take pginit's lock: %s", err.message);
		db_error_clear(&err);
		return -1;
	}
	*pooled = strcmp(db_get(r, 0, 0), "t") == 0;
	int got = !*pooled && db_get(r, 0, 1) && strcmp(db_get(r, 0, 1), "t") == 0;
	db_result_free(r);
	return got;
}
