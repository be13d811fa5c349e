/* secrets — see secrets.h. */
#include "secrets.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
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

/*
 * Read at most SECRET_MAX + 2 bytes (a value and its "\r\n") of fd: a
 * bigger file is refused without reading it all (a 20 MB "password" cost
 * 100 s of SCRAM hashing and overran the wait). false: read error or too big
 * (*too_big set).
 */
static bool read_limited(int fd, char **out, size_t *len, bool *too_big)
{
	size_t cap = SECRET_MAX + 3, n = 0;
	char *data = xmalloc(cap + 1);
	*too_big = false;
	for (;;) {
		ssize_t r = read(fd, data + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free_secret(data);
			errno = saved;
			return false;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == cap)
			break;
	}
	data[n] = '\0';
	if (n == cap) {
		*too_big = true;
		free_secret(data);
		return false;
	}
	*out = data;
	*len = n;
	return true;
}

/* Read a secret file. missing_ok: a file that does not exist is SECRET_MISSING. */
static enum secret_status read_secret_file(const char *path, const char *what, bool missing_ok, char **value)
{
	char *data;
	size_t len;
	bool too_big = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		log_error("unable to read secret file %s (from %s): it is a directory", path, what);
		log_hint("point it at the file holding the value");
		return SECRET_ERROR;
	}
	if (fd < 0 || !read_limited(fd, &data, &len, &too_big)) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		if (too_big) {
			log_error("unable to read secret file %s (from %s): larger than %d bytes", path, what, SECRET_MAX);
			log_hint("a secret file holds one value (a password or a user name); check the path");
			return SECRET_ERROR;
		}
		if (missing_ok && saved == ENOENT)
			return SECRET_MISSING;
		log_error("unable to read secret file %s (from %s): %s", path, what, strerror(saved));
		log_hint("check the path and that pginit's user may read the file");
		return SECRET_ERROR;
	}
	close(fd);
	strip_newline(data, &len);
	if (len > SECRET_MAX) {
		free_secret(data);
		log_error("unable to read secret file %s (from %s): larger than %d bytes", path, what, SECRET_MAX);
		log_hint("a secret file holds one value (a password or a user name); check the path");
		return SECRET_ERROR;
	}
	if (strlen(data) != len) {
		log_error("secret file %s (from %s) contains a NUL byte", path, what);
		log_hint("a secret file holds the value as text, optionally followed by one newline");
		free_secret(data);
		return SECRET_ERROR;
	}
	if (len == 0) {
		log_error("secret file %s (from %s) is empty", path, what);
		log_hint("write the value into the file, or unset the variable that names it");
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
			log_hint("give it a value, or unset it (then %s or the secrets directory is used)", file_var);
			return SECRET_ERROR;
		}
		if (strlen(direct) > SECRET_MAX) {
			log_error("%s is longer than %d bytes", var, SECRET_MAX);
			log_hint("a secret holds one value (a password or a user name)");
			return SECRET_ERROR;
		}
		*value = xstrdup(direct);
		snprintf(where_buf, sizeof where_buf, "%s", var);
		return SECRET_OK;
	}
	if (file) {
		if (!*file) {
			log_error("%s is set but empty", file_var);
			log_hint("set it to the path of the file holding the value, or unset it");
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
