/*
 * session — the one run lifecycle every command that changes the database
 * shares:
 *
 *   file bytes -> secrets -> connect to the target (wait only if that fails; the maintenance
 *   db only to create a missing target) -> lock -> bootstrap (cluster) -> ledger
 *     -> steps, each timed and recorded in init_step with its FIRST error
 *     -> close: the run's init_log row, unlock, one summary line
 *
 * What runs is said by the command's `needs` (the command table, cmd/table.c):
 * NEED_BOOTSTRAP (the app password first, roles and database, then schemas,
 * grants and initdb.d), NEED_MIGRATE (when the profile migrates, or always with
 * NEED_MIGRATE_ALWAYS), NEED_SEED (every seed file is checked before the first
 * migration runs), and the command's own step (rollback, import, repair), run
 * after bootstrap and before migrate.
 *
 * Only phases and steps return an exit class (enum rc): each maps the bool of
 * the modules below it, so the same failure gives the same code whichever
 * command hit it. A signal anywhere is RC_SIGNAL.
 */
#ifndef PGINIT_SESSION_H
#define PGINIT_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"
#include "formats/format.h"
#include "ledger.h"
#include "migrate.h"
#include "seed.h"

/* What a command needs from the dispatcher and the session. */
enum {
	NEED_CONFIG = 1 << 0,         /* config file, profile, migrations_format, placeholders */
	NEED_BOOTSTRAP = 1 << 1,
	NEED_MIGRATE = 1 << 2,
	NEED_MIGRATE_ALWAYS = 1 << 3, /* even under a profile with migrate = false */
	NEED_SEED = 1 << 4,
};

struct session {
	/* given */
	const struct config *cfg;
	const char *command;
	unsigned needs;
	const struct format *format; /* NULL: detect */
	/* while it runs */
	struct db *maint, *db;
	long run_id;
	int migrations;     /* applied, rolled back or recorded */
	struct seed_totals seeds;
	struct seed_files seed_files; /* loaded once, before the first migration */
};

/* The command's own step: its name in init_step, the verb of the summary line. */
struct session_step {
	const char *name;
	const char *verb; /* "rolled back", "recorded"; NULL: "applied" */
	enum rc (*fn)(struct session *s, void *arg);
	void *arg;
	bool runs_migrations; /* it executes migration files (rollback): their bytes are checked first */
};

/* Run the lifecycle; own may be NULL. */
enum rc session_run(struct session *s, const struct session_step *own);

/*
 * Files that cannot be sent as they are (a NUL byte, invalid UTF-8) stop a
 * command before anything connects: the files of the migrations directory
 * (NEED_MIGRATE), initdb.d (NEED_BOOTSTRAP) and the profile's seed sets
 * (NEED_SEED) are checked, every bad one logged as file:line:col.
 * RC_VALIDATE when one is. session_run does it; so do the read-only commands.
 */
enum rc session_preflight(const struct config *cfg, unsigned needs);

/* Connection parameters for one of the config's databases. */
struct db_params session_params(const struct config *cfg, const char *dbname);
/* Connect to the target database; NULL (logged, *rc = RC_CONNECT) on failure. */
struct db *session_connect(const struct config *cfg, enum rc *rc);

/* The migration files and the ledger's history, read together. */
struct migration_view {
	struct migration_set set;
	struct ledger_migration *hist;
	int n_hist;
};
/* db NULL or !ledger: an empty history. RC_VALIDATE (bad files) or RC_MIGRATE (history unreadable). */
enum rc session_view_load(const struct config *cfg, const struct format *fmt, struct db *db, bool ledger,
			  struct migration_view *v);
void session_view_free(struct migration_view *v);

#endif
