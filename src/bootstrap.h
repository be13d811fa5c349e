/*
 * bootstrap — converge the cluster and the database to what pginit.conf
 * describes, from any partial state, on every start. It reads first and
 * writes only what differs, so a converged run writes no catalog row:
 *
 *   cluster (admin on the maintenance db): owner role (NOLOGIN), app role
 *   (LOGIN, password as a client-made SCRAM verifier, changed only when the
 *   secret changed), optional readonly role, the database itself. Roles are
 *   cluster-wide: each carries a COMMENT naming the database whose
 *   configuration manages it, and another database's configuration does not
 *   take it over unless roles.shared is set. Role DDL runs in one transaction
 *   holding a cluster-wide lock (see converge_roles).
 *   database (admin on the target db, one transaction, only what differs):
 *   schemas owned by the owner role, extensions, REVOKE CREATE ON SCHEMA
 *   public FROM PUBLIC, database CONNECT for the app roles only, USAGE and
 *   DML grants on the tables that lack them, and ALTER DEFAULT PRIVILEGES
 *   FOR ROLE owner so every table a migration creates is usable by the app
 *   role; then initdb.d/ *.sql files in name order (these run every time).
 *
 * Refusals happen before any change and are exit 3 (RC_CONFIG): a managed
 * role that is the connecting role, a superuser or replication role, another
 * database's role, or an unmanaged role with CREATEROLE/CREATEDB/BYPASSRLS;
 * a ledger schema the app role can write; a failed safety check.
 * Errors are logged here; functions return RC_OK or the exit code.
 */
#ifndef PGINIT_BOOTSTRAP_H
#define PGINIT_BOOTSTRAP_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"
#include "ledger.h"

/*
 * The app role's password: its secret; else (profiles with
 * generate_app_password) the one in the credentials file, or a new random one
 * written there with mode 0600. RC_SECRET when none may be had.
 * *password is wiped and freed by the caller (free_secret).
 */
enum rc bootstrap_app_password(const struct config *cfg, char **password);

/*
 * The production safety check's configuration part (profile.safety, on by
 * default in the profile named prod), before connecting: sslmode at least
 * safety.sslmode, no known or too short admin/app/readonly password, no seed
 * sets when seeding. Each failure is its own error line with the key that
 * waives it; RC_CONFIG if any. app_password may be NULL (not checked). The
 * server-side part (the app role's attributes, pg_hba `trust`) runs in
 * bootstrap_cluster.
 */
enum rc bootstrap_safety_check(const struct config *cfg, const char *app_password, bool seeding);

/*
 * Roles (cluster-wide) and the database, on an admin connection (the session
 * uses the target's). *settings: bootstrap_settings() of that connection, read
 * with the roles before anything changed (NULL if unread; the caller frees).
 */
enum rc bootstrap_cluster(struct db *maint, const struct config *cfg, const char *app_password, bool *created,
			  char **settings);

/*
 * The database- and role-level settings (ALTER DATABASE/ROLE ... SET) that a
 * new connection of this role to this database starts with, as one string;
 * NULL if they could not be read. pginit itself sets none: only an initdb.d
 * file (or someone else) changes them.
 */
char *bootstrap_settings(struct db *db);

/*
 * Before pginit writes to its ledger: refuse (RC_CONFIG) a ledger_schema the
 * app or readonly role can write (owns it, may CREATE in it, or has DML on one of
 * pginit's tables in it: look, from ledger_look), so that the application cannot
 * rewrite the migration history.
 * ledger_schema = public or one of database.schemas is refused at config load.
 */
enum rc bootstrap_check_target(const struct config *cfg, const struct ledger_look *look);

/*
 * The target database when it does not exist (the connection to it was
 * refused with 3D000), on the maintenance-db connection: the refusals of
 * bootstrap_cluster first (read-only: a refused run changes nothing), then
 * CREATE DATABASE alone, before pginit's lock (which lives in the target
 * database, lock.h); the roles converge later, under the lock. A racing
 * replica that created it first (42P04, or 23505 when both inserted at once)
 * is fine. RC_BOOTSTRAP when database.create is false or the statement fails,
 * RC_CONFIG/RC_SECRET for a refusal; logged.
 */
enum rc bootstrap_create_database(struct db *maint, const struct config *cfg, const char *app_password);

/* Schemas, extensions, grants and initdb.d on the target database. */
enum rc bootstrap_database(struct db *db, const struct config *cfg, int *initdb_files);

#endif
