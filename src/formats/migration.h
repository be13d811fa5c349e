/*
 * migration — one migration file as pginit sees it, whatever its format, and
 * the set of them in a directory: versions (normalised, ordered by value part by
 * part: 9 < 10, 1_2 < 1_10, never lexically), up and down parts, lookups.
 *
 * Every format maps onto pginit.schema_migrations the same way: one row per
 * application with the normalised version (leading zeros dropped, parts joined
 * by '.'), the name, the file and the file's checksum.
 */
#ifndef PGINIT_MIGRATION_H
#define PGINIT_MIGRATION_H

#include <stdbool.h>
#include <stddef.h>

#include "script.h"

struct format;

struct migration {
	char *version;   /* normalised; for a repeatable, its name */
	char *name;
	const char *file; /* file name: the end of path */
	char *path;
	char *down_path; /* a separate down/undo file, or NULL */
	bool repeatable; /* flyway R__: applied again whenever it changes */
	bool has_down;   /* a down section or file exists */
	char checksum[65]; /* of the whole file, as read by discovery */
	struct script_part up;   /* in path */
	struct script_part down; /* in path (section formats) or in down_path */
};

struct migration_set {
	struct migration *items; /* versioned ones by version, then repeatables by name */
	int n;
	const struct format *format;
};

/* "0012" -> "12", "1_2" -> "1.2" (multipart: flyway); NULL if malformed. Caller frees. */
char *migrate_normalise_version(const char *s, bool multipart);
/* The same for the first n bytes of s. */
char *migrate_normalise_version_n(const char *s, size_t n, bool multipart);

/* Compare two normalised versions by value, part by part. */
int migrate_version_cmp(const char *a, const char *b);

/* The order of a set and of a history: versioned ones by version, then repeatables by name. */
int migration_key_cmp(bool repeatable_a, const char *version_a, bool repeatable_b, const char *version_b);

/* qsort order of a set: by key, then by file name (so equal versions sit together, in name order). */
int migration_order(const void *a, const void *b);

/* The migration with this version (and kind), or NULL. The set must be in migration_order (binary search). */
const struct migration *migrate_set_find(const struct migration_set *set, const char *version, bool repeatable);

void migrate_set_free(struct migration_set *s);

/* Load the up (or down) part of a migration as a script (placeholders: vars, see format_vars); logs on failure. */
bool migrate_load(const struct migration *m, bool down, const struct kv *vars, struct script *s);

#endif
