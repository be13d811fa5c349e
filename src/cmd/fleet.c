/*
 * fleet — run, migrate, status or validate over many targets: the databases
 * listed in fleet.databases or matching fleet.pattern, the connection strings
 * of fleet.targets_file, or the schemas of one database (fleet.schemas,
 * fleet.schema_pattern). See cmd.h.
 *
 * One forked worker per target, at most -j N at once. A process per target
 * keeps each target's libpq connections, signal state, placeholders and log
 * capture apart without touching the single-target code: a worker is the
 * ordinary command with the target's dbname (or schema) put into its copy of
 * the config. Its stdout/stderr go to a file in memory (memfd; an unlinked
 * temporary file where the kernel has none), so a fleet writes nothing to a
 * file system (read-only roots); the parent reads it when the worker exits to
 * print one line per target. A worker that cannot be started counts as a
 * failed target (exit 6).
 *
 * --shard I/N keeps the targets whose FNV-1a hash of the name, mod N, is I-1:
 * a target's shard depends only on its own name, so adding targets never
 * moves the others (at the price of shards uneven by a few targets).
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sig.h"
#include "util.h"
#include "wait.h"

struct target {
	char *name;                       /* what the line shows and the shard hashes */
	char *dbname, *host, *user, *pass; /* NULL: the config's */
	int port;                          /* 0: the config's */
	char *schema;                      /* schema fleets */
};

struct tlist {
	struct target *t;
	int n;
};

enum tstate { T_WAITING, T_RUNNING, T_DONE, T_NOT_STARTED };

struct slot {
	pid_t pid;
	FILE *out;
	int64_t t0;
	long ms;
	int code;
	enum tstate state;
	bool skipped; /* up to date: nothing done */
	char *detail;
};

bool fleet_configured(const struct config *cfg)
{
	return cfg->fleet_databases.n || *cfg->fleet_pattern || *cfg->fleet_targets_file || cfg->fleet_schemas.n ||
	       *cfg->fleet_schema_pattern;
}

static bool schema_mode(const struct config *cfg)
{
	return cfg->fleet_schemas.n || *cfg->fleet_schema_pattern;
}

/* A database target (schema false) or a schema target, by name. */
static void tlist_add(struct tlist *l, const char *name, bool schema)
{
	l->t = xrealloc(l->t, sizeof *l->t * (size_t)(l->n + 1));
	l->t[l->n++] = (struct target){.name = xstrdup(name), .dbname = schema ? NULL : xstrdup(name),
				       .schema = schema ? xstrdup(name) : NULL};
}

static void target_free(struct target *t)
{
	free(t->name);
	free(t->dbname);
	free(t->host);
	free(t->user);
	free_secret(t->pass);
	free(t->schema);
}

static void tlist_free(struct tlist *l)
{
	for (int i = 0; i < l->n; i++)
		target_free(&l->t[i]);
	free(l->t);
}

/* Names matching a LIKE pattern: databases (maintenance db) or schemas (the target db). */
static enum rc by_pattern(const struct config *cfg, bool schemas, const char *pattern, struct tlist *l)
{
	struct db_params p = session_params(cfg, schemas ? cfg->dbname : cfg->maintenance_db);
	struct db *db = NULL;
	enum rc rc = wait_for_server(&p, cfg->profile->wait_timeout_ms, &db);
	if (rc != RC_OK)
		return rc;
	const char *params[] = {pattern};
	struct db_error err = {0};
	struct db_result *r =
		db_query(db,
			 schemas ? "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1 ORDER BY 1"
				 : "SELECT datname FROM pg_database WHERE datname LIKE $1 AND NOT datistemplate ORDER BY 1",
			 1, params, &err);
	if (!r) {
		log_error("unable to list the %s matching '%s': %s", schemas ? "schemas" : "databases", pattern,
			  err.message);
		rc = RC_CONNECT;
	}
	for (int i = 0; r && i < db_nrows(r); i++)
		tlist_add(l, db_get(r, i, 0), schemas);
	db_result_free(r);
	db_error_clear(&err);
	db_close(db);
	return rc;
}

/* One connection string per line; blank lines and # comments are skipped. */
static enum rc from_file(const char *path, struct tlist *l)
{
	char *text = NULL;
	size_t len = 0;
	if (!read_file(path, &text, &len)) {
		log_error("unable to read fleet.targets_file %s: %s", path, strerror(errno));
		log_hint("one connection string (URI or key=value) per line");
		return RC_CONFIG;
	}
	enum rc rc = RC_OK;
	int lineno = 0;
	for (char *line = text, *next; rc == RC_OK && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (!*line || *line == '#')
			continue;
		struct strlist keys = {0}, vals = {0};
		char *err = NULL;
		if (!db_conninfo_parse(line, &keys, &vals, &err)) {
			free(err); /* it may quote the line, password included */
			log_error_at(&(struct log_where){.file = path, .line = lineno}, "not a connection string");
			log_hint("one URI (postgresql://host:port/db) or key=value string per line");
			rc = RC_CONFIG;
		}
		struct target t = {0};
		for (int i = 0; i < keys.n; i++) {
			const char *k = keys.items[i], *v = vals.items[i];
			long port;
			if (!strcmp(k, "dbname"))
				t.dbname = xstrdup(v);
			else if (!strcmp(k, "host"))
				t.host = xstrdup(v);
			else if (!strcmp(k, "user"))
				t.user = xstrdup(v);
			else if (!strcmp(k, "password"))
				t.pass = xstrdup(v);
			else if (!strcmp(k, "port") && parse_long(v, &port) && port > 0 && port < 65536)
				t.port = (int)port;
			wipe(vals.items[i], strlen(vals.items[i]));
		}
		strlist_free(&keys);
		strlist_free(&vals);
		if (rc == RC_OK && !t.dbname) {
			log_error_at(&(struct log_where){.file = path, .line = lineno}, "connection string names no database");
			log_hint("add dbname=NAME (or /NAME in a URI)");
			rc = RC_CONFIG;
		}
		if (rc == RC_OK) {
			t.name = t.host ? xasprintf("%s@%s:%d", t.dbname, t.host, t.port ? t.port : 5432) : xstrdup(t.dbname);
			l->t = xrealloc(l->t, sizeof *l->t * (size_t)(l->n + 1));
				l->t[l->n++] = t;
		} else {
			target_free(&t);
		}
	}
	free(text);
	return rc;
}

static enum rc resolve(const struct config *cfg, struct tlist *l)
{
	bool dbs = cfg->fleet_databases.n || *cfg->fleet_pattern || *cfg->fleet_targets_file;
	if (dbs && schema_mode(cfg)) {
		log_error("unable to build the fleet: fleet.schemas/schema_pattern and fleet.databases/pattern/targets_file "
			  "are both set");
		log_hint("a fleet is either databases or the schemas of one database");
		return RC_CONFIG;
	}
	enum rc rc = RC_OK;
	for (int i = 0; i < cfg->fleet_databases.n; i++)
		tlist_add(l, cfg->fleet_databases.items[i], false);
	for (int i = 0; i < cfg->fleet_schemas.n; i++)
		tlist_add(l, cfg->fleet_schemas.items[i], true);
	if (rc == RC_OK && *cfg->fleet_targets_file)
		rc = from_file(cfg->fleet_targets_file, l);
	if (rc == RC_OK && *cfg->fleet_pattern)
		rc = by_pattern(cfg, false, cfg->fleet_pattern, l);
	if (rc == RC_OK && *cfg->fleet_schema_pattern)
		rc = by_pattern(cfg, true, cfg->fleet_schema_pattern, l);
	return rc;
}

uint64_t fleet_hash(const char *name)
{
	uint64_t h = 14695981039346656037ULL;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Keep this shard's targets (and each name once), in name order as given. */
static void select_shard(struct tlist *l, int index, int count)
{
	int k = 0;
	for (int i = 0; i < l->n; i++) {
		bool dup = false;
		for (int j = 0; j < k && !dup; j++)
			dup = strcmp(l->t[j].name, l->t[i].name) == 0;
		if (!dup && (count <= 1 || (int)(fleet_hash(l->t[i].name) % (uint64_t)count) == index - 1)) {
			l->t[k++] = l->t[i];
			continue;
		}
		target_free(&l->t[i]);
	}
	l->n = k;
}

/* ${schema} in the ledger schema setting. */
static char *schema_ledger(const char *tmpl, const char *schema)
{
	struct buf b = {0};
	for (const char *p = tmpl; *p;) {
		if (strncmp(p, "${schema}", 9) == 0) {
			buf_puts(&b, schema);
			p += 9;
		} else {
			buf_putc(&b, *p++);
		}
	}
	return buf_steal(&b);
}

static void replace(char **slot, const char *v)
{
	free(*slot);
	*slot = xstrdup(v);
}

/* The worker's config is its own copy (after fork): point it at the target. false: logged. */
static bool aim(struct ctx *ctx, const struct target *t)
{
	struct config *cfg = ctx->cfg;
	if (t->host)
		replace(&cfg->host, t->host);
	if (t->user)
		replace(&cfg->user, t->user);
	if (t->port)
		cfg->port = t->port;
	if (t->host || t->port) { /* one server: a port list of the config does not apply */
		free(cfg->ports);
		cfg->ports = xasprintf("%d", cfg->port);
	}
	if (t->pass) {
		free_secret(cfg->password);
		cfg->password = xstrdup(t->pass);
	}
	/* The target's database, and the role names that follow it (${database}_owner, ...). */
	if (t->dbname && config_retarget(cfg, t->dbname) != RC_OK)
		return false;
	if (t->schema) {
		replace(&cfg->tenant_schema, t->schema);
		char *ledger = schema_ledger(cfg->fleet_schema_ledger, t->schema);
		replace(&cfg->ledger_schema, ledger);
		free(ledger);
		/* Every connection of this worker: the tenant's schema first. libpq reads PGOPTIONS. */
		struct buf o = {0};
		buf_puts(&o, "-c search_path=");
		for (const char *p = t->schema; *p; p++) {
			if (*p == ' ' || *p == '\\')
				buf_putc(&o, '\\');
			buf_putc(&o, *p);
		}
		setenv("PGOPTIONS", o.data, 1);
		buf_free(&o);
	}
	/* The placeholders again: ${database}, ${schema}, ${ledger_schema} are the target's. */
	command_done(ctx);
	memset(&ctx->vars, 0, sizeof ctx->vars);
	return command_prepare(ctx) == RC_OK;
}

/* In the worker: the command against one target. Returns the exit status. */
static int work(struct ctx *ctx, const struct target *t, bool status_check)
{
	if (!aim(ctx, t))
		return RC_CONFIG;
	/* A schema fleet's database was bootstrapped once, by the parent: grants on one database do not run in parallel. */
	static struct command own;
	if (t->schema) {
		own = *ctx->cmd;
		own.needs &= ~(unsigned)NEED_BOOTSTRAP;
		ctx->cmd = &own;
	}
	enum rc rc;
	bool changes = ctx->cmd->fn == cmd_run || ctx->cmd->fn == cmd_migrate;
	if (changes && !ctx->opts.dry_run && cmd_up_to_date(ctx)) {
		log_info("fleet: %s is up to date; nothing to do", t->name);
		rc = RC_OK;
	} else {
		if (status_check)
			ctx->opts.check = true;
		rc = ctx->cmd->fn(ctx);
	}
	fflush(stdout);
	fflush(stderr);
	if (rc == RC_SIGNAL)
		return 128 + (sig_caught() ? sig_caught() : 15);
	return (int)rc;
}

/* The worker's log: the first error line, or the line that says what was done. */
static char *detail_of(FILE *out, bool *skipped)
{
	char line[1024], *first_error = NULL, *done = NULL;
	rewind(out);
	while (fgets(line, sizeof line, out)) {
		line[strcspn(line, "\n")] = '\0';
		const char *e = strstr(line, "error: ");
		if (e && !first_error)
			first_error = xstrdup(e + 7);
		if (strstr(line, "is up to date; nothing to do"))
			*skipped = true;
		const char *d = strstr(line, " done in ");
		const char *m = strncmp(line, "migrations (", 12) == 0 ? strstr(line, "): ") : NULL;
		if (d && strstr(d, ": ")) {
			free(done);
			done = xstrdup(strstr(d, ": ") + 2);
		} else if (m) {
			free(done);
			done = xstrdup(m + 3);
		}
	}
	if (first_error) {
		free(done);
		return first_error;
	}
	return done ? done : xstrdup(*skipped ? "up to date" : "");
}

static void copy_out(FILE *out)
{
	char buf[4096];
	size_t n;
	rewind(out);
	while ((n = fread(buf, 1, sizeof buf, out)) > 0)
		fwrite(buf, 1, n, stdout);
}

static const char *state_word(const struct slot *s, bool status)
{
	if (s->state == T_NOT_STARTED)
		return "not-started";
	if (s->skipped)
		return "up-to-date";
	if (s->code == 0)
		return "ok";
	if (status && s->code == RC_PENDING)
		return "behind";
	if (status && s->code == RC_VALIDATE)
		return "drifted";
	return "failed";
}

struct fleet {
	struct ctx *ctx;
	struct tlist *l;
	struct slot *slots;
	int jobs, running, worst;
	bool status, stop, killed;
};

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

/* A worker's log: in memory where the kernel can (memfd), else an unlinked temporary file. */
static FILE *worker_log(void)
{
#ifdef SYS_memfd_create
	int fd = (int)syscall(SYS_memfd_create, "pginit-worker", MFD_CLOEXEC);
	if (fd >= 0) {
		FILE *f = fdopen(fd, "w+");
		if (f)
			return f;
		close(fd);
	}
#endif
	return tmpfile();
}

static void start(struct fleet *f, int i)
{
	struct slot *s = &f->slots[i];
	s->out = worker_log();
	s->t0 = now_ms();
	fflush(stdout);
	fflush(stderr);
	pid_t pid = s->out ? fork() : -1;
	if (pid == 0) {
		dup2(fileno(s->out), 1);
		dup2(fileno(s->out), 2);
		_exit(work(f->ctx, &f->l->t[i], f->status));
	}
	if (pid < 0) {
		log_error("unable to start a worker for %s: %s", f->l->t[i].name, strerror(errno));
		s->state = T_DONE;
		s->code = RC_CONNECT;
		s->detail = xstrdup("no worker");
		if (s->out)
			fclose(s->out);
		s->out = NULL;
		if (s->code > f->worst)
			f->worst = s->code;
		if (f->ctx->opts.fail_fast)
			f->stop = true;
		if (!f->ctx->opts.json)
			printf("%-32s %-11s exit %-3d %6ld ms  %s\n", f->l->t[i].name, state_word(s, f->status), s->code,
			       s->ms, s->detail);
		return;
	}
	s->pid = pid;
	s->state = T_RUNNING;
	f->running++;
}

static void finish(struct fleet *f, int i, int wstatus)
{
	struct slot *s = &f->slots[i];
	s->ms = (long)(now_ms() - s->t0);
	s->code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
	s->detail = detail_of(s->out, &s->skipped);
	s->state = T_DONE;
	f->running--;
	/* status without --check reports who is behind but exits 0 for it. */
	int counted = f->status && !f->ctx->opts.check && (s->code == RC_PENDING || s->code == RC_VALIDATE) ? 0 : s->code;
	if (counted > f->worst)
		f->worst = counted;
	if (counted && f->ctx->opts.fail_fast)
		f->stop = true;
	if (!f->ctx->opts.json) {
		printf("%-32s %-11s exit %-3d %6ld ms  %s\n", f->l->t[i].name, state_word(s, f->status), s->code, s->ms,
		       s->detail);
		if (f->ctx->opts.dry_run) /* the plan and its SQL are the point of a dry run */
			copy_out(s->out);
		fflush(stdout);
	}
	fclose(s->out);
	s->out = NULL;
}

/* On a signal: start no more targets and pass it on, once, to the running workers. */
static void forward_signal(struct fleet *f)
{
	if (!sig_caught() || f->killed)
		return;
	f->stop = f->killed = true;
	for (int i = 0; i < f->l->n; i++)
		if (f->slots[i].state == T_RUNNING)
			kill(f->slots[i].pid, sig_caught());
}

/* Wait for one worker. */
static void reap(struct fleet *f)
{
	int wstatus;
	forward_signal(f);
	pid_t pid = waitpid(-1, &wstatus, 0);
	if (pid < 0) {
		forward_signal(f);
		return;
	}
	for (int i = 0; i < f->l->n; i++)
		if (f->slots[i].state == T_RUNNING && f->slots[i].pid == pid)
			finish(f, i, wstatus);
}

static void summary(struct fleet *f, int64_t t0, int total)
{
	int ok = 0, fresh = 0, failed = 0, behind = 0, unstarted = 0;
	for (int i = 0; i < f->l->n; i++) {
		const char *w = state_word(&f->slots[i], f->status);
		ok += !strcmp(w, "ok") || !strcmp(w, "up-to-date");
		fresh += !strcmp(w, "up-to-date");
		behind += !strcmp(w, "behind") || !strcmp(w, "drifted");
		failed += !strcmp(w, "failed");
		unstarted += !strcmp(w, "not-started");
	}
	long ms = (long)(now_ms() - t0);
	const struct cmd_opts *o = &f->ctx->opts;
	if (!o->json) {
		printf("fleet %s: %d target%s", f->ctx->cmd->name, f->l->n, f->l->n == 1 ? "" : "s");
		if (o->shard_count > 1)
			printf(" (shard %d/%d of %d)", o->shard_index, o->shard_count, total);
		printf(": %d ok (%d up to date), %d behind, %d failed, %d not started; exit %d in %ld ms\n", ok, fresh,
		       behind, failed, unstarted, f->worst, ms);
		return;
	}
	struct buf b = {0};
	buf_puts(&b, "{\"command\":");
	buf_json_str(&b, f->ctx->cmd->name);
	buf_puts(&b, ",\"targets\":[");
	for (int i = 0; i < f->l->n; i++) {
		const struct slot *s = &f->slots[i];
		buf_puts(&b, i ? ",{\"target\":" : "{\"target\":");
		buf_json_str(&b, f->l->t[i].name);
		buf_printf(&b, ",\"state\":\"%s\",\"exit\":%d,\"duration_ms\":%ld,\"detail\":", state_word(s, f->status),
			   s->code, s->ms);
		buf_json_str(&b, s->detail ? s->detail : "");
		buf_putc(&b, '}');
	}
	buf_printf(&b, "],\"shard\":{\"index\":%d,\"count\":%d,\"fleet\":%d},", o->shard_count > 1 ? o->shard_index : 1,
		   o->shard_count > 1 ? o->shard_count : 1, total);
	buf_printf(&b, "\"ok\":%d,\"up_to_date\":%d,\"behind\":%d,\"failed\":%d,\"not_started\":%d,\"exit\":%d,"
		       "\"duration_ms\":%ld}\n", ok, fresh, behind, failed, unstarted, f->worst, ms);
	fputs(b.data, stdout);
	buf_free(&b);
}

/* A schema fleet shares one database: bootstrap it once (roles, database, every tenant schema, grants). */
static enum rc bootstrap_schemas(struct ctx *ctx, const struct tlist *l)
{
	struct config *cfg = ctx->cfg;
	for (int i = 0; i < l->n; i++)
		strlist_add(&cfg->schemas, l->t[i].schema);
	struct session s = {.cfg = cfg, .command = "bootstrap", .needs = NEED_CONFIG | NEED_BOOTSTRAP,
			    .format = ctx->format};
	return session_run(&s, NULL);
}

enum rc cmd_fleet(struct ctx *ctx)
{
	struct cmd_opts *o = &ctx->opts;
	if (o->exec_argv) {
		log_error("run --exec: a fleet has no one application to become");
		log_hint("start the application separately, or run pginit without a fleet.* target key");
		return RC_USAGE;
	}
	struct tlist l = {0};
	int64_t t0 = now_ms();
	enum rc rc = resolve(ctx->cfg, &l);
	int total = l.n;
	if (rc == RC_OK)
		select_shard(&l, o->shard_index, o->shard_count);
	bool status = ctx->cmd->fn == cmd_status;
	if (rc == RC_OK && schema_mode(ctx->cfg) && (ctx->cmd->needs & NEED_BOOTSTRAP) && !o->dry_run && l.n)
		rc = bootstrap_schemas(ctx, &l);
	if (rc != RC_OK) {
		tlist_free(&l);
		return rc;
	}
	struct fleet f = {.ctx = ctx, .l = &l, .slots = xcalloc((size_t)l.n + 1, sizeof(struct slot)),
			  .jobs = o->jobs > 0 ? o->jobs : ctx->cfg->fleet_jobs > 0 ? ctx->cfg->fleet_jobs : 1,
			  .status = status};
	log_info("fleet %s: %d target%s%s, %d at a time", ctx->cmd->name, l.n, l.n == 1 ? "" : "s",
		 o->shard_count > 1 ? " in this shard" : "", f.jobs);
	int next = 0;
	while (next < l.n || f.running) {
		while (!f.stop && f.running < f.jobs && next < l.n)
			start(&f, next++);
		if (f.stop && !f.running)
			break;
		if (f.running)
			reap(&f);
		if (sig_caught())
			f.stop = true;
	}
	for (int i = next; i < l.n; i++)
		f.slots[i].state = T_NOT_STARTED;
	summary(&f, t0, total);
	int worst = f.worst;
	for (int i = 0; i < l.n; i++)
		free(f.slots[i].detail);
	free(f.slots);
	tlist_free(&l);
	if (sig_caught())
		return RC_SIGNAL;
	return (enum rc)worst;
}
