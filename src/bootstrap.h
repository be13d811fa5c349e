/*
 * bootstrap — converge the cluster and the database to what pginit.conf
 * describes, from any partial state, on every start:
 *
 *   cluster (admin on the maintenance db): owner role (NOLOGIN), app role
 *   (LOGIN, password as a client-made SCRAM verifier, changed only when the
 *   secret changed), optional readonly role, the database itself;
 *   database (admin on the target db, one transaction): schemas owned by the
 *   owner role, extensions, REVOKE CREATE ON SCHEMA public FROM PUBLIC,
 *   database CONNECT for the app roles only, USAGE and DML grants, and
 *   ALTER DEFAULT PRIVILEGES FOR ROLE owner so every table a migration
 *   creates is usable by the app role; then initdb.d/ *.sql files in name order.
 *
 * Running it twice changes nothing. Errors are logged here; functions return
 * RC_OK or the exit code of the failure.
 */
#ifndef PGINIT_BOOTSTRAP_H
#define PGINIT_BOOTSTRAP_H

#include <stdbool.h>

#include "config.h"
#include "db.h"
#include "exitcode.h"

/*
 * The app role's password: its secret; else (profiles with
 * generate_app_password) the one in the credentials file, or a new random one
 * written there with mode 0600. RC_SECRET when none may be had.
 * *password is wiped and freed by the caller (free_secret).
 */
enum rc bootstrap_app_password(const struct config *cfg, char **password);

/* Roles and the database, on the admin's maintenance-db connection. */
enum rc bootstrap_cluster(struct db *maint, const struct config *cfg, const char *app_password, bool *created);

/* Schemas, extensions, grants and initdb.d on the target database. */
enum rc bootstrap_database(struct db *db, const struct config *cfg, int *initdb_files);

#endif
