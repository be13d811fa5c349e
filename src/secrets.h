/*
 * secrets — values that must never be logged: passwords from the environment,
 * from NAME_FILE files (the postgres image's convention) or from Docker secrets
 * (/run/secrets/<name>, or $PGINIT_SECRETS_DIR/<name>).
 *
 * A secret named "app_db_password" is looked up as APP_DB_PASSWORD, then
 * APP_DB_PASSWORD_FILE, then <secrets dir>/app_db_password. NAME and NAME_FILE
 * both set is an error (as in the postgres image). One trailing newline ("\n"
 * or "\r\n") is stripped from file contents; an empty value, or one longer
 * than SECRET_MAX bytes, is an error (a file is not read past that).
 * Returned strings are owned by the caller and must be released with
 * free_secret() (wipes, then frees). Errors are logged here, once, naming the
 * variable or file, never the value.
 */
#ifndef PGINIT_SECRETS_H
#define PGINIT_SECRETS_H

enum secret_status { SECRET_OK, SECRET_MISSING, SECRET_ERROR };

/* The longest value accepted (bytes, without the trailing newline). */
#define SECRET_MAX 4096

/* NAME / NAME_FILE / secrets dir, as above. "where" (optional) gets a static
 * description of the source ("APP_DB_PASSWORD_FILE") for log lines. */
enum secret_status secret_get(const char *name, char **value, const char **where);

/* Only the environment variable VAR and VAR_FILE (for non-secret values such
 * as POSTGRES_USER that follow the same convention). */
enum secret_status secret_env(const char *var, char **value);

#endif
