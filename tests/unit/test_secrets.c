/*
 * test_secrets — where a secret comes from (NAME, NAME_FILE, the secrets
 * directory, in that order), what is stripped from a file, and which
 * situations are errors. Data: tests/data/secrets/ (PGINIT_SECRETS_DIR points
 * at tests/data/secrets/dir). Error messages are captured to check that they
 * name the source and never the value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "secrets.h"
#include "unit.h"
#include "util.h"

#define DATA "tests/data/secrets/"

static void clear_env(void)
{
	static const char *const vars[] = {"APP_PW", "APP_PW_FILE", "NOTHING_HERE", "NOTHING_HERE_FILE",
					   "IS_A_DIR", "IS_A_DIR_FILE", "EMPTY_SECRET", "EMPTY_SECRET_FILE"};
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	setenv("PGINIT_SECRETS_DIR", DATA "dir", 1);
}

static const char *const status_names[] = {"SECRET_OK", "SECRET_MISSING", "SECRET_ERROR"};

static void test_sources(void)
{
	/*
	 * name, APP_PW-style variable values (NULL: unset), the secrets directory,
	 * then the wanted status, value, where, and a text the log must contain.
	 */
	static const struct {
		const char *what, *name, *direct, *file, *dir;
		enum secret_status st;
		const char *value, *where, *log;
	} cases[] = {
		{"secrets dir only", "app_pw", NULL, NULL, DATA "dir", SECRET_OK, "from-dir", DATA "dir/app_pw", NULL},
		{"secrets dir with a trailing slash", "app_pw", NULL, NULL, DATA "dir/", SECRET_OK, "from-dir",
		 DATA "dir/app_pw", NULL},
		{"NAME_FILE before the secrets dir", "app_pw", NULL, DATA "value_lf", DATA "dir", SECRET_OK, "pw",
		 "APP_PW_FILE", NULL},
		{"NAME before the secrets dir", "app_pw", "direct-value", NULL, DATA "dir", SECRET_OK, "direct-value",
		 "APP_PW", NULL},
		{"NAME is taken as is (no stripping)", "app_pw", " spaced\n", NULL, DATA "dir", SECRET_OK, " spaced\n",
		 "APP_PW", NULL},
		{"NAME and NAME_FILE both set", "app_pw", "s3cr3t-value", DATA "value_lf", DATA "dir", SECRET_ERROR, NULL,
		 NULL, "both APP_PW and APP_PW_FILE are set"},
		{"missing everywhere", "nothing_here", NULL, NULL, DATA "dir", SECRET_MISSING, NULL, NULL, NULL},
		{"missing secrets dir", "app_pw", NULL, NULL, DATA "no-such-dir", SECRET_MISSING, NULL, NULL, NULL},
		{"NAME set but empty", "app_pw", "", NULL, DATA "dir", SECRET_ERROR, NULL, NULL, "APP_PW is set but empty"},
		{"NAME_FILE set but empty", "app_pw", NULL, "", DATA "dir", SECRET_ERROR, NULL, NULL,
		 "APP_PW_FILE is set but empty"},
		{"NAME_FILE names a missing file (no fallback to the dir)", "app_pw", NULL, DATA "no-such-file",
		 DATA "dir", SECRET_ERROR, NULL, NULL, "unable to read secret file " DATA "no-such-file (from APP_PW_FILE)"},
		{"NAME_FILE names a directory", "app_pw", NULL, DATA "dir", DATA "dir", SECRET_ERROR, NULL, NULL,
		 "unable to read secret file " DATA "dir"},
		{"NAME_FILE path through a file", "app_pw", NULL, DATA "value_lf/x", DATA "dir", SECRET_ERROR, NULL, NULL,
		 "unable to read secret file"},
		{"a directory in the secrets dir", "is_a_dir", NULL, NULL, DATA "dir", SECRET_ERROR, NULL, NULL,
		 "unable to read secret file " DATA "dir/is_a_dir"},
		{"an empty file in the secrets dir", "empty_secret", NULL, NULL, DATA "dir", SECRET_ERROR, NULL, NULL,
		 "secret file " DATA "dir/empty_secret (from docker secret) is empty"},
		{"a NUL byte", "app_pw", NULL, DATA "nul_byte", DATA "dir", SECRET_ERROR, NULL, NULL, "contains a NUL byte"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("secret_get: %s", cases[i].what);
		clear_env();
		setenv("PGINIT_SECRETS_DIR", cases[i].dir, 1);
		if (cases[i].direct)
			setenv("APP_PW", cases[i].direct, 1);
		if (cases[i].file)
			setenv("APP_PW_FILE", cases[i].file, 1);
		char *value = (char *)"untouched";
		const char *where = "untouched";
		struct unit_capture cap;
		unit_capture_begin(&cap);
		enum secret_status st = secret_get(cases[i].name, &value, &where);
		char *log = unit_capture_end(&cap);
		if (!CHECK_INT_EQ(st, cases[i].st))
			printf("    got %s\n", st <= SECRET_ERROR ? status_names[st] : "?");
		if (cases[i].st == SECRET_OK) {
			CHECK_STR_EQ(value, cases[i].value);
			CHECK_STR_EQ(where, cases[i].where);
			CHECK_STR_EQ(log, "");
			if (st == SECRET_OK)
				free_secret(value);
		} else {
			CHECK(value == NULL);
			CHECK(where == NULL);
			if (cases[i].log)
				CHECK_CONTAINS(log, cases[i].log);
			else
				CHECK_STR_EQ(log, "");
			/* the value itself never reaches the log */
			CHECK(strstr(log, "s3cr3t") == NULL);
		}
		free(log);
	}
	clear_env();
}

static void test_stripping(void)
{
	/* Exactly one trailing "\n" or "\r\n" goes; anything else stays. */
	static const struct { const char *file; const char *want; } cases[] = {
		{"value_lf", "pw"},
		{"value_crlf", "pw"},
		{"value_no_newline", "pw"},
		{"value_two_lf", "pw\n"},
		{"value_two_crlf", "pw\r\n"},
		{"value_lf_crlf", "pw\n"},
		{"value_cr", "pw\r"},
		{"value_blanks", " p w "},
		{"empty", NULL},
		{"only_newline", NULL},
		{"only_crlf", NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("secret file %s", cases[i].file);
		clear_env();
		char *path = xasprintf(DATA "%s", cases[i].file);
		setenv("APP_PW_FILE", path, 1);
		char *value = NULL;
		struct unit_capture cap;
		unit_capture_begin(&cap);
		enum secret_status st = secret_get("app_pw", &value, NULL);
		char *log = unit_capture_end(&cap);
		if (cases[i].want) {
			CHECK_INT_EQ(st, SECRET_OK);
			CHECK_STR_EQ(value, cases[i].want);
		} else {
			CHECK_INT_EQ(st, SECRET_ERROR);
			CHECK(value == NULL);
			char *msg = xasprintf("secret file %s (from APP_PW_FILE) is empty", path);
			CHECK_CONTAINS(log, msg);
			free(msg);
		}
		free_secret(value);
		free(log);
		free(path);
	}
	clear_env();
}

static void test_secret_env(void)
{
	char *value = NULL;
	unit_case("secret_env ignores the secrets dir");
	clear_env();
	CHECK_INT_EQ(secret_env("APP_PW", &value), SECRET_MISSING);
	CHECK(value == NULL);

	unit_case("secret_env: VAR");
	setenv("APP_PW", "user1", 1);
	CHECK_INT_EQ(secret_env("APP_PW", &value), SECRET_OK);
	CHECK_STR_EQ(value, "user1");
	free(value);
	value = NULL;

	unit_case("secret_env: VAR_FILE");
	clear_env();
	setenv("APP_PW_FILE", DATA "value_crlf", 1);
	CHECK_INT_EQ(secret_env("APP_PW", &value), SECRET_OK);
	CHECK_STR_EQ(value, "pw");
	free(value);
	value = NULL;

	unit_case("secret_env: both");
	setenv("APP_PW", "user1", 1);
	struct unit_capture cap;
	unit_capture_begin(&cap);
	CHECK_INT_EQ(secret_env("APP_PW", &value), SECRET_ERROR);
	char *log = unit_capture_end(&cap);
	CHECK(value == NULL);
	CHECK_CONTAINS(log, "both APP_PW and APP_PW_FILE are set");
	CHECK(strstr(log, "user1") == NULL);
	free(log);
	clear_env();
}

/* Issue 8: a 20 MB password file burned 100 s of SCRAM; SECRET_MAX bytes is the most. */
static void test_size_limit(void)
{
	static const struct { size_t len; const char *tail; bool ok; } cases[] = {
		{SECRET_MAX, "", true},
		{SECRET_MAX, "\n", true},
		{SECRET_MAX, "\r\n", true},
		{SECRET_MAX + 1, "", false},
		{SECRET_MAX + 1, "\n", false},
		{SECRET_MAX, "\n\n", false},
		{20u << 20, "\n", false},
	};
	char path[] = "/tmp/pginit-unit-XXXXXX";
	int fd = mkstemp(path);
	if (!CHECK(fd >= 0))
		return;
	close(fd);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unit_case("secret file of %zu bytes + %zu", cases[i].len, strlen(cases[i].tail));
		clear_env();
		FILE *f = fopen(path, "w");
		for (size_t k = 0; k < cases[i].len; k++)
			fputc('s', f);
		fputs(cases[i].tail, f);
		fclose(f);
		setenv("APP_PW_FILE", path, 1);
		char *value = NULL;
		struct unit_capture cap;
		unit_capture_begin(&cap);
		enum secret_status st = secret_get("app_pw", &value, NULL);
		char *log = unit_capture_end(&cap);
		CHECK_INT_EQ(st, cases[i].ok ? SECRET_OK : SECRET_ERROR);
		if (cases[i].ok)
			CHECK_INT_EQ(value ? strlen(value) : 0, cases[i].len);
		else
			CHECK_CONTAINS(log, "(from APP_PW_FILE): larger than 4096 bytes");
		CHECK(strstr(log, "sss") == NULL);
		free_secret(value);
		free(log);
	}
	unlink(path);

	unit_case("secret variable longer than SECRET_MAX");
	clear_env();
	char *big = xmalloc(SECRET_MAX + 2);
	memset(big, 's', SECRET_MAX + 1);
	big[SECRET_MAX + 1] = '\0';
	setenv("APP_PW", big, 1);
	char *value = NULL;
	struct unit_capture cap;
	unit_capture_begin(&cap);
	CHECK_INT_EQ(secret_get("app_pw", &value, NULL), SECRET_ERROR);
	char *log = unit_capture_end(&cap);
	CHECK_CONTAINS(log, "APP_PW is longer than 4096 bytes");
	free(log);
	big[SECRET_MAX] = '\0';
	setenv("APP_PW", big, 1);
	CHECK_INT_EQ(secret_get("app_pw", &value, NULL), SECRET_OK);
	free_secret(value);
	free(big);
	clear_env();
}

int main(void)
{
	log_setup(LOG_TEXT, -1);
	test_sources();
	test_stripping();
	test_secret_env();
	test_size_limit();
	return unit_done();
}
