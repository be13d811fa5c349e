/*
 * main — the command table, option parsing and the run pipeline:
 *
 *   wait -> lock -> bootstrap -> migrate -> seed -> record -> exit code
 *
 * Only this file turns an enum rc into the process's exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
#include "compat.h"
#include "script.h"
#include "config.h"
#include "db.h"
#include "exitcode.h"
#include "ledger.h"
#include "lock.h"
#include "log.h"
#include "migrate.h"
#include "seed.h"
#include "sig.h"
#include "util.h"
#include "wait.h"

/* Options after the command name; each command accepts its own subset. */
struct cmd_opts {
	char **exec_argv;       /* run --exec -- CMD ARGS... */
	bool json, check;       /* status --json --check */
	bool dry_run;           /* run/migrate --dry-run */
	bool force;             /* rollback --force */
	bool offline;           /* validate --offline */
	int steps;              /* rollback N */
	const char *to_version; /* rollback --to V */
	const char *from;       /* import --from FORMAT */
	const char *arg;        /* baseline VERSION, new NAME */
};

struct ctx {
	struct config *cfg;
	const char *command;
	struct cmd_opts opts;
	enum mformat format;
};

enum {
	OPT_EXEC = 1 << 0, OPT_JSON = 1 << 1, OPT_CHECK = 1 << 2, OPT_DRY = 1 << 3, OPT_FORCE = 1 << 4,
	OPT_OFFLINE = 1 << 5, OPT_STEPS = 1 << 6, OPT_TO = 1 << 7, OPT_FROM = 1 << 8, OPT_ARG = 1 << 9,
};

/*
 * Parse a command's own options by hand: getopt's state cannot be reset the
 * same way on glibc and musl, and these are few.
 */
static enum rc parse_cmd_opts(const char *command, unsigned allowed, int argc, char **argv, struct cmd_opts *o)
{
	o->steps = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		long n;
		if ((allowed & OPT_EXEC) && strcmp(a, "--exec") == 0) {
			if (i + 1 < argc && strcmp(argv[i + 1], "--") == 0)
				i++;
			if (i + 1 >= argc) {
				log_error("%s --exec: no command given (pginit run --exec -- CMD [ARGS...])", command);
				return RC_USAGE;
			}
			o->exec_argv = argv + i + 1;
			return RC_OK;
		} else if ((allowed & OPT_JSON) && strcmp(a, "--json") == 0) {
			o->json = true;
		} else if ((allowed & OPT_CHECK) && strcmp(a, "--check") == 0) {
			o->check = true;
		} else if ((allowed & OPT_DRY) && strcmp(a, "--dry-run") == 0) {
			o->dry_run = true;
		} else if ((allowed & OPT_FORCE) && strcmp(a, "--force") == 0) {
			o->force = true;
		} else if ((allowed & OPT_OFFLINE) && strcmp(a, "--offline") == 0) {
			o->offline = true;
		} else if ((allowed & OPT_TO) && strcmp(a, "--to") == 0 && i + 1 < argc) {
			o->to_version = argv[++i];
		} else if ((allowed & OPT_FROM) && strcmp(a, "--from") == 0 && i + 1 < argc) {
			o->from = argv[++i];
		} else if ((allowed & OPT_STEPS) && parse_long(a, &n) && n > 0) {
			o->steps = (int)n;
		} else if ((allowed & OPT_ARG) && !o->arg && a[0] != '-') {
			o->arg = a;
		} else {
			log_error("%s: unknown option or argument '%s'", command, a);
			log_hint("see pginit help");
			return RC_USAGE;
		}
	}
	if ((allowed & OPT_ARG) && !o->arg) {
		log_error("%s: missing argument (pginit help)", command);
		return RC_USAGE;
	}
	return RC_OK;
}

/* Placeholders: built-ins, the config's group, then PGINIT_VAR_<NAME> (name lower-cased). */
static void setup_placeholders(const struct config *cfg)
{
	extern char **environ;
	struct strlist names = {0}, values = {0};
	const char *builtin[][2] = {
		{"owner_role", cfg->owner.name}, {"app_role", cfg->app.name}, {"readonly_role", cfg->readonly.name},
		{"database", cfg->dbname}, {"ledger_schema", cfg->ledger_schema}, {"profile", cfg->profile->name},
	};
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		strlist_add(&names, builtin[i][0]);
		strlist_add(&values, builtin[i][1]);
	}
	for (int i = 0; i < cfg->placeholders.names.n; i++) {
		strlist_add(&names, cfg->placeholders.names.items[i]);
		strlist_add(&values, cfg->placeholders.values.items[i]);
	}
	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "PGINIT_VAR_", 11) != 0 || !strchr(*e, '='))
			continue;
		char *name = xstrndup(*e + 11, (size_t)(strchr(*e, '=') - *e - 11));
		for (char *p = name; *p; p++)
			*p = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
		strlist_add_owned(&names, name);
		strlist_add(&values, strchr(*e, '=') + 1);
	}
	/* Later definitions win: search from the end by reversing into the module. */
	struct strlist rn = {0}, rv = {0};
	for (int i = names.n - 1; i >= 0; i--) {
		strlist_add(&rn, names.items[i]);
		strlist_add(&rv, values.items[i]);
	}
	script_set_placeholders(&rn, &rv);
	strlist_free(&names);
	strlist_free(&values);
	strlist_free(&rn);
	strlist_free(&rv);
}

static const char usage_text[] =
	"usage: pginit [-c FILE] [-p PROFILE] [-s KEY=VALUE]... [-v|-q] [--log-format text|json] [COMMAND]\n"
	"\n"
	"Prepare a PostgreSQL database for an application: wait for the server, create\n"
	"roles, schemas and extensions, apply migrations, apply the profile's seed sets,\n"
	"record the run in the database, and exit with a code an orchestrator understands.\n"
	"\n"
	"commands:\n"
	"  run [--dry-run] [--exec -- CMD ARGS...]\n"
	"             wait, bootstrap, migrate, seed, record (the default); then become CMD\n"
	"  wait       wait until the server accepts the admin connection\n"
	"  bootstrap  roles, database, schemas, extensions, grants, initdb.d/\n"
	"  migrate [--dry-run]   apply pending migrations (--dry-run: print the plan and its SQL)\n"
	"  seed       apply the profile's seed sets\n"
	"  status [--json] [--check]\n"
	"             migrations, seeds, last runs; --check exits 1 if pending, 11 if drifted\n"
	"  validate [--offline]  check files (and, online, the history) without changing anything\n"
	"  rollback [N | --to VERSION] [--force]\n"
	"             undo the N newest migrations (default 1) with their down parts\n"
	"  repair     accept edited applied files (new checksums), forget failed attempts\n"
	"  import [--from FORMAT]  adopt a database migrated by golang-migrate/dbmate/goose/flyway\n"
	"  baseline VERSION      record every migration up to VERSION as applied, without running it\n"
	"  new NAME   create the next migration file in the directory's format\n"
	"  version    print the version\n"
	"  help       this text; `help config` lists every configuration key\n"
	"\n"
	"options:\n"
	"  -c, --config FILE      configuration (default $PGINIT_CONFIG, else ./pginit.conf)\n"
	"  -p, --profile NAME     profile (default $PGINIT_PROFILE, else default_profile)\n"
	"  -s, --set KEY=VALUE    override a configuration key (see `pginit help config`)\n"
	"  -v, --verbose          also print debug lines\n"
	"  -q, --quiet            only warnings and errors\n"
	"      --log-format F     text (default) or json: one JSON object per line\n"
	"\n"
	"exit codes: 0 ok, 1 pending (status --check), 2 usage, 3 config, 4 secret,\n"
	"  5 wait timeout, 6 connect/auth, 7 bootstrap, 8 migrate, 9 seed, 10 lock timeout,\n"
	"  11 validation, 128+N signal N\n";

/* ---- connection parameters */

static struct db_params params_for(const struct config *cfg, const char *dbname)
{
	return (struct db_params){
		.host = cfg->host, .port = cfg->port, .dbname = dbname, .user = cfg->user,
		.password = cfg->password, .sslmode = cfg->sslmode, .sslrootcert = cfg->sslrootcert,
		.application_name = cfg->application_name, .target_session_attrs = cfg->target_session_attrs,
		.connect_timeout = cfg->connect_timeout,
	};
}

static struct db *connect_target(const struct config *cfg, enum rc *rc)
{
	struct db_params p = params_for(cfg, cfg->dbname);
	struct db_error err = {0};
	struct db *db = db_connect(&p, &err);
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

/* ---- the pipeline */

enum { PH_BOOTSTRAP = 1, PH_MIGRATE = 2, PH_SEED = 4, PH_ROLLBACK = 8, PH_IMPORT = 16, PH_REPAIR = 32 };

struct run_state {
	struct ctx *ctx;
	struct db *db;
	long run_id;
	int migrations;
	struct seed_totals seeds;
};

static void record_step(struct run_state *rs, const char *step, int64_t wall_start, int64_t duration_ms, enum rc rc,
			long items, long rows)
{
	if (!rs->run_id)
		return;
	struct ledger_step s = {.step = step, .started_wall_ms = wall_start, .duration_ms = (long)duration_ms,
				.ok = rc == RC_OK, .items = items, .rows = rows,
				.error = rc == RC_OK ? NULL : log_last_error()};
	ledger_step_record(rs->db, rs->ctx->cfg->ledger_schema, rs->run_id, &s);
}

/* The migration files and the ledger's history, read together. */
struct migration_view {
	struct migration_set set;
	struct ledger_migration *hist;
	int n_hist;
};

static void view_free(struct migration_view *v)
{
	ledger_migrations_free(v->hist, v->n_hist);
	migrate_set_free(&v->set);
}

/* db NULL or no ledger: an empty history. */
static enum rc view_load(struct ctx *ctx, struct db *db, bool ledger, struct migration_view *v)
{
	memset(v, 0, sizeof *v);
	enum rc rc = migrate_discover(ctx->cfg->migrations_dir, ctx->format, &v->set);
	if (rc == RC_OK && db && ledger && !ledger_migrations(db, ctx->cfg->ledger_schema, &v->hist, &v->n_hist))
		rc = RC_MIGRATE;
	return rc;
}

static enum rc phase_migrate(struct run_state *rs)
{
	const struct config *cfg = rs->ctx->cfg;
	struct migration_view v;
	struct plan plan = {0};
	enum rc rc = view_load(rs->ctx, rs->db, true, &v);
	if (rc == RC_OK)
		rc = migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, true, &plan);
	if (rc == RC_OK)
		log_info("migrations: %d files in %s (%s format%s), %d pending", v.set.n, cfg->migrations_dir,
			 migrate_format_name(v.set.format), rs->ctx->format == FMT_AUTO ? ", detected" : "", plan.n_pending);
	if (rc == RC_OK)
		rc = migrate_apply(rs->db, cfg, &v.set, &plan, rs->run_id, &rs->migrations);
	migrate_plan_free(&plan);
	view_free(&v);
	return rc;
}

static enum rc phase_rollback(struct run_state *rs)
{
	struct ctx *ctx = rs->ctx;
	struct migration_view v;
	enum rc rc = view_load(ctx, rs->db, true, &v);
	if (rc == RC_OK)
		rc = migrate_rollback(rs->db, ctx->cfg, &v.set, v.hist, v.n_hist, ctx->opts.steps, ctx->opts.to_version,
				      rs->run_id, &rs->migrations);
	view_free(&v);
	return rc;
}

/* import (the old tool's table) and baseline VERSION: record files as applied without running them. */
static enum rc phase_import(struct run_state *rs)
{
	struct ctx *ctx = rs->ctx;
	struct migration_view v;
	struct strlist versions = {0};
	char *upto = NULL;
	enum rc rc = view_load(ctx, rs->db, true, &v);
	enum mformat from = v.set.format;
	if (rc == RC_OK && ctx->opts.from && !migrate_parse_format(ctx->opts.from, &from)) {
		log_error("import --from %s: not a format (golang-migrate, dbmate, goose, flyway)", ctx->opts.from);
		rc = RC_USAGE;
	}
	if (rc == RC_OK && strcmp(ctx->command, "baseline") == 0) {
		upto = migrate_normalise_version(ctx->opts.arg, true);
		if (!upto) {
			log_error("baseline %s: not a version", ctx->opts.arg);
			rc = RC_USAGE;
		}
	} else if (rc == RC_OK) {
		bool found;
		rc = compat_applied(rs->db, from, &versions, &upto, &found);
		if (rc == RC_OK && !found) {
			log_error("no %s history table in database %s: nothing to import", migrate_format_name(from),
				  ctx->cfg->dbname);
			rc = RC_VALIDATE;
		}
	}
	for (int i = 0; rc == RC_OK && i < v.set.n; i++) {
		const struct migration *m = &v.set.items[i];
		bool applied = strlist_contains(&versions, m->version) ||
			       (upto && !m->repeatable && migrate_version_cmp(m->version, upto) <= 0);
		bool known = false;
		for (int h = 0; h < v.n_hist; h++)
			known = known || (v.hist[h].repeatable == m->repeatable && strcmp(v.hist[h].version, m->version) == 0 &&
					  v.hist[h].success);
		if (!applied || known)
			continue;
		char *text;
		size_t len;
		char sum[65];
		if (!read_file(m->path, &text, &len)) {
			log_error("unable to read %s", m->path);
			rc = RC_VALIDATE;
			break;
		}
		script_checksum(text, len, sum);
		free(text);
		struct ledger_migration_row row = {.run_id = rs->run_id, .version = m->version, .name = m->name,
						   .script = m->file, .checksum = sum, .success = true,
						   .kind = m->repeatable ? "repeatable" : "migration", .error = NULL};
		if (!ledger_record_migration(rs->db, ctx->cfg->ledger_schema, &row))
			rc = RC_MIGRATE;
		else {
			rs->migrations++;
			log_info("recorded %s as applied (%s)", m->file, strcmp(ctx->command, "baseline") == 0 ? "baseline" : "imported");
		}
	}
	for (int i = 0; i < versions.n; i++) {
		bool has_file = false;
		for (int j = 0; j < v.set.n; j++)
			has_file = has_file || strcmp(v.set.items[j].version, versions.items[i]) == 0;
		if (!has_file)
			log_warn("version %s is in the old tool's table but has no file here", versions.items[i]);
	}
	strlist_free(&versions);
	free(upto);
	view_free(&v);
	return rc;
}

static enum rc phase_repair(struct run_state *rs)
{
	struct ctx *ctx = rs->ctx;
	struct migration_view v;
	struct plan plan = {0};
	enum rc rc = view_load(ctx, rs->db, true, &v);
	if (rc == RC_OK)
		migrate_plan(&v.set, v.hist, v.n_hist, true, false, &plan);
	for (int i = 0; rc == RC_OK && i < v.set.n; i++) {
		if (plan.state[i] != M_DRIFTED)
			continue;
		const struct migration *m = &v.set.items[i];
		char *text;
		size_t len;
		char sum[65];
		if (!read_file(m->path, &text, &len))
			continue;
		script_checksum(text, len, sum);
		free(text);
		if (!ledger_repair_checksum(rs->db, ctx->cfg->ledger_schema, m->version, m->repeatable, sum))
			rc = RC_MIGRATE;
		else {
			log_info("repaired the checksum of %s (now %.12s)", m->file, sum);
			rs->migrations++;
		}
	}
	long deleted = 0;
	if (rc == RC_OK && !ledger_delete_failed(rs->db, ctx->cfg->ledger_schema, &deleted))
		rc = RC_MIGRATE;
	if (deleted)
		log_info("removed %ld failed migration row%s", deleted, deleted == 1 ? "" : "s");
	if (rc == RC_OK && plan.n_missing)
		log_warn("%d applied version%s have no file; restore them (repair does not forget history)", plan.n_missing,
			 plan.n_missing == 1 ? "" : "s");
	migrate_plan_free(&plan);
	view_free(&v);
	return rc;
}

static enum rc run_phases(struct ctx *ctx, unsigned phases)
{
	struct config *cfg = ctx->cfg;
	const struct profile *prof = cfg->profile;
	int64_t t0 = now_ms(), w0 = wall_ms();
	struct run_state rs = {.ctx = ctx};
	struct db *maint = NULL;
	char *app_password = NULL;
	bool locked = false;
	enum rc rc = RC_OK;

	log_info("pginit %s: %s, profile %s, database %s on %s:%d", PGINIT_VERSION, ctx->command, prof->name,
		 cfg->dbname, cfg->host, cfg->port);
	/* Files that cannot be sent as they are (a NUL byte, not UTF-8) stop the run before anything. */
	if (!script_preflight((phases & (PH_MIGRATE | PH_ROLLBACK)) ? cfg->migrations_dir : NULL,
			      (phases & PH_BOOTSTRAP) ? cfg->initdb_dir : NULL, (phases & PH_SEED) ? cfg->seeds_dir : NULL,
			      &prof->seeds))
		rc = RC_VALIDATE;
	/* Secrets first: a missing secret is known before any waiting. */
	if (rc == RC_OK && (phases & PH_BOOTSTRAP))
		rc = bootstrap_app_password(cfg, &app_password);
	if (rc != RC_OK)
		goto out;

	struct db_params p = params_for(cfg, cfg->maintenance_db);
	rc = wait_for_server(&p, prof->wait_timeout_ms, &maint);
	int64_t wait_end = now_ms();
	if (rc != RC_OK)
		goto out;
	rc = lock_acquire(maint, cfg->dbname, prof->lock_timeout_ms);
	if (rc != RC_OK)
		goto out;
	locked = true;

	int64_t b0 = now_ms(), bw0 = wall_ms();
	bool created = false;
	if (phases & PH_BOOTSTRAP)
		rc = bootstrap_cluster(maint, cfg, app_password, &created);
	if (rc == RC_OK)
		rs.db = connect_target(cfg, &rc);
	if (rc == RC_OK && !ledger_ensure(rs.db, cfg->ledger_schema))
		rc = RC_BOOTSTRAP;
	if (rc == RC_OK) {
		char *opts = options_json(cfg, ctx->command);
		struct ledger_run run = {.profile = prof->name, .command = ctx->command, .options_json = opts,
					 .started_wall_ms = w0};
		if (!ledger_run_begin(rs.db, cfg->ledger_schema, &run, &rs.run_id))
			rc = RC_BOOTSTRAP;
		free(opts);
	}
	if (rc != RC_OK)
		goto out;
	record_step(&rs, "wait", w0, wait_end - t0, RC_OK, 0, 0);

	if (phases & PH_BOOTSTRAP) {
		int files = 0;
		rc = bootstrap_database(rs.db, cfg, &files);
		record_step(&rs, "bootstrap", bw0, now_ms() - b0, rc, files, 0);
		if (rc != RC_OK)
			goto out;
	}
	if (phases & PH_SEED) {
		/* Every seed file must load before the first migration or seed runs. */
		for (int k = 0; k < prof->seeds.n && rc == RC_OK; k++) {
			struct strlist files = {0};
			rc = seed_list(cfg, prof->seeds.items[k], &files);
			for (int i = 0; i < files.n; i++) {
				struct script s;
				if (!seed_check_file(files.items[i], &s))
					rc = RC_SEED;
				script_free(&s);
			}
			strlist_free(&files);
		}
		if (rc != RC_OK)
			goto out;
	}
	static const struct {
		unsigned phase;
		const char *step;
		enum rc (*fn)(struct run_state *);
	} single[] = {
		{PH_ROLLBACK, "rollback", phase_rollback},
		{PH_IMPORT, "import", phase_import},
		{PH_REPAIR, "repair", phase_repair},
	};
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++) {
		if (!(phases & single[i].phase))
			continue;
		int64_t s0 = now_ms(), sw0 = wall_ms();
		rc = single[i].fn(&rs);
		record_step(&rs, single[i].step, sw0, now_ms() - s0, rc, rs.migrations, 0);
		if (rc != RC_OK)
			goto out;
	}
	if ((phases & PH_MIGRATE) && (prof->migrate || strcmp(ctx->command, "migrate") == 0)) {
		int64_t m0 = now_ms(), mw0 = wall_ms();
		rc = phase_migrate(&rs);
		record_step(&rs, "migrate", mw0, now_ms() - m0, rc, rs.migrations, 0);
		if (rc != RC_OK)
			goto out;
	} else if (phases & PH_MIGRATE) {
		log_info("profile %s does not run migrations (migrate = false)", prof->name);
	}
	if (phases & PH_SEED) {
		if (prof->seeds.n == 0)
			log_info("profile %s has no seed sets", prof->name);
		for (int i = 0; i < prof->seeds.n && rc == RC_OK; i++) {
			int64_t s0 = now_ms(), sw0 = wall_ms();
			struct seed_totals before = rs.seeds;
			rc = seed_apply_set(rs.db, cfg, prof->seeds.items[i], rs.run_id, &rs.seeds);
			char *step = xasprintf("seed:%s", prof->seeds.items[i]);
			record_step(&rs, step, sw0, now_ms() - s0, rc, rs.seeds.files - before.files, rs.seeds.rows - before.rows);
			free(step);
		}
	}

out:
	if (rc == RC_OK && sig_caught())
		rc = RC_SIGNAL;
	if (rs.run_id) {
		char *why = rc == RC_SIGNAL ? xasprintf("interrupted by signal %d", sig_caught()) : NULL;
		ledger_run_end(rs.db, cfg->ledger_schema, rs.run_id, rc == RC_OK, rs.migrations, rs.seeds.files,
			       rs.seeds.rows, rc == RC_OK ? NULL : why ? why : log_last_error());
		free(why);
	}
	if (locked)
		lock_release(maint, cfg->dbname);
	db_close(rs.db);
	db_close(maint);
	free_secret(app_password);
	if (rc == RC_OK)
		log_info("%s done in %ld ms: %d migration%s %s, %d seed file%s (%ld rows)", ctx->command,
			 (long)(now_ms() - t0), rs.migrations, rs.migrations == 1 ? "" : "s",
			 (phases & PH_ROLLBACK) ? "rolled back" : (phases & (PH_IMPORT | PH_REPAIR)) ? "recorded" : "applied",
			 rs.seeds.files, rs.seeds.files == 1 ? "" : "s", rs.seeds.rows);
	else if (rc == RC_SIGNAL)
		log_error("%s interrupted by signal %d after %ld ms; the current step was rolled back", ctx->command,
			  sig_caught(), (long)(now_ms() - t0));
	return rc;
}

/* ---- dry run: the plan and its SQL, read-only, nothing recorded */

static enum rc dry_run(struct ctx *ctx, bool seeds)
{
	struct config *cfg = ctx->cfg;
	struct db_params p = params_for(cfg, cfg->maintenance_db);
	struct db *maint = NULL, *db = NULL;
	struct migration_view v = {0};
	struct plan plan = {0};
	bool ledger = false;
	enum rc rc = wait_for_server(&p, cfg->profile->wait_timeout_ms, &maint);
	if (rc != RC_OK)
		return rc;
	struct db_error err = {0};
	const char *params[] = {cfg->dbname};
	struct db_result *r = db_query(maint, "SELECT 1 FROM pg_database WHERE datname = $1", 1, params, &err);
	bool exists = r && db_nrows(r) > 0;
	db_result_free(r);
	db_error_clear(&err);
	printf("-- pginit %s --dry-run: profile %s, database %s on %s:%d; nothing below has been run\n", ctx->command,
	       cfg->profile->name, cfg->dbname, cfg->host, cfg->port);
	if (!exists)
		printf("-- database %s does not exist: bootstrap would create it; every migration is pending\n", cfg->dbname);
	if (exists) {
		db = connect_target(cfg, &rc);
		/* Read-only for real: any write would fail, not just be avoided. */
		if (db && !db_exec(db, "SET default_transaction_read_only = on", NULL, &err))
			rc = RC_CONNECT;
		db_error_clear(&err);
		if (db && rc == RC_OK && !ledger_exists(db, cfg->ledger_schema, &ledger))
			rc = RC_CONNECT;
	}
	if (rc == RC_OK)
		rc = view_load(ctx, db, ledger, &v);
	if (rc == RC_OK)
		rc = migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, true, &plan);
	if (rc == RC_OK && (cfg->profile->migrate || strcmp(ctx->command, "migrate") == 0))
		migrate_print_plan(cfg, &v.set, &plan);
	if (rc == RC_OK && seeds)
		rc = seed_print_plan(db, cfg, ledger);
	migrate_plan_free(&plan);
	view_free(&v);
	db_close(db);
	db_close(maint);
	return rc;
}

/* ---- commands */

static enum rc cmd_run(struct ctx *ctx)
{
	if (ctx->opts.dry_run)
		return dry_run(ctx, true);
	return run_phases(ctx, PH_BOOTSTRAP | PH_MIGRATE | PH_SEED);
}

static enum rc cmd_bootstrap(struct ctx *ctx)
{
	return run_phases(ctx, PH_BOOTSTRAP);
}

static enum rc cmd_migrate(struct ctx *ctx)
{
	if (ctx->opts.dry_run)
		return dry_run(ctx, false);
	return run_phases(ctx, PH_MIGRATE);
}

static enum rc cmd_seed(struct ctx *ctx)
{
	return run_phases(ctx, PH_SEED);
}

static enum rc cmd_rollback(struct ctx *ctx)
{
	if (strcmp(ctx->cfg->profile->name, "prod") == 0 && !ctx->opts.force) {
		log_error("rollback refused under the prod profile");
		log_hint("roll forward with a new migration, or pass --force if you really mean it");
		return RC_USAGE;
	}
	return run_phases(ctx, PH_ROLLBACK);
}

static enum rc cmd_import(struct ctx *ctx)
{
	return run_phases(ctx, PH_IMPORT);
}

static enum rc cmd_repair(struct ctx *ctx)
{
	return run_phases(ctx, PH_REPAIR);
}

static enum rc cmd_wait(struct ctx *ctx)
{
	struct db_params p = params_for(ctx->cfg, ctx->cfg->maintenance_db);
	struct db *db = NULL;
	enum rc rc = wait_for_server(&p, ctx->cfg->profile->wait_timeout_ms, &db);
	db_close(db);
	return rc;
}

static enum rc cmd_validate(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct migration_view v;
	enum rc rc = view_load(ctx, NULL, false, &v);
	int problems = rc == RC_OK ? 0 : 1;
	/* Every part of every file parses, placeholders included. */
	for (int i = 0; i < v.set.n; i++) {
		struct script s;
		if (!migrate_load(&v.set.items[i], false, &s))
			problems++;
		script_free(&s);
		if (v.set.items[i].has_down) {
			if (!migrate_load(&v.set.items[i], true, &s))
				problems++;
			script_free(&s);
		}
		if (i > 0 && !v.set.items[i].repeatable && !v.set.items[i - 1].repeatable &&
		    (v.set.format == FMT_NATIVE || v.set.format == FMT_GOLANG_MIGRATE || v.set.format == FMT_GOOSE)) {
			long a, b;
			if (parse_long(v.set.items[i - 1].version, &a) && parse_long(v.set.items[i].version, &b) && b > a + 1)
				log_warn("gap in versions: %s follows %s", v.set.items[i].version, v.set.items[i - 1].version);
		}
	}
	for (int k = 0; k < cfg->profile->seeds.n; k++) {
		struct strlist files = {0};
		if (seed_list(cfg, cfg->profile->seeds.items[k], &files) != RC_OK)
			problems++;
		for (int i = 0; i < files.n; i++) {
			struct script s;
			if (!seed_check_file(files.items[i], &s))
				problems++;
			script_free(&s);
		}
		strlist_free(&files);
	}
	struct db *db = NULL;
	if (!ctx->opts.offline && problems == 0) {
		rc = RC_OK;
		db = connect_target(cfg, &rc);
		bool ledger = false;
		if (db && ledger_exists(db, cfg->ledger_schema, &ledger) && ledger) {
			view_free(&v);
			rc = view_load(ctx, db, true, &v);
			struct plan plan = {0};
			if (rc == RC_OK && migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, true, &plan) != RC_OK)
				problems++;
			for (int i = 0; i < v.set.n && plan.state; i++)
				if (plan.state[i] == M_FAILED)
					log_warn("%s failed outside a transaction earlier (see `pginit repair`)", v.set.items[i].file);
			migrate_plan_free(&plan);
		}
		if (!db)
			problems++;
	}
	if (problems == 0)
		log_info("validate: %d migrations (%s)%s: ok", v.set.n, migrate_format_name(v.set.format),
			 ctx->opts.offline ? ", offline" : "");
	else if (rc == RC_OK || rc == RC_VALIDATE)
		rc = RC_VALIDATE;
	db_close(db);
	view_free(&v);
	return problems == 0 ? RC_OK : rc == RC_CONNECT ? RC_CONNECT : RC_VALIDATE;
}

/* A safe file-name word from NAME: lower case letters, digits, '_'. */
static char *slug(const char *name)
{
	struct buf b = {0};
	for (const char *p = name; *p; p++) {
		char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_putc(&b, c);
		else if (b.len && b.data[b.len - 1] != '_')
			buf_putc(&b, '_');
	}
	while (b.len && b.data[b.len - 1] == '_')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

static bool create_file(const char *path, const char *text)
{
	FILE *f = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		log_error("unable to create %s: %s", path, strerror(errno));
		return false;
	}
	printf("%s\n", path);
	return true;
}

static enum rc cmd_new(struct ctx *ctx)
{
	struct migration_set set;
	enum rc rc = migrate_discover(ctx->cfg->migrations_dir, ctx->format, &set);
	if (rc != RC_OK)
		return rc;
	char *name = slug(ctx->opts.arg);
	if (!*name) {
		log_error("new: '%s' gives no usable file name", ctx->opts.arg);
		free(name);
		migrate_set_free(&set);
		return RC_USAGE;
	}
	/* The next version after the newest, in the width the directory already uses. */
	long newest = 0;
	int width = 4;
	for (int i = 0; i < set.n; i++) {
		long v;
		if (!set.items[i].repeatable && parse_long(set.items[i].version, &v) && v > newest)
			newest = v;
		size_t digits = strspn(set.items[i].file + (set.format == FMT_FLYWAY), "0123456789");
		if (i == 0 || (int)digits > width)
			width = (int)digits;
	}
	const char *dir = ctx->cfg->migrations_dir;
	char *up = NULL, *down = NULL, *body = NULL;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	switch (set.format) {
	case FMT_NATIVE:
		up = xasprintf("%s/%0*ld_%s.sql", dir, width, newest + 1, name);
		down = xasprintf("%s/%0*ld_%s.down.sql", dir, width, newest + 1, name);
		body = xstrdup("-- up: runs in one transaction as the owner role\n\n");
		break;
	case FMT_GOLANG_MIGRATE:
		up = xasprintf("%s/%ld_%s.up.sql", dir, newest + 1, name);
		down = xasprintf("%s/%ld_%s.down.sql", dir, newest + 1, name);
		body = xstrdup("\n");
		break;
	case FMT_DBMATE:
		up = xasprintf("%s/%s_%s.sql", dir, stamp, name);
		body = xstrdup("-- migrate:up\n\n\n-- migrate:down\n\n");
		break;
	case FMT_GOOSE:
		up = xasprintf("%s/%0*ld_%s.sql", dir, width > 5 ? width : 5, newest + 1, name);
		body = xstrdup("-- +goose Up\n\n\n-- +goose Down\n\n");
		break;
	default:
		up = xasprintf("%s/V%ld__%s.sql", dir, newest + 1, name);
		body = xstrdup("\n");
		break;
	}
	if (!create_file(up, body) || (down && !create_file(down, "-- down: undoes the up file\n\n")))
		rc = RC_USAGE;
	free(up);
	free(down);
	free(body);
	free(name);
	migrate_set_free(&set);
	return rc;
}

static const char *const state_names[] = {"pending", "applied", "drifted", "failed"};

static enum rc cmd_status(struct ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	enum rc rc = RC_OK;
	struct db *db = connect_target(cfg, &rc);
	if (!db)
		return rc;
	bool exists = false;
	struct migration_view v = {0};
	struct plan plan = {0};
	struct ledger_seed *seeds = NULL;
	int n_seeds = 0, seeds_pending = 0;
	struct db_result *runs = NULL;
	struct buf out = {0};
	if (!ledger_exists(db, cfg->ledger_schema, &exists)) {
		rc = RC_CONNECT;
		goto done;
	}
	rc = view_load(ctx, db, exists, &v);
	if (rc != RC_OK)
		goto done;
	migrate_plan(&v.set, v.hist, v.n_hist, cfg->profile->allow_out_of_order, false, &plan);
	if (exists && !ledger_seeds(db, cfg->ledger_schema, &seeds, &n_seeds)) {
		rc = RC_CONNECT;
		goto done;
	}
	if (exists) {
		char *schema = db_ident(db, cfg->ledger_schema);
		char *sql = xasprintf("SELECT id, status, profile, command, started_at::text, coalesce(duration_ms, 0),"
				      " migrations_applied, seeds_applied, coalesce(error, '') FROM %s.init_log"
				      " ORDER BY id DESC LIMIT 5", schema);
		struct db_error err = {0};
		runs = db_query(db, sql, 0, NULL, &err);
		db_error_clear(&err);
		free(sql);
		free(schema);
	}
	bool json = ctx->opts.json;
	int failed = 0;
	if (json) {
		buf_puts(&out, "{\"database\":");
		buf_json_str(&out, cfg->dbname);
		buf_puts(&out, ",\"profile\":");
		buf_json_str(&out, cfg->profile->name);
		buf_puts(&out, ",\"format\":");
		buf_json_str(&out, migrate_format_name(v.set.format));
		buf_puts(&out, ",\"migrations\":[");
	} else {
		buf_printf(&out, "database %s on %s:%d, profile %s\n", cfg->dbname, cfg->host, cfg->port, cfg->profile->name);
		buf_printf(&out, "migrations (%s, %s): %d files, %d pending, %d drifted, %d missing\n", cfg->migrations_dir,
			   migrate_format_name(v.set.format), v.set.n, plan.n_pending, plan.n_drifted, plan.n_missing);
	}
	for (int i = 0; i < v.set.n; i++) {
		const struct migration *m = &v.set.items[i];
		const char *applied_at = NULL;
		for (int h = 0; h < v.n_hist; h++)
			if (v.hist[h].repeatable == m->repeatable && strcmp(v.hist[h].version, m->version) == 0)
				applied_at = v.hist[h].applied_at;
		failed += plan.state[i] == M_FAILED;
		if (json) {
			buf_printf(&out, "%s{\"version\":", i ? "," : "");
			buf_json_str(&out, m->version);
			buf_puts(&out, ",\"name\":");
			buf_json_str(&out, m->name);
			buf_puts(&out, ",\"file\":");
			buf_json_str(&out, m->file);
			buf_printf(&out, ",\"repeatable\":%s,\"state\":\"%s\",\"applied_at\":", m->repeatable ? "true" : "false",
				   state_names[plan.state[i]]);
			if (applied_at && plan.state[i] != M_PENDING)
				buf_json_str(&out, applied_at);
			else
				buf_puts(&out, "null");
			buf_putc(&out, '}');
		} else {
			buf_printf(&out, "  %-8s %s\n", state_names[plan.state[i]], m->file);
		}
	}
	if (json)
		buf_puts(&out, "],\"missing\":[");
	int nm = 0;
	for (int h = 0; h < v.n_hist; h++) {
		bool found = false;
		for (int i = 0; i < v.set.n; i++)
			found = found || (v.set.items[i].repeatable == v.hist[h].repeatable &&
					  strcmp(v.set.items[i].version, v.hist[h].version) == 0);
		if (found || !v.hist[h].success || v.hist[h].repeatable)
			continue;
		if (json) {
			buf_printf(&out, "%s{\"version\":", nm++ ? "," : "");
			buf_json_str(&out, v.hist[h].version);
			buf_puts(&out, ",\"name\":");
			buf_json_str(&out, v.hist[h].name);
			buf_putc(&out, '}');
		} else {
			buf_printf(&out, "  %-8s %s_%s (applied %s, file missing)\n", "missing", v.hist[h].version,
				   v.hist[h].name, v.hist[h].applied_at);
		}
	}
	buf_puts(&out, json ? "],\"seeds\":[" : "");
	if (!json)
		buf_printf(&out, "seeds (profile %s):\n", cfg->profile->name);
	int ns = 0;
	for (int k = 0; k < cfg->profile->seeds.n; k++) {
		const char *sname = cfg->profile->seeds.items[k];
		struct strlist files = {0};
		seed_list(cfg, sname, &files);
		for (int i = 0; i < files.n; i++) {
			const char *state = seed_state(files.items[i], sname, seeds, n_seeds);
			seeds_pending += strcmp(state, "applied") != 0;
			if (json) {
				buf_printf(&out, "%s{\"set\":", ns++ ? "," : "");
				buf_json_str(&out, sname);
				buf_puts(&out, ",\"file\":");
				buf_json_str(&out, path_base(files.items[i]));
				buf_printf(&out, ",\"state\":\"%s\"}", state);
			} else {
				buf_printf(&out, "  %-8s %s/%s\n", state, sname, path_base(files.items[i]));
			}
		}
		strlist_free(&files);
	}
	if (json)
		buf_puts(&out, "],\"runs\":[");
	else if (!exists)
		buf_puts(&out, "no pginit ledger in this database yet (never run)\n");
	else
		buf_puts(&out, "last runs:\n");
	for (int i = 0; runs && i < db_nrows(runs); i++) {
		if (json) {
			buf_printf(&out, "%s{\"id\":%s,\"status\":", i ? "," : "", db_get(runs, i, 0));
			buf_json_str(&out, db_get(runs, i, 1));
			buf_puts(&out, ",\"profile\":");
			buf_json_str(&out, db_get(runs, i, 2));
			buf_puts(&out, ",\"command\":");
			buf_json_str(&out, db_get(runs, i, 3));
			buf_puts(&out, ",\"started_at\":");
			buf_json_str(&out, db_get(runs, i, 4));
			buf_printf(&out, ",\"duration_ms\":%s,\"migrations_applied\":%s,\"seeds_applied\":%s,\"error\":",
				   db_get(runs, i, 5), db_get(runs, i, 6), db_get(runs, i, 7));
			if (*db_get(runs, i, 8))
				buf_json_str(&out, db_get(runs, i, 8));
			else
				buf_puts(&out, "null");
			buf_putc(&out, '}');
		} else {
			buf_printf(&out, "  #%s %-7s %-5s %-9s %s %s ms, %s migrations, %s seed files%s%s\n", db_get(runs, i, 0),
				   db_get(runs, i, 1), db_get(runs, i, 2), db_get(runs, i, 3), db_get(runs, i, 4),
				   db_get(runs, i, 5), db_get(runs, i, 6), db_get(runs, i, 7), *db_get(runs, i, 8) ? ": " : "",
				   db_get(runs, i, 8));
		}
	}
	if (json)
		buf_printf(&out, "],\"pending\":%d,\"drifted\":%d,\"failed\":%d,\"missing\":%d,\"seeds_pending\":%d}\n",
			   plan.n_pending, plan.n_drifted, failed, plan.n_missing, seeds_pending);
	fputs(out.data ? out.data : "", stdout);
	if (ctx->opts.check) {
		/* A healthcheck: 11 when the database disagrees with the files, 1 when work is pending. */
		if (plan.n_drifted || plan.n_missing || failed)
			rc = RC_VALIDATE;
		else if (plan.n_pending || seeds_pending)
			rc = RC_PENDING;
	}
done:
	buf_free(&out);
	db_result_free(runs);
	ledger_seeds_free(seeds, n_seeds);
	migrate_plan_free(&plan);
	view_free(&v);
	db_close(db);
	return rc;
}

struct command {
	const char *name;
	enum rc (*fn)(struct ctx *ctx);
	unsigned options;
	bool needs_profile;
};

static const struct command commands[] = {
	{"run", cmd_run, OPT_EXEC | OPT_DRY, true},
	{"wait", cmd_wait, 0, true},
	{"bootstrap", cmd_bootstrap, 0, true},
	{"migrate", cmd_migrate, OPT_DRY, true},
	{"seed", cmd_seed, 0, true},
	{"status", cmd_status, OPT_JSON | OPT_CHECK, true},
	{"validate", cmd_validate, OPT_OFFLINE, true},
	{"rollback", cmd_rollback, OPT_STEPS | OPT_TO | OPT_FORCE, true},
	{"repair", cmd_repair, 0, true},
	{"import", cmd_import, OPT_FROM, true},
	{"baseline", cmd_import, OPT_ARG, true},
	{"new", cmd_new, OPT_ARG, true},
	{NULL, NULL, 0, false},
};

/* ---- main */

/*
 * Entrypoint mode: the init succeeded, now become the application. The
 * process keeps its PID (PID 1 in a container stays the app), the
 * environment and the open stdin/stdout/stderr; every libpq connection is
 * closed by now. Signal dispositions we changed go back to the default so
 * the app starts as if exec'd by a shell (an ignored SIGPIPE would survive
 * execve otherwise). Exit codes follow the shell: 127 not found, 126 not
 * executable.
 */
static int exec_app(char **argv)
{
	sig_reset();
	log_info("init done; starting %s", argv[0]);
	execvp(argv[0], argv);
	int e = errno;
	log_error("unable to run %s: %s", argv[0], strerror(e));
	return e == ENOENT ? 127 : 126;
}

static int exit_status(enum rc rc)
{
	if (rc == RC_SIGNAL)
		return 128 + (sig_caught() ? sig_caught() : 15);
	return (int)rc;
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{"config", required_argument, NULL, 'c'}, {"profile", required_argument, NULL, 'p'},
		{"set", required_argument, NULL, 's'},    {"verbose", no_argument, NULL, 'v'},
		{"quiet", no_argument, NULL, 'q'},        {"log-format", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *config_path = NULL, *profile = NULL;
	int verbosity = 0;
	enum log_format format = LOG_TEXT;
	struct strlist sets = {0};
	const char *env_format = getenv("PGINIT_LOG_FORMAT");
	if (env_format && !log_parse_format(env_format, &format)) {
		fprintf(stderr, "pginit: error: PGINIT_LOG_FORMAT must be text or json\n");
		return RC_USAGE;
	}
	int c;
	/* '+': stop at the command, so its own options are left for it. */
	while ((c = getopt_long(argc, argv, "+c:p:s:vqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'p': profile = optarg; break;
		case 's': strlist_add(&sets, optarg); break;
		case 'v': verbosity = 1; break;
		case 'q': verbosity = -1; break;
		case 'F':
			if (!log_parse_format(optarg, &format)) {
				fprintf(stderr, "pginit: error: --log-format must be text or json\n");
				strlist_free(&sets);
				return RC_USAGE;
			}
			break;
		case 'h': fputs(usage_text, stdout); strlist_free(&sets); return RC_OK;
		case 'V': printf("pginit %s\n", PGINIT_VERSION); strlist_free(&sets); return RC_OK;
		default:
			fputs(usage_text, stderr);
			strlist_free(&sets);
			return RC_USAGE;
		}
	}
	log_setup(format, verbosity);
	const char *command = optind < argc ? argv[optind] : "run";
	int cargc = optind < argc ? argc - optind : 0;
	char **cargv = argv + optind;

	if (strcmp(command, "version") == 0) {
		printf("pginit %s\n", PGINIT_VERSION);
		strlist_free(&sets);
		return RC_OK;
	}
	if (strcmp(command, "help") == 0) {
		if (cargc > 1 && strcmp(cargv[1], "config") == 0)
			config_print_keys(stdout);
		else
			fputs(usage_text, stdout);
		strlist_free(&sets);
		return RC_OK;
	}
	const struct command *cmd = NULL;
	for (const struct command *k = commands; k->name; k++)
		if (strcmp(k->name, command) == 0)
			cmd = k;
	if (!cmd) {
		log_error("unknown command '%s'", command);
		log_hint("commands: run, wait, bootstrap, migrate, seed, status, validate, rollback, repair, import, "
			 "baseline, new, version, help");
		strlist_free(&sets);
		return RC_USAGE;
	}
	struct cmd_opts copts = {0};
	if (parse_cmd_opts(command, cmd->options, cargc, cargv, &copts) != RC_OK) {
		strlist_free(&sets);
		return RC_USAGE;
	}

	sig_setup();
	if (!config_path)
		config_path = getenv("PGINIT_CONFIG");
	if (!config_path || !*config_path)
		config_path = "pginit.conf";
	if (!profile || !*profile)
		profile = getenv("PGINIT_PROFILE");
	enum rc rc;
	struct config *cfg = config_load(config_path, &sets, &rc);
	strlist_free(&sets);
	if (!cfg)
		return exit_status(rc);
	rc = config_select_profile(cfg, profile);
	if (rc == RC_OK)
		rc = config_check_paths(cfg);
	if (rc == RC_OK) {
		struct ctx ctx = {.cfg = cfg, .command = command, .opts = copts};
		if (!migrate_parse_format(cfg->migrations_format, &ctx.format)) {
			log_error("migrations_format '%s' is not one of auto, native, golang-migrate, dbmate, goose, flyway",
				  cfg->migrations_format);
			rc = RC_CONFIG;
		} else {
			setup_placeholders(cfg);
			rc = cmd->fn(&ctx);
		}
	}
	config_free(cfg);
	/* A dry run prepared nothing, so it starts nothing either. */
	if (rc == RC_OK && copts.exec_argv && !copts.dry_run)
		return exec_app(copts.exec_argv);
	return exit_status(rc);
}
