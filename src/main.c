/*
 * main — the command table, option parsing and the run pipeline:
 *
 *   wait -> lock -> bootstrap -> migrate -> seed -> record -> exit code
 *
 * Only this file turns an enum rc into the process's exit status.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootstrap.h"
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
	char **exec_argv; /* run --exec -- CMD ARGS... */
	bool json;        /* status --json */
	bool check;       /* status --check */
};

struct ctx {
	struct config *cfg;
	const char *command;
	struct cmd_opts opts;
};

enum { OPT_EXEC = 1, OPT_JSON = 2, OPT_CHECK = 4 };

/*
 * Parse a command's own options by hand: getopt's state cannot be reset the
 * same way on glibc and musl, and these are few.
 */
static enum rc parse_cmd_opts(const char *command, unsigned allowed, int argc, char **argv, struct cmd_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
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
		} else {
			log_error("%s: unknown option or argument '%s'", command, a);
			log_hint("see pginit help");
			return RC_USAGE;
		}
	}
	return RC_OK;
}

enum { PH_BOOTSTRAP = 1, PH_MIGRATE = 2, PH_SEED = 4 };

static const char usage_text[] =
	"usage: pginit [-c FILE] [-p PROFILE] [-s KEY=VALUE]... [-v|-q] [--log-format text|json] [COMMAND]\n"
	"\n"
	"Prepare a PostgreSQL database for an application: wait for the server, create\n"
	"roles, schemas and extensions, apply migrations, apply the profile's seed sets,\n"
	"record the run in the database, and exit with a code an orchestrator understands.\n"
	"\n"
	"commands:\n"
	"  run        wait, bootstrap, migrate, seed, record (the default)\n"
	"  wait       wait until the server accepts the admin connection\n"
	"  bootstrap  roles, database, schemas, extensions, grants, initdb.d/\n"
	"  migrate    apply pending migrations\n"
	"  seed       apply the profile's seed sets\n"
	"  status     applied and pending migrations and seeds, and the last runs\n"
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
	"exit codes: 0 ok, 2 usage, 3 config, 4 secret, 5 wait timeout, 6 connect/auth,\n"
	"  7 bootstrap, 8 migrate, 9 seed, 10 lock timeout, 11 validation, 128+N signal N\n";

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

static enum rc phase_migrate(struct run_state *rs)
{
	const struct config *cfg = rs->ctx->cfg;
	struct migration_set set;
	struct ledger_migration *hist = NULL;
	int n_hist = 0;
	struct plan plan = {0};
	enum rc rc = migrate_discover(cfg->migrations_dir, &set);
	if (rc == RC_OK && !ledger_migrations(rs->db, cfg->ledger_schema, &hist, &n_hist))
		rc = RC_MIGRATE;
	if (rc == RC_OK)
		rc = migrate_plan(&set, hist, n_hist, cfg->profile->allow_out_of_order, true, &plan);
	if (rc == RC_OK)
		rc = migrate_apply(rs->db, cfg, &set, &plan, rs->run_id, &rs->migrations);
	migrate_plan_free(&plan);
	ledger_migrations_free(hist, n_hist);
	migrate_set_free(&set);
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
	/* Secrets first: a missing secret is known before any waiting. */
	if (phases & PH_BOOTSTRAP)
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
		log_info("%s done in %ld ms: %d migration%s applied, %d seed file%s (%ld rows)", ctx->command,
			 (long)(now_ms() - t0), rs.migrations, rs.migrations == 1 ? "" : "s", rs.seeds.files,
			 rs.seeds.files == 1 ? "" : "s", rs.seeds.rows);
	else if (rc == RC_SIGNAL)
		log_error("%s interrupted by signal %d after %ld ms; the current step was rolled back", ctx->command,
			  sig_caught(), (long)(now_ms() - t0));
	return rc;
}

/* ---- commands */

static enum rc cmd_run(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_phases(ctx, PH_BOOTSTRAP | PH_MIGRATE | PH_SEED);
}

static enum rc cmd_bootstrap(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_phases(ctx, PH_BOOTSTRAP);
}

static enum rc cmd_migrate(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_phases(ctx, PH_MIGRATE);
}

static enum rc cmd_seed(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return run_phases(ctx, PH_SEED);
}

static enum rc cmd_wait(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	struct db_params p = params_for(ctx->cfg, ctx->cfg->maintenance_db);
	struct db *db = NULL;
	enum rc rc = wait_for_server(&p, ctx->cfg->profile->wait_timeout_ms, &db);
	db_close(db);
	return rc;
}

static const char *const state_names[] = {"pending", "applied", "drifted", "failed"};

static enum rc cmd_status(struct ctx *ctx, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	const struct config *cfg = ctx->cfg;
	enum rc rc = RC_OK;
	struct db *db = connect_target(cfg, &rc);
	if (!db)
		return rc;
	bool exists = false;
	struct migration_set set = {0};
	struct ledger_migration *hist = NULL;
	int n_hist = 0;
	struct plan plan = {0};
	struct ledger_seed *seeds = NULL;
	int n_seeds = 0;
	if (!ledger_exists(db, cfg->ledger_schema, &exists)) {
		rc = RC_CONNECT;
		goto out;
	}
	if (exists && !ledger_migrations(db, cfg->ledger_schema, &hist, &n_hist)) {
		rc = RC_CONNECT;
		goto out;
	}
	rc = migrate_discover(cfg->migrations_dir, &set);
	if (rc != RC_OK)
		goto out;
	migrate_plan(&set, hist, n_hist, cfg->profile->allow_out_of_order, false, &plan);
	printf("database %s on %s:%d, profile %s\n", cfg->dbname, cfg->host, cfg->port, cfg->profile->name);
	printf("migrations (%s): %d files, %d pending\n", cfg->migrations_dir, set.n, plan.n_pending);
	for (int i = 0; i < set.n; i++)
		printf("  %-8s %s\n", state_names[plan.state[i]], set.items[i].file);
	for (int h = 0; h < n_hist; h++) {
		bool found = false;
		for (int i = 0; i < set.n; i++)
			found = found || strcmp(set.items[i].version, hist[h].version) == 0;
		if (!found && hist[h].success)
			printf("  %-8s %s_%s (applied %s, file missing)\n", "missing", hist[h].version, hist[h].name,
			       hist[h].applied_at);
	}
	if (exists && !ledger_seeds(db, cfg->ledger_schema, &seeds, &n_seeds)) {
		rc = RC_CONNECT;
		goto out;
	}
	printf("seeds (profile %s):\n", cfg->profile->name);
	for (int k = 0; k < cfg->profile->seeds.n; k++) {
		const char *sname = cfg->profile->seeds.items[k];
		struct strlist files = {0};
		seed_list(cfg, sname, &files);
		for (int i = 0; i < files.n; i++) {
			const char *state = "pending";
			for (int j = 0; j < n_seeds; j++)
				if (strcmp(seeds[j].set, sname) == 0 && strcmp(seeds[j].name, path_base(files.items[i])) == 0)
					state = "applied";
			printf("  %-8s %s/%s\n", state, sname, path_base(files.items[i]));
		}
		strlist_free(&files);
	}
	if (exists) {
		const char *q = "SELECT id, status, profile, command, started_at::text, coalesce(duration_ms, 0),"
				" migrations_applied, seeds_applied, coalesce(error, '') FROM %s.init_log ORDER BY id DESC LIMIT 5";
		char *schema = db_ident(db, cfg->ledger_schema);
		char *sql = xasprintf(q, schema);
		struct db_error err = {0};
		struct db_result *r = db_query(db, sql, 0, NULL, &err);
		if (r) {
			printf("last runs:\n");
			for (int i = 0; i < db_nrows(r); i++)
				printf("  #%s %-7s %-5s %-9s %s %s ms, %s migrations, %s seed files%s%s\n", db_get(r, i, 0),
				       db_get(r, i, 1), db_get(r, i, 2), db_get(r, i, 3), db_get(r, i, 4), db_get(r, i, 5),
				       db_get(r, i, 6), db_get(r, i, 7), *db_get(r, i, 8) ? ": " : "", db_get(r, i, 8));
		}
		db_result_free(r);
		db_error_clear(&err);
		free(sql);
		free(schema);
	} else {
		printf("no pginit ledger in this database yet (never run)\n");
	}
out:
	ledger_seeds_free(seeds, n_seeds);
	migrate_plan_free(&plan);
	ledger_migrations_free(hist, n_hist);
	migrate_set_free(&set);
	db_close(db);
	return rc;
}

struct command {
	const char *name;
	enum rc (*fn)(struct ctx *ctx, int argc, char **argv);
	unsigned options;
};

static const struct command commands[] = {
	{"run", cmd_run, OPT_EXEC},
	{"wait", cmd_wait, 0},
	{"bootstrap", cmd_bootstrap, 0},
	{"migrate", cmd_migrate, 0},
	{"seed", cmd_seed, 0},
	{"status", cmd_status, OPT_JSON | OPT_CHECK},
	{NULL, NULL, 0},
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
		log_hint("commands: run, wait, bootstrap, migrate, seed, status, version, help");
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
	if (rc == RC_OK) {
		struct ctx ctx = {.cfg = cfg, .command = command, .opts = copts};
		rc = cmd->fn(&ctx, cargc, cargv);
	}
	config_free(cfg);
	if (rc == RC_OK && copts.exec_argv)
		return exec_app(copts.exec_argv);
	return exit_status(rc);
}
