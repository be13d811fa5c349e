/* bootstrap — see bootstrap.h. */
#include "bootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "query.h"
#include "txn.h"
#include "script.h"
#include "secrets.h"

/* ---- the app password */

/* Environment-variable form of a secret name: app_db_password -> APP_DB_PASSWORD. */
static void upper(char *dst, size_t n, const char *src)
{
	size_t i;
	for (i = 0; i < n - 1 && src[i]; i++)
		dst[i] = (src[i] >= 'a' && src[i] <= 'z') ? (char)(src[i] - 32) : src[i];
	dst[i] = '\0';
}

/* VAR=value from a credentials file written by us earlier; NULL if absent. */
static char *read_credentials(const char *path, const char *var)
{
	char *text;
	size_t len;
	if (!read_file(path, &text, &len))
		return NULL;
	char *found = NULL;
	size_t vl = strlen(var);
	for (char *line = text; line && *line;) {
		char *eol = strchr(line, '\n');
		if (eol)
			*eol = '\0';
		if (strncmp(line, var, vl) == 0 && line[vl] == '=' && line[vl + 1])
			found = xstrdup(line + vl + 1);
		line = eol ? eol + 1 : NULL;
	}
	wipe(text, len);
	free(text);
	return found;
}

/* 24 random bytes as 32 URL-safe base64 characters: usable in a URL as is. */
static char *generate_password(void)
{
	unsigned char raw[24];
	unsigned char b64[40];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return NULL;
	int n = EVP_EncodeBlock(b64, raw, sizeof raw);
	wipe(raw, sizeof raw);
	for (int i = 0; i < n; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '/')
			b64[i] = '_';
	}
	char *p = xstrndup((char *)b64, (size_t)n);
	wipe(b64, sizeof b64);
	return p;
}

static bool write_credentials(const struct config *cfg, const char *var, const char *password)
{
	char *tmp = xasprintf("%s.tmp.%ld", cfg->credentials_file, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("unable to create credentials file %s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	struct buf b = {0};
	buf_printf(&b,
		   "# Written by pginit for the %s profile: the password of role %s.\n"
		   "# Development only; keep this file out of version control.\n"
		   "%s=%s\n"
		   "DATABASE_URL=postgresql://%s:%s@%s:%d/%s\n",
		   cfg->profile->name, cfg->app.name, var, password, cfg->app.name, password, cfg->host, cfg->port,
		   cfg->dbname);
	bool ok = write(fd, b.data, b.len) == (ssize_t)b.len && fsync(fd) == 0;
	wipe(b.data, b.len);
	buf_free(&b);
	if (close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, cfg->credentials_file) != 0)
		ok = false;
	if (!ok) {
		log_error("unable to write credentials file %s: %s", cfg->credentials_file, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok;
}

enum rc bootstrap_app_password(const struct config *cfg, char **password)
{
	const char *where = NULL;
	char var[128];
	*password = NULL;
	switch (secret_get(cfg->app.secret, password, &where)) {
	case SECRET_OK:
		log_debug("password of role %s from %s", cfg->app.name, where);
		return RC_OK;
	case SECRET_ERROR:
		return RC_SECRET;
	case SECRET_MISSING:
		break;
	}
	upper(var, sizeof var, cfg->app.secret);
	if (!cfg->profile->generate_app_password) {
		log_error("no password for role %s: set %s, %s_FILE or mount the Docker secret %s", cfg->app.name, var,
			  var, cfg->app.secret);
		log_hint("profile %s does not generate passwords (generate_app_password = false)", cfg->profile->name);
		return RC_SECRET;
	}
	*password = read_credentials(cfg->credentials_file, var);
	if (*password) {
		log_info("password of role %s from %s (generated earlier)", cfg->app.name, cfg->credentials_file);
		return RC_OK;
	}
	*password = generate_password();
	if (!*password) {
		log_error("unable to generate a password: the random number generator failed");
		return RC_SECRET;
	}
	if (!write_credentials(cfg, var, *password)) {
		free_secret(*password);
		*password = NULL;
		return RC_SECRET;
	}
	log_info("generated a password for role %s and wrote it to %s (mode 0600)", cfg->app.name,
		 cfg->credentials_file);
	return RC_OK;
}

/* ---- SCRAM: does the stored verifier already match the password? */

/*
 * A verifier is "SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
 * (RFC 5802/7677, base64). Recomputing StoredKey from the password and the
 * stored salt tells whether ALTER ROLE ... PASSWORD is needed at all, so an
 * unchanged secret leaves pg_authid untouched. Non-ASCII passwords may differ
 * from libpq's SASLprep; then we merely set the password again.
 */
static bool scram_matches(const char *verifier, const char *password)
{
	int iter;
	char salt64[128], stored64[128];
	if (!verifier || sscanf(verifier, "SCRAM-SHA-256$%d:%127[^$]$%127[^:]:", &iter, salt64, stored64) != 3)
		return false;
	unsigned char salt[128], salted[32], client_key[32], stored[32], expect[128];
	int salt_len = EVP_DecodeBlock(salt, (unsigned char *)salt64, (int)strlen(salt64));
	int stored_len = EVP_DecodeBlock(expect, (unsigned char *)stored64, (int)strlen(stored64));
	if (salt_len < 0 || stored_len < 32 || iter <= 0)
		return false;
	/* EVP_DecodeBlock counts '=' padding as zero bytes. */
	for (const char *p = salt64 + strlen(salt64); p > salt64 && p[-1] == '='; p--)
		salt_len--;
	unsigned int n = 0;
	bool ok = PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, iter, EVP_sha256(), 32, salted) &&
		  HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client_key, &n) &&
		  EVP_Digest(client_key, 32, stored, NULL, EVP_sha256(), NULL) && memcmp(stored, expect, 32) == 0;
	wipe(salted, sizeof salted);
	wipe(client_key, sizeof client_key);
	return ok;
}

/* ---- cluster */

static enum rc exec_or_log(struct db *db, const char *sql, const char *what, enum rc on_fail)
{
	struct db_error err = {0};
	if (db_exec(db, sql, NULL, &err))
		return RC_OK;
	log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to %s: %s", what, err.message);
	if (err.hint)
		log_hint("%s", err.hint);
	else if (strcmp(err.sqlstate, "42501") == 0)
		log_hint("bootstrap needs a superuser (or CREATEROLE and CREATEDB): check connection.user / POSTGRES_USER");
	db_error_clear(&err);
	return on_fail;
}

/* One row, first column; NULL when there is no row. *ok false on error (logged). */
static char *query_value(struct db *db, const char *sql, const char *param, bool *ok)
{
	const char *params[] = {param};
	struct db_result *r = NULL;
	*ok = query_run(db, sql, param ? 1 : 0, params, "inspect the cluster", &r);
	if (!*ok)
		return NULL;
	char *v = db_nrows(r) > 0 && db_get(r, 0, 0) ? xstrdup(db_get(r, 0, 0)) : NULL;
	db_result_free(r);
	return v;
}

/*
 * Create or align a role. login: LOGIN with the given password, else NOLOGIN.
 * Another pginit (for another database) may create the same role at the same
 * moment: "already exists" is then success.
 */
static enum rc ensure_role(struct db *db, const char *name, bool login, const char *password, bool superuser)
{
	bool ok;
	char *exists = query_value(db, "SELECT 1 FROM pg_roles WHERE rolname = $1", name, &ok);
	if (!ok)
		return RC_BOOTSTRAP;
	char *id = db_ident(db, name);
	struct buf sql = {0};
	enum rc rc = RC_OK;
	if (!exists) {
		buf_printf(&sql, "CREATE ROLE %s", id);
		struct db_error err = {0};
		if (!db_exec(db, sql.data, NULL, &err) && strcmp(err.sqlstate, "42710") != 0) {
			log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to create role %s: %s", name,
				     err.message);
			rc = RC_BOOTSTRAP;
		} else {
			log_info("created role %s", name);
		}
		db_error_clear(&err);
		buf_reset(&sql);
	}
	free(exists);
	if (rc != RC_OK)
		goto done;
	buf_printf(&sql, "ALTER ROLE %s WITH %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS", id,
		   login ? "LOGIN" : "NOLOGIN");
	if (login) {
		/* Only a superuser can read pg_authid; otherwise set the password every time. */
		char *current = superuser ? query_value(db, "SELECT rolpassword FROM pg_authid WHERE rolname = $1", name, &ok)
					  : NULL;
		if (!scram_matches(current, password)) {
			struct db_error err = {0};
			char *verifier = db_scram_verifier(db, name, password, &err);
			if (!verifier) {
				log_error("unable to compute the password verifier of role %s: %s", name, err.message);
				db_error_clear(&err);
				free(current);
				rc = RC_BOOTSTRAP;
				goto done;
			}
			char *lit = db_literal(db, verifier);
			buf_printf(&sql, " PASSWORD %s", lit);
			free(lit);
			free(verifier);
			log_info("%s the password of role %s", current ? "updated" : "set", name);
		}
		free(current);
	}
	char *what = xasprintf("configure role %s", name);
	rc = exec_or_log(db, sql.data, what, RC_BOOTSTRAP);
	free(what);
done:
	free(id);
	buf_free(&sql);
	return rc;
}

enum rc bootstrap_cluster(struct db *maint, const struct config *cfg, const char *app_password, bool *created)
{
	bool ok;
	*created = false;
	char *super = query_value(maint, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user", NULL, &ok);
	if (!ok)
		return RC_BOOTSTRAP;
	bool superuser = super && strcmp(super, "true") == 0;
	free(super);

	enum rc rc = ensure_role(maint, cfg->owner.name, false, NULL, superuser);
	if (rc == RC_OK)
		rc = ensure_role(maint, cfg->app.name, true, app_password, superuser);
	if (rc == RC_OK && cfg->readonly.name[0]) {
		char *ro_password = NULL;
		if (cfg->readonly.secret[0] && secret_get(cfg->readonly.secret, &ro_password, NULL) != SECRET_OK) {
			log_error("no password for role %s (secret %s)", cfg->readonly.name, cfg->readonly.secret);
			return RC_SECRET;
		}
		rc = ensure_role(maint, cfg->readonly.name, ro_password != NULL, ro_password, superuser);
		free_secret(ro_password);
	}
	if (rc != RC_OK)
		return rc;
	if (!superuser) {
		/* Without superuser, the admin needs membership to SET ROLE and to set default privileges. */
		char *id = db_ident(maint, cfg->owner.name);
		char *sql = xasprintf("GRANT %s TO CURRENT_USER", id);
		rc = exec_or_log(maint, sql, "grant the owner role to the admin", RC_BOOTSTRAP);
		free(sql);
		free(id);
		if (rc != RC_OK)
			return rc;
	}

	char *exists = query_value(maint, "SELECT 1 FROM pg_database WHERE datname = $1", cfg->dbname, &ok);
	if (!ok)
		return RC_BOOTSTRAP;
	if (exists) {
		free(exists);
		return RC_OK;
	}
	if (!cfg->create_database) {
		log_error("database %s does not exist and database.create is false", cfg->dbname);
		log_hint("create it, or set database.create = true (PGINIT_CREATE_DATABASE=true)");
		return RC_BOOTSTRAP;
	}
	char *id = db_ident(maint, cfg->dbname);
	char *sql = xasprintf("CREATE DATABASE %s", id);
	char *what = xasprintf("create database %s", cfg->dbname);
	rc = exec_or_log(maint, sql, what, RC_BOOTSTRAP);
	if (rc == RC_OK) {
		log_info("created database %s", cfg->dbname);
		*created = true;
	}
	free(what);
	free(sql);
	free(id);
	return rc;
}

/* ---- database */

static void grantees(struct db *db, const struct config *cfg, struct buf *all, char **app, char **ro)
{
	*app = db_ident(db, cfg->app.name);
	*ro = cfg->readonly.name[0] ? db_ident(db, cfg->readonly.name) : NULL;
	buf_printf(all, "%s%s%s", *app, *ro ? ", " : "", *ro ? *ro : "");
}

static char *database_sql(struct db *db, const struct config *cfg)
{
	struct buf sql = {0}, all = {0};
	char *app, *ro;
	char *owner = db_ident(db, cfg->owner.name);
	char *dbname = db_ident(db, cfg->dbname);
	grantees(db, cfg, &all, &app, &ro);

	buf_puts(&sql, "BEGIN;\n");
	for (int i = 0; i < cfg->schemas.n; i++) {
		char *s = db_ident(db, cfg->schemas.items[i]);
		buf_printf(&sql, "CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s;\n", s, owner);
		buf_printf(&sql, "ALTER SCHEMA %s OWNER TO %s;\n", s, owner);
		free(s);
	}
	for (int i = 0; i < cfg->extensions.n; i++) {
		char *e = db_ident(db, cfg->extensions.items[i]);
		buf_printf(&sql, "CREATE EXTENSION IF NOT EXISTS %s WITH SCHEMA public;\n", e);
		free(e);
	}
	/* Least privilege: nobody creates in public but its owner; only our roles connect. */
	buf_puts(&sql, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n");
	buf_printf(&sql, "REVOKE ALL ON DATABASE %s FROM PUBLIC;\n", dbname);
	buf_printf(&sql, "GRANT CONNECT, TEMPORARY ON DATABASE %s TO %s;\n", dbname, app);
	/* The owner role creates what migrations create, schemas included (teams coming from
	 * other tools create their schemas in migrations), and TEMPORARY for CSV seeds. */
	buf_printf(&sql, "GRANT CREATE, TEMPORARY ON DATABASE %s TO %s;\n", dbname, owner);
	if (ro)
		buf_printf(&sql, "GRANT CONNECT ON DATABASE %s TO %s;\n", dbname, ro);
	for (int i = 0; i < cfg->schemas.n; i++) {
		char *s = db_ident(db, cfg->schemas.items[i]);
		buf_printf(&sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, all.data);
		buf_printf(&sql, "REVOKE CREATE ON SCHEMA %s FROM %s;\n", s, all.data);
		/* What migrations create from now on ... */
		buf_printf(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %s;\n", owner, s, app);
		buf_printf(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %s;\n", owner, s, app);
		buf_printf(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT EXECUTE ON FUNCTIONS TO %s;\n", owner, s, app);
		/* ... and what exists already (tables made before the roles, or by hand). */
		buf_printf(&sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %s TO %s;\n", s, app);
		buf_printf(&sql, "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA %s TO %s;\n", s, app);
		if (ro) {
			buf_printf(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT ON TABLES TO %s;\n", owner, s, ro);
			buf_printf(&sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT SELECT ON SEQUENCES TO %s;\n", owner, s, ro);
			buf_printf(&sql, "GRANT SELECT ON ALL TABLES IN SCHEMA %s TO %s;\n", s, ro);
		}
		free(s);
	}
	buf_puts(&sql, "COMMIT;\n");
	free(owner);
	free(dbname);
	free(app);
	free(ro);
	buf_free(&all);
	return buf_steal(&sql);
}

struct initdb_run {
	struct script s;
	long rows;
	char *errmsg;
};

static bool initdb_work(struct db *db, void *arg)
{
	struct initdb_run *r = arg;
	return script_exec(db, &r->s, &r->rows, &r->errmsg);
}

/* One initdb.d file, as the admin (no role switch, nothing recorded). */
static enum rc run_initdb_file(struct db *db, const char *path, const struct kv *vars)
{
	struct initdb_run r = {0};
	if (!script_load(path, vars, &r.s)) {
		script_free(&r.s);
		return RC_BOOTSTRAP;
	}
	int64_t t0 = now_ms();
	struct txn t = {.transaction = !r.s.no_transaction, .work = initdb_work, .arg = &r};
	bool ran, ok = txn_run(db, &t, &ran);
	if (ok)
		log_debug("initdb.d: %s (%ld ms)", r.s.name, (long)(now_ms() - t0));
	free(r.errmsg);
	script_free(&r.s);
	return ok ? RC_OK : RC_BOOTSTRAP;
}

enum rc bootstrap_database(struct db *db, const struct config *cfg, int *initdb_files)
{
	*initdb_files = 0;
	char *sql = database_sql(db, cfg);
	enum rc rc = exec_or_log(db, sql, "set up schemas, extensions and grants", RC_BOOTSTRAP);
	free(sql);
	if (rc != RC_OK) {
		db_exec(db, "ROLLBACK", NULL, &(struct db_error){0});
		log_hint("nothing of this step was kept; fix the cause and run again");
		return rc;
	}
	struct strlist files = {0};
	if (!script_list(cfg->initdb_dir, &files, NULL))
		return RC_BOOTSTRAP;
	for (int i = 0; i < files.n && rc == RC_OK; i++) {
		rc = run_initdb_file(db, files.items[i], cfg->vars);
		if (rc == RC_OK)
			(*initdb_files)++;
	}
	strlist_free(&files);
	return rc;
}
