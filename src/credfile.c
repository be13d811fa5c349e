/* credfile — see credfile.h. */
#include "credfile.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"
#include "util.h"

enum { MAX_FILE = 1 << 20, MAX_TRIES = 20 };

char *credfile_generate(void)
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

/* Is line (len bytes) "name=..."? */
static bool is_var_line(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);
	return len > n && strncmp(line, name, n) == 0 && line[n] == '=';
}

/* The value of var in text, or NULL when absent or empty. */
static char *find_value(const char *text, size_t len, const char *var)
{
	char *found = NULL;
	for (const char *line = text; line < text + len;) {
		const char *eol = memchr(line, '\n', (size_t)(text + len - line));
		size_t l = eol ? (size_t)(eol - line) : (size_t)(text + len - line);
		if (l && line[l - 1] == '\r')
			l--;
		if (is_var_line(line, l, var) && l > strlen(var) + 1) {
			free_secret(found);
			found = xstrndup(line + strlen(var) + 1, l - strlen(var) - 1);
		}
		line = eol ? eol + 1 : text + len;
	}
	return found;
}

/* The new text: the old one with var's (empty) line filled, or the line added. */
static void new_text(struct buf *b, const char *old, size_t len, const struct config *cfg, const char *var,
		     const char *password)
{
	bool placed = false, has_url = false;
	if (len == 0)
		buf_printf(b,
			   "# Written by pginit for the %s profile: the password of role %s.\n"
			   "# Development only; keep this file out of version control.\n",
			   cfg->profile->name, cfg->app.name);
	for (const char *line = old; line < old + len;) {
		const char *eol = memchr(line, '\n', (size_t)(old + len - line));
		size_t l = eol ? (size_t)(eol - line) : (size_t)(old + len - line);
		has_url = has_url || is_var_line(line, l, "DATABASE_URL");
		if (!placed && (is_var_line(line, l, var) || (l == strlen(var) + 1 && strncmp(line, var, l - 1) == 0))) {
			buf_printf(b, "%s=%s\n", var, password);
			placed = true;
		} else {
			buf_add(b, line, l);
			buf_putc(b, '\n');
		}
		line = eol ? eol + 1 : old + len;
	}
	if (!placed)
		buf_printf(b, "%s=%s\n", var, password);
	if (!has_url)
		buf_printf(b, "DATABASE_URL=postgresql://%s:%s@%s:%d/%s\n", cfg->app.name, password, cfg->host, cfg->port,
			   cfg->dbname);
}

static bool write_atomic(const char *path, const struct buf *b)
{
	char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("unable to create %s: %s", tmp, strerror(errno));
		free(tmp);
		return false;
	}
	bool ok = write(fd, b->data, b->len) == (ssize_t)b->len && fsync(fd) == 0;
	if (close(fd) != 0)
		ok = false;
	if (ok && rename(tmp, path) != 0)
		ok = false;
	if (!ok) {
		log_error("unable to write credentials file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	free(tmp);
	return ok;
}

/* Owner, type, links and mode of the open file; false (logged) when it must not be used. */
static bool check_file(int fd, const char *path, const struct stat *st)
{
	if (!S_ISREG(st->st_mode)) {
		log_error("unable to use credentials file %s: not a regular file", path);
		log_hint("point paths.credentials_file (PGINIT_CREDENTIALS_FILE) at a file of your own");
		return false;
	}
	if (st->st_uid != geteuid()) {
		log_error("unable to use credentials file %s: it belongs to uid %ld, not to uid %ld that pginit runs as",
			  path, (long)st->st_uid, (long)geteuid());
		log_hint("a file written by another user could set the app role's password; remove it or chown it");
		return false;
	}
	if (st->st_nlink != 1) {
		log_error("unable to use credentials file %s: it has %ld hard links", path, (long)st->st_nlink);
		log_hint("a hard link could point at another file; remove the extra links or the file");
		return false;
	}
	if (st->st_mode & 077) {
		if (fchmod(fd, 0600) != 0) {
			log_error("unable to narrow the mode of credentials file %s: %s", path, strerror(errno));
			return false;
		}
		log_warn("credentials file %s had mode %04o; changed it to 0600", path, (unsigned)(st->st_mode & 07777));
	}
	return true;
}

/* Under the lock: the password in the file, or a new one written into it. */
static enum rc read_or_generate(const struct config *cfg, const char *var, int fd, const struct stat *st,
				char **password)
{
	const char *path = cfg->credentials_file;
	if (st->st_size > MAX_FILE) {
		log_error("unable to use credentials file %s: larger than %d bytes", path, MAX_FILE);
		return RC_SECRET;
	}
	size_t len = (size_t)st->st_size, got = 0;
	char *text = xcalloc(1, len + 1);
	while (got < len) {
		ssize_t r = read(fd, text + got, len - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	len = got;
	*password = find_value(text, len, var);
	enum rc rc = RC_OK;
	if (*password) {
		log_info("password of role %s from %s (generated earlier)", cfg->app.name, path);
	} else if (!(*password = credfile_generate())) {
		log_error("unable to generate a password: the random number generator failed");
		rc = RC_SECRET;
	} else {
		struct buf b = {0};
		new_text(&b, text, len, cfg, var, *password);
		if (write_atomic(path, &b))
			log_info("generated a password for role %s and wrote it to %s (mode 0600)", cfg->app.name, path);
		else
			rc = RC_SECRET;
		wipe(b.data, b.len);
		buf_free(&b);
	}
	wipe(text, len);
	free(text);
	return rc;
}

enum rc credfile_password(const struct config *cfg, const char *var, char **password)
{
	const char *path = cfg->credentials_file;
	*password = NULL;
	for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
		int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			int e = errno;
			if (e == ELOOP) {
				log_error("unable to use credentials file %s: it is a symbolic link", path);
				log_hint("a link could make the app role's password whatever another file says; point "
					 "paths.credentials_file (PGINIT_CREDENTIALS_FILE) at the real file");
			} else {
				log_error("unable to open credentials file %s: %s", path, strerror(e));
			}
			return RC_SECRET;
		}
		/* One run generates, the others wait here and then read what it wrote. */
		while (flock(fd, LOCK_EX) != 0) {
			if (errno != EINTR || sig_caught()) {
				int e = errno;
				close(fd);
				if (sig_caught())
					return RC_SIGNAL;
				log_error("unable to lock credentials file %s: %s", path, strerror(e));
				return RC_SECRET;
			}
		}
		struct stat st, cur;
		if (fstat(fd, &st) != 0) {
			log_error("unable to read credentials file %s: %s", path, strerror(errno));
			close(fd);
			return RC_SECRET;
		}
		/* Replaced (renamed over) while we waited for the lock: open the new file. */
		if (st.st_nlink == 0 || lstat(path, &cur) != 0 || cur.st_ino != st.st_ino || cur.st_dev != st.st_dev) {
			close(fd);
			continue;
		}
		if (!check_file(fd, path, &st)) {
			close(fd);
			return RC_SECRET;
		}
		enum rc rc = read_or_generate(cfg, var, fd, &st, password);
		close(fd); /* releases the lock */
		if (rc != RC_OK) {
			free_secret(*password);
			*password = NULL;
		}
		return rc;
	}
	log_error("unable to use credentials file %s: it keeps being replaced", path);
	return RC_SECRET;
}
