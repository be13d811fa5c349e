/*
 * fuzz_migration — libFuzzer harness for migration discovery: file names
 * (version, name, up/down/undo/repeatable, per format), format detection,
 * the up/down sections of dbmate and goose files, pairing of down files,
 * and loading every part found. Driven through the public functions
 * (migrate_parse_name, migrate_discover, migrate_load), so it keeps working
 * when discovery moves to src/formats/.
 *
 * Input: one byte for the format (mod 6: native, golang-migrate, dbmate,
 * goose, flyway, auto), then files, each "NAME\n" followed by its content,
 * the next one starting at a line "==> NAME". Files are written to a private
 * temporary directory, emptied after each input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/discover.h"
#include "formats/format.h"
#include "formats/migration.h"
#include "log.h"
#include "script.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static int n_formats;
#define MAX_FILES 6

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_setup(LOG_TEXT, -1);
	snprintf(dir, sizeof dir, "/tmp/pginit-fuzz-mig-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	while (format_table[n_formats])
		n_formats++;
	return 0;
}

/* A file name from fuzz bytes: no '/', no NUL, not hidden, bounded. */
static char *file_name(const char *p, size_t n)
{
	if (n > 120)
		n = 120;
	char *name = xstrndup(p, n);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '_';
	if (!*name || name[0] == '.') {
		free(name);
		return xstrdup("x.sql");
	}
	return name;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int pick = data[0] % (n_formats + 1);
	const struct format *fmt = pick < n_formats ? format_table[pick] : NULL; /* NULL: detect */
	const char *p = (const char *)data + 1, *end = (const char *)data + size;
	char *paths[MAX_FILES];
	int n = 0;
	while (p < end && n < MAX_FILES) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		char *name = file_name(p, (size_t)(nl - p));
		const char *body = nl + 1;
		const char *next = NULL;
		for (const char *q = body; q + 4 <= end; q++)
			if ((q == body || q[-1] == '\n') && memcmp(q, "==> ", 4) == 0) {
				next = q;
				break;
			}
		const char *body_end = next ? next : end;
		/* The name alone, parsed in every format. */
		for (int f = 0; format_table[f]; f++) {
			struct migration_name mn;
			if (format_table[f]->parse_name(name, &mn)) {
				if (!mn.version || !mn.name || !*mn.name)
					abort();
				free(mn.version);
				free(mn.name);
			}
		}
		char *path = path_join(dir, name);
		free(name);
		FILE *f = fopen(path, "wb");
		if (f) {
			fwrite(body, 1, (size_t)(body_end - body), f);
			fclose(f);
			paths[n++] = path;
		} else {
			free(path);
		}
		p = next ? next + 4 : end;
	}
	struct migration_set set;
	migrate_discover(dir, fmt, &set);
	for (int i = 0; i < set.n; i++) {
		const struct migration *m = &set.items[i];
		if (!m->version || !m->name || !m->path)
			abort();
		if (i > 0 && !m->repeatable && !set.items[i - 1].repeatable &&
		    migrate_version_cmp(set.items[i - 1].version, m->version) > 0)
			abort(); /* versions in order */
		char sum[65];
		if (script_file_checksum(m->path, sum) && strcmp(sum, m->checksum) != 0)
			abort(); /* the checksum discovery computed from its one read is the file's */
		struct script s;
		migrate_load(m, false, NULL, &s);
		script_free(&s);
		if (m->has_down) {
			migrate_load(m, true, NULL, &s);
			script_free(&s);
		}
	}
	migrate_set_free(&set);
	for (int i = 0; i < n; i++) {
		unlink(paths[i]);
		free(paths[i]);
	}
	return 0;
}
