/* bootstrap — see bootstrap.h. */
#include "bootstrap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credfile.h"
#include "log.h"
#include "query.h"
#include "txn.h"
#include "scram.h"
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
	return credfile_password(cfg, var, password);
}

/* ---- helpers */

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
	else if (strcmp(err.sqlstate, "55P03") == 0)
		log_hint("another session holds a lock on the role catalog (an open transaction that changed roles?); "
			 "see pg_locks, or raise lock_timeout (PGINIT_LOCK_TIMEOUT)");
	on_fail = strcmp(err.sqlstate, "55P03") == 0 ? RC_LOCK : on_fail;
	db_error_clear(&err);
	return on_fail;
}

/* A text[] literal for a query parameter: {"a","b"} with " and \ escaped. */
static char *text_array(const char *const *items, int n)
{
	struct buf b = {0};
	buf_putc(&b, '{');
	for (int i = 0; i < n; i++) {
		buf_puts(&b, i ? ",\"" : "\"");
		for (const char *p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&b, '\\');
			buf_putc(&b, *p);
		}
		buf_putc(&b, '"');
	}
	buf_putc(&b, '}');
	return buf_steal(&b);
}

static bool is_true(const char *v)
{
	return v && strcmp(v, "t") == 0;
}

/* ---- cluster: what the catalog says about our roles */

enum { R_OWNER, R_APP, R_RO, N_ROLES };

static const char *const role_keys[N_ROLES] = {"roles.owner.name", "roles.app.name", "roles.readonly.name"};
static const char *const role_envs[N_ROLES] = {"PGINIT_OWNER_ROLE", "PGINIT_APP_ROLE", "PGINIT_READONLY_ROLE"};

struct role_state {
	const char *name;  /* NULL: not managed (no readonly role) */
	bool login;
	const char *password; /* login roles: the wanted password (not owned) */
	bool exists, super, replication, createrole, createdb, bypassrls, canlogin, member;
	char *comment;     /* COMMENT ON ROLE, NULL if none */
	char *verifier;    /* stored rolpassword (read only by a superuser) */
};

struct cluster_state {
	char *current_user;
	bool superuser;
	bool db_exists;
	bool db_commented; /* the target database has a COMMENT (ours or not): it is not one a run left unmarked */
	char *settings;    /* bootstrap_settings() of the connection, read with the rest */
	struct role_state r[N_ROLES];
};

static void cluster_state_free(struct cluster_state *cs)
{
	free(cs->current_user);
	free(cs->settings);
	for (int i = 0; i < N_ROLES; i++) {
		free(cs->r[i].comment);
		free_secret(cs->r[i].verifier);
	}
	memset(cs, 0, sizeof *cs);
}

/*
 * The marker that says which database's configuration manages a role: roles
 * are cluster-wide, a configuration is per database. A COMMENT is shared
 * (pg_shdescription), needs no extension and shows in \du+.
 */
static const char marker_prefix[] = "managed by pginit for database ";

static char *marker_for(const char *dbname)
{
	return xasprintf("%s\"%s\"", marker_prefix, dbname);
}

static bool is_marker(const char *comment)
{
	return comment && strncmp(comment, marker_prefix, sizeof marker_prefix - 1) == 0;
}

/*
 * Everything bootstrap_cluster needs, in one query (and a second one, for a
 * superuser, reading the stored password verifiers from pg_authid, which
 * nobody else may read). password_app/ro: the wanted passwords.
 */
/* The settings string of bootstrap_settings, as an expression (a scalar subquery). */
#define SETTINGS_SQL \
	"(SELECT coalesce(string_agg(s.setdatabase || '/' || s.setrole || ':' || array_to_string(s.setconfig, ','), ';'" \
	" ORDER BY s.setdatabase, s.setrole), '') FROM pg_db_role_setting s" \
	" WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))" \
	" AND s.setrole IN (0, (SELECT oid FROM pg_roles WHERE rolname = session_user)))"

char *bootstrap_settings(struct db *db)
{
	struct db_error err = {0};
	struct db_result *r = db_query(db, "SELECT " SETTINGS_SQL, 0, NULL, &err);
	db_error_clear(&err);
	char *fp = r && db_nrows(r) == 1 && db_get(r, 0, 0) ? xstrdup(db_get(r, 0, 0)) : NULL;
	db_result_free(r);
	return fp;
}

/* The stored verifiers, for a superuser the server did not announce as one (SET ROLE, a pooler). */
static bool read_verifiers(struct db *db, struct cluster_state *cs, const char *const *names, int n)
{
	char *arr = text_array(names, n);
	const char *params[] = {arr};
	struct db_error err = {0};
	struct db_result *r =
		db_query(db, "SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY ($1::text[])", 1, params, &err);
	free(arr);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to read the role passwords: %s", err.message);
		db_error_clear(&err);
		return false;
	}
	for (int k = 0; k < db_nrows(r); k++)
		for (int i = 0; i < N_ROLES; i++)
			if (cs->r[i].name && strcmp(cs->r[i].name, db_get(r, k, 0)) == 0 && db_get(r, k, 1))
				cs->r[i].verifier = xstrdup(db_get(r, k, 1));
	db_result_free(r);
	return true;
}

static bool read_cluster(struct db *db, const struct config *cfg, const char *app_password, const char *ro_password,
			 struct cluster_state *cs)
{
	const char *names[N_ROLES];
	int idx[N_ROLES], n = 0;
	memset(cs, 0, sizeof *cs);
	cs->r[R_OWNER].name = cfg->owner.name;
	cs->r[R_APP].name = cfg->app.name;
	cs->r[R_APP].login = true;
	cs->r[R_APP].password = app_password;
	if (cfg->readonly.name[0]) {
		cs->r[R_RO].name = cfg->readonly.name;
		cs->r[R_RO].login = ro_password != NULL;
		cs->r[R_RO].password = ro_password;
	}
	for (int i = 0; i < N_ROLES; i++)
		if (cs->r[i].name) {
			names[n] = cs->r[i].name;
			idx[n++] = i;
		}
	char *arr = text_array(names, n);
	const char *params[] = {cfg->dbname, arr};
	struct db_error err = {0};
	/* A superuser (as the server announced at connect) reads pg_authid itself: the
	 * stored verifiers come with the rest. Anyone else reads pg_roles (no passwords). */
	bool authid = db_announced_superuser(db);
	char *sql = xasprintf(
		"SELECT current_user, current_setting('is_superuser') = 'on',"
		" EXISTS (SELECT 1 FROM pg_database WHERE datname = $1),"
		" a.oid IS NOT NULL, coalesce(a.rolsuper, false), coalesce(a.rolreplication, false),"
		" coalesce(a.rolcreaterole, false), coalesce(a.rolcreatedb, false), coalesce(a.rolbypassrls, false),"
		" coalesce(a.rolcanlogin, false), shobj_description(a.oid, 'pg_authid'),"
		" coalesce(pg_has_role(current_user, a.oid, 'MEMBER'), false),"
		" (SELECT shobj_description(oid, 'pg_database') IS NOT NULL FROM pg_database WHERE datname = $1),"
		" " SETTINGS_SQL ", %s"
		" FROM unnest($2::text[]) WITH ORDINALITY AS w(name, ord) LEFT JOIN %s a ON a.rolname = w.name"
		" ORDER BY w.ord",
		authid ? "a.rolpassword" : "NULL::text", authid ? "pg_authid" : "pg_roles");
	struct db_result *r = db_query(db, sql, 2, params, &err);
	free(sql);
	free(arr);
	if (!r || db_nrows(r) != n) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to inspect the cluster's roles: %s",
			     err.message ? err.message : "unexpected result");
		db_error_clear(&err);
		db_result_free(r);
		return false;
	}
	cs->current_user = xstrdup(db_get(r, 0, 0));
	cs->superuser = is_true(db_get(r, 0, 1));
	cs->db_exists = is_true(db_get(r, 0, 2));
	cs->db_commented = is_true(db_get(r, 0, 12));
	cs->settings = db_get(r, 0, 13) ? xstrdup(db_get(r, 0, 13)) : NULL;
	bool any_login = false;
	for (int k = 0; k < n; k++) {
		struct role_state *s = &cs->r[idx[k]];
		s->exists = is_true(db_get(r, k, 3));
		s->super = is_true(db_get(r, k, 4));
		s->replication = is_true(db_get(r, k, 5));
		s->createrole = is_true(db_get(r, k, 6));
		s->createdb = is_true(db_get(r, k, 7));
		s->bypassrls = is_true(db_get(r, k, 8));
		s->canlogin = is_true(db_get(r, k, 9));
		s->comment = db_get(r, k, 10) ? xstrdup(db_get(r, k, 10)) : NULL;
		s->member = is_true(db_get(r, k, 11));
		s->verifier = db_get(r, k, 14) ? xstrdup(db_get(r, k, 14)) : NULL;
		any_login |= s->exists && s->login;
	}
	db_result_free(r);
	if (authid || !cs->superuser || !any_login)
		return true;
	return read_verifiers(db, cs, names, n);
}

/*
 * Refuse, before anything is changed, to manage a role whose ALTER would lock
 * people out or take it from someone else: the connecting role, a superuser or
 * replication role, a role another database's configuration manages (unless
 * roles.shared), and a role pginit did not create that holds powers pginit
 * would strip (CREATEROLE, CREATEDB, BYPASSRLS). An unmarked role without them
 * is adopted: that is how roles made by hand or by an older pginit are taken on.
 */
static enum rc check_roles(const struct cluster_state *cs, const struct config *cfg)
{
	enum rc rc = RC_OK;
	char *mine = marker_for(cfg->dbname);
	for (int i = 0; i < N_ROLES; i++) {
		const struct role_state *s = &cs->r[i];
		if (!s->name || !s->exists)
			continue;
		const char *why = NULL;
		char *other = NULL;
		bool ours = s->comment && strcmp(s->comment, mine) == 0;
		if (strcmp(s->name, cs->current_user) == 0)
			why = "it is the role pginit connects as";
		else if (s->super)
			why = "it is a superuser";
		else if (s->replication)
			why = "it is a replication role";
		else if (!ours && is_marker(s->comment) && !cfg->roles_shared)
			why = other = xasprintf("pginit manages it for %s", s->comment + sizeof marker_prefix - 1 - sizeof "database");
		else if (!is_marker(s->comment) && (s->createrole || s->createdb || s->bypassrls))
			why = other = xasprintf("it has %s and pginit does not manage it",
						s->createrole ? "CREATEROLE" : s->createdb ? "CREATEDB" : "BYPASSRLS");
		if (!why)
			continue;
		log_error("unable to manage role %s (%s): %s", s->name, role_keys[i], why);
		if (is_marker(s->comment) && !ours && !s->super && !s->replication && strcmp(s->name, cs->current_user) != 0)
			log_hint("roles are cluster-wide: give database %s roles of its own (%s; default \"${database}_...\"), "
				 "or set roles.shared = true (PGINIT_ROLES_SHARED) if both databases are meant to share it",
				 cfg->dbname, role_envs[i]);
		else
			log_hint("pginit would reset its attributes (NOSUPERUSER, NOCREATEROLE, ..., LOGIN or NOLOGIN) "
				 "and its password: choose another name (%s)", role_envs[i]);
		free(other);
		rc = RC_CONFIG;
	}
	free(mine);
	return rc;
}

/* Does role i differ from what is configured? (password: compares the verifier) */
static bool role_differs(const struct cluster_state *cs, int i, const struct config *cfg, bool *password)
{
	const struct role_state *s = &cs->r[i];
	*password = false;
	if (!s->name)
		return false;
	if (!s->exists) {
		*password = s->login;
		return true;
	}
	/* A non-superuser cannot read the verifier: it sets the password every time. */
	*password = s->login && !scram_matches(s->verifier, s->password);
	char *mine = marker_for(cfg->dbname);
	bool marked = (s->comment && strcmp(s->comment, mine) == 0) || (cfg->roles_shared && is_marker(s->comment));
	free(mine);
	return *password || !marked || s->canlogin != s->login || s->super || s->createdb || s->createrole ||
	       s->replication || s->bypassrls || (i == R_OWNER && !cs->superuser && !s->member);
}

static enum rc apply_role(struct db *db, const struct cluster_state *cs, int i, const struct config *cfg)
{
	const struct role_state *s = &cs->r[i];
	bool password;
	if (!role_differs(cs, i, cfg, &password))
		return RC_OK;
	char *id = db_ident(db, s->name);
	struct buf sql = {0};
	enum rc rc = RC_OK;
	bool attrs = !s->exists || s->canlogin != s->login || s->super || s->createdb || s->createrole ||
		     s->replication || s->bypassrls;
	if (attrs || password) {
		buf_printf(&sql, "%s ROLE %s WITH %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
			   s->exists ? "ALTER" : "CREATE", id, s->login ? "LOGIN" : "NOLOGIN");
		if (password) {
			struct db_error err = {0};
			char *verifier = db_scram_verifier(db, s->name, s->password, &err);
			if (!verifier) {
				log_error("unable to compute the password verifier of role %s: %s", s->name, err.message);
				db_error_clear(&err);
				rc = RC_BOOTSTRAP;
				goto done;
			}
			char *lit = db_literal(db, verifier);
			buf_printf(&sql, " PASSWORD %s", lit);
			free(lit);
			free_secret(verifier);
		}
		buf_puts(&sql, ";\n");
	}
	char *mine = marker_for(cfg->dbname);
	if (!(s->comment && strcmp(s->comment, mine) == 0) && !(cfg->roles_shared && is_marker(s->comment))) {
		char *lit = db_literal(db, mine);
		buf_printf(&sql, "COMMENT ON ROLE %s IS %s;\n", id, lit);
		free(lit);
	}
	free(mine);
	if (i == R_OWNER && !cs->superuser && !s->member) /* to SET ROLE and set default privileges */
		buf_printf(&sql, "GRANT %s TO CURRENT_USER;\n", id);
	char *what = xasprintf("configure role %s", s->name);
	rc = exec_or_log(db, sql.data, what, RC_BOOTSTRAP);
	free(what);
	if (rc != RC_OK)
		goto done;
	if (!s->exists)
		log_info("created role %s", s->name);
	else if (!is_marker(s->comment))
		log_warn("role %s existed without pginit's marker: it is managed for database %s from now on", s->name,
			 cfg->dbname);
	else if (attrs)
		log_info("reset the attributes of role %s", s->name);
	if (password && s->exists)
		log_info("%s the password of role %s", s->verifier ? "updated" : "set", s->name);
done:
	free(id);
	buf_free(&sql);
	return rc;
}

/*
 * Role DDL, serialised cluster-wide. Advisory locks are per database, so they
 * cannot serialise runs on different databases; a lock on the shared catalog
 * pg_authid can (its lock tag has no database). SHARE ROW EXCLUSIVE conflicts
 * with itself and with CREATE/ALTER ROLE elsewhere, not with logins (they read
 * with ACCESS SHARE), and is held only while roles differ. A non-superuser may
 * not lock pg_authid: it takes an advisory lock instead, which serialises only
 * the runs that connect to the same database for this step (the target: runs
 * of other databases then overlap only on roles.shared roles).
 */
static enum rc converge_roles(struct db *db, const struct config *cfg, const char *app_password,
			      const char *ro_password, struct cluster_state *cs)
{
	struct buf sql = {0};
	buf_printf(&sql, "BEGIN;\nSET LOCAL lock_timeout = '%dms';\n%s;\n", cfg->profile->lock_timeout_ms,
		   cs->superuser ? "LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE"
				 : "SELECT pg_advisory_xact_lock(1885825385, 1)");
	enum rc rc = exec_or_log(db, sql.data, "lock the role catalog", RC_BOOTSTRAP);
	buf_free(&sql);
	if (rc != RC_OK)
		goto fail;
	/* Another run may have changed the roles while we waited: read them again. */
	cluster_state_free(cs);
	if (!read_cluster(db, cfg, app_password, ro_password, cs)) {
		rc = RC_BOOTSTRAP;
		goto fail;
	}
	if ((rc = check_roles(cs, cfg)) != RC_OK)
		goto fail;
	for (int i = 0; i < N_ROLES && rc == RC_OK; i++)
		rc = apply_role(db, cs, i, cfg);
	if (rc == RC_OK)
		rc = exec_or_log(db, "COMMIT", "commit the role changes", RC_BOOTSTRAP);
	if (rc == RC_OK)
		return RC_OK;
fail:
	db_exec(db, "ROLLBACK", NULL, &(struct db_error){0});
	return rc;
}

/* ---- the production safety check */

static int sslmode_rank(const char *mode)
{
	static const char *const modes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
	for (int i = 0; i < (int)(sizeof modes / sizeof modes[0]); i++)
		if (mode && strcmp(mode, modes[i]) == 0)
			return i;
	return -1;
}

/*
 * Passwords that must not protect a production database: the development and
 * test defaults of this repository (compose files, README, seeds) and the usual
 * first guesses. Compared without regard to case.
 */
static const char *const known_passwords[] = {
	"postgres-dev", "app-dev", "postgres-test", "app-test", "Test123!",
	"postgres", "password", "passw0rd", "password1", "changeme", "change-me", "changeit", "secret",
	"admin", "root", "toor", "123456", "12345678", "123456789", "qwerty", "letmein", "welcome",
	"example", "test", "dev", "default", "pginit", "app",
};

static bool known_password(const char *pw, const char *role)
{
	if (role && strcasecmp(pw, role) == 0)
		return true;
	for (size_t i = 0; i < sizeof known_passwords / sizeof known_passwords[0]; i++)
		if (strcasecmp(pw, known_passwords[i]) == 0)
			return true;
	return false;
}

static int check_password(const struct profile *p, const char *what, const char *pw, const char *role)
{
	if (!pw)
		return 0;
	int failed = 0;
	if (!p->safety.allow_known_passwords && known_password(pw, role)) {
		log_error("unable to pass the safety check of profile %s: %s is a known development or common password",
			  p->name, what);
		log_hint("use a generated secret (openssl rand -base64 32), or waive: "
			 "profiles.%s.safety.allow_known_passwords = true (PGINIT_SAFETY_ALLOW_KNOWN_PASSWORDS)", p->name);
		failed++;
	}
	if (p->safety.min_password_length > 0 && strlen(pw) < (size_t)p->safety.min_password_length) {
		log_error("unable to pass the safety check of profile %s: %s is shorter than %d characters", p->name, what,
			  p->safety.min_password_length);
		log_hint("use a generated secret (openssl rand -base64 32), or waive: "
			 "profiles.%s.safety.min_password_length = 0 (PGINIT_SAFETY_MIN_PASSWORD_LENGTH)", p->name);
		failed++;
	}
	return failed;
}

enum rc bootstrap_safety_check(const struct config *cfg, const char *app_password, bool seeding)
{
	const struct profile *p = cfg->profile;
	if (!p->safety.enabled)
		return RC_OK;
	int failed = 0;
	int need = sslmode_rank(p->safety.sslmode), have = sslmode_rank(cfg->sslmode);
	if (need < 0) {
		log_error("profiles.%s.safety.sslmode: unknown sslmode '%s'", p->name, p->safety.sslmode);
		log_hint("one of disable, allow, prefer, require, verify-ca, verify-full (PGINIT_SAFETY_SSLMODE)");
		return RC_CONFIG;
	}
	/* A Unix socket never leaves the host: TLS does not apply. */
	if (cfg->host[0] != '/' && have < need) {
		log_error("unable to pass the safety check of profile %s: connection.sslmode is %s, the profile requires %s",
			  p->name, cfg->sslmode, p->safety.sslmode);
		log_hint("connect with TLS (PGINIT_SSLMODE=verify-full, PGINIT_SSLROOTCERT=the CA file), or waive: "
			 "profiles.%s.safety.sslmode = \"%s\" (PGINIT_SAFETY_SSLMODE=%s)", p->name, cfg->sslmode, cfg->sslmode);
		failed++;
	}
	failed += check_password(p, "the admin password", cfg->password, cfg->user);
	char *what = xasprintf("the password of role %s", cfg->app.name);
	failed += check_password(p, what, app_password, cfg->app.name);
	free(what);
	if (cfg->readonly.name[0] && cfg->readonly.secret[0]) {
		char *ro = NULL;
		if (secret_get(cfg->readonly.secret, &ro, NULL) == SECRET_OK) {
			what = xasprintf("the password of role %s", cfg->readonly.name);
			failed += check_password(p, what, ro, cfg->readonly.name);
			free(what);
		}
		free_secret(ro);
	}
	if (seeding && p->seeds.n > 0 && !p->safety.allow_seeds) {
		log_error("unable to pass the safety check of profile %s: it applies seed sets (%s%s)", p->name,
			  p->seeds.items[0], p->seeds.n > 1 ? ", ..." : "");
		log_hint("set profiles.%s.seeds = [ ], or waive: profiles.%s.safety.allow_seeds = true "
			 "(PGINIT_SAFETY_ALLOW_SEEDS)", p->name, p->name);
		failed++;
	}
	if (failed)
		return RC_CONFIG;
	log_debug("safety check of profile %s passed", p->name);
	return RC_OK;
}

/* The server-side part, on what read_cluster saw (before any change). */
static enum rc safety_check_server(struct db *db, const struct config *cfg, const struct cluster_state *cs)
{
	const struct profile *p = cfg->profile;
	if (!p->safety.enabled)
		return RC_OK;
	const struct role_state *app = &cs->r[R_APP];
	if (app->exists && (app->createrole || app->createdb || app->bypassrls) && !p->safety.allow_privileged_app_role) {
		log_error("unable to pass the safety check of profile %s: app role %s has%s%s%s", p->name, app->name,
			  app->createrole ? " CREATEROLE" : "", app->createdb ? " CREATEDB" : "",
			  app->bypassrls ? " BYPASSRLS" : "");
		log_hint("find out who gave it, remove it (ALTER ROLE %s NOCREATEROLE NOCREATEDB NOBYPASSRLS), or waive: "
			 "profiles.%s.safety.allow_privileged_app_role = true (PGINIT_SAFETY_ALLOW_PRIVILEGED_APP_ROLE; "
			 "pginit then removes them)", app->name, p->name);
		return RC_CONFIG;
	}
	if (!p->safety.warn_trust || !cs->superuser)
		return RC_OK;
	struct db_error err = {0};
	struct db_result *r = db_query(db,
		"SELECT line_number, type, array_to_string(database, ','), array_to_string(user_name, ','),"
		" coalesce(address, '') FROM pg_hba_file_rules WHERE auth_method = 'trust' AND type <> 'local'"
		" AND error IS NULL AND coalesce(address, '') NOT IN ('127.0.0.1', '::1', 'localhost', 'samehost')"
		" AND coalesce(address, '') NOT LIKE '127.%' ORDER BY line_number",
		0, NULL, &err);
	if (!r) { /* pg_hba_file_rules is a convenience here; the check only warns */
		log_debug("pg_hba_file_rules not readable: %s", err.message);
		db_error_clear(&err);
		return RC_OK;
	}
	for (int i = 0; i < db_nrows(r); i++) {
		log_warn("pg_hba.conf line %s: %s connections from %s for database %s, user %s are trusted without a password",
			 db_get(r, i, 0), db_get(r, i, 1), db_get(r, i, 4)[0] ? db_get(r, i, 4) : "anywhere",
			 db_get(r, i, 2), db_get(r, i, 3));
		log_hint("use scram-sha-256 there; silence with profiles.%s.safety.warn_trust = false (PGINIT_SAFETY_WARN_TRUST)",
			 p->name);
	}
	db_result_free(r);
	return RC_OK;
}

/* ---- cluster */

/*
 * A database pginit created carries this COMMENT. On any other (adopted)
 * database bootstrap never takes a privilege away from PUBLIC, which existing
 * login roles may rely on, unless database.harden is set.
 */
#define DB_CREATED_MARK "created by pginit"

/* COMMENT ON DATABASE ... IS the mark, on any connection (maint need not be in it). */
static enum rc write_created_mark(struct db *db, const struct config *cfg)
{
	char *id = db_ident(db, cfg->dbname);
	char *c = xasprintf("COMMENT ON DATABASE %s IS '%s'", id, DB_CREATED_MARK);
	char *what = xasprintf("mark database %s as created by pginit", cfg->dbname);
	enum rc rc = exec_or_log(db, c, what, RC_BOOTSTRAP);
	free(what);
	free(c);
	free(id);
	return rc;
}

/* The one boolean SQL answers about the target database; *ok false (logged) when it fails. */
static bool database_is(struct db *db, const char *sql, const struct config *cfg, bool *ok)
{
	struct db_error err = {0};
	struct db_result *r = db_query(db, sql, 0, NULL, &err);
	*ok = r != NULL;
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to inspect database %s: %s", cfg->dbname,
			     err.message);
		db_error_clear(&err);
		return false;
	}
	bool yes = db_nrows(r) == 1 && db_get(r, 0, 0) && strcmp(db_get(r, 0, 0), "t") == 0;
	db_result_free(r);
	return yes;
}

/*
 * db is connected to the target, before this run changed anything in it. A
 * database with no mark and nothing in it at all (no relation, function, type
 * or schema of its own besides public) is one a run of ours created and was
 * stopped (kill -9) between CREATE DATABASE and its COMMENT: mark it now, so
 * later runs do not take it for adopted. Any object in it: adopted, unmarked.
 */
static enum rc mark_if_unmarked_and_empty(struct db *db, const struct config *cfg)
{
	bool ok;
	bool empty = database_is(db,
		"SELECT shobj_description(d.oid, 'pg_database') IS NULL"
		" AND NOT EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname NOT IN ('public', 'information_schema')"
		"   AND n.nspname !~ '^pg_')"
		" AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace)"
		" AND NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace)"
		" AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace)"
		" AND NOT EXISTS (SELECT 1 FROM pg_extension e WHERE e.extname <> 'plpgsql')"
		" FROM pg_database d WHERE d.datname = current_database()", cfg, &ok);
	if (!ok)
		return RC_BOOTSTRAP;
	if (!empty)
		return RC_OK;
	log_info("database %s is empty and unmarked (a run stopped right after creating it): marked as created by pginit",
		 cfg->dbname);
	return write_created_mark(db, cfg);
}

enum rc bootstrap_cluster(struct db *maint, const struct config *cfg, const char *app_password, bool *created,
			  char **settings)
{
	*created = false;
	*settings = NULL;
	char *ro_password = NULL;
	if (cfg->readonly.name[0] && cfg->readonly.secret[0] &&
	    secret_get(cfg->readonly.secret, &ro_password, NULL) != SECRET_OK) {
		log_error("no password for role %s (secret %s)", cfg->readonly.name, cfg->readonly.secret);
		return RC_SECRET;
	}
	struct cluster_state cs;
	enum rc rc = RC_OK;
	if (!read_cluster(maint, cfg, app_password, ro_password, &cs)) {
		rc = RC_BOOTSTRAP;
		goto done;
	}
	*settings = cs.settings;
	cs.settings = NULL;
	if ((rc = check_roles(&cs, cfg)) != RC_OK || (rc = safety_check_server(maint, cfg, &cs)) != RC_OK)
		goto done;
	bool differs = false, pw;
	for (int i = 0; i < N_ROLES; i++)
		differs |= role_differs(&cs, i, cfg, &pw);
	if (differs && (rc = converge_roles(maint, cfg, app_password, ro_password, &cs)) != RC_OK)
		goto done;
	if (!differs)
		log_debug("roles %s, %s%s%s: as configured", cfg->owner.name, cfg->app.name,
			  cfg->readonly.name[0] ? ", " : "", cfg->readonly.name);
	if (cs.db_exists) {
		if (cfg->create_database && !cs.db_commented) /* a marked database (the common case): nothing to look at */
			rc = mark_if_unmarked_and_empty(maint, cfg);
		goto done;
	}
	if (!cfg->create_database) {
		log_error("database %s does not exist and database.create is false", cfg->dbname);
		log_hint("create it, or set database.create = true (PGINIT_CREATE_DATABASE=true)");
		rc = RC_BOOTSTRAP;
		goto done;
	}
	char *id = db_ident(maint, cfg->dbname);
	char *sql = xasprintf("CREATE DATABASE %s", id);
	char *what = xasprintf("create database %s", cfg->dbname);
	rc = exec_or_log(maint, sql, what, RC_BOOTSTRAP);
	if (rc == RC_OK) {
		log_info("created database %s", cfg->dbname);
		*created = true;
		/* The mark that lets later runs take PUBLIC's privileges away here (and only here). */
		char *c = xasprintf("COMMENT ON DATABASE %s IS '%s'", id, DB_CREATED_MARK);
		rc = exec_or_log(maint, c, what, RC_BOOTSTRAP);
		free(c);
	}
	free(what);
	free(sql);
	free(id);
done:
	cluster_state_free(&cs);
	free_secret(ro_password);
	return rc;
}

/* ---- database: read what differs, change only that */

static bool may_harden(struct db *db, const struct config *cfg, bool *ok)
{
	*ok = true;
	if (cfg->harden)
		return true;
	return database_is(db,
		"SELECT shobj_description(oid, 'pg_database') = '" DB_CREATED_MARK "'"
		" FROM pg_database WHERE datname = current_database()", cfg, ok);
}

/*
 * One row per thing that differs from the configuration: (kind, schema, name,
 * who) with who 'owner', 'app' or 'ro'. Privileges are compared as granted
 * directly (aclexplode), which is what the GRANTs below produce. $1 owner,
 * $2 app, $3 readonly ('' for none), $4 schemas, $5 extensions.
 */
static const char diff_sql[] =
	"WITH o AS (SELECT oid FROM pg_roles WHERE rolname = $1),"
	" g AS (SELECT r.oid, k.who FROM (VALUES ('app', $2), ('ro', nullif($3, ''))) AS k(who, name)"
	"       JOIN pg_roles r ON r.rolname = k.name),"
	" s AS (SELECT c.name, n.oid, n.nspowner, coalesce(n.nspacl, acldefault('n', n.nspowner)) AS acl"
	"       FROM unnest($4::text[]) AS c(name) LEFT JOIN pg_namespace n ON n.nspname = c.name),"
	" d AS (SELECT coalesce(datacl, acldefault('d', datdba)) AS acl FROM pg_database WHERE datname = current_database())"
	" SELECT 'schema', name, NULL, NULL FROM s WHERE oid IS NULL"
	" UNION ALL SELECT 'extension', NULL, e, NULL FROM unnest($5::text[]) AS e"
	"   WHERE NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = e)"
	" UNION ALL SELECT 'schema_owner', name, nspowner::regrole::text, NULL FROM s WHERE oid IS NOT NULL AND nspowner <> (SELECT oid FROM o)"
	" UNION ALL SELECT 'public_create', NULL, NULL, NULL FROM pg_namespace n WHERE nspname = 'public' AND EXISTS"
	"   (SELECT 1 FROM aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x"
	"    WHERE x.grantee = 0 AND x.privilege_type = 'CREATE')"
	" UNION ALL SELECT 'database_public', NULL, NULL, NULL FROM d WHERE EXISTS"
	"   (SELECT 1 FROM aclexplode(d.acl) x WHERE x.grantee = 0)"
	" UNION ALL SELECT 'database', NULL, NULL, w.who FROM d,"
	"   (VALUES ('owner', (SELECT oid FROM o), ARRAY['CREATE', 'TEMPORARY']),"
	"           ('app', (SELECT oid FROM g WHERE who = 'app'), ARRAY['CONNECT', 'TEMPORARY']),"
	"           ('ro', (SELECT oid FROM g WHERE who = 'ro'), ARRAY['CONNECT'])) AS w(who, oid, privs)"
	"   WHERE w.oid IS NOT NULL"
	"   AND NOT w.privs <@ ARRAY(SELECT x.privilege_type FROM aclexplode(d.acl) x WHERE x.grantee = w.oid)"
	" UNION ALL SELECT 'usage', s.name, NULL, g.who FROM s, g WHERE s.oid IS NOT NULL AND NOT EXISTS"
	"   (SELECT 1 FROM aclexplode(s.acl) x WHERE x.grantee = g.oid AND x.privilege_type = 'USAGE')"
	" UNION ALL SELECT 'create', s.name, NULL, g.who FROM s, g WHERE s.oid IS NOT NULL AND EXISTS"
	"   (SELECT 1 FROM aclexplode(s.acl) x WHERE x.grantee = g.oid AND x.privilege_type = 'CREATE')"
	" UNION ALL SELECT 'defacl', s.name, w.objtype, w.who FROM s,"
	"   (VALUES ('app', 'r', ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']), ('app', 'S', ARRAY['USAGE', 'SELECT', 'UPDATE']),"
	"           ('app', 'f', ARRAY['EXECUTE']), ('ro', 'r', ARRAY['SELECT']), ('ro', 'S', ARRAY['SELECT'])) AS w(who, objtype, privs)"
	"   JOIN g ON g.who = w.who WHERE s.oid IS NOT NULL AND NOT w.privs <@ ARRAY("
	"     SELECT x.privilege_type FROM pg_default_acl da, aclexplode(da.defaclacl) x"
	"     WHERE da.defaclrole = (SELECT oid FROM o) AND da.defaclnamespace = s.oid"
	"     AND da.defaclobjtype::text = w.objtype AND x.grantee = g.oid)"
	" UNION ALL SELECT CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END, s.name, c.relname, w.who"
	"   FROM s JOIN pg_class c ON c.relnamespace = s.oid"
	"   JOIN (VALUES ('app', false, ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']), ('app', true, ARRAY['USAGE', 'SELECT', 'UPDATE']),"
	"                ('ro', false, ARRAY['SELECT'])) AS w(who, seq, privs) ON w.seq = (c.relkind = 'S')"
	"   JOIN g ON g.who = w.who"
	/* The common case first, without a set-returning call per table: granted by the owner. */
	"   WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p', 'S')"
	"   AND NOT coalesce(c.relacl @> makeaclitem(g.oid, c.relowner, w.privs[1], false)"
	"     AND (w.privs[2] IS NULL OR c.relacl @> makeaclitem(g.oid, c.relowner, w.privs[2], false))"
	"     AND (w.privs[3] IS NULL OR c.relacl @> makeaclitem(g.oid, c.relowner, w.privs[3], false))"
	"     AND (w.privs[4] IS NULL OR c.relacl @> makeaclitem(g.oid, c.relowner, w.privs[4], false)), false)"
	"   AND NOT w.privs <@ ARRAY("
	"     SELECT x.privilege_type FROM aclexplode(coalesce(c.relacl,"
	"       acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))) x WHERE x.grantee = g.oid)";

static struct db_result *read_database(struct db *db, const struct config *cfg)
{
	char *schemas = text_array((const char *const *)cfg->schemas.items, cfg->schemas.n);
	char *exts = text_array((const char *const *)cfg->extensions.items, cfg->extensions.n);
	const char *params[] = {cfg->owner.name, cfg->app.name, cfg->readonly.name, schemas, exts};
	struct db_error err = {0};
	struct db_result *r = db_query(db, diff_sql, 5, params, &err);
	free(schemas);
	free(exts);
	if (!r) {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to inspect database %s: %s", cfg->dbname,
			     err.message);
		db_error_clear(&err);
	}
	return r;
}

static bool kind_is(const struct db_result *r, int i, const char *kind)
{
	return strcmp(db_get(r, i, 0), kind) == 0;
}

/* CREATE SCHEMA / EXTENSION for the rows that say they are missing; true if any. */
static bool creates_sql(struct db *db, const struct config *cfg, const struct db_result *r, struct buf *sql)
{
	char *owner = db_ident(db, cfg->owner.name);
	bool any = false;
	for (int i = 0; i < db_nrows(r); i++) {
		if (kind_is(r, i, "schema")) {
			char *s = db_ident(db, db_get(r, i, 1));
			buf_printf(sql, "CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s;\n", s, owner);
			log_info("creating schema %s", db_get(r, i, 1));
			free(s);
			any = true;
		} else if (kind_is(r, i, "extension")) {
			char *e = db_ident(db, db_get(r, i, 2));
			buf_printf(sql, "CREATE EXTENSION IF NOT EXISTS %s WITH SCHEMA public;\n", e);
			log_info("creating extension %s", db_get(r, i, 2));
			free(e);
			any = true;
		}
	}
	free(owner);
	return any;
}

static const char *who_name(const struct config *cfg, const char *who)
{
	return strcmp(who, "owner") == 0 ? cfg->owner.name : strcmp(who, "app") == 0 ? cfg->app.name : cfg->readonly.name;
}

/* The GRANT/REVOKE/ALTER for every other row; tables and sequences one statement per grantee. */
static void changes_sql(struct db *db, const struct config *cfg, const struct db_result *r, bool harden, struct buf *sql)
{
	char *owner = db_ident(db, cfg->owner.name);
	char *dbname = db_ident(db, cfg->dbname);
	struct buf app_tables = {0}, app_seqs = {0}, ro_tables = {0};
	for (int i = 0; i < db_nrows(r); i++) {
		const char *kind = db_get(r, i, 0), *who = db_get(r, i, 3);
		char *s = db_get(r, i, 1) ? db_ident(db, db_get(r, i, 1)) : NULL;
		char *g = who ? db_ident(db, who_name(cfg, who)) : NULL;
		if (!harden && (strcmp(kind, "public_create") == 0 || strcmp(kind, "database_public") == 0)) {
			/* An adopted database: say what would change, change nothing. */
			log_warn("database %s was not created by pginit: left %s (would run: %s)", cfg->dbname,
				 kind[0] == 'p' ? "PUBLIC's CREATE on schema public" : "PUBLIC's privileges on the database",
				 kind[0] == 'p' ? "REVOKE CREATE ON SCHEMA public FROM PUBLIC" : "REVOKE ALL ON DATABASE ... FROM PUBLIC");
			log_hint("existing roles may rely on them; set database.harden = true (PGINIT_DATABASE_HARDEN=true) to revoke");
		} else if (strcmp(kind, "schema_owner") == 0) {
			/* On an adopted database the former owner keeps what owning gave it (granted
			 * after the change: ALTER OWNER hands the old owner's ACL entries to the new). */
			buf_printf(sql, "ALTER SCHEMA %s OWNER TO %s;\n", s, owner);
			if (!harden)
				buf_printf(sql, "GRANT USAGE, CREATE ON SCHEMA %s TO %s;\n", s, db_get(r, i, 2));
		} else if (strcmp(kind, "public_create") == 0) {
			/* Least privilege: nobody creates in public but its owner. */
			buf_puts(sql, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n");
		} else if (strcmp(kind, "database_public") == 0) {
			/* Only our roles connect. */
			buf_printf(sql, "REVOKE ALL ON DATABASE %s FROM PUBLIC;\n", dbname);
		} else if (strcmp(kind, "database") == 0) {
			/* The owner role creates what migrations create, schemas included (teams coming from
			 * other tools create their schemas in migrations), and TEMPORARY for CSV seeds. */
			buf_printf(sql, "GRANT %s ON DATABASE %s TO %s;\n",
				   strcmp(who, "owner") == 0 ? "CREATE, TEMPORARY" : strcmp(who, "app") == 0 ? "CONNECT, TEMPORARY" : "CONNECT",
				   dbname, g);
		} else if (strcmp(kind, "usage") == 0) {
			buf_printf(sql, "GRANT USAGE ON SCHEMA %s TO %s;\n", s, g);
		} else if (strcmp(kind, "create") == 0) {
			buf_printf(sql, "REVOKE CREATE ON SCHEMA %s FROM %s;\n", s, g);
		} else if (strcmp(kind, "defacl") == 0) {
			/* What migrations create from now on. */
			const char *t = db_get(r, i, 2);
			bool app = strcmp(who, "app") == 0;
			buf_printf(sql, "ALTER DEFAULT PRIVILEGES FOR ROLE %s IN SCHEMA %s GRANT %s ON %s TO %s;\n", owner, s,
				   t[0] == 'r' ? (app ? "SELECT, INSERT, UPDATE, DELETE" : "SELECT")
				   : t[0] == 'S' ? (app ? "USAGE, SELECT, UPDATE" : "SELECT") : "EXECUTE",
				   t[0] == 'r' ? "TABLES" : t[0] == 'S' ? "SEQUENCES" : "FUNCTIONS", g);
		} else if (strcmp(kind, "table") == 0 || strcmp(kind, "sequence") == 0) {
			/* What exists already (tables made before the roles, or by hand). */
			struct buf *list = kind[0] == 's' ? &app_seqs : strcmp(who, "app") == 0 ? &app_tables : &ro_tables;
			char *n = db_ident(db, db_get(r, i, 2));
			buf_printf(list, "%s%s.%s", list->len ? ", " : "", s, n);
			free(n);
		}
		free(s);
		free(g);
	}
	char *app = db_ident(db, cfg->app.name);
	if (app_tables.len)
		buf_printf(sql, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %s TO %s;\n", app_tables.data, app);
	if (app_seqs.len)
		buf_printf(sql, "GRANT USAGE, SELECT, UPDATE ON SEQUENCE %s TO %s;\n", app_seqs.data, app);
	if (ro_tables.len) {
		char *ro = db_ident(db, cfg->readonly.name);
		buf_printf(sql, "GRANT SELECT ON TABLE %s TO %s;\n", ro_tables.data, ro);
		free(ro);
	}
	free(app);
	buf_free(&app_tables);
	buf_free(&app_seqs);
	buf_free(&ro_tables);
	free(owner);
	free(dbname);
}

enum rc bootstrap_check_target(const struct config *cfg, const struct ledger_look *look)
{
	for (int i = 0; i < look->n_writers; i++)
		log_error("ledger_schema %s is writable by role %s: it could rewrite the migration history",
			  cfg->ledger_schema, look->writers[i]);
	if (look->n_writers)
		log_hint("revoke that role's CREATE and DML in schema %s, or choose another ledger_schema "
			 "(PGINIT_LEDGER_SCHEMA)", cfg->ledger_schema);
	return look->n_writers ? RC_CONFIG : RC_OK;
}

static enum rc converge_database(struct db *db, const struct config *cfg)
{
	struct db_result *r = read_database(db, cfg);
	if (!r)
		return RC_BOOTSTRAP;
	if (db_nrows(r) == 0) {
		db_result_free(r);
		log_debug("database %s: schemas, extensions and grants as configured", cfg->dbname);
		return RC_OK;
	}
	struct buf sql = {0};
	buf_puts(&sql, "BEGIN;\n");
	enum rc rc = RC_OK;
	if (creates_sql(db, cfg, r, &sql)) {
		/* New schemas get their grants, and an extension's tables theirs: look again. */
		rc = exec_or_log(db, sql.data, "set up schemas, extensions and grants", RC_BOOTSTRAP);
		buf_reset(&sql);
		db_result_free(r);
		r = rc == RC_OK ? read_database(db, cfg) : NULL;
		if (!r)
			rc = RC_BOOTSTRAP;
	}
	bool harden = false, ok = true;
	if (rc == RC_OK) {
		harden = may_harden(db, cfg, &ok);
		if (!ok)
			rc = RC_BOOTSTRAP;
	}
	if (rc == RC_OK) {
		changes_sql(db, cfg, r, harden, &sql);
		buf_puts(&sql, "COMMIT;\n");
		rc = exec_or_log(db, sql.data, "set up schemas, extensions and grants", RC_BOOTSTRAP);
	}
	db_result_free(r);
	buf_free(&sql);
	if (rc != RC_OK) {
		db_exec(db, "ROLLBACK", NULL, &(struct db_error){0});
		log_hint("nothing of this step was kept; fix the cause and run again");
	}
	return rc;
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
	enum rc rc = converge_database(db, cfg);
	if (rc != RC_OK)
		return rc;
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

/* ---- the database, before the lock */

/* bootstrap_cluster's refusals alone: nothing is written. */
static enum rc cluster_refusals(struct db *db, const struct config *cfg, const char *app_password)
{
	char *ro_password = NULL;
	if (cfg->readonly.name[0] && cfg->readonly.secret[0] &&
	    secret_get(cfg->readonly.secret, &ro_password, NULL) != SECRET_OK) {
		log_error("no password for role %s (secret %s)", cfg->readonly.name, cfg->readonly.secret);
		return RC_SECRET;
	}
	struct cluster_state cs;
	enum rc rc = RC_BOOTSTRAP;
	if (read_cluster(db, cfg, app_password, ro_password, &cs) && (rc = check_roles(&cs, cfg)) == RC_OK)
		rc = safety_check_server(db, cfg, &cs);
	cluster_state_free(&cs);
	free_secret(ro_password);
	return rc;
}

enum rc bootstrap_create_database(struct db *maint, const struct config *cfg, const char *app_password)
{
	if (!cfg->create_database) {
		log_error("database %s does not exist and database.create is false", cfg->dbname);
		log_hint("create it, or set database.create = true (PGINIT_CREATE_DATABASE=true)");
		return RC_BOOTSTRAP;
	}
	enum rc refused = cluster_refusals(maint, cfg, app_password);
	if (refused != RC_OK)
		return refused;
	char *id = db_ident(maint, cfg->dbname);
	char *sql = xasprintf("CREATE DATABASE %s", id);
	struct db_error err = {0};
	enum rc rc = RC_OK;
	if (db_exec(maint, sql, NULL, &err)) {
		log_info("created database %s", cfg->dbname);
		/* At once, on the same connection: the mark that lets later runs take PUBLIC's privileges away here. */
		rc = write_created_mark(maint, cfg);
	} else if (strcmp(err.sqlstate, "42P04") == 0 || strcmp(err.sqlstate, "23505") == 0)
		log_debug("database %s: created meanwhile by another run", cfg->dbname);
	else {
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "unable to create database %s: %s",
			     cfg->dbname, err.message);
		if (err.hint)
			log_hint("%s", err.hint);
		else if (strcmp(err.sqlstate, "42501") == 0)
			log_hint("bootstrap needs a superuser (or CREATEDB): check connection.user / POSTGRES_USER");
		rc = RC_BOOTSTRAP;
	}
	db_error_clear(&err);
	free(sql);
	free(id);
	return rc;
}
