/*
 * unit.h — the whole unit-test framework: a few CHECK macros that count
 * checks and failures and print "FAIL file:line: [case] what: got vs want"
 * on stdout, helpers to name the case being checked (data-driven tests loop
 * over files, so the test's file:line alone would not say which one failed),
 * to capture what the code under test writes to stderr, and unit_done(),
 * which prints the summary line tests/unit/run.sh reads:
 *
 *   unit: checks=N failures=M
 *
 * A check that fails does not stop the test: the run goes on and reports
 * everything that is wrong at once. Test binaries run from the repository
 * root (run.sh changes there), so data files are "tests/data/...".
 *
 * Everything here is static inline: one translation unit per test binary,
 * and no "unused function" warnings for the helpers a test does not use.
 */
#ifndef PGINIT_UNIT_H
#define PGINIT_UNIT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int unit_checks;
static int unit_failures;
static char unit_case_buf[512];

/* Line-buffered stdout: the FAIL lines printed before a crash (or a sanitizer's
 * abort) must not be lost in a buffer. */
__attribute__((constructor)) static void unit_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Name the case the next checks belong to ("sqlsplit/dollar.sql stmt 3"). */
__attribute__((format(printf, 1, 2))) static inline void unit_case(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(unit_case_buf, sizeof unit_case_buf, fmt, ap);
	va_end(ap);
}

/* Print s as a C string literal, so that CR, LF, tabs and NUL-free binary show. */
static inline void unit_print_str(const char *s, size_t n)
{
	if (!s) {
		fputs("(null)", stdout);
		return;
	}
	putchar('"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n': fputs("\\n", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		default:
			if (c < 0x20 || c == 0x7f)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
	}
	putchar('"');
}

static inline void unit_fail_head(const char *file, int line)
{
	unit_failures++;
	printf("FAIL %s:%d: ", file, line);
	if (unit_case_buf[0])
		printf("[%s] ", unit_case_buf);
}

static inline bool unit_check(bool ok, const char *file, int line, const char *expr)
{
	unit_checks++;
	if (!ok) {
		unit_fail_head(file, line);
		printf("CHECK(%s)\n", expr);
	}
	return ok;
}

static inline bool unit_check_int(long long a, long long b, const char *file, int line, const char *ea,
				  const char *eb)
{
	unit_checks++;
	if (a == b)
		return true;
	unit_fail_head(file, line);
	printf("%s == %s: got %lld, want %lld\n", ea, eb, a, b);
	return false;
}

/* Compare a (a_len bytes, or up to its NUL if a_len is (size_t)-1) with the string b. */
static inline bool unit_check_mem(const char *a, size_t a_len, const char *b, const char *file, int line,
				  const char *ea, const char *eb)
{
	unit_checks++;
	if (a && a_len == (size_t)-1)
		a_len = strlen(a);
	size_t b_len = b ? strlen(b) : 0;
	if ((!a && !b) || (a && b && a_len == b_len && memcmp(a, b, a_len) == 0))
		return true;
	unit_fail_head(file, line);
	printf("%s == %s:\n    got  ", ea, eb);
	unit_print_str(a, a_len);
	printf("\n    want ");
	unit_print_str(b, b_len);
	putchar('\n');
	return false;
}

static inline bool unit_check_contains(const char *hay, const char *needle, const char *file, int line,
				       const char *eh, const char *en)
{
	unit_checks++;
	if (hay && needle && strstr(hay, needle))
		return true;
	unit_fail_head(file, line);
	printf("%s contains %s:\n    text   ", eh, en);
	unit_print_str(hay, hay ? strlen(hay) : 0);
	printf("\n    lacks  ");
	unit_print_str(needle, needle ? strlen(needle) : 0);
	putchar('\n');
	return false;
}

#define CHECK(cond) unit_check((cond) ? true : false, __FILE__, __LINE__, #cond)
#define CHECK_INT_EQ(a, b) unit_check_int((long long)(a), (long long)(b), __FILE__, __LINE__, #a, #b)
#define CHECK_STR_EQ(a, b) unit_check_mem((a), (size_t)-1, (b), __FILE__, __LINE__, #a, #b)
/* For text that is not NUL-terminated (a statement pointing into a file). */
#define CHECK_MEM_EQ(a, len, b) unit_check_mem((a), (len), (b), __FILE__, __LINE__, #a, #b)
#define CHECK_CONTAINS(hay, needle) unit_check_contains((hay), (needle), __FILE__, __LINE__, #hay, #needle)

/*
 * Capture file descriptor 2 (where pginit logs) into a temporary file around
 * a call, to check the message text: unit_capture_begin(&c); call();
 * char *text = unit_capture_end(&c); ... free(text).
 */
struct unit_capture {
	int saved_fd;
	FILE *tmp;
};

static inline void unit_capture_begin(struct unit_capture *c)
{
	fflush(stderr);
	c->tmp = tmpfile();
	c->saved_fd = dup(2);
	if (!c->tmp || c->saved_fd < 0 || dup2(fileno(c->tmp), 2) < 0) {
		perror("unit: unable to capture stderr");
		exit(2);
	}
}

/* Restore stderr; returns what was written to it (caller frees). */
static inline char *unit_capture_end(struct unit_capture *c)
{
	fflush(stderr);
	dup2(c->saved_fd, 2);
	close(c->saved_fd);
	/* The captured bytes went through the descriptor, not the FILE: read them the same way. */
	int fd = fileno(c->tmp);
	off_t n = lseek(fd, 0, SEEK_END);
	char *text = malloc(n > 0 ? (size_t)n + 1 : 1);
	if (!text)
		abort();
	size_t got = 0;
	if (n > 0 && lseek(fd, 0, SEEK_SET) == 0) {
		ssize_t r;
		while (got < (size_t)n && (r = read(fd, text + got, (size_t)n - got)) > 0)
			got += (size_t)r;
	}
	text[got] = '\0';
	fclose(c->tmp);
	return text;
}

/* The summary line for run.sh; the exit status is non-zero when anything failed. */
static inline int unit_done(void)
{
	printf("unit: checks=%d failures=%d\n", unit_checks, unit_failures);
	fflush(stdout);
	return unit_failures ? 1 : 0;
}

#endif
