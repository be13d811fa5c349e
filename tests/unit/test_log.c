/*
 * test_log — the shape of every line pginit prints (text and JSON), the
 * verbosity filter, and the captured first error (what goes into init_log).
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "unit.h"

/* The first error of each CAPTURE'd call (log_capture). */
static struct log_first first;

static const char *log_last_error(void)
{
	return first.text;
}

/* Run one logging call with stderr captured; returns the text (caller frees). */
#define CAPTURE(text, call)                          \
	do {                                         \
		struct unit_capture cap_;            \
		memset(&first, 0, sizeof first);     \
		log_capture(&first);                 \
		unit_capture_begin(&cap_);           \
		call;                                \
		(text) = unit_capture_end(&cap_);    \
	} while (0)

static void test_text(void)
{
	char *t;
	log_setup(LOG_TEXT, 0);

	unit_case("text: error");
	CAPTURE(t, log_error("unable to %s", "connect"));
	CHECK_STR_EQ(t, "pginit: error: unable to connect\n");
	free(t);
	CHECK_STR_EQ(log_last_error(), "unable to connect");

	unit_case("text: error with file:line:col and SQLSTATE");
	struct log_where w = {.file = "m/0007_events.sql", .line = 12, .col = 5, .sqlstate = "42P07"};
	CAPTURE(t, log_error_at(&w, "relation \"%s\" already exists", "events"));
	CHECK_STR_EQ(t, "pginit: error: m/0007_events.sql:12:5: relation \"events\" already exists [42P07]\n");
	free(t);
	/* the ledger's copy has file:line and the state, not the column */
	CHECK_STR_EQ(log_last_error(), "m/0007_events.sql:12: relation \"events\" already exists [42P07]");

	unit_case("text: file and line, no column, empty SQLSTATE");
	w = (struct log_where){.file = "pginit.conf", .line = 3, .sqlstate = ""};
	CAPTURE(t, log_error_at(&w, "unknown key 'x'"));
	CHECK_STR_EQ(t, "pginit: error: pginit.conf:3: unknown key 'x'\n");
	free(t);

	unit_case("text: file only");
	w = (struct log_where){.file = "a.sql"};
	CAPTURE(t, log_error_at(&w, "boom"));
	CHECK_STR_EQ(t, "pginit: error: a.sql: boom\n");
	free(t);
	CHECK_STR_EQ(log_last_error(), "boom");

	unit_case("text: hint, warning, info, progress");
	CAPTURE(t, log_hint("try %d", 2));
	CHECK_STR_EQ(t, "pginit: hint: try 2\n");
	free(t);
	CHECK_STR_EQ(log_last_error(), ""); /* a hint is not an error */
	CAPTURE(t, log_warn("careful"));
	CHECK_STR_EQ(t, "pginit: warning: careful\n");
	free(t);
	CAPTURE(t, log_info("ready"));
	CHECK_STR_EQ(t, "pginit: ready\n");
	free(t);
	CAPTURE(t, log_progress("migrate", 3, 12, "0003_events.sql", 14, -1));
	CHECK_STR_EQ(t, "pginit: migrate [3/12] 0003_events.sql 14 ms\n");
	free(t);
	CAPTURE(t, log_progress("seed", 1, 2, "001_users.sql", 5, 40));
	CHECK_STR_EQ(t, "pginit: seed [1/2] 001_users.sql 5 ms (40 rows)\n");
	free(t);
}

static void test_verbosity(void)
{
	char *t;
	unit_case("-q: warnings and errors only");
	log_setup(LOG_TEXT, -1);
	CAPTURE(t, (log_debug("d"), log_info("i"), log_progress("p", 1, 1, "n", 1, -1), log_warn("w"),
		    log_error("e"), log_hint("h")));
	CHECK_STR_EQ(t, "pginit: warning: w\npginit: error: e\npginit: hint: h\n");
	free(t);

	unit_case("normal: no debug");
	log_setup(LOG_TEXT, 0);
	CAPTURE(t, (log_debug("d"), log_info("i")));
	CHECK_STR_EQ(t, "pginit: i\n");
	free(t);

	unit_case("-v: debug too");
	log_setup(LOG_TEXT, 1);
	CAPTURE(t, log_debug("d"));
	CHECK_STR_EQ(t, "pginit: debug: d\n");
	free(t);

	unit_case("a filtered error is still the last error");
	log_setup(LOG_TEXT, -1);
	CAPTURE(t, log_error("kept"));
	free(t);
	CHECK_STR_EQ(log_last_error(), "kept");

	unit_case("the first error of a capture is kept, not the last");
	CAPTURE(t, (log_error("relation missing"), log_error("unable to ROLLBACK")));
	free(t);
	CHECK_STR_EQ(log_last_error(), "relation missing");
	log_capture(NULL);
}

static void test_json(void)
{
	char *t;
	log_setup(LOG_JSON, 0);
	CHECK_INT_EQ(log_get_format(), LOG_JSON);

	unit_case("json: error with a location");
	struct log_where w = {.file = "dir/\"q\".sql", .line = 2, .col = 7, .sqlstate = "42601"};
	CAPTURE(t, log_error_at(&w, "syntax error at \"x\"\n(detail)"));
	/* one line, a timestamp first, then the fields */
	CHECK_CONTAINS(t, "{\"ts\":\"");
	CHECK_CONTAINS(t, "Z\",\"level\":\"error\",\"msg\":\"syntax error at \\\"x\\\"\\n(detail)\","
			  "\"file\":\"dir/\\\"q\\\".sql\",\"line\":2,\"col\":7,\"sqlstate\":\"42601\"}\n");
	CHECK(strchr(t, '\n') == t + strlen(t) - 1);
	free(t);

	unit_case("json: hint and progress");
	CAPTURE(t, log_hint("h"));
	CHECK_CONTAINS(t, "\"level\":\"hint\",\"msg\":\"h\"}\n");
	free(t);
	CAPTURE(t, log_progress("seed", 1, 2, "001_users.sql", 5, 40));
	CHECK_CONTAINS(t, "\"level\":\"info\",\"event\":\"seed\",\"index\":1,\"total\":2,"
			  "\"name\":\"001_users.sql\",\"ms\":5,\"rows\":40}\n");
	free(t);

	unit_case("log_parse_format");
	enum log_format f = LOG_JSON;
	CHECK(log_parse_format("text", &f) && f == LOG_TEXT);
	CHECK(log_parse_format("json", &f) && f == LOG_JSON);
	CHECK(!log_parse_format("JSON", &f));
	CHECK(!log_parse_format("", &f));
	log_setup(LOG_TEXT, 0);
}

int main(void)
{
	test_text();
	test_verbosity();
	test_json();
	return unit_done();
}
