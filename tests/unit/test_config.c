/*
 * test_config — config_load and config_select_profile: the file (values,
 * types, durations, relative paths, errors naming file:line), the environment
 * (PG*, POSTGRES_*, DATABASE_URL, PGINIT_*) and --set, and their precedence.
 * Data: the .conf files in tests/data/config/. Every case starts from a clean environment.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/data/config/"

/* Every variable config_load reads, so that the caller's environment cannot leak in. */
static const char *const env_vars[] = {
	"PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT", "PGCONNECT_TIMEOUT",
	"PGAPPNAME", "PGTARGETSESSIONATTRS", "PGPASSWORD", "POSTGRES_USER", "POSTGRES_USER_FILE", "POSTGRES_DB",
	"POSTGRES_DB_FILE", "POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE", "ADMIN_PW", "ADMIN_PW_FILE",
	"DATABASE_URL", "PGINIT_LEDGER_SCHEMA", "PGINIT_HOST", "PGINIT_PORT", "PGINIT_DBNAME", "PGINIT_USER",
	"PGINIT_PASSWORD_SECRET", "PGINIT_SSLMODE", "PGINIT_SSLROOTCERT", "PGINIT_CONNECT_TIMEOUT",
	"PGINIT_APPLICATION_NAME", "PGINIT_MAINTENANCE_DB", "PGINIT_TARGET_SESSION_ATTRS",
	"PGINIT_CREATE_DATABASE", "PGINIT_SCHEMAS", "PGINIT_EXTENSIONS", "PGINIT_OWNER_ROLE", "PGINIT_APP_ROLE",
	"PGINIT_APP_SECRET", "PGINIT_READONLY_ROLE", "PGINIT_READONLY_SECRET", "PGINIT_MIGRATIONS_DIR",
	"PGINIT_SEEDS_DIR", "PGINIT_INITDB_DIR", "PGINIT_CREDENTIALS_FILE", "PGINIT_SEEDS", "PGINIT_MIGRATE",
	"PGINIT_WAIT_TIMEOUT", "PGINIT_LOCK_TIMEOUT", "PGINIT_MIGRATION_LOCK_TIMEOUT",
	"PGINIT_MIGRATION_STATEMENT_TIMEOUT", "PGINIT_GENERATE_APP_PASSWORD", "PGINIT_ALLOW_OUT_OF_ORDER",
	"PGINIT_PROFILE", "PGINIT_CONFIG", "PGINIT_MIGRATIONS_OPTIONAL",
};

/* Every PGINIT_* variable in the key table, including keys added after this test was written. */
static void unset_documented_vars(void)
{
	FILE *f = tmpfile();
	if (!f)
		return;
	config_print_keys(f);
	rewind(f);
	char word[256];
	while (fscanf(f, "%255s", word) == 1)
		if (strncmp(word, "PGINIT_", 7) == 0)
			unsetenv(word);
	fclose(f);
}

static void clean_env(void)
{
	for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
		unsetenv(env_vars[i]);
	unset_documented_vars();
	/* No admin password from /run/secrets on the machine running the tests. */
	setenv("PGINIT_SECRETS_DIR", DATA "no-secrets-here", 1);
}

/* Load quietly; *log gets what was logged (caller frees). */
static struct config *load(const char *file, const struct strlist *sets, enum rc *rc, char **log)
{
	struct unit_capture cap;
	unit_capture_begin(&cap);
	*rc = (enum rc)-1;
	struct config *cfg = config_load(file, sets, rc);
	*log = unit_capture_end(&cap);
	return cfg;
}

static enum rc select_profile(struct config *cfg, const char *name, char **log)
{
	struct unit_capture cap;
	unit_capture_begin(&cap);
	enum rc rc = config_select_profile(cfg, name);
	*log = unit_capture_end(&cap);
	return rc;
}

static char *joined(const struct strlist *l)
{
	struct buf b = {0};
	buf_puts(&b, "");
	for (int i = 0; i < l->n; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", l->items[i]);
	return buf_steal(&b);
}

#define CHECK_LIST(l, want)                          \
	do {                                         \
		char *j_ = joined(l);                \
		CHECK_STR_EQ(j_, want);              \
		free(j_);                            \
	} while (0)

static void test_full(void)
{
	clean_env();
	unit_case("full.conf");
	enum rc rc;
	char *log;
	struct config *cfg = load(DATA "full.conf", NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	CHECK_STR_EQ(log, "");
	free(log);
	if (!CHECK(cfg != NULL))
		return;
	CHECK_STR_EQ(cfg->file, DATA "full.conf");
	CHECK_STR_EQ(cfg->dir, "tests/data/config");
	CHECK_STR_EQ(cfg->default_profile, "staging");
	CHECK_STR_EQ(cfg->ledger_schema, "pginit_ledger");
	CHECK_STR_EQ(cfg->migrations_format, "flyway");
	CHECK(cfg->migrations_compat);
	CHECK_LIST(&cfg->placeholders.names, "schema|app_role|empty");
	CHECK_LIST(&cfg->placeholders.values, "billing|shop_app|");
	CHECK_STR_EQ(cfg->host, "db.example");
	CHECK_INT_EQ(cfg->port, 6432);
	CHECK_STR_EQ(cfg->dbname, "shop");
	CHECK_STR_EQ(cfg->user, "admin");
	CHECK_STR_EQ(cfg->password_secret, "admin_pw");
	CHECK(cfg->password == NULL); /* no secret anywhere */
	CHECK_STR_EQ(cfg->sslmode, "verify-full");
	CHECK_STR_EQ(cfg->sslrootcert, DATA "certs/ca.pem");
	CHECK_INT_EQ(cfg->connect_timeout, 7);
	CHECK_STR_EQ(cfg->application_name, "pginit-test");
	CHECK_STR_EQ(cfg->maintenance_db, "template1");
	CHECK_STR_EQ(cfg->target_session_attrs, "any");
	CHECK(!cfg->create_database);
	CHECK_LIST(&cfg->schemas, "auth|billing|public");
	CHECK_LIST(&cfg->extensions, "pgcrypto");
	CHECK_STR_EQ(cfg->owner.name, "shop_owner");
	CHECK_STR_EQ(cfg->app.name, "shop_app");
	CHECK_STR_EQ(cfg->app.secret, "shop_app_pw");
	CHECK_STR_EQ(cfg->readonly.name, "");
	CHECK_STR_EQ(cfg->readonly.secret, "");
	/* relative paths are relative to the file's directory; absolute ones stay */
	CHECK_STR_EQ(cfg->migrations_dir, DATA "sql/migrations");
	CHECK_STR_EQ(cfg->seeds_dir, DATA "../seeds");
	CHECK_STR_EQ(cfg->initdb_dir, "/etc/pginit/initdb.d");
	CHECK_STR_EQ(cfg->credentials_file, DATA "out/.env.credentials");
	CHECK(cfg->profile == NULL);
	if (CHECK_INT_EQ(cfg->n_profiles, 2)) {
		const struct profile *dev = &cfg->profiles[0], *stg = &cfg->profiles[1];
		unit_case("full.conf profile dev");
		CHECK_STR_EQ(dev->name, "dev");
		CHECK_LIST(&dev->seeds, "common|dev");
		CHECK(dev->migrate); /* default */
		CHECK_INT_EQ(dev->wait_timeout_ms, 2500);
		CHECK_INT_EQ(dev->lock_timeout_ms, 2000);
		CHECK_STR_EQ(dev->migration_lock_timeout, "10s"); /* default */
		CHECK_STR_EQ(dev->migration_statement_timeout, "0");
		CHECK(dev->generate_app_password);
		CHECK(!dev->allow_out_of_order);
		unit_case("full.conf profile staging");
		CHECK_STR_EQ(stg->name, "staging");
		CHECK_LIST(&stg->seeds, "");
		CHECK(!stg->migrate);
		CHECK_INT_EQ(stg->wait_timeout_ms, 1500);
		CHECK_INT_EQ(stg->lock_timeout_ms, 120000);
		CHECK_STR_EQ(stg->migration_lock_timeout, "5s");
		CHECK_STR_EQ(stg->migration_statement_timeout, "15min");
		CHECK(!stg->generate_app_password);
		CHECK(stg->allow_out_of_order);
	}
	unit_case("full.conf: select the default profile");
	CHECK_INT_EQ(select_profile(cfg, NULL, &log), RC_OK);
	free(log);
	CHECK(cfg->profile && strcmp(cfg->profile->name, "staging") == 0);
	config_free(cfg);
}

static void test_defaults(void)
{
	clean_env();
	unit_case("minimal.conf: defaults");
	enum rc rc;
	char *log;
	struct config *cfg = load(DATA "minimal.conf", NULL, &rc, &log);
	free(log);
	if (!CHECK(cfg != NULL))
		return;
	CHECK_STR_EQ(cfg->host, "localhost");
	CHECK_INT_EQ(cfg->port, 5432);
	CHECK_STR_EQ(cfg->dbname, "app");
	CHECK_STR_EQ(cfg->user, "postgres");
	CHECK_STR_EQ(cfg->password_secret, "postgres_password");
	CHECK_STR_EQ(cfg->sslmode, "prefer");
	CHECK_STR_EQ(cfg->ledger_schema, "pginit");
	CHECK_STR_EQ(cfg->migrations_format, "auto");
	CHECK(!cfg->migrations_compat);
	CHECK_INT_EQ(cfg->placeholders.names.n, 0);
	CHECK(cfg->create_database);
	CHECK_STR_EQ(cfg->migrations_dir, DATA "migrations");
	CHECK_STR_EQ(cfg->default_profile, "");
	unit_case("minimal.conf: default profile values");
	if (CHECK_INT_EQ(cfg->n_profiles, 1)) {
		CHECK(cfg->profiles[0].migrate);
		CHECK_INT_EQ(cfg->profiles[0].wait_timeout_ms, 30000);
		CHECK_INT_EQ(cfg->profiles[0].lock_timeout_ms, 60000);
		CHECK_INT_EQ(cfg->profiles[0].seeds.n, 0);
	}
	unit_case("minimal.conf: no profile given, no default_profile");
	CHECK_INT_EQ(select_profile(cfg, NULL, &log), RC_CONFIG);
	CHECK_CONTAINS(log, "no profile selected");
	free(log);
	CHECK(cfg->profile == NULL);
	unit_case("minimal.conf: unknown profile");
	CHECK_INT_EQ(select_profile(cfg, "prod", &log), RC_CONFIG);
	CHECK_CONTAINS(log, "unknown profile 'prod'");
	CHECK_CONTAINS(log, "defines: dev");
	free(log);
	CHECK(cfg->profile == NULL);
	unit_case("minimal.conf: profile by name");
	CHECK_INT_EQ(select_profile(cfg, "dev", &log), RC_OK);
	free(log);
	CHECK(cfg->profile == &cfg->profiles[0]);
	config_free(cfg);

	unit_case("empty.conf");
	cfg = load(DATA "empty.conf", NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_INT_EQ(cfg->n_profiles, 0);
		CHECK_INT_EQ(select_profile(cfg, "dev", &log), RC_CONFIG);
		CHECK_CONTAINS(log, "defines: none");
		free(log);
	}
	config_free(cfg);

	unit_case("a config file in the working directory");
	cfg = load("pginit.conf", NULL, &rc, &log);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->dir, "");
		CHECK_STR_EQ(cfg->migrations_dir, "migrations");
	}
	config_free(cfg);
}

static void test_file_errors(void)
{
	/* file, rc, and what the log must say ("FILE:LINE: message") */
	static const struct { const char *file; enum rc rc; const char *log; } cases[] = {
		{"unknown_key.conf", RC_CONFIG, DATA "unknown_key.conf:4: unknown key 'connection.hots'"},
		{"unknown_key.conf", RC_CONFIG, "hint: valid keys here: host, port, dbname"},
		{"unknown_top_key.conf", RC_CONFIG, DATA "unknown_top_key.conf:2: unknown key 'ledger'"},
		{"unknown_profile_key.conf", RC_CONFIG, DATA "unknown_profile_key.conf:4: unknown key 'wait_timeuot'"},
		{"wrong_type.conf", RC_CONFIG, DATA "wrong_type.conf:3: key 'connection.port' must be a port or port list"},
		{"wrong_type_bool.conf", RC_CONFIG, DATA "wrong_type_bool.conf:2: key 'database.create' must be a boolean"},
		{"wrong_type_list.conf", RC_CONFIG,
		 DATA "wrong_type_list.conf:3: key 'database.extensions' must be a list of strings"},
		{"wrong_type_duration.conf", RC_CONFIG,
		 DATA "wrong_type_duration.conf:3: key 'wait_timeout' must be a duration"},
		{"wrong_type_group.conf", RC_CONFIG, DATA "wrong_type_group.conf:2: key 'connection' must be a group"},
		{"wrong_type_placeholder.conf", RC_CONFIG,
		 DATA "wrong_type_placeholder.conf:3: placeholders.port must be a string"},
		{"wrong_type_placeholders.conf", RC_CONFIG,
		 DATA "wrong_type_placeholders.conf:1: key 'placeholders' must be a group of strings"},
		{"profile_not_group.conf", RC_CONFIG, DATA "profile_not_group.conf:3: profile 'prod' must be a group"},
		{"negative_duration.conf", RC_CONFIG, DATA "negative_duration.conf:3: key 'wait_timeout'"},
		{"huge_duration.conf", RC_CONFIG, DATA "huge_duration.conf:3: key 'lock_timeout'"},
		{"syntax.conf", RC_CONFIG, DATA "syntax.conf:4: syntax error"},
		/* where libconfig puts an unterminated string varies: only the file is sure */
		{"syntax_unterminated.conf", RC_CONFIG, DATA "syntax_unterminated.conf:"},
		{"does-not-exist.conf", RC_CONFIG, "unable to read config file " DATA "does-not-exist.conf"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		clean_env();
		char *path = xasprintf(DATA "%s", cases[i].file);
		unit_case("config_load(%s)", path);
		enum rc rc;
		char *log;
		struct config *cfg = load(path, NULL, &rc, &log);
		CHECK(cfg == NULL);
		CHECK_INT_EQ(rc, cases[i].rc);
		CHECK_CONTAINS(log, cases[i].log);
		CHECK_CONTAINS(log, "pginit: error: ");
		free(log);
		config_free(cfg);
		free(path);
	}
}

/* ---- environment */

struct env { const char *var, *value; };

/* Load full.conf with these variables set (and nothing else). */
static struct config *load_with(const struct env *vars, const struct strlist *sets, enum rc *rc, char **log)
{
	clean_env();
	for (const struct env *e = vars; e && e->var; e++)
		setenv(e->var, e->value, 1);
	return load(DATA "full.conf", sets, rc, log);
}

static void test_env(void)
{
	enum rc rc;
	char *log;
	struct config *cfg;

	unit_case("PGINIT_HOST, PGPORT, POSTGRES_DB, POSTGRES_USER_FILE");
	cfg = load_with((const struct env[]){{"PGINIT_HOST", "pginit-host"}, {"PGPORT", "5999"},
					     {"POSTGRES_DB", "pgdb"}, {"POSTGRES_USER_FILE", DATA "postgres_user"},
					     {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->host, "pginit-host");
		CHECK_INT_EQ(cfg->port, 5999);
		CHECK_STR_EQ(cfg->dbname, "pgdb");
		CHECK_STR_EQ(cfg->user, "from_file_user"); /* one trailing newline stripped */
	}
	config_free(cfg);

	unit_case("PGPORT=abc is an error naming the variable, not ignored");
	cfg = load_with((const struct env[]){{"PGPORT", "abc"}, {NULL, NULL}}, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "PGPORT: invalid value 'abc'");
	free(log);
	config_free(cfg);

	unit_case("DATABASE_URL as a URI");
	cfg = load_with((const struct env[]){{"DATABASE_URL", "postgresql://url-user:p%40ss%3Aw0rd@url-host:6543/url-db"
							      "?sslmode=require&application_name=from-url"
							      "&connect_timeout=9"},
					     {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->host, "url-host");
		CHECK_INT_EQ(cfg->port, 6543);
		CHECK_STR_EQ(cfg->user, "url-user");
		CHECK_STR_EQ(cfg->dbname, "url-db");
		CHECK_STR_EQ(cfg->password, "p@ss:w0rd");
		CHECK_STR_EQ(cfg->sslmode, "require");
		CHECK_STR_EQ(cfg->application_name, "from-url");
		CHECK_INT_EQ(cfg->connect_timeout, 9);
	}
	config_free(cfg);

	unit_case("DATABASE_URL as a conninfo string");
	cfg = load_with((const struct env[]){{"DATABASE_URL", "host=ci-host port=7001 dbname='my db' password=pw"},
					     {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->host, "ci-host");
		CHECK_INT_EQ(cfg->port, 7001);
		CHECK_STR_EQ(cfg->dbname, "my db");
		CHECK_STR_EQ(cfg->user, "admin"); /* from the file: the URL has none */
		CHECK_STR_EQ(cfg->password, "pw");
	}
	config_free(cfg);

	unit_case("DATABASE_URL invalid: RC_CONFIG, and the URL is not logged");
	cfg = load_with((const struct env[]){{"DATABASE_URL", "postgresql://u:s3cr3t@[::1/db"}, {NULL, NULL}}, NULL, &rc,
			&log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "DATABASE_URL is not a valid connection URI");
	CHECK(strstr(log, "s3cr3t") == NULL);
	free(log);

	unit_case("DATABASE_URL with an invalid port");
	cfg = load_with((const struct env[]){{"DATABASE_URL", "host=h port=abc"}, {NULL, NULL}}, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "DATABASE_URL: invalid port");
	free(log);

	/* PGINIT_* values that do not parse */
	static const struct env bad[] = {
		{"PGINIT_PORT", "abc"}, {"PGINIT_PORT", "-1"}, {"PGINIT_CONNECT_TIMEOUT", "5s"},
		{"PGINIT_CREATE_DATABASE", "maybe"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unit_case("%s=%s", bad[i].var, bad[i].value);
		cfg = load_with((const struct env[]){bad[i], {NULL, NULL}}, NULL, &rc, &log);
		CHECK(cfg == NULL);
		CHECK_INT_EQ(rc, RC_CONFIG);
		CHECK_CONTAINS(log, bad[i].var);
		free(log);
	}

	unit_case("PGINIT_* of every type");
	cfg = load_with((const struct env[]){{"PGINIT_CREATE_DATABASE", "yes"}, {"PGINIT_SCHEMAS", " a, b ,,c "},
					     {"PGINIT_MIGRATIONS_DIR", "rel/migrations"},
					     {"PGINIT_SSLROOTCERT", "ca.pem"}, {"PGINIT_APP_SECRET", ""}, {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->create_database);
		CHECK_LIST(&cfg->schemas, "a|b|c");
		/* from the environment: relative to the working directory, not the file's */
		CHECK_STR_EQ(cfg->migrations_dir, "rel/migrations");
		CHECK_STR_EQ(cfg->sslrootcert, "ca.pem");
		CHECK_STR_EQ(cfg->app.secret, "");
	}
	config_free(cfg);

	unit_case("profile variables apply at profile selection");
	cfg = load_with((const struct env[]){{"PGINIT_WAIT_TIMEOUT", "2.5"}, {"PGINIT_LOCK_TIMEOUT", "90s"},
					     {"PGINIT_SEEDS", "x,y"}, {"PGINIT_MIGRATE", "off"}, {NULL, NULL}},
			NULL, &rc, &log);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_INT_EQ(select_profile(cfg, "dev", &log), RC_OK);
		free(log);
		CHECK_INT_EQ(cfg->profile->wait_timeout_ms, 2500);
		CHECK_INT_EQ(cfg->profile->lock_timeout_ms, 90000);
		CHECK_LIST(&cfg->profile->seeds, "x|y");
		CHECK(!cfg->profile->migrate);
		CHECK_INT_EQ(cfg->profiles[1].wait_timeout_ms, 1500); /* only the selected profile */
	}
	config_free(cfg);

	static const char *const bad_waits[] = {"soon", "-1", "5h", "", "nan"};
	for (size_t i = 0; i < sizeof bad_waits / sizeof bad_waits[0]; i++) {
		unit_case("PGINIT_WAIT_TIMEOUT=\"%s\"", bad_waits[i]);
		cfg = load_with((const struct env[]){{"PGINIT_WAIT_TIMEOUT", bad_waits[i]}, {NULL, NULL}}, NULL, &rc, &log);
		free(log);
		if (CHECK(cfg != NULL)) {
			CHECK_INT_EQ(select_profile(cfg, "dev", &log), RC_CONFIG);
			CHECK_CONTAINS(log, "PGINIT_WAIT_TIMEOUT: invalid value");
			free(log);
		}
		config_free(cfg);
	}
}

/* Each layer overrides all those before it: add them one by one and watch the winner change. */
static void test_precedence(void)
{
	static const struct { const char *var, *value, *user, *dbname, *host; } layers[] = {
		{NULL, NULL, "admin", "shop", "db.example"}, /* the file */
		{"PGUSER", "pg-user", "pg-user", "shop", "db.example"},
		{"PGDATABASE", "pg-db", "pg-user", "pg-db", "db.example"},
		{"PGHOST", "pg-host", "pg-user", "pg-db", "pg-host"},
		{"POSTGRES_USER", "postgres-user", "postgres-user", "pg-db", "pg-host"},
		{"POSTGRES_DB", "postgres-db", "postgres-user", "postgres-db", "pg-host"},
		{"DATABASE_URL", "postgresql://url-user@url-host/url-db", "url-user", "url-db", "url-host"},
		{"PGINIT_USER", "pginit-user", "pginit-user", "url-db", "url-host"},
		{"PGINIT_DBNAME", "pginit-db", "pginit-user", "pginit-db", "url-host"},
		{"PGINIT_HOST", "pginit-host", "pginit-user", "pginit-db", "pginit-host"},
		{"--set", "connection.user=set-user", "set-user", "pginit-db", "pginit-host"},
	};
	struct env vars[16] = {{NULL, NULL}};
	struct strlist sets = {0};
	int nv = 0;
	for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
		unit_case("precedence: up to %s", layers[i].var ? layers[i].var : "the file");
		if (layers[i].var && strcmp(layers[i].var, "--set") == 0)
			strlist_add(&sets, layers[i].value);
		else if (layers[i].var)
			vars[nv++] = (struct env){layers[i].var, layers[i].value};
		enum rc rc;
		char *log;
		struct config *cfg = load_with(vars, &sets, &rc, &log);
		free(log);
		if (CHECK(cfg != NULL)) {
			CHECK_STR_EQ(cfg->user, layers[i].user);
			CHECK_STR_EQ(cfg->dbname, layers[i].dbname);
			CHECK_STR_EQ(cfg->host, layers[i].host);
		}
		config_free(cfg);
	}
	strlist_free(&sets);
}

static void test_admin_password(void)
{
	enum rc rc;
	char *log;
	struct config *cfg;

	/* minimal.conf keeps the default password_secret, postgres_password */
	static const struct {
		const char *what;
		struct env vars[4];
		enum rc rc;
		const char *password; /* or, for a failure, what the log must say */
	} cases[] = {
		{"none", {{NULL, NULL}}, RC_OK, NULL},
		{"POSTGRES_PASSWORD", {{"POSTGRES_PASSWORD", "pw1"}, {NULL, NULL}}, RC_OK, "pw1"},
		{"POSTGRES_PASSWORD_FILE", {{"POSTGRES_PASSWORD_FILE", DATA "postgres_user"}, {NULL, NULL}}, RC_OK,
		 "from_file_user"},
		{"PGPASSWORD as a last resort", {{"PGPASSWORD", "pgpw"}, {NULL, NULL}}, RC_OK, "pgpw"},
		{"POSTGRES_PASSWORD before PGPASSWORD", {{"PGPASSWORD", "pgpw"}, {"POSTGRES_PASSWORD", "pw1"}, {NULL, NULL}},
		 RC_OK, "pw1"},
		{"DATABASE_URL's password first",
		 {{"POSTGRES_PASSWORD", "pw1"}, {"DATABASE_URL", "postgresql://u:urlpw@h/d"}, {NULL, NULL}}, RC_OK,
		 "urlpw"},
		{"POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE",
		 {{"POSTGRES_PASSWORD", "s3cr3t"}, {"POSTGRES_PASSWORD_FILE", DATA "postgres_user"}, {NULL, NULL}},
		 RC_SECRET, "both POSTGRES_PASSWORD and POSTGRES_PASSWORD_FILE are set"},
		{"POSTGRES_PASSWORD_FILE missing", {{"POSTGRES_PASSWORD_FILE", DATA "nope"}, {NULL, NULL}}, RC_SECRET,
		 "unable to read secret file " DATA "nope (from POSTGRES_PASSWORD_FILE)"},
		{"POSTGRES_USER and POSTGRES_USER_FILE",
		 {{"POSTGRES_USER", "u"}, {"POSTGRES_USER_FILE", DATA "postgres_user"}, {NULL, NULL}}, RC_SECRET,
		 "both POSTGRES_USER and POSTGRES_USER_FILE are set"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("admin password: %s", cases[i].what);
		clean_env();
		for (const struct env *e = cases[i].vars; e->var; e++)
			setenv(e->var, e->value, 1);
		cfg = load(DATA "minimal.conf", NULL, &rc, &log);
		CHECK_INT_EQ(rc, cases[i].rc);
		if (cases[i].rc == RC_OK) {
			if (CHECK(cfg != NULL))
				CHECK_STR_EQ(cfg->password, cases[i].password);
		} else {
			CHECK(cfg == NULL);
			CHECK_CONTAINS(log, cases[i].password);
		}
		CHECK(strstr(log, "s3cr3t") == NULL);
		free(log);
		config_free(cfg);
	}
}

static void test_sets(void)
{
	enum rc rc;
	char *log;
	struct config *cfg;
	struct strlist sets = {0};

	unit_case("--set of a global key and profile keys");
	strlist_add(&sets, "connection.port=7000");
	strlist_add(&sets, "paths.migrations=cli/migrations");
	strlist_add(&sets, "wait_timeout=7");
	strlist_add(&sets, "seeds=a, b");
	strlist_add(&sets, "migration_statement_timeout=1min");
	cfg = load_with((const struct env[]){{"PGINIT_PORT", "6000"}, {"PGINIT_WAIT_TIMEOUT", "3"}, {NULL, NULL}}, &sets,
			&rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_INT_EQ(cfg->port, 7000); /* --set over PGINIT_PORT */
		CHECK_STR_EQ(cfg->migrations_dir, "cli/migrations");
		CHECK_INT_EQ(cfg->profiles[0].wait_timeout_ms, 2500); /* not yet: a profile key waits for the profile */
		CHECK_INT_EQ(select_profile(cfg, "dev", &log), RC_OK);
		free(log);
		CHECK_INT_EQ(cfg->profile->wait_timeout_ms, 7000); /* --set over PGINIT_WAIT_TIMEOUT */
		CHECK_LIST(&cfg->profile->seeds, "a|b");
		CHECK_STR_EQ(cfg->profile->migration_statement_timeout, "1min");
		CHECK_INT_EQ(cfg->profiles[1].wait_timeout_ms, 1500);
	}
	config_free(cfg);
	strlist_free(&sets);

	/* bad --set: usage errors, at load or (profile keys) at selection */
	static const struct { const char *set; bool at_load; const char *log; } bad[] = {
		{"nope=1", true, "--set nope=1: expected KEY=VALUE"},
		{"connection.port", true, "--set connection.port: expected KEY=VALUE"},
		{"connection=x", true, "--set connection=x: expected KEY=VALUE"},
		{"connection.port=x", true, "--set connection.port=x: invalid value for a port or port list"},
		{"connection.port=5433,x", true, "--set connection.port=5433,x: invalid value for a port or port list"},
		{"database.create=maybe", true, "--set database.create=maybe: invalid value for a boolean"},
		{"migrate=maybe", false, "--set migrate=maybe: invalid value for a boolean"},
		{"lock_timeout=soon", false, "--set lock_timeout=soon: invalid value for a duration"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unit_case("--set %s", bad[i].set);
		strlist_add(&sets, bad[i].set);
		cfg = load_with(NULL, &sets, &rc, &log);
		if (bad[i].at_load) {
			CHECK(cfg == NULL);
			CHECK_INT_EQ(rc, RC_USAGE);
			CHECK_CONTAINS(log, bad[i].log);
		} else if (CHECK(cfg != NULL)) {
			char *log2;
			CHECK_INT_EQ(select_profile(cfg, "dev", &log2), RC_USAGE);
			CHECK_CONTAINS(log2, bad[i].log);
			free(log2);
		}
		free(log);
		config_free(cfg);
		strlist_free(&sets);
	}
}

static void test_topology_keys(void)
{
	enum rc rc;
	char *log;
	struct config *cfg;

	unit_case("a port list (multi-host), PGTARGETSESSIONATTRS, lock_mode");
	cfg = load_with((const struct env[]){{"PGHOST", "standby,primary"}, {"PGPORT", "5433,5432"},
					     {"PGTARGETSESSIONATTRS", "primary"}, {"PGINIT_LOCK_MODE", "lease"},
					     {"PGINIT_LOCK_LEASE_TTL", "9"}, {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->host, "standby,primary");
		CHECK_STR_EQ(cfg->ports, "5433,5432");
		CHECK_INT_EQ(cfg->port, 5433);
		CHECK_STR_EQ(cfg->target_session_attrs, "primary");
		CHECK_STR_EQ(cfg->lock_mode, "lease");
		CHECK_INT_EQ(cfg->lock_lease_ttl_ms, 9000);
	}
	config_free(cfg);

	unit_case("a multi-host DATABASE_URL");
	cfg = load_with((const struct env[]){{"DATABASE_URL", "postgresql://u@db-a:5433,db-b:5432/app"}, {NULL, NULL}},
			NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->host, "db-a,db-b");
		CHECK_STR_EQ(cfg->ports, "5433,5432");
	}
	config_free(cfg);

	unit_case("defaults: auto lock mode, 30 s lease (full.conf sets target_session_attrs = any)");
	cfg = load_with((const struct env[]){{NULL, NULL}}, NULL, &rc, &log);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->lock_mode, "auto");
		CHECK_INT_EQ(cfg->lock_lease_ttl_ms, 30000);
		CHECK_STR_EQ(cfg->target_session_attrs, "any");
	}
	config_free(cfg);

	unit_case("every port of a list is range-checked; one port, or one per host");
	static const struct {
		const char *host, *port, *log;
	} bad_ports[] = {
		{"a,b", "5433,0", "PGPORT: invalid connection.port: 0 is not a port number (1 to 65535)"},
		{"a,b", "70000,5432", "PGPORT: invalid connection.port: 70000 is not a port number"},
		{"a,b", "5432,", "PGPORT: invalid value '5432,'"},
		{"a,b", "1,2,3", "invalid connection.port: 3 ports for 2 hosts in connection.host"},
		{"a", "1,2", "invalid connection.port: 2 ports for 1 host in connection.host"},
	};
	for (size_t i = 0; i < sizeof bad_ports / sizeof bad_ports[0]; i++) {
		cfg = load_with((const struct env[]){{"PGHOST", bad_ports[i].host}, {"PGPORT", bad_ports[i].port}, {NULL, NULL}},
				NULL, &rc, &log);
		CHECK(cfg == NULL);
		CHECK_INT_EQ(rc, RC_CONFIG);
		CHECK_CONTAINS(log, bad_ports[i].log);
		free(log);
		config_free(cfg);
	}
	cfg = load_with((const struct env[]){{"PGHOST", "a,b"}, {"PGPORT", "5432"}, {NULL, NULL}}, NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	free(log);
	config_free(cfg);

	unit_case("a bad lock_mode or lease ttl is a config error");
	cfg = load_with((const struct env[]){{"PGINIT_LOCK_MODE", "table"}, {NULL, NULL}}, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "PGINIT_LOCK_MODE: invalid lock_mode: 'table' is not one of session, lease, auto");
	free(log);
	config_free(cfg);
	cfg = load_with((const struct env[]){{"PGINIT_LOCK_LEASE_TTL", "0.5"}, {NULL, NULL}}, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_CONTAINS(log, "PGINIT_LOCK_LEASE_TTL: invalid lock_lease_ttl: 500 ms is not between 1 and 86400 seconds");
	free(log);
	config_free(cfg);
}

/* A config file with this text, in a fresh temporary file (caller unlinks and frees). */
static char *temp_config(const char *text, size_t len)
{
	char *path = xstrdup("/tmp/pginit-unit-conf-XXXXXX");
	int fd = mkstemp(path);
	if (fd >= 0) {
		if (write(fd, text, len) != (ssize_t)len)
			fprintf(stderr, "short write to %s\n", path);
		close(fd);
	}
	return path;
}

#define PROFILE "profiles = { dev = { }; };\n"

/*
 * Values out of their key's range (issue 8, "bad input"): from the file
 * (file:line), the environment (the variable) or --set, all exit 3 at load
 * or at profile selection, before anything connects.
 */
static void test_checks(void)
{
	static const struct {
		const char *file;  /* file text (NULL: full.conf) */
		const char *var, *value; /* an environment variable (NULL: none) */
		const char *set;   /* a --set (NULL: none) */
		enum rc rc;
		const char *log;
	} cases[] = {
		/* ports */
		{"connection = { port = 99999; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.port: 99999 is not a port number"},
		{"connection = { port = -1; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.port: -1 is not a port"},
		{"connection = { port = 0; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.port: 0 is not a port"},
		{"connection = { port = 4294972728L; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.port: 4294972728 is out of range"},
		{"\n\nconnection = {\n port = 4294972728;\n};\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":4: integer 4294972728 is out of range"},
		{NULL, "PGINIT_PORT", "99999", NULL, RC_CONFIG, "PGINIT_PORT: invalid connection.port: 99999 is not a port number"},
		{NULL, "PGINIT_PORT", "4294972728", NULL, RC_CONFIG, "PGINIT_PORT: invalid value '4294972728'"},
		{NULL, "PGPORT", "0", NULL, RC_CONFIG, "PGPORT: invalid connection.port"},
		{NULL, "DATABASE_URL", "postgresql://h:70000/db", NULL, RC_CONFIG, "DATABASE_URL: invalid connection.port: 70000"},
		{NULL, NULL, NULL, "connection.port=65536", RC_CONFIG, "--set: invalid connection.port: 65536"},
		{NULL, NULL, NULL, "connection.port=65535", RC_OK, NULL},
		/* connect_timeout */
		{"connection = { connect_timeout = -5; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.connect_timeout: -5"},
		{NULL, "PGCONNECT_TIMEOUT", "-5", NULL, RC_CONFIG, "PGCONNECT_TIMEOUT: invalid connection.connect_timeout"},
		{NULL, "PGINIT_CONNECT_TIMEOUT", "100000", NULL, RC_CONFIG, "PGINIT_CONNECT_TIMEOUT: invalid connection.connect_timeout: 100000 is not between 0 and 3600"},
		{NULL, "PGINIT_CONNECT_TIMEOUT", "0", NULL, RC_OK, NULL},
		/* huge and negative durations */
		{"profiles = { dev = { wait_timeout = 1000000; }; };\n", NULL, NULL, NULL, RC_CONFIG, ":1: invalid profiles.dev.wait_timeout: 1000000000 ms is not between 0 and 86400 seconds"},
		{"profiles = { dev = { lock_timeout = \"2000000s\"; }; };\n", NULL, NULL, NULL, RC_CONFIG, ":1: invalid profiles.dev.lock_timeout"},
		{"profiles = { dev = { wait_timeout = 86400; }; };\n", NULL, NULL, NULL, RC_OK, NULL},
		{NULL, "PGINIT_WAIT_TIMEOUT", "100000", NULL, RC_CONFIG, "PGINIT_WAIT_TIMEOUT: invalid wait_timeout"},
		{NULL, NULL, NULL, "lock_timeout=1000000", RC_CONFIG, "--set: invalid lock_timeout"},
		/* PostgreSQL time values */
		{"profiles = { dev = { migration_lock_timeout = \"10 seconds\"; }; };\n", NULL, NULL, NULL, RC_CONFIG, ":1: invalid profiles.dev.migration_lock_timeout: '10 seconds' is not a PostgreSQL time value"},
		{"profiles = { dev = { migration_statement_timeout = \"-1\"; }; };\n", NULL, NULL, NULL, RC_CONFIG, "invalid profiles.dev.migration_statement_timeout"},
		{NULL, "PGINIT_MIGRATION_LOCK_TIMEOUT", "soon", NULL, RC_CONFIG, "PGINIT_MIGRATION_LOCK_TIMEOUT: invalid migration_lock_timeout"},
		{NULL, "PGINIT_MIGRATION_LOCK_TIMEOUT", "", NULL, RC_CONFIG, "PGINIT_MIGRATION_LOCK_TIMEOUT: invalid migration_lock_timeout"},
		{NULL, "PGINIT_MIGRATION_STATEMENT_TIMEOUT", "30d", NULL, RC_CONFIG, "invalid migration_statement_timeout"},
		{NULL, "PGINIT_MIGRATION_STATEMENT_TIMEOUT", "24d", NULL, RC_OK, NULL},
		{NULL, NULL, NULL, "migration_lock_timeout=10S", RC_CONFIG, "--set: invalid migration_lock_timeout"},
		{NULL, NULL, NULL, "migration_lock_timeout=1.5s", RC_OK, NULL},
		{NULL, NULL, NULL, "migration_lock_timeout=500", RC_OK, NULL},
		{NULL, NULL, NULL, "migration_lock_timeout= 5 min ", RC_OK, NULL},
		{NULL, NULL, NULL, "migration_statement_timeout=0", RC_OK, NULL},
		/* names */
		{"connection = { dbname = \"\"; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid connection.dbname: must not be empty"},
		{"roles = { owner = { name = \"\"; }; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, "roles.owner.name is empty: pginit needs an owner and an app role"}, /* checked after ${database} */
		{"database = { schemas = [\"auth\", \"\"]; };\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid database.schemas: item 2 '' must not be empty"},
		{"ledger_schema = \"\";\n" PROFILE, NULL, NULL, NULL, RC_CONFIG, ":1: invalid ledger_schema: must not be empty"},
		{NULL, "PGINIT_APP_ROLE", "", NULL, RC_CONFIG, "roles.app.name is empty: pginit needs an owner and an app role"},
		{NULL, "PGINIT_DBNAME", "", NULL, RC_CONFIG, "PGINIT_DBNAME: invalid connection.dbname"},
		{NULL, "PGINIT_USER", "", NULL, RC_CONFIG, "PGINIT_USER: invalid connection.user"},
		{NULL, "PGINIT_MAINTENANCE_DB", "", NULL, RC_CONFIG, "PGINIT_MAINTENANCE_DB: invalid"},
		{NULL, "PGINIT_LEDGER_SCHEMA", "", NULL, RC_CONFIG, "PGINIT_LEDGER_SCHEMA: invalid ledger_schema"},
		{NULL, "PGINIT_READONLY_ROLE", "", NULL, RC_OK, NULL},
		{NULL, "PGINIT_OWNER_ROLE", "o234567890123456789012345678901234567890123456789012345678901234", NULL, RC_CONFIG, "roles.owner.name: role name 'o234567890123456789012345678901234567890123456789012345678901234' is longer than 63 bytes"},
		{NULL, "PGINIT_OWNER_ROLE", "o23456789012345678901234567890123456789012345678901234567890123", NULL, RC_OK, NULL},
		{NULL, NULL, NULL, "database.extensions=,", RC_OK, NULL}, /* empty items are dropped from text lists */
		/* seed set names (issue 8.4) */
		{NULL, NULL, NULL, "seeds=../migrations", RC_CONFIG, "--set: invalid seeds: '../migrations' is not a seed set name"},
		{NULL, NULL, NULL, "seeds=common,/etc", RC_CONFIG, "'/etc' is not a seed set name"},
		{NULL, NULL, NULL, "seeds=.", RC_CONFIG, "'.' is not a seed set name"},
		{NULL, "PGINIT_SEEDS", "common,..", NULL, RC_CONFIG, "PGINIT_SEEDS: invalid seeds: '..' is not a seed set name"},
		{"profiles = { dev = { seeds = [\"common\", \"dev/../../x\"]; }; };\n", NULL, NULL, NULL, RC_CONFIG, ":1: invalid profiles.dev.seeds: 'dev/../../x'"},
		{NULL, NULL, NULL, "seeds=common,dev-2,a_b", RC_OK, NULL},
		/* sslmode, secrets */
		{NULL, "PGINIT_SSLMODE", "verify_full", NULL, RC_CONFIG, "PGINIT_SSLMODE: invalid connection.sslmode: 'verify_full' is not a libpq sslmode"},
		{NULL, "PGSSLMODE", "required", NULL, RC_CONFIG, "PGSSLMODE: invalid connection.sslmode"},
		{NULL, "PGINIT_APP_SECRET", "../../etc/passwd", NULL, RC_CONFIG, "PGINIT_APP_SECRET: invalid roles.app.secret"},
		{NULL, "PGINIT_PASSWORD_SECRET", "..", NULL, RC_CONFIG, "invalid connection.password_secret"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("check %zu: %s%s%s%s", i, cases[i].var ? cases[i].var : "", cases[i].var ? "=" : "",
			  cases[i].var ? cases[i].value : cases[i].set ? cases[i].set : "", cases[i].file ? "(file)" : "");
		clean_env();
		if (cases[i].var)
			setenv(cases[i].var, cases[i].value, 1);
		struct strlist sets = {0};
		if (cases[i].set)
			strlist_add(&sets, cases[i].set);
		char *path = cases[i].file ? temp_config(cases[i].file, strlen(cases[i].file)) : xstrdup(DATA "full.conf");
		enum rc rc;
		char *log, *log2 = NULL;
		struct config *cfg = load(path, &sets, &rc, &log);
		if (cfg) {
			rc = select_profile(cfg, "dev", &log2);
			char *both = xasprintf("%s%s", log, log2);
			free(log);
			free(log2);
			log = both;
		}
		CHECK_INT_EQ(rc, cases[i].rc);
		if (cases[i].log) {
			CHECK_CONTAINS(log, cases[i].log);
			CHECK_CONTAINS(log, "hint: ");
		} else {
			CHECK_STR_EQ(log, "");
		}
		free(log);
		config_free(cfg);
		strlist_free(&sets);
		if (cases[i].file)
			unlink(path);
		free(path);
	}
	clean_env();
}

/* How the file is read: a BOM, no final newline, a directory, a NUL, a size limit. */
static void test_file_reading(void)
{
	static const struct { const char *what; const char *text; size_t len; enum rc rc; const char *log; } cases[] = {
		{"a UTF-8 BOM", "\xEF\xBB\xBF" "default_profile = \"dev\";\n" PROFILE, 0, RC_OK, NULL},
		{"a last comment without a newline", PROFILE "# the end", 0, RC_OK, NULL},
		{"a last setting without a newline", "profiles = { dev = { }; };", 0, RC_OK, NULL},
		{"a NUL byte", PROFILE "# a\0b\n", sizeof(PROFILE "# a\0b\n") - 1, RC_CONFIG, "it contains a NUL byte"},
		{"a BOM only", "\xEF\xBB\xBF", 0, RC_OK, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("config file: %s", cases[i].what);
		clean_env();
		char *path = temp_config(cases[i].text, cases[i].len ? cases[i].len : strlen(cases[i].text));
		enum rc rc;
		char *log;
		struct config *cfg = load(path, NULL, &rc, &log);
		CHECK_INT_EQ(rc, cases[i].rc);
		if (cases[i].log)
			CHECK_CONTAINS(log, cases[i].log);
		else
			CHECK_STR_EQ(log, "");
		free(log);
		config_free(cfg);
		unlink(path);
		free(path);
	}

	unit_case("config file: a directory");
	clean_env();
	enum rc rc;
	char *log;
	struct config *cfg = load(DATA, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "unable to read config file " DATA ": it is a directory");
	CHECK(strstr(log, "flex") == NULL);
	free(log);

	/* 10 MB of comment took 49 s in libconfig's FILE scanner: over 1 MiB is refused at once,
	 * and just under it parses (in memory, linear). */
	unit_case("config file: over 1 MiB");
	size_t big = 1024 * 1024 + 1;
	char *text = xmalloc(big + 1);
	memset(text, 'x', big);
	text[0] = '#';
	text[big - 1] = '\n';
	char *path = temp_config(text, big);
	cfg = load(path, NULL, &rc, &log);
	CHECK(cfg == NULL);
	CHECK_INT_EQ(rc, RC_CONFIG);
	CHECK_CONTAINS(log, "larger than 1024 KiB");
	free(log);
	unlink(path);
	free(path);
	unit_case("config file: a 1 MB comment line parses");
	path = temp_config(text, big - 100);
	int64_t t0 = now_ms();
	cfg = load(path, NULL, &rc, &log);
	CHECK_INT_EQ(rc, RC_OK);
	if (now_ms() - t0 > 5000)
		printf("    note: a 1 MB comment took %lld ms\n", (long long)(now_ms() - t0));
	free(log);
	config_free(cfg);
	unlink(path);
	free(path);
	free(text);
}

/* The migrations directory must exist unless it is optional (issue 8.12). */
static void test_check_paths(void)
{
	static const struct { const char *dir; const char *optional; enum rc rc; const char *log; } cases[] = {
		{"migrations", NULL, RC_OK, NULL},
		{"migratoins", NULL, RC_CONFIG, "unable to read migrations directory migratoins: No such file or directory"},
		{"migratoins", "true", RC_OK, NULL},
		{"migratoins", "false", RC_CONFIG, "hint: check paths.migrations"},
		{"README.md", NULL, RC_CONFIG, "migrations directory README.md is not a directory"},
		{"README.md", "true", RC_CONFIG, "is not a directory"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("config_check_paths(%s, optional %s)", cases[i].dir, cases[i].optional ? cases[i].optional : "unset");
		clean_env();
		setenv("PGINIT_MIGRATIONS_DIR", cases[i].dir, 1);
		if (cases[i].optional)
			setenv("PGINIT_MIGRATIONS_OPTIONAL", cases[i].optional, 1);
		enum rc rc;
		char *log;
		struct config *cfg = load(DATA "full.conf", NULL, &rc, &log);
		free(log);
		if (CHECK(cfg != NULL)) {
			struct unit_capture cap;
			unit_capture_begin(&cap);
			CHECK_INT_EQ(config_check_paths(cfg), cases[i].rc);
			log = unit_capture_end(&cap);
			if (cases[i].log)
				CHECK_CONTAINS(log, cases[i].log);
			else
				CHECK_STR_EQ(log, "");
			free(log);
		}
		config_free(cfg);
	}
	clean_env();
}

static void test_print_keys(void)
{
	unit_case("config_print_keys");
	FILE *f = tmpfile();
	if (!CHECK(f != NULL))
		return;
	config_print_keys(f);
	long n = ftell(f);
	rewind(f);
	char *text = xcalloc((size_t)n + 1, 1);
	CHECK_INT_EQ(fread(text, 1, (size_t)n, f), n);
	fclose(f);
	/* every key of full.conf is documented, with its variable */
	static const char *const want[] = {
		"connection.host", "PGINIT_HOST", "connection.port", "database.schemas", "roles.app.secret",
		"paths.credentials_file", "profiles.NAME.wait_timeout", "PGINIT_WAIT_TIMEOUT",
		"profiles.NAME.allow_out_of_order", "default_profile",
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK_CONTAINS(text, want[i]);
	free(text);
}

/* Role names follow the database; names pginit must not manage are refused at load. */
static void test_roles(void)
{
	static const struct {
		const char *var, *value, *want; /* want: NULL when the load must succeed */
	} cases[] = {
		{"PGINIT_APP_ROLE", "postgres", "roles.app.name is 'postgres', the role pginit connects as"},
		{"PGINIT_OWNER_ROLE", "postgres", "roles.owner.name is 'postgres'"},
		{"PGINIT_APP_ROLE", "app_owner", "roles.owner.name and roles.app.name are both 'app_owner'"},
		{"PGINIT_READONLY_ROLE", "${database}_user", "roles.app.name and roles.readonly.name are both 'app_user'"},
		{"PGINIT_APP_ROLE", "", "roles.app.name is empty"},
		{"PGINIT_APP_ROLE", "${db}_x", "only ${database} may appear in a role name"},
		{"PGINIT_DBNAME", "a_database_name_that_is_long_enough_to_overflow_the_limit", "is longer than 63 bytes"},
		{"PGINIT_LEDGER_SCHEMA", "public", "ledger_schema 'public' is refused"},
		{"PGINIT_LEDGER_SCHEMA", "auth", "ledger_schema 'auth' is refused"},
		{"PGINIT_LEDGER_SCHEMA", "pg_temp", "it is a system schema"},
		{"PGINIT_LEDGER_SCHEMA", "", "PGINIT_LEDGER_SCHEMA: invalid ledger_schema: must not be empty"}, /* the value check at load */
		{"PGINIT_READONLY_ROLE", "", NULL},
		{"PGINIT_APP_ROLE", "svc_${database}", NULL},
	};
	enum rc rc;
	char *log;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		clean_env();
		unit_case("%s=%s", cases[i].var, cases[i].value);
		setenv(cases[i].var, cases[i].value, 1);
		struct config *cfg = load(DATA "minimal.conf", NULL, &rc, &log);
		if (cases[i].want) {
			CHECK(cfg == NULL);
			CHECK_INT_EQ(rc, RC_CONFIG);
			CHECK_CONTAINS(log, cases[i].want);
			CHECK_CONTAINS(log, "hint:");
		} else {
			CHECK_INT_EQ(rc, RC_OK);
		}
		free(log);
		config_free(cfg);
	}
	clean_env();
	unit_case("derived names");
	setenv("PGINIT_DBNAME", "shop", 1);
	setenv("PGINIT_APP_ROLE", "svc_${database}", 1);
	struct config *cfg = load(DATA "minimal.conf", NULL, &rc, &log);
	free(log);
	if (CHECK(cfg != NULL)) {
		CHECK_STR_EQ(cfg->owner.name, "shop_owner");
		CHECK_STR_EQ(cfg->app.name, "svc_shop");
		CHECK_STR_EQ(cfg->readonly.name, "shop_readonly");
		CHECK(!cfg->roles_shared);
	}
	config_free(cfg);
	unit_case("safety defaults: on in prod only");
	clean_env();
	cfg = load("pginit.conf", NULL, &rc, &log);
	free(log);
	if (CHECK(cfg != NULL)) {
		for (int i = 0; i < cfg->n_profiles; i++) {
			const struct profile *p = &cfg->profiles[i];
			CHECK(p->safety.enabled == (strcmp(p->name, "prod") == 0));
			CHECK_STR_EQ(p->safety.sslmode, "verify-full");
			CHECK_INT_EQ(p->safety.min_password_length, 16);
			CHECK(p->safety.warn_trust && !p->safety.allow_seeds && !p->safety.allow_known_passwords);
		}
		setenv("PGINIT_SAFETY_SSLMODE", "prefer", 1);
		CHECK_INT_EQ(select_profile(cfg, "prod", &log), RC_OK);
		free(log);
		CHECK_STR_EQ(cfg->profile->safety.sslmode, "prefer");
	}
	config_free(cfg);
}

int main(void)
{
	log_setup(LOG_TEXT, -1);
	test_full();
	test_defaults();
	test_file_errors();
	test_env();
	test_precedence();
	test_admin_password();
	test_sets();
	test_topology_keys();
	test_checks();
	test_file_reading();
	test_check_paths();
	test_print_keys();
	test_roles();
	clean_env();
	return unit_done();
}
