/* ledger — see ledger.h. */
#include "ledger.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "query.h"

/* %1$s is the quoted schema name. */
static const char ddl[] =
	"CREATE SCHEMA IF NOT EXISTS %1$s;\n"
	"REVOKE ALL ON SCHEMA %1$s FROM PUBLIC;\n"
	"CREATE TABLE IF NOT EXISTS %1$s.init_log (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  started_at timestamptz NOT NULL,\n"
	"  completed_at timestamptz,\n"
	"  status text NOT NULL CONSTRAINT init_log_status_check\n"
	"    CHECK (status IN ('running', 'success', 'failed', 'abandoned')),\n"
	"  profile text NOT NULL,\n"
	"  command text NOT NULL,\n"
	"  migrations_applied integer NOT NULL DEFAULT 0,\n"
	"  seeds_applied integer NOT NULL DEFAULT 0,\n"
	"  seed_records bigint NOT NULL DEFAULT 0,\n"
	"  duration_ms bigint,\n"
	"  error text,\n"
	"  options jsonb NOT NULL DEFAULT '{}',\n"
	"  hostname text,\n"
	"  pginit_version text NOT NULL,\n"
	"  backend_pid integer,\n"
	"  backend_start timestamptz,\n"
	"  step text);\n"
	/* Ledgers made before runs were tracked by session (this DDL runs only when its digest changed). */
	"ALTER TABLE %1$s.init_log ADD COLUMN IF NOT EXISTS backend_pid integer,"
	" ADD COLUMN IF NOT EXISTS backend_start timestamptz, ADD COLUMN IF NOT EXISTS step text;\n"
	"ALTER TABLE %1$s.init_log DROP CONSTRAINT IF EXISTS init_log_status_check,"
	" ADD CONSTRAINT init_log_status_check CHECK (status IN ('running', 'success', 'failed', 'abandoned'));\n"
	"CREATE TABLE IF NOT EXISTS %1$s.init_step (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  run_id bigint NOT NULL REFERENCES %1$s.init_log (id) ON DELETE CASCADE,\n"
	"  step text NOT NULL,\n"
	"  started_at timestamptz NOT NULL,\n"
	"  completed_at timestamptz NOT NULL,\n"
	"  status text NOT NULL CHECK (status IN ('success', 'failed')),\n"
	"  items integer NOT NULL DEFAULT 0,\n"
	"  rows bigint NOT NULL DEFAULT 0,\n"
	"  duration_ms bigint NOT NULL,\n"
	"  error text);\n"
	"CREATE INDEX IF NOT EXISTS init_step_run_id ON %1$s.init_step (run_id);\n"
	"CREATE TABLE IF NOT EXISTS %1$s.schema_migrations (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  version text NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  kind text NOT NULL DEFAULT 'migration',\n"
	"  script text NOT NULL,\n"
	"  checksum text NOT NULL,\n"
	"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	"  execution_ms bigint NOT NULL,\n"
	"  applied_by text NOT NULL DEFAULT session_user,\n"
	"  success boolean NOT NULL,\n"
	"  error text,\n"
	"  run_id bigint REFERENCES %1$s.init_log (id) ON DELETE SET NULL);\n"
	"CREATE INDEX IF NOT EXISTS schema_migrations_version ON %1$s.schema_migrations (version, id);\n"
	"CREATE TABLE IF NOT EXISTS %1$s.seed_history (\n"
	"  id bigserial PRIMARY KEY,\n"
	"  set_name text NOT NULL,\n"
	"  name text NOT NULL,\n"
	"  checksum text NOT NULL,\n"
	"  profile text NOT NULL,\n"
	"  applied_at timestamptz NOT NULL DEFAULT now(),\n"
	"  rows bigint NOT NULL,\n"
	"  execution_ms bigint NOT NULL,\n"
	"  run_id bigint REFERENCES %1$s.init_log (id) ON DELETE SET NULL);\n"
	"CREATE INDEX IF NOT EXISTS seed_history_file ON %1$s.seed_history (set_name, name, id);\n"
	"CREATE TABLE IF NOT EXISTS %1$s.migration_progress (\n"
	"  script text NOT NULL,\n"
	"  kind text NOT NULL,\n"
	"  version text NOT NULL,\n"
	"  statements integer NOT NULL,\n"
	"  prefix_checksum text NOT NULL,\n"
	"  updated_at timestamptz NOT NULL DEFAULT now(),\n"
	"  run_id bigint REFERENCES %1$s.init_log (id) ON DELETE SET NULL,\n"
	"  PRIMARY KEY (script, kind));\n";

/*
 * Appended to the WHERE of the run record's progress writes (the run's start,
 * its current step, the retention): their commit does not wait for the WAL
 * flush (synchronous_commit off for that one transaction; set_config with
 * is_local = true ends with it). What such a commit risks is being lost if the
 * server crashes within a few hundred milliseconds: a progress marker,
 * superseded by the run's end record, which commits synchronously (and any
 * later synchronous commit, a migration's, flushes the earlier WAL first, so
 * a history row never points at a lost run). A no-op thus waits for one flush.
 */
#define ASYNC_COMMIT " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"

static char *sql_for(struct db *db, const char *schema, const char *fmt)
{
	char *q = db_ident(db, schema);
	struct buf b = {0};
	/* The format strings are constants of this file; %1$s is the schema. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	buf_printf(&b, fmt, q);
#pragma GCC diagnostic pop
	free(q);
	return buf_steal(&b);
}

/*
 * The schema's COMMENT carries a digest of the DDL above: when it matches (and
 * PUBLIC has no right on the schema) the DDL is skipped, so that a no-op run
 * rewrites no catalog row; any change to the DDL text runs it again.
 */
static char *ddl_marker(void)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)ddl; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return xasprintf("pginit ledger %016llx", (unsigned long long)h);
}

bool ledger_look(struct db *db, const char *schema, const char *app, const char *ro, struct ledger_look *out)
{
	memset(out, 0, sizeof *out);
	char *marker = ddl_marker();
	const char *params[] = {schema, app ? app : "", ro ? ro : "", marker};
	struct db_result *r = NULL;
	/* pginit's own tables, looked up by name (pg_class has no index on relnamespace alone: a
	 * scan of every table would make each start O(tables)), before the privilege test. */
	bool ok = query_run(db,
		"WITH t AS MATERIALIZED (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
		"   WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND c.relname IN ('init_log', 'init_step',"
		"   'schema_migrations', 'seed_history', 'migration_progress'))"
		" SELECT NULL, obj_description(n.oid, 'pg_namespace') = $4 AND NOT EXISTS"
		"   (SELECT 1 FROM aclexplode(n.nspacl) x WHERE x.grantee = 0) AND (SELECT count(*) FROM pg_class c"
		"   WHERE c.relnamespace = n.oid AND c.relname IN ('init_log', 'init_step', 'schema_migrations',"
		"   'seed_history')) = 4 FROM pg_namespace n WHERE n.nspname = $1"
		" UNION ALL SELECT r.rolname, NULL FROM pg_namespace n, pg_roles r WHERE n.nspname = $1"
		" AND r.rolname IN ($2, $3) AND (n.nspowner = r.oid"
		" OR EXISTS (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x"
		"   WHERE x.grantee IN (r.oid, 0) AND x.privilege_type = 'CREATE')"
		" OR EXISTS (SELECT 1 FROM t WHERE has_table_privilege(r.oid, t.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')))",
		4, params, "look up pginit's ledger tables", &r);
	free(marker);
	if (!ok)
		return false;
	for (int i = 0; i < db_nrows(r); i++) {
		const char *who = db_get(r, i, 0), *cur = db_get(r, i, 1);
		if (!who) /* NULL when the schema has no comment yet (a ledger made before the marker) */
			out->current = cur && strcmp(cur, "t") == 0;
		else if (out->n_writers < 2)
			out->writers[out->n_writers++] = xstrdup(who);
	}
	db_result_free(r);
	return true;
}

void ledger_look_free(struct ledger_look *l)
{
	for (int i = 0; i < l->n_writers; i++)
		free(l->writers[i]);
	l->n_writers = 0;
}

bool ledger_ensure(struct db *db, const char *schema, const struct ledger_look *look)
{
	if (look->current)
		return true;
	char *marker = ddl_marker();
	char *q = db_ident(db, schema), *lit = db_literal(db, marker);
	char *sql = sql_for(db, schema, ddl);
	char *all = xasprintf("%sCOMMENT ON SCHEMA %s IS %s;\n", sql, q, lit);
	bool ok = query_exec(db, all, "create pginit's ledger tables");
	free(all);
	free(sql);
	free(q);
	free(lit);
	free(marker);
	return ok;
}

bool ledger_exists(struct db *db, const char *schema, bool *exists)
{
	const char *params[] = {schema};
	struct db_result *r = NULL;
	if (!query_run(db, "SELECT to_regclass(quote_ident($1) || '.init_log') IS NOT NULL", 1, params,
		       "look up the ledger", &r))
		return false;
	*exists = strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	return true;
}

static bool exec_params(struct db *db, const char *schema, const char *fmt, int n, const char *const *params,
			const char *what, struct db_result **keep)
{
	char *sql = sql_for(db, schema, fmt);
	bool ok = query_run(db, sql, n, params, what, keep);
	free(sql);
	return ok;
}

static void fmt_long(char *buf, size_t n, long v)
{
	snprintf(buf, n, "%ld", v);
}

static void fmt_ts(char *buf, size_t n, int64_t ms)
{
	/* Epoch seconds with milliseconds; converted by to_timestamp() on the server. */
	snprintf(buf, n, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

bool ledger_run_begin(struct db *db, const char *schema, const struct ledger_run *run, long *run_id)
{
	char started[32], host[256] = "";
	fmt_ts(started, sizeof started, run->started_wall_ms);
	gethostname(host, sizeof host - 1);
	const char *params[] = {started, run->profile, run->command, run->options_json, host, PGINIT_VERSION,
				run->step ? run->step : "start"};
	struct db_result *r = NULL;
	/* One statement, one commit: the runs whose session is gone are marked abandoned and
	 * this run's row is inserted. Under the lock no other run can be live, but its backend
	 * may still be finishing a statement: only a session that is gone counts. */
	if (!exec_params(db, schema,
			 "WITH gone AS (UPDATE %1$s.init_log l SET status = 'abandoned', completed_at = clock_timestamp(),"
			 " duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint,"
			 " error = 'abandoned: its session ended during step ' || coalesce(step, 'start')"
			 " || ' (the process was killed or lost its connection)'"
			 " WHERE status = 'running' AND NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(l.backend_pid) a"
			 " WHERE a.backend_start = l.backend_start)"
			 " RETURNING id, coalesce(step, 'start') AS step, started_at::text AS started),"
			 " run AS (INSERT INTO %1$s.init_log (started_at, status, profile, command, options, hostname,"
			 " pginit_version, backend_pid, backend_start, step)"
			 " SELECT to_timestamp($1), 'running', $2, $3, $4::jsonb, $5, $6, pg_backend_pid(), a.backend_start,"
			 " $7 FROM pg_stat_get_activity(pg_backend_pid()) a WHERE true"
			 ASYNC_COMMIT " RETURNING id)"
			 " SELECT run.id, gone.id, gone.step, gone.started FROM run LEFT JOIN gone ON true ORDER BY gone.id",
			 7, params, "record the run in init_log", &r))
		return false;
	*run_id = atol(db_get(r, 0, 0));
	for (int i = 0; i < db_nrows(r); i++)
		if (db_get(r, i, 1))
			log_warn("run #%s (started %s) was abandoned during step %s: its session is gone; marked abandoned",
				 db_get(r, i, 1), db_get(r, i, 3), db_get(r, i, 2));
	db_result_free(r);
	return true;
}

/* The steps as a JSON array for jsonb_to_record (started: epoch seconds). */
static char *steps_json(const struct ledger_step *steps, int n)
{
	struct buf b = {0};
	buf_putc(&b, '[');
	for (int i = 0; i < n; i++) {
		char started[32];
		fmt_ts(started, sizeof started, steps[i].started_wall_ms);
		buf_puts(&b, i ? ",{\"step\":" : "{\"step\":");
		buf_json_str(&b, steps[i].step);
		buf_printf(&b, ",\"started\":%s,\"duration_ms\":%ld,\"ok\":%s,\"items\":%ld,\"rows\":%ld,\"error\":", started,
			   steps[i].duration_ms, steps[i].ok ? "true" : "false", steps[i].items, steps[i].rows);
		if (steps[i].error)
			buf_json_str(&b, steps[i].error);
		else
			buf_puts(&b, "null");
		buf_putc(&b, '}');
	}
	buf_putc(&b, ']');
	return buf_steal(&b);
}

bool ledger_run_rebind(struct db *db, const char *schema, long run_id)
{
	char id[32];
	snprintf(id, sizeof id, "%ld", run_id);
	const char *params[] = {id};
	return exec_params(db, schema,
			   "UPDATE %1$s.init_log SET backend_pid = pg_backend_pid(), backend_start = (SELECT backend_start"
			   " FROM pg_stat_get_activity(pg_backend_pid())) WHERE id = $1::bigint",
			   1, params, "record the run's new session in init_log", NULL);
}

bool ledger_run_end(struct db *db, const char *schema, long run_id, const struct ledger_end *e)
{
	char id[32], m[32], s[32], rows[32], keep[32];
	fmt_long(id, sizeof id, run_id);
	fmt_long(m, sizeof m, e->migrations);
	fmt_long(s, sizeof s, e->seed_files);
	fmt_long(rows, sizeof rows, e->seed_rows);
	fmt_long(keep, sizeof keep, e->keep > 0 ? e->keep : 0);
	char *json = steps_json(e->steps, e->n_steps);
	const char *params[] = {id, e->ok ? "success" : "failed", m, s, rows, e->error, json, e->profile, keep};
	/* Retention in the same statement: the profile's successful runs older than its newest
	 * keep (this run is the newest: under the lock no other run is younger); their steps go
	 * with them (ON DELETE CASCADE), history rows keep their migration with run_id NULL. */
	bool done = exec_params(
		db, schema,
		"WITH steps AS (INSERT INTO %1$s.init_step (run_id, step, started_at, completed_at, duration_ms, status,"
		" items, rows, error) SELECT $1::bigint, x.step, to_timestamp(x.started),"
		" to_timestamp(x.started) + x.duration_ms * interval '1 millisecond', x.duration_ms,"
		" CASE WHEN x.ok THEN 'success' ELSE 'failed' END, x.items, x.rows, x.error"
		" FROM jsonb_array_elements($7::jsonb) WITH ORDINALITY AS e(v, n),"
		" jsonb_to_record(e.v) AS x(step text, started double precision, duration_ms bigint, ok boolean,"
		" items integer, rows bigint, error text) ORDER BY e.n),"
		" pruned AS (DELETE FROM %1$s.init_log WHERE $9::int > 0 AND profile = $8 AND status = 'success'"
		" AND id < (SELECT coalesce(min(id), 0) FROM (SELECT id FROM %1$s.init_log WHERE profile = $8"
		" ORDER BY id DESC LIMIT $9::int) newest))"
		" UPDATE %1$s.init_log SET status = $2, completed_at = clock_timestamp(),"
		" duration_ms = (extract(epoch FROM clock_timestamp() - started_at) * 1000)::bigint,"
		" migrations_applied = $3, seeds_applied = $4, seed_records = $5, error = $6 WHERE id = $1::bigint",
		9, params, "record the run in init_log and init_step", NULL);
	free(json);
	return done;
}

bool ledger_run_step(struct db *db, const char *schema, long run_id, const char *step)
{
	if (run_id <= 0)
		return true;
	char id[32];
	fmt_long(id, sizeof id, run_id);
	const char *params[] = {id, step};
	return exec_params(db, schema, "UPDATE %1$s.init_log SET step = $2 WHERE id = $1" ASYNC_COMMIT, 2, params,
			   "record the step in init_log", NULL);
}

enum rc ledger_check_last_run(struct db *db, const char *schema, enum rc so_far)
{
	if (so_far == RC_VALIDATE)
		return so_far;
	struct db_result *r = NULL;
	if (!exec_params(db, schema,
			 "SELECT l.id, CASE WHEN l.status = 'running' AND NOT EXISTS (SELECT 1 FROM pg_stat_get_activity(l.backend_pid) a"
			 " WHERE a.backend_start = l.backend_start) THEN 'abandoned'"
			 " ELSE l.status END, coalesce(l.step, 'start'), coalesce(l.error, ''), l.started_at::text"
			 " FROM %1$s.init_log l ORDER BY l.id DESC LIMIT 1",
			 0, NULL, "read init_log", &r))
		return RC_CONNECT;
	enum rc rc = RC_OK;
	if (db_nrows(r) == 1) {
		const char *id = db_get(r, 0, 0), *status = db_get(r, 0, 1), *step = db_get(r, 0, 2);
		if (strcmp(status, "running") == 0) {
			log_info("run #%s is in progress (step %s)", id, step);
			rc = RC_PENDING;
		} else if (strcmp(status, "success") != 0) {
			log_error("the newest run #%s (started %s) %s during step %s%s%s", id, db_get(r, 0, 4),
				  strcmp(status, "abandoned") == 0 ? "was abandoned" : "failed", step,
				  *db_get(r, 0, 3) ? ": " : "", db_get(r, 0, 3));
			log_hint("run `pginit run` again; it repeats what did not finish");
			rc = RC_VALIDATE;
		}
	}
	db_result_free(r);
	return rc == RC_OK ? so_far : rc;
}

bool ledger_migrations(struct db *db, const char *schema, struct ledger_migration **out, int *n)
{
	struct db_result *r = NULL;
	*out = NULL;
	*n = 0;
	/* The latest row of each version tells its state; a later rollback row undoes it.
	 * Repeatable migrations are keyed by name in their own namespace. */
	if (!exec_params(db, schema,
			 "SELECT version, name, checksum, applied_at::text, success, kind FROM ("
			 " SELECT DISTINCT ON (kind LIKE 'repeatable%%', version) version, name, checksum, applied_at, success, kind"
			 " FROM %1$s.schema_migrations ORDER BY kind LIKE 'repeatable%%', version, id DESC) s"
			 " WHERE kind NOT IN ('rollback', 'repeatable_reset')",
			 0, NULL, "read schema_migrations", &r))
		return false;
	*n = db_nrows(r);
	*out = xcalloc((size_t)*n + 1, sizeof **out);
	for (int i = 0; i < *n; i++) {
		(*out)[i].version = xstrdup(db_get(r, i, 0));
		(*out)[i].name = xstrdup(db_get(r, i, 1));
		(*out)[i].checksum = xstrdup(db_get(r, i, 2));
		(*out)[i].applied_at = xstrdup(db_get(r, i, 3));
		(*out)[i].success = strcmp(db_get(r, i, 4), "t") == 0;
		(*out)[i].repeatable = strcmp(db_get(r, i, 5), "repeatable") == 0;
	}
	db_result_free(r);
	return true;
}

void ledger_migrations_free(struct ledger_migration *m, int n)
{
	for (int i = 0; i < n; i++) {
		free(m[i].version);
		free(m[i].name);
		free(m[i].checksum);
		free(m[i].applied_at);
	}
	free(m);
}

bool ledger_record_migration(struct db *db, const char *schema, const struct ledger_migration_row *row)
{
	char id[32], ms[32];
	fmt_long(id, sizeof id, row->run_id);
	fmt_long(ms, sizeof ms, row->execution_ms);
	const char *params[] = {row->version, row->name, row->script, row->checksum, ms, row->success ? "t" : "f",
				row->error, row->run_id > 0 ? id : NULL, row->kind ? row->kind : "migration"};
	return exec_params(db, schema,
			   "INSERT INTO %1$s.schema_migrations (version, name, script, checksum, execution_ms, success, error, run_id, kind)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			   9, params, "record the migration in schema_migrations", NULL);
}

bool ledger_repair_checksum(struct db *db, const char *schema, const char *version, bool repeatable,
			    const char *checksum)
{
	const char *params[] = {version, repeatable ? "t" : "f", checksum};
	return exec_params(db, schema,
			   "UPDATE %1$s.schema_migrations SET checksum = $3 WHERE id = (SELECT max(id) FROM %1$s.schema_migrations"
			   " WHERE version = $1 AND (kind = 'repeatable') = $2::bool AND kind <> 'rollback')",
			   3, params, "repair a checksum in schema_migrations", NULL);
}

bool ledger_reset_repeatables(struct db *db, const char *schema, long run_id)
{
	char id[32];
	fmt_long(id, sizeof id, run_id);
	const char *params[] = {run_id > 0 ? id : NULL};
	return exec_params(db, schema,
			   "INSERT INTO %1$s.schema_migrations (version, name, script, checksum, execution_ms, success, run_id, kind)"
			   " SELECT version, name, script, '', 0, true, $1, 'repeatable_reset' FROM ("
			   " SELECT DISTINCT ON (version) version, name, script, kind FROM %1$s.schema_migrations"
			   " WHERE kind LIKE 'repeatable%%' ORDER BY version, id DESC) s WHERE kind = 'repeatable'",
			   1, params, "reset repeatable migrations", NULL);
}

bool ledger_delete_failed(struct db *db, const char *schema, long *deleted)
{
	struct db_result *r = NULL;
	if (!exec_params(db, schema,
			 "WITH d AS (DELETE FROM %1$s.schema_migrations WHERE NOT success RETURNING 1) SELECT count(*) FROM d",
			 0, NULL, "delete failed rows from schema_migrations", &r))
		return false;
	*deleted = atol(db_get(r, 0, 0));
	db_result_free(r);
	return true;
}

bool ledger_seeds(struct db *db, const char *schema, struct ledger_seed **out, int *n)
{
	struct db_result *r = NULL;
	*out = NULL;
	*n = 0;
	if (!exec_params(db, schema,
			 "SELECT DISTINCT ON (set_name, name) set_name, name, checksum, applied_at::text"
			 " FROM %1$s.seed_history ORDER BY set_name, name, id DESC",
			 0, NULL, "read seed_history", &r))
		return false;
	*n = db_nrows(r);
	*out = xcalloc((size_t)*n + 1, sizeof **out);
	for (int i = 0; i < *n; i++) {
		(*out)[i].set = xstrdup(db_get(r, i, 0));
		(*out)[i].name = xstrdup(db_get(r, i, 1));
		(*out)[i].checksum = xstrdup(db_get(r, i, 2));
		(*out)[i].applied_at = xstrdup(db_get(r, i, 3));
	}
	db_result_free(r);
	return true;
}

void ledger_seeds_free(struct ledger_seed *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].set);
		free(s[i].name);
		free(s[i].checksum);
		free(s[i].applied_at);
	}
	free(s);
}

bool ledger_record_seed(struct db *db, const char *schema, long run_id, const char *set, const char *name,
			const char *checksum, const char *profile, long rows, long execution_ms)
{
	char id[32], r[32], ms[32];
	fmt_long(id, sizeof id, run_id);
	fmt_long(r, sizeof r, rows);
	fmt_long(ms, sizeof ms, execution_ms);
	const char *params[] = {set, name, checksum, profile, r, ms, run_id > 0 ? id : NULL};
	return exec_params(db, schema,
			   "INSERT INTO %1$s.seed_history (set_name, name, checksum, profile, rows, execution_ms, run_id)"
			   " VALUES ($1, $2, $3, $4, $5, $6, $7)",
			   7, params, "record the seed in seed_history", NULL);
}

const struct ledger_migration *ledger_find(const struct ledger_migration *h, int n, const char *version,
					   bool repeatable)
{
	for (int i = 0; i < n; i++)
		if (h[i].repeatable == repeatable && strcmp(h[i].version, version) == 0)
			return &h[i];
	return NULL;
}

/* Row i's first n columns into the strings f points at ("" for NULL). */
static void copy_row(const struct db_result *r, int i, char **f[], int n)
{
	for (int c = 0; c < n; c++)
		*f[c] = xstrdup(db_get(r, i, c) ? db_get(r, i, c) : "");
}

bool ledger_recent_runs(struct db *db, const char *schema, int limit, struct ledger_run_row **out, int *n)
{
	char lim[32];
	fmt_long(lim, sizeof lim, limit);
	const char *params[] = {lim};
	struct db_result *r = NULL;
	*out = NULL;
	*n = 0;
	if (!exec_params(db, schema,
			 "SELECT id, status, profile, command, started_at::text, coalesce(duration_ms, 0),"
			 " migrations_applied, seeds_applied, coalesce(error, '') FROM %1$s.init_log"
			 " ORDER BY id DESC LIMIT $1::int",
			 1, params, "read init_log", &r))
		return false;
	*n = db_nrows(r);
	*out = xcalloc((size_t)*n + 1, sizeof **out);
	for (int i = 0; i < *n; i++) {
		char **f[] = {&(*out)[i].id, &(*out)[i].status, &(*out)[i].profile, &(*out)[i].command,
			      &(*out)[i].started_at, &(*out)[i].duration_ms, &(*out)[i].migrations, &(*out)[i].seeds,
			      &(*out)[i].error};
		copy_row(r, i, f, 9);
	}
	db_result_free(r);
	return true;
}

void ledger_runs_free(struct ledger_run_row *r, int n)
{
	for (int i = 0; i < n; i++) {
		free(r[i].id);
		free(r[i].status);
		free(r[i].profile);
		free(r[i].command);
		free(r[i].started_at);
		free(r[i].duration_ms);
		free(r[i].migrations);
		free(r[i].seeds);
		free(r[i].error);
	}
	free(r);
}

bool ledger_progress_get(struct db *db, const char *schema, const char *script, const char *kind, int *statements,
			 char prefix_checksum[65])
{
	const char *params[] = {script, kind};
	struct db_result *r = NULL;
	*statements = 0;
	prefix_checksum[0] = '\0';
	if (!exec_params(db, schema,
			 "SELECT statements, prefix_checksum FROM %1$s.migration_progress WHERE script = $1 AND kind = $2",
			 2, params, "read migration_progress", &r))
		return false;
	if (db_nrows(r) > 0) {
		*statements = atoi(db_get(r, 0, 0));
		snprintf(prefix_checksum, 65, "%s", db_get(r, 0, 1));
	}
	db_result_free(r);
	return true;
}

bool ledger_progress_set(struct db *db, const char *schema, const struct ledger_progress *p)
{
	char n[32], id[32];
	fmt_long(n, sizeof n, p->statements);
	fmt_long(id, sizeof id, p->run_id);
	const char *params[] = {p->script, p->kind, p->version, n, p->prefix_checksum, p->run_id > 0 ? id : NULL};
	return exec_params(db, schema,
			   "INSERT INTO %1$s.migration_progress (script, kind, version, statements, prefix_checksum, run_id)"
			   " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (script, kind) DO UPDATE SET"
			   " version = EXCLUDED.version, statements = EXCLUDED.statements,"
			   " prefix_checksum = EXCLUDED.prefix_checksum, updated_at = now(), run_id = EXCLUDED.run_id",
			   6, params, "record progress in migration_progress", NULL);
}

bool ledger_progress_clear(struct db *db, const char *schema, const char *script, const char *kind)
{
	const char *params[] = {script, kind};
	return exec_params(db, schema, "DELETE FROM %1$s.migration_progress WHERE script = $1 AND kind = $2", 2, params,
			   "clear migration_progress", NULL);
}

bool ledger_profile_stats(struct db *db, const char *schema, struct ledger_profile_stats **out, int *n)
{
	struct db_result *r = NULL;
	*out = NULL;
	*n = 0;
	if (!exec_params(db, schema,
			 "SELECT profile, count(*), count(*) FILTER (WHERE status = 'success'),"
			 " coalesce(round(avg(duration_ms))::bigint, 0), coalesce(max(duration_ms), 0),"
			 " coalesce((SELECT f.started_at::text FROM %1$s.init_log f WHERE f.profile = l.profile"
			 "  AND f.status <> 'success' AND f.status <> 'running' ORDER BY f.id DESC LIMIT 1), ''),"
			 " coalesce((SELECT f.error FROM %1$s.init_log f WHERE f.profile = l.profile"
			 "  AND f.status <> 'success' AND f.status <> 'running' ORDER BY f.id DESC LIMIT 1), ''),"
			 " coalesce(extract(epoch FROM max(started_at) FILTER (WHERE status = 'success'))::bigint, 0)"
			 " FROM %1$s.init_log l GROUP BY profile ORDER BY profile",
			 0, NULL, "read init_log", &r))
		return false;
	*n = db_nrows(r);
	*out = xcalloc((size_t)*n + 1, sizeof **out);
	for (int i = 0; i < *n; i++) {
		struct ledger_profile_stats *s = &(*out)[i];
		char **f[] = {&s->profile, &s->runs, &s->ok, &s->avg_ms, &s->max_ms, &s->last_failure_at,
			      &s->last_failure_error, &s->last_success_epoch};
		copy_row(r, i, f, 8);
	}
	db_result_free(r);
	return true;
}

void ledger_profile_stats_free(struct ledger_profile_stats *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].profile);
		free(s[i].runs);
		free(s[i].ok);
		free(s[i].avg_ms);
		free(s[i].max_ms);
		free(s[i].last_failure_at);
		free(s[i].last_failure_error);
		free(s[i].last_success_epoch);
	}
	free(s);
}
