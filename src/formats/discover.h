/*
 * discover — read a migrations directory into a set: detect the format (when
 * migrations_format = auto), parse every file name, find each file's up/down
 * parts, pair down/undo files with their migrations, order by version.
 */
#ifndef PGINIT_DISCOVER_H
#define PGINIT_DISCOVER_H

#include <stdbool.h>

#include "formats/format.h"
#include "formats/migration.h"

/*
 * Read the directory (a missing one is an empty set, with a warning). fmt
 * NULL: detect. False (each problem logged) on bad names, duplicate versions,
 * missing sections; *out is filled as far as it goes and must be freed.
 */
bool migrate_discover(const char *dir, const struct format *fmt, struct migration_set *out);

#endif
