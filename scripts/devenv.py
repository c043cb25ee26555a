#!/usr/bin/env python3
"""Run, test and benchmark the major_incident addon on real Odoo 19 and PostgreSQL.

Only the standard library is used here so that the system ``python3`` can run it
before any virtual environment exists.

Odoo 19 is found through ``ODOO_PATH`` (a source tree), else an ``odoo`` package
importable by the system ``python3``, else the official 19.0 source fetched once into
``.devenv/odoo`` at a pinned revision (``ODOO_REPOSITORY``, ``ODOO_REVISION``).
PostgreSQL is the one given by the usual ``PG*`` variables, else a throwaway cluster
under ``.devenv/pg`` (unix socket only).
"""

import argparse
import ast
import atexit
import hashlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = ROOT / ".devenv"
VENV = ROOT / ".venv"
ADDON = "major_incident"
PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
# python-ldap builds against system LDAP headers and only serves auth_ldap,
# which this addon neither needs nor installs.
SKIPPED_REQUIREMENTS = {"python-ldap", "pypiwin32", "rl-renderpm"}
# Everyone tests the same Odoo: the source fetched when none is on the machine is this
# revision of the official 19.0 branch. ODOO_REVISION overrides it (a commit, or "19.0"
# for the branch's newest), ODOO_REPOSITORY the place it comes from (a mirror, a fork).
ODOO_REPOSITORY = "https://github.com/odoo/odoo.git"
ODOO_REVISION = "1a13ceeaee12fe5cc50f287c31f217d4be2a2eaf"
FETCHED_ODOO = STATE / "odoo"
HOW_TO_GET_ODOO = """\
Odoo 19 was not found and was not fetched (ODOO_FETCH=0).
  Either let make fetch it (unset ODOO_FETCH), or get the official 19.0 source
  (https://github.com/odoo/odoo, branch 19.0) and
    export ODOO_PATH=/path/to/odoo      # the source tree (contains odoo/ and requirements.txt)
  or make it importable by the system python3, e.g.
    python3 -m pip install --no-deps -e /path/to/odoo
"""


def log(msg):
    print(f"[devenv] {msg}", flush=True)


# --------------------------------------------------------------------------- Odoo


def find_odoo():
    """Return (source tree, how it was found) or (None, reason), in this order:
    ODOO_PATH, an Odoo importable by the system python3, the tree fetched earlier."""
    env_path = os.environ.get("ODOO_PATH")
    if env_path:
        root = Path(env_path).resolve()
        if (root / "odoo" / "release.py").is_file():
            return root, "ODOO_PATH"
        return None, f"ODOO_PATH={env_path} is not an Odoo source tree (no odoo/release.py)"
    python, root = odoo_python()
    if root:
        return root, f"system python3 ({python})"
    if (FETCHED_ODOO / "odoo" / "release.py").is_file():
        return FETCHED_ODOO, f"fetched into {FETCHED_ODOO}"
    return None, "neither ODOO_PATH is set nor is 'odoo' importable by the system python3"


def wanted_odoo_source():
    """(repository, revision) to fetch, the variables winning over the recorded pin."""
    return (os.environ.get("ODOO_REPOSITORY") or ODOO_REPOSITORY, os.environ.get("ODOO_REVISION") or ODOO_REVISION)


def is_commit(revision):
    return re.fullmatch(r"[0-9a-f]{40}", revision) is not None


class FetchError(Exception):
    pass


def git(*args, cwd, quiet=False):
    """Run git, its messages (a fetch's progress) shown as they come unless ``quiet``; on
    failure raise FetchError with git's own last words."""
    proc = subprocess.Popen(["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    tail = b""
    while chunk := proc.stderr.read1(4096):
        if not quiet:
            sys.stderr.buffer.write(chunk)
            sys.stderr.flush()
        tail = (tail + chunk)[-4096:]
    out = proc.stdout.read().decode(errors="replace")
    if proc.wait() != 0:
        lines = [line for line in re.split(r"[\r\n]", tail.decode(errors="replace")) if line.strip()]
        raise FetchError(lines[-1] if lines else f"git {args[0]} failed")
    return out


def fetch_odoo(dest=None):
    """Bring the wanted revision of the Odoo source into ``dest`` (a shallow fetch of that
    one commit, progress shown) and return ``dest``. A tree already there at that commit is
    kept; one at another commit is moved to it; a branch name fetches once, then stays
    until the tree is removed or ODOO_REVISION changes."""
    dest = Path(dest or FETCHED_ODOO)
    repository, revision = wanted_odoo_source()
    if shutil.which("git") is None:
        raise FetchError("git is not installed (apt-get install git)")
    present = (dest / ".git").is_dir() and (dest / "odoo" / "release.py").is_file()
    if present:
        head = git("rev-parse", "HEAD", cwd=dest, quiet=True).strip()
        recorded = (
            (dest / ".git" / "devenv-revision").read_text().strip()
            if (dest / ".git" / "devenv-revision").is_file()
            else None
        )
        if head == revision or (not is_commit(revision) and recorded == f"{repository} {revision}"):
            return dest
        log(f"moving {dest} from {head[:12]} to {revision}")
        work = dest
    else:
        work = dest.with_name(dest.name + ".partial")
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        git("init", "-q", cwd=work)
        log(f"fetching Odoo 19.0 Community ({revision}) from {repository} into {dest} (about 400 MB; once)")
    try:
        git("fetch", "--depth=1", "--progress", "--no-tags", repository, revision, cwd=work)
        git("-c", "advice.detachedHead=false", "checkout", "-q", "--force", "FETCH_HEAD", cwd=work)
    except FetchError:
        if work != dest:
            shutil.rmtree(work, ignore_errors=True)
        raise
    (work / ".git" / "devenv-revision").write_text(f"{repository} {revision}\n")
    if work != dest:
        shutil.rmtree(dest, ignore_errors=True)
        work.rename(dest)
    head = git("rev-parse", "HEAD", cwd=dest, quiet=True).strip()
    log(f"Odoo source at {head} in {dest}")
    if not is_commit(revision):
        log(f'to pin this commit for everyone: ODOO_REVISION = "{head}" in scripts/devenv.py')
    return dest


def fetch_failure_message(error):
    repository, revision = wanted_odoo_source()
    return (
        f"Could not fetch Odoo {revision} from {repository}:\n  {error}\n"
        "The network may be unreachable from here, or the address or revision wrong. Either\n"
        "  - run again where that address is reachable, or set ODOO_REPOSITORY to a mirror\n"
        "    (ODOO_REVISION=19.0 takes the branch's newest commit), or\n"
        "  - export ODOO_PATH=/path/to/odoo, an Odoo 19 source tree you already have.\n"
    )


def find_or_fetch_odoo():
    """find_odoo(), fetching the official source when nothing is found (unless ODOO_FETCH=0).
    A failed fetch stops the command with a message saying why and what to do."""
    root, how = find_odoo()
    if root is not None and root == FETCHED_ODOO and os.environ.get("ODOO_FETCH") != "0":
        # Follow a new pin; without the network, carry on with the tree already here.
        try:
            return fetch_odoo(), how
        except FetchError as error:
            log(f"keeping {root} at its commit, as it could not move to {wanted_odoo_source()[1]}: {error}")
            return root, how
    if root is not None or os.environ.get("ODOO_PATH") or os.environ.get("ODOO_FETCH") == "0":
        return root, how
    try:
        return fetch_odoo(), f"fetched into {FETCHED_ODOO}"
    except FetchError as error:
        sys.stderr.write(fetch_failure_message(error))
        sys.exit(2)


def odoo_python():
    """(interpreter, source tree) of the first system python3 that imports Odoo, else
    (None, None)."""
    clean_env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    for python in system_pythons():
        probe = subprocess.run(
            [python, "-c", "import odoo, os; print('\\n'.join(odoo.__path__))"],
            capture_output=True,
            text=True,
            cwd="/",
            env=clean_env,
        )
        if probe.returncode == 0:
            for line in probe.stdout.split():
                pkg = Path(line)
                if (pkg / "release.py").is_file():
                    return python, pkg.parent
    return None, None


def system_pythons():
    """The python3 on PATH, then the distribution's own and pyenv's: CI starts with the
    machine's bare environment, whose PATH may miss the interpreter a developer's shell finds."""
    candidates = [
        shutil.which("python3"),
        "/usr/local/bin/python3",
        "/usr/bin/python3",
        str(Path.home() / ".pyenv" / "shims" / "python3"),
    ]
    found = []
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK) and candidate not in found:
            found.append(candidate)
    return found


def odoo_series(root):
    text = (root / "odoo" / "release.py").read_text()
    match = re.search(r"version_info\s*=\s*\((\d+),\s*(\d+)", text)
    return f"{match[1]}.{match[2]}" if match else "?"


def require_odoo():
    root, how = find_or_fetch_odoo()
    if root is None:
        sys.stderr.write(f"{how}\n{HOW_TO_GET_ODOO}")
        sys.exit(2)
    if odoo_series(root) != "19.0":
        sys.stderr.write(f"{root} is Odoo {odoo_series(root)}, not 19.0\n{HOW_TO_GET_ODOO}")
        sys.exit(2)
    return root


# --------------------------------------------------------------------------- system packages

BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")  # Odoo's own list


def missing_debian_packages(for_tests, base_python="python3"):
    """The Debian packages this machine lacks for the command: the PostgreSQL server
    (unless an external one is given), what building .venv needs (psycopg2 is built
    from source) while .venv is not built, and a browser for the tests' tours."""
    missing = []
    if not external_db_given() and not any((d / "initdb").exists() for d in PG_BIN_DIRS) and not shutil.which("initdb"):
        missing.append("postgresql")
    if not venv_python().exists():
        probe = "import ensurepip, sysconfig, os; assert os.path.exists(sysconfig.get_paths()['include'] + '/Python.h')"
        if subprocess.run([base_python, "-c", "import ensurepip"], capture_output=True).returncode:
            missing.append("python3-venv")
        if subprocess.run([base_python, "-c", probe], capture_output=True).returncode:
            missing.append("python3-dev")
        if not shutil.which("pg_config"):
            missing.append("libpq-dev")
        if not shutil.which("gcc"):
            missing.append("gcc")
    if for_tests and not any(shutil.which(name) for name in BROWSERS):
        missing.append("chromium")
    return missing


def ensure_debian_packages(for_tests=False):
    """Install what is missing when run as root on a machine with apt, as .ci/run does;
    otherwise stop with the one command that would."""
    missing = missing_debian_packages(for_tests, odoo_python()[0] or "python3")
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log(f"installing Debian packages: {' '.join(missing)}")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(command + ["-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
        return
    sys.stderr.write(
        f"This machine lacks: {', '.join(missing)}. Install them with:\n"
        f"    sudo {' '.join(command)}\n"
        "(On Ubuntu, where chromium is a snap, install Google Chrome instead.)\n"
    )
    sys.exit(2)


# --------------------------------------------------------------------------- venv


def venv_python():
    return VENV / "bin" / "python"


def resolved_odoo_requirements(root):
    """Odoo's pins for this Python; on 3.11 the 3.12 pins, several 3.11 ones do not build."""
    vendored = "pip._vendor.packaging"
    code = f"""
import sys, re
from {vendored}.requirements import Requirement
env = {{"python_version": "3.12" if sys.version_info[:2] <= (3, 11) else "%d.%d" % sys.version_info[:2],
        "sys_platform": sys.platform}}
for line in open(sys.argv[1]):
    line = line.split('#', 1)[0].strip()
    if not line:
        continue
    req = Requirement(line)
    if req.marker is None or req.marker.evaluate(env):
        req.marker = None
        print(req)
"""
    out = subprocess.run(
        [str(venv_python()), "-c", code, str(root / "requirements.txt")], check=True, capture_output=True, text=True
    ).stdout
    return [
        line
        for line in out.splitlines()
        if re.split(r"[=<>!~ \[]", line, maxsplit=1)[0].lower() not in SKIPPED_REQUIREMENTS
    ]


def ensure_venv(root):
    """Create .venv once; reinstall only when an input changed."""
    inputs = [(ROOT / "requirements-dev.txt").read_bytes(), str(sys.version_info[:2]).encode()]
    if root is not None:
        inputs += [(root / "requirements.txt").read_bytes(), str(root).encode()]
    stamp = hashlib.sha256(b"\0".join(inputs)).hexdigest()
    stamp_file = VENV / ".devenv-stamp"
    if stamp_file.is_file() and stamp_file.read_text() == stamp and venv_python().exists():
        return
    log("building .venv (first run, or requirements changed)")
    if not venv_python().exists():
        # Built from the interpreter that imports Odoo when one does: its headers and
        # version are the ones the tree was set up with.
        base = odoo_python()[0] or "python3"
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if root is not None:
        reqs = STATE / "odoo-requirements.txt"
        STATE.mkdir(exist_ok=True)
        reqs.write_text("\n".join(resolved_odoo_requirements(root)) + "\n")
        subprocess.run(pip + ["-r", str(reqs)], check=True)
        site = subprocess.run(
            [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        Path(site, "odoo-source.pth").write_text(f"{root}\n")
    # OCA addon wheels require 'odoo==19.0.*', which no registry here serves:
    # the Odoo source tree above is that dependency.
    dev = [
        line.strip()
        for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    oca = [r for r in dev if r.startswith("odoo-addon-")]
    subprocess.run(pip + [r for r in dev if r not in oca], check=True)
    if oca:
        subprocess.run(pip + ["--no-deps"] + oca, check=True)
    stamp_file.write_text(stamp)


def addons_path(root):
    site = subprocess.run(
        [str(venv_python()), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return ",".join([str(root / "odoo" / "addons"), str(Path(site) / "odoo" / "addons"), str(ROOT)])


# --------------------------------------------------------------------------- PostgreSQL


def external_db_given():
    return any(os.environ.get(v) for v in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE")) or os.environ.get(
        "DB_HOST"
    )


def as_postgres(cmd):
    """initdb and postgres refuse to run as root: drop to the postgres account."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


class Cluster:
    """A throwaway PostgreSQL cluster, reachable only through a unix socket in .devenv/pg."""

    def __init__(self):
        self.dir = self._usable_dir(STATE / "pg")
        self.data = self.dir / "data"
        self.socket_dir = self.dir / "run"
        self.started = False

    @staticmethod
    def _usable_dir(preferred):
        """The repo's own folder, unless the server account cannot reach it (a clone
        under a private home, as root) or its socket path would pass the 107-byte
        unix limit: then a folder of its own under /tmp, named after the repo."""
        socket_path = preferred / "run" / ".s.PGSQL.5432"
        reachable = True
        if os.geteuid() == 0:
            probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", str(ROOT)], capture_output=True)
            reachable = probe.returncode == 0
        if reachable and len(str(socket_path)) < 100:
            return preferred
        tag = hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]
        fallback = Path(f"/tmp/major_incident-pg-{tag}")
        log(f"PostgreSQL cluster in {fallback} ({preferred} is out of the server's reach)")
        return fallback

    def bin(self, name):
        for d in PG_BIN_DIRS:
            if (d / name).exists():
                return str(d / name)
        found = shutil.which(name)
        if not found:
            sys.exit(f"PostgreSQL server binaries ({name}) not found: apt-get install postgresql")
        return found

    def start(self):
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            shutil.chown(self.socket_dir, "postgres")
            if not (self.data / "PG_VERSION").exists():
                self.data.mkdir(exist_ok=True)
                shutil.chown(self.data, "postgres")
        if not (self.data / "PG_VERSION").exists():
            subprocess.run(
                as_postgres(
                    [
                        self.bin("initdb"),
                        "-D",
                        str(self.data),
                        "-U",
                        "odoo",
                        "--auth=trust",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        status = subprocess.run(as_postgres([self.bin("pg_ctl"), "-D", str(self.data), "status"]), capture_output=True)
        if status.returncode != 0:
            opts = (
                f"-k {self.socket_dir} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
            )
            subprocess.run(
                as_postgres(
                    [
                        self.bin("pg_ctl"),
                        "-D",
                        str(self.data),
                        "-w",
                        "-l",
                        str(self.dir / "server.log"),
                        "-o",
                        opts,
                        "start",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
            )
            self.started = True
            atexit.register(self.stop)
        return self

    def stop(self):
        if self.started:
            subprocess.run(
                as_postgres([self.bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.started = False

    def odoo_args(self):
        return [f"--db_host={self.socket_dir}", "--db_user=odoo"]


def db_args():
    """Odoo connection options, and the cluster started for them if any."""
    if external_db_given():
        args = []
        if os.environ.get("DB_HOST"):
            args.append(f"--db_host={os.environ['DB_HOST']}")
        return args, None
    cluster = Cluster().start()
    return cluster.odoo_args(), cluster


def psql_env(cluster):
    env = dict(os.environ)
    if cluster:
        env.update(PGHOST=str(cluster.socket_dir), PGUSER="odoo")
    return env


def drop_db(name, cluster):
    subprocess.run(
        ["dropdb", "--if-exists", "--force", name],
        env=psql_env(cluster),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def db_exists(name, cluster):
    out = subprocess.run(
        ["psql", "-XAtqd", "postgres", "-c", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        env=psql_env(cluster),
        capture_output=True,
        text=True,
    )
    return out.stdout.strip() == "1"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_cmd(root, extra):
    return [
        str(venv_python()),
        "-m",
        "odoo",
        f"--addons-path={addons_path(root)}",
        "--data-dir",
        str(STATE / "filestore"),
    ] + extra


# --------------------------------------------------------------------------- tests


def run_repo_tests():
    """pytest over tests/; returns (passed, failed)."""
    python = str(venv_python()) if venv_python().exists() else "python3"
    proc = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    sys.stdout.write(proc.stdout[-3000:])
    sys.stderr.write(proc.stderr[-2000:])
    counts = dict.fromkeys(("passed", "failed", "error", "errors"), 0)
    tail = proc.stdout.strip().splitlines()[-1:] or [""]
    for number, word in re.findall(r"(\d+) (passed|failed|errors?)", tail[0]):
        counts[word] += int(number)
    failed = counts["failed"] + counts["error"] + counts["errors"]
    if proc.returncode not in (0, 5) and not failed:
        failed = 1
    return counts["passed"], failed


def parse_odoo_log(text):
    """(run, failed, errors, skipped) from Odoo's test log."""
    run = failed = errors = 0
    for f, e, n in re.findall(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests", text):
        failed += int(f)
        errors += int(e)
        run += int(n)
    skipped = len(re.findall(r"odoo\.tests\.result: skipped ", text))
    return run, failed, errors, skipped


def cmd_test(_args):
    STATE.mkdir(exist_ok=True)
    root, how = find_or_fetch_odoo()
    if root is not None:
        ensure_debian_packages(for_tests=True)
    ensure_venv(root)
    odoo_passed = odoo_failed = 0
    if root is None or odoo_series(root) != "19.0":
        reason = how if root is None else f"{root} is Odoo {odoo_series(root)}, not 19.0"
        print(f"ODOO SUITE SKIPPED: {reason}. Only the repository-level tests ran.\n{HOW_TO_GET_ODOO}")
    else:
        log(f"Odoo 19 from {root} ({how})")
        extra, cluster = db_args()
        db = f"mi_test_{os.getpid()}"
        log_dir = STATE / "logs"
        log_dir.mkdir(exist_ok=True)
        logfile = log_dir / f"test-{time.strftime('%Y%m%d-%H%M%S')}.log"
        log(f"Odoo test log: {logfile}")
        drop_db(db, cluster)
        tags = os.environ.get("TEST_TAGS", f"/{ADDON}")
        cmd = odoo_cmd(
            root,
            extra
            + [
                "-d",
                db,
                "-i",
                ADDON,
                "--with-demo",
                f"--test-tags={tags}",
                "--stop-after-init",
                "--log-level=test",
                f"--http-port={free_port()}",
                f"--logfile={logfile}",
                "--max-cron-threads=0",
            ],
        )
        started = time.time()
        proc = subprocess.run(cmd, cwd=ROOT)
        text = logfile.read_text(errors="replace") if logfile.exists() else ""
        run, failed, errors, skipped = parse_odoo_log(text)
        problems = re.findall(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$", text, re.M)
        for line in problems[:40]:
            print(line)
        log(
            f"Odoo: {run} tests, {failed} failed, {errors} errors, {skipped} skipped "
            f"in {time.time() - started:.0f}s (exit {proc.returncode})"
        )
        if skipped:
            print("Skipped Odoo tests count as failures (a browser test skipped is a test not run):")
            for line in re.findall(r"^.*odoo\.tests\.result: skipped .*$", text, re.M):
                print("  " + line)
        odoo_failed = failed + errors + skipped
        odoo_passed = run - failed - errors - skipped
        if (proc.returncode != 0 or problems or run == 0) and odoo_failed == 0:
            odoo_failed = 1
            print("Odoo failed outside the tests (install error, or logged errors): see the log.")
        drop_db(db, cluster)
        if "TEST_TAGS" not in os.environ:
            delivered = delivery_check(root, extra, cluster)
            odoo_passed, odoo_failed = odoo_passed + delivered, odoo_failed + (not delivered)
            from_wheel = wheel_check(root, extra, cluster)
            odoo_passed, odoo_failed = odoo_passed + from_wheel, odoo_failed + (not from_wheel)
    repo_passed, repo_failed = run_repo_tests()
    passed, failed = odoo_passed + repo_passed, odoo_failed + repo_failed
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


# The one test the wheel check runs from the installed copy: the SOP's shipped data,
# which only loads if the wheel carries the addon's data files.
WHEEL_SMOKE_TAGS = "/major_incident:TestPolicyData"


def site_packages(python):
    return subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def wheel_check(root, extra, cluster):
    """As a shop installs an OCA addon: the addon's wheel, built here, pip-installed into a
    virtual environment of its own that sees the same Odoo and dependencies as .venv
    (through a .pth, nothing is copied), then installed from there in a fresh database
    (the repository is not on the addons path) running one of its own tests."""
    started = time.time()
    out = STATE / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    log("wheel check: building the addon's wheel")
    subprocess.run(
        [
            str(venv_python()),
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(ROOT / ADDON),
        ],
        check=True,
    )
    (wheel,) = out.glob("*.whl")
    env_dir = STATE / "wheel-venv"
    shutil.rmtree(env_dir, ignore_errors=True)
    base = subprocess.run(
        [str(venv_python()), "-c", "import sys; print(sys._base_executable)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run([base, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = env_dir / "bin" / "python"
    Path(site_packages(python), "devenv-odoo.pth").write_text(
        f"import site; site.addsitedir({site_packages(venv_python())!r})\n"
    )
    # Odoo itself is a source tree, not a distribution pip could resolve: the addon's
    # other requirements are checked below, Odoo by running it.
    subprocess.run(
        [
            str(venv_python()),
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel),
        ],
        check=True,
    )
    unmet = subprocess.run([str(python), "-c", WHEEL_REQUIREMENTS_CHECK], capture_output=True, text=True)
    installed = Path(site_packages(python), "odoo", "addons", ADDON, "__manifest__.py").is_file()
    db = f"mi_wheel_{os.getpid()}"
    drop_db(db, cluster)
    logfile = STATE / "logs" / f"wheel-{time.strftime('%Y%m%d-%H%M%S')}.log"
    addons = ",".join(
        [
            str(root / "odoo" / "addons"),
            str(Path(site_packages(venv_python())) / "odoo" / "addons"),
            str(Path(site_packages(python)) / "odoo" / "addons"),
        ]
    )
    proc = subprocess.run(
        [
            str(python),
            "-m",
            "odoo",
            f"--addons-path={addons}",
            "--data-dir",
            str(STATE / "filestore"),
            "-d",
            db,
            "-i",
            ADDON,
            "--with-demo",
            f"--test-tags={WHEEL_SMOKE_TAGS}",
            "--stop-after-init",
            "--log-level=test",
            f"--http-port={free_port()}",
            f"--logfile={logfile}",
            "--max-cron-threads=0",
        ]
        + extra,
        cwd="/",
    )
    drop_db(db, cluster)
    text = logfile.read_text(errors="replace") if logfile.exists() else ""
    run, failed, errors, _skipped = parse_odoo_log(text)
    problems = re.findall(r"^\S+ \S+ \d+ (?:ERROR|CRITICAL) .*$", text, re.M)
    passed = (
        installed
        and unmet.returncode == 0
        and proc.returncode == 0
        and run > 0
        and not failed
        and not errors
        and not problems
    )
    for line in problems[:10] + unmet.stdout.splitlines():
        print(line)
    log(
        f"wheel check: {'passed' if passed else 'FAILED'}: {wheel.name} in {env_dir.relative_to(ROOT)}, "
        f"installed in a database, {run} test(s) of its own, {failed + errors} failed, "
        f"in {time.time() - started:.0f}s (log {logfile})"
    )
    return passed


WHEEL_REQUIREMENTS_CHECK = """
import sys
from importlib import metadata
from pip._vendor.packaging.requirements import Requirement
unmet = []
for line in metadata.requires("odoo-addon-major_incident") or []:
    req = Requirement(line)
    if req.name == "odoo":
        continue
    try:
        version = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        unmet.append(f"{req}: not installed")
        continue
    if not req.specifier.contains(version, prereleases=True):
        unmet.append(f"{req}: {version} installed")
print("\\n".join(f"wheel requirement not met: {u}" for u in unmet))
sys.exit(1 if unmet else 0)
"""


# --------------------------------------------------------------------------- run


def delivery_check(root, extra, cluster):
    """End to end, nothing run by hand: an incident update to 1,000 contacts, sent on a
    running server, reaches a real SMTP server through Odoo's own crons. Completion is
    checked (within a generous bound); the speed is the benchmark's."""
    out = STATE / "delivery-check.json"
    out.unlink(missing_ok=True)
    log("delivery check: an incident update to 1,000 contacts through a running server")
    bench_delivery(root, extra, cluster, "1000", "--timeout=300", f"--out={out}")
    rows = json.loads(out.read_text()) if out.exists() else []
    delivered = bool(rows) and rows[0]["delivered"] == rows[0]["recipients"]
    log(f"delivery check: {'passed' if delivered else 'FAILED'}: {rows}")
    return delivered


DEMO_ALERT_SOURCE = "Demo monitor (make run)"
DEMO_ALERT_SCRIPT = """
from odoo import fields
from odoo.addons.major_incident.models.major_incident_alert_source import hash_token
sources = env["major.incident.alert.source"]
source = sources.search([("name", "=", NAME)], limit=1) or sources.create(
    {"name": NAME, "payload_format": "generic"})
source.sudo().write({"token_hash": hash_token(TOKEN), "token_set_at": fields.Datetime.now()})
env.cr.commit()
"""


def demo_alert_token(root, extra, db):
    """The token of the development database's demo alert source, made once per
    database: tokens are stored hashed, so the one printed must be set from here."""
    token_file = STATE / f"alert-token-{db}"
    if token_file.is_file():
        return token_file.read_text().strip()
    token = secrets.token_urlsafe(24)
    script = f"NAME = {DEMO_ALERT_SOURCE!r}\nTOKEN = {token!r}\n{DEMO_ALERT_SCRIPT}"
    shell = [
        str(venv_python()),
        "-m",
        "odoo",
        "shell",
        f"--addons-path={addons_path(root)}",
        "--data-dir",
        str(STATE / "filestore"),
        "-d",
        db,
        "--no-http",
        "--log-level=warn",
    ] + extra
    proc = subprocess.run(shell, input=script, text=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    if proc.returncode != 0:
        log("could not set up the demo alert source (see above); the rest works")
        return None
    token_file.write_text(token + "\n")
    return token


def ready_banner(port, token):
    """What a newcomer needs once the server answers: where, who, what to try."""
    base = f"http://localhost:{port}"
    lines = [
        "",
        f"Odoo is ready: {base}",
        "  Log in as admin / admin (everything), or dana.whitfield / dana.whitfield (the demo Incident Manager).",
        '  Try first: Helpdesk > Major Incidents > the demo incidents, e.g. "Major Outage – Stuff Station,',
        '  Grab and Go, Vision Server": its clocks, ladder and war room; then Send Update and Open Bridge.',
    ]
    if token:
        payload = '{"id": "checkout-api", "status": "down", "title": "Checkout API is down"}'
        lines += [
            f'  A monitor raising an incident (alert source "{DEMO_ALERT_SOURCE}", generic JSON):',
            f"    curl -sS -X POST -H 'Content-Type: application/json' -d '{payload}' \\",
            f"      {base}/major_incident/alert/{token}",
            '  (the same with "status": "up" records the recovery)',
        ]
    lines += ["  Ctrl-C stops Odoo and the database.", ""]
    print("\n".join(lines), flush=True)


def wait_for_port(port, proc, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.5)
    return False


def cmd_run(args):
    STATE.mkdir(exist_ok=True)
    root = require_odoo()
    ensure_debian_packages()
    ensure_venv(root)
    extra, cluster = db_args()
    db = args.database
    if not db_exists(db, cluster):
        log(f"creating database {db} with {ADDON} and demo data")
        (STATE / f"alert-token-{db}").unlink(missing_ok=True)
        subprocess.run(
            odoo_cmd(root, extra + ["-d", db, "-i", ADDON, "--with-demo", "--stop-after-init", "--log-level=warn"]),
            check=True,
            cwd=ROOT,
        )
    token = demo_alert_token(root, extra, db)
    log(f"starting Odoo on http://localhost:{args.port}")
    proc = subprocess.Popen(
        odoo_cmd(root, extra + ["-d", db, f"--http-port={args.port}", f"--db-filter=^{db}$"]), cwd=ROOT
    )
    # Ctrl-C, and a plain kill, stop Odoo then the cluster (atexit), even when started
    # from a script whose background jobs inherit SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: signal.default_int_handler(signal.SIGINT, None))
    try:
        if wait_for_port(args.port, proc):
            ready_banner(args.port, token)
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        proc.wait()
        return 0


def cmd_odoo(args):
    """Run Odoo with the repo's addons path and database settings: `devenv.py odoo -- ARGS`."""
    root = require_odoo()
    ensure_venv(root)
    extra, _cluster = db_args()
    # argparse keeps the "--" that separates Odoo's options; Odoo would stop reading there.
    odoo_args = args.odoo_args[1:] if args.odoo_args[:1] == ["--"] else args.odoo_args
    return subprocess.run(odoo_cmd(root, extra + odoo_args), cwd=ROOT).returncode


def cmd_pot(_args):
    """Regenerate i18n/major_incident.pot from a scratch database."""
    root = require_odoo()
    ensure_venv(root)
    extra, cluster = db_args()
    db = f"mi_pot_{os.getpid()}"
    drop_db(db, cluster)
    pot = ROOT / ADDON / "i18n" / f"{ADDON}.pot"
    subprocess.run(
        odoo_cmd(root, extra + ["-d", db, "-i", ADDON, "--stop-after-init", "--log-level=warn"]), check=True, cwd=ROOT
    )
    # The i18n sub-command reads its connection from a configuration file only.
    conf = STATE / "odoo-i18n.conf"
    options = dict(arg.lstrip("-").split("=", 1) for arg in extra)
    options["addons_path"] = addons_path(root)
    conf.write_text("[options]\n" + "".join(f"{k} = {v}\n" for k, v in options.items()))
    subprocess.run(
        [str(venv_python()), "-m", "odoo", "i18n", "export", "-c", str(conf), "-d", db, "-o", str(pot), ADDON],
        check=True,
        cwd=ROOT,
    )
    drop_db(db, cluster)
    log(f"wrote {pot}")
    return 0


def cmd_bench(args):
    """bench/bench.py on four databases built once: the addon, its dependencies alone,
    plain helpdesk_mgmt, and OCA helpdesk_mgmt_sla as the reference."""
    root = require_odoo()
    ensure_venv(root)
    extra, cluster = db_args()
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    databases = {
        "mi_bench": ADDON,
        "mi_bench_base": "helpdesk_mgmt",
        "mi_bench_deps": ",".join(manifest["depends"]),
        "mi_bench_sla": "helpdesk_mgmt_sla",
    }
    for db, modules in databases.items():
        if args.fresh:
            drop_db(db, cluster)
        # An existing database is updated: the addon's code may have changed since.
        mode = "-u" if db_exists(db, cluster) else "-i"
        log(f"{'updating' if mode == '-u' else 'creating'} {db} ({modules})")
        subprocess.run(
            odoo_cmd(root, extra + ["-d", db, mode, modules, "--stop-after-init", "--log-level=warn"]),
            check=True,
            cwd=ROOT,
        )
    cmd = [
        str(venv_python()),
        str(ROOT / "bench" / "bench.py"),
        "--mi-db",
        "mi_bench",
        "--base-db",
        "mi_bench_base",
        "--deps-db",
        "mi_bench_deps",
        "--sla-db",
        "mi_bench_sla",
        "--sizes",
        args.sizes,
        "--open-mis",
        str(args.open_mis),
        "--",
        f"--addons-path={addons_path(root)}",
        "--log-level=warn",
    ] + extra
    returncode = subprocess.run(cmd, cwd=ROOT).returncode
    return returncode or bench_delivery(root, extra, cluster, args.delivery_sizes) or bench_alerts(root, extra, cluster)


def bench_delivery(root, extra, cluster, sizes, *options):
    """bench/delivery.py against a server of its own, whose cron threads send the e-mails."""
    return bench_on_server(root, extra, cluster, "mi_bench_delivery", "delivery.py", sizes, *options)


def cmd_bench_alerts(_args):
    root = require_odoo()
    ensure_venv(root)
    extra, cluster = db_args()
    return bench_alerts(root, extra, cluster)


def bench_alerts(root, extra, cluster):
    """bench/alerts.py against a server of its own, whose cron threads process the alerts."""
    return bench_on_server(root, extra, cluster, "mi_bench_alerts", "alerts.py")


def bench_on_server(root, extra, cluster, db, script, *script_args):
    """A bench/ script against a fresh database served by Odoo with its cron threads."""
    drop_db(db, cluster)
    log(f"creating {db} ({ADDON}) for bench/{script}")
    subprocess.run(
        odoo_cmd(root, extra + ["-d", db, "-i", ADDON, "--stop-after-init", "--log-level=warn"]), check=True, cwd=ROOT
    )
    port = free_port()
    server = subprocess.Popen(
        odoo_cmd(
            root,
            extra
            + [
                "-d",
                db,
                f"--db-filter=^{db}$",
                f"--http-port={port}",
                "--http-interface=127.0.0.1",
                "--max-cron-threads=2",
                "--log-level=warn",
                # The bench scripts speak JSON-RPC, which Odoo 19 flags as deprecated.
                "--log-handler=odoo.addons.rpc.controllers.jsonrpc:ERROR",
                # Email Marketing calls Odoo 19's deprecated _notify_progress.
                "--log-handler=py.warnings:ERROR",
            ],
        ),
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        cmd = [str(venv_python()), str(ROOT / "bench" / script), f"http://127.0.0.1:{port}", db, *script_args]
        return subprocess.run(cmd, cwd=ROOT).returncode
    finally:
        server.terminate()
        server.wait(timeout=60)


def cmd_wheel_check(_args):
    """The wheel check of `make test` alone."""
    root = require_odoo()
    ensure_venv(root)
    (STATE / "logs").mkdir(parents=True, exist_ok=True)
    extra, cluster = db_args()
    return 0 if wheel_check(root, extra, cluster) else 1


def cmd_manifestoo(args):
    """manifestoo on the addon against the addons path Odoo runs with: Odoo's own addons,
    the OCA ones in .venv, this repository. `check-missing` fails when a dependency of the
    manifest is found nowhere on it."""
    root = require_odoo()
    ensure_venv(root)
    command = args.check
    tool = [
        str(VENV / "bin" / "manifestoo"),
        f"--addons-path={ROOT}",
        f"--addons-path-python={venv_python()}",
        "--odoo-series=19.0",
        f"--select={ADDON}",
    ]
    if command != "check-missing":
        returncode = subprocess.run(tool + [command], cwd=ROOT).returncode
        return 0 if args.exit_zero else returncode
    missing = subprocess.run(tool + ["list-missing"], cwd=ROOT, capture_output=True, text=True)
    for name in missing.stdout.split():
        print(f"{ADDON} depends on {name}, which is on no addons path")
    return missing.returncode or bool(missing.stdout.strip())


def cmd_lint(args):
    """OCA's checks (.pre-commit-config.yaml) over the whole repository. Fixers rewrite
    files as pre-commit does; each linter is installed once from PyPI by pre-commit."""
    root = require_odoo()  # manifestoo needs Odoo's addons path
    ensure_venv(root)
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    cmd = [str(VENV / "bin" / "pre-commit"), "run", "--all-files", "--show-diff-on-failure", "--color=always"]
    return subprocess.run(cmd + args.hooks, cwd=ROOT, env=env).returncode


# OCA's order of readme/ fragments and their headings (oca-gen-addon-readme).
README_SECTIONS = [
    ("DESCRIPTION", None),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
    ("CONTRIBUTORS", "Contributors"),
]


def addon_readme():
    """The addon's README.md, assembled from its readme/ fragments as OCA's bot does (its
    tool is not on PyPI): what the wheel's description and pylint-odoo's missing-readme read."""
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    parts = [
        "<!-- Generated from readme/*.md by `python3 scripts/devenv.py readme`: edit those. -->",
        f"# {manifest['name']}",
        manifest["summary"],
        f"Licence {manifest['license']}, {manifest.get('development_status', 'Beta')}.",
    ]
    for fragment, heading in README_SECTIONS:
        path = ROOT / ADDON / "readme" / f"{fragment}.md"
        if path.is_file():
            parts += ([f"## {heading}"] if heading else []) + [path.read_text().strip()]
    return "\n\n".join(parts) + "\n"


def inline_markdown(text):
    """`code`, **strong**, *emphasis* and [links](url) of a fragment line, as HTML."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1], quote=False)}</code>")
            continue
        part = html.escape(part, quote=False)
        part = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", part)
        part = re.sub(r"(?<![\w*])\*([^*\s][^*]*?)\*(?![\w*])", r"<em>\1</em>", part)
        part = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r'<a href="\2">\1</a>', part)
        out.append(part)
    return "".join(out)


def markdown_to_html(text):
    """The readme fragments' Markdown (paragraphs, "- " lists with indented continuation
    lines, inline marks) as HTML: Odoo shows static/description/index.html on the Apps
    page, where it would otherwise render README.md as reStructuredText."""
    html_blocks, paragraph, items = [], [], []

    def flush():
        if paragraph:
            html_blocks.append(f"<p>{inline_markdown(' '.join(paragraph))}</p>")
            paragraph.clear()
        if items:
            html_blocks.append("<ul>" + "".join(f"<li>{inline_markdown(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif line.startswith(("- ", "* ")):
            if paragraph:
                flush()
            items.append(stripped[2:])
        elif items and line.startswith(" "):
            items[-1] += " " + stripped
        else:
            if items:
                flush()
            paragraph.append(stripped)
    flush()
    return "\n".join(html_blocks)


def addon_description_html():
    manifest = ast.literal_eval((ROOT / ADDON / "__manifest__.py").read_text())
    parts = [
        "<!-- Generated from readme/*.md by `python3 scripts/devenv.py readme`: edit those. -->",
        "<section>",
        f"<h1>{html.escape(manifest['name'])}</h1>",
        f"<p>{html.escape(manifest['summary'])}</p>",
    ]
    for fragment, heading in README_SECTIONS:
        path = ROOT / ADDON / "readme" / f"{fragment}.md"
        if path.is_file():
            parts += ([f"<h2>{html.escape(heading)}</h2>"] if heading else []) + [markdown_to_html(path.read_text())]
    return "\n".join(parts + ["</section>"]) + "\n"


def cmd_readme(_args):
    """README.md (pylint-odoo, the wheel) and static/description/index.html (Odoo's Apps page)."""
    for target, text in (
        (ROOT / ADDON / "README.md", addon_readme()),
        (ROOT / ADDON / "static" / "description" / "index.html", addon_description_html()),
    ):
        target.write_text(text)
        log(f"wrote {target}")
    return 0


def cmd_shell_env(_args):
    """Print the environment for ad-hoc Odoo commands (used by bench/)."""
    root = require_odoo()
    ensure_venv(root)
    print(f"ODOO_ROOT={root}\nADDONS_PATH={addons_path(root)}\nVENV_PYTHON={venv_python()}")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("test", help="fresh database, addon tests and repository tests")
    run = sub.add_parser("run", help="start Odoo with the addon and demo data")
    run.add_argument("--database", default=os.environ.get("MI_DB", "major_incident"))
    run.add_argument("--port", type=int, default=int(os.environ.get("MI_PORT", "8069")))
    sub.add_parser("env", help="print paths for other tools")
    sub.add_parser("pot", help="regenerate the addon's .pot file")
    bench = sub.add_parser("bench", help="benchmark on large databases (bench/bench.py)")
    bench.add_argument(
        "--sizes",
        default=os.environ.get("BENCH_SIZES", "10000,100000"),
        help="ticket counts, comma-separated (up to 1000000)",
    )
    bench.add_argument("--open-mis", type=int, default=int(os.environ.get("BENCH_OPEN_MIS", "10000")))
    bench.add_argument("--fresh", action="store_true", help="rebuild the benchmark databases")
    bench.add_argument(
        "--delivery-sizes",
        default=os.environ.get("BENCH_DELIVERY_SIZES", "1000,10000"),
        help="recipients of the delivery benchmark's blasts, comma-separated",
    )
    sub.add_parser("bench-alerts", help="the alert-storm stage of the benchmark alone (bench/alerts.py)")
    lint = sub.add_parser("lint", help="OCA's pre-commit checks over the repository")
    lint.add_argument("hooks", nargs="*", help="only these hook ids")
    manifestoo = sub.add_parser("manifestoo", help="manifestoo checks of the addon's manifest")
    manifestoo.add_argument("check", choices=["check-dev-status", "check-licenses", "check-missing"])
    manifestoo.add_argument("--exit-zero", action="store_true", help="report findings without failing")
    sub.add_parser("readme", help="regenerate the addon's README.md from its readme/ fragments")
    sub.add_parser("wheel-check", help="build the wheel, install it apart and install the addon from it")
    odoo = sub.add_parser("odoo", help="run Odoo with this repo's settings")
    odoo.add_argument("odoo_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    handler = {
        "test": cmd_test,
        "run": cmd_run,
        "env": cmd_shell_env,
        "pot": cmd_pot,
        "odoo": cmd_odoo,
        "bench": cmd_bench,
        "bench-alerts": cmd_bench_alerts,
        "wheel-check": cmd_wheel_check,
        "lint": cmd_lint,
        "manifestoo": cmd_manifestoo,
        "readme": cmd_readme,
    }[args.command]
    sys.exit(handler(args))


if __name__ == "__main__":
    main()
