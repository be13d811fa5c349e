/* topo — see topo.h. */
#include "topo.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

bool topo_read_only_refusal(const char *msg)
{
	/* libpq's words for a failed target_session_attrs check (PostgreSQL 14+):
	 * read-write -> "session is read-only", primary -> "server is in hot standby mode". */
	return msg && (strstr(msg, "session is read-only") || strstr(msg, "server is in hot standby mode"));
}

static const char STANDBY[] = "server is a standby (in recovery); waiting for a primary";
static const char READ_ONLY[] = "server is read-only (default_transaction_read_only = on); waiting for a read-write server";
static const char UNKNOWN[] = "no server of the list accepts writes (standby or read-only); waiting for a primary";

const char *topo_describe_refusal(const struct db_params *p)
{
	struct db_params q = *p;
	q.target_session_attrs = "any";
	struct db_error err = {0};
	struct db *db = db_connect(&q, &err);
	db_error_clear(&err);
	if (!db)
		return UNKNOWN;
	const char *what = UNKNOWN;
	struct db_result *r = db_query(db, "SELECT pg_is_in_recovery()", 0, NULL, &err);
	if (r && db_nrows(r) == 1)
		what = strcmp(db_get(r, 0, 0), "t") == 0 ? STANDBY : READ_ONLY;
	db_result_free(r);
	db_error_clear(&err);
	db_close(db);
	return what;
}

const char *topo_refusal_hint(void)
{
	return "pginit needs a primary (target_session_attrs = read-write): list the primary in connection.host and "
	       "connection.port (e.g. host = \"standby,primary\", port = \"5432,5432\"), promote a standby "
	       "(pg_ctl promote), or raise wait_timeout (PGINIT_WAIT_TIMEOUT) to outlast a failover";
}

void topo_pin(struct config *cfg, const struct db *chosen)
{
	if (!strchr(cfg->host, ',') && !strchr(cfg->ports, ','))
		return;
	char *at = db_endpoint(chosen);
	char *colon = strrchr(at, ':');
	*colon = '\0';
	log_info("using %s:%s for this run (from host list %s, ports %s)", at, colon + 1, cfg->host, cfg->ports);
	free(cfg->host);
	cfg->host = xstrdup(at);
	free(cfg->ports);
	cfg->ports = xstrdup(colon + 1);
	cfg->port = atoi(colon + 1);
	free(at);
}
