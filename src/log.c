/* log — see log.h. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util.h"

static enum log_format log_format = LOG_TEXT;
static struct log_first *capture; /* the session's, while a step runs */
/* capture is set by the main thread and written by any (the lease heartbeat logs too). */
static pthread_mutex_t capture_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_verbosity;

void log_setup(enum log_format format, int verbosity)
{
	log_format = format;
	log_verbosity = verbosity;
}

enum log_format log_get_format(void)
{
	return log_format;
}

bool log_parse_format(const char *s, enum log_format *out)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_JSON;
	else
		return false;
	return true;
}

static bool enabled(enum log_level level)
{
	if (level == LOG_DEBUG)
		return log_verbosity > 0;
	if (level == LOG_INFO)
		return log_verbosity >= 0;
	return true;
}

static const char *level_name(enum log_level level)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	return names[level];
}

static void json_head(struct buf *b, const char *level)
{
	char ts[40];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"ts\":\"%s.%03ldZ\",\"level\":\"%s\"", ts, now.tv_nsec / 1000000, level);
}

/* One write per line so lines from concurrent processes do not interleave. */
static void emit(struct buf *b)
{
	buf_putc(b, '\n');
	fwrite(b->data, 1, b->len, stderr);
	fflush(stderr);
	buf_free(b);
}

static void vlog(enum log_level level, const char *tag, const struct log_where *w, const char *fmt, va_list ap)
{
	struct buf msg = {0}, line = {0};
	buf_vprintf(&msg, fmt, ap);
	pthread_mutex_lock(&capture_mu);
	if (level == LOG_ERROR && !tag && capture && !capture->text[0]) {
		if (w && w->file && w->line > 0)
			snprintf(capture->text, sizeof capture->text, "%s:%d: %s%s%s%s", w->file, w->line, msg.data,
				 w->sqlstate && w->sqlstate[0] ? " [" : "", w->sqlstate ? w->sqlstate : "",
				 w->sqlstate && w->sqlstate[0] ? "]" : "");
		else
			snprintf(capture->text, sizeof capture->text, "%s", msg.data);
	}
	pthread_mutex_unlock(&capture_mu);
	if (!enabled(level)) {
		buf_free(&msg);
		return;
	}
	if (log_format == LOG_JSON) {
		json_head(&line, tag ? tag : level_name(level));
		buf_puts(&line, ",\"msg\":");
		buf_json_str(&line, msg.data);
		if (w && w->file) {
			buf_puts(&line, ",\"file\":");
			buf_json_str(&line, w->file);
		}
		if (w && w->line > 0)
			buf_printf(&line, ",\"line\":%d", w->line);
		if (w && w->col > 0)
			buf_printf(&line, ",\"col\":%d", w->col);
		if (w && w->sqlstate && w->sqlstate[0]) {
			buf_puts(&line, ",\"sqlstate\":");
			buf_json_str(&line, w->sqlstate);
		}
		buf_putc(&line, '}');
	} else {
		buf_puts(&line, "pginit: ");
		if (tag)
			buf_printf(&line, "%s: ", tag);
		else if (level != LOG_INFO)
			buf_printf(&line, "%s: ", level_name(level));
		if (w && w->file) {
			buf_puts(&line, w->file);
			if (w->line > 0)
				buf_printf(&line, ":%d", w->line);
			if (w->line > 0 && w->col > 0)
				buf_printf(&line, ":%d", w->col);
			buf_puts(&line, ": ");
		}
		buf_puts(&line, msg.data);
		if (w && w->sqlstate && w->sqlstate[0])
			buf_printf(&line, " [%s]", w->sqlstate);
	}
	buf_free(&msg);
	emit(&line);
}

#define DEFINE_LOG(fn, level, tag)                  \
	void fn(const char *fmt, ...)               \
	{                                           \
		va_list ap;                         \
		va_start(ap, fmt);                  \
		vlog(level, tag, NULL, fmt, ap);    \
		va_end(ap);                         \
	}

DEFINE_LOG(log_debug, LOG_DEBUG, NULL)
DEFINE_LOG(log_info, LOG_INFO, NULL)
DEFINE_LOG(log_warn, LOG_WARN, NULL)
DEFINE_LOG(log_error, LOG_ERROR, NULL)
/* Hints accompany errors, so they are shown whenever errors are. */
DEFINE_LOG(log_hint, LOG_ERROR, "hint")

void log_error_at(const struct log_where *w, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERROR, NULL, w, fmt, ap);
	va_end(ap);
}

void log_capture(struct log_first *first)
{
	pthread_mutex_lock(&capture_mu);
	capture = first;
	pthread_mutex_unlock(&capture_mu);
}

void log_progress(const char *phase, int index, int total, const char *name, long ms, long rows)
{
	if (!enabled(LOG_INFO))
		return;
	struct buf line = {0};
	if (log_format == LOG_JSON) {
		json_head(&line, "info");
		buf_puts(&line, ",\"event\":");
		buf_json_str(&line, phase);
		buf_printf(&line, ",\"index\":%d,\"total\":%d,\"name\":", index, total);
		buf_json_str(&line, name);
		buf_printf(&line, ",\"ms\":%ld", ms);
		if (rows >= 0)
			buf_printf(&line, ",\"rows\":%ld", rows);
		buf_putc(&line, '}');
	} else {
		buf_printf(&line, "pginit: %s [%d/%d] %s %ld ms", phase, index, total, name, ms);
		if (rows >= 0)
			buf_printf(&line, " (%ld rows)", rows);
	}
	emit(&line);
}
