/* config — see config.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "log.h"
#include "secrets.h"

/* ---- the key table */

enum ktype { K_GROUP, K_STR, K_PATH, K_INT, K_BOOL, K_LIST, K_DURATION, K_MAP, K_PORT };

/* What a value must be beyond its type, checked wherever it comes from (file, environment, --set). */
enum kcheck {
	CK_NONE,
	CK_PORT,      /* 1..65535 */
	CK_SECONDS,   /* connect_timeout: 0 (libpq's default) .. 3600 */
	CK_TIMEOUT,   /* a duration of at most MAX_TIMEOUT_MS */
	CK_NAME,      /* an SQL name: 1..63 bytes (PostgreSQL would silently cut a longer one) */
	CK_NAMES,     /* a list of SQL names */
	CK_SETS,      /* a list of seed set names: [A-Za-z0-9_-]+, a directory under paths.seeds */
	CK_PGTIME,    /* a PostgreSQL time setting: "10s", "500ms", "0" */
	CK_SSLMODE,   /* one of libpq's sslmodes */
	CK_SECRET,    /* a secret name: a file name in the secrets directory */
	CK_FORMAT,    /* a migrations format name */
	CK_LOCKMODE,  /* session, lease or auto (lease.h) */
	CK_LEASE_TTL, /* a duration of 1 s .. MAX_TIMEOUT_MS */
};

struct key {
	const char *path;   /* dotted path in the file; profile keys are relative to the profile */
	enum ktype type;
	size_t offset;      /* into struct config, or struct profile for profile keys */
	const char *env;    /* PGINIT_* override, or NULL */
	const char *doc;
	enum kcheck check;
};

/* The longest wait_timeout/lock_timeout: a day (an init container waiting longer is stuck). */
#define MAX_TIMEOUT_MS (86400 * 1000)
/* The largest config file read: a config is a few KiB; this bounds parse time and memory. */
#define CONFIG_MAX (1024 * 1024)

#define C(field) offsetof(struct config, field)
#define P(field) offsetof(struct profile, field)

static const struct key global_keys[] = {
	{"default_profile", K_STR, C(default_profile), NULL, "profile used when neither -p nor PGINIT_PROFILE is given", CK_NONE},
	{"ledger_schema", K_STR, C(ledger_schema), "PGINIT_LEDGER_SCHEMA", "schema of pginit's own tables", CK_NAME},
	{"migrations_format", K_STR, C(migrations_format), "PGINIT_MIGRATIONS_FORMAT", "auto, native, golang-migrate, dbmate, goose or flyway", CK_FORMAT},
	{"migrations_compat", K_BOOL, C(migrations_compat), "PGINIT_MIGRATIONS_COMPAT", "also keep the old tool's history table in its shape", CK_NONE},
	{"migrations_role", K_STR, C(migrations_role), "PGINIT_MIGRATIONS_ROLE", "role migrations run as (default: roles.owner.name; see `adopt-owner`)", CK_NONE},
	{"migrations_compat_table", K_STR, C(migrations_compat_table), "PGINIT_MIGRATIONS_COMPAT_TABLE", "the old tool's table: name or schema.name (default: its own name in the first schema of the search_path)", CK_NONE},
	{"migrations_run_as_admin", K_BOOL, C(migrations_run_as_admin), "PGINIT_MIGRATIONS_RUN_AS_ADMIN", "run every migration as the admin role, not the owner role (escape hatch: pg_dump output)", CK_NONE},
	{"migrations_strict_transactions", K_BOOL, C(migrations_strict_transactions), "PGINIT_MIGRATIONS_STRICT_TRANSACTIONS", "only the directive takes a migration out of a transaction (no detection)", CK_NONE},
	{"run_log_keep", K_INT, C(run_log_keep), "PGINIT_RUN_LOG_KEEP", "runs kept in init_log per profile, besides every failed one (0: all)", CK_NONE},
	{"fleet", K_GROUP, 0, NULL, "many targets: databases or schemas (see Fleets)", CK_NONE},
	{"fleet.databases", K_LIST, C(fleet_databases), "PGINIT_FLEET_DATABASES", "target databases, by name, on the connection's server", CK_NONE},
	{"fleet.pattern", K_STR, C(fleet_pattern), "PGINIT_FLEET_PATTERN", "LIKE pattern over the server's databases, e.g. tenant_%", CK_NONE},
	{"fleet.targets_file", K_PATH, C(fleet_targets_file), "PGINIT_FLEET_TARGETS_FILE", "file of connection strings, one target per line", CK_NONE},
	{"fleet.schemas", K_LIST, C(fleet_schemas), "PGINIT_FLEET_SCHEMAS", "target schemas in connection.dbname (schema per tenant)", CK_NONE},
	{"fleet.schema_pattern", K_STR, C(fleet_schema_pattern), "PGINIT_FLEET_SCHEMA_PATTERN", "LIKE pattern over the schemas of connection.dbname", CK_NONE},
	{"fleet.schema_ledger", K_STR, C(fleet_schema_ledger), "PGINIT_FLEET_SCHEMA_LEDGER", "ledger schema of each schema target (${schema} replaced)", CK_NONE},
	{"fleet.jobs", K_INT, C(fleet_jobs), "PGINIT_FLEET_JOBS", "targets worked on at once (-j N)", CK_NONE},
	{"lock_mode", K_STR, C(lock_mode), "PGINIT_LOCK_MODE", "session (advisory lock), lease (lease row; behind PgBouncer) or auto", CK_LOCKMODE},
	{"lock_lease_ttl", K_DURATION, C(lock_lease_ttl_ms), "PGINIT_LOCK_LEASE_TTL", "seconds a lease lives without a heartbeat (lease mode)", CK_LEASE_TTL},
	{"placeholders", K_MAP, C(placeholders), NULL, "${name} values for migrations and seeds (also PGINIT_VAR_<NAME>)", CK_NONE},
	{"connection", K_GROUP, 0, NULL, "the admin connection", CK_NONE},
	{"connection.host", K_STR, C(host), "PGINIT_HOST", "server host name, address or socket directory", CK_NONE},
	{"connection.port", K_PORT, C(port), "PGINIT_PORT", "server port, or a comma list matching a list of hosts", CK_PORT},
	{"connection.dbname", K_STR, C(dbname), "PGINIT_DBNAME", "the application database (created if missing)", CK_NAME},
	{"connection.user", K_STR, C(user), "PGINIT_USER", "admin (superuser) role pginit connects as", CK_NAME},
	{"connection.password_secret", K_STR, C(password_secret), "PGINIT_PASSWORD_SECRET", "secret name of the admin password", CK_SECRET},
	{"connection.sslmode", K_STR, C(sslmode), "PGINIT_SSLMODE", "libpq sslmode", CK_SSLMODE},
	{"connection.sslrootcert", K_PATH, C(sslrootcert), "PGINIT_SSLROOTCERT", "CA bundle for verify-ca/verify-full", CK_NONE},
	{"connection.connect_timeout", K_INT, C(connect_timeout), "PGINIT_CONNECT_TIMEOUT", "seconds per connection attempt", CK_SECONDS},
	{"connection.application_name", K_STR, C(application_name), "PGINIT_APPLICATION_NAME", "application_name shown in pg_stat_activity", CK_NONE},
	{"connection.maintenance_db", K_STR, C(maintenance_db), "PGINIT_MAINTENANCE_DB", "database the admin connects to only to create a missing target", CK_NAME},
	{"connection.target_session_attrs", K_STR, C(target_session_attrs), "PGINIT_TARGET_SESSION_ATTRS", "libpq target_session_attrs (multi-host)", CK_NONE},
	{"database", K_GROUP, 0, NULL, "what bootstrap creates", CK_NONE},
	{"database.create", K_BOOL, C(create_database), "PGINIT_CREATE_DATABASE", "create the database if it is missing", CK_NONE},
	{"database.schemas", K_LIST, C(schemas), "PGINIT_SCHEMAS", "schemas owned by the owner role", CK_NAMES},
	{"database.extensions", K_LIST, C(extensions), "PGINIT_EXTENSIONS", "extensions created in schema public", CK_NAMES},
	{"database.search_path", K_STR, C(search_path), "PGINIT_SEARCH_PATH", "search_path of migrations and seeds (empty: the database's own)", CK_NONE},
	{"database.harden", K_BOOL, C(harden), "PGINIT_DATABASE_HARDEN", "revoke PUBLIC's privileges on a database pginit did not create", CK_NONE},
	{"roles", K_GROUP, 0, NULL, "the application roles", CK_NONE},
	{"roles.owner", K_GROUP, 0, NULL, "NOLOGIN role owning schemas and every migrated object", CK_NONE},
	{"roles.owner.name", K_STR, C(owner.name), "PGINIT_OWNER_ROLE", "owner role name (${database} is the database name)", CK_NONE},
	{"roles.app", K_GROUP, 0, NULL, "LOGIN role of the application (DML only)", CK_NONE},
	{"roles.app.name", K_STR, C(app.name), "PGINIT_APP_ROLE", "app role name", CK_NONE},
	{"roles.app.secret", K_STR, C(app.secret), "PGINIT_APP_SECRET", "secret name of the app role's password", CK_SECRET},
	{"roles.readonly", K_GROUP, 0, NULL, "optional read-only role", CK_NONE},
	{"roles.readonly.name", K_STR, C(readonly.name), "PGINIT_READONLY_ROLE", "read-only role name (empty: none)", CK_NONE},
	{"roles.readonly.secret", K_STR, C(readonly.secret), "PGINIT_READONLY_SECRET", "secret of its password (empty: NOLOGIN)", CK_SECRET},
	{"roles.shared", K_BOOL, C(roles_shared), "PGINIT_ROLES_SHARED", "also manage roles pginit manages for another database", CK_NONE},
	{"paths", K_GROUP, 0, NULL, "where the SQL lives", CK_NONE},
	{"paths.migrations", K_PATH, C(migrations_dir), "PGINIT_MIGRATIONS_DIR", "versioned migrations directory", CK_NONE},
	{"paths.migrations_optional", K_BOOL, C(migrations_optional), "PGINIT_MIGRATIONS_OPTIONAL", "a missing migrations directory means no migrations (else it is an error)", CK_NONE},
	{"paths.seeds", K_PATH, C(seeds_dir), "PGINIT_SEEDS_DIR", "directory of seed sets (one subdirectory per set)", CK_NONE},
	{"paths.initdb", K_PATH, C(initdb_dir), "PGINIT_INITDB_DIR", "superuser SQL run by bootstrap on every start", CK_NONE},
	{"paths.credentials_file", K_PATH, C(credentials_file), "PGINIT_CREDENTIALS_FILE", "where a generated app password is written (mode 0600)", CK_NONE},
	{"profiles", K_GROUP, 0, NULL, "one group per profile (dev, test, staging, prod)", CK_NONE},
	{NULL, K_STR, 0, NULL, NULL, CK_NONE},
};

static const struct key profile_keys[] = {
	{"seeds", K_LIST, P(seeds), "PGINIT_SEEDS", "seed sets applied, in order", CK_SETS},
	{"migrate", K_BOOL, P(migrate), "PGINIT_MIGRATE", "whether `run` applies migrations", CK_NONE},
	{"wait_timeout", K_DURATION, P(wait_timeout_ms), "PGINIT_WAIT_TIMEOUT", "seconds to wait for the server", CK_TIMEOUT},
	{"lock_timeout", K_DURATION, P(lock_timeout_ms), "PGINIT_LOCK_TIMEOUT", "seconds to wait for another pginit's lock", CK_TIMEOUT},
	{"migration_lock_timeout", K_STR, P(migration_lock_timeout), "PGINIT_MIGRATION_LOCK_TIMEOUT", "lock_timeout set for each migration", CK_PGTIME},
	{"migration_statement_timeout", K_STR, P(migration_statement_timeout), "PGINIT_MIGRATION_STATEMENT_TIMEOUT", "statement_timeout set for each migration", CK_PGTIME},
	{"generate_app_password", K_BOOL, P(generate_app_password), "PGINIT_GENERATE_APP_PASSWORD", "generate a missing app password", CK_NONE},
	{"allow_out_of_order", K_BOOL, P(allow_out_of_order), "PGINIT_ALLOW_OUT_OF_ORDER", "apply pending migrations older than the newest applied", CK_NONE},
	{"safety", K_GROUP, 0, NULL, "the production safety check, run before anything is changed", CK_NONE},
	{"safety.enabled", K_BOOL, P(safety.enabled), "PGINIT_SAFETY_ENABLED", "run the safety check (default: true in the profile named prod)", CK_NONE},
	{"safety.sslmode", K_STR, P(safety.sslmode), "PGINIT_SAFETY_SSLMODE", "weakest sslmode accepted (verify-full; disable waives)", CK_NONE},
	{"safety.min_password_length", K_INT, P(safety.min_password_length), "PGINIT_SAFETY_MIN_PASSWORD_LENGTH", "shortest admin/app password accepted (16; 0 waives)", CK_NONE},
	{"safety.allow_known_passwords", K_BOOL, P(safety.allow_known_passwords), "PGINIT_SAFETY_ALLOW_KNOWN_PASSWORDS", "accept development and common passwords", CK_NONE},
	{"safety.allow_seeds", K_BOOL, P(safety.allow_seeds), "PGINIT_SAFETY_ALLOW_SEEDS", "accept seed sets in this profile", CK_NONE},
	{"safety.allow_privileged_app_role", K_BOOL, P(safety.allow_privileged_app_role), "PGINIT_SAFETY_ALLOW_PRIVILEGED_APP_ROLE", "accept an app role with CREATEDB, CREATEROLE or BYPASSRLS", CK_NONE},
	{"safety.warn_trust", K_BOOL, P(safety.warn_trust), "PGINIT_SAFETY_WARN_TRUST", "warn when pg_hba.conf trusts TCP clients", CK_NONE},
	{NULL, K_STR, 0, NULL, NULL, CK_NONE},
};

static const char *const type_names[] = {"group", "string", "path", "integer", "boolean", "list of strings", "duration", "group of strings", "port or port list"};

/*
 * The ports of a port list ("5433,5432", one per host of a multi-host list, as
 * libpq takes them), each an integer in int's range: false for anything else.
 * *first: the first port; *bad: the first one outside 1..65535, else *first.
 */
static bool parse_ports(const char *v, int *first, int *bad)
{
	long n;
	bool in_range = true;
	*first = *bad = 0;
	for (const char *p = v;;) {
		const char *comma = strchr(p, ',');
		char *one = comma ? xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		bool ok = parse_long(one, &n) && n >= INT_MIN && n <= INT_MAX;
		free(one);
		if (!ok)
			return false;
		if (p == v)
			*first = *bad = (int)n;
		if (in_range && (n < 1 || n > 65535)) {
			*bad = (int)n;
			in_range = false;
		}
		if (!comma)
			return true;
		p = comma + 1;
	}
}

/* A port or a port list: the first goes to cfg->port (log lines), the whole
 * text to cfg->ports (what libpq gets). The range of each is CK_PORT's. */
static bool store_port(struct config *cfg, const char *v)
{
	int first, bad;
	if (!parse_ports(v, &first, &bad))
		return false;
	cfg->port = first;
	free(cfg->ports);
	cfg->ports = xstrdup(v);
	return true;
}

static const struct key *find_key(const struct key *table, const char *path)
{
	for (const struct key *k = table; k->path; k++)
		if (strcmp(k->path, path) == 0)
			return k;
	return NULL;
}

/* ---- storing values */

static void set_string(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/* Parse a textual value (environment, --set) into its slot. false: bad value. */
static bool store_text(const struct key *k, void *base, const char *v)
{
	char *slot = (char *)base + k->offset;
	long n;
	switch (k->type) {
	case K_STR:
	case K_PATH:
		set_string((char **)slot, v);
		return true;
	case K_INT:
		if (!parse_long(v, &n) || n < INT_MIN || n > INT_MAX)
			return false; /* ranges are the key's check */
		*(int *)slot = (int)n;
		return true;
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on"))
			*(bool *)slot = true;
		else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off"))
			*(bool *)slot = false;
		else
			return false;
		return true;
	case K_DURATION:
		return parse_duration_ms(v, (int *)slot);
	case K_LIST:
		strlist_free((struct strlist *)slot);
		strlist_split((struct strlist *)slot, v);
		return true;
	case K_PORT:
		return store_port(base, v);
	case K_GROUP:
	case K_MAP:
		break;
	}
	return false;
}

/* ---- checking values */

static bool is_set_name(const char *v)
{
	return *v && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(v);
}

/* A PostgreSQL time setting as lock_timeout/statement_timeout take it: a number, a unit (ms by default). */
static bool is_pg_time(const char *v)
{
	static const struct { const char *unit; double ms; } units[] = {
		{"", 1}, {"us", 0.001}, {"ms", 1}, {"s", 1000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000},
	};
	const char *p = v;
	while (*p == ' ')
		p++;
	size_t digits = strspn(p, "0123456789");
	if (digits == 0)
		return false;
	char *end;
	double x = strtod(p, &end); /* digits[.digits]: checked below */
	const char *q = p + digits;
	if (*q == '.') {
		size_t frac = strspn(q + 1, "0123456789");
		if (frac == 0)
			return false;
		q += 1 + frac;
	}
	if (end != q)
		return false;
	while (*q == ' ')
		q++;
	size_t ul = strcspn(q, " ");
	const char *rest = q + ul;
	while (*rest == ' ')
		rest++;
	if (*rest)
		return false;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strlen(units[i].unit) == ul && strncmp(q, units[i].unit, ul) == 0)
			return x * units[i].ms <= INT_MAX; /* the server's limit for both settings */
	return false;
}

static bool name_ok(const char *v, bool empty_ok, struct buf *why)
{
	if (!*v && !empty_ok) {
		buf_puts(why, "must not be empty");
		return false;
	}
	if (strlen(v) > 63) {
		buf_printf(why, "is %zu bytes long; PostgreSQL names have at most 63 (a longer one is silently cut)",
			   strlen(v));
		return false;
	}
	return true;
}

/* str is one of the NULL-ended words; why gets "'x' is not one of a, b, c" if not. */
static bool one_of(const char *str, const char *const *words, struct buf *why)
{
	for (const char *const *w = words; *w; w++)
		if (strcmp(str, *w) == 0)
			return true;
	buf_printf(why, "'%.40s' is not one of ", str);
	for (const char *const *w = words; *w; w++)
		buf_printf(why, "%s%s", w == words ? "" : ", ", *w);
	return false;
}

/* Whether the stored value of k in base is acceptable; why gets the reason if not. */
static bool value_ok(const struct key *k, const void *base, struct buf *why)
{
	const char *slot = (const char *)base + k->offset;
	const char *str = k->type == K_STR || k->type == K_PATH ? *(char *const *)slot : NULL;
	const struct strlist *list = k->type == K_LIST ? (const struct strlist *)slot : NULL;
	int num = k->type == K_INT || k->type == K_DURATION || k->type == K_PORT ? *(const int *)slot : 0;
	switch (k->check) {
	case CK_NONE:
		return true;
	case CK_PORT:
		if (k->type == K_PORT) { /* every port of a list, not just the first */
			int first;
			parse_ports(((const struct config *)base)->ports, &first, &num);
		}
		if (num >= 1 && num <= 65535)
			return true;
		buf_printf(why, "%d is not a port number (1 to 65535)", num);
		return false;
	case CK_SECONDS:
		if (num >= 0 && num <= 3600)
			return true;
		buf_printf(why, "%d is not between 0 and 3600 seconds", num);
		return false;
	case CK_TIMEOUT:
		if (num >= 0 && num <= MAX_TIMEOUT_MS)
			return true;
		buf_printf(why, "%d ms is not between 0 and %d seconds", num, MAX_TIMEOUT_MS / 1000);
		return false;
	case CK_NAME:
		return name_ok(str, false, why);
	case CK_NAMES:
		for (int i = 0; i < list->n; i++) {
			struct buf b = {0};
			if (!name_ok(list->items[i], false, &b)) {
				buf_printf(why, "item %d '%.63s' %s", i + 1, list->items[i], b.data);
				buf_free(&b);
				return false;
			}
		}
		return true;
	case CK_SETS:
		for (int i = 0; i < list->n; i++)
			if (!is_set_name(list->items[i])) {
				buf_printf(why, "'%.80s' is not a seed set name (letters, digits, '_' and '-' only)",
					   list->items[i]);
				return false;
			}
		return true;
	case CK_PGTIME:
		if (is_pg_time(str))
			return true;
		buf_printf(why, "'%.80s' is not a PostgreSQL time value", str);
		return false;
	case CK_SSLMODE: {
		static const char *const modes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
		for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
			if (strcmp(str, modes[i]) == 0)
				return true;
		buf_printf(why, "'%.40s' is not a libpq sslmode", str);
		return false;
	}
	case CK_FORMAT:
		return one_of(str, (const char *const[]){"auto", "native", "golang-migrate", "dbmate", "goose", "flyway", NULL},
			      why);
	case CK_LOCKMODE:
		return one_of(str, (const char *const[]){"session", "lease", "auto", NULL}, why);
	case CK_LEASE_TTL:
		if (num >= 1000 && num <= MAX_TIMEOUT_MS)
			return true;
		buf_printf(why, "%d ms is not between 1 and %d seconds", num, MAX_TIMEOUT_MS / 1000);
		return false;
	case CK_SECRET:
		if (!strchr(str, '/') && strcmp(str, ".") != 0 && strcmp(str, "..") != 0 && strlen(str) < 100)
			return true;
		buf_printf(why, "'%.100s' is not a secret name", str);
		return false;
	}
	return true;
}

static const char *check_hint(enum kcheck c)
{
	switch (c) {
	case CK_PORT: return "the server's port, usually 5432; with a host list, one port per host (\"5433,5432\")";
	case CK_SECONDS: return "seconds per connection attempt; 0 lets wait_timeout bound each attempt";
	case CK_TIMEOUT: return "seconds (30, 2.5) or \"1500ms\", \"2s\", \"1m\"; at most a day";
	case CK_NAME: return "give a name of 1 to 63 bytes";
	case CK_NAMES: return "each item is a name of 1 to 63 bytes";
	case CK_SETS: return "a seed set is a directory directly under paths.seeds, named by its plain name";
	case CK_PGTIME: return "a number with a unit as PostgreSQL takes it: \"500ms\", \"10s\", \"5min\", \"1h\"; \"0\" for no limit";
	case CK_SSLMODE: return "one of disable, allow, prefer, require, verify-ca, verify-full";
	case CK_SECRET: return "a secret name is a file name in the secrets directory (and NAME, NAME_FILE in the environment)";
	case CK_FORMAT: return "auto detects the format from the file names and markers";
	case CK_LOCKMODE: return "session: an advisory lock (direct connections); lease: a lease row (behind PgBouncer); auto: lease when a pooler is detected";
	case CK_LEASE_TTL: return "the heartbeat renews the lease every third of it; 30 (seconds) is the default";
	case CK_NONE: break;
	}
	return NULL;
}

/*
 * Check the value just stored; log the failure once, naming where it came
 * from: at (file:line) when from the file, else the variable or option in src.
 */
static bool checked(const struct key *k, const void *base, const struct log_where *at, const char *src,
		    const char *prefix)
{
	struct buf why = {0};
	bool ok = value_ok(k, base, &why);
	if (!ok) {
		if (at)
			log_error_at(at, "invalid %s%s: %s", prefix, k->path, why.data);
		else
			log_error("%s: invalid %s%s: %s", src, prefix, k->path, why.data);
		log_hint("%s", check_hint(k->check));
	}
	buf_free(&why);
	return ok;
}

struct loader {
	struct config *cfg;
	const char *file;
	char prefix[128]; /* "profiles.NAME." while a profile is read, for messages */
};

static bool bad_type(struct loader *L, config_setting_t *s, const char *path, const struct key *k)
{
	log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
		     "key '%s' must be a %s", path, type_names[k->type]);
	static const char *const examples[] = {
		"a group: %s = { ... };", "a string in double quotes: %s = \"...\";", "a path in double quotes: %s = \"dir\";",
		"a number without quotes: %s = 5432;", "true or false: %s = true;", "a list: %s = [ \"a\", \"b\" ];",
		"seconds or a string with a unit: %s = 30; or %s = \"1500ms\";", "a group of strings: %s = { name = \"value\"; };",
		"a number, or a string with one port per host: %s = 5432; or %s = \"5433,5432\";"};
	_Static_assert(sizeof examples / sizeof examples[0] == sizeof type_names / sizeof type_names[0],
		       "an example per type");
	const char *leaf = strrchr(path, '.') ? strrchr(path, '.') + 1 : path;
	struct buf b = {0};
	buf_printf(&b, examples[k->type], leaf, leaf);
	log_hint("write it as %s", b.data);
	buf_free(&b);
	return false;
}

/* A port from the file: an integer, or a string with a port list. */
static bool store_port_setting(struct loader *L, config_setting_t *s, const char *path, const struct key *k)
{
	char num[16];
	const char *v = num;
	int t = config_setting_type(s);
	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		long long n = config_setting_get_int64(s);
		if (n < INT_MIN || n > INT_MAX) { /* 2^32+5432 must not become 5432 */
			log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
				     "invalid %s: %lld is out of range", path, n);
			log_hint("%s", check_hint(k->check));
			return false;
		}
		snprintf(num, sizeof num, "%lld", n);
	}
	else if (t == CONFIG_TYPE_STRING)
		v = config_setting_get_string(s);
	else
		return bad_type(L, s, path, k);
	return store_port(L->cfg, v) || bad_type(L, s, path, k);
}

/* Store a value from the file, checking its type. */
static bool store_setting(struct loader *L, config_setting_t *s, const char *path, const struct key *k, void *base)
{
	char *slot = (char *)base + k->offset;
	int t = config_setting_type(s);
	switch (k->type) {
	case K_STR:
	case K_PATH:
		if (t != CONFIG_TYPE_STRING)
			return bad_type(L, s, path, k);
		if (k->type == K_PATH && config_setting_get_string(s)[0]) {
			free(*(char **)slot);
			*(char **)slot = path_join(L->cfg->dir, config_setting_get_string(s));
		} else {
			set_string((char **)slot, config_setting_get_string(s));
		}
		return true;
	case K_INT:
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
			return bad_type(L, s, path, k);
		long long v = config_setting_get_int64(s);
		if (v < INT_MIN || v > INT_MAX) { /* 2^32+5432 must not become 5432 */
			log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
				     "invalid %s: %lld is out of range", path, v);
			log_hint("%s", check_hint(k->check) ? check_hint(k->check) : k->doc);
			return false;
		}
		*(int *)slot = (int)v;
		return true;
	case K_BOOL:
		if (t != CONFIG_TYPE_BOOL)
			return bad_type(L, s, path, k);
		*(bool *)slot = config_setting_get_bool(s);
		return true;
	case K_DURATION:
		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT) {
			/* Seconds; the same limits as parse_duration_ms (not negative, fits an int of ms). */
			double ms = (t == CONFIG_TYPE_FLOAT ? config_setting_get_float(s)
							    : (double)config_setting_get_int64(s)) * 1000;
			if (!(ms >= 0 && ms <= INT_MAX))
				return bad_type(L, s, path, k);
			*(int *)slot = (int)ms;
		} else if (t != CONFIG_TYPE_STRING || !parse_duration_ms(config_setting_get_string(s), (int *)slot)) {
			return bad_type(L, s, path, k);
		}
		return true;
	case K_LIST: {
		if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
			return bad_type(L, s, path, k);
		struct strlist *l = (struct strlist *)slot;
		strlist_free(l);
		for (int i = 0; i < config_setting_length(s); i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return bad_type(L, s, path, k);
			strlist_add(l, config_setting_get_string(e));
		}
		return true;
	}
	case K_PORT: case K_GROUP: /* K_PORT: store_port_setting, called by the loader */
		if (t != CONFIG_TYPE_GROUP)
			return bad_type(L, s, path, k);
		return true;
	case K_MAP: {
		/* Free-form names with string values. */
		if (t != CONFIG_TYPE_GROUP)
			return bad_type(L, s, path, k);
		struct strlist *names = &((struct kv *)slot)->names, *values = &((struct kv *)slot)->values;
		for (int i = 0; i < config_setting_length(s); i++) {
			config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(e)},
					     "%s.%s must be a string", path, config_setting_name(e));
				log_hint("placeholder values are strings: %s = \"...\";", config_setting_name(e));
				return false;
			}
			strlist_add(names, config_setting_name(e));
			strlist_add(values, config_setting_get_string(e));
		}
		return true;
	}
	}
	return false;
}

/* List the keys valid in a group, for the hint after an unknown key. */
static void hint_keys(const struct key *table, const char *prefix)
{
	struct buf b = {0};
	size_t pl = strlen(prefix);
	for (const struct key *k = table; k->path; k++) {
		const char *rest = k->path + pl;
		if (strncmp(k->path, prefix, pl) != 0 || strchr(rest, '.'))
			continue;
		buf_printf(&b, "%s%s", b.len ? ", " : "", rest);
	}
	if (b.len)
		log_hint("valid keys here: %s", b.data);
	buf_free(&b);
}

static bool load_profiles(struct loader *L, config_setting_t *group);

static bool walk(struct loader *L, config_setting_t *group, const char *prefix, const struct key *table, void *base)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		char *path = xasprintf("%s%s", prefix, config_setting_name(s));
		const struct key *k = find_key(table, path);
		bool ok;
		if (!k) {
			log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
				     "unknown key '%s'", path);
			hint_keys(table, prefix);
			ok = false;
		} else if (!(k->type == K_PORT ? store_port_setting(L, s, path, k) : store_setting(L, s, path, k, base))) {
			ok = false;
		} else if (k->type != K_GROUP) {
			ok = checked(k, base, &(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
				     NULL, table == profile_keys ? L->prefix : "");
		} else if (table == global_keys && strcmp(path, "profiles") == 0) {
			ok = load_profiles(L, s);
		} else {
			char *sub = xasprintf("%s.", path);
			ok = walk(L, s, sub, table, base);
			free(sub);
		}
		free(path);
		if (!ok)
			return false;
	}
	return true;
}

static void profile_defaults(struct profile *p, const char *name)
{
	memset(p, 0, sizeof *p);
	p->name = xstrdup(name);
	p->migrate = true;
	p->wait_timeout_ms = 30000;
	p->lock_timeout_ms = 60000;
	p->migration_lock_timeout = xstrdup("10s");
	p->migration_statement_timeout = xstrdup("0");
	/* Production is the profile named prod; others may opt in with safety.enabled. */
	p->safety.enabled = strcmp(name, "prod") == 0;
	p->safety.sslmode = xstrdup("verify-full");
	p->safety.min_password_length = 16;
	p->safety.warn_trust = true;
}

static bool load_profiles(struct loader *L, config_setting_t *group)
{
	struct config *cfg = L->cfg;
	for (int i = 0; i < config_setting_length(group); i++) {
		config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
			log_error_at(&(struct log_where){.file = L->file, .line = config_setting_source_line(s)},
				     "profile '%s' must be a group: %s = { ... };", name, name);
			log_hint("profiles = { %s = { seeds = [ ... ]; migrate = true; }; };", name);
			return false;
		}
		cfg->profiles = xrealloc(cfg->profiles, sizeof(struct profile) * (size_t)(cfg->n_profiles + 1));
		struct profile *p = &cfg->profiles[cfg->n_profiles++];
		profile_defaults(p, name);
		snprintf(L->prefix, sizeof L->prefix, "profiles.%.100s.", name);
		if (!walk(L, s, "", profile_keys, p))
			return false;
	}
	return true;
}

/* ---- defaults and environment */

static void defaults(struct config *cfg)
{
	cfg->host = xstrdup("localhost");
	cfg->port = 5432;
	cfg->ports = xstrdup("5432");
	cfg->lock_mode = xstrdup("auto");
	cfg->lock_lease_ttl_ms = 30000;
	cfg->dbname = xstrdup("app");
	cfg->user = xstrdup("postgres");
	cfg->password_secret = xstrdup("postgres_password");
	cfg->sslmode = xstrdup("prefer");
	cfg->sslrootcert = xstrdup("");
	cfg->connect_timeout = 5;
	cfg->application_name = xstrdup("pginit");
	cfg->maintenance_db = xstrdup("postgres");
	cfg->target_session_attrs = xstrdup("read-write");
	cfg->create_database = true;
	strlist_add(&cfg->schemas, "auth");
	strlist_add(&cfg->schemas, "public");
	strlist_add(&cfg->extensions, "pgcrypto");
	strlist_add(&cfg->extensions, "uuid-ossp");
	strlist_add(&cfg->extensions, "citext");
	/* Roles are cluster-wide: named after the database unless configured. */
	cfg->owner.name = xstrdup("${database}_owner");
	cfg->owner.secret = xstrdup("");
	cfg->app.name = xstrdup("${database}_user");
	cfg->app.secret = xstrdup("app_db_password");
	cfg->readonly.name = xstrdup("${database}_readonly");
	cfg->readonly.secret = xstrdup("");
	cfg->migrations_dir = path_join(cfg->dir, "migrations");
	cfg->seeds_dir = path_join(cfg->dir, "seeds");
	cfg->initdb_dir = path_join(cfg->dir, "initdb.d");
	cfg->credentials_file = path_join(cfg->dir, ".env.credentials");
	cfg->ledger_schema = xstrdup("pginit");
	cfg->migrations_format = xstrdup("auto");
	cfg->default_profile = xstrdup("");
	cfg->run_log_keep = 100;
	cfg->fleet_pattern = xstrdup("");
	cfg->fleet_targets_file = xstrdup("");
	cfg->fleet_schema_pattern = xstrdup("");
	cfg->fleet_schema_ledger = xstrdup("pginit_${schema}");
	cfg->fleet_jobs = 1;
}

/* libpq's own variables, read explicitly so that they override the file. */
static enum rc apply_libpq_env(struct config *cfg)
{
	static const struct { const char *var; const char *key; } map[] = {
		{"PGHOST", "connection.host"}, {"PGPORT", "connection.port"},
		{"PGDATABASE", "connection.dbname"}, {"PGUSER", "connection.user"},
		{"PGSSLMODE", "connection.sslmode"}, {"PGSSLROOTCERT", "connection.sslrootcert"},
		{"PGCONNECT_TIMEOUT", "connection.connect_timeout"}, {"PGAPPNAME", "connection.application_name"},
		{"PGTARGETSESSIONATTRS", "connection.target_session_attrs"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		const char *v = getenv(map[i].var);
		const struct key *k = find_key(global_keys, map[i].key);
		if (v && *v && !store_text(k, cfg, v)) {
			log_error("%s: invalid value '%.80s'", map[i].var, v);
			log_hint("%s sets %s: %s", map[i].var, k->path, check_hint(k->check) ? check_hint(k->check) : k->doc);
			return RC_CONFIG;
		}
		if (v && *v && !checked(k, cfg, NULL, map[i].var, ""))
			return RC_CONFIG;
	}
	return RC_OK;
}

/* DATABASE_URL: a URI or a conninfo string; its password counts as the admin password. */
static enum rc apply_database_url(struct config *cfg)
{
	const char *url = getenv("DATABASE_URL");
	if (!url || !*url)
		return RC_OK;
	struct strlist keys = {0}, vals = {0};
	char *err = NULL;
	if (!db_conninfo_parse(url, &keys, &vals, &err)) {
		/* libpq's message may quote the string; it must not reach the log. */
		free(err);
		log_error("DATABASE_URL is not a valid connection URI or conninfo string");
		log_hint("percent-encode special characters in the password, e.g. '@' as %%40");
		return RC_CONFIG;
	}
	static const struct { const char *kw; const char *key; } map[] = {
		{"host", "connection.host"}, {"port", "connection.port"}, {"dbname", "connection.dbname"},
		{"user", "connection.user"}, {"sslmode", "connection.sslmode"},
		{"sslrootcert", "connection.sslrootcert"}, {"connect_timeout", "connection.connect_timeout"},
		{"application_name", "connection.application_name"},
		{"target_session_attrs", "connection.target_session_attrs"},
	};
	enum rc rc = RC_OK;
	for (int i = 0; i < keys.n; i++) {
		if (strcmp(keys.items[i], "password") == 0) {
			free_secret(cfg->password);
			cfg->password = xstrdup(vals.items[i]);
			continue;
		}
		for (size_t j = 0; j < sizeof map / sizeof map[0]; j++) {
			if (strcmp(keys.items[i], map[j].kw) != 0)
				continue;
			const struct key *k = find_key(global_keys, map[j].key);
			if (!store_text(k, cfg, vals.items[i])) {
				log_error("DATABASE_URL: invalid %s", map[j].kw);
				rc = RC_CONFIG;
			} else if (!checked(k, cfg, NULL, "DATABASE_URL", "")) {
				rc = RC_CONFIG;
			}
		}
	}
	for (int i = 0; i < vals.n; i++)
		wipe(vals.items[i], strlen(vals.items[i]));
	strlist_free(&keys);
	strlist_free(&vals);
	return rc;
}

/* The postgres image's variables: POSTGRES_USER, POSTGRES_DB (and _FILE). */
static enum rc apply_postgres_env(struct config *cfg)
{
	static const struct { const char *var; const char *key; } map[] = {
		{"POSTGRES_USER", "connection.user"}, {"POSTGRES_DB", "connection.dbname"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		char *v;
		enum secret_status st = secret_env(map[i].var, &v);
		if (st == SECRET_ERROR)
			return RC_SECRET;
		if (st == SECRET_OK) {
			const struct key *k = find_key(global_keys, map[i].key);
			store_text(k, cfg, v);
			free(v);
			if (!checked(k, cfg, NULL, map[i].var, ""))
				return RC_CONFIG;
		}
	}
	return RC_OK;
}

static enum rc apply_pginit_env(const struct key *table, void *base)
{
	for (const struct key *k = table; k->path; k++) {
		const char *v = k->env ? getenv(k->env) : NULL;
		if (!v)
			continue;
		if (!store_text(k, base, v)) {
			log_error("%s: invalid value '%.80s' for %s (a %s)", k->env, v, k->path, type_names[k->type]);
			log_hint("%s: %s", k->path, check_hint(k->check) ? check_hint(k->check) : k->doc);
			return RC_CONFIG;
		}
		if (!checked(k, base, NULL, k->env, ""))
			return RC_CONFIG;
	}
	return RC_OK;
}

/*
 * --set PATH=VALUE. Global keys by their path; profile keys by their bare name
 * (they apply to the selected profile, so they wait for config_select_profile).
 */
static enum rc apply_sets(struct config *cfg, bool profile_pass)
{
	for (int i = 0; i < cfg->sets.n; i++) {
		const char *s = cfg->sets.items[i];
		const char *eq = strchr(s, '=');
		char *path = xstrndup(s, eq ? (size_t)(eq - s) : strlen(s));
		const struct key *gk = find_key(global_keys, path);
		const struct key *pk = find_key(profile_keys, path);
		enum rc rc = RC_OK;
		if (!eq || (!gk && !pk) || (gk && gk->type == K_GROUP)) {
			log_error("--set %s: expected KEY=VALUE with a key from `pginit help config`", s);
			rc = RC_USAGE;
		} else if (gk && !profile_pass && !store_text(gk, cfg, eq + 1)) {
			log_error("--set %s: invalid value for a %s", s, type_names[gk->type]);
			rc = RC_USAGE;
		} else if (pk && profile_pass && !store_text(pk, cfg->profile, eq + 1)) {
			log_error("--set %s: invalid value for a %s", s, type_names[pk->type]);
			rc = RC_USAGE;
		} else if (gk && !profile_pass && !checked(gk, cfg, NULL, "--set", "")) {
			rc = RC_CONFIG; /* a well-formed option with a value the configuration refuses */
		} else if (pk && profile_pass && !checked(pk, cfg->profile, NULL, "--set", "")) {
			rc = RC_CONFIG;
		}
		free(path);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

static enum rc load_admin_password(struct config *cfg)
{
	if (cfg->password)
		return RC_OK; /* from DATABASE_URL */
	char *v = NULL;
	switch (secret_get(cfg->password_secret, &v, NULL)) {
	case SECRET_OK:
		cfg->password = v;
		return RC_OK;
	case SECRET_ERROR:
		return RC_SECRET;
	case SECRET_MISSING:
		break;
	}
	const char *pg = getenv("PGPASSWORD");
	if (pg && *pg)
		cfg->password = xstrdup(pg);
	return RC_OK; /* else libpq may still find ~/.pgpass */
}

/*
 * The file's text, ready for libconfig: at most CONFIG_MAX bytes, a UTF-8
 * BOM dropped, a final newline added (libconfig's scanner rejects a last
 * `# comment` without one). Parsing from memory also keeps libconfig's flex
 * scanner linear: reading from a FILE it rescans a long token at every 8 KiB
 * refill (a 10 MB comment line took 49 s). NULL (logged) on failure.
 */
static char *read_config_text(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_error("unable to read config file %s: %s", path, strerror(errno));
		log_hint("pass -c FILE or set PGINIT_CONFIG");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		log_error("unable to read config file %s: it is a directory", path);
		log_hint("pass the file itself: -c %s/pginit.conf", path);
		return NULL;
	}
	struct buf b = {0};
	char chunk[8192];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("unable to read config file %s: %s", path, strerror(errno));
			close(fd);
			buf_free(&b);
			return NULL;
		}
		if (n == 0)
			break;
		buf_add(&b, chunk, (size_t)n);
		if (b.len > CONFIG_MAX) {
			log_error("unable to read config file %s: larger than %d KiB", path, CONFIG_MAX / 1024);
			log_hint("a pginit.conf is a few KiB; is -c pointing at the right file?");
			close(fd);
			buf_free(&b);
			return NULL;
		}
	}
	close(fd);
	if (memchr(b.data ? b.data : "", '\0', b.len)) {
		log_error("unable to read config file %s: it contains a NUL byte", path);
		log_hint("save it as a UTF-8 text file");
		buf_free(&b);
		return NULL;
	}
	if (b.len >= 3 && memcmp(b.data, "\xEF\xBB\xBF", 3) == 0)
		memmove(b.data, b.data + 3, (b.len -= 3) + 1);
	if (b.len == 0 || b.data[b.len - 1] != '\n')
		buf_putc(&b, '\n');
	return buf_steal(&b);
}

/*
 * libconfig 1.5 stores a decimal literal too large for 32 bits without an
 * L suffix cut to 32 bits (port = 4294972728 became 5432): find such
 * literals in the text first (outside strings and comments). false: logged.
 */
static bool check_int_literals(const char *path, const char *text)
{
	int line = 1;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			line++;
		} else if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				else if (*p == '\n')
					line++;
			}
			if (!*p)
				break;
		} else if (*p == '#' || (*p == '/' && p[1] == '/')) {
			while (p[1] && p[1] != '\n')
				p++;
		} else if (*p == '/' && p[1] == '*') {
			for (p += 2; *p && !(*p == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					line++;
			if (!*p)
				break;
			p++;
		} else if (isdigit((unsigned char)*p) && (p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))) {
			const char *q = p;
			while (isdigit((unsigned char)*q))
				q++;
			bool plain = *q != '.' && *q != 'e' && *q != 'E' && *q != 'L' && *q != 'x' && *q != 'X' && !isalpha((unsigned char)*q);
			if (plain && (q - p > 10 || (q - p == 10 && strncmp(p, "2147483647", 10) > 0))) {
				log_error_at(&(struct log_where){.file = path, .line = line},
					     "integer %.*s is out of range", (int)(q - p > 30 ? 30 : q - p), p);
				log_hint("libconfig would silently cut it to 32 bits; give a value in the key's range");
				return false;
			}
			p = q - 1;
		}
	}
	return true;
}

/* ---- roles and the ledger schema: checked once everything is merged */

/* NAMEDATALEN - 1: the server would silently truncate a longer name. */
#define MAX_NAME 63

/* name with "${database}" replaced by the database name; NULL for another ${...}. */
static char *expand_name(const char *name, const char *dbname)
{
	static const char token[] = "${database}";
	struct buf b = {0};
	for (const char *p = name; *p;) {
		if (strncmp(p, token, sizeof token - 1) == 0) {
			buf_puts(&b, dbname);
			p += sizeof token - 1;
		} else if (p[0] == '$' && p[1] == '{') {
			buf_free(&b);
			return NULL;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return b.data ? buf_steal(&b) : xstrdup("");
}

/*
 * Expand ${database} in the role names and refuse what would hand pginit's
 * ALTER ROLE a role it must not touch: an empty or too long name, two managed
 * roles with one name (the second ALTER would undo the first), or the role
 * pginit connects as (it would lose its own rights). The server-side checks
 * (superusers, other databases' roles) are bootstrap's.
 */
static enum rc finish_roles(struct config *cfg)
{
	struct { struct role *r; const char *key; const char *env; bool optional; } roles[] = {
		{&cfg->owner, "roles.owner.name", "PGINIT_OWNER_ROLE", false},
		{&cfg->app, "roles.app.name", "PGINIT_APP_ROLE", false},
		{&cfg->readonly, "roles.readonly.name", "PGINIT_READONLY_ROLE", true},
	};
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		if (!roles[i].r->pattern)
			roles[i].r->pattern = xstrdup(roles[i].r->name);
		char *v = expand_name(roles[i].r->pattern, cfg->dbname);
		if (!v) {
			log_error("%s: only ${database} may appear in a role name, not '%s'", roles[i].key, roles[i].r->name);
			log_hint("write the name out, or use ${database} for the database name (%s)", roles[i].env);
			return RC_CONFIG;
		}
		free(roles[i].r->name);
		roles[i].r->name = v;
		if (!v[0] && !roles[i].optional) {
			log_error("%s is empty: pginit needs an owner and an app role", roles[i].key);
			log_hint("set %s or %s, e.g. to \"${database}_%s\"", roles[i].key, roles[i].env, i == 0 ? "owner" : "user");
			return RC_CONFIG;
		}
		if (strlen(v) > MAX_NAME) {
			log_error("%s: role name '%s' is longer than %d bytes", roles[i].key, v, MAX_NAME);
			log_hint("PostgreSQL would truncate it; set a shorter name with %s", roles[i].env);
			return RC_CONFIG;
		}
		if (v[0] && cfg->user && strcmp(v, cfg->user) == 0) {
			log_error("%s is '%s', the role pginit connects as (connection.user)", roles[i].key, v);
			log_hint("a managed role is altered to NOSUPERUSER and a new password; give it a name of its own");
			return RC_CONFIG;
		}
		for (size_t j = 0; j < i; j++)
			if (v[0] && strcmp(v, roles[j].r->name) == 0) {
				log_error("%s and %s are both '%s'", roles[j].key, roles[i].key, v);
				log_hint("each managed role needs its own name: one role cannot be both NOLOGIN owner and LOGIN app role");
				return RC_CONFIG;
			}
	}
	return RC_OK;
}

/*
 * pginit's ledger must not be writable by the app role: in a managed schema
 * (or public) the app role gets DML on every table, the ledger's included,
 * and could delete the migration history.
 */
static enum rc check_ledger_schema(const struct config *cfg)
{
	const char *s = cfg->ledger_schema;
	const char *why = NULL;
	if (!s[0])
		why = "it is empty";
	else if (strlen(s) > MAX_NAME)
		why = "it is longer than 63 bytes";
	else if (strcmp(s, "public") == 0 || strlist_contains(&cfg->schemas, s))
		why = "the app role is granted DML on every table of that schema";
	else if (strncmp(s, "pg_", 3) == 0 || strcmp(s, "information_schema") == 0)
		why = "it is a system schema";
	if (!why)
		return RC_OK;
	log_error("ledger_schema '%s' is refused: %s", s, why);
	log_hint("use a schema of pginit's own (default \"pginit\"), not one of database.schemas or public (PGINIT_LEDGER_SCHEMA)");
	return RC_CONFIG;
}

/* A port list has one port, or one per host of connection.host (libpq's rule). */
static enum rc check_host_ports(const struct config *cfg)
{
	int hosts = 1, ports = 1;
	for (const char *c = cfg->host; *c; c++)
		hosts += *c == ',';
	for (const char *c = cfg->ports; *c; c++)
		ports += *c == ',';
	if (ports == 1 || ports == hosts)
		return RC_OK;
	log_error("invalid connection.port: %d ports for %d host%s in connection.host", ports, hosts, hosts == 1 ? "" : "s");
	log_hint("give one port for every host, or one port per host in the same order (PGHOST, PGPORT)");
	return RC_CONFIG;
}

/* ---- public */

/* A directory that exists. */
static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * No configuration file, DATABASE_URL set: migrations only, like `dbmate up`.
 * Before PGINIT_* and --set, which still override.
 */
static void migrations_only_defaults(struct config *cfg)
{
	cfg->migrations_only = true;
	strlist_free(&cfg->schemas);
	strlist_free(&cfg->extensions);
	cfg->create_database = false;
	cfg->migrations_compat = true;
	set_string(&cfg->maintenance_db, cfg->dbname); /* the connecting role may have no other database */
	set_string(&cfg->migrations_dir, !is_dir("migrations") && is_dir("db/migrations") ? "db/migrations" : "migrations");
	set_string(&cfg->default_profile, "default");
	cfg->profiles = xcalloc(1, sizeof *cfg->profiles);
	cfg->n_profiles = 1;
	profile_defaults(&cfg->profiles[0], "default");
}

enum rc config_check_paths(const struct config *cfg)
{
	struct stat st;
	if (stat(cfg->migrations_dir, &st) == 0 && S_ISDIR(st.st_mode))
		return RC_OK;
	if (stat(cfg->migrations_dir, &st) == 0) {
		log_error("migrations directory %s is not a directory", cfg->migrations_dir);
		log_hint("set paths.migrations (PGINIT_MIGRATIONS_DIR) to the directory holding the migration files");
		return RC_CONFIG;
	}
	if (errno == ENOENT && cfg->migrations_optional)
		return RC_OK; /* migrate_discover warns */
	log_error("unable to read migrations directory %s: %s", cfg->migrations_dir, strerror(errno));
	if (errno == ENOENT)
		log_hint("check paths.migrations (PGINIT_MIGRATIONS_DIR); if this deployment has no migrations, "
			 "set paths.migrations_optional = true (PGINIT_MIGRATIONS_OPTIONAL=true)");
	return RC_CONFIG;
}

struct config *config_load(const char *path, const struct strlist *sets, enum rc *rc)
{
	bool implicit = !path;
	if (!path)
		path = "pginit.conf";
	struct config *cfg = xcalloc(1, sizeof *cfg);
	cfg->file = xstrdup(path);
	const char *slash = strrchr(path, '/');
	cfg->dir = slash ? xstrndup(path, (size_t)(slash - path + (slash == path))) : xstrdup("");
	defaults(cfg);
	for (int i = 0; sets && i < sets->n; i++)
		strlist_add(&cfg->sets, sets->items[i]);

	config_t lc;
	config_init(&lc);
	*rc = RC_CONFIG;
	const char *url = getenv("DATABASE_URL");
	bool no_file = implicit && url && *url && access(path, F_OK) != 0 && errno == ENOENT;
	if (no_file) {
		config_destroy(&lc);
		goto env;
	}
	char *text = read_config_text(path);
	if (!text)
		goto fail;
	if (!check_int_literals(path, text)) {
		free(text);
		goto fail;
	}
	int ok = config_read_string(&lc, text);
	free(text);
	if (!ok) {
		log_error_at(&(struct log_where){.file = path, .line = config_error_line(&lc)},
			     "%s", config_error_text(&lc));
		const char *t = config_error_text(&lc);
		if (t && strstr(t, "include"))
			log_hint("an @include path is relative to the working directory; check that the file exists");
		else if (t && strstr(t, "duplicate"))
			log_hint("each key appears once in its group; remove one of them");
		else
			log_hint("libconfig syntax: key = value; strings in double quotes, groups in { }, lists in [ ], "
				 "each setting ending in ';'");
		goto fail;
	}
	struct loader L = {.cfg = cfg, .file = path};
	if (!walk(&L, config_root_setting(&lc), "", global_keys, cfg))
		goto fail;
	config_destroy(&lc); /* every string was copied */

env:
	if ((*rc = apply_libpq_env(cfg)) != RC_OK)
		goto fail_nolc;
	if ((*rc = apply_postgres_env(cfg)) != RC_OK)
		goto fail_nolc;
	if ((*rc = apply_database_url(cfg)) != RC_OK)
		goto fail_nolc;
	if (no_file)
		migrations_only_defaults(cfg);
	if ((*rc = apply_pginit_env(global_keys, cfg)) != RC_OK)
		goto fail_nolc;
	if ((*rc = apply_sets(cfg, false)) != RC_OK)
		goto fail_nolc;
	if ((*rc = load_admin_password(cfg)) != RC_OK)
		goto fail_nolc;
	if (cfg->migrations_only && !(cfg->migrations_role && cfg->migrations_role[0]))
		set_string(&cfg->migrations_role, cfg->user); /* the migrations run as the connecting role */
	if ((*rc = finish_roles(cfg)) != RC_OK)
		goto fail_nolc;
	if ((*rc = check_ledger_schema(cfg)) != RC_OK)
		goto fail_nolc;
	if ((*rc = check_host_ports(cfg)) != RC_OK)
		goto fail_nolc;
	*rc = RC_OK;
	return cfg;

fail:
	config_destroy(&lc);
fail_nolc:
	config_free(cfg);
	return NULL;
}

enum rc config_select_profile(struct config *cfg, const char *name)
{
	if (!name || !*name)
		name = cfg->default_profile;
	struct buf names = {0};
	for (int i = 0; i < cfg->n_profiles; i++) {
		buf_printf(&names, "%s%s", i ? ", " : "", cfg->profiles[i].name);
		if (name && strcmp(cfg->profiles[i].name, name) == 0)
			cfg->profile = &cfg->profiles[i];
	}
	if (!cfg->profile) {
		if (!name || !*name)
			log_error("no profile selected and %s sets no default_profile", cfg->file);
		else
			log_error("unknown profile '%s' (%s defines: %s)", name, cfg->file, names.len ? names.data : "none");
		log_hint("choose one with -p PROFILE or PGINIT_PROFILE; profiles: %s", names.len ? names.data : "none");
		buf_free(&names);
		return RC_CONFIG;
	}
	buf_free(&names);
	enum rc rc = apply_pginit_env(profile_keys, cfg->profile);
	if (rc == RC_OK)
		rc = apply_sets(cfg, true);
	return rc;
}

enum rc config_retarget(struct config *cfg, const char *dbname)
{
	free(cfg->dbname);
	cfg->dbname = xstrdup(dbname);
	return finish_roles(cfg);
}

static void role_free(struct role *r)
{
	free(r->pattern);
	free(r->name);
	free(r->secret);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	char **strs[] = {&cfg->file, &cfg->dir, &cfg->host, &cfg->dbname, &cfg->user, &cfg->password_secret,
			 &cfg->sslmode, &cfg->sslrootcert, &cfg->application_name, &cfg->maintenance_db,
			 &cfg->target_session_attrs, &cfg->migrations_dir, &cfg->seeds_dir, &cfg->initdb_dir,
			 &cfg->credentials_file, &cfg->ledger_schema, &cfg->default_profile, &cfg->migrations_format,
			 &cfg->migrations_compat_table, &cfg->search_path, &cfg->migrations_role,
			 &cfg->fleet_pattern, &cfg->fleet_targets_file, &cfg->fleet_schema_pattern,
			 &cfg->fleet_schema_ledger, &cfg->tenant_schema, &cfg->ports, &cfg->lock_mode};
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		free(*strs[i]);
	free_secret(cfg->password);
	strlist_free(&cfg->placeholders.names);
	strlist_free(&cfg->placeholders.values);
	strlist_free(&cfg->schemas);
	strlist_free(&cfg->extensions);
	strlist_free(&cfg->fleet_databases);
	strlist_free(&cfg->fleet_schemas);
	role_free(&cfg->owner);
	role_free(&cfg->app);
	role_free(&cfg->readonly);
	for (int i = 0; i < cfg->n_profiles; i++) {
		struct profile *p = &cfg->profiles[i];
		free(p->name);
		strlist_free(&p->seeds);
		free(p->migration_lock_timeout);
		free(p->migration_statement_timeout);
		free(p->safety.sslmode);
	}
	free(cfg->profiles);
	strlist_free(&cfg->sets);
	free(cfg);
}

void config_print_keys(FILE *out)
{
	fprintf(out, "%-43s %-16s %-36s %s\n", "key", "type", "environment", "meaning");
	for (const struct key *k = global_keys; k->path; k++)
		if (k->type != K_GROUP)
			fprintf(out, "%-43s %-16s %-36s %s\n", k->path, type_names[k->type], k->env ? k->env : "-", k->doc);
	for (const struct key *k = profile_keys; k->path; k++) {
		if (k->type == K_GROUP)
			continue;
		char *p = xasprintf("profiles.NAME.%s", k->path);
		fprintf(out, "%-43s %-16s %-36s %s\n", p, type_names[k->type], k->env ? k->env : "-", k->doc);
		free(p);
	}
}
