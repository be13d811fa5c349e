#!/usr/bin/env python3
"""Check deploy/kubernetes/*.yaml against what pginit depends on.

Usage: tests/deploy/check-kubernetes.py   (PGINIT_BIN: the binary, default build/pginit)

Parses every YAML file (PyYAML, Debian python3-yaml) and, for every container that runs
the pginit image (in a Job, a Deployment, ...):
  - the image has a tag that is not `latest`, and the image's ENTRYPOINT is kept
    (no `command:`, or exactly /pginit);
  - `args` are global options followed by a command that `pginit help` lists;
  - every env name is one pginit reads: `pginit help config`'s variables, the ones
    `pginit help` names, the secrets' NAME / NAME_FILE (secret names from README.md's
    configuration table), and the libpq / postgres-image variables of README.md's
    precedence list (each must be named in README.md);
  - no password in the environment: no value or secretKeyRef for a secret variable,
    every *_FILE variable points into /run/secrets to a key of the Secret mounted there;
  - /run/secrets is a read-only mount of a secret volume of a Secret defined here, and
    /run/pginit (the credentials file's directory) is an emptyDir;
  - pginit accepts the container's PGINIT_* values (`validate --offline` with them and
    the configuration the image ships: profile names, modes, durations);
  - securityContext (the container's over the pod's): runAsNonRoot, runAsUser 65532,
    readOnlyRootFilesystem, allowPrivilegeEscalation false, not privileged, drop ALL;
  - a Job does not restart the pod in place forever (restartPolicy Never/OnFailure,
    backoffLimit set);
  - the command's own options are ones `pginit help` lists for it (its synopsis, and the
    fleet options for the commands that take them);
  - an Indexed Job (completionMode: Indexed) over a fleet: args name a fleet
    (-s fleet.* or a PGINIT_FLEET_* target variable) and say `--shard N` (no I: each pod
    takes its index from JOB_COMPLETION_INDEX, which Kubernetes sets from 0 and the
    manifest must not override), N equal to completions, parallelism 1..completions;
    and pginit itself, run with the pod's arguments once per index 0..completions-1 (its
    JOB_COMPLETION_INDEX) over a stand-in fleet of 30 databases, must accept every index
    and cover every database exactly once. `--shard N` outside an Indexed Job is refused.
The Secret: only stringData, exactly the keys pginit reads, placeholder values.
At least one Job, one Indexed Job and one initContainer must be present.

Then it checks itself: a set of broken copies of the files must each be refused.
Exit status: 0 when everything holds, 1 otherwise (one line per problem).
"""
import copy
import glob
import json
import os
import re
import subprocess
import sys

import yaml

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
KDIR = os.path.join(TOP, "deploy", "kubernetes")
UID = 65532
SECRETS_DIR = "/run/secrets"
RUN_DIR = "/run/pginit"
# README.md, Configuration, precedence items 3-5, Secrets and the log format: variables
# pginit reads that `pginit help config` does not list (each is checked to be in README.md).
README_VARS = [
    "PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE", "PGSSLROOTCERT",
    "PGCONNECT_TIMEOUT", "PGAPPNAME", "PGTARGETSESSIONATTRS", "POSTGRES_USER",
    "POSTGRES_DB", "POSTGRES_USER_FILE", "POSTGRES_DB_FILE", "DATABASE_URL",
    "PGPASSWORD", "PGINIT_LOG_FORMAT", "PGINIT_SECRETS_DIR",
]
# Global options that take a value (pginit help).
OPTS_WITH_ARG = {"-c", "--config", "-p", "--profile", "-s", "--set", "--log-format"}
OPTS_FLAG = {"-v", "--verbose", "-q", "--quiet"}
# Configuration keys and variables that make a fleet (pginit help config).
FLEET_TARGET_KEYS = {"fleet.databases", "fleet.pattern", "fleet.targets_file", "fleet.schemas", "fleet.schema_pattern"}
FLEET_TARGET_VARS = {"PGINIT_FLEET_DATABASES", "PGINIT_FLEET_PATTERN", "PGINIT_FLEET_TARGETS_FILE",
                     "PGINIT_FLEET_SCHEMAS", "PGINIT_FLEET_SCHEMA_PATTERN"}
# The stand-in fleet the shard coverage is computed over.
STAND_IN = ["tenant_%02d" % i for i in range(1, 31)]


def pginit_bin():
    return os.environ.get("PGINIT_BIN", os.path.join(TOP, "build", "pginit"))


def pginit(*args):
    return subprocess.run([pginit_bin(), *args], check=True, capture_output=True, text=True).stdout


def facts():
    """What pginit itself says it accepts."""
    help_text = pginit("help")
    commands = set()
    in_commands = False
    for line in help_text.splitlines():
        if line == "commands:":
            in_commands = True
        elif in_commands and not line.strip():
            in_commands = False
        elif in_commands and re.match(r"^  [a-z]", line):
            commands.add(line.split()[0])
    env = set(re.findall(r"\$?\b(PGINIT_[A-Z_]+|JOB_COMPLETION_INDEX)\b", help_text))
    # Each command's options (its synopsis line), and the fleet options with the
    # commands they apply to ("fleet options (run, migrate, ...):"); an option followed
    # by an upper-case word takes a value.
    cmd_opts = {}
    for line in help_text.splitlines():
        m = re.match(r"^  ([a-z]+)( \[.*)?$", line)
        if m and m.group(1) in commands:
            cmd_opts[m.group(1)] = option_words(m.group(2) or "")
    fleet_cmds, fleet_opts = set(), {}
    m = re.search(r"^fleet options \(([a-z, ]+)[^)]*\):\n((?:  .*\n)+)", help_text, re.M)
    if m:
        fleet_cmds = {w.split()[0] for w in m.group(1).split(",") if w.split()}
        for line in m.group(2).splitlines():
            spec = re.match(r"^\s+(-\S.*?)(?:\s{2,}|$)", line)
            if spec:
                fleet_opts.update(option_words(spec.group(1)))
    for line in pginit("help", "config").splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 3 and cols[2] != "-":
            env.add(cols[2])
    with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    # `POSTGRES_USER`, `POSTGRES_DB` (each also as `_FILE`): a _FILE variable counts as
    # named when its base is and README.md says `_FILE` next to it.
    def named(v):
        if re.search(r"\b%s\b" % v, readme):
            return True
        base = v[:-len("_FILE")] if v.endswith("_FILE") else None
        return bool(base) and bool(re.search(r"`%s`[^\n]*also as `_FILE`" % base, readme))
    missing = [v for v in README_VARS if not named(v)]
    # Secret names: the defaults in README.md's table (connection.password_secret, roles.app.secret).
    secrets = []
    for key in ("connection.password_secret", "roles.app.secret"):
        m = re.search(r"^\| `%s` \|.*\(`([a-z_]+)`\) \|$" % re.escape(key), readme, re.M)
        if m:
            secrets.append(m.group(1))
        else:
            missing.append("default of " + key)
    env |= set(README_VARS)
    secret_vars = set()
    for s in secrets:
        secret_vars |= {s.upper(), s.upper() + "_FILE"}
    env |= secret_vars
    return {"commands": commands, "env": env, "secrets": secrets, "cmd_opts": cmd_opts,
            "fleet_cmds": fleet_cmds, "fleet_opts": fleet_opts,
            "secret_values": {s.upper() for s in secrets} | {"PGPASSWORD", "DATABASE_URL"},
            "readme_missing": missing}


def option_words(text):
    """{option: takes a value} of a help line or synopsis ("-j, --jobs N", "[--json]")."""
    opts = {}
    words = re.sub(r"[\[\]|]", " ", text).split()
    aliases = []
    for i, w in enumerate(words):
        if re.match(r"^--?[a-z][a-z-]*,?$", w):
            aliases.append(w.rstrip(","))
            if w.endswith(","):
                continue
            # "-j, --jobs N": every alias takes the value the last one takes.
            value = i + 1 < len(words) and bool(re.match(r"^[A-Z][A-Z/.]*$", words[i + 1]))
            opts.update({a: value for a in aliases})
        aliases = []
    return opts


def load():
    docs = []
    for path in sorted(glob.glob(os.path.join(KDIR, "*.yaml")) + glob.glob(os.path.join(KDIR, "*.yml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    docs.append((os.path.relpath(path, TOP), doc))
    return docs


def pod_specs(doc):
    """(pod spec, owner kind) of a workload, or None."""
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    if kind in ("Job", "CronJob", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        return ((spec.get("template") or {}).get("spec")) or {}
    if kind == "Pod":
        return spec
    return None


def is_pginit(image):
    name = image.split("@")[0].rsplit("/", 1)[-1]
    return name.split(":")[0] == "pginit"


def split_args(args):
    """(global options, command, command options) of a pginit argument list."""
    i = 0
    while i < len(args):
        a = args[i]
        if a in OPTS_WITH_ARG:
            i += 2
        elif a in OPTS_FLAG or ("=" in a and a.split("=", 1)[0] in OPTS_WITH_ARG):
            i += 1
        else:
            break
    return args[:i], (args[i] if i < len(args) else None), args[i + 1:]


def shard_arg(args):
    """The value of --shard in a pginit argument list, or None."""
    _, _, rest = split_args(args)
    for i, a in enumerate(rest):
        if a == "--shard" and i + 1 < len(rest):
            return rest[i + 1]
    return None


def fleet_keys(args, env):
    """The fleet target keys set by -s options and PGINIT_FLEET_* variables."""
    glob_opts, _, _ = split_args(args)
    keys = set()
    for i, a in enumerate(glob_opts):
        v = glob_opts[i + 1] if a in ("-s", "--set") and i + 1 < len(glob_opts) else \
            a.split("=", 1)[1] if a.startswith("--set=") else None
        if v and v.split("=", 1)[0] in FLEET_TARGET_KEYS:
            keys.add(v.split("=", 1)[0])
    for ev in env or []:
        if ev.get("name") in FLEET_TARGET_VARS and str(ev.get("value", "")):
            keys.add(ev["name"])
    return keys


def check_args(args, f):
    errs = []
    if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        return ["args must be a list of strings"]
    i = 0
    while i < len(args):
        a = args[i]
        if a in OPTS_WITH_ARG:
            if i + 1 >= len(args):
                return ["option %s has no value" % a]
            if a == "--log-format" and args[i + 1] not in ("text", "json"):
                errs.append("--log-format %s: not text or json" % args[i + 1])
            i += 2
            continue
        if a.split("=", 1)[0] in OPTS_WITH_ARG and "=" in a or a in OPTS_FLAG:
            i += 1
            continue
        if a.startswith("-"):
            return errs + ["unknown option %s (pginit help)" % a]
        break
    if i >= len(args):
        return errs + ["no command in args (say `run` explicitly)"]
    if args[i] not in f["commands"]:
        errs.append("command %r is not one of pginit's (%s)" % (args[i], " ".join(sorted(f["commands"]))))
        return errs
    allowed = dict(f["cmd_opts"].get(args[i], {}))
    if args[i] in f["fleet_cmds"]:
        allowed.update(f["fleet_opts"])
    rest = args[i + 1:]
    j = 0
    while j < len(rest):
        a = rest[j]
        if a == "--":
            break
        if a.startswith("-") and a not in allowed:
            errs.append("%s takes no option %s (pginit help)" % (args[i], a))
        j += 2 if allowed.get(a) else 1
    if "--shard" in rest and not allowed.get("--shard"):
        errs.append("--shard: pginit help lists no fleet option --shard for %s" % args[i])
    return errs


def effective(pod_sc, c_sc, key):
    if key in (c_sc or {}):
        return c_sc[key]
    return (pod_sc or {}).get(key)


def check_container(c, pod, secrets_defined, f, where):
    errs = []
    e = lambda msg: errs.append("%s: container %s: %s" % (where, c.get("name"), msg))  # noqa: E731
    image = c.get("image", "")
    tag = image.split("@")[0].rsplit("/", 1)[-1].partition(":")[2]
    if not tag or tag == "latest":
        e("image %r: give a version tag (not latest)" % image)
    if "command" in c and c["command"] != ["/pginit"]:
        e("command %r replaces the image's ENTRYPOINT /pginit: use args" % (c["command"],))
    for msg in check_args(c.get("args"), f):
        e(msg)
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts") or []}
    # The secrets' volume.
    keys = set()
    m = mounts.get(SECRETS_DIR)
    if not m:
        e("no volume mounted at %s" % SECRETS_DIR)
    else:
        if m.get("readOnly") is not True:
            e("%s is not mounted readOnly" % SECRETS_DIR)
        sv = (volumes.get(m.get("name")) or {}).get("secret")
        if not sv:
            e("%s is not a secret volume" % SECRETS_DIR)
        elif sv.get("secretName") not in secrets_defined:
            e("secret %r is not defined in deploy/kubernetes" % sv.get("secretName"))
        else:
            items = sv.get("items")
            keys = {i["path"] for i in items} if items else set(secrets_defined[sv["secretName"]])
    rm = mounts.get(RUN_DIR)
    if not rm or "emptyDir" not in (volumes.get(rm.get("name")) or {}):
        e("no emptyDir at %s (the credentials file's directory on a read-only root)" % RUN_DIR)
    # The environment.
    for ev in c.get("env") or []:
        name = ev.get("name")
        if name not in f["env"]:
            e("env %s: pginit reads no such variable (pginit help config)" % name)
        if name in f["secret_values"] and ("value" in ev or "valueFrom" in ev):
            e("env %s: a password in the environment; use %s_FILE and a file in %s" % (name, name, SECRETS_DIR))
        if "secretKeyRef" in (ev.get("valueFrom") or {}):
            e("env %s: secretKeyRef puts a secret in the environment (the app inherits it)" % name)
        if name.endswith("_FILE") and name in f["env"]:
            val = str(ev.get("value", ""))
            if os.path.dirname(val) != SECRETS_DIR:
                e("env %s=%s: not a file in %s" % (name, val, SECRETS_DIR))
            elif os.path.basename(val) not in keys:
                e("env %s=%s: no such key in the mounted secret (%s)" % (name, val, " ".join(sorted(keys))))
    # The values: pginit itself reads the container's PGINIT_* variables (profile, modes,
    # timeouts) with the configuration the image ships, and checks the files offline.
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGINIT_CONFIG": os.path.join(TOP, "pginit.conf")}
    for ev in c.get("env") or []:
        if str(ev.get("name", "")).startswith("PGINIT_") and "value" in ev:
            run_env[ev["name"]] = str(ev["value"])
    r = subprocess.run([pginit_bin(), "-q", "validate", "--offline"], env=run_env, capture_output=True, text=True)
    if r.returncode != 0:
        e("pginit refuses its environment (validate --offline, exit %d): %s" %
          (r.returncode, " / ".join(r.stderr.strip().splitlines())))
    for s in f["secrets"]:
        if s not in keys:
            e("secret %s is not in %s" % (s, SECRETS_DIR))
    # Security context.
    psc, csc = pod.get("securityContext"), c.get("securityContext")
    if effective(psc, csc, "runAsNonRoot") is not True:
        e("runAsNonRoot is not true")
    if effective(psc, csc, "runAsUser") != UID:
        e("runAsUser is not %d (the image's user)" % UID)
    if (csc or {}).get("readOnlyRootFilesystem") is not True:
        e("readOnlyRootFilesystem is not true")
    if (csc or {}).get("allowPrivilegeEscalation") is not False:
        e("allowPrivilegeEscalation is not false")
    if (csc or {}).get("privileged") is True:
        e("privileged")
    if "ALL" not in (((csc or {}).get("capabilities") or {}).get("drop") or []):
        e("capabilities.drop does not contain ALL")
    return errs


def check_indexed(doc, c, f, where):
    """An Indexed Job's sharding: the fields, then pginit over every index."""
    errs = []
    e = lambda msg: errs.append("%s: %s" % (where, msg))  # noqa: E731
    spec = doc.get("spec") or {}
    args = c.get("args") or []
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    shard = shard_arg(args)
    if not isinstance(completions, int) or completions < 1:
        return errs + ["%s: an Indexed Job needs completions (one per shard)" % where]
    if not isinstance(parallelism, int) or not 1 <= parallelism <= completions:
        e("parallelism %r: 1..completions (%d)" % (parallelism, completions))
    if not fleet_keys(args, c.get("env")):
        e("no fleet: -s fleet.pattern=... (or another fleet.* target key) in args, or PGINIT_FLEET_* in env")
    if shard is None:
        e("no --shard N in args: every pod would run the whole fleet")
        return errs
    if "/" in shard:
        e("--shard %s: a fixed shard in every pod; say --shard N (the index from JOB_COMPLETION_INDEX)" % shard)
        return errs
    for ev in c.get("env") or []:
        if ev.get("name") == "JOB_COMPLETION_INDEX":
            ref = ((ev.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath", "")
            if ref != "metadata.annotations['batch.kubernetes.io/job-completion-index']":
                e("env JOB_COMPLETION_INDEX is set by hand: Kubernetes sets it per pod in an Indexed Job")
    if errs:
        return errs
    # N pods for N shards; and whatever the numbers, what pginit makes of them below.
    if shard != str(completions):
        e("--shard %s but completions %d: shards and pods must match" % (shard, completions))
    # pginit with the pod's arguments (its fleet replaced by a stand-in list, the command by
    # validate --offline), once per index: every index accepted, every database once.
    glob_opts, _, rest = split_args(args)
    glob_opts = [a for i, a in enumerate(glob_opts)
                 if not (a.split("=", 1)[0] in FLEET_TARGET_KEYS or
                         (a in ("-s", "--set") and i + 1 < len(glob_opts) and
                          glob_opts[i + 1].split("=", 1)[0] in FLEET_TARGET_KEYS))]
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGINIT_CONFIG": os.path.join(TOP, "pginit.conf")}
    for ev in c.get("env") or []:
        if str(ev.get("name", "")).startswith("PGINIT_") and "value" in ev and ev["name"] not in FLEET_TARGET_VARS:
            env[ev["name"]] = str(ev["value"])
    seen = []
    for index in range(completions):
        env["JOB_COMPLETION_INDEX"] = str(index)
        r = subprocess.run([pginit_bin(), *glob_opts, "-q", "-s", "fleet.databases=" + ",".join(STAND_IN),
                            "validate", "--offline", "--json", "--shard", shard], env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            e("pginit refuses the pod of index %d (--shard %s, exit %d): %s" %
              (index, shard, r.returncode, " / ".join(r.stderr.strip().splitlines())))
            continue
        doc_json = json.loads(r.stdout.strip().splitlines()[-1])
        seen += [t["target"] for t in doc_json["targets"]]
    missing = sorted(set(STAND_IN) - set(seen))
    twice = sorted({t for t in seen if seen.count(t) > 1})
    if missing:
        e("indexes 0..%d leave %d of %d databases to no pod (a shard never run): %s" %
          (completions - 1, len(missing), len(STAND_IN), " ".join(missing[:5])))
    if twice:
        e("databases run by two pods: %s" % " ".join(twice[:5]))
    return errs


def check(docs, f):
    errs = ["README.md does not name %s" % v for v in f["readme_missing"]]
    secrets_defined = {}
    for where, doc in docs:
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind") \
                or not (doc.get("metadata") or {}).get("name"):
            errs.append("%s: a document without apiVersion, kind and metadata.name" % where)
            continue
        if doc["kind"] == "Secret":
            name = doc["metadata"]["name"]
            if "data" in doc:
                errs.append("%s: Secret %s: use stringData placeholders, not data" % (where, name))
            sd = doc.get("stringData") or {}
            if sorted(sd) != sorted(f["secrets"]):
                errs.append("%s: Secret %s: keys %s, pginit reads %s" % (where, name, sorted(sd), sorted(f["secrets"])))
            for k, v in sd.items():
                if "REPLACE" not in str(v):
                    errs.append("%s: Secret %s: %s is not a placeholder (no REPLACE in it)" % (where, name, k))
            secrets_defined[name] = list(sd)
    jobs = indexed = inits = 0
    for where, doc in docs:
        pod = pod_specs(doc) if isinstance(doc, dict) else None
        if pod is None:
            continue
        where = "%s: %s %s" % (where, doc["kind"], doc["metadata"]["name"])
        found = 0
        is_indexed = doc["kind"] == "Job" and (doc.get("spec") or {}).get("completionMode") == "Indexed"
        for field in ("initContainers", "containers"):
            for c in pod.get(field) or []:
                if is_pginit(c.get("image", "")):
                    found += 1
                    inits += field == "initContainers"
                    errs += check_container(c, pod, secrets_defined, f, where)
                    shard = shard_arg(c.get("args") or [])
                    if is_indexed:
                        errs += check_indexed(doc, c, f, where)
                    elif shard is not None and "/" not in shard:
                        errs.append("%s: --shard %s takes its index from JOB_COMPLETION_INDEX, which only an "
                                    "Indexed Job sets (completionMode: Indexed)" % (where, shard))
        if not found:
            continue
        if doc["kind"] == "Job":
            jobs += not is_indexed
            indexed += is_indexed
            if pod.get("restartPolicy") not in ("Never", "OnFailure"):
                errs.append("%s: restartPolicy must be Never or OnFailure" % where)
            if "backoffLimit" not in (doc.get("spec") or {}):
                errs.append("%s: no backoffLimit" % where)
    if not jobs:
        errs.append("no Job runs pginit")
    if not indexed:
        errs.append("no Indexed Job runs pginit over a fleet")
    if not inits:
        errs.append("no initContainer runs pginit")
    return errs


def pginit_container(docs, kind, indexed=False):
    for _, doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == kind and \
                ((doc.get("spec") or {}).get("completionMode") == "Indexed") == indexed:
            pod = pod_specs(doc)
            for field in ("initContainers", "containers"):
                for c in pod.get(field) or []:
                    if is_pginit(c.get("image", "")):
                        return doc, pod, c
    raise SystemExit("self-test: no pginit container in a %s" % kind)


def mutations():
    """Broken variants, each of which check() must refuse: (what, function on the docs)."""
    def job(docs):
        return pginit_container(docs, "Job")

    def init(docs):
        return pginit_container(docs, "Deployment")

    def ijob(docs):
        return pginit_container(docs, "Job", indexed=True)

    def ijob_args(docs, old, new):
        c = ijob(docs)[2]
        i = c["args"].index(old)
        c["args"][i:i + 1] = new

    def secret(docs):
        return next(d for _, d in docs if d.get("kind") == "Secret")

    def env(c, name):
        return next(e for e in c["env"] if e["name"] == name)

    return [
        ("unknown command", lambda d: job(d)[2].update(args=["--log-format", "json", "migrat"])),
        ("unknown option", lambda d: job(d)[2].update(args=["--shard", "0/3", "run"])),
        ("no command", lambda d: job(d)[2].update(args=["-q"])),
        ("command replaces the entrypoint", lambda d: job(d)[2].update(command=["/bin/sh"])),
        ("latest tag", lambda d: init(d)[2].update(image="pginit:latest")),
        ("unknown env", lambda d: job(d)[2]["env"].append({"name": "PGINIT_SHARD", "value": "1"})),
        ("unknown profile", lambda d: env(job(d)[2], "PGINIT_PROFILE").update(value="production")),
        ("misspelt env", lambda d: env(job(d)[2], "PGINIT_PROFILE").update(name="PGINIT_PROFIL")),
        ("password in env", lambda d: job(d)[2]["env"].append({"name": "POSTGRES_PASSWORD", "value": "x"})),
        ("secretKeyRef", lambda d: job(d)[2]["env"].append(
            {"name": "APP_DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "pginit-db", "key": "app_db_password"}}})),
        ("_FILE outside /run/secrets", lambda d: env(job(d)[2], "APP_DB_PASSWORD_FILE").update(value="/etc/app_db_password")),
        ("_FILE to a missing key", lambda d: env(init(d)[2], "POSTGRES_PASSWORD_FILE").update(value="/run/secrets/postgres_pw")),
        ("secrets mounted elsewhere", lambda d: job(d)[2]["volumeMounts"][0].update(mountPath="/secrets")),
        ("secrets mount writable", lambda d: job(d)[2]["volumeMounts"][0].update(readOnly=False)),
        ("undefined Secret", lambda d: job(d)[1]["volumes"][0]["secret"].update(secretName="other")),
        ("no emptyDir at /run/pginit", lambda d: job(d)[2]["volumeMounts"].pop(1)),
        ("runAsUser 0", lambda d: (job(d)[1]["securityContext"].update(runAsUser=0),
                                   job(d)[2]["securityContext"].pop("runAsUser"))),
        ("runAsNonRoot false", lambda d: init(d)[2]["securityContext"].update(runAsNonRoot=False)),
        ("writable root", lambda d: job(d)[2]["securityContext"].pop("readOnlyRootFilesystem")),
        ("privilege escalation", lambda d: init(d)[2]["securityContext"].update(allowPrivilegeEscalation=True)),
        ("privileged", lambda d: job(d)[2]["securityContext"].update(privileged=True)),
        ("capabilities kept", lambda d: job(d)[2]["securityContext"]["capabilities"].update(drop=["NET_RAW"])),
        ("Job restarts Always", lambda d: job(d)[1].update(restartPolicy="Always")),
        ("Secret with a real value", lambda d: secret(d)["stringData"].update(app_db_password="hunter2hunter2")),
        ("Secret with an extra key", lambda d: secret(d)["stringData"].update(other="REPLACE")),
        ("Secret as data", lambda d: secret(d).update(data={"x": "eA=="})),
        ("no Job", lambda d: job(d)[0].update(kind="ConfigMap")),
        ("unknown run option", lambda d: job(d)[2]["args"].append("--shards")),
        ("--shard N outside an Indexed Job", lambda d: job(d)[2]["args"].extend(["--shard", "3"])),
        ("indexed: completions 2 (a shard never run)", lambda d: ijob(d)[0]["spec"].update(completions=2, parallelism=2)),
        ("indexed: completions 4 (index 3 refused)", lambda d: ijob(d)[0]["spec"].update(completions=4)),
        ("indexed: --shard 4 for 3 pods", lambda d: ijob_args(d, "3", ["4"])),
        ("indexed: the same shard in every pod", lambda d: ijob_args(d, "3", ["1/3"])),
        ("indexed: no --shard", lambda d: ijob_args(d, "--shard", []) or ijob_args(d, "3", [])),
        ("indexed: no fleet", lambda d: ijob_args(d, "-s", []) or ijob_args(d, "fleet.pattern=tenant_%", [])),
        ("indexed: JOB_COMPLETION_INDEX by hand", lambda d: ijob(d)[2]["env"].append(
            {"name": "JOB_COMPLETION_INDEX", "value": "1"})),
        ("indexed: parallelism 0", lambda d: ijob(d)[0]["spec"].update(parallelism=0)),
        ("indexed: not Indexed", lambda d: ijob(d)[0]["spec"].pop("completionMode")),
        ("indexed: latest tag", lambda d: ijob(d)[2].update(image="pginit:latest")),
        ("indexed: writable root", lambda d: ijob(d)[2]["securityContext"].update(readOnlyRootFilesystem=False)),
        ("indexed: runs as root", lambda d: (ijob(d)[1]["securityContext"].update(runAsUser=0, runAsNonRoot=False),
                                             ijob(d)[2]["securityContext"].pop("runAsUser"),
                                             ijob(d)[2]["securityContext"].pop("runAsNonRoot"))),
        ("indexed: secrets mounted elsewhere", lambda d: ijob(d)[2]["volumeMounts"][0].update(mountPath="/secrets")),
        ("indexed: _FILE to a missing key", lambda d: next(
            e for e in ijob(d)[2]["env"] if e["name"] == "POSTGRES_PASSWORD_FILE").update(value="/run/secrets/pg")),
    ]


def main():
    f = facts()
    docs = load()
    if not docs:
        print("deploy-check: no YAML files in %s" % KDIR)
        return 1
    errs = check(docs, f)
    for msg in errs:
        print("FAIL: " + msg)
    files = sorted({w for w, _ in docs})
    print("deploy-check: %d files, %d documents, %d commands and %d variables from %s help" %
          (len(files), len(docs), len(f["commands"]), len(f["env"]),
           os.path.basename(os.environ.get("PGINIT_BIN", "build/pginit"))))
    bad = 0
    for what, mutate in mutations():
        d = copy.deepcopy(docs)
        mutate(d)
        # Refused: a problem that the unbroken files do not have.
        if not set(check(d, f)) - set(errs):
            print("FAIL: self-test: a broken file was accepted: %s" % what)
            bad += 1
    print("deploy-check: %d broken variants, %d refused" % (len(mutations()), len(mutations()) - bad))
    if errs or bad:
        return 1
    print("deploy-check: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
