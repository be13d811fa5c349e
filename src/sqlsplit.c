/* sqlsplit — see sqlsplit.h. */
#include "sqlsplit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The scanner walks the text once, tracking line and column. */
struct scan {
	const char *s;
	size_t len, i;
	int line, col;
};

static void adv(struct scan *sc, size_t n)
{
	while (n-- && sc->i < sc->len) {
		if (sc->s[sc->i] == '\n') {
			sc->line++;
			sc->col = 1;
		} else if (((unsigned char)sc->s[sc->i] & 0xC0) != 0x80) {
			sc->col++; /* count characters, not UTF-8 continuation bytes */
		}
		sc->i++;
	}
}

static char at(const struct scan *sc, size_t off)
{
	return sc->i + off < sc->len ? sc->s[sc->i + off] : '\0';
}

static bool ident_start(char c)
{
	return isalpha((unsigned char)c) || c == '_' || ((unsigned char)c & 0x80);
}

static bool ident_char(char c)
{
	return ident_start(c) || isdigit((unsigned char)c) || c == '$';
}

/* A dollar-quote opening tag at sc->i: "$$" or "$tag$"; returns its length or 0. */
static size_t dollar_tag(const struct scan *sc)
{
	size_t j = sc->i + 1;
	if (j < sc->len && sc->s[j] == '$')
		return 2;
	if (j >= sc->len || !ident_start(sc->s[j]))
		return 0;
	while (j < sc->len && ident_char(sc->s[j]) && sc->s[j] != '$')
		j++;
	return j < sc->len && sc->s[j] == '$' ? j - sc->i + 1 : 0;
}

static bool word_eq(const char *w, size_t n, const char *kw)
{
	return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

struct stmt_state {
	size_t start;    /* offset of the first token, or (size_t)-1 */
	int line, col;
	int paren;
	int begin_depth; /* BEGIN ... END nesting inside a SQL-standard function body */
	int nwords;      /* leading words seen, to recognise CREATE [OR REPLACE] FUNCTION */
	bool is_create;  /* the statement starts with CREATE */
	bool is_routine; /* CREATE FUNCTION/PROCEDURE: BEGIN opens a body */
	bool is_copy;    /* COPY ... */
	bool copy_stdin; /* ... FROM STDIN */
	bool saw_from;
};

static void stmt_reset(struct stmt_state *st)
{
	memset(st, 0, sizeof *st);
	st->start = (size_t)-1;
}

static void mark_start(struct stmt_state *st, const struct scan *sc)
{
	if (st->start == (size_t)-1) {
		st->start = sc->i;
		st->line = sc->line;
		st->col = sc->col;
	}
}

/* Keep track of the few keywords that change where a statement ends. */
static void on_word(struct stmt_state *st, const char *w, size_t n)
{
	int idx = st->nwords++;
	if (idx == 0 && word_eq(w, n, "COPY"))
		st->is_copy = true;
	if (idx == 0 && word_eq(w, n, "CREATE"))
		st->is_create = true;
	if (st->is_copy) {
		if (word_eq(w, n, "FROM"))
			st->saw_from = true;
		else if (st->saw_from && word_eq(w, n, "STDIN"))
			st->copy_stdin = true;
		else
			st->saw_from = false;
	}
	/* CREATE [OR REPLACE] FUNCTION|PROCEDURE, as psql recognises it */
	if (st->is_create && idx <= 3 && (word_eq(w, n, "FUNCTION") || word_eq(w, n, "PROCEDURE")))
		st->is_routine = true;
	/* As psql: only at parenthesis depth 0, so a parameter named begin opens nothing. */
	if (!st->is_routine || st->paren > 0)
		return;
	if (word_eq(w, n, "BEGIN") || (st->begin_depth > 0 && word_eq(w, n, "CASE")))
		st->begin_depth++;
	else if (st->begin_depth > 0 && word_eq(w, n, "END"))
		st->begin_depth--;
}

static void push(struct sql_script *out, int *cap, const char *text, size_t from, size_t to,
		 const struct stmt_state *st)
{
	if (st->start == (size_t)-1)
		return; /* only whitespace and comments */
	while (to > from && isspace((unsigned char)text[to - 1]))
		to--;
	if (out->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		out->stmts = xrealloc(out->stmts, sizeof(struct sql_stmt) * (size_t)*cap);
	}
	out->stmts[out->n++] = (struct sql_stmt){
		.text = text + st->start, .len = to - st->start, .line = st->line, .col = st->col};
}

/* After "COPY ... FROM stdin;": data runs from the next line to a line "\.". */
static bool scan_copy_data(struct scan *sc, struct sql_stmt *stmt, struct sqlsplit_error *err)
{
	while (sc->i < sc->len && sc->s[sc->i] != '\n')
		adv(sc, 1);
	adv(sc, 1);
	size_t data_start = sc->i;
	int line = sc->line;
	while (sc->i < sc->len) {
		size_t eol = sc->i;
		while (eol < sc->len && sc->s[eol] != '\n')
			eol++;
		size_t n = eol - sc->i;
		if ((n == 2 && sc->s[sc->i] == '\\' && sc->s[sc->i + 1] == '.') ||
		    (n == 3 && sc->s[sc->i] == '\\' && sc->s[sc->i + 1] == '.' && sc->s[sc->i + 2] == '\r')) {
			stmt->copy_data = sc->s + data_start;
			stmt->copy_len = sc->i - data_start;
			adv(sc, n + 1);
			return true;
		}
		adv(sc, n + 1);
	}
	err->line = line;
	err->col = 1;
	err->message = "COPY data is not terminated by a line \\.";
	return false;
}

/* Is the line comment at sc->i exactly "-- +goose <word>" (any case, any blanks)? */
static bool goose_marker(const struct scan *sc, const char *word)
{
	size_t j = sc->i + 2;
	while (j < sc->len && (sc->s[j] == ' ' || sc->s[j] == '\t'))
		j++;
	if (sc->len - j < 7 || strncasecmp(sc->s + j, "+goose ", 7) != 0)
		return false;
	j += 7;
	while (j < sc->len && sc->s[j] == ' ')
		j++;
	size_t n = strlen(word);
	if (sc->len - j < n || strncasecmp(sc->s + j, word, n) != 0)
		return false;
	j += n;
	while (j < sc->len && (sc->s[j] == ' ' || sc->s[j] == '\t' || sc->s[j] == '\r'))
		j++;
	return j >= sc->len || sc->s[j] == '\n';
}

bool sqlsplit(const char *text, size_t len, struct sql_script *out, struct sqlsplit_error *err)
{
	return sqlsplit_ex(text, len, 0, 1, out, err);
}

bool sqlsplit_ex(const char *text, size_t len, unsigned flags, int first_line, struct sql_script *out,
		 struct sqlsplit_error *err)
{
	struct scan sc = {.s = text, .len = len, .line = first_line, .col = 1};
	struct stmt_state st;
	int cap = 0;
	out->stmts = NULL;
	out->n = 0;
	stmt_reset(&st);
	/* A UTF-8 byte order mark is not part of the first statement. */
	sc.i = utf8_bom_len(text, len);

	while (sc.i < sc.len) {
		char c = at(&sc, 0);
		int line = sc.line, col = sc.col;
		if (c == '-' && at(&sc, 1) == '-' && (flags & SQLSPLIT_GOOSE) && goose_marker(&sc, "StatementBegin")) {
			/* Everything up to the StatementEnd line is one statement. */
			push(out, &cap, text, st.start == (size_t)-1 ? sc.i : st.start, sc.i, &st);
			stmt_reset(&st);
			while (sc.i < sc.len && at(&sc, 0) != '\n')
				adv(&sc, 1);
			adv(&sc, 1);
			size_t body = sc.i;
			int bline = sc.line;
			for (;;) {
				if (sc.i >= sc.len) {
					err->line = line; /* the StatementBegin line (bline - 1 is 0 when the marker ends the input) */
					err->col = 1;
					err->message = "-- +goose StatementBegin without StatementEnd";
					goto fail;
				}
				if (at(&sc, 0) == '-' && at(&sc, 1) == '-' && goose_marker(&sc, "StatementEnd"))
					break;
				while (sc.i < sc.len && at(&sc, 0) != '\n')
					adv(&sc, 1);
				adv(&sc, 1);
			}
			struct stmt_state blk;
			stmt_reset(&blk);
			blk.start = body;
			blk.line = bline;
			blk.col = 1;
			/* a block of only blanks is dropped */
			size_t k = body;
			while (k < sc.i && isspace((unsigned char)text[k]))
				k++;
			if (k < sc.i)
				push(out, &cap, text, body, sc.i, &blk);
			while (sc.i < sc.len && at(&sc, 0) != '\n')
				adv(&sc, 1);
		} else if (c == '-' && at(&sc, 1) == '-') {
			while (sc.i < sc.len && at(&sc, 0) != '\n')
				adv(&sc, 1);
		} else if (c == '/' && at(&sc, 1) == '*') {
			int depth = 0;
			do {
				if (at(&sc, 0) == '/' && at(&sc, 1) == '*') {
					depth++;
					adv(&sc, 2);
				} else if (at(&sc, 0) == '*' && at(&sc, 1) == '/') {
					depth--;
					adv(&sc, 2);
				} else {
					adv(&sc, 1);
				}
			} while (depth > 0 && sc.i < sc.len);
			if (depth > 0)
				goto unterminated_comment;
		} else if (isspace((unsigned char)c)) {
			adv(&sc, 1);
		} else if (c == '\'' || ((c == 'E' || c == 'e') && at(&sc, 1) == '\'' &&
					 (sc.i == 0 || !ident_char(text[sc.i - 1])))) {
			bool esc = c != '\'';
			mark_start(&st, &sc);
			adv(&sc, esc ? 2 : 1);
			for (;;) {
				if (sc.i >= sc.len)
					goto unterminated_string;
				if (esc && at(&sc, 0) == '\\') {
					adv(&sc, 2);
				} else if (at(&sc, 0) == '\'') {
					adv(&sc, 1);
					if (at(&sc, 0) != '\'')
						break;
					adv(&sc, 1);
				} else {
					adv(&sc, 1);
				}
			}
		} else if (c == '"') {
			mark_start(&st, &sc);
			adv(&sc, 1);
			for (;;) {
				if (sc.i >= sc.len)
					goto unterminated_ident;
				if (at(&sc, 0) == '"') {
					adv(&sc, 1);
					if (at(&sc, 0) != '"')
						break;
				}
				adv(&sc, 1);
			}
		} else if (c == '$' && (sc.i == 0 || !ident_char(text[sc.i - 1])) && dollar_tag(&sc)) {
			size_t tl = dollar_tag(&sc);
			const char *tag = text + sc.i;
			mark_start(&st, &sc);
			adv(&sc, tl);
			for (;;) {
				if (sc.i >= sc.len)
					goto unterminated_dollar;
				if (at(&sc, 0) == '$' && sc.len - sc.i >= tl && memcmp(text + sc.i, tag, tl) == 0) {
					adv(&sc, tl);
					break;
				}
				adv(&sc, 1);
			}
		} else if (ident_start(c)) {
			mark_start(&st, &sc);
			size_t w = sc.i;
			while (sc.i < sc.len && ident_char(at(&sc, 0)))
				adv(&sc, 1);
			on_word(&st, text + w, sc.i - w);
		} else if (c == '(') {
			mark_start(&st, &sc);
			st.paren++;
			adv(&sc, 1);
		} else if (c == ')') {
			mark_start(&st, &sc);
			if (st.paren > 0)
				st.paren--;
			adv(&sc, 1);
		} else if (c == ';' && st.paren == 0 && st.begin_depth == 0) {
			size_t stmt_start = st.start;
			bool copy = st.copy_stdin;
			push(out, &cap, text, stmt_start == (size_t)-1 ? sc.i : stmt_start, sc.i, &st);
			adv(&sc, 1);
			if (copy && !scan_copy_data(&sc, &out->stmts[out->n - 1], err))
				goto fail;
			stmt_reset(&st);
		} else {
			mark_start(&st, &sc);
			adv(&sc, 1);
		}
		(void)line;
		(void)col;
		continue;

	unterminated_comment:
		err->message = "unterminated /* comment";
		goto at_start;
	unterminated_string:
		err->message = "unterminated quoted string";
		goto at_start;
	unterminated_ident:
		err->message = "unterminated quoted identifier";
		goto at_start;
	unterminated_dollar:
		err->message = "unterminated dollar-quoted string";
	at_start:
		err->line = line;
		err->col = col;
		goto fail;
	}
	/* A last statement without ';' still counts, as in psql at end of file. */
	if (st.start != (size_t)-1) {
		push(out, &cap, text, st.start, sc.len, &st);
		if (st.copy_stdin) {
			err->line = st.line;
			err->col = st.col;
			err->message = "COPY ... FROM stdin needs ';' and data lines ending in \\.";
			goto fail;
		}
	}
	return true;

fail:
	sqlsplit_free(out);
	return false;
}

void sqlsplit_free(struct sql_script *s)
{
	free(s->stmts);
	s->stmts = NULL;
	s->n = 0;
}

void sqlsplit_locate(const struct sql_stmt *stmt, int position, int *line, int *col)
{
	*line = stmt->line;
	*col = stmt->col;
	int chars = 1;
	for (size_t i = 0; i < stmt->len && chars < position; i++) {
		unsigned char c = (unsigned char)stmt->text[i];
		if ((c & 0xC0) == 0x80)
			continue;
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
		/* the continuation bytes of this character are skipped above */
		chars++;
	}
}

bool sqlsplit_starts_with(const struct sql_stmt *stmt, const char *words)
{
	const char *p = stmt->text, *end = stmt->text + stmt->len;
	const char *w = words;
	while (*w) {
		/* skip blanks and comments in the statement */
		for (;;) {
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
				while (p < end && *p != '\n')
					p++;
			} else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
				/* block comments nest, as in sqlsplit() */
				const char *c = p + 2;
				int depth = 1;
				while (depth > 0 && end - c >= 2) {
					if (c[0] == '/' && c[1] == '*') {
						depth++;
						c += 2;
					} else if (c[0] == '*' && c[1] == '/') {
						depth--;
						c += 2;
					} else {
						c++;
					}
				}
				p = depth == 0 ? c : end;
			} else {
				break;
			}
		}
		while (*w == ' ')
			w++;
		size_t n = strcspn(w, " ");
		if ((size_t)(end - p) < n || strncasecmp(p, w, n) != 0)
			return false;
		p += n;
		if (p < end && ident_char(*p))
			return false;
		w += n;
	}
	return true;
}
