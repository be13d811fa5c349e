/*
 * config — pginit.conf (libconfig syntax) + environment + command line, turned
 * into one owned struct config. Precedence, lowest first:
 *
 *   built-in defaults < the file < libpq's PG* variables < the postgres image's
 *   POSTGRES_USER / POSTGRES_DB (and _FILE) < DATABASE_URL < PGINIT_* < --set
 *
 * Every key is declared once, as data, in config.c (path, type, environment
 * variable, description); `pginit help config` prints that table. Unknown keys
 * and wrong types are errors naming file:line (or the variable), and so are
 * values out of their key's range (ports, timeouts, names of 1..63 bytes,
 * seed set names, PostgreSQL time values): exit 3 before anything connects.
 * The file is read whole (at most 1 MiB; a UTF-8 BOM is skipped). Relative
 * paths in the file are relative to the file's directory; in the environment
 * or on the command line, to the working directory.
 *
 * Everything in struct config is owned by it; config_free() releases it and
 * wipes the admin password. Errors are logged here, once.
 */
#ifndef PGINIT_CONFIG_H
#define PGINIT_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "exitcode.h"
#include "util.h"

struct profile {
	char *name;
	struct strlist seeds;          /* seed sets, in order */
	bool migrate;                  /* run migrations in `run` */
	int wait_timeout_ms;           /* how long to wait for the server */
	int lock_timeout_ms;           /* how long to wait for another pginit's lock */
	char *migration_lock_timeout;  /* SET LOCAL lock_timeout for each migration */
	char *migration_statement_timeout;
	bool generate_app_password;    /* a missing app secret may be generated */
	bool allow_out_of_order;
	/* The production safety check (bootstrap_safety_check); each field but
	 * `enabled` waives one check. Default: enabled in the profile named prod. */
	struct safety {
		bool enabled;
		char *sslmode;              /* weakest connection.sslmode accepted */
		int min_password_length;    /* admin, app and readonly secrets; 0: any */
		bool allow_known_passwords; /* the development/common passwords */
		bool allow_seeds;           /* seed sets in this profile */
		bool allow_privileged_app_role;
		bool warn_trust;            /* warn about pg_hba `trust` for TCP clients */
	} safety;
};

/* Free-form name = "value" pairs (the placeholders group). */
struct kv {
	struct strlist names;
	struct strlist values;
};

struct role {
	char *name;    /* empty: role not managed (readonly only) */
	char *secret;  /* secret holding its password; empty: NOLOGIN */
	char *pattern; /* name as configured, before ${database} was expanded */
};

struct config {
	char *file; /* the config file read */
	char *dir;  /* its directory */

	/* connection (the admin connection) */
	char *host;
	int port;               /* the first port of ports */
	char *ports;            /* port or comma list, one per host (libpq multi-host) */
	char *dbname;           /* target database */
	char *user;             /* admin user */
	char *password_secret;  /* secret name of the admin password */
	char *password;         /* admin password, or NULL (libpq's .pgpass) */
	char *sslmode;
	char *sslrootcert;
	int connect_timeout;
	char *application_name;
	char *maintenance_db;
	char *target_session_attrs;

	/* database */
	bool create_database;
	struct strlist schemas;
	struct strlist extensions;
	char *search_path; /* the migrations' and seeds' search_path; NULL or "": the database's own */
	bool harden;       /* revoke PUBLIC's privileges also on a database pginit did not create */

	/* Names after ${database} expansion; checked at load (not empty, at most
	 * 63 bytes, distinct, none of them connection.user). */
	struct role owner, app, readonly;
	bool roles_shared; /* manage roles pginit manages for another database */

	/* paths */
	char *migrations_dir;
	char *seeds_dir;
	char *initdb_dir;
	char *credentials_file;

	char *ledger_schema;
	char *lock_mode;         /* session, lease, auto (see lease.h) */
	int lock_lease_ttl_ms;   /* lease expiry without heartbeat */
	char *default_profile;
	char *migrations_format; /* auto, native, golang-migrate, dbmate, goose, flyway */
	bool migrations_compat;  /* keep the old tool's history table */
	bool migrations_only;    /* no config file, DATABASE_URL: no roles, schemas, extensions, secrets */
	char *migrations_role;   /* the role migrations run as; NULL or "": roles.owner.name */
	char *migrations_compat_table; /* the old tool's table ("name" or "schema.name"), or NULL */
	bool migrations_run_as_admin; /* escape hatch: migrations without SET ROLE owner */
	bool migrations_strict_transactions; /* no detection of files that run outside a transaction */
	bool migrations_optional; /* a missing migrations directory is no error */
	struct kv placeholders;  /* the placeholders group: ${name} values */
	int run_log_keep;        /* init_log retention: the newest N runs per profile (0: all) */

	/* fleet: many targets (cmd/fleet.c); all empty: one target, the connection group's */
	struct strlist fleet_databases;
	char *fleet_pattern;       /* LIKE pattern over the server's databases */
	char *fleet_targets_file;  /* one connection string per line */
	struct strlist fleet_schemas;
	char *fleet_schema_pattern; /* LIKE pattern over the schemas of connection.dbname */
	char *fleet_schema_ledger;  /* ledger schema of a schema target; ${schema} is replaced */
	int fleet_jobs;
	/* Set for one target of a schema fleet (its search_path, ${schema}, its lock); NULL otherwise. */
	char *tenant_schema;
	/* Every placeholder a script sees (built-ins, the group, PGINIT_VAR_*; the first
	 * match wins), set by the command before it runs and owned by it; NULL: none. */
	const struct kv *vars;

	struct profile *profiles;
	int n_profiles;
	struct profile *profile; /* selected; NULL until config_select_profile() */

	struct strlist sets; /* --set PATH=VALUE, applied last */
};

/*
 * Load path (explicit: must exist). sets: --set overrides (may be NULL).
 * On failure returns NULL with *rc = RC_CONFIG (RC_SECRET for an admin
 * password that is set twice or unreadable, RC_USAGE for a bad --set).
 */
struct config *config_load(const char *path, const struct strlist *sets, enum rc *rc);

/* Select the profile (NULL: the config's default_profile); applies the
 * profile's PGINIT_* and --set overrides. RC_CONFIG with the list on failure. */
enum rc config_select_profile(struct config *cfg, const char *name);

/*
 * The paths a run needs that can be checked before connecting: the
 * migrations directory must exist (unless paths.migrations_optional).
 * RC_CONFIG, logged, when it does not.
 */
enum rc config_check_paths(const struct config *cfg);

void config_free(struct config *cfg);

/* Point the config at another database (a fleet's target): dbname, and the
 * role names expanded again from their ${database} patterns. RC_CONFIG (logged). */
enum rc config_retarget(struct config *cfg, const char *dbname);

/* Print the key table: path, type, environment variable, description. */
void config_print_keys(FILE *out);

/* The role migrations run as (SET ROLE): migrations_role, else the owner role. */
static inline const char *config_migrations_role(const struct config *cfg)
{
	return cfg->migrations_role && cfg->migrations_role[0] ? cfg->migrations_role : cfg->owner.name;
}

#endif
