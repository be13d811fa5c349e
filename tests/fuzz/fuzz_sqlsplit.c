/*
 * fuzz_sqlsplit — libFuzzer harness for the statement splitter: any bytes,
 * with and without goose's StatementBegin/End rule. Checks what the callers
 * rely on: statements lie inside the text, in order, with lines and columns
 * from 1, and every server error position maps back inside the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sqlsplit.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_script(const char *text, size_t len, const struct sql_script *s)
{
	const char *prev = text;
	for (int i = 0; i < s->n; i++) {
		const struct sql_stmt *st = &s->stmts[i];
		if (st->text < prev || st->text + st->len > text + len || st->line < 1 || st->col < 1)
			abort();
		if (st->copy_data && (st->copy_data < st->text || st->copy_data + st->copy_len > text + len))
			abort();
		prev = st->text;
		int line, col;
		for (int pos = 1; pos <= (int)st->len + 1; pos += 1 + (int)st->len / 7) {
			sqlsplit_locate(st, pos, &line, &col);
			if (line < st->line || col < 1)
				abort();
		}
		(void)sqlsplit_starts_with(st, "BEGIN");
		(void)sqlsplit_starts_with(st, "CREATE INDEX CONCURRENTLY");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	for (unsigned flags = 0; flags <= SQLSPLIT_GOOSE; flags += SQLSPLIT_GOOSE) {
		struct sql_script s = {0};
		struct sqlsplit_error err = {0};
		if (sqlsplit_ex(text, size, flags, 1 + (int)(size % 5), &s, &err))
			check_script(text, size, &s);
		else if (err.line < 1 || !err.message)
			abort();
		sqlsplit_free(&s);
	}
	free(text);
	return 0;
}
