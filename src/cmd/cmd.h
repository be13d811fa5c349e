/*
 * cmd — the commands. One file per family (run.c, status.c, validate.c,
 * rollback.c, adopt.c, repair.c, new.c) and the command table (table.c) from
 * which the options each accepts, what each needs (NEED_* of session.h), the
 * usage text and the unknown-command hint all come.
 *
 * A command returns an enum rc; main() turns it into the exit status. Commands
 * that change the database run through session_run(); the read-only ones
 * (status, validate, dry runs) connect themselves.
 */
#ifndef PGINIT_CMD_H
#define PGINIT_CMD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "exitcode.h"
#include "formats/format.h"
#include "session.h"

/* Options after the command name; each command accepts its own subset (OPT_*). */
struct cmd_opts {
	char **exec_argv;       /* run --exec -- CMD ARGS... */
	bool json, check;       /* status --json --check */
	bool dry_run;           /* run/migrate --dry-run */
	bool force;             /* rollback --force */
	bool offline;           /* validate --offline */
	int steps;              /* rollback N */
	const char *to_version; /* rollback --to V */
	const char *from;       /* import --from FORMAT, adopt-owner --from ROLE */
	const char *table;      /* import --table [SCHEMA.]NAME: the old tool's table */
	const char *arg;        /* baseline VERSION, new NAME */
	/* fleets (cmd/fleet.c) */
	int jobs;                      /* -j N; 0: fleet.jobs */
	bool fail_fast;                /* --fail-fast */
	int shard_index, shard_count;  /* --shard I/N, I from 1; count 0: no sharding */
	const char *format;            /* status --format prometheus */
	int limit;                     /* history --limit N */
};

enum {
	OPT_EXEC = 1 << 0, OPT_JSON = 1 << 1, OPT_CHECK = 1 << 2, OPT_DRY = 1 << 3, OPT_FORCE = 1 << 4,
	OPT_OFFLINE = 1 << 5, OPT_STEPS = 1 << 6, OPT_TO = 1 << 7, OPT_FROM = 1 << 8, OPT_ARG = 1 << 9,
	OPT_FLEET = 1 << 10,  /* -j N, --fail-fast, --shard I/N, --json (over a fleet) */
	OPT_FORMAT = 1 << 11, /* --format prometheus */
	OPT_LIMIT = 1 << 12,  /* --limit N */
	OPT_TABLE = 1 << 13,  /* --table [SCHEMA.]NAME */
};

struct command;

struct ctx {
	struct config *cfg;
	const struct command *cmd;
	struct cmd_opts opts;
	const struct format *format; /* NULL: detect (migrations_format = auto) */
	struct kv vars;              /* the placeholders; cfg->vars points here */
};

struct command {
	const char *name;
	enum rc (*fn)(struct ctx *ctx);
	unsigned options;      /* OPT_* it accepts */
	unsigned needs;        /* NEED_* (session.h) */
	const char *synopsis;  /* "rollback [N | --to VERSION] [--force]" */
	const char *summary;   /* one line or two, for the usage text */
};

/* NULL if there is no such command. */
const struct command *command_find(const char *name);
/* The usage text, generated from the table. */
void command_usage(FILE *out);
/* "unknown command 'x'" with the list of commands (logged). */
void command_unknown(const char *name);
/* Parse the command's own arguments (argv[0] is its name). RC_USAGE (logged) on a bad one. */
enum rc command_parse_opts(const struct command *c, int argc, char **argv, struct cmd_opts *o);
/* After the config: the migrations format and the placeholders. RC_CONFIG (logged). */
enum rc command_prepare(struct ctx *ctx);
/* What command_prepare made. */
void command_done(struct ctx *ctx);

/* A session for this command, ready for session_run(). */
struct session cmd_session(const struct ctx *ctx);

enum rc cmd_run(struct ctx *ctx);
enum rc cmd_wait(struct ctx *ctx);
enum rc cmd_bootstrap(struct ctx *ctx);
enum rc cmd_migrate(struct ctx *ctx);
enum rc cmd_seed(struct ctx *ctx);
enum rc cmd_status(struct ctx *ctx);
enum rc cmd_validate(struct ctx *ctx);
enum rc cmd_rollback(struct ctx *ctx);
enum rc cmd_import(struct ctx *ctx);
enum rc cmd_baseline(struct ctx *ctx);
enum rc cmd_adopt_owner(struct ctx *ctx);
enum rc cmd_repair(struct ctx *ctx);
enum rc cmd_new(struct ctx *ctx);
enum rc cmd_history(struct ctx *ctx);

/* Fleets (fleet.c): does the config name many targets? Then cmd_fleet runs the command over them. */
bool fleet_configured(const struct config *cfg);
enum rc cmd_fleet(struct ctx *ctx);
/* FNV-1a 64 of a target name: its shard is this mod N. */
uint64_t fleet_hash(const char *name);
/* history.c: ledger runs as a JSON array (history --json, status --json). */
void cmd_json_runs(const struct ledger_run_row *runs, int n, struct buf *out);
/* status.c: the target's migrations (and, for run, seeds) are all applied; quiet when not. */
bool cmd_up_to_date(struct ctx *ctx);

#endif
