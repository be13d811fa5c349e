/*
 * log — every line pginit prints goes through here, to stderr, as text
 * ("pginit: error: ...") or as one JSON object per line (--log-format json).
 * Secrets must never be passed to these functions; nothing here can tell.
 */
#ifndef PGINIT_LOG_H
#define PGINIT_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* verbosity: 0 normal (info and above), 1 -v (debug), -1 -q (warnings and errors). */
void log_setup(enum log_format format, int verbosity);
bool log_parse_format(const char *s, enum log_format *out);
enum log_format log_get_format(void);

/* Where an error happened, for the "file:line:col: ... [SQLSTATE]" shape. All optional. */
struct log_where {
	const char *file;
	int line;
	int col;
	const char *sqlstate;
};

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error with a location: text "pginit: error: FILE:LINE:COL: MSG [STATE]". */
void log_error_at(const struct log_where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The likely fix, printed right after the error it belongs to. */
void log_hint(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The first error of a step, for its init_step/init_log row: while a capture
 * is set, the first error line logged (not a hint) is kept in it as
 * "file:line: message [STATE]" (also when the level filter hides it). The
 * caller owns the struct and passes its text on explicitly; NULL stops.
 */
struct log_first {
	char text[1024]; /* "" until an error is logged */
};
void log_capture(struct log_first *first);

/* Progress of one item: "[3/12] 0003_events.sql 14 ms" (rows < 0: not shown). */
void log_progress(const char *phase, int index, int total, const char *name, long ms, long rows);

#endif
