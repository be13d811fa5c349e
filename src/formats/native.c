/*
 * native — pginit's own format: NNNN_description.sql, with an optional
 * NNNN_description.down.sql; `-- pginit:no-transaction` (script.c) is its only
 * directive. No other tool's table.
 */
#include "formats/format.h"

#include <stdlib.h>
#include <string.h>


static bool parse_name(const char *file, struct migration_name *out)
{
	return format_parse_numbered(file, ".down.sql", NULL, out);
}

static void new_files(const struct format_new *in, char **up, char **down, char **body)
{
	*up = xasprintf("%s/%0*ld_%s.sql", in->dir, in->width, in->next, in->slug);
	*down = xasprintf("%s/%0*ld_%s.down.sql", in->dir, in->width, in->next, in->slug);
	*body = xstrdup("-- up: runs in one transaction as the owner role\n\n");
}

const struct format format_native = {
	.name = "native",
	.placeholders = true,
	.naming_rule = "NNNN_description.sql (and NNNN_description.down.sql)",
	.down_part = "a .down.sql file",
	.gap_warning = true,
	.parse_name = parse_name,
	.new_files = new_files,
};
