/* test_util — parse_duration_ms, parse_long, strlist_split, path_join/path_base, buf_json_str. */
#include <stdlib.h>

#include "unit.h"
#include "util.h"

static void test_parse_duration(void)
{
	/* A bare number is seconds; the result is milliseconds. ok=false: rejected. */
	static const struct { const char *in; bool ok; int ms; } cases[] = {
		{"30", true, 30000},	 {"2.5", true, 2500},	  {"0", true, 0},
		{"1500ms", true, 1500},	 {"2s", true, 2000},	  {"1m", true, 60000},
		{"15min", true, 900000}, {"0.5s", true, 500},	  {"2147483ms", true, 2147483},
		{"", false, 0},		 {"abc", false, 0},	  {"-1", false, 0},
		{"5x", false, 0},	 {"5 s", false, 0},	  {"10h", false, 0},
		{"ms", false, 0},	 {"1e300", false, 0},	  {"inf", false, 0},
		{"nan", false, 0},	 {"3000000", false, 0}, /* 3e9 ms does not fit an int */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("parse_duration_ms(\"%s\")", cases[i].in);
		int ms = -12345;
		bool ok = parse_duration_ms(cases[i].in, &ms);
		CHECK_INT_EQ(ok, cases[i].ok);
		if (cases[i].ok)
			CHECK_INT_EQ(ms, cases[i].ms);
		else
			CHECK_INT_EQ(ms, -12345); /* untouched on failure */
	}
	unit_case("parse_duration_ms(NULL)");
	int ms;
	CHECK(!parse_duration_ms(NULL, &ms));
}

static void test_parse_long(void)
{
	static const struct { const char *in; bool ok; long v; } cases[] = {
		{"0", true, 0}, {"5432", true, 5432}, {"-7", true, -7}, {"", false, 0},
		{"12a", false, 0}, {"a", false, 0}, {"99999999999999999999999", false, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("parse_long(\"%s\")", cases[i].in);
		long v = -1;
		CHECK_INT_EQ(parse_long(cases[i].in, &v), cases[i].ok);
		if (cases[i].ok)
			CHECK_INT_EQ(v, cases[i].v);
	}
}

static void test_strlist_split(void)
{
	/* want: the items joined with '|' */
	static const struct { const char *in; int n; const char *want; } cases[] = {
		{"a, b,c", 3, "a|b|c"},
		{"  one  ", 1, "one"},
		{"", 0, ""},
		{",, ,\t,", 0, ""},
		{"x,,y,", 2, "x|y"},
		{"a b, c\td ", 2, "a b|c\td"},
		{"pgcrypto,uuid-ossp", 2, "pgcrypto|uuid-ossp"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("strlist_split(\"%s\")", cases[i].in);
		struct strlist l = {0};
		strlist_split(&l, cases[i].in);
		CHECK_INT_EQ(l.n, cases[i].n);
		struct buf b = {0};
		for (int k = 0; k < l.n; k++)
			buf_printf(&b, "%s%s", k ? "|" : "", l.items[k]);
		CHECK_STR_EQ(b.data ? b.data : "", cases[i].want);
		buf_free(&b);
		strlist_free(&l);
	}
	unit_case("strlist_split appends");
	struct strlist l = {0};
	strlist_add(&l, "first");
	strlist_split(&l, "second");
	CHECK_INT_EQ(l.n, 2);
	CHECK(strlist_contains(&l, "first") && strlist_contains(&l, "second") && !strlist_contains(&l, "sec"));
	strlist_free(&l);
}

static void test_paths(void)
{
	static const struct { const char *dir, *path, *want; } joins[] = {
		{"dir", "x.sql", "dir/x.sql"},
		{"dir/", "x.sql", "dir/x.sql"},
		{"/etc/pginit", "migrations", "/etc/pginit/migrations"},
		{"dir", "/abs/x", "/abs/x"},
		{"", "x", "x"},
		{NULL, "x", "x"},
		{"/", "x", "/x"},
		{"a/b", "../c", "a/b/../c"},
	};
	for (size_t i = 0; i < sizeof joins / sizeof joins[0]; i++) {
		unit_case("path_join(%s, %s)", joins[i].dir ? joins[i].dir : "NULL", joins[i].path);
		char *p = path_join(joins[i].dir, joins[i].path);
		CHECK_STR_EQ(p, joins[i].want);
		free(p);
	}
	static const struct { const char *path, *want; } bases[] = {
		{"a/b/c.sql", "c.sql"}, {"c.sql", "c.sql"}, {"/c", "c"}, {"dir/", ""}, {"", ""},
	};
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		unit_case("path_base(%s)", bases[i].path);
		CHECK_STR_EQ(path_base(bases[i].path), bases[i].want);
	}
}

static void test_json(void)
{
	static const struct { const char *in, *want; } cases[] = {
		{"plain", "\"plain\""},
		{"", "\"\""},
		{"say \"hi\"", "\"say \\\"hi\\\"\""},
		{"back\\slash", "\"back\\\\slash\""},
		{"l1\nl2\r\n\tx", "\"l1\\nl2\\r\\n\\tx\""},
		{"\x01\x1f", "\"\\u0001\\u001f\""},
		{"caf\xc3\xa9 \xe2\x82\xac", "\"caf\xc3\xa9 \xe2\x82\xac\""}, /* UTF-8 passes through */
		{"/ and \x7f", "\"/ and \x7f\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("buf_json_str #%zu", i);
		struct buf b = {0};
		buf_json_str(&b, cases[i].in);
		CHECK_STR_EQ(b.data, cases[i].want);
		buf_free(&b);
	}
	unit_case("buf_json_str(NULL)");
	struct buf b = {0};
	buf_puts(&b, "x=");
	buf_json_str(&b, NULL);
	CHECK_STR_EQ(b.data, "x=\"\"");
	buf_free(&b);
}

static void test_buf(void)
{
	unit_case("buf growth and steal");
	struct buf b = {0};
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i % 10);
	CHECK_INT_EQ(b.len, 2000);
	CHECK_INT_EQ(strlen(b.data), 2000);
	char *s = buf_steal(&b);
	CHECK(b.data == NULL && b.len == 0);
	CHECK_INT_EQ(strncmp(s, "0,1,2,", 6), 0);
	free(s);
	s = buf_steal(&b); /* an empty buffer gives "" */
	CHECK_STR_EQ(s, "");
	free(s);
	char *a = xasprintf("%s-%d", "v", 42);
	CHECK_STR_EQ(a, "v-42");
	free(a);
}

int main(void)
{
	test_parse_duration();
	test_parse_long();
	test_strlist_split();
	test_paths();
	test_json();
	test_buf();
	return unit_done();
}
