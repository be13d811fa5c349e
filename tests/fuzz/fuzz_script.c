/*
 * fuzz_script — libFuzzer harness for the script loader: the byte checks
 * (NUL, UTF-8, a declared encoding), directives, placeholders (a few are
 * defined, as pginit defines its built-in ones), the file's own
 * BEGIN/COMMIT, and parts of a file (a section starting anywhere, up to the
 * very end, as the goose and dbmate section finder hands them over).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "script.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kv vars; /* the placeholders every load sees */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_setup(LOG_TEXT, -1);
	static const char *const ph[][2] = {{"schema", "auth"}, {"app_role", "app_user"}, {"x.y", "${schema}"}, {"e", ""}};
	for (size_t i = 0; i < sizeof ph / sizeof ph[0]; i++) {
		strlist_add(&vars.names, ph[i][0]);
		strlist_add(&vars.values, ph[i][1]);
	}
	return 0;
}

static void load(const uint8_t *data, size_t size, const struct script_part *part)
{
	char *text = malloc(size + 1);
	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	struct script s;
	if (script_load_text("fuzz.sql", text, size, part, &vars, &s)) {
		if (s.first < 0 || s.last > s.sql.n || s.first > s.last || strlen(s.checksum) != 64)
			abort();
		/* What reaches libpq is a C string: a NUL inside a statement would cut it short. */
		for (int i = s.first; i < s.last; i++)
			if (memchr(s.sql.stmts[i].text, '\0', s.sql.stmts[i].len))
				abort();
	}
	script_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	load(data, size, NULL);
	if (size > 0) {
		/* A part from a byte-derived offset, once to the end and once a slice. */
		size_t off = data[0] % (size + 1);
		struct script_part to_end = {.offset = off, .len = (size_t)-1, .line = 2, .split_flags = SQLSPLIT_GOOSE};
		struct script_part slice = {.offset = off, .len = (size - off) / 2, .line = 3};
		struct script_part at_end = {.offset = size, .len = 0, .line = 9, .split_flags = SQLSPLIT_GOOSE};
		load(data, size, &to_end);
		load(data, size, &slice);
		load(data, size, &at_end);
	}
	return 0;
}
