/* util — see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(size_t n)
{
	fprintf(stderr, "pginit: fatal: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_steal(&b);
}

/* ---- buf */

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

static void buf_grow(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *buf_steal(struct buf *b)
{
	char *p = b->data ? b->data : xstrdup("");
	buf_init(b);
	return p;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				buf_printf(b, "\\u%04x", *p);
			else
				buf_putc(b, (char)*p);
		}
	}
	buf_putc(b, '"');
}

/* ---- strlist */

void strlist_add_owned(struct strlist *l, char *s)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->items = xrealloc(l->items, sizeof(char *) * (size_t)l->cap);
	}
	l->items[l->n++] = s;
}

void strlist_add(struct strlist *l, const char *s)
{
	strlist_add_owned(l, xstrdup(s));
}

bool strlist_contains(const struct strlist *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

void strlist_free(struct strlist *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->n = l->cap = 0;
}

void strlist_split(struct strlist *l, const char *csv)
{
	const char *p = csv;
	while (*p) {
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		const char *a = p, *z = end;
		while (a < z && (*a == ' ' || *a == '\t'))
			a++;
		while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
			z--;
		if (z > a)
			strlist_add_owned(l, xstrndup(a, (size_t)(z - a)));
		p = *end ? end + 1 : end;
	}
}

/* ---- files */

bool read_file(const char *path, char **out, size_t *len)
{
	return read_file_at(AT_FDCWD, path, out, len);
}

bool read_file_at(int dir_fd, const char *path, char **out, size_t *len)
{
	int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/* A regular file is read in one call: its size plus one byte, so that a short
	 * read is the end of the file (a file that grew meanwhile is read on). */
	struct stat st;
	bool regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < (off_t)1 << 30;
	struct buf b = {0};
	buf_grow(&b, regular ? (size_t)st.st_size + 1 : 8192);
	for (;;) {
		size_t room = b.cap - b.len - 1;
		if (room < (regular ? 1 : 4096)) {
			buf_grow(&b, b.cap);
			room = b.cap - b.len - 1;
		}
		ssize_t n = read(fd, b.data + b.len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			buf_free(&b);
			errno = saved;
			return false;
		}
		b.len += (size_t)n;
		b.data[b.len] = '\0';
		if (n == 0 || (regular && (size_t)n < room))
			break;
	}
	close(fd);
	*len = b.len;
	*out = buf_steal(&b);
	return true;
}

void wipe(void *p, size_t n)
{
	/* A volatile pointer keeps the stores from being optimised away. */
	volatile unsigned char *v = p;
	while (n--)
		*v++ = 0;
}

void free_secret(char *s)
{
	if (!s)
		return;
	wipe(s, strlen(s));
	free(s);
}

/* ---- clocks */

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool sleep_ms(int ms)
{
	if (ms <= 0)
		return true;
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	/* Our signal handlers are installed without SA_RESTART, so EINTR means a signal. */
	return nanosleep(&ts, NULL) == 0;
}

/* ---- paths and numbers */

char *path_join(const char *dir, const char *path)
{
	if (path[0] == '/' || !dir || !dir[0])
		return xstrdup(path);
	size_t dl = strlen(dir), pl = strlen(path);
	bool slash = dir[dl - 1] != '/';
	char *r = xmalloc(dl + slash + pl + 1);
	memcpy(r, dir, dl);
	if (slash)
		r[dl] = '/';
	memcpy(r + dl + slash, path, pl + 1);
	return r;
}

const char *path_base(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

bool parse_long(const char *s, long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_duration_ms(const char *s, int *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v >= 0)) /* NaN compares false: reject it too */
		return false;
	double mult = 1000;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mult = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60000;
	else
		return false;
	double ms = v * mult;
	if (ms > INT_MAX)
		return false;
	*out = (int)ms;
	return true;
}

bool str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = suffix ? strlen(suffix) : 0;
	return suffix && n >= m && strcmp(s + n - m, suffix) == 0;
}

char *str_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + ('a' - 'A'));
	return s;
}

size_t utf8_bom_len(const char *text, size_t len)
{
	return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}
