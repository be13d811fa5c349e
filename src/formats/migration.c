/* migration — see migration.h. */
#include "formats/migration.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Compare one numeric part of each (up to '.' or the end); advance both. */
static int cmp_part(const char **a, const char **b)
{
	while (**a == '0' && isdigit((unsigned char)(*a)[1]))
		(*a)++;
	while (**b == '0' && isdigit((unsigned char)(*b)[1]))
		(*b)++;
	size_t la = 0, lb = 0; /* up to '.' or the end (a loop: strcspn is a call per part, slow in musl) */
	while ((*a)[la] && (*a)[la] != '.')
		la++;
	while ((*b)[lb] && (*b)[lb] != '.')
		lb++;
	int c = la != lb ? (la < lb ? -1 : 1) : strncmp(*a, *b, la);
	*a += la;
	*b += lb;
	return c;
}

int migrate_version_cmp(const char *a, const char *b)
{
	for (;;) {
		int c = cmp_part(&a, &b);
		if (c)
			return c;
		if (!*a && !*b)
			return 0;
		if (!*a)
			return -1; /* 1 < 1.1 */
		if (!*b)
			return 1;
		a++;
		b++;
	}
}

/* Digits and separators ('.' or '_' for flyway) to "1.2.10"; NULL if malformed. */
char *migrate_normalise_version_n(const char *s, size_t n, bool multipart)
{
	struct buf b = {0};
	size_t i = 0;
	while (i < n) {
		size_t start = i;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i == start)
			goto bad;
		size_t j = start;
		while (j + 1 < i && s[j] == '0')
			j++;
		buf_add(&b, s + j, i - j);
		if (i < n) {
			if (!multipart || (s[i] != '.' && s[i] != '_'))
				goto bad;
			buf_putc(&b, '.');
			i++;
			if (i == n)
				goto bad;
		}
	}
	if (b.len == 0)
		goto bad;
	return buf_steal(&b);
bad:
	buf_free(&b);
	return NULL;
}

char *migrate_normalise_version(const char *s, bool multipart)
{
	return migrate_normalise_version_n(s, strlen(s), multipart);
}

int migration_key_cmp(bool repeatable_a, const char *version_a, bool repeatable_b, const char *version_b)
{
	if (repeatable_a != repeatable_b)
		return repeatable_a ? 1 : -1;
	/* A repeatable's version is its name. */
	return repeatable_a ? strcmp(version_a, version_b) : migrate_version_cmp(version_a, version_b);
}

int migration_order(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	int c = migration_key_cmp(x->repeatable, x->version, y->repeatable, y->version);
	return c ? c : strcmp(x->file, y->file);
}

const struct migration *migrate_set_find(const struct migration_set *set, const char *version, bool repeatable)
{
	int lo = 0, hi = set->n - 1;
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;
		const struct migration *m = &set->items[mid];
		int c = migration_key_cmp(repeatable, version, m->repeatable, m->version);
		if (c == 0) {
			while (mid > 0 && migration_key_cmp(repeatable, version, set->items[mid - 1].repeatable,
							    set->items[mid - 1].version) == 0)
				mid--; /* the first of equal versions, as a linear search finds it */
			return &set->items[mid];
		}
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return NULL;
}

void migrate_set_free(struct migration_set *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->items[i].version);
		free(s->items[i].name);
		free(s->items[i].path);
		free(s->items[i].down_path);
	}
	free(s->items);
	memset(s, 0, sizeof *s);
}

bool migrate_load(const struct migration *m, bool down, const struct kv *vars, struct script *s)
{
	const char *path = down && m->down_path ? m->down_path : m->path;
	return script_load_part(path, down ? &m->down : &m->up, vars, s);
}
