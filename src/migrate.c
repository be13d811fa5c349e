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
 * history sorted by the same key: O((n + h) log h), not O(n * h). used[h]:
 * history[h] has a file.
 */
static const struct ledger_migration **match_history(const struct migration_set *set,
						     const struct ledger_migration *history, int n_history, bool *used)
{
	const struct ledger_migration **sorted = xcalloc((size_t)n_history + 1, sizeof *sorted);
	const struct ledger_migration **match = xcalloc((size_t)set->n + 1, sizeof *match);
	bool in_order = true;
	for (int h = 0; h < n_history; h++) {
		sorted[h] = &history[h];
		in_order = in_order && (h == 0 || by_key(&sorted[h - 1], &sorted[h]) <= 0);
	}
	if (!in_order)
		qsort(sorted, (size_t)n_history, sizeof *sorted, by_key);
	for (int i = 0, j = 0; i < set->n && j < n_history;) {
		const struct migration *m = &set->items[i];
		int c = migration_key_cmp(m->repeatable, m->version, sorted[j]->repeatable, sorted[j]->version);
		if (c < 0)
			i++;
		else if (c > 0)
			j++;
		else {
			used[sorted[j] - history] = true;
			match[i++] = sorted[j]; /* j stays: a duplicate file has the same history */
		}
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
			  const bool *used, bool strict, struct plan *out)
{
	struct buf gone = {0};
	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		if (!m->success || m->repeatable || used[h])
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
	bool *used = xcalloc((size_t)n_history + 1, sizeof *used);
	const struct ledger_migration **match = match_history(set, history, n_history, used);
	bool ok = count_missing(set, history, n_history, used, strict, out);
	free(used);
	const char *newest = NULL;

	for (int h = 0; h < n_history; h++) {
		const struct ledger_migration *m = &history[h];
		if (m->success && !m->repeatable && (!newest || migrate_version_cmp(m->version, newest) > 0))
			newest = m->version;
	}
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

/*
 * With migrations_compat the old tool's table is the source of truth for
 * what the old tool undid: its rollback (dbmate rollback, migrate down,
 * goose down) removes the newest versions from its table, and only from it.
 * A version pginit's ledger says applied that is newer than the newest the
 * table lists is taken as rolled back there: it leaves the history (pending
 * again). Older versions absent from it (compat turned on after they were
 * applied) and a table that lists nothing (new, or everything rolled back)
 * change nothing: pginit's ledger stays the truth for those.
 */
static const char *newest_listed(const struct format_history *old)
{
	const char *newest = old->upto;
	for (int i = 0; i < old->versions.n; i++)
		if (!newest || migrate_version_cmp(old->versions.items[i], newest) > 0)
			newest = old->versions.items[i];
	return newest;
}

static void drop_entry(struct ledger_migration *hist, int *n, int i)
{
	free(hist[i].version);
	free(hist[i].name);
	free(hist[i].checksum);
	free(hist[i].applied_at);
	memmove(&hist[i], &hist[i + 1], (size_t)(*n - i - 1) * sizeof *hist);
	(*n)--;
}

bool migrate_compat_undone(struct db *db, const struct config *cfg, const struct migration_set *set,
			   struct ledger_migration *hist, int *n_hist)
{
	if (!cfg->migrations_compat || !set->format || !set->format->history_table || *n_hist == 0)
		return true;
	char *table = format_history_name(db, set->format, cfg->migrations_compat_table);
	struct format_history old = {0};
	bool ok = table && format_history_read(db, set->format, table, &old);
	const char *newest = ok && old.found && !old.dirty ? newest_listed(&old) : NULL;
	for (int i = 0; newest && i < *n_hist;) {
		const struct ledger_migration *h = &hist[i];
		if (h->repeatable || !h->success || migrate_version_cmp(h->version, newest) <= 0 ||
		    !migrate_set_find(set, h->version, false)) {
			i++;
			continue;
		}
		log_info("%s: applied in pginit's ledger, but %s no longer lists it (rolled back with %s): pending again",
			 migrate_set_find(set, h->version, false)->file, table, set->format->name);
		drop_entry(hist, n_hist, i);
	}
	format_history_free(&old);
	free(table);
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
	const char *compat_table; /* the old tool's table (migrations_compat), quoted; NULL: none */
	long run_id;
	char sum[65];
	char *errmsg;
	long rows;
	int64_t t0;
	long ms;
	int from; /* the first statement to run: > s.first when resuming */
};

static const char *one_script(const struct one *o)
{
	return o->down && o->m->down_path ? path_base(o->m->down_path) : o->m->file;
}

static const char *one_kind(const struct one *o)
{
	return o->down ? "rollback" : "migration";
}

/*
 * A resume point of a file outside a transaction: statements [first, next)
 * took effect. Written as the admin (the owner role cannot reach the ledger),
 * then the file's role is put back, whatever it set itself.
 */
static bool one_progress(struct db *db, void *arg, int next)
{
	struct one *o = arg;
	struct db_error err = {0};
	struct db_result *r = db_query(db, "SELECT current_setting('role')", 0, NULL, &err);
	if (!r) {
		log_error("unable to read the current role: %s", err.message);
		db_error_clear(&err);
		return false;
	}
	char *role = xstrdup(db_get(r, 0, 0));
	db_result_free(r);
	char sum[65];
	script_prefix_checksum(&o->s, next, sum);
	struct ledger_progress p = {.script = one_script(o), .kind = one_kind(o), .version = o->m->version,
				    .prefix_checksum = sum, .statements = next - o->s.first, .run_id = o->run_id};
	bool ok = script_simple(db, "RESET ROLE") && ledger_progress_set(db, o->cfg->ledger_schema, &p);
	if (ok && strcmp(role, "none") != 0) {
		char *set_role = txn_set_role_sql(db, role, false);
		ok = script_simple(db, set_role);
		free(set_role);
	}
	free(role);
	return ok;
}

static bool one_work(struct db *db, void *arg)
{
	struct one *o = arg;
	o->t0 = now_ms();
	/* Outside a transaction: rebuild what an interrupted CREATE INDEX CONCURRENTLY left invalid. */
	bool notx = o->s.no_transaction;
	struct script_steps steps = {.from = o->from, .done = notx ? one_progress : NULL, .arg = o};
	bool ran = (!notx || idxcheck_drop_invalid(db, &o->s)) && script_exec_steps(db, &o->s, &steps, &o->rows, &o->errmsg);
	if (ran && notx && db_in_transaction(db)) {
		log_error("%s leaves a transaction open: its BEGIN has no COMMIT", o->s.path);
		log_hint("end the file with COMMIT (pginit rolled the open transaction back)");
		o->errmsg = xasprintf("%s: leaves a transaction open", o->s.path);
		ran = false;
	}
	ran = ran && (!notx || idxcheck_verify(db, &o->s, &o->errmsg));
	o->ms = (long)(now_ms() - o->t0);
	return ran;
}

/*
 * Where a file outside a transaction starts: after the statements an earlier
 * run recorded as done, when their text is the same now (the file was fixed
 * after them), else at its beginning.
 */
static bool one_resume_point(struct db *db, struct one *o)
{
	o->from = o->s.first;
	int done = 0;
	char was[65], now[65];
	if (!ledger_progress_get(db, o->cfg->ledger_schema, one_script(o), one_kind(o), &done, was))
		return false;
	if (done <= 0)
		return true;
	script_prefix_checksum(&o->s, o->s.first + done, now);
	if (o->s.first + done < o->s.last && strcmp(was, now) == 0) {
		o->from = o->s.first + done;
		log_info("%s: resuming at statement %d (line %d): the %d before it took effect in an earlier run "
			 "and are unchanged", o->s.name, done + 1, o->s.sql.stmts[o->from].line, done);
	} else {
		log_warn("%s: %d statement(s) took effect in an earlier run but the file changed before the failing "
			 "one: running all of it again", o->s.name, done);
	}
	return true;
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
	/* Outside the file's transaction: the rows still go together, so the two
	 * histories never disagree about it (migrate_compat_undone trusts the old one). */
	bool both = ran && o->s.no_transaction && o->compat_table && o->set->format->history_record;
	if (both && !script_simple(db, "BEGIN"))
		return false;
	bool ok = (!ran || !o->s.no_transaction ||
		   ledger_progress_clear(db, o->cfg->ledger_schema, one_script(o), one_kind(o))) &&
		  ledger_record_migration(db, o->cfg->ledger_schema, &row) &&
		  (!ran || !o->compat_table || !o->set->format->history_record ||
		   o->set->format->history_record(db, o->compat_table, m, o->prev, o->ms, !o->down));
	if (both)
		ok = script_simple(db, ok ? "COMMIT" : "ROLLBACK") && ok;
	return ok;
}

/*
 * Each file starts from the session state a fresh connection has (issue 9
 * item 4): a session-level SET (search_path, pg_dump's set_config(..., false)),
 * a temporary table, a prepared statement or a LISTEN left by one file must not
 * change what the next one does, so N files in one run give what N runs of one
 * file give. This is DISCARD ALL without pg_advisory_unlock_all() (pginit holds
 * its advisory lock on this session) and without its transaction-block rule.
 * RESET ALL goes back to the connection's own values (application_name and
 * whatever else pginit passes when it connects), not to the server defaults;
 * lock_timeout, which pginit sets after connecting, is set again after it
 * (txn_lock_timeout_sql), so the ledger's statements and the seeds that
 * follow still have it.
 */
static const char *const session_reset[] = {"CLOSE ALL", "SET SESSION AUTHORIZATION DEFAULT", "RESET ALL",
					    "DEALLOCATE ALL", "UNLISTEN *", "DISCARD PLANS", "DISCARD TEMP",
					    "DISCARD SEQUENCES"};
enum { N_RESET = sizeof session_reset / sizeof session_reset[0] };

/* The reset and lock_timeout set again (lt), as one simple-protocol text. Caller frees. */
static char *session_reset_sql(const char *lt)
{
	struct buf b = {0};
	for (int i = 0; i < N_RESET; i++)
		buf_printf(&b, "%s; ", session_reset[i]);
	buf_puts(&b, lt);
	return buf_steal(&b);
}

/*
 * After a 42501 (the transaction is over): name who owns the object, which
 * the server's "must be owner of table x" does not, and the two ways out.
 */
static void hint_owner(struct db *db, const struct config *cfg, const char *errmsg)
{
	const char *p = strstr(errmsg, "must be owner of ");
	if (strstr(errmsg, "must be member of role")) {
		log_hint("the file gives an object to another role (pg_dump's ALTER ... OWNER TO): migrations run as %s; "
			 "run it as the admin with '-- pginit:run-as admin' (or migrations_run_as_admin = true), or "
			 "dump with --no-owner", config_migrations_role(cfg));
		return;
	}
	if (!p)
		return;
	p += strlen("must be owner of ");
	const char *end = strstr(p, " [");
	const char *name = end; /* the last word before the SQLSTATE: "table x", "materialized view x" */
	while (name && name > p && name[-1] != ' ')
		name--;
	if (!end || name <= p)
		return;
	name--;
	char *rel = xstrndup(name + 1, (size_t)(end - name - 1));
	const char *params[] = {rel};
	struct db_error err = {0};
	struct db_result *r = db_query(db, "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass($1)",
				       1, params, &err);
	if (r && db_nrows(r) == 1)
		log_hint("%s is owned by role %s, and migrations run as %s: hand it over (ALTER TABLE %s OWNER TO %s, "
			 "or REASSIGN OWNED BY %s TO %s, as the admin), or run this file as the admin with "
			 "'-- pginit:run-as admin'", rel, db_get(r, 0, 0), config_migrations_role(cfg), rel,
			 config_migrations_role(cfg), db_get(r, 0, 0), config_migrations_role(cfg));
	db_result_free(r);
	db_error_clear(&err);
	free(rel);
}

/*
 * The newest version below m's (golang-migrate's table keeps only the current
 * one): m is in the set, which is sorted with the versions first, so it is the
 * nearest one before m that is lower.
 */
static const char *version_below(const struct migration_set *set, const struct migration *m)
{
	for (long i = (long)(m - set->items) - 1; i >= 0; i--)
		if (!set->items[i].repeatable && migrate_version_cmp(set->items[i].version, m->version) < 0)
			return set->items[i].version;
	return NULL;
}

/* Run one direction of one migration and record it; *ms its duration. */
static bool run_one(struct db *db, const struct config *cfg, const struct migration_set *set,
		    const struct migration *m, bool down, long run_id, const char *compat_table, long *ms)
{
	struct one o = {.cfg = cfg, .set = set, .m = m, .down = down, .run_id = run_id, .compat_table = compat_table,
			.prev = version_below(set, m)};
	*ms = 0;
	/* The history row's checksum is the (up) file's: that of the text just loaded, when it is that file. */
	bool loaded = migrate_load(m, down, format_vars(set->format, cfg->vars), &o.s);
	if (loaded && (!down || !m->down_path))
		memcpy(o.sum, o.s.checksum, sizeof o.sum);
	else if (loaded)
		loaded = script_file_checksum(m->path, o.sum);
	if (!loaded) {
		script_free(&o.s);
		return false;
	}
	/* A transaction whose statements can be pipelined: the reset goes in its pipeline (txn.h).
	 * Servers before 11 ran one statement_timeout from a pipeline's first statement to its
	 * Sync; behind a pooler the reset's Sync would hand the server connection back. */
	bool piped = !o.s.no_transaction && script_pipelinable(&o.s) && db_server_version(db) >= 110000 &&
		     db_direct(db);
	char *lt = txn_lock_timeout_sql(db, cfg->profile);
	const char *before[N_RESET + 2] = {0};
	for (int i = 0; i < N_RESET; i++)
		before[i] = session_reset[i];
	before[N_RESET] = lt;
	char *reset = piped ? NULL : session_reset_sql(lt);
	bool fresh = piped || script_simple(db, reset);
	free(reset);
	if (!fresh || (o.s.no_transaction && !one_resume_point(db, &o))) {
		free(lt);
		script_free(&o.s);
		return false;
	}
	if (o.s.no_tx_why)
		log_info("%s runs outside a transaction, as its old tool ran it (%s); "
			 "migrations_strict_transactions = true turns this off", o.s.name, o.s.no_tx_why);
	bool as_admin = o.s.run_as_admin || cfg->migrations_run_as_admin;
	if (as_admin)
		log_info("%s runs as the admin role, not %s (%s)", o.s.name, config_migrations_role(cfg),
			 o.s.run_as_admin ? "-- pginit:run-as admin" : "migrations_run_as_admin");
	struct txn t = {.transaction = !o.s.no_transaction, .role = as_admin ? NULL : config_migrations_role(cfg),
			.timeouts = cfg->profile, .work = one_work, .record = one_record, .arg = &o,
			.pipeline = piped, .before = before};
	bool ran, ok = txn_run(db, &t, &ran);
	free(lt);
	*ms = o.ms;
	if (!ran && !sig_caught() && o.errmsg && strstr(o.errmsg, "[42501]"))
		hint_owner(db, cfg, o.errmsg);
	if (!t.transaction && !ran && !sig_caught())
		log_hint("%s ran outside a transaction: the statements before the failing one stay applied; "
			 "fix the failing statement and run again: pginit resumes there if the ones before it are "
			 "unchanged", o.s.name);
	free(o.errmsg);
	script_free(&o.s);
	return ok;
}

/* With migrations_compat: where the old tool's table is (created if missing), in *table. */
static bool compat_table(struct db *db, const struct config *cfg, const struct migration_set *set, char **table)
{
	*table = NULL;
	if (!cfg->migrations_compat || !set->format->history_table)
		return true;
	*table = format_history_name(db, set->format, cfg->migrations_compat_table);
	return *table && format_history_ensure(db, set->format, *table, config_migrations_role(cfg));
}

bool migrate_check(const struct migration_set *set, const struct plan *plan, const struct kv *vars)
{
	bool ok = true;
	for (int k = 0; k < plan->n_pending; k++) {
		struct script s;
		ok = migrate_load(&set->items[plan->pending[k]], false, format_vars(set->format, vars), &s) && ok;
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
	char *table = NULL;
	if (!compat_table(db, cfg, set, &table))
		return false;
	bool ok = true;
	for (int k = 0; ok && k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		if (plan->state[plan->pending[k]] == M_FAILED)
			log_warn("%s failed outside a transaction earlier; running it again", m->file);
		long ms = 0;
		if (!run_one(db, cfg, set, m, false, run_id, table, &ms) || sig_caught()) {
			if (!sig_caught())
				log_info("%s failed after %ld ms; %d of %d pending applied, the rest not attempted", m->file, ms,
					 *applied, plan->n_pending);
			ok = false;
			break;
		}
		(*applied)++;
		log_progress("migrate", k + 1, plan->n_pending, m->file, ms, -1);
	}
	free(table);
	return ok;
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
	char *table = NULL;
	if (n > 0 && !compat_table(db, cfg, set, &table))
		ok = false;
	for (int k = 0; ok && k < n; k++) {
		const struct migration *m = &set->items[targets[k]];
		long ms = 0;
		ok = run_one(db, cfg, set, m, true, run_id, table, &ms) && !sig_caught();
		if (ok) {
			(*rolled_back)++;
			log_progress("rollback", k + 1, n, m->file, ms, -1);
		}
	}
	if (*rolled_back > 0 && !ledger_reset_repeatables(db, cfg->ledger_schema, run_id))
		ok = false;
	free(table);
	return ok;
}

void migrate_print_plan(const struct config *cfg, const struct migration_set *set, const struct plan *plan)
{
	printf("-- migrations (%s, %s): %d pending\n", cfg->migrations_dir, set->format->name, plan->n_pending);
	for (int k = 0; k < plan->n_pending; k++) {
		const struct migration *m = &set->items[plan->pending[k]];
		struct script s;
		if (!migrate_load(m, false, format_vars(set->format, cfg->vars), &s)) {
			script_free(&s);
			continue;
		}
		bool as_admin = s.run_as_admin || cfg->migrations_run_as_admin;
		char *set_role = as_admin ? xstrdup("-- (as the admin role: no SET ROLE)")
					  : txn_set_role_sql(NULL, config_migrations_role(cfg), !s.no_transaction);
		printf("\n-- [%d/%d] %s (version %s%s%s%s)\n", k + 1, plan->n_pending, m->file, m->version,
		       s.no_transaction ? ", no transaction" : "", s.no_tx_why ? ": " : "", s.no_tx_why ? s.no_tx_why : "");
		char *lt = txn_lock_timeout_sql(NULL, cfg->profile);
		char *reset = session_reset_sql(lt);
		printf("%s;\n", reset);
		free(reset);
		free(lt);
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
		if (!s.no_transaction) {
			printf("COMMIT;\n");
		} else {
			lt = txn_lock_timeout_sql(NULL, cfg->profile);
			printf("%s; RESET statement_timeout;\n", lt);
			free(lt);
		}
		free(set_role);
		script_free(&s);
	}
}
