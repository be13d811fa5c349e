/*
 * appenv — the environment `run --exec` hands to the application.
 *
 * pginit runs with the admin's credentials; the application must not inherit
 * them. Before execve, appenv_scrub() removes:
 *   - the admin password secret: NAME and NAME_FILE of connection.password_secret
 *     (default POSTGRES_PASSWORD, POSTGRES_PASSWORD_FILE), PGPASSWORD, PGPASSFILE,
 *     PGSERVICE/PGSERVICEFILE (a service file may hold a password), and
 *     DATABASE_URL (pginit reads it as the admin connection);
 *   - the admin's identity and client certificate: PGUSER, POSTGRES_USER,
 *     PGSSLCERT, PGSSLKEY;
 *   - the secrets of the owner and readonly roles (NAME and NAME_FILE);
 *   - every PGINIT_* variable (pginit's own settings).
 * It keeps everything else, in particular the app role's secret (default
 * APP_DB_PASSWORD / APP_DB_PASSWORD_FILE), PGHOST, PGPORT, PGDATABASE, PGSSLMODE
 * and PGSSLROOTCERT. Files (e.g. /run/secrets/postgres_password) cannot be
 * taken away: do not mount the admin secret into the app's container.
 */
#ifndef PGINIT_APPENV_H
#define PGINIT_APPENV_H

#include "config.h"

void appenv_scrub(const struct config *cfg);

#endif
