/*
 * history — the run log as an operator reads it: the last runs (init_log),
 * and per profile the runs kept, the success rate, the average and longest
 * duration and the last failure, as text or --json. Read-only.
 */
#include "cmd/cmd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "log.h"

static void text(const struct ledger_run_row *runs, int n, const struct ledger_profile_stats *st, int n_st,
		 struct buf *out)
{
	buf_puts(out, "profiles:\n");
	for (int i = 0; i < n_st; i++) {
		long all = atol(st[i].runs), ok = atol(st[i].ok);
		buf_printf(out, "  %-10s %s runs, %.1f%% successful, avg %s ms, max %s ms", st[i].profile, st[i].runs,
			   all ? 100.0 * (double)ok / (double)all : 0.0, st[i].avg_ms, st[i].max_ms);
		if (*st[i].last_failure_at)
			buf_printf(out, ", last failure %s: %s", st[i].last_failure_at, st[i].last_failure_error);
		buf_putc(out, '\n');
	}
	buf_puts(out, "last runs:\n");
	for (int i = 0; i < n; i++) {
		const struct ledger_run_row *x = &runs[i];
		buf_printf(out, "  #%s %-9s %-8s %-9s %s %s ms, %s migrations, %s seed files%s%s\n", x->id, x->status,
			   x->profile, x->command, x->started_at, x->duration_ms, x->migrations, x->seeds,
			   *x->error ? ": " : "", x->error);
	}
}

static void json_null_or(struct buf *out, const char *s)
{
	if (*s)
		buf_json_str(out, s);
	else
		buf_puts(out, "null");
}

void cmd_json_runs(const struct ledger_run_row *runs, int n, struct buf *out)
{
	buf_putc(out, '[');
	for (int i = 0; i < n; i++) {
		const struct ledger_run_row *x = &runs[i];
		buf_printf(out, "%s{\"id\":%s,\"status\":", i ? "," : "", x->id);
		buf_json_str(out, x->status);
		buf_puts(out, ",\"profile\":");
		buf_json_str(out, x->profile);
		buf_puts(out, ",\"command\":");
		buf_json_str(out, x->command);
		buf_puts(out, ",\"started_at\":");
		buf_json_str(out, x->started_at);
		buf_printf(out, ",\"duration_ms\":%s,\"migrations_applied\":%s,\"seeds_applied\":%s,\"error\":",
			   x->duration_ms, x->migrations, x->seeds);
		json_null_or(out, x->error);
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
}

static void json(const struct ledger_run_row *runs, int n, const struct ledger_profile_stats *st, int n_st,
		 struct buf *out)
{
	buf_puts(out, "{\"profiles\":[");
	for (int i = 0; i < n_st; i++) {
		long all = atol(st[i].runs), ok = atol(st[i].ok);
		buf_puts(out, i ? ",{\"profile\":" : "{\"profile\":");
		buf_json_str(out, st[i].profile);
		buf_printf(out, ",\"runs\":%ld,\"successful\":%ld,\"success_rate\":%.4f,\"avg_duration_ms\":%s,"
				"\"max_duration_ms\":%s,\"last_failure\":",
			   all, ok, all ? (double)ok / (double)all : 0.0, st[i].avg_ms, st[i].max_ms);
		if (*st[i].last_failure_at) {
			buf_puts(out, "{\"started_at\":");
			buf_json_str(out, st[i].last_failure_at);
			buf_puts(out, ",\"error\":");
			json_null_or(out, st[i].last_failure_error);
			buf_putc(out, '}');
		} else {
			buf_puts(out, "null");
		}
		buf_putc(out, '}');
	}
	buf_puts(out, "],\"runs\":");
	cmd_json_runs(runs, n, out);
	buf_puts(out, "}\n");
}

enum rc cmd_history(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	enum rc rc = RC_OK;
	struct db *db = session_connect(cfg, &rc);
	if (!db)
		return rc;
	bool ledger = false;
	struct ledger_run_row *runs = NULL;
	struct ledger_profile_stats *st = NULL;
	int n = 0, n_st = 0;
	if (!ledger_exists(db, cfg->ledger_schema, &ledger))
		rc = RC_CONNECT;
	else if (ledger && (!ledger_recent_runs(db, cfg->ledger_schema, ctx->opts.limit ? ctx->opts.limit : 20, &runs, &n) ||
			    !ledger_profile_stats(db, cfg->ledger_schema, &st, &n_st)))
		rc = RC_CONNECT;
	if (rc == RC_OK) {
		struct buf out = {0};
		(ctx->opts.json ? json : text)(runs, n, st, n_st, &out);
		fputs(out.data, stdout);
		buf_free(&out);
	}
	ledger_runs_free(runs, n);
	ledger_profile_stats_free(st, n_st);
	db_close(db);
	return rc;
}
