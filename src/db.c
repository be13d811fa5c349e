/* db — see db.h. */
#include "db.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sig.h"

struct db {
	PGconn *conn;
	const char *label;
	/* One cancel per signal and connection: the cleanup queries that follow
	 * (ROLLBACK, the failed run's init_log row) must run to completion. */
	bool cancel_sent;
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

/* Keyword arrays from params; returns the number of pairs filled. */
static int fill_keywords(const struct db_params *p, const char **kw, const char **val, char *port, size_t port_len,
			 char *timeout, size_t timeout_len)
{
	int n = 0;
#define ADD(k, v)                     \
	do {                          \
		if ((v) && *(v)) {    \
			kw[n] = (k);  \
			val[n] = (v); \
			n++;          \
		}                     \
	} while (0)
	snprintf(port, port_len, "%d", p->port);
	snprintf(timeout, timeout_len, "%d", p->connect_timeout);
	ADD("host", p->host);
	ADD("port", port);
	ADD("dbname", p->dbname);
	ADD("user", p->user);
	ADD("password", p->password);
	ADD("sslmode", p->sslmode);
	ADD("sslrootcert", p->sslrootcert);
	ADD("application_name", p->application_name);
	ADD("target_session_attrs", p->target_session_attrs);
	if (p->connect_timeout > 0)
		ADD("connect_timeout", timeout);
	/* musl has no locales beyond UTF-8: never let libpq guess. */
	ADD("client_encoding", "UTF8");
#undef ADD
	kw[n] = val[n] = NULL;
	return n;
}

enum db_ping db_ping(const struct db_params *p)
{
	const char *kw[16], *val[16];
	char port[16], timeout[16];
	fill_keywords(p, kw, val, port, sizeof port, timeout, sizeof timeout);
	switch (PQpingParams(kw, val, 0)) {
	case PQPING_OK: return DB_PING_OK;
	case PQPING_REJECT: return DB_PING_REJECT;
	case PQPING_NO_RESPONSE: return DB_PING_NO_RESPONSE;
	default: return DB_PING_NO_ATTEMPT;
	}
}

struct db *db_connect(const struct db_params *p, struct db_error *err)
{
	const char *kw[16], *val[16];
	char port[16], timeout[16];
	fill_keywords(p, kw, val, port, sizeof port, timeout, sizeof timeout);
	PGconn *conn = PQconnectdbParams(kw, val, 0);
	if (!conn) {
		set_error_text(err, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		set_error_text(err, PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	struct db *db = xcalloc(1, sizeof *db);
	db->conn = conn;
	PQsetNoticeReceiver(conn, on_notice, db);
	return db;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	PQfinish(db->conn);
	free(db);
}

int db_server_version(const struct db *db)
{
	return PQserverVersion(db->conn);
}

void db_set_context(struct db *db, const char *label)
{
	db->label = label;
}

/*
 * Wait until a result is ready, cancelling the query once if a signal arrives.
 * The poll timeout is short so a signal that lands just before poll() is seen
 * within 100 ms; EINTR wakes it at once in the common case.
 */
static bool wait_ready(struct db *db)
{
	while (PQisBusy(db->conn)) {
		if (sig_caught() && !db->cancel_sent) {
			PGcancel *c = PQgetCancel(db->conn);
			char errbuf[256];
			if (c) {
				PQcancel(c, errbuf, sizeof errbuf);
				PQfreeCancel(c);
			}
			db->cancel_sent = true;
		}
		struct pollfd pfd = {.fd = PQsocket(db->conn), .events = POLLIN};
		int r = poll(&pfd, 1, 100);
		if (r < 0 && errno != EINTR)
			return false;
		if (r > 0 && !PQconsumeInput(db->conn))
			return false;
	}
	return true;
}

/* Collect every result of the query; remember the first error. */
static bool drain(struct db *db, long *rows, PGresult **keep, struct db_error *err)
{
	bool ok = true;
	for (;;) {
		if (!wait_ready(db)) {
			if (ok)
				set_error_text(err, PQerrorMessage(db->conn));
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
		} else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
			if (ok)
				set_error_result(err, db->conn, res);
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

bool db_exec(struct db *db, const char *sql, long *rows, struct db_error *err)
{
	if (rows)
		*rows = 0;
	if (!PQsendQuery(db->conn, sql)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	return drain(db, rows, NULL, err);
}

struct db_result *db_query(struct db *db, const char *sql, int nparams, const char *const *params,
			   struct db_error *err)
{
	if (!PQsendQueryParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
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
	if (!PQsendQuery(db->conn, sql)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
	if (!wait_ready(db)) {
		set_error_text(err, PQerrorMessage(db->conn));
		return false;
	}
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
