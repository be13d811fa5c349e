/* wait — see wait.h. */
#include "wait.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"
#include "topo.h"

enum { BACKOFF_FIRST_MS = 25, BACKOFF_CAP_MS = 250, LOG_EVERY_MS = 2000 };

/*
 * The server answers but is not ready yet: worth retrying, unlike bad
 * credentials. Decided by SQLSTATE (never by the text, which the server
 * translates to its lc_messages) and, for failures without one, by libpq's
 * status: no SQLSTATE and no password request means the server was never
 * reached or dropped the connection (refused, reset, timeout, DNS).
 */
static bool transient_connect_error(const struct db_error *e)
{
	static const char *const transient[] = {
		"57P03", /* cannot_connect_now: starting up, shutting down, in recovery, hot standby off */
		"53300", /* too_many_connections (also: slots reserved for superusers) */
		"53400", /* configuration_limit_exceeded */
		"57P01", /* admin_shutdown: a fast shutdown or restart under way */
		"57P02", /* crash_shutdown: another backend crashed, restart follows */
		"08006", /* connection_failure */
	};
	if (e->needs_password)
		return false;
	if (!e->sqlstate[0])
		return true;
	for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++)
		if (strcmp(e->sqlstate, transient[i]) == 0)
			return true;
	return false;
}

static bool tls_required(const char *sslmode)
{
	return sslmode && (strcmp(sslmode, "require") == 0 || strcmp(sslmode, "verify-ca") == 0 ||
			   strcmp(sslmode, "verify-full") == 0);
}

/* Failures of the TLS handshake or of certificate checks: retrying cannot help. */
static bool tls_error(const char *msg)
{
	static const char *const marks[] = {"certificate", "SSL", "server does not support", "root certificate"};
	if (strstr(msg, "Connection refused") || strstr(msg, "timeout expired") || strstr(msg, "No such file"))
		return false;
	for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++)
		if (strstr(msg, marks[i]))
			return true;
	return false;
}

static const char *auth_hint(const struct db_error *e)
{
	if (e->needs_password)
		return "set POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE or mount the postgres_password secret";
	if (strcmp(e->sqlstate, "28P01") == 0)
		return "check POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE or the postgres_password secret";
	if (strcmp(e->sqlstate, "3D000") == 0)
		return "check connection.maintenance_db (the database pginit connects to first)";
	if (strcmp(e->sqlstate, "28000") == 0)
		return "the role does not exist or the server's pg_hba.conf does not allow this host/user: check "
		       "POSTGRES_USER / connection.user and add a host line for it";
	if (!e->sqlstate[0] && (strstr(e->message, "certificate") || strstr(e->message, "SSL")))
		return "check sslmode, sslrootcert (the CA that signed the server's certificate) and that the host "
		       "name matches the certificate (verify-full)";
	return "check the connection settings (pginit help config)";
}

/* What the loop knows between attempts. */
struct wait_state {
	int64_t start;
	int attempts;
	const char *state;   /* for the progress and deadline lines */
	const char *refusal; /* set once no host accepted writes (topo.h) */
};

/*
 * One real connection attempt. RC_OK with *out (the ready line names the
 * server libpq chose), RC_WAIT when retrying may help (w->state says why),
 * RC_CONNECT (logged) or RC_SIGNAL. strict: the server answered the ping, so a
 * refusal that is neither transient nor "no writable host" is final; otherwise
 * (a host list whose last host did not answer) it counts as "no response".
 */
static enum rc attempt_connect(const struct db_params *q, const struct db_params *p, bool strict, struct wait_state *w,
			       struct db **out)
{
	struct db_error err = {0};
	*out = db_connect(q, &err);
	enum rc rc = RC_WAIT;
	if (*out) {
		char *at = db_endpoint(*out);
		log_info("server %s is ready (%d attempt%s, %ld ms)", at, w->attempts, w->attempts == 1 ? "" : "s",
			 (long)(now_ms() - w->start));
		free(at);
		rc = RC_OK;
	} else if (sig_caught()) {
		rc = RC_SIGNAL;
	} else if (topo_read_only_refusal(err.message)) {
		/* A standby (or read-only server) only: a failover may be under way. */
		if (!w->refusal) {
			w->refusal = topo_describe_refusal(q);
			log_info("%s", w->refusal);
		}
		w->state = w->refusal;
	} else if (!strict) {
		w->state = "no response";
	} else if (!transient_connect_error(&err)) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to connect to %s:%d as %s: %s", p->host,
			     p->port, p->user, err.message);
		log_hint("%s", auth_hint(&err));
		rc = RC_CONNECT;
	} else {
		w->state = err.sqlstate[0] ? "not accepting connections yet" : "connection lost";
	}
	db_error_clear(&err);
	return rc;
}

enum rc wait_for_server(const struct db_params *p, int timeout_ms, struct db **out)
{
	int64_t start = now_ms(), deadline = start + timeout_ms, last_log = start;
	int backoff = BACKOFF_FIRST_MS;
	struct wait_state w = {.start = start, .state = "no response"};
	bool multi_host = (p->host && strchr(p->host, ',')) || (p->ports && strchr(p->ports, ','));
	unsigned seed = (unsigned)(wall_ms() ^ (int64_t)getpid());
	*out = NULL;

	for (;;) {
		if (sig_caught())
			return RC_SIGNAL;
		w.attempts++;
		/* Bound each attempt by the time left (libpq's minimum is 2 s). */
		struct db_params q = *p;
		int left_s = (int)((deadline - now_ms() + 999) / 1000);
		if (q.connect_timeout <= 0 || q.connect_timeout > left_s)
			q.connect_timeout = left_s < 2 ? 2 : left_s;

		enum db_ping ping = db_ping(&q);
		if (ping == DB_PING_NO_ATTEMPT) {
			log_error("unable to connect to %s:%d: invalid connection parameters", p->host, p->port);
			log_hint("check connection.host/port/sslmode and DATABASE_URL");
			return RC_CONFIG;
		}
		if (ping == DB_PING_OK) {
			enum rc rc = attempt_connect(&q, p, true, &w, out);
			if (rc != RC_WAIT)
				return rc;
		} else if (ping == DB_PING_NO_RESPONSE && tls_required(p->sslmode)) {
			/* PQping reports a failed TLS handshake (wrong CA, wrong host name, server
			 * without SSL) as "no response": one real attempt tells them apart. */
			struct db_error err = {0};
			struct db *db = db_connect(&q, &err);
			if (db) {
				*out = db;
				return RC_OK;
			}
			if (!err.sqlstate[0] && tls_error(err.message)) {
				log_error("unable to connect to %s:%d with sslmode=%s: %s", p->host, p->port, p->sslmode,
					  err.message);
				log_hint("%s", auth_hint(&err));
				db_error_clear(&err);
				return RC_CONNECT;
			}
			db_error_clear(&err);
			w.state = "no response";
		} else if (ping == DB_PING_NO_RESPONSE && multi_host) {
			/* PQping reports the last host of a list: a standby before a stopped primary
			 * looks like "no response". One real attempt tells the standby apart. */
			enum rc rc = attempt_connect(&q, p, false, &w, out);
			if (rc != RC_WAIT)
				return rc;
		} else {
			w.state = ping == DB_PING_REJECT ? "rejecting connections (starting up)" : "no response";
		}

		int64_t now = now_ms();
		if (now >= deadline) {
			log_error("server %s:%d not ready after %d ms (%d attempts; last state: %s)", p->host, p->port,
				  timeout_ms, w.attempts, w.state);
			if (w.refusal && w.state == w.refusal)
				log_hint("%s", topo_refusal_hint());
			else
				log_hint("is the server running and reachable? raise wait_timeout (PGINIT_WAIT_TIMEOUT) if it starts slowly");
			return RC_WAIT;
		}
		if (now - last_log >= LOG_EVERY_MS) {
			log_info("waiting for server %s:%d: %s (%ld ms)", p->host, p->port, w.state, (long)(now - start));
			last_log = now;
		}
		/* Full jitter: sleep a random time up to the current backoff, at least 5 ms. */
		int sleep = 5 + (int)(rand_r(&seed) % (unsigned)backoff);
		if (now + sleep > deadline)
			sleep = (int)(deadline - now);
		sleep_ms(sleep);
		backoff = backoff * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : backoff * 2;
	}
}

/* The server refused the connection because the database does not exist.
 * PgBouncer relays the server's refusal with SQLSTATE 08P01 (and repeats it,
 * cached, until server_login_retry has passed). */
static bool missing_database(const struct db_error *e)
{
	if (e->sqlstate[0] && strcmp(e->sqlstate, "08P01") != 0)
		return strcmp(e->sqlstate, "3D000") == 0;
	return e->message && strstr(e->message, "database \"") && strstr(e->message, "does not exist");
}

enum rc wait_connect(const struct db_params *p, const struct db_params *wait_p, int timeout_ms, struct db **out,
		     bool *missing_db)
{
	int64_t start = now_ms();
	struct db_params q = *p;
	int left_s = (timeout_ms + 999) / 1000;
	if (q.connect_timeout <= 0 || q.connect_timeout > left_s)
		q.connect_timeout = left_s < 2 ? 2 : left_s;
	struct db_error err = {0};
	*out = db_connect(&q, &err);
	bool missing = !*out && missing_database(&err);
	db_error_clear(&err);
	if (missing_db)
		*missing_db = missing;
	if (*out) { /* names the server libpq chose from a host list */
		char *at = db_endpoint(*out);
		log_info("server %s is ready (1 attempt, %ld ms)", at, (long)(now_ms() - start));
		free(at);
		return RC_OK;
	}
	if (sig_caught())
		return RC_SIGNAL;
	if (missing && missing_db)
		return RC_CONNECT;
	/* A refused first attempt returns at once: the wait keeps the whole timeout (and says so). */
	int spent = (int)(now_ms() - start), left = timeout_ms - spent;
	enum rc rc = wait_for_server(wait_p ? wait_p : p, spent < 250 ? timeout_ms : left > 0 ? left : 0, out);
	if (rc != RC_OK || !wait_p)
		return rc;
	/* The server is up (waited for on wait_p): now the target itself. */
	db_close(*out);
	*out = db_connect(&q, &err);
	missing = !*out && missing_database(&err);
	if (missing_db)
		*missing_db = missing;
	if (!*out && !missing) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to connect to database %s on %s:%d as %s: %s",
			     p->dbname, p->host, p->port, p->user, err.message);
		log_hint("check the connection settings (pginit help config)");
	}
	db_error_clear(&err);
	return *out ? RC_OK : sig_caught() ? RC_SIGNAL : RC_CONNECT;
}
