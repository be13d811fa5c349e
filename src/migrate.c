/* migrate — see migrate.h. */
#include "migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idxcheck.h"
#include "log.h"
#include "sig.h"
#include "txn.h"

/* ---- planning */

static int by_key(const void *a, const void *b)
{
	const struct ledger_migration *x = *(const struct ledger_migration *const *)a;
	const struct ledger_migration *y = *(const struct ledger_migration *const *)b;
	return migration_key_cmp(x->repeatable, x->version, y->repeatable, y->version);
}

/*
 * The history entry of each file (NULL: none), by merging the set with the
 * history sorted by the same key: O((n + h) log h), not O(n * h).
 */
static const struct ledger_migration **match_history(const struct migration_set *set,
						     const struct ledger_migration *history, int n_history)
{
	const struct ledger_migration **sorted = xcalloc((size_t)n_history + 1, sizeof *sorted);
	const struct ledger_migration **match = xcalloc((size_t)set->n + 1, sizeof *match);
	for (int h = 0; h < n_history; h++)
		sorted[h] = &history[h];
	qsort(sorted, (size_t)n_history, sizeof *sorted, by_key);
	for (int i = 0, j = 0; i < set->n && j < n_history;) {
		const struct migration *m = &set->items[i];
		int c = migration_key_cmp(m->repeatable, m->version, sorted[j]->repeatable, sorted[j]->version);
		if (c < 0)
			i++;
		else if (c > 0)
			j++;
		else
			match[i++] = sorted[j]; /* j stays: a duplicate file has the same history */
	}
	free(sorted);
	return match;
}

/*
 * Applied versions without a file: counted into out->n_missing; strict, one
 * error for all of them (one root cause, one error: a whole history without
 * files is a wrong directory, not n lost files). False if strict and any.
 */
static bool count_missing(const struct migration_set *set, const struct ledger_migration *history, int n_history,
			  bool strict, struct plan *out)
{
	struct buf gone = {0};
	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		if (!m->success || m->repeatable || migrate_set_find(set, m->version, false))
			continue;
		if (++out->n_missing <= 3)
			buf_printf(&gone, "%s%s (%s, applied %s)", out->n_missing > 1 ? ", " : "", m->version, m->name,
				   m->applied_at);
	}
	if (!strict || !out->n_missing) {
		buf_free(&gone);
		return true;
	}
	if (out->n_missing > 3)
		buf_printf(&gone, " and %d more", out->n_missing - 3);
	log_error("%d applied migration%s %s no file in the migrations directory: %s", out->n_missing,
		  out->n_missing == 1 ? "" : "s", out->n_missing == 1 ? "has" : "have", gone.data);
	if (out->n_missing > 1 && out->n_missing >= set->n)
		log_hint("is paths.migrations (or migrations_format) the one this database was migrated from? "
			 "applied migrations must stay in the directory");
	else
		log_hint("restore the file%s; applied migrations must stay (undo them with a new migration)",
			 out->n_missing == 1 ? "" : "s");
	buf_free(&gone);
	return false;
}

bool migrate_plan(const struct migration_set *set, const struct ledger_migration *history, int n_history,
		  bool allow_out_of_order, bool strict, struct plan *out)
{
	memset(out, 0, sizeof *out);
	out->pending = xcalloc((size_t)set->n + 1, sizeof(int));
	out->state = xcalloc((size_t)set->n + 1, sizeof(enum mstate));
	bool ok = count_missing(set, history, n_history, strict, out);
	const char *newest = NULL;

	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		if (m->success && !m->repeatable && (!newest || migrate_version_cmp(m->version, newest) > 0))
			newest = m->version;
	}
	const struct ledger_migration **match = match_history(set, history, n_history);
	for (int i = 0; i < set->n; i++) {
		const struct migration *mg = &set->items[i];
		const struct ledger_migration *h = match[i];
		if (!h) {
			out->state[i] = M_PENDING;
			continue;
		}
		if (!h->success) {
			out->state[i] = M_FAILED;
			continue;
		}
		const char *sum = mg->checksum; /* read by discovery */
		if (strcmp(sum, h->checksum) == 0) {
			out->state[i] = M_APPLIED;
		} else if (mg->repeatable) {
			out->state[i] = M_PENDING; /* a repeatable runs again when it changes */
		} else {
			out->state[i] = M_DRIFTED;
			out->n_drifted++;
			if (strict) {
				log_error("%s was changed after it was applied on %s (checksum %.12s, applied %.12s)",
					  mg->path, h->applied_at, sum, h->checksum);
				log_hint("restore the applied text and put the change in a new migration, "
					 "or run `pginit repair` if the edit is intended");
				ok = false;
			}
		}
	}
	for (int i = 0; i < set->n; i++) {
		const struct migration *mg = &set->items[i];
		if (out->state[i] != M_PENDING && out->state[i] != M_FAILED)
			continue;
		if (!mg->repeatable && newest && migrate_version_cmp(mg->version, newest) < 0 && !allow_out_of_order &&
		    strict) {
			log_error("%s is pending but older than the newest applied migration (version %s)", mg->file, newest);
			log_hint("renumber it after %s, or set allow_out_of_order = true in the profile", newest);
			ok = false;
		}
		out->pending[out->n_pending++] = i;
	}
	free(match);
	return ok;
}

void migrate_plan_free(struct plan *p)
{
	free(p->pending);
	free(p->state);
	memset(p, 0, sizeof *p);
}

/* ---- applying */

/* One direction of one migration, as txn.c runs it. */
struct one {
	const struct config *cfg;
	const struct migration_set *set;
	const struct migration *m;
	struct script s;
	bool down;
	const char *prev; /* the version below (golang-migrate's table keeps only the current one) */
	long run_id;
	char sum[65];
	char *errmsg;
	long rows;
	int64_t t0;
	long ms;
};

static bool one_work(struct db *db, void *arg)
{
	struct one *o = arg;
	o->t0 = now_ms();
	/* Outside a transaction: rebuild what an interrupted CREATE INDEX CONCURRENTLY left invalid. */
	bool notx = o->s.no_transaction;
	bool ran = (!notx || idxcheck_drop_invalid(db, &o->s)) && script_exec(db, &o->s, &o->rows, &o->errmsg) &&
		   (!notx || idxcheck_verify(db, &o->s, &o->errmsg));
	o->ms = (long)(now_ms() - o->t0);
	return ran;
}

/* The history row (and the old tool's, with migrations_compat), in the migration's transaction. */
static bool one_record(struct db *db, void *arg, bool ran)
{
	struct one *o = arg;
	const struct migration *m = o->m;
	struct ledger_migration_row row = {.run_id = o->run_id, .version = m->version, .name = m->name,
					   .script = o->down && m->down_path ? path_base(m->down_path) : m->file,
					   .checksum = o->sum, .execution_ms = o->ms, .success = ran, .error = o->errmsg,
					   .kind = o->down ? "rollback" : m->repeatable ? "repeatable" : "migration"};
	return ledger_record_migration(db, o->cfg->ledger_schema, &row) &&
	       (!ran || !o->cfg->migrations_compat || !o->set->format->history_record ||
		o->set->format->history_record(db, m, o->prev, o->ms, !o->down));
}

/* Run one direction of one migration and record it; *ms its duration. */
static bool run_one(struct db *db, const struct config *cfg, const struct migration_set *set,
		    const struct migration *m, bool down, long run_id, long *ms)
{
	struct one o = {.cfg = cfg, .set = set, .m = m, .down = down, .run_id = run_id};
	*ms = 0;
	if (!migrate_load(m, down, cfg->vars, &o.s) || !script_file_checksum(m->path, o.sum)) {
		script_free(&o.s);
		return false;
	}
	for (int i = 0; i < set->n; i++)
		if (!set->items[i].repeatable && migrate_version_cmp(set->items[i].version, m->version) < 0)
			o.prev = set->items[i].version;
	struct txn t = {.transaction = !o.s.no_transaction, .role = cfg->owner.name, .timeouts = cfg->profile,
			.work = one_work, .record = one_record, .arg = &o};
	bool ran, ok = txn_run(db, &t, &ran);
	*ms = o.ms;
	if (!t.transaction && !ran && !sig_caught())
		log_hint("%s ran outside a transaction: the statements before the failing one stay applied; "
			 "make them idempotent (IF NOT EXISTS) before running again", o.s.name);
	free(o.errmsg);
	script_free(&o.s);
	return ok;
}

bool migrate_check(const struct migration_set *set, const struct plan *plan, const struct kv *vars)
{
	bool ok = true;
	for (int k = 0; k < plan->n_pending; k++) {
		struct script s;
		ok = migrate_load(&set->items[plan->pending[k]], false, vars, &s) && ok;
		script_free(&s);
	}
	if (!ok)
		log_hint("nothing was applied: fix the file(s) above first");
	return ok;
}

bool migrate_apply(struct db *db, const struct config *cfg, const struct migration_set *set,
		   const struct plan *plan, long run_id, int *applied)
{
	*applied = 0;
	if (plan->n_pending == 0) {
		log_info("migrations (%s): %d applied, nothing to do", set->format->name, set->n);
		return true;
	}
	if (cfg->migrations_compat && !format_history_ensure(db, set->format))
		return false;
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		if (plan->state[plan->pending[k]] == M_FAILED)
			log_warn("%s failed outside a transaction earlier; running it again", m->file);
		long ms = 0;
		if (!run_one(db, cfg, set, m, false, run_id, &ms) || sig_caught()) {
			if (!sig_caught())
				log_info("%s failed after %ld ms; %d of %d pending applied, the rest not attempted", m->file, ms,
					 *applied, plan->n_pending);
			return false;
		}
		(*applied)++;
		log_progress("migrate", k + 1, plan->n_pending, m->file, ms, -1);
	}
	return true;
}

bool migrate_rollback_targets(const struct migration_set *set, const struct ledger_migration *history,
			      int n_history, int steps, const char *to_version, int **targets, int *n)
{
	/* Applied versioned migrations, newest first. */
	*targets = xcalloc((size_t)set->n + 1, sizeof(int));
	*n = 0;
	for (int i = set->n - 1; i >= 0; i--) {
		const struct migration *m = &set->items[i];
		const struct ledger_migration *h = ledger_find(history, n_history, m->version, m->repeatable);
		if (m->repeatable || !h || !h->success)
			continue;
		if (to_version ? migrate_version_cmp(m->version, to_version) <= 0 : *n >= steps)
			continue;
		(*targets)[(*n)++] = i;
	}
	bool ok = true;
	for (int k = 0; k < *n; k++)
		if (!set->items[(*targets)[k]].has_down) {
			log_error("%s has no down part: nothing of the rollback was done", set->items[(*targets)[k]].file);
			log_hint("add its down step (%s) or roll back fewer steps", set->format->down_part);
			ok = false;
		}
	return ok;
}

bool migrate_rollback(struct db *db, const struct config *cfg, const struct migration_set *set, const int *targets,
		      int n, long run_id, int *rolled_back)
{
	*rolled_back = 0;
	bool ok = true;
	if (n == 0)
		log_info("nothing to roll back");
	if (cfg->migrations_compat && n > 0 && !format_history_ensure(db, set->format))
		ok = false;
	for (int k = 0; ok && k < n; k++) {
		const struct migration *m = &set->items[targets[k]];
		long ms = 0;
		ok = run_one(db, cfg, set, m, true, run_id, &ms) && !sig_caught();
		if (ok) {
			(*rolled_back)++;
			log_progress("rollback", k + 1, n, m->file, ms, -1);
		}
	}
	if (*rolled_back > 0 && !ledger_reset_repeatables(db, cfg->ledger_schema, run_id))
		ok = false;
	return ok;
}

void migrate_print_plan(const struct config *cfg, const struct migration_set *set, const struct plan *plan)
{
	printf("-- migrations (%s, %s): %d pending\n", cfg->migrations_dir, set->format->name, plan->n_pending);
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		struct script s;
		if (!migrate_load(m, false, cfg->vars, &s)) {
			script_free(&s);
			continue;
		}
		char *set_role = txn_set_role_sql(NULL, cfg->owner.name, !s.no_transaction);
		printf("\n-- [%d/%d] %s (version %s%s)\n", k + 1, plan->n_pending, m->file, m->version,
		       s.no_transaction ? ", no transaction" : "");
		if (!s.no_transaction)
			printf("BEGIN;\n");
		printf("SELECT set_config('lock_timeout', '%s', %s), set_config('statement_timeout', '%s', %s);\n",
		       cfg->profile->migration_lock_timeout, s.no_transaction ? "false" : "true",
		       cfg->profile->migration_statement_timeout, s.no_transaction ? "false" : "true");
		printf("%s;\n", set_role);
		for (int i = s.first; i < s.last; i++) {
			const struct sql_stmt *st = &s.sql.stmts[i];
			printf("%.*s;\n", (int)st->len, st->text);
			if (st->copy_data)
				printf("%.*s\\.\n", (int)st->copy_len, st->copy_data);
		}
		printf("RESET ROLE;\n-- + a row in %s.schema_migrations (version %s, checksum %.12s)\n", cfg->ledger_schema,
		       m->version, s.checksum);
		if (!s.no_transaction)
			printf("COMMIT;\n");
		free(set_role);
		script_free(&s);
	}
}
