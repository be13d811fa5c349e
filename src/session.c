/* session — see session.h. */
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "bootstrap.h"
#include "lease.h"
#include "log.h"
#include "script.h"
#include "sig.h"
#include "topo.h"
#include "util.h"
#include "wait.h"

struct db_params session_params(const struct config *cfg, const char *dbname)
{
	return (struct db_params){
		.host = cfg->host, .port = cfg->port, .ports = cfg->ports, .dbname = dbname, .user = cfg->user,
		.password = cfg->password, .sslmode = cfg->sslmode, .sslrootcert = cfg->sslrootcert,
		.application_name = cfg->application_name, .target_session_attrs = cfg->target_session_attrs,
		.connect_timeout = cfg->connect_timeout,
		.lock_timeout = cfg->profile ? cfg->profile->migration_lock_timeout : NULL,
	};
}

/* libpq's options value "-c search_path=...": space and backslash escaped with a backslash. */
static char *search_path_option(const char *search_path)
{
	if (!search_path || !search_path[0])
		return NULL;
	struct buf b = {0};
	buf_puts(&b, "-c search_path=");
	for (const char *c = search_path; *c; c++) {
		if (*c == ' ' || *c == '\\' || *c == '\t')
			buf_putc(&b, '\\');
		buf_putc(&b, *c);
	}
	return buf_steal(&b);
}

struct db *session_connect(const struct config *cfg, enum rc *rc)
{
	struct db_params p = session_params(cfg, cfg->dbname);
	struct db_error err = {0};
	/* A connection-start setting: RESET/DISCARD ALL return to it, not to the database's own. */
	char *options = search_path_option(cfg->search_path);
	p.options = options;
	struct db *db = db_connect(&p, &err);
	free(options);
	if (!db) {
		log_error("unable to connect to database %s on %s:%d as %s: %s", cfg->dbname, cfg->host, cfg->port,
			  cfg->user, err.message);
		if (strstr(err.message, "does not exist"))
			log_hint("run `pginit bootstrap` (or `pginit run`) first to create it");
		*rc = RC_CONNECT;
	}
	db_error_clear(&err);
	return db;
}

enum rc session_view_load(const struct config *cfg, const struct format *fmt, struct db *db, bool ledger,
			  struct migration_view *v)
{
	memset(v, 0, sizeof *v);
	if (!migrate_discover(cfg->migrations_dir, fmt, &v->set))
		return RC_VALIDATE;
	for (int i = 0; i < v->set.n; i++) /* every later load of a file follows the setting */
		v->set.items[i].up.strict_transactions = v->set.items[i].down.strict_transactions =
			cfg->migrations_strict_transactions;
	if (db && ledger && !ledger_migrations(db, cfg->ledger_schema, &v->hist, &v->n_hist))
		return RC_MIGRATE;
	/* migrations_compat: what the old tool rolled back is pending again (migrate.h). */
	if (db && ledger && !migrate_compat_undone(db, cfg, &v->set, v->hist, &v->n_hist))
		return RC_MIGRATE;
	return RC_OK;
}

void session_view_free(struct migration_view *v)
{
	ledger_migrations_free(v->hist, v->n_hist);
	migrate_set_free(&v->set);
	memset(v, 0, sizeof *v);
}

/* The run's options, as recorded in init_log.options. */
static char *options_json(const struct config *cfg, const char *command)
{
	struct buf b = {0};
	buf_puts(&b, "{\"command\":");
	buf_json_str(&b, command);
	buf_puts(&b, ",\"config\":");
	buf_json_str(&b, cfg->file);
	buf_puts(&b, ",\"host\":");
	buf_json_str(&b, cfg->host);
	buf_printf(&b, ",\"port\":%d,\"dbname\":", cfg->port);
	buf_json_str(&b, cfg->dbname);
	buf_puts(&b, ",\"user\":");
	buf_json_str(&b, cfg->user);
	buf_puts(&b, ",\"migrations_dir\":");
	buf_json_str(&b, cfg->migrations_dir);
	buf_printf(&b, ",\"migrate\":%s,\"seeds\":[", cfg->profile->migrate ? "true" : "false");
	for (int i = 0; i < cfg->profile->seeds.n; i++) {
		if (i)
			buf_putc(&b, ',');
		buf_json_str(&b, cfg->profile->seeds.items[i]);
	}
	buf_printf(&b, "],\"wait_timeout_ms\":%d,\"lock_timeout_ms\":%d}", cfg->profile->wait_timeout_ms,
		   cfg->profile->lock_timeout_ms);
	return buf_steal(&b);
}

/* ---- steps */

/* What a run keeps between its steps. */
struct run {
	struct session *s;
	int64_t t0, w0;
	struct db_params lock_params; /* the lease heartbeat's (the target's); must outlive the lock */
	struct lease_lock *lock;       /* NULL: not held */
	struct log_first first; /* the run's first error: its init_log row */
	struct ledger_step *steps; /* written with the run's end: one round trip, one commit */
	int n_steps;
	char *marked; /* the step init_log.step names: a step that is already named is not marked again */
	char *settings; /* bootstrap_settings() when bootstrap_cluster read the roles; bootstrap_step's "before" */
};

/* Keep a step for the run's end (name and error copied). */
static void keep_step(struct run *r, const struct ledger_step *st)
{
	r->steps = xrealloc(r->steps, (size_t)(r->n_steps + 1) * sizeof *r->steps);
	struct ledger_step *k = &r->steps[r->n_steps++];
	*k = *st;
	k->step = xstrdup(st->step);
	k->error = st->error ? xstrdup(st->error) : NULL;
}

struct step_result {
	long items, rows;
};

/* Name the step the run is in (init_log.step, shown if the run is abandoned), unless it is named already. */
static void mark_step(struct run *r, const char *name)
{
	if (r->marked && strcmp(r->marked, name) == 0)
		return;
	ledger_run_step(r->s->db, r->s->cfg->ledger_schema, r->s->run_id, name);
	free(r->marked);
	r->marked = xstrdup(name);
}

/*
 * Run one step: timed, its first error captured, recorded in init_step.
 * lazy: the step names itself (mark_step) before its first write, so a step
 * that finds nothing to do (the no-op's migrate) costs no write.
 */
static enum rc step(struct run *r, const char *name, enum rc (*fn)(struct session *, void *, struct step_result *),
		    void *arg, bool lazy)
{
	struct log_first first = {{0}};
	struct step_result res = {0};
	int64_t m0 = now_ms(), w0 = wall_ms();
	log_capture(&first);
	if (!lazy)
		mark_step(r, name);
	enum rc rc = fn(r->s, arg, &res);
	if (rc == RC_OK && sig_caught())
		rc = RC_SIGNAL;
	log_capture(&r->first);
	if (rc != RC_OK && !r->first.text[0])
		memcpy(r->first.text, first.text, sizeof first.text);
	struct ledger_step st = {.step = name, .started_wall_ms = w0, .duration_ms = (long)(now_ms() - m0),
				 .ok = rc == RC_OK, .items = res.items, .rows = res.rows,
				 .error = rc == RC_OK ? NULL : first.text};
	keep_step(r, &st);
	return rc;
}

static enum rc bootstrap_step(struct session *s, void *arg, struct step_result *res)
{
	struct run *r = arg;
	int files = 0;
	char *before = r->settings; /* read by bootstrap_cluster, on this connection */
	r->settings = NULL;
	enum rc rc = bootstrap_database(s->db, s->cfg, &files);
	res->items = files;
	char *after = rc == RC_OK ? bootstrap_settings(s->db) : NULL;
	/* initdb.d may have run ALTER DATABASE/ROLE ... SET: a session started
	 * before it does not see them, the migrations must (issue 9 item 3). */
	if (rc == RC_OK && (!before || !after || strcmp(before, after) != 0)) {
		log_info("bootstrap changed database or role settings: reconnecting so that migrations and seeds see them");
		struct db *fresh = session_connect(s->cfg, &rc);
		if (fresh) {
			/* The old session holds the advisory lock: it stays open, idle, until the run ends
			 * (close_session closes s->maint after s->db), so the lock is never let go meanwhile. */
			db_close(s->maint);
			s->maint = s->db;
			s->db = fresh;
			if (!ledger_run_rebind(s->db, s->cfg->ledger_schema, s->run_id))
				rc = RC_BOOTSTRAP;
		}
	}
	free(before);
	free(after);
	return rc;
}

static enum rc migrate_step(struct session *s, void *arg, struct step_result *res)
{
	struct run *r = arg;
	const struct config *cfg = s->cfg;
	struct migration_view v;
	struct plan plan = {0};
	enum rc rc = session_view_load(cfg, s->format, s->db, true, &v);
	if (rc == RC_OK && !migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, true, &plan))
		rc = RC_VALIDATE;
	if (rc == RC_OK)
		log_info("migrations: %d files in %s (%s format%s), %d pending", v.set.n, cfg->migrations_dir,
			 v.set.format->name, s->format ? "" : ", detected", plan.n_pending);
	if (rc == RC_OK && !migrate_check(&v.set, &plan, cfg->vars))
		rc = RC_VALIDATE;
	if (rc == RC_OK && plan.n_pending > 0)
		mark_step(r, "migrate");
	if (rc == RC_OK && !migrate_apply(s->db, cfg, &v.set, &plan, s->run_id, &s->migrations))
		rc = sig_caught() ? RC_SIGNAL : RC_MIGRATE;
	res->items = s->migrations;
	migrate_plan_free(&plan);
	session_view_free(&v);
	return rc;
}

struct seed_arg {
	struct run *r;
	const char *set, *step;
};

static enum rc seed_step(struct session *s, void *arg, struct step_result *res)
{
	const struct seed_arg *a = arg;
	struct seed_totals before = s->seeds;
	int todo = seed_set_todo(s->db, s->cfg, a->set, &s->seed_files);
	if (todo > 0)
		mark_step(a->r, a->step);
	bool ok = todo >= 0 && seed_apply_set(s->db, s->cfg, a->set, &s->seed_files, s->run_id, &s->seeds);
	res->items = s->seeds.files - before.files;
	res->rows = s->seeds.rows - before.rows;
	return ok ? RC_OK : sig_caught() ? RC_SIGNAL : RC_SEED;
}

static enum rc own_step(struct session *s, void *arg, struct step_result *res)
{
	const struct session_step *own = arg;
	enum rc rc = own->fn(s, own->arg);
	res->items = s->migrations;
	return rc;
}

/* ---- the lifecycle */

/* The per-target lock's name: the database, or database/schema for one tenant of a schema fleet. */
static char *lock_name(const struct config *cfg)
{
	return cfg->tenant_schema ? xasprintf("%s/%s", cfg->dbname, cfg->tenant_schema) : xstrdup(cfg->dbname);
}

/*
 * One connection on the common path: straight to the target database (no
 * ping, no maintenance database). Only when the target does not exist and the
 * command bootstraps: the maintenance database, CREATE DATABASE alone, then
 * the target. Waiting and explaining a refusal are wait.c's.
 */
static enum rc connect_target(struct session *s, const char *app_password)
{
	const struct config *cfg = s->cfg;
	int timeout = cfg->profile->wait_timeout_ms;
	int64_t t0 = now_ms();
	bool create = s->needs & NEED_BOOTSTRAP, missing = false;
	struct db_params p = session_params(cfg, cfg->dbname), m = session_params(cfg, cfg->maintenance_db);
	char *options = search_path_option(cfg->search_path); /* the same target connection as session_connect's */
	p.options = options;
	enum rc rc = wait_connect(&p, create ? &m : NULL, timeout, &s->db, &missing);
	free(options);
	if (rc != RC_CONNECT || !missing)
		return rc;
	if (!create) {
		log_error("unable to connect to database %s on %s:%d as %s: it does not exist", cfg->dbname, cfg->host,
			  cfg->port, cfg->user);
		log_hint("run `pginit bootstrap` (or `pginit run`) first to create it");
		return RC_CONNECT;
	}
	int left = timeout - (int)(now_ms() - t0);
	rc = wait_connect(&m, NULL, left > 0 ? left : 0, &s->maint, NULL);
	if (rc == RC_OK) {
		/* The database is created on the primary the wait reached, and the target
		 * connection goes to that same server (a lagging standby may lack it). */
		topo_pin((struct config *)cfg, s->maint);
		rc = bootstrap_create_database(s->maint, cfg, app_password);
	}
	db_close(s->maint);
	s->maint = NULL;
	/* Not a single attempt: behind PgBouncer the refused first attempt is
	 * repeated, cached, until server_login_retry (15 s by default) has passed. */
	p = session_params(cfg, cfg->dbname);
	while (rc == RC_OK) {
		left = timeout - (int)(now_ms() - t0);
		rc = wait_connect(&p, NULL, left > 0 ? left : 0, &s->db, &missing);
		if (rc != RC_CONNECT || !missing)
			break;
		if (left <= 0) {
			log_error("unable to connect to database %s on %s:%d as %s: it still does not exist after "
				  "CREATE DATABASE", cfg->dbname, cfg->host, cfg->port, cfg->user);
			log_hint("behind PgBouncer: lower server_login_retry or raise wait_timeout (PGINIT_WAIT_TIMEOUT)");
			break;
		}
		rc = RC_OK;
		sleep_ms(250);
	}
	return rc;
}

/* connect -> lock (in the target) -> bootstrap (cluster) -> ledger. *locked: the lock is held. */
static enum rc open_session(struct run *r, const struct session_step *own, const char *app_password, bool *locked)
{
	struct session *s = r->s;
	const struct config *cfg = s->cfg;
	enum rc rc = connect_target(s, app_password);
	int64_t wait_ms = now_ms() - r->t0;
	if (rc == RC_OK) {
		/* A multi-host list: the whole run talks to the primary it reached. The
		 * config belongs to the command, which made it; only host/port change. */
		topo_pin((struct config *)cfg, s->db);
		r->lock_params = session_params(cfg, cfg->dbname);
		char *name = lock_name(cfg);
		rc = lease_lock_acquire(s->db, &r->lock_params, cfg, name, cfg->profile->lock_timeout_ms, &r->lock);
		free(name);
	}
	if (rc != RC_OK)
		return rc;
	*locked = true;
	bool created = false;
	if (s->needs & NEED_BOOTSTRAP)
		rc = bootstrap_cluster(s->db, cfg, app_password, &created, &r->settings);
	struct ledger_look look = {0};
	if (rc == RC_OK && !ledger_look(s->db, cfg->ledger_schema, cfg->app.name, cfg->readonly.name, &look))
		rc = RC_BOOTSTRAP;
	if (rc == RC_OK) /* before pginit writes its ledger: the app role must not be able to */
		rc = bootstrap_check_target(cfg, &look);
	if (rc == RC_OK && !ledger_ensure(s->db, cfg->ledger_schema, &look))
		rc = RC_BOOTSTRAP;
	ledger_look_free(&look);
	if (rc == RC_OK) {
		char *opts = options_json(cfg, s->command);
		/* The first step is named by the run's row itself: one marker write less. */
		const char *first = (s->needs & NEED_BOOTSTRAP) ? "bootstrap" : own ? own->name : NULL;
		struct ledger_run run = {.profile = cfg->profile->name, .command = s->command, .options_json = opts,
					 .started_wall_ms = r->w0, .step = first};
		r->marked = first ? xstrdup(first) : NULL;
		if (!ledger_run_begin(s->db, cfg->ledger_schema, &run, &s->run_id))
			rc = RC_BOOTSTRAP;
		free(opts);
	}
	if (rc == RC_OK) {
		struct ledger_step st = {.step = "wait", .started_wall_ms = r->w0, .duration_ms = (long)wait_ms, .ok = true};
		keep_step(r, &st);
	}
	return rc;
}

/* The steps the command needs, in order; stops at the first failure. */
static enum rc run_steps(struct run *r, const struct session_step *own)
{
	struct session *s = r->s;
	const struct profile *prof = s->cfg->profile;
	enum rc rc = RC_OK;
	if (s->needs & NEED_BOOTSTRAP)
		rc = step(r, "bootstrap", bootstrap_step, r, false);
	/* Every seed file must load before the first migration or seed runs. */
	if (rc == RC_OK && (s->needs & NEED_SEED) && !seed_load_all(s->cfg, &s->seed_files))
		rc = RC_SEED;
	if (rc == RC_OK && own)
		rc = step(r, own->name, own_step, (void *)own, false);
	if (rc == RC_OK && (s->needs & NEED_MIGRATE)) {
		if (prof->migrate || (s->needs & NEED_MIGRATE_ALWAYS))
			rc = step(r, "migrate", migrate_step, r, true);
		else
			log_info("profile %s does not run migrations (migrate = false)", prof->name);
	}
	if (rc == RC_OK && (s->needs & NEED_SEED) && prof->seeds.n == 0)
		log_info("profile %s has no seed sets", prof->name);
	for (int i = 0; rc == RC_OK && (s->needs & NEED_SEED) && i < prof->seeds.n; i++) {
		char *name = xasprintf("seed:%s", prof->seeds.items[i]);
		struct seed_arg a = {.r = r, .set = prof->seeds.items[i], .step = name};
		rc = step(r, name, seed_step, &a, true);
		free(name);
	}
	return rc;
}

/* close: the run's row, unlock, disconnect, one summary line. */
static void close_session(struct run *r, enum rc rc, bool locked, const struct session_step *own)
{
	struct session *s = r->s;
	const struct config *cfg = s->cfg;
	if (s->run_id) {
		char *why = rc == RC_SIGNAL ? xasprintf("interrupted by signal %d", sig_caught()) : NULL;
		/* Retention goes with it, still under the lock: the newest run_log_keep runs of the
		 * profile and every failed one stay. */
		struct ledger_end end = {.ok = rc == RC_OK, .migrations = s->migrations, .seed_files = s->seeds.files,
					 .seed_rows = s->seeds.rows,
					 .error = rc == RC_OK ? NULL : why ? why : r->first.text, .steps = r->steps,
					 .n_steps = r->n_steps, .profile = cfg->profile->name, .keep = cfg->run_log_keep};
		ledger_run_end(s->db, cfg->ledger_schema, s->run_id, &end);
		free(why);
	}
	/* A lease is dropped by a statement (and its heartbeat stopped); a session
	 * lock goes with the session (db_close): no unlock round trip. */
	if (locked)
		lease_lock_release(r->lock, s->db);
	for (int i = 0; i < r->n_steps; i++) {
		free((char *)r->steps[i].step);
		free((char *)r->steps[i].error);
	}
	free(r->steps);
	free(r->marked);
	free(r->settings);
	r->marked = r->settings = NULL;
	r->steps = NULL;
	r->n_steps = 0;
	db_close(s->db);
	db_close(s->maint);
	s->db = s->maint = NULL;
	const char *verb = own && own->verb ? own->verb : "applied";
	if (rc == RC_OK)
		log_info("%s done in %ld ms: %d migration%s %s, %d seed file%s (%ld rows)", s->command,
			 (long)(now_ms() - r->t0), s->migrations, s->migrations == 1 ? "" : "s", verb, s->seeds.files,
			 s->seeds.files == 1 ? "" : "s", s->seeds.rows);
	else if (rc == RC_SIGNAL)
		log_error("%s interrupted by signal %d after %ld ms; the current step was rolled back", s->command,
			  sig_caught(), (long)(now_ms() - r->t0));
}

enum rc session_preflight(const struct config *cfg, unsigned needs)
{
	if (!script_preflight((needs & NEED_MIGRATE) ? cfg->migrations_dir : NULL,
			      (needs & NEED_BOOTSTRAP) ? cfg->initdb_dir : NULL,
			      (needs & NEED_SEED) ? cfg->seeds_dir : NULL, &cfg->profile->seeds))
		return RC_VALIDATE;
	return RC_OK;
}

/* Each file the command may execute (its own step's migrations too). */
static enum rc preflight(const struct session *s, const struct session_step *own)
{
	return session_preflight(s->cfg, s->needs | (own && own->runs_migrations ? NEED_MIGRATE : 0));
}

enum rc session_run(struct session *s, const struct session_step *own)
{
	struct run r = {.s = s, .t0 = now_ms(), .w0 = wall_ms()};
	const struct config *cfg = s->cfg;
	char *app_password = NULL;
	bool locked = false;
	enum rc rc = RC_OK;
	log_capture(&r.first);
	log_info("pginit %s: %s, profile %s, database %s on %s:%d", PGINIT_VERSION, s->command, cfg->profile->name,
		 cfg->dbname, cfg->host, cfg->port);
	if (cfg->migrations_only) { /* no roles, schemas, extensions, grants or secrets to set up */
		s->needs &= ~(unsigned)NEED_BOOTSTRAP;
		log_info("no configuration file: migrations only (from DATABASE_URL), from %s, as role %s", cfg->migrations_dir,
			 cfg->user);
	}
	rc = preflight(s, own);
	/* Secrets first: a missing secret is known before any waiting. */
	if (rc == RC_OK && (s->needs & NEED_BOOTSTRAP))
		rc = bootstrap_app_password(cfg, &app_password);
	if (rc == RC_OK) /* the production safety check, before anything is changed */
		rc = bootstrap_safety_check(cfg, app_password, (s->needs & NEED_SEED) != 0);
	if (rc == RC_OK)
		rc = open_session(&r, own, app_password, &locked);
	if (rc == RC_OK)
		rc = run_steps(&r, own);
	if (rc == RC_OK && sig_caught())
		rc = RC_SIGNAL;
	close_session(&r, rc, locked, own);
	seed_files_free(&s->seed_files);
	script_kept_free();
	log_capture(NULL);
	free_secret(app_password);
	return rc;
}
