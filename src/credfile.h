/*
 * credfile — the development credentials file (paths.credentials_file), where
 * a generated app password is kept so that later runs, and the developer,
 * use the same one.
 *
 * The file is not trusted blindly: it is opened with O_NOFOLLOW (a symbolic
 * link is refused), must be a regular file with one link owned by the user
 * pginit runs as (a file planted by another user is refused), and a mode
 * wider than 0600 is narrowed to 0600 with a warning. Generation happens under
 * an exclusive flock() on the file, so concurrent runs that find no password
 * agree on one: the first writes it, the others wait and read it. Writing keeps
 * every other line of an existing file (an .env with other settings): pginit
 * adds or fills only its own VAR= line, and a DATABASE_URL= line when the file
 * has none; the new text replaces the file atomically (temp file + rename).
 * Failures are logged once; the password is never logged.
 */
#ifndef PGINIT_CREDFILE_H
#define PGINIT_CREDFILE_H

#include "config.h"
#include "exitcode.h"

/*
 * The password of var (e.g. "APP_DB_PASSWORD") from cfg->credentials_file,
 * generated and written there if missing. RC_OK with *password (free with
 * free_secret), RC_SECRET (refused or unwritable file, logged) or RC_SIGNAL.
 */
enum rc credfile_password(const struct config *cfg, const char *var, char **password);

/* 24 random bytes as 32 URL-safe base64 characters; NULL if the RNG fails. */
char *credfile_generate(void);

#endif
