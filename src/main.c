/*
 * main — global options, the command lookup, the exit status, exec:
 *
 *   options -> command (cmd/table.c) -> config and profile -> the command
 *           -> exit status, or exec the application (run --exec)
 *
 * Only this file turns an enum rc into the process's exit status. What each
 * command does lives in src/cmd/, the run lifecycle in session.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appenv.h"
#include "cmd/cmd.h"
#include "config.h"
#include "exitcode.h"
#include "log.h"
#include "sig.h"
#include "util.h"

/* The global options, before the command name. */
struct global {
	const char *config_path, *profile;
	int verbosity;
	enum log_format format;
	struct strlist sets;
};

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

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'}, {"profile", required_argument, NULL, 'p'},
	{"set", required_argument, NULL, 's'},    {"verbose", no_argument, NULL, 'v'},
	{"quiet", no_argument, NULL, 'q'},        {"log-format", required_argument, NULL, 'F'},
	{"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/*
 * getopt's own messages are worded differently by glibc and musl (and name
 * argv[0]), so it is silenced (opterr = 0, a leading ':') and this one line
 * is the same on both builds. c: what getopt returned ('?' or ':').
 */
static int usage_error(int c, int argc, char **argv)
{
	const struct option *o = NULL;
	for (const struct option *k = long_opts; k->name && optopt; k++)
		if (k->val == optopt)
			o = k;
	char shrt[8] = "";
	if (o && o->val != 'F')
		snprintf(shrt, sizeof shrt, "-%c/", o->val);
	if (c == ':' && o) {
		fprintf(stderr, "pginit: error: option %s--%s needs a value\n", shrt, o->name);
	} else if (o) { /* --help=x */
		fprintf(stderr, "pginit: error: option --%s takes no value\n", o->name);
	} else if (optopt) {
		fprintf(stderr, "pginit: error: unknown option -%c\n", optopt);
	} else { /* a long option: getopt has stepped past it, on glibc and on musl */
		const char *a = optind >= 1 && optind - 1 < argc && argv[optind - 1] ? argv[optind - 1] : "--";
		fprintf(stderr, "pginit: error: unknown option %.*s\n", (int)strcspn(a, "="), a);
	}
	fprintf(stderr, "pginit: hint: see `pginit help`\n");
	return RC_USAGE;
}

/* -1: go on; otherwise the exit status (help, version, a usage error). */
static int parse_global(int argc, char **argv, struct global *g)
{
	const char *env_format = getenv("PGINIT_LOG_FORMAT");
	if (env_format && !log_parse_format(env_format, &g->format)) {
		fprintf(stderr, "pginit: error: PGINIT_LOG_FORMAT must be text or json\n");
		return RC_USAGE;
	}
	int c;
	opterr = 0;
	/* '+': stop at the command, so its own options are left for it; ':': a missing value is ':'. */
	while ((c = getopt_long(argc, argv, "+:c:p:s:vqhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': g->config_path = optarg; break;
		case 'p': g->profile = optarg; break;
		case 's': strlist_add(&g->sets, optarg); break;
		case 'v': g->verbosity = 1; break;
		case 'q': g->verbosity = -1; break;
		case 'F':
			if (!log_parse_format(optarg, &g->format)) {
				fprintf(stderr, "pginit: error: --log-format must be text or json\n");
				return RC_USAGE;
			}
			break;
		case 'h': command_usage(stdout); return RC_OK;
		case 'V': printf("pginit %s\n", PGINIT_VERSION); return RC_OK;
		default: return usage_error(c, argc, argv);
		}
	}
	return -1;
}

/* Load the config and profile, then run the command. */
static enum rc run_command(struct global *g, struct ctx *ctx)
{
	sig_setup();
	const char *path = g->config_path ? g->config_path : getenv("PGINIT_CONFIG");
	const char *profile = g->profile && *g->profile ? g->profile : getenv("PGINIT_PROFILE");
	enum rc rc;
	ctx->cfg = config_load(path && *path ? path : NULL, &g->sets, &rc); /* NULL: ./pginit.conf, or none */
	if (!ctx->cfg)
		return rc;
	rc = config_select_profile(ctx->cfg, profile);
	if (rc == RC_OK)
		rc = config_check_paths(ctx->cfg);
	if (rc == RC_OK)
		rc = command_prepare(ctx);
	if (rc == RC_OK && (ctx->cmd->options & OPT_FLEET) && fleet_configured(ctx->cfg))
		rc = cmd_fleet(ctx);
	else if (rc == RC_OK && (ctx->opts.jobs || ctx->opts.fail_fast || ctx->opts.shard_count ||
				 (ctx->opts.json && !(ctx->cmd->options & OPT_JSON)))) {
		log_error("%s: -j, --fail-fast, --shard and --json need a fleet", ctx->cmd->name);
		log_hint("set fleet.databases, fleet.pattern, fleet.targets_file, fleet.schemas or fleet.schema_pattern");
		rc = RC_USAGE;
	} else if (rc == RC_OK)
		rc = ctx->cmd->fn(ctx);
	command_done(ctx);
	/* The app started by --exec inherits no admin credentials (the config knows their names). */
	if (rc == RC_OK && ctx->opts.exec_argv && !ctx->opts.dry_run)
		appenv_scrub(ctx->cfg);
	config_free(ctx->cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct global g = {.format = LOG_TEXT};
	int status = parse_global(argc, argv, &g);
	if (status >= 0) {
		strlist_free(&g.sets);
		return status;
	}
	log_setup(g.format, g.verbosity);
	const char *name = optind < argc ? argv[optind] : "run";
	int cargc = optind < argc ? argc - optind : 0;
	char **cargv = argv + optind;
	struct ctx ctx = {.cmd = command_find(name)};
	enum rc rc = RC_OK;
	if (!ctx.cmd) {
		command_unknown(name);
		rc = RC_USAGE;
	} else if (!(ctx.cmd->needs & NEED_CONFIG)) { /* version, help [TOPIC]: no config, any arguments */
		ctx.opts.arg = cargc > 1 ? cargv[1] : NULL;
		rc = ctx.cmd->fn(&ctx);
	} else if ((rc = command_parse_opts(ctx.cmd, cargc, cargv, &ctx.opts)) == RC_OK) {
		rc = run_command(&g, &ctx);
	}
	strlist_free(&g.sets);
	/* A dry run prepared nothing, so it starts nothing either. */
	if (rc == RC_OK && ctx.opts.exec_argv && !ctx.opts.dry_run)
		return exec_app(ctx.opts.exec_argv);
	return exit_status(rc);
}
