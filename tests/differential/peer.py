#!/usr/bin/env python3
"""peer.py FORMAT DIR -- apply a migration directory to one database with psql,
following the rules of the tool that owns the format, as the reference side of
the differential harness (tests/differential/harness.sh). Connection: the PG*
environment (superuser). Exit 0 when every up applied, 1 with the psql error.

Every rule below was checked in the tool's source with the search tool (Dec 2026):

golang-migrate (golang-migrate/migrate database/postgres/postgres.go, Run and
  runStatement): the whole file is read (io.ReadAll) and sent with ONE
  conn.ExecContext(query) and no arguments, i.e. one simple-protocol Query
  message over lib/pq; no transaction is opened by the tool
  (x-multi-statement=true, which splits on ';', is opt-in and not used here).
  Server side, a multi-statement simple query is one implicit transaction unless
  the text has its own BEGIN/COMMIT. Reproduced with `psql -c "$(cat file)"`:
  psql sends a -c string as one Query message. Versions in numeric order
  (source/parse.go: ^([0-9]+)_(.*)\.(down|up)\.(.*)$). History table as
  ensureVersionTable creates it: schema_migrations (version bigint not null
  primary key, dirty boolean not null), in the current schema.
dbmate (amacneil/dbmate pkg/dbmate/db.go, Migrate): per section,
  tx.Exec(section.Up) inside doTransaction (BEGIN ... COMMIT) unless the section
  says `-- migrate:up transaction:false`, then sqlDB.Exec(section.Up): again one
  Query message. Reproduced with psql -c BEGIN -c "$up" -c COMMIT (or one -c).
  Table: schema_migrations (version varchar(128) primary key) (postgres driver).
goose (pressly/goose provider_run.go, runIndividually/runSQL;
  internal/sqlparser/parser.go): the Up part is split into statements (a
  statement ends at a line whose last word before any '--' word ends in ';';
  StatementBegin/StatementEnd make one statement), each statement goes in its own
  ExecContext, all inside one BEGIN/COMMIT unless `-- +goose NO TRANSACTION`.
  Reproduced with one psql -c per statement between -c BEGIN and -c COMMIT.
  Table: goose_db_version (serial shape, see tests/data/formats/README.md) plus
  goose's version 0 row.
Flyway (documentation "Execute In Transaction" setting, default true, also in a
  script configuration file <script>.conf; flyway-database-postgresql
  PostgreSQLParser detectCanExecuteInTransaction: CREATE/DROP INDEX
  CONCURRENTLY and friends make a script non-transactional, flyway#3854): each
  V script, then each R script by description, is parsed into statements and
  executed one by one, in one transaction unless executeInTransaction=false or
  every statement is non-transactional. ${name} placeholders are replaced
  (placeholders come from PEER_PLACEHOLDERS="k=v,k=v"). COPY FROM STDIN reads the
  data that follows, up to \\. (PostgreSQLParser).
native (pginit's own NNNN_name.sql; used here for a pg_dump split in two): the
  way pg_dump's plain output is meant to be restored, `psql -X -f file` with
  ON_ERROR_STOP, every statement in autocommit.

Deliberate choices of the harness, the same for every tool:
- Every file runs in a new psql session, i.e. starts from the database's default
  session state. That is "N runs of one file" (what a team that deploys one new
  file at a time has), which is what issue 9 item 4 asks pginit to reproduce.
  Within one run, golang-migrate and goose keep one connection (goose:
  p.db.Conn in initialize) and dbmate's pool reuses its idle connection, so a
  session SET would leak there too.
- A file the old tool itself cannot send (COPY ... FROM stdin in golang-migrate,
  dbmate or goose: database/sql has no stdin) is applied with `psql -1 -f`, the
  nearest equivalent, and said so on stderr.
- The history table is created the way the tool creates it before its first
  migration; its rows are not written (the harness compares everything else).
"""
import os
import re
import subprocess
import sys

PSQL = [os.environ.get("PEER_PSQL", "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"]


def psql(args, stdin_data=None, what=""):
    r = subprocess.run(PSQL + args, input=(stdin_data or "").encode(), capture_output=True)
    if r.returncode != 0:
        sys.stderr.write("peer: %s failed:\n%s" % (what, r.stderr.decode(errors="replace")))
        sys.exit(1)
    err = r.stderr.decode(errors="replace")
    for line in err.splitlines():
        if "WARNING" in line or "ERROR" in line:
            sys.stderr.write("peer: %s: %s\n" % (what, line))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def has_copy_stdin(sql):
    return re.search(r"(?im)^\s*COPY\b[^;]*\bFROM\s+stdin", sql) is not None


def run_file_f(path_or_text, what, single_tx=True, text=False):
    args = ["-1"] if single_tx else []
    if text:
        psql(args + ["-f", "-"], path_or_text, what)
    else:
        psql(args + ["-f", path_or_text], None, what)


# ---------------------------------------------------------------------------
# A small PostgreSQL lexer for Flyway's statement splitting: quotes, E'' strings,
# "identifiers", $tag$ bodies, -- and nested /* */ comments, COPY FROM stdin data.
def split_statements(sql):
    out, i, n, start = [], 0, len(sql), 0
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "/" and sql.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if sql.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif sql.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif c == "'":
            esc = i > 0 and sql[i - 1] in "eE" and (i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
            i += 1
            while i < n:
                if esc and sql[i] == "\\":
                    i += 2
                    continue
                if sql[i] == "'":
                    if i + 1 < n and sql[i + 1] == "'":
                        i += 2
                        continue
                    break
                i += 1
            i += 1
        elif c == '"':
            j = sql.find('"', i + 1)
            i = n if j < 0 else j + 1
        elif c == "$":
            m = re.match(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$", sql[i:])
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                i = n if j < 0 else j + len(tag)
            else:
                i += 1
        elif c == ";":
            stmt = sql[start:i + 1]
            i += 1
            data = None
            if re.search(r"(?is)^\s*(?:--[^\n]*\n\s*)*COPY\b.*\bFROM\s+stdin", stmt.strip() and stmt):
                # the data lines follow the statement's line, up to a line "\."
                nl = sql.find("\n", i)
                nl = n if nl < 0 else nl + 1
                m = re.compile(r"^\\\.[ \t]*$", re.M).search(sql, nl)
                end = n if not m else m.end()
                data = sql[nl:end] + "\n"
                i = end
            out.append((stmt, data))
            start = i
        else:
            i += 1
    rest = sql[start:]
    if strip_comments(rest).strip():
        out.append((rest, None))
    return [(s, d) for s, d in out if strip_comments(s).strip(" \t\r\n;")]


def strip_comments(s):
    s = re.sub(r"(?m)--[^\n]*", "", s)
    return re.sub(r"(?s)/\*.*?\*/", "", s)


NON_TX = re.compile(r"(?is)^\s*(CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY|DROP\s+INDEX\s+CONCURRENTLY|"
                    r"REINDEX\b.*\bCONCURRENTLY|VACUUM\b|CREATE\s+DATABASE|DROP\s+DATABASE|ALTER\s+SYSTEM|"
                    r"CREATE\s+TABLESPACE|DROP\s+TABLESPACE|ALTER\s+TYPE\s+\S+\s+ADD\s+VALUE)")


# ---------------------------------------------------------------------------
def golang_migrate(d):
    psql(["-c", "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)"],
         what="golang-migrate table")
    files = []
    for f in os.listdir(d):
        m = re.match(r"^([0-9]+)_(.*)\.up\.(.*)$", f)
        if m:
            files.append((int(m.group(1)), f))
    for _, f in sorted(files):
        sql = read(os.path.join(d, f))
        if has_copy_stdin(sql):
            sys.stderr.write("peer: %s has COPY FROM stdin, which golang-migrate cannot send: psql -1 -f\n" % f)
            run_file_f(os.path.join(d, f), f)
        elif sql.strip():
            psql(["-c", sql], what=f)


def dbmate_sections(text):
    """[(up_sql, transaction)] of a dbmate file (migrate:up ... migrate:down)."""
    secs, cur, opts = [], None, ""
    for line in text.splitlines(keepends=True):
        m = re.match(r"^--\s*migrate:(up|down)(.*)$", line.rstrip("\r\n"))
        if m:
            if cur is not None:
                secs.append((cur, "transaction:false" not in opts))
            cur, opts = ([] if m.group(1) == "up" else None), m.group(2)
            continue
        if cur is not None:
            cur.append(line)
    if cur is not None:
        secs.append((cur, "transaction:false" not in opts))
    return [("".join(s), tx) for s, tx in secs]


def dbmate(d):
    psql(["-c", "CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) primary key)"], what="dbmate table")
    for f in sorted(x for x in os.listdir(d) if re.match(r"^[0-9]+_.*\.sql$", x)):
        for up, tx in dbmate_sections(read(os.path.join(d, f))):
            if has_copy_stdin(up):
                sys.stderr.write("peer: %s has COPY FROM stdin, which dbmate cannot send: psql -1 -f\n" % f)
                run_file_f(up, f, single_tx=tx, text=True)
            elif tx:
                psql(["-c", "BEGIN", "-c", up, "-c", "COMMIT"], what=f)
            else:
                psql(["-c", up], what=f)


def goose_up(text):
    """(statements, use_tx) of goose's Up part, by goose's line rules."""
    stmts, buf, up, block, use_tx = [], [], False, False, True
    for line in text.splitlines(keepends=True):
        s = line.strip()
        if s.startswith("--") and "+goose" in line:
            word = s.replace("--", "").replace("+goose", "", 1).strip().lower()
            if word == "up":
                up = True
            elif word == "down":
                up = False
            elif word == "no transaction":
                use_tx = False
            elif word == "statementbegin" and up:
                block = True
            elif word == "statementend" and up:
                block = False
                stmts.append("".join(buf))
                buf = []
            continue
        if not up:
            continue
        buf.append(line)
        if block:
            continue
        words = []
        for w in line.split():
            if w.startswith("--"):
                break
            words.append(w)
        if words and words[-1].endswith(";"):
            stmts.append("".join(buf))
            buf = []
    return [x for x in stmts if x.strip()], use_tx


def goose(d):
    psql(["-c", "CREATE TABLE IF NOT EXISTS goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, "
          "is_applied boolean NOT NULL, tstamp timestamp NULL default now(), PRIMARY KEY(id)); "
          "INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)"], what="goose table")
    files = []
    for f in os.listdir(d):
        m = re.match(r"^([0-9]+)_.*\.sql$", f)
        if m:
            files.append((int(m.group(1)), f))
    for _, f in sorted(files):
        text = read(os.path.join(d, f))
        stmts, tx = goose_up(text)
        if has_copy_stdin("".join(stmts)) or has_copy_stdin(text):
            sys.stderr.write("peer: %s has COPY FROM stdin, which goose cannot send: psql -1 -f of its Up part\n" % f)
            up = text.split("-- +goose Down")[0]
            run_file_f(up, f, single_tx=tx, text=True)
            continue
        args = []
        for st in stmts:
            args += ["-c", st]
        if not args:
            continue
        psql((["-c", "BEGIN"] + args + ["-c", "COMMIT"]) if tx else args, what=f)


def flyway_version_key(f):
    v = re.match(r"^V([0-9][0-9_.]*)__", f).group(1)
    return [int(p) for p in re.split(r"[._]", v) if p != ""]


def flyway(d):
    psql(["-c", 'CREATE TABLE IF NOT EXISTS flyway_schema_history ("installed_rank" INT NOT NULL, "version" VARCHAR(50), '
          '"description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, '
          '"checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(), '
          '"execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL, '
          'CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))'], what="flyway table")
    ph = {}
    for kv in filter(None, os.environ.get("PEER_PLACEHOLDERS", "").split(",")):
        k, v = kv.split("=", 1)
        ph[k] = v
    vs = sorted((f for f in os.listdir(d) if re.match(r"^V[0-9].*__.*\.sql$", f)), key=flyway_version_key)
    rs = sorted((f for f in os.listdir(d) if re.match(r"^R__.*\.sql$", f)), key=lambda f: f[3:-4])
    for f in vs + rs:
        sql = read(os.path.join(d, f))
        sql = re.sub(r"\$\{([A-Za-z0-9_.:]+)\}", lambda m: ph.get(m.group(1), m.group(0)), sql)
        conf = os.path.join(d, f + ".conf")
        in_tx = True
        if os.path.exists(conf) and re.search(r"(?m)^\s*executeInTransaction\s*=\s*false\s*$", read(conf)):
            in_tx = False
        stmts = split_statements(sql)
        if stmts and all(NON_TX.match(strip_comments(s)) for s, _ in stmts):
            in_tx = False
        args, data = [], ""
        for s, dat in stmts:
            args += ["-c", s]
            if dat:
                data += dat
        if not args:
            continue
        psql((["-c", "BEGIN"] + args + ["-c", "COMMIT"]) if in_tx else args, stdin_data=data, what=f)


def native(d):
    for f in sorted(x for x in os.listdir(d) if re.match(r"^[0-9]+_.*\.sql$", x) and not x.endswith(".down.sql")):
        run_file_f(os.path.join(d, f), f, single_tx=False)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: peer.py FORMAT DIR\n")
        sys.exit(2)
    fmt, d = sys.argv[1], sys.argv[2]
    init = d.rstrip("/") + ".initdb.d"
    if os.path.isdir(init):
        for f in sorted(os.listdir(init)):
            if f.endswith(".sql"):
                run_file_f(os.path.join(init, f), "initdb.d/" + f, single_tx=False)
    {"golang-migrate": golang_migrate, "dbmate": dbmate, "goose": goose, "flyway": flyway, "native": native}[fmt](d)


if __name__ == "__main__":
    main()
