/* db — see db.h. */
#include "db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"

/* A dead peer is noticed within about idle + interval * count seconds. */
#define KEEPALIVES_IDLE "10"
#define KEEPALIVES_INTERVAL "5"
#define KEEPALIVES_COUNT "3"
#define TCP_USER_TIMEOUT_MS "30000"
/* A statement waiting this long has its blockers looked up. */
enum { WATCH_AFTER_MS = 1000, WATCH_EVERY_MS = 2000, MAX_ADDRS = 8 };

struct db {
	PGconn *conn;
	const char *label;
	bool sent_before_signal; /* the running query started before the signal: cancel it */
	bool cancel_sent;
	/* For the blocker lookup: a copy of the parameters (password wiped on close). */
	struct db_params params;
	char *blockers; /* "pid 123 (application_name ..., state ... since ...)" or NULL */
	bool pending_lock_timeout; /* params.lock_timeout not set yet: it goes with the first query */
	struct pipe *pipe; /* pipeline mode (db_pipeline_begin), NULL: off */
	int direct; /* no pooler in between: 1 yes, 0 no, -1 not known yet */
};

/*
 * Pipeline mode's bookkeeping: what was queued, in order, so that the answers
 * can be read back and the first failure named by its number.
 */
struct pipe {
	int queued;         /* statements queued since db_pipeline_begin */
	int read;           /* of them, answered and read */
	int open;           /* queued since the last Sync */
	int *segs;          /* statements in each Sync'd segment not read yet */
	int n_segs, cap_segs;
	const char **labels; /* per statement: what it is for (db_pipeline_label), or NULL */
	int cap_labels;
	int failed;         /* number of the first statement that failed, -1: none */
	const char *failed_label;
	struct db_error err; /* its error */
};

struct db_result {
	PGresult *res;
};

void db_error_clear(struct db_error *e)
{
	free(e->message);
	free(e->detail);
	free(e->hint);
	free(e->context);
	memset(e, 0, sizeof *e);
}

static void set_error_text(struct db_error *e, const char *msg)
{
	db_error_clear(e);
	/* libpq messages end in a newline and may span lines; keep the first line tidy. */
	char *m = xstrdup(msg && *msg ? msg : "unknown error");
	size_t n = strlen(m);
	while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	e->message = m;
}

static char *dup_field(const PGresult *res, int code)
{
	/* A lost connection yields results without these fields. */
	const char *v = PQresultErrorField(res, code);
	return v ? xstrdup(v) : NULL;
}

static void set_error_result(struct db_error *e, PGconn *conn, const PGresult *res)
{
	db_error_clear(e);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state)
		snprintf(e->sqlstate, sizeof e->sqlstate, "%s", state);
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (primary) {
		e->message = xstrdup(primary);
	} else {
		set_error_text(e, res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res) : PQerrorMessage(conn));
		if (state)
			snprintf(e->sqlstate, sizeof e->sqlstate, "%s", state);
	}
	if (res) {
		e->detail = dup_field(res, PG_DIAG_MESSAGE_DETAIL);
		e->hint = dup_field(res, PG_DIAG_MESSAGE_HINT);
		e->context = dup_field(res, PG_DIAG_CONTEXT);
		const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
		e->position = pos ? atoi(pos) : 0;
	}
}

static void on_notice(void *arg, const PGresult *res)
{
	struct db *db = arg;
	const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (!msg)
		return;
	/* "already exists, skipping" notices are the normal case of an idempotent run. */
	if (sev && strcmp(sev, "WARNING") == 0)
		log_warn("%s%sserver warning: %s", db->label ? db->label : "", db->label ? ": " : "", msg);
	else
		log_debug("%s%sserver %s: %s", db->label ? db->label : "", db->label ? ": " : "",
			  sev ? sev : "notice", msg);
}

/* ---- host name resolution with a deadline */

/*
 * getaddrinfo() has no timeout and a resolver that never answers stalls it
 * for (timeout x attempts x servers) of resolv.conf, whatever our wait_timeout
 * says. It runs in a detached thread with every signal blocked; we wait on a
 * pipe with poll(), which a signal or the deadline interrupts, and leave a
 * late thread to free the shared state itself.
 */
struct lookup {
	pthread_mutex_t mu;
	int refs;
	int fd[2];
	char host[256];
	int rc;
	char addrs[MAX_ADDRS][INET6_ADDRSTRLEN];
	int n;
};

static void lookup_unref(struct lookup *l)
{
	pthread_mutex_lock(&l->mu);
	int left = --l->refs;
	pthread_mutex_unlock(&l->mu);
	if (left)
		return;
	close(l->fd[0]);
	close(l->fd[1]);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static void *lookup_thread(void *arg)
{
	struct lookup *l = arg;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc = getaddrinfo(l->host, NULL, &hints, &res);
	int n = 0;
	for (struct addrinfo *a = res; rc == 0 && a && n < MAX_ADDRS; a = a->ai_next) {
		const void *src = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
			: a->ai_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr : NULL;
		if (!src || !inet_ntop(a->ai_family, src, l->addrs[n], sizeof l->addrs[n]))
			continue;
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup = dup || strcmp(l->addrs[i], l->addrs[n]) == 0;
		if (!dup)
			n++;
	}
	if (res)
		freeaddrinfo(res);
	pthread_mutex_lock(&l->mu);
	l->rc = rc;
	l->n = n;
	pthread_mutex_unlock(&l->mu);
	ssize_t w = write(l->fd[1], "x", 1);
	(void)w;
	lookup_unref(l);
	return NULL;
}

/* Does libpq need a name lookup for this host? (not a socket directory, not an address, not a list) */
static bool needs_lookup(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	if (!host || !*host || host[0] == '/' || host[0] == '@' || strchr(host, ',') || strlen(host) >= 256)
		return false;
	return inet_pton(AF_INET, host, buf) != 1 && inet_pton(AF_INET6, host, buf) != 1;
}

/*
 * Resolve p->host within timeout_ms into hosts ("h,h,h") and addrs ("a1,a2,a3")
 * for libpq's host/hostaddr pair (host stays for TLS verify-full and .pgpass).
 * False with err set on failure, timeout or signal.
 */
static bool resolve(const char *host, int timeout_ms, struct buf *hosts, struct buf *addrs, struct db_error *err)
{
	struct lookup *l = xcalloc(1, sizeof *l);
	if (pipe(l->fd) != 0) {
		free(l);
		set_error_text(err, "unable to create a pipe for the host name lookup");
		return false;
	}
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->host, sizeof l->host, "%s", host);
	l->refs = 2;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits it: signals stay ours */
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int prc = pthread_create(&t, &attr, lookup_thread, l);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (prc != 0) {
		l->refs = 1;
		lookup_unref(l);
		set_error_text(err, "unable to start the host name lookup");
		return false;
	}
	int64_t deadline = now_ms() + timeout_ms;
	bool done = false;
	while (!sig_caught()) {
		int left = (int)(deadline - now_ms());
		if (left <= 0)
			break;
		struct pollfd pfd = {.fd = l->fd[0], .events = POLLIN};
		if (poll(&pfd, 1, left) > 0) {
			done = true;
			break;
		}
	}
	bool ok = false;
	if (done) {
		pthread_mutex_lock(&l->mu);
		if (l->rc != 0 || l->n == 0) {
			char *m = xasprintf("could not translate host name \"%s\" to address: %s", host,
					    l->rc ? gai_strerror(l->rc) : "no address");
			set_error_text(err, m);
			free(m);
		} else {
			for (int i = 0; i < l->n; i++) {
				buf_printf(hosts, "%s%s", i ? "," : "", host);
				buf_printf(addrs, "%s%s", i ? "," : "", l->addrs[i]);
			}
			ok = true;
		}
		pthread_mutex_unlock(&l->mu);
	} else {
		char *m = sig_caught() ? xasprintf("host name lookup of \"%s\" interrupted by a signal", host)
				       : xasprintf("no answer from the resolver for host name \"%s\" within %d ms", host,
						   timeout_ms);
		set_error_text(err, m);
		free(m);
	}
	if (!ok)
		err->resolve_failed = true;
	lookup_unref(l);
	return ok;
}

/* ---- connecting */

struct conn_kw {
	const char *kw[32], *val[32];
	char port[16], timeout[16];
	struct buf hosts, addrs;
};

static void conn_kw_free(struct conn_kw *k)
{
	buf_free(&k->hosts);
	buf_free(&k->addrs);
}

/* Keyword arrays from params; false (err set) when the host name does not resolve in time. */
static bool fill_keywords(const struct db_params *p, struct conn_kw *k, int resolve_ms, struct db_error *err)
{
	int n = 0;
	memset(k, 0, sizeof *k);
#define ADD(key, v)                      \
	do {                             \
		if ((v) && *(v)) {       \
			k->kw[n] = (key);  \
			k->val[n] = (v);   \
			n++;             \
		}                        \
	} while (0)
	snprintf(k->port, sizeof k->port, "%d", p->port);
	snprintf(k->timeout, sizeof k->timeout, "%d", p->connect_timeout);
	if (resolve_ms > 0 && needs_lookup(p->host) && !(p->ports && strchr(p->ports, ','))) {
		if (!resolve(p->host, resolve_ms, &k->hosts, &k->addrs, err))
			return false;
		ADD("host", k->hosts.data);
		ADD("hostaddr", k->addrs.data);
	} else {
		ADD("host", p->host);
	}
	ADD("port", p->ports && *p->ports ? p->ports : k->port);
	ADD("dbname", p->dbname);
	ADD("user", p->user);
	ADD("password", p->password);
	ADD("sslmode", p->sslmode);
	ADD("sslrootcert", p->sslrootcert);
	ADD("application_name", p->application_name);
	ADD("target_session_attrs", p->target_session_attrs);
	ADD("options", p->options);
	if (p->connect_timeout > 0)
		ADD("connect_timeout", k->timeout);
	/* A peer that vanishes (host down, network cut) ends the connection instead of hanging it. */
	ADD("keepalives", "1");
	ADD("keepalives_idle", KEEPALIVES_IDLE);
	ADD("keepalives_interval", KEEPALIVES_INTERVAL);
	ADD("keepalives_count", KEEPALIVES_COUNT);
	ADD("tcp_user_timeout", TCP_USER_TIMEOUT_MS);
	/* musl has no locales beyond UTF-8: never let libpq guess. */
	ADD("client_encoding", "UTF8");
#undef ADD
	k->kw[n] = k->val[n] = NULL;
	return true;
}

/* The resolver's and the connection's deadline: the connect timeout (libpq's minimum is 2 s). */
static int connect_ms(const struct db_params *p)
{
	if (p->connect_timeout <= 0)
		return 0;
	return (p->connect_timeout < 2 ? 2 : p->connect_timeout) * 1000;
}

enum db_ping db_ping(const struct db_params *p)
{
	struct conn_kw k;
	struct db_error err = {0};
	int ms = connect_ms(p);
	if (!fill_keywords(p, &k, ms ? ms : 30000, &err)) {
		db_error_clear(&err);
		conn_kw_free(&k);
		return DB_PING_NO_RESPONSE;
	}
	enum db_ping r;
	switch (PQpingParams(k.kw, k.val, 0)) {
	case PQPING_OK: r = DB_PING_OK; break;
	case PQPING_REJECT: r = DB_PING_REJECT; break;
	case PQPING_NO_RESPONSE: r = DB_PING_NO_RESPONSE; break;
	default: r = DB_PING_NO_ATTEMPT; break;
	}
	conn_kw_free(&k);
	return r;
}

static bool is_state_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/*
 * A connection error in libpq's verbose form: "...failed: FATAL:  57P03:  the
 * database system is starting up\nLOCATION:  ProcessStartupPacket, postmaster.c:2330".
 * The severity word is translated but the "  XXXXX: " after it is not. Takes the
 * SQLSTATE out of the text and drops LOCATION lines (they end in "file.c:NNN").
 */
static void set_connect_error(struct db_error *e, const char *msg)
{
	set_error_text(e, msg);
	char *m = e->message;
	for (char *p = m; (p = strstr(p, ":  ")) != NULL; p++) {
		char *c = p + 3;
		if (is_state_char(c[0]) && is_state_char(c[1]) && is_state_char(c[2]) && is_state_char(c[3]) &&
		    is_state_char(c[4]) && c[5] == ':' && c[6] == ' ' && !e->sqlstate[0]) {
			memcpy(e->sqlstate, c, 5);
			e->sqlstate[5] = '\0';
			size_t skip = 7;
			while (c[skip] == ' ')
				skip++;
			memmove(c, c + skip, strlen(c + skip) + 1);
		}
	}
	/* Drop "XXX:  func, file.c:123" lines. */
	struct buf b = {0};
	for (char *line = m; line && *line;) {
		char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		bool location = false;
		const char *dotc = NULL;
		for (const char *q = line; q + 3 <= line + len; q++)
			if (q[0] == '.' && q[1] == 'c' && q[2] == ':')
				dotc = q;
		if (dotc && line != m && strstr(line, ":  ") && (size_t)(strstr(line, ":  ") - line) < len) {
			location = true;
			for (const char *q = dotc + 3; q < line + len; q++)
				location = location && *q >= '0' && *q <= '9';
		}
		if (!location) {
			if (b.len)
				buf_putc(&b, '\n');
			buf_add(&b, line, len);
		}
		line = eol ? eol + 1 : NULL;
	}
	free(e->message);
	e->message = buf_steal(&b);
	if (!e->message)
		e->message = xstrdup("unknown error");
}

static void params_copy(struct db_params *dst, const struct db_params *src)
{
	*dst = *src;
	const char **fields[] = {&dst->host, &dst->dbname, &dst->user, &dst->password, &dst->sslmode, &dst->sslrootcert,
				 &dst->application_name, &dst->target_session_attrs, &dst->lock_timeout, &dst->ports,
				 &dst->options};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		*fields[i] = *fields[i] ? xstrdup(*fields[i]) : NULL;
}

static void params_free(struct db_params *p)
{
	char **fields[] = {(char **)&p->host, (char **)&p->dbname, (char **)&p->user, (char **)&p->sslmode,
			   (char **)&p->sslrootcert, (char **)&p->application_name, (char **)&p->target_session_attrs,
			   (char **)&p->lock_timeout, (char **)&p->ports,
			   (char **)&p->options};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		free(*fields[i]);
	free_secret((char *)p->password);
	memset(p, 0, sizeof *p);
}

/* Asynchronous connect: a signal or the deadline (0: libpq's own) ends it. */
static PGconn *connect_async(const struct db_params *p, struct db_error *err)
{
	int ms = connect_ms(p);
	int64_t start = now_ms();
	struct conn_kw k;
	if (!fill_keywords(p, &k, ms ? ms : 30000, err)) {
		conn_kw_free(&k);
		return NULL;
	}
	PGconn *conn = PQconnectStartParams(k.kw, k.val, 0);
	conn_kw_free(&k);
	if (!conn) {
		set_error_text(err, "out of memory");
		return NULL;
	}
	/* Verbose: the message carries the SQLSTATE whatever the server's language. */
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		if (sig_caught()) {
			set_error_text(err, "connection attempt interrupted by a signal");
			PQfinish(conn);
			return NULL;
		}
		int left = ms ? (int)(start + ms - now_ms()) : 100;
		if (ms && left <= 0) {
			set_error_text(err, "timeout expired");
			PQfinish(conn);
			return NULL;
		}
		struct pollfd pfd = {.fd = PQsocket(conn), .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT};
		int r = pfd.fd >= 0 ? poll(&pfd, 1, left < 100 ? left : 100) : 1;
		if (r < 0 && errno != EINTR)
			break;
		if (r != 0)
			st = PQconnectPoll(conn);
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		set_connect_error(err, PQerrorMessage(conn));
		err->needs_password = PQconnectionNeedsPassword(conn) != 0;
		PQfinish(conn);
		return NULL;
	}
	PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
	return conn;
}

/*
 * pginit's own statements (ledger, bootstrap) never wait forever for a lock;
 * each migration sets its own. A session setting, so only on a session of our
 * own: behind a pooler in transaction pooling (the backend pid libpq was
 * announced is not pg_backend_pid()) a session SET would stay on a pooled
 * server connection for other clients, and our next statement may run on
 * another one. There pginit's statements run without it (the lease path keeps
 * each of them short) and the lock watch, which needs our backend's pid, is
 * off. Sent with the connection's first query (pipeline_first), or alone before a
 * first statement that cannot go in a pipeline.
 */
#define LOCK_TIMEOUT_SQL \
	"SELECT CASE WHEN pg_backend_pid() = $2::int THEN set_config('lock_timeout', $1, false) END IS NULL"

/* LOCK_TIMEOUT_SQL's answer: true when the statement ran on another backend (a pooler). Noted in db->direct. */
static bool pooled(struct db *db, const PGresult *res)
{
	bool answered = res && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
	bool other = answered && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (answered)
		db->direct = !other;
	return other;
}

static bool set_session_lock_timeout(struct db *db, struct db_error *err)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", PQbackendPID(db->conn));
	const char *params[] = {db->params.lock_timeout, pid};
	struct db_result *r = db_query(db, LOCK_TIMEOUT_SQL, 2, params, err);
	if (!r) {
		char *m = xasprintf("invalid lock_timeout '%s': %s", db->params.lock_timeout, err->message);
		set_error_text(err, m);
		free(m);
		return false;
	}
	if (pooled(db, r->res)) {
		free((char *)db->params.lock_timeout);
		db->params.lock_timeout = NULL;
	}
	db_result_free(r);
	return true;
}

struct db *db_connect(const struct db_params *p, struct db_error *err)
{
	PGconn *conn = connect_async(p, err);
	if (!conn)
		return NULL;
	struct db *db = xcalloc(1, sizeof *db);
	db->conn = conn;
	db->direct = -1;
	params_copy(&db->params, p);
	PQsetNoticeReceiver(conn, on_notice, db);
	/* Set with the first query, in the same round trip (pipeline_first); not a startup
	 * option, which PgBouncer refuses. */
	db->pending_lock_timeout = p->lock_timeout && *p->lock_timeout;
	return db;
}

/* The session's lock_timeout, on its own: for a first statement that cannot go in a pipeline. */
static bool set_lock_timeout(struct db *db, struct db_error *err)
{
	db->pending_lock_timeout = false;
	return set_session_lock_timeout(db, err);
}

void db_close(struct db *db)
{
	if (!db)
		return;
	if (db->pipe) {
		free(db->pipe->segs);
		free(db->pipe->labels);
		db_error_clear(&db->pipe->err);
		free(db->pipe);
	}
	PQfinish(db->conn);
	params_free(&db->params);
	free(db->blockers);
	free(db);
}

const char *db_lock_timeout(const struct db *db)
{
	return db->params.lock_timeout;
}

bool db_in_transaction(const struct db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->conn);
	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

void db_set_context(struct db *db, const char *label)
{
	db->label = label;
}

/*
 * A statement of this session waits for a lock: who holds it? Looked up from a
 * short second connection (this one is busy), kept in db->blockers for the
 * error a lock timeout brings.
 */
static void watch_blockers(struct db *db, struct db **observer)
{
	if (!*observer) {
		struct db_params q = db->params;
		q.connect_timeout = 2;
		q.lock_timeout = NULL;
		q.application_name = "pginit (lock watch)";
		struct db_error e = {0};
		*observer = db_connect(&q, &e);
		db_error_clear(&e);
		if (!*observer)
			return;
	}
	char pid[16];
	snprintf(pid, sizeof pid, "%d", PQbackendPID(db->conn));
	const char *params[] = {pid};
	struct db_error e = {0};
	struct db_result *r = db_query(*observer,
				       "SELECT string_agg(format('pid %s (application_name \"%s\", state \"%s\" since %s)',"
				       " a.pid, a.application_name, coalesce(a.state, 'unknown'),"
				       " to_char(coalesce(a.state_change, a.backend_start), 'YYYY-MM-DD HH24:MI:SS TZ')), ', ')"
				       " FROM pg_stat_activity a WHERE a.pid = ANY (pg_blocking_pids($1::int))",
				       1, params, &e);
	db_error_clear(&e);
	if (r && db_get(r, 0, 0)) {
		free(db->blockers);
		db->blockers = xstrdup(db_get(r, 0, 0));
	}
	db_result_free(r);
}

/*
 * Wait until a result is ready, cancelling the query once if a signal arrives
 * and closing the connection SIG_CANCEL_WAIT_MS after the signal if the server
 * still does not answer (a stopped backend acknowledges TCP but never replies).
 * The poll timeout is short so a signal that lands just before poll() is seen
 * within 100 ms; EINTR wakes it at once in the common case.
 */
static bool wait_ready(struct db *db, struct db_error *err)
{
	int64_t start = now_ms(), next_watch = start + WATCH_AFTER_MS;
	struct db *observer = NULL;
	bool ok = true;
	for (;;) {
		/* In pipeline mode the connection is non-blocking: what is queued is sent
		 * here, while the answers are read, so neither side waits on the other. */
		int unsent = db->pipe ? PQflush(db->conn) : 0;
		if (unsent < 0) {
			set_error_text(err, PQerrorMessage(db->conn));
			ok = false;
			break;
		}
		if (!unsent && !PQisBusy(db->conn))
			break;
		if (sig_caught()) {
			/* Cancel only a query started before the signal: the cleanup queries that
			 * follow (ROLLBACK, the failed run's init_log row) must run to completion. */
			if (db->sent_before_signal && !db->cancel_sent) {
				PGcancel *c = PQgetCancel(db->conn);
				char errbuf[256];
				if (c) {
					PQcancel(c, errbuf, sizeof errbuf);
					PQfreeCancel(c);
				}
				db->cancel_sent = true;
			}
			if (now_ms() - sig_seen_ms() >= SIG_CANCEL_WAIT_MS) {
				shutdown(PQsocket(db->conn), SHUT_RDWR);
				PQconsumeInput(db->conn);
				char *m = xasprintf("no answer from the server %d ms after the signal; connection closed",
						    SIG_CANCEL_WAIT_MS);
				set_error_text(err, m);
				free(m);
				ok = false;
				break;
			}
		} else if (!db->params.lock_timeout || now_ms() < next_watch) {
			/* nothing to look at yet */
		} else {
			watch_blockers(db, &observer);
			next_watch = now_ms() + WATCH_EVERY_MS;
		}
		struct pollfd pfd = {.fd = PQsocket(db->conn), .events = POLLIN | (unsent ? POLLOUT : 0)};
		int r = poll(&pfd, 1, 100);
		if ((r < 0 && errno != EINTR) || (r > 0 && pfd.revents != POLLOUT && !PQconsumeInput(db->conn))) {
			set_error_text(err, PQerrorMessage(db->conn));
			ok = false;
			break;
		}
	}
	db_close(observer);
	return ok;
}

/* Before sending a query: remember whether it belongs to the interrupted work. */
static bool send_begin(struct db *db)
{
	db->sent_before_signal = !sig_caught();
	free(db->blockers);
	db->blockers = NULL;
	return true;
}

/* Collect every result of the query; remember the first error. */
static bool drain(struct db *db, long *rows, PGresult **keep, struct db_error *err)
{
	bool ok = true;
	for (;;) {
		struct db_error werr = {0};
		if (!wait_ready(db, &werr)) {
			if (ok) {
				db_error_clear(err);
				*err = werr;
			} else {
				db_error_clear(&werr);
			}
			return false;
		}
		PGresult *res = PQgetResult(db->conn);
		if (!res)
			break;
		ExecStatusType st = PQresultStatus(res);
		if (st == PGRES_COPY_IN) {
			/* Only db_copy_in expects COPY FROM STDIN; refuse it here. */
			PQputCopyEnd(db->conn, "COPY FROM STDIN is only supported with inline data");
		} else if (st == PGRES_COPY_OUT) {
			char *buf;
			while (PQgetCopyData(db->conn, &buf, 0) > 0)
				PQfreemem(buf);
		} else if (st == PGRES_PIPELINE_ABORTED) {
			if (ok)
				set_error_text(err, "not run: an earlier statement of the pipeline failed");
			ok = false;
		} else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
			if (ok) {
				set_error_result(err, db->conn, res);
				if (strcmp(err->sqlstate, "55P03") == 0 && db->blockers && !err->detail)
					err->detail = xasprintf("blocked by %s", db->blockers);
			}
			ok = false;
		} else if (rows) {
			const char *n = PQcmdTuples(res);
			if (n && *n)
				*rows += atol(n);
		}
		if (keep && ok && st == PGRES_TUPLES_OK) {
			PQclear(*keep); /* keep the last row set */
			*keep = res;
		} else {
			PQclear(res);
		}
	}
	if (PQstatus(db->conn) == CONNECTION_BAD && ok) {
		set_error_text(err, PQerrorMessage(db->conn));
		ok = false;
	}
	return ok;
}

static bool pipe_send(struct db *db, const char *sql, int nparams, const char *const *params, struct db_error *err);

bool db_exec(struct db *db, const char *sql, long *rows, struct db_error *err)
{
	if (rows)
		*rows = 0;
	if (db->pipe)
		return pipe_send(db, sql, 0, NULL, err);
	if (db->pending_lock_timeout && !set_lock_timeout(db, err))
		return false;
	if (!send_begin(db) || !PQsendQuery(db->conn, sql)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	return drain(db, rows, NULL, err);
}

/* In pipeline mode: the PGRES_PIPELINE_SYNC that follows a query's results. */
static bool read_sync(struct db *db, struct db_error *err)
{
	if (!wait_ready(db, err))
		return false;
	PGresult *res = PQgetResult(db->conn);
	bool ok = res && PQresultStatus(res) == PGRES_PIPELINE_SYNC;
	PQclear(res);
	if (!ok)
		set_error_text(err, PQerrorMessage(db->conn));
	return ok;
}

/*
 * The first query of a connection and the pending lock_timeout in one round
 * trip: pipeline mode, each with its own Sync (its own transaction, so a bad
 * setting does not take the query down with it, nor the reverse). False on
 * error, err set (a bad setting reads "invalid lock_timeout ...").
 */
static bool pipeline_first(struct db *db, const char *sql, int nparams, const char *const *params,
			   PGresult **out, struct db_error *err)
{
	db->pending_lock_timeout = false;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", PQbackendPID(db->conn));
	const char *lt[] = {db->params.lock_timeout, pid};
	if (!send_begin(db) || !PQenterPipelineMode(db->conn) ||
	    !PQsendQueryParams(db->conn, LOCK_TIMEOUT_SQL, 2, NULL, lt, NULL, NULL, 0) ||
	    !PQpipelineSync(db->conn) || !PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0) ||
	    !PQpipelineSync(db->conn)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	struct db_error serr = {0};
	PGresult *res = NULL, *setting = NULL;
	bool set = drain(db, NULL, &setting, &serr);
	if (set && pooled(db, setting)) {
		free((char *)db->params.lock_timeout);
		db->params.lock_timeout = NULL;
	}
	PQclear(setting);
	if (!set && !serr.sqlstate[0]) { /* no answer (lost connection, signal): not the setting's fault */
		db_error_clear(err);
		*err = serr;
		return false;
	}
	bool ok = read_sync(db, err);
	struct db_error qerr = {0};
	bool qok = ok && drain(db, NULL, &res, &qerr);
	/* After a server error the query's Sync still follows: read it, so that the
	 * connection leaves pipeline mode in a state fit for the next statement. */
	if (ok && (qok || qerr.sqlstate[0]))
		ok = read_sync(db, err) && PQexitPipelineMode(db->conn);
	if (!qok && qerr.message) {
		db_error_clear(err);
		*err = qerr;
		ok = false;
	} else {
		db_error_clear(&qerr);
	}
	if (ok && !set) {
		char *m = xasprintf("invalid lock_timeout '%s': %s", db->params.lock_timeout, serr.message);
		set_error_text(err, m);
		free(m);
		ok = false;
	}
	db_error_clear(&serr);
	if (!ok) {
		PQclear(res);
		return false;
	}
	*out = res; /* NULL for a statement without rows */
	return true;
}

struct db_result *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
			   struct db_error *err)
{
	if (db->pipe) /* queued: an empty result now, the answer at db_pipeline_read */
		return pipe_send(db, sql, nparams, params, err) ? xcalloc(1, sizeof(struct db_result)) : NULL;
	if (db->pending_lock_timeout) {
		PGresult *res = NULL;
		bool ok = pipeline_first(db, sql, nparams, params, &res, err);
		if (!ok && PQpipelineStatus(db->conn) != PQ_PIPELINE_OFF) {
			/* Something broke half-way: leave pipeline mode if libpq lets us (a connection
			 * left in it fails its next query, which is logged there). */
			PQexitPipelineMode(db->conn);
		}
		if (!ok)
			return NULL;
		struct db_result *r = xcalloc(1, sizeof *r);
		r->res = res;
		return r;
	}
	if (!send_begin(db) || !PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return NULL;
	}
	PGresult *res = NULL;
	if (!drain(db, NULL, &res, err)) {
		PQclear(res);
		return NULL;
	}
	struct db_result *r = xcalloc(1, sizeof *r);
	r->res = res;
	return r;
}

/* ---- pipeline mode */

bool db_pipeline_begin(struct db *db, struct db_error *err)
{
	if (db->pending_lock_timeout && !set_lock_timeout(db, err))
		return false;
	if (!PQenterPipelineMode(db->conn) || PQsetnonblocking(db->conn, 1) != 0) {
		set_error_text(err, PQerrorMessage(db->conn));
		PQexitPipelineMode(db->conn);
		return false;
	}
	db->pipe = xcalloc(1, sizeof *db->pipe);
	db->pipe->failed = -1;
	return true;
}

bool db_pipelined(const struct db *db)
{
	return db->pipe != NULL;
}

int db_pipeline_queued(const struct db *db)
{
	return db->pipe ? db->pipe->queued : 0;
}

static bool pipe_send(struct db *db, const char *sql, int nparams, const char *const *params, struct db_error *err)
{
	struct pipe *p = db->pipe;
	if (!send_begin(db) || !PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	if (p->queued >= p->cap_labels) {
		p->cap_labels = p->cap_labels ? 2 * p->cap_labels : 64;
		p->labels = xrealloc(p->labels, (size_t)p->cap_labels * sizeof *p->labels);
	}
	p->labels[p->queued++] = NULL;
	p->open++;
	return true;
}

void db_pipeline_label(struct db *db, const char *label)
{
	if (db->pipe && db->pipe->queued > 0)
		db->pipe->labels[db->pipe->queued - 1] = label;
}

bool db_pipeline_sync(struct db *db, struct db_error *err)
{
	struct pipe *p = db->pipe;
	if (!PQpipelineSync(db->conn)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	if (p->n_segs >= p->cap_segs) {
		p->cap_segs = p->cap_segs ? 2 * p->cap_segs : 4;
		p->segs = xrealloc(p->segs, (size_t)p->cap_segs * sizeof *p->segs);
	}
	p->segs[p->n_segs++] = p->open;
	p->open = 0;
	return true;
}

/* The first failure is kept: statement i, its label and its error (taken from err). */
static void pipe_fail(struct pipe *p, int i, struct db_error *err)
{
	if (p->failed >= 0) {
		db_error_clear(err);
		return;
	}
	p->failed = i;
	p->failed_label = i < p->queued ? p->labels[i] : NULL;
	p->err = *err;
	memset(err, 0, sizeof *err);
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/*
 * Read one segment: the answers of its statements (after a failure the server
 * skips the rest: libpq answers them "aborted"), then its Sync. False when the
 * connection failed (lost, or closed after a signal): nothing more will come.
 */
static bool pipe_read_segment(struct db *db, int n, int from, long *rows)
{
	struct pipe *p = db->pipe;
	for (int k = 0; k < n; k++, p->read++) {
		struct db_error e = {0};
		long r = 0;
		if (drain(db, &r, NULL, &e)) {
			if (rows && p->read >= from)
				*rows += r;
			continue;
		}
		pipe_fail(p, p->read, &e);
		if (PQstatus(db->conn) == CONNECTION_BAD)
			return false;
	}
	struct db_error e = {0};
	if (read_sync(db, &e))
		return true;
	pipe_fail(p, p->read > 0 ? p->read - 1 : 0, &e); /* lost after the last statement: its fate is unknown */
	return false;
}

bool db_pipeline_read(struct db *db, int from, long *rows, struct db_error *err)
{
	struct pipe *p = db->pipe;
	if (rows)
		*rows = 0;
	struct db_error e = {0};
	if (p->open > 0 && !db_pipeline_sync(db, &e)) {
		pipe_fail(p, p->read, &e);
		p->n_segs = 0; /* nothing was sent that could be answered */
	}
	int s = 0;
	while (s < p->n_segs && pipe_read_segment(db, p->segs[s], from, rows))
		s++;
	p->n_segs = 0; /* read, or never to be answered */
	if (p->failed < 0)
		return true;
	db_error_clear(err);
	*err = p->err;
	err->message = dup_or_null(p->err.message);
	err->detail = dup_or_null(p->err.detail);
	err->hint = dup_or_null(p->err.hint);
	err->context = dup_or_null(p->err.context);
	return false;
}

int db_pipeline_failed(const struct db *db, const char **label)
{
	if (label)
		*label = db->pipe ? db->pipe->failed_label : NULL;
	return db->pipe ? db->pipe->failed : -1;
}

void db_pipeline_end(struct db *db)
{
	struct pipe *p = db->pipe;
	if (!p)
		return;
	if (p->open > 0 || p->n_segs > 0) { /* answers nobody asked for: read (they only fail after an error) */
		struct db_error e = {0};
		db_pipeline_read(db, p->queued, NULL, &e);
		db_error_clear(&e);
	}
	PQexitPipelineMode(db->conn);
	PQsetnonblocking(db->conn, 0);
	db_error_clear(&p->err);
	free(p->segs);
	free(p->labels);
	free(p);
	db->pipe = NULL;
}

int db_nrows(const struct db_result *r)
{
	return r->res ? PQntuples(r->res) : 0;
}

const char *db_get(const struct db_result *r, int row, int col)
{
	if (!r->res || PQgetisnull(r->res, row, col))
		return NULL;
	return PQgetvalue(r->res, row, col);
}

void db_result_free(struct db_result *r)
{
	if (!r)
		return;
	PQclear(r->res);
	free(r);
}

bool db_copy_in(struct db *db, const char *sql, const char *data, size_t len, long *rows, struct db_error *err)
{
	if (rows)
		*rows = 0;
	if (db->pipe) {
		set_error_text(err, "COPY FROM STDIN cannot be sent in pipeline mode");
		return false;
	}
	if (db->pending_lock_timeout && !set_lock_timeout(db, err))
		return false;
	if (!send_begin(db) || !PQsendQuery(db->conn, sql)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	if (!wait_ready(db, err))
		return false;
	PGresult *res = PQgetResult(db->conn);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		/* The COPY statement itself failed (bad table, bad options). */
		if (res) {
			set_error_result(err, db->conn, res);
			PQclear(res);
		}
		drain(db, NULL, NULL, &(struct db_error){0});
		return false;
	}
	PQclear(res);
	/* Blocking mode: PQputCopyData returns only when the data is queued. */
	const size_t chunk = 64 * 1024;
	for (size_t off = 0; off < len; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;
		if (PQputCopyData(db->conn, data + off, (int)n) != 1 || sig_caught()) {
			PQputCopyEnd(db->conn, sig_caught() ? "interrupted" : "write failed");
			break;
		}
	}
	if (PQputCopyEnd(db->conn, NULL) < 0) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	return drain(db, rows, NULL, err);
}

char *db_ident(struct db *db, const char *s)
{
	char *q = PQescapeIdentifier(db->conn, s, strlen(s));
	if (!q) {
		fprintf(stderr, "pginit: fatal: unable to quote identifier: %s", PQerrorMessage(db->conn));
		abort();
	}
	char *r = xstrdup(q);
	PQfreemem(q);
	return r;
}

char *db_literal(struct db *db, const char *s)
{
	char *q = PQescapeLiteral(db->conn, s, strlen(s));
	if (!q) {
		fprintf(stderr, "pginit: fatal: unable to quote literal: %s", PQerrorMessage(db->conn));
		abort();
	}
	char *r = xstrdup(q);
	PQfreemem(q);
	return r;
}

char *db_scram_verifier(struct db *db, const char *role, const char *password, struct db_error *err)
{
	char *v = PQencryptPasswordConn(db->conn, password, role, "scram-sha-256");
	if (!v) {
		set_error_text(err, PQerrorMessage(db->conn));
		return NULL;
	}
	char *r = xstrdup(v);
	PQfreemem(v);
	return r;
}

bool db_conninfo_parse(const char *conninfo, struct strlist *keys, struct strlist *vals, char **errmsg)
{
	char *e = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &e);
	if (!opts) {
		*errmsg = xstrdup(e ? e : "out of memory");
		PQfreemem(e);
		return false;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		strlist_add(keys, o->keyword);
		strlist_add(vals, o->val);
	}
	PQconninfoFree(opts);
	return true;
}

int db_announced_pid(const struct db *db)
{
	return PQbackendPID(db->conn);
}

int db_server_version(const struct db *db)
{
	return PQserverVersion(db->conn);
}

bool db_announced_superuser(const struct db *db)
{
	const char *v = PQparameterStatus(db->conn, "is_superuser");
	return v && strcmp(v, "on") == 0;
}

bool db_direct(struct db *db)
{
	if (db->direct < 0) {
		struct db_error err = {0};
		struct db_result *r = db_query(db, "SELECT pg_backend_pid()", 0, NULL, &err);
		if (r && db_nrows(r) == 1 && db_get(r, 0, 0))
			db->direct = atoi(db_get(r, 0, 0)) == PQbackendPID(db->conn);
		db_result_free(r);
		db_error_clear(&err);
	}
	return db->direct == 1;
}

char *db_endpoint(const struct db *db)
{
	const char *h = PQhost(db->conn), *p = PQport(db->conn);
	return xasprintf("%s:%s", h ? h : "?", p ? p : "?");
}
