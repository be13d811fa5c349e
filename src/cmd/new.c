/* new — create the next migration file(s) in the directory's format, from the format's template. */
#include "cmd/cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* A safe file-name word from NAME: lower case letters, digits, '_'. */
static char *slug(const char *name)
{
	struct buf b = {0};
	for (const char *p = name; *p; p++) {
		char c = (*p >= 'A' && *p <= 'Z') ? (char)(*p + ('a' - 'A')) : *p;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			buf_putc(&b, c);
		else if (b.len && b.data[b.len - 1] != '_')
			buf_putc(&b, '_');
	}
	while (b.len && b.data[b.len - 1] == '_')
		b.data[--b.len] = '\0';
	return buf_steal(&b);
}

static bool create_file(const char *path, const char *text)
{
	FILE *f = NULL;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd >= 0)
		f = fdopen(fd, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		log_error("unable to create %s: %s", path, strerror(errno));
		return false;
	}
	printf("%s\n", path);
	return true;
}

/* The next version after the newest, in the width the directory already uses. */
static void next_version(const struct migration_set *set, struct format_new *in)
{
	long newest = 0;
	in->width = 4;
	for (int i = 0; i < set->n; i++) {
		long v;
		if (!set->items[i].repeatable && parse_long(set->items[i].version, &v) && v > newest)
			newest = v;
		size_t digits = strspn(set->items[i].file + set->format->version_prefix, "0123456789");
		if (i == 0 || (int)digits > in->width)
			in->width = (int)digits;
	}
	in->next = newest + 1;
}

enum rc cmd_new(struct ctx *ctx)
{
	struct migration_set set;
	if (!migrate_discover(ctx->cfg->migrations_dir, ctx->format, &set)) {
		migrate_set_free(&set);
		return RC_VALIDATE;
	}
	char *name = slug(ctx->opts.arg);
	enum rc rc = RC_OK;
	if (!*name) {
		log_error("new: '%s' gives no usable file name", ctx->opts.arg);
		free(name);
		migrate_set_free(&set);
		return RC_USAGE;
	}
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
	struct format_new in = {.dir = ctx->cfg->migrations_dir, .slug = name, .stamp = stamp};
	next_version(&set, &in);
	char *up = NULL, *down = NULL, *body = NULL;
	set.format->new_files(&in, &up, &down, &body);
	if (!create_file(up, body) || (down && !create_file(down, "-- down: undoes the up file\n\n")))
		rc = RC_USAGE;
	free(up);
	free(down);
	free(body);
	free(name);
	migrate_set_free(&set);
	return rc;
}
