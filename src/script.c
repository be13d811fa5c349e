/* script — see script.h. */
#include "script.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"
#include "util.h"

/*
 * The SHA-256 context, made once and reused: OpenSSL 3 looks the algorithm up
 * on every init from EVP_sha256() and allocates a context (and its provider's
 * state) for every new one, which cost more than hashing a small migration
 * (with musl's allocator most: 11 allocations a file). One hash at a time:
 * pginit hashes on its main thread only (the lease heartbeat and db.c's host
 * name lookup threads never do).
 */
static EVP_MD_CTX *sha256_begin(void)
{
	static EVP_MD *sha256;
	static EVP_MD_CTX *ctx;
	if (!sha256)
		sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!ctx)
		ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, sha256 ? sha256 : EVP_sha256(), NULL);
	return ctx;
}

/* Finish ctx (kept for the next hash) into 64 lower-case hex digits. */
static void sha256_end(EVP_MD_CTX *ctx, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	static const char hex[] = "0123456789abcdef";
	for (unsigned int k = 0; k < mdlen && k < 32; k++) {
		out[2 * k] = hex[md[k] >> 4];
		out[2 * k + 1] = hex[md[k] & 15];
	}
	out[64] = '\0';
}

void script_checksum(const char *text, size_t len, char out[65])
{
	EVP_MD_CTX *ctx = sha256_begin();
	size_t i = utf8_bom_len(text, len);
	/* Feed runs of bytes between the '\r' of each CRLF. */
	size_t run = i;
	for (; i < len; i++) {
		if (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') {
			EVP_DigestUpdate(ctx, text + run, i - run);
			run = i + 1;
		}
	}
	EVP_DigestUpdate(ctx, text + run, len - run);
	sha256_end(ctx, out);
}

bool script_file_checksum(const char *path, char out[65])
{
	char *text;
	size_t len;
	if (!read_file(path, &text, &len)) {
		log_error("unable to read %s", path);
		return false;
	}
	script_checksum(text, len, out);
	free(text);
	return true;
}

/* list_files sorts paths that all start with the directory's: compared from the file name on
 * (the shared prefix, compared again for each of the n log n pairs, cost more than the names). */
static size_t name_offset;

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a + name_offset, *(char *const *)b + name_offset);
}

/* Sort the paths list_files made, unless readdir gave them in order already. */
static void sort_by_name(struct strlist *l, const char *dir)
{
	if (l->n < 2)
		return; /* qsort(NULL, 0, ...) is undefined: an empty directory has no array yet */
	/* path_join(dir, name): dir, and a '/' unless dir ends in one (checked: a list that
	 * held other paths before is compared whole). */
	size_t dl = strlen(dir);
	name_offset = dl + (dl && dir[dl - 1] != '/');
	for (int i = 0; i < l->n && name_offset; i++)
		if (strncmp(l->items[i], dir, dl) != 0 || (name_offset > dl && l->items[i][dl] != '/'))
			name_offset = 0;
	for (int i = 1; i < l->n; i++)
		if (by_name(&l->items[i - 1], &l->items[i]) > 0) {
			qsort(l->items, (size_t)l->n, sizeof(char *), by_name);
			return;
		}
}

bool script_list(const char *dir, struct strlist *out, bool *missing)
{
	return script_list_ext(dir, ".sql", NULL, out, missing);
}

/* A name that ends in suffix and is longer than it (".sql" alone is no file of ours). */
static bool has_suffix(const char *name, const char *suffix)
{
	return suffix && strlen(name) > strlen(suffix) && str_ends_with(name, suffix);
}

/* The suffix in another case ("0009_x.SQL"): a file meant to be read that would be skipped. */
static bool has_suffix_other_case(const char *name, const char *suffix)
{
	size_t n = strlen(name), m = suffix ? strlen(suffix) : 0;
	return suffix && n > m && strcasecmp(name + n - m, suffix) == 0 && strcmp(name + n - m, suffix) != 0;
}

/*
 * The files of dir with one of the suffixes, in name order. *odd (may be NULL)
 * counts the names with a suffix in another case (warned about when warn).
 * dir_fd (may be NULL): the directory stays open there (-1 if it could not),
 * for read_file_at.
 */
static bool list_files(const char *dir, const char *suffix, const char *suffix2, struct strlist *out, bool *missing,
		       bool warn, int *odd, int *dir_fd)
{
	if (missing)
		*missing = false;
	if (dir_fd)
		*dir_fd = -1;
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT) {
			if (missing)
				*missing = true;
			return true;
		}
		log_error("unable to read directory %s: %s", dir, strerror(errno));
		return false;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (has_suffix(e->d_name, suffix) || has_suffix(e->d_name, suffix2)) {
			strlist_add_owned(out, path_join(dir, e->d_name));
		} else if (has_suffix_other_case(e->d_name, suffix) || has_suffix_other_case(e->d_name, suffix2)) {
			if (odd)
				(*odd)++;
			if (warn)
				log_warn("%s/%s is skipped: only files ending in %s%s%s (lower case) are read", dir, e->d_name,
					 suffix, suffix2 ? " or " : "", suffix2 ? suffix2 : "");
		}
	}
	if (dir_fd)
		*dir_fd = fcntl(dirfd(d), F_DUPFD_CLOEXEC, 0);
	closedir(d);
	sort_by_name(out, dir);
	return true;
}

bool script_list_ext(const char *dir, const char *suffix, const char *suffix2, struct strlist *out, bool *missing)
{
	return list_files(dir, suffix, suffix2, out, missing, true, NULL, NULL);
}

/* ---- bytes: NUL, UTF-8, a declared encoding */

/*
 * PostgreSQL's client encodings that a file may declare, compared as the
 * server does (case and non-alphanumerics ignored). Left out on purpose: the
 * ones whose multi-byte characters can contain the bytes of ' " ; \ (SJIS,
 * BIG5, GBK, UHC, GB18030, JOHAB, SHIFT_JIS_2004): pginit splits a file into
 * statements before the server sees it, and it would split them wrongly.
 */
static const char *const encodings[] = {
	"UTF8", "SQL_ASCII", "LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8",
	"LATIN9", "LATIN10", "ISO_8859_5", "ISO_8859_6", "ISO_8859_7", "ISO_8859_8", "ISO88591", "ISO885915",
	"WIN866", "WIN874", "WIN1250", "WIN1251", "WIN1252", "WIN1253", "WIN1254", "WIN1255", "WIN1256",
	"WIN1257", "WIN1258", "KOI8R", "KOI8U", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004",
	"MULE_INTERNAL", "UNICODE", NULL,
};

/* Lower-case alphanumerics only, as PostgreSQL compares encoding names. */
static void clean_encoding(const char *s, size_t n, char *out, size_t outsz)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < outsz; i++)
		if (isalnum((unsigned char)s[i]))
			out[k++] = (char)tolower((unsigned char)s[i]);
	out[k] = '\0';
}

static const char *known_encoding(const char *name, size_t n)
{
	char want[40], have[40];
	if (n == 0 || n >= 32)
		return NULL;
	clean_encoding(name, n, want, sizeof want);
	for (int i = 0; encodings[i]; i++) {
		clean_encoding(encodings[i], strlen(encodings[i]), have, sizeof have);
		if (strcmp(want, have) == 0)
			return encodings[i];
	}
	return NULL;
}

static bool is_utf8_name(const char *enc)
{
	return !enc || strcmp(enc, "UTF8") == 0 || strcmp(enc, "UNICODE") == 0;
}

/* 1-based line and byte column of offset off. */
static void where_is(const char *text, size_t off, int *line, int *col)
{
	*line = 1;
	size_t bol = 0;
	for (size_t i = 0; i < off; i++)
		if (text[i] == '\n') {
			(*line)++;
			bol = i + 1;
		}
	*col = (int)(off - bol) + 1;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, surrogates or > U+10FFFF); 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/*
 * The encoding a file declares with `-- pginit:encoding NAME` among its first
 * comment lines (section markers such as `-- +goose Up` are comments too).
 * *enc: the canonical name, or NULL when none is declared. false (logged): an
 * unknown or unsupported name.
 */
static bool declared_encoding(const char *path, const char *text, size_t len, const char **enc)
{
	*enc = NULL;
	const char *p = text, *end = text + len;
	int line = 1;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q != eol) {
			if (eol - q < 2 || q[0] != '-' || q[1] != '-')
				break; /* the first statement */
			q += 2;
			while (q < eol && *q == ' ')
				q++;
			if (eol - q >= 16 && strncmp(q, "pginit:encoding", 15) == 0 && (q[15] == ' ' || q[15] == '\t')) {
				const char *w = q + 16;
				while (w < eol && (*w == ' ' || *w == '\t'))
					w++;
				size_t n = (size_t)(eol - w);
				while (n && (w[n - 1] == ' ' || w[n - 1] == '\r' || w[n - 1] == '\t'))
					n--;
				*enc = known_encoding(w, n);
				if (!*enc) {
					log_error_at(&(struct log_where){.file = path, .line = line},
						     "unknown or unsupported encoding '%.*s'", (int)(n > 40 ? 40 : n), w);
					log_hint("name a PostgreSQL client encoding such as UTF8, LATIN1, WIN1252 or EUC_JP "
						 "(SJIS, BIG5, GBK, UHC, GB18030 and JOHAB are not supported: convert the file to UTF-8)");
					return false;
				}
				return true;
			}
		}
		p = eol + 1;
		line++;
	}
	return true;
}

bool script_check_text(const char *path, const char *text, size_t len, const char **encoding)
{
	const char *enc = NULL;
	const char *nul = memchr(text, '\0', len);
	int line, col;
	if (nul) {
		where_is(text, (size_t)(nul - text), &line, &col);
		log_error_at(&(struct log_where){.file = path, .line = line, .col = col}, "a NUL byte in the file");
		if (len >= 2 && ((unsigned char)text[0] == 0xFF || (unsigned char)text[0] == 0xFE))
			log_hint("the file looks like UTF-16: save it as UTF-8");
		else
			log_hint("a NUL byte would silently cut the statement short; remove it (is this a text file?)");
		return false;
	}
	if (!declared_encoding(path, text, len, &enc))
		return false;
	if (encoding)
		*encoding = enc;
	if (!is_utf8_name(enc))
		return true; /* the server converts it; any byte but NUL is fine here */
	for (size_t i = 0; i < len;) {
		uint64_t w; /* runs of ASCII, most of SQL, eight bytes at a time */
		while (len - i >= 8 && (memcpy(&w, text + i, 8), (w & 0x8080808080808080u) == 0))
			i += 8;
		if (i == len)
			break;
		size_t n = utf8_seq((const unsigned char *)text + i, len - i);
		if (n == 0) {
			where_is(text, i, &line, &col);
			log_error_at(&(struct log_where){.file = path, .line = line, .col = col},
				     "invalid UTF-8 (byte 0x%02X)", (unsigned char)text[i]);
			log_hint("save the file as UTF-8, or declare its encoding on one of its first lines, "
				 "e.g. '-- pginit:encoding LATIN1'");
			return false;
		}
		i += n;
	}
	return true;
}

/*
 * What preflight read of the migrations directory, kept for discovery
 * (script_take_kept): every file is listed and read once per run.
 */
static struct {
	char *dir;           /* NULL: nothing kept */
	struct strlist paths; /* as script_list gives them */
	char **texts;
	size_t *lens;
} preread;

void script_kept_free(void)
{
	for (int i = 0; i < preread.paths.n; i++)
		free(preread.texts[i]);
	free(preread.texts);
	free(preread.lens);
	strlist_free(&preread.paths);
	free(preread.dir);
	memset(&preread, 0, sizeof preread);
}

bool script_take_kept(const char *dir, struct strlist *files, char ***texts, size_t **lens)
{
	if (!preread.dir || strcmp(preread.dir, dir) != 0) {
		script_kept_free();
		return false;
	}
	*files = preread.paths;
	*texts = preread.texts;
	*lens = preread.lens;
	free(preread.dir);
	memset(&preread, 0, sizeof preread);
	return true;
}

/*
 * Every file of dir with one of the suffixes; a missing directory is not this
 * check's business. keep: the listing and the texts stay for discovery, unless
 * a name in it is one that script_list warns about (then discovery lists it
 * again, and warns).
 */
static bool check_dir(const char *dir, const char *suffix, const char *suffix2, int *bad, bool keep)
{
	struct strlist files = {0};
	bool missing;
	int odd = 0, dir_fd = -1;
	bool ok = list_files(dir, suffix, suffix2, &files, &missing, false, &odd, &dir_fd);
	keep = keep && ok && !missing && odd == 0;
	char **texts = xcalloc((size_t)files.n + 1, sizeof *texts);
	size_t *lens = xcalloc((size_t)files.n + 1, sizeof *lens);
	for (int i = 0; ok && i < files.n; i++) {
		/* Relative to the open directory: one path lookup per file, not one per component. */
		bool read = dir_fd >= 0 ? read_file_at(dir_fd, path_base(files.items[i]), &texts[i], &lens[i])
					: read_file(files.items[i], &texts[i], &lens[i]);
		if (!read) {
			log_error("unable to read %s: %s", files.items[i], strerror(errno));
			texts[i] = NULL;
			(*bad)++;
			continue;
		}
		if (!script_check_text(files.items[i], texts[i], lens[i], NULL))
			(*bad)++;
		if (!keep) {
			free(texts[i]);
			texts[i] = NULL;
		}
	}
	if (dir_fd >= 0)
		close(dir_fd);
	if (keep) {
		script_kept_free();
		preread.dir = xstrdup(dir);
		preread.paths = files;
		preread.texts = texts;
		preread.lens = lens;
	} else {
		strlist_free(&files);
		free(texts);
		free(lens);
	}
	return ok;
}

bool script_preflight(const char *migrations_dir, const char *initdb_dir, const char *seeds_dir,
		      const struct strlist *seed_sets)
{
	int bad = 0;
	bool ok = true;
	if (initdb_dir)
		ok = check_dir(initdb_dir, ".sql", NULL, &bad, false) && ok;
	if (migrations_dir)
		ok = check_dir(migrations_dir, ".sql", NULL, &bad, true) && ok;
	for (int i = 0; seeds_dir && seed_sets && i < seed_sets->n; i++) {
		char *dir = path_join(seeds_dir, seed_sets->items[i]);
		ok = check_dir(dir, ".sql", ".csv", &bad, false) && ok;
		free(dir);
	}
	if (bad)
		log_hint("nothing was run: %s above cannot be sent as %s", bad == 1 ? "the file" : "the files",
			 bad == 1 ? "it is" : "they are");
	return ok && bad == 0;
}

/* Directives live in the comment lines above the first statement. */
static bool parse_directives(struct script *s, const char *p, const char *end, int line)
{
	/* Skip a UTF-8 BOM, as the checksum and the splitter do, or line 1 would hide its directive.
	 * (Check the bytes left, not the file's length: a part may end right here.) */
	p += utf8_bom_len(p, (size_t)(end - p));
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q == eol) { /* blank line */
		} else if (eol - q >= 2 && q[0] == '-' && q[1] == '-') {
			q += 2;
			while (q < eol && *q == ' ')
				q++;
			if (eol - q >= 7 && strncmp(q, "pginit:", 7) == 0) {
				const char *w = q + 7;
				size_t n = (size_t)(eol - w);
				while (n && (w[n - 1] == ' ' || w[n - 1] == '\r'))
					n--;
				if (n == 14 && strncmp(w, "no-transaction", 14) == 0) {
					s->no_transaction = true;
				} else if (n == 12 && strncmp(w, "run-as admin", 12) == 0) {
					s->run_as_admin = true;
				} else if (n > 9 && strncmp(w, "encoding", 8) == 0 && (w[8] == ' ' || w[8] == '\t')) {
					/* Read for the whole file by script_check_text; here it must be that one. */
					const char *v = w + 9;
					while (v < w + n && (*v == ' ' || *v == '\t'))
						v++;
					const char *enc = known_encoding(v, (size_t)(w + n - v));
					if (!enc || !s->encoding || strcmp(enc, s->encoding) != 0) {
						log_error_at(&(struct log_where){.file = s->path, .line = line},
							     "'-- pginit:encoding' must be on one of the file's first comment lines");
						log_hint("move it to the top of the file: it applies to the whole file");
						return false;
					}
				} else {
					log_error_at(&(struct log_where){.file = s->path, .line = line},
						     "unknown directive '-- pginit:%.*s'", (int)n, w);
					log_hint("known directives: -- pginit:no-transaction, -- pginit:run-as admin, -- pginit:encoding NAME");
					return false;
				}
			}
		} else {
			break; /* first statement */
		}
		p = eol + 1;
		line++;
	}
	return true;
}

/* A line "\restrict KEY" or "\unrestrict KEY" at p (pg_dump's); its length with the newline, else 0. */
static size_t restrict_line(const char *p, const char *end)
{
	const char *eol = memchr(p, '\n', (size_t)(end - p));
	size_t n = (size_t)((eol ? eol : end) - p);
	size_t w = n >= 10 && strncmp(p, "\\restrict ", 10) == 0 ? 10 : n >= 12 && strncmp(p, "\\unrestrict ", 12) == 0 ? 12 : 0;
	if (!w)
		return 0;
	size_t k = w;
	while (k < n && isalnum((unsigned char)p[k]))
		k++;
	while (k < n && (p[k] == ' ' || p[k] == '\r'))
		k++;
	return k == n && k > w ? n + (eol ? 1 : 0) : 0;
}

/*
 * psql meta-commands at the start of a statement: pg_dump's \restrict and
 * \unrestrict lines are skipped (they only guard psql against the dump); any
 * other is refused, naming it, since the server would answer with a syntax error.
 */
static bool skip_meta_commands(struct script *s)
{
	int kept = 0;
	for (int i = 0; i < s->sql.n; i++) {
		struct sql_stmt st = s->sql.stmts[i], orig = st;
		bool meta = false;
		for (;;) {
			/* blanks and line comments before it (pg_dump's header and footer) */
			while (st.len && (isspace((unsigned char)*st.text) ||
					  (st.len >= 2 && st.text[0] == '-' && st.text[1] == '-'))) {
				if (*st.text == '-') {
					while (st.len && *st.text != '\n') {
						st.text++;
						st.len--;
					}
					continue;
				}
				if (*st.text == '\n') {
					st.line++;
					st.col = 1;
				} else {
					st.col++;
				}
				st.text++;
				st.len--;
			}
			size_t n = st.len && *st.text == '\\' ? restrict_line(st.text, st.text + st.len) : 0;
			if (!n)
				break;
			meta = true;
			st.text += n;
			st.len -= n;
			st.line++;
			st.col = 1;
		}
		if (st.len && *st.text == '\\') {
			size_t w = 1;
			while (w < st.len && isalpha((unsigned char)st.text[w]))
				w++;
			log_error_at(&(struct log_where){.file = s->path, .line = st.line, .col = st.col},
				     "psql meta-command '%.*s' is not supported", (int)w, st.text);
			log_hint("pginit sends SQL to the server, not psql commands; only pg_dump's \\restrict and "
				 "\\unrestrict lines are skipped: remove the line or write it as SQL");
			return false;
		}
		if (!meta) /* the usual case: the statement as the splitter found it */
			s->sql.stmts[kept++] = orig;
		else if (st.len || st.copy_data)
			s->sql.stmts[kept++] = st;
	}
	s->sql.n = kept;
	return true;
}

static bool is_begin(const struct sql_stmt *st)
{
	return (sqlsplit_starts_with(st, "BEGIN") && !sqlsplit_starts_with(st, "BEGIN ATOMIC")) ||
	       sqlsplit_starts_with(st, "START TRANSACTION");
}

static bool is_commit(const struct sql_stmt *st)
{
	return sqlsplit_starts_with(st, "COMMIT") || sqlsplit_starts_with(st, "END");
}

static bool is_tx_control(const struct sql_stmt *st)
{
	return is_begin(st) || is_commit(st) || sqlsplit_starts_with(st, "ROLLBACK") || sqlsplit_starts_with(st, "ABORT");
}

/* Statements PostgreSQL refuses inside a transaction block (PreventInTransactionBlock). */
static const char *const no_tx_statements[] = {
	"CREATE INDEX CONCURRENTLY", "CREATE UNIQUE INDEX CONCURRENTLY", "DROP INDEX CONCURRENTLY",
	"REINDEX INDEX CONCURRENTLY", "REINDEX TABLE CONCURRENTLY", "REINDEX SCHEMA", "REINDEX DATABASE",
	"REINDEX SYSTEM", "VACUUM", "CREATE DATABASE", "DROP DATABASE", "ALTER SYSTEM", "CREATE TABLESPACE",
	"DROP TABLESPACE", "CREATE SUBSCRIPTION", "DROP SUBSCRIPTION", "ALTER SUBSCRIPTION", "DISCARD ALL",
	"COMMIT PREPARED", "ROLLBACK PREPARED", NULL,
};

/*
 * The old tools' rule (see script.h): a file with its own transaction control
 * beyond one BEGIN ... COMMIT around all of it, or with a statement that cannot
 * run in a transaction block, runs as written outside one. True when it does.
 */
static bool detect_no_transaction(struct script *s)
{
	int n = s->sql.n;
	bool wrapped = n >= 2 && is_begin(&s->sql.stmts[0]) && is_commit(&s->sql.stmts[n - 1]);
	for (int i = 0; i < n; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		const char *what = NULL;
		if (is_tx_control(st) && !(wrapped && (i == 0 || i == n - 1)))
			what = "its own transaction control";
		for (int k = 0; !what && no_tx_statements[k]; k++)
			if (sqlsplit_starts_with(st, no_tx_statements[k]))
				what = no_tx_statements[k];
		if (what) {
			s->no_transaction = true;
			s->no_tx_why = xasprintf("line %d: %s%s", st->line, what,
						 is_tx_control(st) ? "" : " cannot run in a transaction block");
			return true;
		}
	}
	return false;
}

static size_t ident_len(const char *p, const char *end)
{
	const char *q = p;
	if (q < end && (isalpha((unsigned char)*q) || *q == '_'))
		for (q++; q < end && (isalnum((unsigned char)*q) || *q == '_' || *q == '.'); q++)
			;
	return (size_t)(q - p);
}

/* The line of p in text, counting from line (only on the error path). */
static int line_at(const char *text, const char *p, int line)
{
	for (const char *q = text; (q = memchr(q, '\n', (size_t)(p - q))) != NULL; q++)
		line++;
	return line;
}

/* The hint for an undefined ${name}: where to define it (the variable's name is upper case). */
static void hint_placeholder(const char *name, size_t n)
{
	char env[128];
	size_t k = 0;
	for (; k < n && k < sizeof env - 1; k++)
		env[k] = (char)toupper((unsigned char)name[k]);
	env[k] = '\0';
	log_hint("define it in pginit.conf (placeholders = { %.*s = \"...\"; }) or as PGINIT_VAR_%s; write "
		 "$${%.*s} for a literal ${%.*s}",
		 (int)n, name, env, (int)n, name, (int)n, name);
}

/*
 * Replace ${name}; `$${name}` gives a literal `${name}`. vars NULL: nothing is replaced. Linear: the text
 * between two `$` is copied in one piece (memchr finds the next), and the
 * line of an error is counted only when there is one.
 */
static bool substitute(const struct kv *vars, const char *path, const char *text, size_t len, int line,
		       struct buf *out)
{
	if (!vars) { /* a format without placeholders: the text as written, $${ and all */
		buf_add(out, text, len);
		return true;
	}
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *d = memchr(p, '$', (size_t)(end - p));
		if (!d) {
			buf_add(out, p, (size_t)(end - p));
			break;
		}
		buf_add(out, p, (size_t)(d - p));
		p = d;
		bool escaped = end - p >= 3 && p[0] == '$' && p[1] == '$' && p[2] == '{';
		const char *open = escaped ? p + 1 : p;
		if (end - open >= 2 && open[0] == '$' && open[1] == '{') {
			size_t n = ident_len(open + 2, end);
			if (n > 0 && open + 2 + n < end && open[2 + n] == '}') {
				if (escaped) {
					buf_add(out, open, n + 3);
				} else {
					int k = -1;
					for (int i = 0; vars && i < vars->names.n && k < 0; i++)
						if (strlen(vars->names.items[i]) == n &&
						    strncmp(vars->names.items[i], open + 2, n) == 0)
							k = i;
					if (k < 0) {
						log_error_at(&(struct log_where){.file = path, .line = line_at(text, p, line)},
							     "undefined placeholder ${%.*s}", (int)n, open + 2);
						hint_placeholder(open + 2, n);
						return false;
					}
					buf_puts(out, vars->values.items[k]);
				}
				p = open + 3 + n;
				continue;
			}
		}
		buf_putc(out, *p++);
	}
	return true;
}

bool script_load(const char *path, const struct kv *vars, struct script *s)
{
	return script_load_part(path, NULL, vars, s);
}

bool script_load_part(const char *path, const struct script_part *part, const struct kv *vars, struct script *s)
{
	char *text;
	size_t len;
	if (!read_file(path, &text, &len)) {
		memset(s, 0, sizeof *s);
		s->path = xstrdup(path);
		s->name = xstrdup(path_base(path));
		log_error("unable to read %s: %s", path, strerror(errno));
		return false;
	}
	return script_load_text(path, text, len, part, vars, s);
}

bool script_load_text(const char *path, char *text, size_t len, const struct script_part *part,
		      const struct kv *vars, struct script *s)
{
	memset(s, 0, sizeof *s);
	s->path = xstrdup(path);
	s->name = xstrdup(path_base(path));
	s->text = text;
	s->len = len;
	script_checksum(s->text, s->len, s->checksum);
	/* The whole file, whichever part runs: a NUL or a broken byte anywhere means a damaged file. */
	const char *enc = NULL;
	if (!script_check_text(path, s->text, s->len, &enc))
		return false;
	s->encoding = enc;
	struct script_part whole = {.offset = 0, .len = s->len, .line = 1};
	if (!part)
		part = &whole;
	if (part->len == (size_t)-1 || part->offset > s->len || part->offset + part->len > s->len) { /* to the end */
		whole = *part;
		whole.offset = part->offset <= s->len ? part->offset : s->len;
		whole.len = s->len - whole.offset;
		part = &whole;
	}
	s->no_transaction = part->no_transaction;
	const char *from = s->text + part->offset;
	if (part->offset == 0)
		from += utf8_bom_len(from, part->len);
	size_t plen = part->len - (size_t)(from - (s->text + part->offset));
	if (!parse_directives(s, from, from + plen, part->line))
		return false;
	struct buf sub = {0};
	if (!substitute(vars, path, from, plen, part->line, &sub)) {
		buf_free(&sub);
		return false;
	}
	s->sql_len = sub.len;
	s->sql_text = buf_steal(&sub);
	struct sqlsplit_error err = {0};
	if (!sqlsplit_ex(s->sql_text, s->sql_len, part->split_flags, part->line, &s->sql, &err)) {
		log_error_at(&(struct log_where){.file = path, .line = err.line, .col = err.col}, "%s", err.message);
		log_hint("the SQL text ends inside the construct that starts here");
		return false;
	}
	if (!skip_meta_commands(s))
		return false;
	s->first = 0;
	s->last = s->sql.n;
	/* Outside a transaction the file's own BEGIN/COMMIT are what it asks for: keep them. */
	if (s->no_transaction)
		return true;
	if (!part->strict_transactions && detect_no_transaction(s))
		return true;
	if (s->sql.n >= 2 && is_begin(&s->sql.stmts[0]) && is_commit(&s->sql.stmts[s->sql.n - 1])) {
		s->first = 1;
		s->last = s->sql.n - 1;
	}
	for (int i = s->first; i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		if (is_tx_control(st)) {
			log_error_at(&(struct log_where){.file = path, .line = st->line, .col = st->col},
				     "transaction control in the middle of a file is not supported");
			log_hint("pginit runs each file in one transaction; remove it, or split the file "
				 "(or use -- pginit:no-transaction)");
			return false;
		}
	}
	return true;
}

void script_free(struct script *s)
{
	free(s->path);
	free(s->name);
	free(s->text);
	free(s->sql_text);
	free(s->no_tx_why);
	sqlsplit_free(&s->sql);
	memset(s, 0, sizeof *s);
}

static bool script_exec_statements(struct db *db, const struct script *s, const struct script_steps *steps,
				   long *rows, char **errmsg);
static bool script_exec_pipelined(struct db *db, const struct script *s, int from, long *rows, char **errmsg);

/* Our advice for the errors people meet most in migrations. */
static const char *hint_for(const char *sqlstate)
{
	static const struct { const char *state; const char *hint; } hints[] = {
		{"25001", "this statement cannot run in a transaction (e.g. CREATE INDEX CONCURRENTLY): "
			  "add '-- pginit:no-transaction' as the file's first line"},
		{"55P03", "a lock wait exceeded migration_lock_timeout: another session holds a lock on the table; "
			  "retry when it is quiet or raise migration_lock_timeout for this profile"},
		{"57014", "the statement ran past migration_statement_timeout (or pginit was interrupted); "
			  "raise it for this profile or make the change in smaller steps"},
		{"42501", "migrations run as the owner role (SET ROLE): an object of another role, or a superuser-only "
			  "statement, needs the admin: initdb.d/, or '-- pginit:run-as admin' for this file"},
		{"42P07", "the object already exists: was it created outside migrations? use IF NOT EXISTS "
			  "or remove it first"},
		{"42710", "the object already exists: use IF NOT EXISTS or CREATE OR REPLACE"},
		{"42P01", "the table does not exist: check the schema name and the order of the migrations"},
		{"42601", "syntax error: check the statement at this line"},
		{"23505", "a unique constraint rejected a row: seeds must be idempotent (ON CONFLICT DO NOTHING)"},
	};
	for (size_t i = 0; i < sizeof hints / sizeof hints[0]; i++)
		if (strcmp(hints[i].state, sqlstate) == 0)
			return hints[i].hint;
	return NULL;
}

void script_prefix_checksum(const struct script *s, int upto, char out[65])
{
	EVP_MD_CTX *ctx = sha256_begin();
	for (int i = s->first; i < upto && i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		/* The NULs keep "a" + "bc" apart from "ab" + "c". */
		EVP_DigestUpdate(ctx, st->text, st->len);
		EVP_DigestUpdate(ctx, "", 1);
		if (st->copy_data)
			EVP_DigestUpdate(ctx, st->copy_data, st->copy_len);
		EVP_DigestUpdate(ctx, "", 1);
	}
	sha256_end(ctx, out);
}

/* A file in another encoding: the server converts it (SET is undone by a rollback, RESET ends it otherwise). */
static bool set_encoding(struct db *db, const struct script *s, char **errmsg)
{
	char *sql = xasprintf("SET client_encoding TO '%s'", s->encoding);
	struct db_error err = {0};
	bool ok = db_exec(db, sql, NULL, &err);
	if (!ok) {
		log_error_at(&(struct log_where){.file = s->path, .line = 1, .sqlstate = err.sqlstate},
			     "unable to set client_encoding %s: %s", s->encoding, err.message);
		*errmsg = xasprintf("%s:1: unable to set client_encoding %s", s->path, s->encoding);
	}
	db_error_clear(&err);
	free(sql);
	return ok;
}

bool script_exec(struct db *db, const struct script *s, long *rows, char **errmsg)
{
	struct script_steps all = {.from = s->first};
	return script_exec_steps(db, s, &all, rows, errmsg);
}

bool script_exec_steps(struct db *db, const struct script *s, const struct script_steps *steps, long *rows,
		       char **errmsg)
{
	*rows = 0;
	if (db_pipelined(db))
		return script_exec_pipelined(db, s, steps->from, rows, errmsg);
	if (s->encoding && !set_encoding(db, s, errmsg))
		return false;
	bool ok = script_exec_statements(db, s, steps, rows, errmsg);
	/* After a failure inside a transaction this fails too; the rollback undoes the SET then. */
	if (s->encoding) {
		struct db_error err = {0};
		db_exec(db, "RESET client_encoding", NULL, &err);
		db_error_clear(&err);
	}
	return ok;
}

/*
 * Statement st failed with err: logged once as file:line:col (the server's
 * position mapped into the file), with its detail and a hint; *errmsg gets
 * the line for the ledger. err is cleared.
 */
static void report_failure(const struct script *s, const struct sql_stmt *st, struct db_error *err, char **errmsg)
{
	int line = st->line, col = st->col;
	if (err->position > 0)
		sqlsplit_locate(st, err->position, &line, &col);
	else
		col = 0; /* the whole statement: its first line */
	struct log_where w = {.file = s->path, .line = line, .col = col, .sqlstate = err->sqlstate};
	if (sig_caught())
		log_error_at(&w, "interrupted by signal %d; the statement was cancelled", sig_caught());
	else
		log_error_at(&w, "%s", err->message);
	if (err->detail && !sig_caught())
		log_error("detail: %s", err->detail);
	const char *hint = err->hint ? err->hint : hint_for(err->sqlstate);
	if (hint && !sig_caught())
		log_hint("%s", hint);
	struct buf b = {0};
	buf_printf(&b, "%s:%d: %s", s->path, line, sig_caught() ? "interrupted" : err->message);
	if (err->sqlstate[0])
		buf_printf(&b, " [%s]", err->sqlstate);
	*errmsg = buf_steal(&b);
	db_error_clear(err);
}

static bool script_exec_statements(struct db *db, const struct script *s, const struct script_steps *steps,
				   long *rows, char **errmsg)
{
	db_set_context(db, s->name);
	for (int i = steps->from; i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		char *sql = xstrndup(st->text, st->len);
		struct db_error err = {0};
		long n = 0;
		bool ok = st->copy_data ? db_copy_in(db, sql, st->copy_data, st->copy_len, &n, &err)
					: db_exec(db, sql, &n, &err);
		free(sql);
		*rows += n;
		if (ok && sig_caught()) {
			/* The statement finished before the cancel reached it; stop here anyway. */
			ok = false;
			err.message = xstrdup("interrupted");
		}
		if (!ok) {
			report_failure(s, st, &err, errmsg);
			db_set_context(db, NULL);
			return false;
		}
		db_error_clear(&err);
		if (steps->done && !db_in_transaction(db) && !steps->done(db, steps->arg, i + 1)) {
			db_set_context(db, NULL);
			return false;
		}
	}
	db_set_context(db, NULL);
	return true;
}

bool script_pipelinable(const struct script *s)
{
	if (s->encoding)
		return false;
	for (int i = s->first; i < s->last; i++) {
		const struct sql_stmt *st = &s->sql.stmts[i];
		if (st->copy_data || sqlsplit_starts_with(st, "COPY"))
			return false;
		/* A goose StatementBegin block may hold several statements: the extended protocol takes one. */
		struct sql_script one = {0};
		struct sqlsplit_error e;
		bool single = sqlsplit(st->text, st->len, &one, &e) && one.n == 1;
		sqlsplit_free(&one);
		if (!single)
			return false;
	}
	return true;
}

/*
 * In pipeline mode: every statement queued, then one read. The first failure
 * among them is reported as script_exec_statements reports it; a failure of
 * a statement queued before them (the caller's) is the caller's to report.
 */
static bool script_exec_pipelined(struct db *db, const struct script *s, int from, long *rows, char **errmsg)
{
	int base = db_pipeline_queued(db);
	struct db_error err = {0};
	bool queued = true;
	db_set_context(db, s->name);
	for (int i = from; queued && i < s->last; i++) {
		char *sql = xstrndup(s->sql.stmts[i].text, s->sql.stmts[i].len);
		queued = db_exec(db, sql, NULL, &err);
		free(sql);
	}
	int last = db_pipeline_queued(db) - 1; /* the last of ours queued */
	bool ok = queued && db_pipeline_read(db, base, rows, &err);
	int f = queued ? db_pipeline_failed(db, NULL) : last;
	if (ok && sig_caught()) { /* all of it finished before the cancel came: stop here anyway */
		ok = false;
		f = last;
		err.message = xstrdup("interrupted");
	}
	if (!ok && f >= base && last >= base)
		report_failure(s, &s->sql.stmts[from + (f <= last ? f : last) - base], &err, errmsg);
	db_error_clear(&err);
	db_set_context(db, NULL);
	return ok;
}

bool script_simple(struct db *db, const char *sql)
{
	struct db_error err = {0};
	bool ok = db_exec(db, sql, NULL, &err);
	if (!ok && !sig_caught())
		log_error_at(&(struct log_where){.sqlstate = err.sqlstate}, "%s: %s", sql, err.message);
	db_error_clear(&err);
	return ok;
}
