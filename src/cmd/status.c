/*
 * status — what the database has against what the files say: collect one
 * report, then print it as text or as JSON from that same report. --check
 * turns it into a healthcheck (1 pending, 11 drifted/missing/failed).
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "seed.h"

static const char *const state_names[] = {"pending", "applied", "drifted", "failed"};

struct seed_row {
	const char *set;
	char *path;
	const char *state;
};

struct report {
	bool ledger; /* the ledger exists */
	struct migration_view v;
	struct plan plan;
	int failed;
	struct seed_row *seeds;
	int n_seeds, seeds_pending;
	struct ledger_run_row *runs;
	int n_runs;
};

static void report_free(struct report *r)
{
	for (int i = 0; i < r->n_seeds; i++)
		free(r->seeds[i].path);
	free(r->seeds);
	ledger_runs_free(r->runs, r->n_runs);
	migrate_plan_free(&r->plan);
	session_view_free(&r->v);
}

/* Each seed file of the profile's sets with its state. */
static bool collect_seeds(struct db *db, const struct config *cfg, struct report *r)
{
	struct ledger_seed *done = NULL;
	int n_done = 0;
	if (r->ledger && !ledger_seeds(db, cfg->ledger_schema, &done, &n_done))
		return false;
	for (int k = 0; k < cfg->profile->seeds.n; k++) {
		const char *set = cfg->profile->seeds.items[k];
		struct strlist files = {0};
		seed_list(cfg, set, &files); /* a missing set is logged; status goes on */
		r->seeds = xrealloc(r->seeds, (size_t)(r->n_seeds + files.n + 1) * sizeof *r->seeds);
		for (int i = 0; i < files.n; i++) {
			const char *state = seed_state(files.items[i], set, done, n_done);
			r->seeds_pending += strcmp(state, "applied") != 0;
			r->seeds[r->n_seeds++] = (struct seed_row){.set = set, .path = xstrdup(files.items[i]), .state = state};
		}
		strlist_free(&files);
	}
	ledger_seeds_free(done, n_done);
	return true;
}

static enum rc collect(struct ctx *ctx, struct db *db, struct report *r)
{
	const struct config *cfg = ctx->cfg;
	if (!ledger_exists(db, cfg->ledger_schema, &r->ledger))
		return RC_CONNECT;
	enum rc rc = session_view_load(cfg, ctx->format, db, r->ledger, &r->v);
	if (rc != RC_OK)
		return rc;
	/* Not strict: status shows drift, it does not refuse. */
	migrate_plan(&r->v.set, r->v.hist, r->v.n_hist, cfg->profile->allow_out_of_order, false, &r->plan);
	for (int i = 0; i < r->v.set.n; i++)
		r->failed += r->plan.state[i] == M_FAILED;
	if (!collect_seeds(db, cfg, r))
		return RC_CONNECT;
	if (r->ledger && !ledger_recent_runs(db, cfg->ledger_schema, 5, &r->runs, &r->n_runs))
		return RC_CONNECT;
	return RC_OK;
}

/* Applied versions with no file any more. */
static bool is_missing(const struct report *r, const struct ledger_migration *h)
{
	return h->success && !h->repeatable && !migrate_set_find(&r->v.set, h->version, h->repeatable);
}

static void print_text(const struct config *cfg, const struct report *r, struct buf *out)
{
	buf_printf(out, "database %s on %s:%d, profile %s\n", cfg->dbname, cfg->host, cfg->port, cfg->profile->name);
	buf_printf(out, "migrations (%s, %s): %d files, %d pending, %d drifted, %d missing\n", cfg->migrations_dir,
		   r->v.set.format->name, r->v.set.n, r->plan.n_pending, r->plan.n_drifted, r->plan.n_missing);
	for (int i = 0; i < r->v.set.n; i++)
		buf_printf(out, "  %-8s %s\n", state_names[r->plan.state[i]], r->v.set.items[i].file);
	for (int h = 0; h < r->v.n_hist; h++)
		if (is_missing(r, &r->v.hist[h]))
			buf_printf(out, "  %-8s %s_%s (applied %s, file missing)\n", "missing", r->v.hist[h].version,
				   r->v.hist[h].name, r->v.hist[h].applied_at);
	buf_printf(out, "seeds (profile %s):\n", cfg->profile->name);
	for (int i = 0; i < r->n_seeds; i++)
		buf_printf(out, "  %-8s %s/%s\n", r->seeds[i].state, r->seeds[i].set, path_base(r->seeds[i].path));
	buf_puts(out, r->ledger ? "last runs:\n" : "no pginit ledger in this database yet (never run)\n");
	for (int i = 0; i < r->n_runs; i++) {
		const struct ledger_run_row *x = &r->runs[i];
		buf_printf(out, "  #%s %-7s %-5s %-9s %s %s ms, %s migrations, %s seed files%s%s\n", x->id, x->status,
			   x->profile, x->command, x->started_at, x->duration_ms, x->migrations, x->seeds,
			   *x->error ? ": " : "", x->error);
	}
}

static void json_migrations(const struct report *r, struct buf *out)
{
	buf_puts(out, ",\"migrations\":[");
	for (int i = 0; i < r->v.set.n; i++) {
		const struct migration *m = &r->v.set.items[i];
		const struct ledger_migration *h = ledger_find(r->v.hist, r->v.n_hist, m->version, m->repeatable);
		buf_printf(out, "%s{\"version\":", i ? "," : "");
		buf_json_str(out, m->version);
		buf_puts(out, ",\"name\":");
		buf_json_str(out, m->name);
		buf_puts(out, ",\"file\":");
		buf_json_str(out, m->file);
		buf_printf(out, ",\"repeatable\":%s,\"state\":\"%s\",\"applied_at\":", m->repeatable ? "true" : "false",
			   state_names[r->plan.state[i]]);
		if (h && r->plan.state[i] != M_PENDING)
			buf_json_str(out, h->applied_at);
		else
			buf_puts(out, "null");
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"missing\":[");
	for (int h = 0, n = 0; h < r->v.n_hist; h++) {
		if (!is_missing(r, &r->v.hist[h]))
			continue;
		buf_printf(out, "%s{\"version\":", n++ ? "," : "");
		buf_json_str(out, r->v.hist[h].version);
		buf_puts(out, ",\"name\":");
		buf_json_str(out, r->v.hist[h].name);
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}

static void print_json(const struct config *cfg, const struct report *r, struct buf *out)
{
	buf_puts(out, "{\"database\":");
	buf_json_str(out, cfg->dbname);
	buf_puts(out, ",\"profile\":");
	buf_json_str(out, cfg->profile->name);
	buf_puts(out, ",\"format\":");
	buf_json_str(out, r->v.set.format->name);
	json_migrations(r, out);
	buf_puts(out, ",\"seeds\":[");
	for (int i = 0; i < r->n_seeds; i++) {
		buf_printf(out, "%s{\"set\":", i ? "," : "");
		buf_json_str(out, r->seeds[i].set);
		buf_puts(out, ",\"file\":");
		buf_json_str(out, path_base(r->seeds[i].path));
		buf_printf(out, ",\"state\":\"%s\"}", r->seeds[i].state);
	}
	buf_putc(out, ']');
	buf_puts(out, ",\"runs\":");
	cmd_json_runs(r->runs, r->n_runs, out);
	buf_printf(out, ",\"pending\":%d,\"drifted\":%d,\"failed\":%d,\"missing\":%d,\"seeds_pending\":%d}\n",
		   r->plan.n_pending, r->plan.n_drifted, r->failed, r->plan.n_missing, r->seeds_pending);
}

/*
 * The same report as Prometheus text (a node-exporter textfile collector):
 * gauges labelled by database (and schema, for one tenant of a schema fleet).
 */
static void print_prometheus(const struct config *cfg, const struct report *r, struct ledger_profile_stats *st,
			     int n_st, struct buf *out)
{
	struct buf l = {0};
	buf_puts(&l, "database=");
	buf_json_str(&l, cfg->dbname);
	if (cfg->tenant_schema) {
		buf_puts(&l, ",schema=");
		buf_json_str(&l, cfg->tenant_schema);
	}
	const struct { const char *name, *help; long v; } g[] = {
		{"pginit_migrations_files", "migration files found", r->v.set.n},
		{"pginit_migrations_pending", "migrations not yet applied", r->plan.n_pending},
		{"pginit_migrations_drifted", "applied migrations whose file changed", r->plan.n_drifted},
		{"pginit_migrations_missing", "applied migrations with no file", r->plan.n_missing},
		{"pginit_migrations_failed", "migrations whose last attempt failed", r->failed},
		{"pginit_seeds_pending", "seed files of the profile not yet applied", r->seeds_pending},
	};
	for (size_t i = 0; i < sizeof g / sizeof g[0]; i++)
		buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n%s{%s} %ld\n", g[i].name, g[i].help, g[i].name, g[i].name,
			   l.data, g[i].v);
	const struct { const char *name, *help, *type; int field; } h[] = {
		{"pginit_runs_total", "runs kept in init_log", "gauge", 0},
		{"pginit_runs_success_total", "successful runs kept in init_log", "gauge", 1},
		{"pginit_run_duration_ms_avg", "average run duration", "gauge", 2},
		{"pginit_run_duration_ms_max", "longest run", "gauge", 3},
		{"pginit_last_success_timestamp_seconds", "start of the last successful run", "gauge", 4},
	};
	for (size_t k = 0; k < sizeof h / sizeof h[0]; k++) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", h[k].name, h[k].help, h[k].name, h[k].type);
		for (int i = 0; i < n_st; i++) {
			const char *v[] = {st[i].runs, st[i].ok, st[i].avg_ms, st[i].max_ms, st[i].last_success_epoch};
			buf_printf(out, "%s{%s,profile=", h[k].name, l.data);
			buf_json_str(out, st[i].profile);
			buf_printf(out, "} %s\n", v[h[k].field]);
		}
	}
	buf_free(&l);
}

static void print_report(struct ctx *ctx, struct db *db, const struct report *r, struct buf *out)
{
	if (!ctx->opts.format) {
		(ctx->opts.json ? print_json : print_text)(ctx->cfg, r, out);
		return;
	}
	struct ledger_profile_stats *st = NULL;
	int n_st = 0;
	if (r->ledger)
		ledger_profile_stats(db, ctx->cfg->ledger_schema, &st, &n_st);
	print_prometheus(ctx->cfg, r, st, n_st, out);
	ledger_profile_stats_free(st, n_st);
}

bool cmd_up_to_date(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct db_params p = session_params(cfg, cfg->dbname);
	struct db_error err = {0};
	struct db *db = db_connect(&p, &err); /* quiet: a missing database is work to do, not an error */
	db_error_clear(&err);
	struct report r = {0};
	bool fresh = db && ledger_exists(db, cfg->ledger_schema, &r.ledger) && r.ledger && collect(ctx, db, &r) == RC_OK;
	bool migrations = cfg->profile->migrate || (ctx->cmd->needs & NEED_MIGRATE_ALWAYS);
	if (fresh && migrations)
		fresh = !r.plan.n_pending && !r.plan.n_drifted && !r.plan.n_missing && !r.failed;
	if (fresh && (ctx->cmd->needs & NEED_SEED))
		fresh = !r.seeds_pending;
	report_free(&r);
	db_close(db);
	return fresh;
}

enum rc cmd_status(struct ctx *ctx)
{
	/* The files it reports on, before it connects: a bad one is what a run would stop at. */
	enum rc rc = session_preflight(ctx->cfg, NEED_MIGRATE | NEED_SEED);
	if (rc != RC_OK)
		return rc;
	struct db *db = session_connect(ctx->cfg, &rc);
	if (!db)
		return rc;
	struct report r = {0};
	rc = collect(ctx, db, &r);
	if (rc == RC_OK) {
		struct buf out = {0};
		print_report(ctx, db, &r, &out);
		fputs(out.data ? out.data : "", stdout);
		buf_free(&out);
	}
	/* A healthcheck: 11 when the database disagrees with the files, 1 when work is pending. */
	if (rc == RC_OK && ctx->opts.check) {
		if (r.plan.n_drifted || r.plan.n_missing || r.failed)
			rc = RC_VALIDATE;
		else if (r.plan.n_pending || r.seeds_pending)
			rc = RC_PENDING;
		if (r.ledger)
			rc = ledger_check_last_run(db, ctx->cfg->ledger_schema, rc);
	}
	report_free(&r);
	db_close(db);
	return rc;
}
