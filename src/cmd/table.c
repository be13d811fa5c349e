/* table — the command table and what is generated from it; see cmd.h. */
#include "cmd/cmd.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

static enum rc cmd_version(struct ctx *ctx)
{
	(void)ctx;
	printf("pginit %s\n", PGINIT_VERSION);
	return RC_OK;
}

static const struct command *find(const char *name);

/* help, help config, help COMMAND (its synopsis and summary). */
static enum rc cmd_help(struct ctx *ctx)
{
	const struct command *k = ctx->opts.arg ? find(ctx->opts.arg) : NULL;
	if (ctx->opts.arg && strcmp(ctx->opts.arg, "config") == 0)
		config_print_keys(stdout);
	else if (k)
		printf("usage: pginit [-c FILE] [-p PROFILE] [-s KEY=VALUE]... [-v|-q] [--log-format text|json] %s\n"
		       "  %s\n(`pginit help` lists the commands and the global options)\n",
		       k->synopsis, k->summary);
	else
		command_usage(stdout);
	return RC_OK;
}

static const struct command commands[] = {
	{"run", cmd_run, OPT_EXEC | OPT_DRY | OPT_FLEET, NEED_CONFIG | NEED_BOOTSTRAP | NEED_MIGRATE | NEED_SEED,
	 "run [--dry-run] [--exec -- CMD ARGS...]",
	 "wait, bootstrap, migrate, seed, record (the default); then become CMD"},
	{"wait", cmd_wait, 0, NEED_CONFIG, "wait", "wait until the server accepts the admin connection"},
	{"bootstrap", cmd_bootstrap, 0, NEED_CONFIG | NEED_BOOTSTRAP, "bootstrap",
	 "roles, database, schemas, extensions, grants, initdb.d/"},
	{"migrate", cmd_migrate, OPT_DRY | OPT_FLEET, NEED_CONFIG | NEED_MIGRATE | NEED_MIGRATE_ALWAYS, "migrate [--dry-run]",
	 "apply pending migrations (--dry-run: print the plan and its SQL)"},
	{"seed", cmd_seed, 0, NEED_CONFIG | NEED_SEED, "seed", "apply the profile's seed sets"},
	{"status", cmd_status, OPT_JSON | OPT_CHECK | OPT_FLEET | OPT_FORMAT, NEED_CONFIG,
	 "status [--json | --format prometheus] [--check]",
	 "migrations, seeds, last runs; --check exits 1 if pending, 11 if drifted"},
	{"history", cmd_history, OPT_JSON | OPT_LIMIT, NEED_CONFIG, "history [--json] [--limit N]",
	 "the last runs; per profile success rate, durations, last failure"},
	{"validate", cmd_validate, OPT_OFFLINE | OPT_FLEET, NEED_CONFIG, "validate [--offline]",
	 "check files (and, online, the history) without changing anything"},
	{"rollback", cmd_rollback, OPT_STEPS | OPT_TO | OPT_FORCE, NEED_CONFIG, "rollback [N | --to VERSION] [--force]",
	 "undo the N newest migrations (default 1) with their down parts"},
	{"repair", cmd_repair, 0, NEED_CONFIG, "repair", "accept edited applied files (new checksums), forget failed attempts"},
	{"import", cmd_import, OPT_FROM | OPT_TABLE, NEED_CONFIG, "import [--from FORMAT] [--table [SCHEMA.]NAME]",
	 "adopt a database migrated by golang-migrate/dbmate/goose/flyway"},
	{"adopt-owner", cmd_adopt_owner, OPT_FROM | OPT_DRY, NEED_CONFIG, "adopt-owner --from ROLE [--dry-run]",
	 "hand what ROLE (the old tool's) owns to the owner role: REASSIGN OWNED"},
	{"baseline", cmd_baseline, OPT_ARG, NEED_CONFIG, "baseline VERSION",
	 "record every migration up to VERSION as applied, without running it"},
	{"new", cmd_new, OPT_ARG, NEED_CONFIG, "new NAME", "create the next migration file in the directory's format"},
	{"version", cmd_version, 0, 0, "version", "print the version"},
	{"help", cmd_help, 0, 0, "help", "this text; `help config` lists every configuration key"},
	{NULL, NULL, 0, 0, NULL, NULL},
};

static const struct command *find(const char *name)
{
	for (const struct command *k = commands; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const struct command *command_find(const char *name)
{
	return find(name);
}

static const char usage_head[] =
	"usage: pginit [-c FILE] [-p PROFILE] [-s KEY=VALUE]... [-v|-q] [--log-format text|json] [COMMAND]\n"
	"\n"
	"Prepare a PostgreSQL database for an application: wait for the server, create\n"
	"roles, schemas and extensions, apply migrations, apply the profile's seed sets,\n"
	"record the run in the database, and exit with a code an orchestrator understands.\n"
	"\n"
	"commands:\n";

static const char usage_tail[] =
	"\n"
	"options:\n"
	"  -c, --config FILE      configuration (default $PGINIT_CONFIG, else ./pginit.conf)\n"
	"  -p, --profile NAME     profile (default $PGINIT_PROFILE, else default_profile)\n"
	"  -s, --set KEY=VALUE    override a configuration key (see `pginit help config`)\n"
	"  -v, --verbose          also print debug lines\n"
	"  -q, --quiet            only warnings and errors\n"
	"      --log-format F     text (default) or json: one JSON object per line\n"
	"\n"
	"fleet options (run, migrate, status, validate with a fleet.* target key):\n"
	"  -j, --jobs N           targets worked on at once (default fleet.jobs, else 1)\n"
	"      --fail-fast        start no more targets after a failure\n"
	"      --shard I/N        only shard I of N (I from 1); --shard N: I is\n"
	"                         $JOB_COMPLETION_INDEX + 1 (an Indexed Job's index, from 0)\n"
	"      --json             one JSON document instead of a line per target\n"
	"\n"
	"exit codes: 0 ok, 1 pending (status --check), 2 usage, 3 config, 4 secret,\n"
	"  5 wait timeout, 6 connect/auth, 7 bootstrap, 8 migrate, 9 seed, 10 lock timeout,\n"
	"  11 validation, 128+N signal N\n";

/* Brackets of options count: a synopsis with two groups gets its summary on the next line. */
static int groups(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '[';
	return n;
}

void command_usage(FILE *out)
{
	fputs(usage_head, out);
	for (const struct command *k = commands; k->name; k++) {
		if (strlen(k->synopsis) <= 9)
			fprintf(out, "  %-9s  %s\n", k->synopsis, k->summary);
		else if (groups(k->synopsis) >= 2)
			fprintf(out, "  %s\n             %s\n", k->synopsis, k->summary);
		else
			fprintf(out, "  %-20s  %s\n", k->synopsis, k->summary);
	}
	fputs(usage_tail, out);
}

void command_unknown(const char *name)
{
	struct buf b = {0};
	for (const struct command *k = commands; k->name; k++)
		buf_printf(&b, "%s%s", k == commands ? "" : ", ", k->name);
	log_error("unknown command '%s'", name);
	log_hint("commands: %s", b.data);
	buf_free(&b);
}

/*
 * --shard I/N (I from 1, as a Swarm task slot), or --shard N with I taken from
 * JOB_COMPLETION_INDEX (a Kubernetes Indexed Job's, from 0).
 */
static bool parse_shard(const char *v, struct cmd_opts *o)
{
	long i, n;
	const char *slash = strchr(v, '/');
	if (slash) {
		char *head = xstrndup(v, (size_t)(slash - v));
		bool ok = parse_long(head, &i) && parse_long(slash + 1, &n);
		free(head);
		if (!ok)
			return false;
	} else {
		const char *idx = getenv("JOB_COMPLETION_INDEX");
		if (parse_long(v, &n) && idx && !parse_long(idx, &i)) {
			log_error("--shard %s: JOB_COMPLETION_INDEX='%.40s' is not a number", v, idx);
			log_hint("Swarm renders the task slot 0 as the node id: template it as "
				 "{{if eq .Task.Slot .Node.ID}}0{{else}}{{.Task.Slot}}{{end}}");
			return false;
		}
		if (!parse_long(v, &n) || !idx) {
			log_error("--shard %s: expected I/N, or N with JOB_COMPLETION_INDEX set", v);
			return false;
		}
		if (n >= 1 && n <= 100000 && (i < 0 || i >= n)) {
			log_error("--shard %s: JOB_COMPLETION_INDEX=%s is not 0..%ld", v, idx, n - 1);
			log_hint("the index counts from 0 (a Kubernetes Indexed Job's, a Swarm replicated job's task slot): "
				 "completions (replicas) must equal N");
			return false;
		}
		i++;
	}
	if (n < 1 || n > 100000 || i < 1 || i > n) {
		log_error("--shard %s: the index must be 1..N (N from 1)", v);
		return false;
	}
	o->shard_index = (int)i;
	o->shard_count = (int)n;
	return true;
}

/* One option; i advances past its value. False: not one this command takes. */
static bool parse_one(unsigned allowed, int argc, char **argv, int *i, struct cmd_opts *o)
{
	const char *a = argv[*i];
	long n;
	if ((allowed & OPT_JSON) && strcmp(a, "--json") == 0)
		o->json = true;
	else if ((allowed & OPT_CHECK) && strcmp(a, "--check") == 0)
		o->check = true;
	else if ((allowed & OPT_DRY) && strcmp(a, "--dry-run") == 0)
		o->dry_run = true;
	else if ((allowed & OPT_FORCE) && strcmp(a, "--force") == 0)
		o->force = true;
	else if ((allowed & OPT_OFFLINE) && strcmp(a, "--offline") == 0)
		o->offline = true;
	else if ((allowed & OPT_TO) && strcmp(a, "--to") == 0 && *i + 1 < argc)
		o->to_version = argv[++*i];
	else if ((allowed & OPT_FROM) && strcmp(a, "--from") == 0 && *i + 1 < argc)
		o->from = argv[++*i];
	else if ((allowed & OPT_TABLE) && strcmp(a, "--table") == 0 && *i + 1 < argc)
		o->table = argv[++*i];
	else if ((allowed & OPT_FLEET) && (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) && *i + 1 < argc)
		return parse_long(argv[++*i], &n) && n > 0 && n <= 1024 && (o->jobs = (int)n) > 0;
	else if ((allowed & OPT_FLEET) && strncmp(a, "-j", 2) == 0 && a[2])
		return parse_long(a + 2, &n) && n > 0 && n <= 1024 && (o->jobs = (int)n) > 0;
	else if ((allowed & OPT_FLEET) && strcmp(a, "--fail-fast") == 0)
		o->fail_fast = true;
	else if ((allowed & OPT_FLEET) && strcmp(a, "--shard") == 0 && *i + 1 < argc)
		return parse_shard(argv[++*i], o);
	else if ((allowed & OPT_FLEET) && strcmp(a, "--json") == 0)
		o->json = true;
	else if ((allowed & OPT_FORMAT) && strcmp(a, "--format") == 0 && *i + 1 < argc &&
		 strcmp(argv[*i + 1], "prometheus") == 0)
		o->format = argv[++*i];
	else if ((allowed & OPT_LIMIT) && strcmp(a, "--limit") == 0 && *i + 1 < argc)
		return parse_long(argv[++*i], &n) && n > 0 && n <= 100000 && (o->limit = (int)n) > 0;
	else if ((allowed & OPT_STEPS) && parse_long(a, &n) && n > 0)
		o->steps = (int)n;
	else if ((allowed & OPT_ARG) && !o->arg && a[0] != '-')
		o->arg = a;
	else
		return false;
	return true;
}

/* The options that take a value, by the OPT_* that allows them. */
static const struct { const char *name; unsigned opt; } value_opts[] = {
	{"--to", OPT_TO}, {"--from", OPT_FROM}, {"-j", OPT_FLEET}, {"--jobs", OPT_FLEET},
	{"--shard", OPT_FLEET}, {"--format", OPT_FORMAT}, {"--limit", OPT_LIMIT},
};

/* Why argv[at] was refused (i: past its value, if it took one), and where to look. */
static void bad_option(const struct command *c, int argc, char **argv, int at, int i)
{
	bool takes_value = false;
	for (size_t k = 0; k < sizeof value_opts / sizeof value_opts[0]; k++)
		takes_value |= (c->options & value_opts[k].opt) && strcmp(argv[at], value_opts[k].name) == 0;
	if (takes_value && i == at && at + 1 >= argc)
		log_error("%s: option %s needs a value", c->name, argv[at]);
	else if (takes_value && strcmp(argv[at], "--shard") != 0) /* --shard says why itself */
		log_error("%s: invalid value '%s' for %s", c->name, argv[at + 1], argv[at]);
	else if (!takes_value && argv[at][0] == '-')
		log_error("%s: unknown option %s", c->name, argv[at]);
	else if (!takes_value)
		log_error("%s: unexpected argument '%s'", c->name, argv[at]);
	log_hint("see `pginit help %s`", c->name);
}

/*
 * By hand, not getopt: its state cannot be reset the same way on glibc and
 * musl, and these are few.
 */
enum rc command_parse_opts(const struct command *c, int argc, char **argv, struct cmd_opts *o)
{
	o->steps = 1;
	for (int i = 1; i < argc; i++) {
		if ((c->options & OPT_EXEC) && strcmp(argv[i], "--exec") == 0) {
			if (i + 1 < argc && strcmp(argv[i + 1], "--") == 0)
				i++;
			if (i + 1 >= argc) {
				log_error("%s --exec: no command given (pginit run --exec -- CMD [ARGS...])", c->name);
				return RC_USAGE;
			}
			o->exec_argv = argv + i + 1;
			return RC_OK;
		}
		int at = i;
		if (!parse_one(c->options, argc, argv, &i, o)) {
			bad_option(c, argc, argv, at, i);
			return RC_USAGE;
		}
	}
	if ((c->options & OPT_ARG) && !o->arg) {
		log_error("%s: missing argument", c->name);
		log_hint("see `pginit help %s`", c->name);
		return RC_USAGE;
	}
	return RC_OK;
}

/* Placeholders: built-ins, the config's group, then PGINIT_VAR_<NAME> (name lower-cased); later ones win. */
static void setup_placeholders(const struct config *cfg, struct kv *vars)
{
	extern char **environ;
	struct strlist names = {0}, values = {0};
	const char *builtin[][2] = {
		{"owner_role", cfg->owner.name}, {"app_role", cfg->app.name}, {"readonly_role", cfg->readonly.name},
		{"database", cfg->dbname}, {"ledger_schema", cfg->ledger_schema}, {"profile", cfg->profile->name},
		{"schema", cfg->tenant_schema ? cfg->tenant_schema : ""},
	};
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		/* Migrations-only mode creates no roles: ${app_role} & co. would name roles
		 * that do not exist. Undefined there, unless PGINIT_VAR_<NAME> gives them. */
		if (cfg->migrations_only && i < 3)
			continue;
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
		strlist_add_owned(&names, str_lower(xstrndup(*e + 11, (size_t)(strchr(*e, '=') - *e - 11))));
		strlist_add(&values, strchr(*e, '=') + 1);
	}
	/* The first match wins in script.c: hand them over last-defined first. */
	for (int i = names.n - 1; i >= 0; i--) {
		strlist_add(&vars->names, names.items[i]);
		strlist_add(&vars->values, values.items[i]);
	}
	strlist_free(&names);
	strlist_free(&values);
}

enum rc command_prepare(struct ctx *ctx)
{
	/* config_load checked the value (exit 3), so NULL here is "auto". */
	ctx->format = format_by_name(ctx->cfg->migrations_format);
	setup_placeholders(ctx->cfg, &ctx->vars);
	ctx->cfg->vars = &ctx->vars;
	return RC_OK;
}

void command_done(struct ctx *ctx)
{
	strlist_free(&ctx->vars.names);
	strlist_free(&ctx->vars.values);
}

struct session cmd_session(const struct ctx *ctx)
{
	return (struct session){.cfg = ctx->cfg, .command = ctx->cmd->name, .needs = ctx->cmd->needs,
				.format = ctx->format};
}
