/*
 * ledger — pginit's own tables in the ledger schema (default "pginit") and
 * every query on them:
 *
 *   schema_migrations  one row per migration event (kind): applied ("migration",
 *                      "repeatable"), undone ("rollback", "repeatable_reset"),
 *                      or failed outside a transaction (success = false)
 *   seed_history       one row per seed file application
 *   init_log           one row per run (running -> success | failed | abandoned), with
 *                      the session that runs it (backend_pid, backend_start) and its step
 *   init_step          one row per phase of a run (wait, bootstrap, migrate, seed:<set>)
 *
 * The DDL is idempotent, runs under pginit's advisory lock, and is skipped
 * when the ledger is current (no table lock is taken then). Functions log
 * their own failures (once) and return false; a lock timeout (55P03) names
 * the blocking session.
 *
 * A run killed with SIGKILL (or whose connection died) stays 'running'; the
 * next run, under the lock, marks every 'running' row whose session no longer
 * exists in pg_stat_activity as 'abandoned', naming the step it was in.
 */
#ifndef PGINIT_LEDGER_H
#define PGINIT_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "exitcode.h"

/*
 * What pginit needs to know of its ledger before it writes there, in one read:
 * is the ledger's DDL current (the schema's COMMENT carries the DDL's digest,
 * PUBLIC has no right on it, the tables are there), and which of the roles app
 * and ro ("" or NULL: none) could write it (owns the schema, may CREATE in it,
 * or has DML on one of the tables). False (logged) if it cannot be read.
 */
struct ledger_look {
	bool current;
	char *writers[2];
	int n_writers;
};
bool ledger_look(struct db *db, const char *schema, const char *app, const char *ro, struct ledger_look *out);
void ledger_look_free(struct ledger_look *l);
/* Create or upgrade the ledger unless look says it is current. */
bool ledger_ensure(struct db *db, const char *schema, const struct ledger_look *look);
/* Does the ledger exist in this database? (for read-only commands) */
bool ledger_exists(struct db *db, const char *schema, bool *exists);

struct ledger_run {
	const char *profile;
	const char *command;
	const char *options_json;
	int64_t started_wall_ms;
	const char *step; /* the step it starts with (init_log.step); NULL: "start" */
};
/*
 * Insert the run's row (status running) and, in the same statement, mark the
 * runs whose session is gone as abandoned (a warning for each); *run_id gets
 * its id. Its commit does not wait for the WAL flush (ledger.c ASYNC_COMMIT).
 */
bool ledger_run_begin(struct db *db, const char *schema, const struct ledger_run *run, long *run_id);
/* The run goes on in a new session (reconnected after bootstrap): its backend_pid/backend_start follow. */
bool ledger_run_rebind(struct db *db, const char *schema, long run_id);
/* The step the run is in now (shown if the run is abandoned). */
bool ledger_run_step(struct db *db, const char *schema, long run_id, const char *step);
/* status --check, given the verdict so far (RC_OK, RC_PENDING, RC_VALIDATE): RC_VALIDATE
 * when the newest run failed or was abandoned (logged), RC_PENDING while one is in
 * progress, else so_far; RC_CONNECT when init_log cannot be read. */
enum rc ledger_check_last_run(struct db *db, const char *schema, enum rc so_far);
struct ledger_step {
	const char *step;
	int64_t started_wall_ms;
	long duration_ms;
	bool ok;
	long items;
	long rows;
	const char *error;
};
/* How a run ended, for ledger_run_end. */
struct ledger_end {
	bool ok;
	int migrations, seed_files;
	long seed_rows;
	const char *error; /* NULL on success */
	const struct ledger_step *steps;
	int n_steps;
	const char *profile;
	int keep; /* retention: the profile's newest keep runs and every failed one stay; 0: keep all */
};
/*
 * Close the run's row, write its steps (in order) and apply the run log's
 * retention in one statement: one round trip, one commit. The steps wait in
 * memory until then, so a run killed with SIGKILL leaves its init_log row
 * 'running' and no init_step rows.
 */
bool ledger_run_end(struct db *db, const char *schema, long run_id, const struct ledger_end *e);


/* The current state of each migration version (latest row per version). */
struct ledger_migration {
	char *version;
	char *name;
	char *checksum;
	char *applied_at;
	bool success;
	bool repeatable;
};
bool ledger_migrations(struct db *db, const char *schema, struct ledger_migration **out, int *n);
void ledger_migrations_free(struct ledger_migration *m, int n);
/* The history entry of a version (and kind), or NULL. No query: searches what ledger_migrations read. */
const struct ledger_migration *ledger_find(const struct ledger_migration *h, int n, const char *version,
					   bool repeatable);

/* repair: align the latest row's checksum of each version with the file's, drop failed rows. */
bool ledger_repair_checksum(struct db *db, const char *schema, const char *version, bool repeatable,
			    const char *checksum);
bool ledger_delete_failed(struct db *db, const char *schema, long *deleted);
/* After a rollback: every applied repeatable migration runs again on the next migrate
 * (what it created may have been dropped by the down steps). */
bool ledger_reset_repeatables(struct db *db, const char *schema, long run_id);

struct ledger_migration_row {
	long run_id;
	const char *version;
	const char *name;
	const char *script;
	const char *checksum;
	long execution_ms;
	bool success;
	const char *error;
	const char *kind; /* migration, repeatable, rollback */
};
/* Insert a history row; runs in the caller's transaction, if any. */
bool ledger_record_migration(struct db *db, const char *schema, const struct ledger_migration_row *row);

/*
 * Progress of a file that runs outside one transaction (migration_progress):
 * how many of its statements took effect, and the checksum of their text, so
 * that the next run resumes at the failed statement when they are unchanged.
 * One row per file and kind (migration, rollback); cleared when the file
 * succeeds. statements 0 and "" when there is none.
 */
struct ledger_progress {
	const char *script, *kind, *version, *prefix_checksum;
	long statements;
	long run_id;
};
bool ledger_progress_get(struct db *db, const char *schema, const char *script, const char *kind, int *statements,
			 char prefix_checksum[65]);
bool ledger_progress_set(struct db *db, const char *schema, const struct ledger_progress *p);
bool ledger_progress_clear(struct db *db, const char *schema, const char *script, const char *kind);

struct ledger_seed {
	char *set;
	char *name;
	char *checksum;
	char *applied_at;
};
bool ledger_seeds(struct db *db, const char *schema, struct ledger_seed **out, int *n);
void ledger_seeds_free(struct ledger_seed *s, int n);
bool ledger_record_seed(struct db *db, const char *schema, long run_id, const char *set, const char *name,
			const char *checksum, const char *profile, long rows, long execution_ms);

/* The newest runs of init_log, newest first (for status). */
struct ledger_run_row {
	char *id, *status, *profile, *command, *started_at, *duration_ms, *migrations, *seeds, *error; /* error "" if none */
};
bool ledger_recent_runs(struct db *db, const char *schema, int limit, struct ledger_run_row **out, int *n);
void ledger_runs_free(struct ledger_run_row *r, int n);


/* Per profile, over the runs init_log keeps: counts, durations, the last failure. */
struct ledger_profile_stats {
	char *profile, *runs, *ok, *avg_ms, *max_ms;
	char *last_failure_at, *last_failure_error; /* "" if none */
	char *last_success_epoch;                   /* "0" if none */
};
bool ledger_profile_stats(struct db *db, const char *schema, struct ledger_profile_stats **out, int *n);
void ledger_profile_stats_free(struct ledger_profile_stats *s, int n);

#endif
