/* lease — see lease.h. */
#include "lease.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lock.h"
#include "log.h"
#include "sig.h"

struct lease_lock {
	bool lease;          /* false: the session advisory lock of lock.h */
	char *dbname;
	char *table;         /* quoted schema.lock_lease */
	char *holder;        /* host:pid:random, unique per run */
	char ttl[16];        /* ms, as a query parameter */
	int ttl_ms;
	struct db_params params;

	pthread_t thread, main;
	bool running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
};

/* ---- the table */

static bool missing_table(const char *sqlstate)
{
	return strcmp(sqlstate, "42P01") == 0 || strcmp(sqlstate, "3F000") == 0;
}

/* Create schema and table; a transaction-scoped advisory lock serialises
 * concurrent first runs (it works behind a pooler: one transaction, one
 * server connection). */
static bool create_table(struct db *db, const char *schema, const char *table)
{
	char *s = db_ident(db, schema);
	char *sql = xasprintf("BEGIN; SELECT pg_advisory_xact_lock(%lld); CREATE SCHEMA IF NOT EXISTS %s; "
			      "CREATE TABLE IF NOT EXISTS %s (dbname text PRIMARY KEY, holder text NOT NULL, "
			      "host text NOT NULL, pid integer NOT NULL, acquired_at timestamptz NOT NULL, "
			      "renewed_at timestamptz NOT NULL, expires_at timestamptz NOT NULL); "
			      "COMMENT ON TABLE %s IS 'pginit''s lease locks (lock_mode = lease); a row is free once "
			      "expires_at has passed'; COMMIT",
			      lock_key("lease-ddl"), s, table, table);
	struct db_error err = {0};
	bool ok = db_exec(db, sql, NULL, &err);
	if (!ok) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to create %s: %s", table, err.message);
		log_hint("the admin user needs CREATE on the target database for lock_mode = lease");
		db_exec(db, "ROLLBACK", NULL, &(struct db_error){0});
	}
	db_error_clear(&err);
	free(sql);
	free(s);
	return ok;
}

/* ---- taking, renewing, dropping */

/* 1: ours now (*prev_* describe an expired holder we replaced, if any), 0: held
 * by another, -1: error (in *err). */
static int try_take(struct lease_lock *l, struct db *db, char **prev_host, int *prev_pid, long *expired_ms,
		    struct db_error *err)
{
	char host[256] = "", pid[16];
	gethostname(host, sizeof host - 1);
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	char *sql = xasprintf(
		"WITH prev AS (SELECT host, pid, (extract(epoch FROM clock_timestamp() - expires_at) * 1000)::bigint AS ago "
		"FROM %s WHERE dbname = $1) "
		"INSERT INTO %s AS l (dbname, holder, host, pid, acquired_at, renewed_at, expires_at) "
		"VALUES ($1, $2, $3, $4::integer, clock_timestamp(), clock_timestamp(), "
		"clock_timestamp() + $5::bigint * interval '1 millisecond') "
		"ON CONFLICT (dbname) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid, "
		"acquired_at = excluded.acquired_at, renewed_at = excluded.renewed_at, expires_at = excluded.expires_at "
		"WHERE l.expires_at < clock_timestamp() "
		"RETURNING (SELECT host FROM prev), (SELECT pid FROM prev), (SELECT ago FROM prev)",
		l->table, l->table);
	const char *params[] = {l->dbname, l->holder, host, pid, l->ttl};
	struct db_result *r = db_query(db, sql, 5, params, err);
	free(sql);
	if (!r)
		return -1;
	int got = db_nrows(r) == 1;
	if (got && db_get(r, 0, 0)) {
		*prev_host = xstrdup(db_get(r, 0, 0));
		*prev_pid = atoi(db_get(r, 0, 1));
		*expired_ms = atol(db_get(r, 0, 2));
	}
	db_result_free(r);
	return got;
}

/* Who holds it, for the waiting line; "" if unknown. Caller frees. */
static char *describe_holder(struct lease_lock *l, struct db *db)
{
	char *sql = xasprintf("SELECT host, pid, greatest(0, (extract(epoch FROM expires_at - clock_timestamp()) * "
			      "1000)::bigint) FROM %s WHERE dbname = $1",
			      l->table);
	const char *params[] = {l->dbname};
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, 1, params, &err);
	free(sql);
	db_error_clear(&err);
	char *s = r && db_nrows(r) == 1 ? xasprintf("pid %s on %s, lease expires in %s ms unless renewed",
						    db_get(r, 0, 1), db_get(r, 0, 0), db_get(r, 0, 2))
					: xstrdup("");
	db_result_free(r);
	return s;
}

/* 1 renewed, 0 the row is no longer ours, -1 error. */
static int renew(struct lease_lock *l, struct db *db)
{
	char *sql = xasprintf("UPDATE %s SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + "
			      "$3::bigint * interval '1 millisecond' WHERE dbname = $1 AND holder = $2 RETURNING 1",
			      l->table);
	const char *params[] = {l->dbname, l->holder, l->ttl};
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, 3, params, &err);
	free(sql);
	db_error_clear(&err);
	int rc = r ? db_nrows(r) == 1 : -1;
	db_result_free(r);
	return rc;
}

/* ---- the heartbeat thread */

static void *heartbeat(void *arg)
{
	struct lease_lock *l = arg;
	/* Signals belong to the main thread: it cancels its query and unwinds. */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	struct db *db = NULL;
	int64_t last_ok = now_ms();
	int every = l->ttl_ms / 3;
	const char *lost = NULL;
	pthread_mutex_lock(&l->mu);
	while (!l->stop && !lost) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += every / 1000;
		until.tv_nsec += (long)(every % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!l->stop && pthread_cond_timedwait(&l->cv, &l->mu, &until) != ETIMEDOUT)
			;
		if (l->stop)
			break;
		pthread_mutex_unlock(&l->mu);

		int got = -1;
		if (!db) {
			struct db_error err = {0};
			struct db_params q = l->params;
			if (q.connect_timeout <= 0 || q.connect_timeout > every / 1000)
				q.connect_timeout = every / 1000 < 2 ? 2 : every / 1000;
			db = db_connect(&q, &err);
			db_error_clear(&err);
		}
		if (db) {
			got = renew(l, db);
			if (got < 0) {
				/* Reconnect at the next beat: the pooler or the server may have dropped us. */
				db_close(db);
				db = NULL;
			}
		}
		if (got == 1)
			last_ok = now_ms();
		else if (got == 0)
			lost = "another run holds it now";
		else if (now_ms() - last_ok >= l->ttl_ms)
			lost = "unable to renew it for a whole lock_lease_ttl";
		pthread_mutex_lock(&l->mu);
	}
	bool stopped = l->stop;
	pthread_mutex_unlock(&l->mu);
	db_close(db);
	if (lost && !stopped) {
		log_error("unable to keep the lease of database %s: %s; stopping so the current step rolls back", l->dbname,
			  lost);
		log_hint("raise lock_lease_ttl (PGINIT_LOCK_LEASE_TTL) if the pooler or server is slow to answer");
		pthread_kill(l->main, SIGTERM);
	}
	return NULL;
}

/* ---- public */

static void lease_free(struct lease_lock *l)
{
	free(l->dbname);
	free(l->table);
	free(l->holder);
	free(l);
}

static enum rc take_lease(struct lease_lock *l, struct db *db, const char *schema, int timeout_ms)
{
	int64_t start = now_ms();
	int backoff = 25;
	bool announced = false, created = false;
	for (;;) {
		char *prev_host = NULL;
		int prev_pid = 0;
		long expired_ms = 0;
		struct db_error err = {0};
		int got = try_take(l, db, &prev_host, &prev_pid, &expired_ms, &err);
		if (got < 0 && !created && missing_table(err.sqlstate)) {
			db_error_clear(&err);
			if (!create_table(db, schema, l->table))
				return RC_CONNECT;
			created = true;
			continue;
		}
		if (got < 0) {
			log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to take pginit's lease: %s",
				     err.message);
			db_error_clear(&err);
			return RC_CONNECT;
		}
		if (got) {
			if (prev_host)
				log_info("waited %ld ms for an expired lease: took over the lease of pid %d on %s "
					 "(expired %ld ms ago; that run was killed or stalled)",
					 (long)(now_ms() - start), prev_pid, prev_host, expired_ms);
			else if (announced)
				log_info("got the lease after %ld ms", (long)(now_ms() - start));
			free(prev_host);
			return RC_OK;
		}
		if (!announced) {
			char *who = describe_holder(l, db);
			log_info("another pginit holds the lease of database %s (%s); waiting up to %d ms", l->dbname, who,
				 timeout_ms);
			free(who);
			announced = true;
		}
		if (now_ms() - start >= timeout_ms) {
			log_error("another pginit still holds the lease of database %s after %d ms", l->dbname, timeout_ms);
			log_hint("see %s in the target database; raise lock_timeout (PGINIT_LOCK_TIMEOUT) for long "
				 "migrations; a killed run's lease expires after lock_lease_ttl",
				 l->table);
			return RC_LOCK;
		}
		if (!sleep_ms(backoff) || sig_caught())
			return RC_SIGNAL;
		backoff = backoff * 2 > 1000 ? 1000 : backoff * 2;
	}
}

enum rc lease_lock_acquire(struct db *db, const struct db_params *p, const struct config *cfg, const char *name,
			   int timeout_ms,
			   struct lease_lock **out)
{
	*out = NULL;
	struct lease_lock *l = xcalloc(1, sizeof *l);
	l->dbname = xstrdup(name);
	int got = 0;
	if (strcmp(cfg->lock_mode, "lease") == 0) {
		l->lease = true;
	} else if (strcmp(cfg->lock_mode, "auto") == 0) {
		got = lock_try_unless_pooled(db, name, &l->lease);
		if (got < 0) {
			lease_free(l);
			return RC_CONNECT;
		}
		if (l->lease)
			log_info("a connection pooler is between pginit and the server (lock_mode = auto): using a lease "
				 "instead of a session advisory lock");
	}
	if (!l->lease) {
		enum rc rc = got ? RC_OK : lock_acquire(db, name, timeout_ms);
		if (rc != RC_OK) {
			lease_free(l);
			return rc;
		}
		*out = l;
		return RC_OK;
	}

	char *schema = db_ident(db, cfg->ledger_schema);
	l->table = xasprintf("%s.lock_lease", schema);
	free(schema);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	unsigned seed = (unsigned)(wall_ms() ^ ((int64_t)getpid() << 16));
	l->holder = xasprintf("%s:%d:%08x", host, (int)getpid(), (unsigned)rand_r(&seed));
	l->ttl_ms = cfg->lock_lease_ttl_ms;
	snprintf(l->ttl, sizeof l->ttl, "%d", l->ttl_ms);
	l->params = *p;

	enum rc rc = take_lease(l, db, cfg->ledger_schema, timeout_ms);
	if (rc != RC_OK) {
		lease_free(l);
		return rc;
	}
	l->main = pthread_self();
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	if (pthread_create(&l->thread, NULL, heartbeat, l) != 0) {
		log_error("unable to start the lease heartbeat: %s", strerror(errno));
		log_hint("lock_mode = session avoids the heartbeat (direct connections only)");
		lease_lock_release(l, db);
		return RC_CONNECT;
	}
	l->running = true;
	*out = l;
	return RC_OK;
}

void lease_lock_release(struct lease_lock *l, struct db *db)
{
	if (!l)
		return;
	if (!l->lease) { /* the session advisory lock ends with db's session: no round trip */
		lease_free(l);
		return;
	}
	if (l->running) {
		pthread_mutex_lock(&l->mu);
		l->stop = true;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->thread, NULL);
	}
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	char *sql = xasprintf("DELETE FROM %s WHERE dbname = $1 AND holder = $2", l->table);
	const char *params[] = {l->dbname, l->holder};
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, 2, params, &err);
	if (!r)
		log_warn("unable to drop the lease of database %s: %s (it expires after lock_lease_ttl)", l->dbname,
			 err.message);
	db_result_free(r);
	db_error_clear(&err);
	free(sql);
	lease_free(l);
}
