/* secrets — see secrets.h. */
#include "secrets.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

/* Where the last value came from, for log lines; never the value itself. */
static char where_buf[256];

static void strip_newline(char *s, size_t *len)
{
	if (*len > 0 && s[*len - 1] == '\n') {
		s[--*len] = '\0';
		if (*len > 0 && s[*len - 1] == '\r')
			s[--*len] = '\0';
	}
}

/* Read a secret file. missing_ok: a file that does not exist is SECRET_MISSING. */
static enum secret_status read_secret_file(const char *path, const char *what, bool missing_ok, char **value)
{
	char *data;
	size_t len;
	if (!read_file(path, &data, &len)) {
		if (missing_ok && errno == ENOENT)
			return SECRET_MISSING;
		log_error("unable to read secret file %s (from %s): %s", path, what, strerror(errno));
		return SECRET_ERROR;
	}
	strip_newline(data, &len);
	if (strlen(data) != len) {
		log_error("secret file %s (from %s) contains a NUL byte", path, what);
		free_secret(data);
		return SECRET_ERROR;
	}
	if (len == 0) {
		log_error("secret file %s (from %s) is empty", path, what);
		free(data);
		return SECRET_ERROR;
	}
	*value = data;
	return SECRET_OK;
}

enum secret_status secret_env(const char *var, char **value)
{
	char file_var[128];
	snprintf(file_var, sizeof file_var, "%s_FILE", var);
	const char *direct = getenv(var);
	const char *file = getenv(file_var);
	*value = NULL;
	if (direct && file) {
		log_error("both %s and %s are set; set only one", var, file_var);
		log_hint("%s is the value itself, %s a path to a file holding it", var, file_var);
		return SECRET_ERROR;
	}
	if (direct) {
		if (!*direct) {
			log_error("%s is set but empty", var);
			return SECRET_ERROR;
		}
		*value = xstrdup(direct);
		snprintf(where_buf, sizeof where_buf, "%s", var);
		return SECRET_OK;
	}
	if (file) {
		if (!*file) {
			log_error("%s is set but empty", file_var);
			return SECRET_ERROR;
		}
		snprintf(where_buf, sizeof where_buf, "%s", file_var);
		return read_secret_file(file, file_var, false, value);
	}
	return SECRET_MISSING;
}

enum secret_status secret_get(const char *name, char **value, const char **where)
{
	char var[128];
	size_t i;
	for (i = 0; i < sizeof var - 1 && name[i]; i++)
		var[i] = (char)toupper((unsigned char)name[i]);
	var[i] = '\0';

	enum secret_status st = secret_env(var, value);
	if (st == SECRET_MISSING) {
		const char *dir = getenv("PGINIT_SECRETS_DIR");
		char *path = path_join(dir && *dir ? dir : "/run/secrets", name);
		st = read_secret_file(path, "docker secret", true, value);
		if (st != SECRET_ERROR)
			snprintf(where_buf, sizeof where_buf, "%s", path);
		free(path);
	}
	if (where)
		*where = st == SECRET_OK ? where_buf : NULL;
	return st;
}
