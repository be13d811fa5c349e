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
    backoffLimit set).
The Secret: only stringData, exactly the keys pginit reads, placeholder values.
At least one Job and one initContainer must be present.

Then it checks itself: a set of broken copies of the files must each be refused.
Exit status: 0 when everything holds, 1 otherwise (one line per problem).
"""
import copy
import glob
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
    env = set(re.findall(r"\$?\b(PGINIT_[A-Z_]+)\b", help_text))
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
    return {"commands": commands, "env": env, "secrets": secrets,
            "secret_values": {s.upper() for s in secrets} | {"PGPASSWORD", "DATABASE_URL"},
            "readme_missing": missing}


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
    jobs = inits = 0
    for where, doc in docs:
        pod = pod_specs(doc) if isinstance(doc, dict) else None
        if pod is None:
            continue
        where = "%s: %s %s" % (where, doc["kind"], doc["metadata"]["name"])
        found = 0
        for field in ("initContainers", "containers"):
            for c in pod.get(field) or []:
                if is_pginit(c.get("image", "")):
                    found += 1
                    inits += field == "initContainers"
                    errs += check_container(c, pod, secrets_defined, f, where)
        if not found:
            continue
        if doc["kind"] == "Job":
            jobs += 1
            if pod.get("restartPolicy") not in ("Never", "OnFailure"):
                errs.append("%s: restartPolicy must be Never or OnFailure" % where)
            if "backoffLimit" not in (doc.get("spec") or {}):
                errs.append("%s: no backoffLimit" % where)
    if not jobs:
        errs.append("no Job runs pginit")
    if not inits:
        errs.append("no initContainer runs pginit")
    return errs


def pginit_container(docs, kind):
    for _, doc in docs:
        if isinstance(doc, dict) and doc.get("kind") == kind:
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
