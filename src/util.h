/*
 * util — the few helpers every module needs: memory that cannot fail (a one-shot
 * init program has nothing better to do on OOM than stop), a growable string
 * buffer for SQL text, whole-file reads, wiping secrets, and clocks.
 */
#ifndef PGINIT_UTIL_H
#define PGINIT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation; on failure print one line and abort(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable, always NUL-terminated string. Zero-initialise or buf_init(). */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_add(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_reset(struct buf *b);
/* Give up ownership of the data (caller frees); the buffer is empty again. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);
/* Append s as a JSON string literal, quotes included. */
void buf_json_str(struct buf *b, const char *s);

/* A growable array of owned strings. */
struct strlist {
	char **items;
	int n;
	int cap;
};
void strlist_add(struct strlist *l, const char *s);      /* copies s */
void strlist_add_owned(struct strlist *l, char *s);       /* takes s */
bool strlist_contains(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);
/* Split "a, b,c" on commas, trimming blanks; empty items are dropped. */
void strlist_split(struct strlist *l, const char *csv);

/*
 * Read a whole file. On success *out is a NUL-terminated buffer the caller frees
 * and *len its length; on failure returns false with errno set, nothing logged.
 */
bool read_file(const char *path, char **out, size_t *len);
/* The same, path relative to the open directory dir_fd (AT_FDCWD: read_file): a
 * directory's many files without looking its path up again for each one. */
bool read_file_at(int dir_fd, const char *path, char **out, size_t *len);

/* Overwrite memory that held a secret in a way the compiler cannot drop. */
void wipe(void *p, size_t n);
/* wipe() the string, then free it. NULL is fine. */
void free_secret(char *s);

/* Milliseconds on the monotonic clock, and wall-clock milliseconds since the epoch. */
int64_t now_ms(void);
int64_t wall_ms(void);
/* Sleep; returns early (false) when a signal arrived. */
bool sleep_ms(int ms);

/* "path" joined to "dir" unless path is absolute or dir is NULL/empty. Caller frees. */
char *path_join(const char *dir, const char *path);
/* Last component of a path (pointer into the argument; no allocation). */
const char *path_base(const char *path);

/* Does s end with suffix? (NULL suffix: no) */
bool str_ends_with(const char *s, const char *suffix);
/* ASCII lower case, in place; returns s. */
char *str_lower(char *s);
/* Length of a UTF-8 byte-order mark at the start of text (0 or 3). */
size_t utf8_bom_len(const char *text, size_t len);

/* Parse a whole decimal integer; false on junk, overflow or empty. */
bool parse_long(const char *s, long *out);
/* Parse seconds given as "30", "2.5", "1500ms", "2s", "1m" into milliseconds. */
bool parse_duration_ms(const char *s, int *out);

#endif
