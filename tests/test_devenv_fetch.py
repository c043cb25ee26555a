"""Fetching Odoo when the machine has none, against a local git repository standing in
for the official one: no network is used."""

import subprocess

import devenv
import pytest

RELEASE_19 = "version_info = (19, 0, 0, 'final', 0, '')\n"


def git(cwd, *args):
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def upstream(tmp_path):
    """A repository shaped like Odoo's, with a 19.0 branch of two commits; returns
    (file:// URL, first commit, second commit)."""
    repo = tmp_path / "upstream"
    (repo / "odoo").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "19.0")
    (repo / "odoo" / "release.py").write_text(RELEASE_19)
    (repo / "requirements.txt").write_text("first\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "requirements.txt").write_text("second\n")
    git(repo, "commit", "-qam", "second")
    second = git(repo, "rev-parse", "HEAD")
    return f"file://{repo}", first, second


@pytest.fixture
def nothing_installed(monkeypatch, tmp_path):
    """No ODOO_PATH, no importable Odoo, the fetched tree under tmp_path."""
    monkeypatch.delenv("ODOO_PATH", raising=False)
    monkeypatch.delenv("ODOO_FETCH", raising=False)
    monkeypatch.setattr(devenv, "odoo_python", lambda: (None, None))
    dest = tmp_path / "devenv" / "odoo"
    monkeypatch.setattr(devenv, "FETCHED_ODOO", dest)
    return dest


def test_the_pinned_revision_is_checked_out(monkeypatch, upstream, nothing_installed):
    url, first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    root, how = devenv.find_or_fetch_odoo()
    assert root == nothing_installed
    assert "fetched" in how
    assert git(root, "rev-parse", "HEAD") == first
    assert (root / "requirements.txt").read_text() == "first\n"
    assert devenv.odoo_series(root) == "19.0"
    # Shallow: only the pinned commit came over.
    assert git(root, "rev-list", "--count", "HEAD") == "1"
    assert not root.with_name("odoo.partial").exists()


def test_a_fetched_tree_is_found_next_time_without_the_network(monkeypatch, upstream, nothing_installed):
    url, first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.fetch_odoo()
    monkeypatch.setenv("ODOO_REPOSITORY", "http://127.0.0.1:9/odoo.git")
    root, _how = devenv.find_or_fetch_odoo()
    assert root == nothing_installed
    assert devenv.fetch_odoo() == nothing_installed


def test_a_new_pin_moves_the_tree(monkeypatch, upstream, nothing_installed):
    url, first, second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.fetch_odoo()
    monkeypatch.setenv("ODOO_REVISION", second)
    root = devenv.fetch_odoo()
    assert git(root, "rev-parse", "HEAD") == second
    assert (root / "requirements.txt").read_text() == "second\n"


def test_the_next_run_follows_a_new_pin(monkeypatch, upstream, nothing_installed):
    url, first, second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.find_or_fetch_odoo()
    monkeypatch.setenv("ODOO_REVISION", second)
    root, _how = devenv.find_or_fetch_odoo()
    assert git(root, "rev-parse", "HEAD") == second


def test_offline_a_new_pin_keeps_the_tree_already_here(monkeypatch, upstream, nothing_installed, capsys):
    url, first, second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.find_or_fetch_odoo()
    monkeypatch.setenv("ODOO_REPOSITORY", "http://127.0.0.1:9/odoo.git")
    monkeypatch.setenv("ODOO_REVISION", second)
    root, _how = devenv.find_or_fetch_odoo()
    assert git(root, "rev-parse", "HEAD") == first
    assert f"could not move to {second}" in capsys.readouterr().out


def test_the_fetch_shows_git_progress(monkeypatch, upstream, nothing_installed, capfd):
    url, first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.fetch_odoo()
    captured = capfd.readouterr()
    assert f"fetching Odoo 19.0 Community ({first})" in captured.out
    assert "FETCH_HEAD" in captured.err  # git's own report, passed through


def test_a_branch_name_takes_its_newest_commit(monkeypatch, upstream, nothing_installed):
    url, _first, second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", "19.0")
    root = devenv.fetch_odoo()
    assert git(root, "rev-parse", "HEAD") == second


def test_unreachable_network_says_so_and_what_to_do(monkeypatch, capsys, nothing_installed):
    # Port 9 on loopback refuses the connection at once, as an unreachable host would fail.
    monkeypatch.setenv("ODOO_REPOSITORY", "http://127.0.0.1:9/odoo.git")
    monkeypatch.delenv("ODOO_REVISION", raising=False)
    with pytest.raises(SystemExit) as stopped:
        devenv.find_or_fetch_odoo()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"Could not fetch Odoo {devenv.ODOO_REVISION} from http://127.0.0.1:9/odoo.git" in err
    assert "127.0.0.1 port 9" in err  # git's own reason
    assert "network may be unreachable" in err
    assert "ODOO_PATH" in err and "ODOO_REPOSITORY" in err
    assert not nothing_installed.exists()
    assert not nothing_installed.with_name("odoo.partial").exists()


def test_unknown_revision_fails_with_the_same_guidance(monkeypatch, upstream, capsys, nothing_installed):
    url, _first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", "0" * 40)
    with pytest.raises(SystemExit):
        devenv.find_or_fetch_odoo()
    assert f"Could not fetch Odoo {'0' * 40} from {url}" in capsys.readouterr().err


def test_odoo_path_wins_over_a_fetched_tree(monkeypatch, tmp_path, upstream, nothing_installed):
    url, first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.fetch_odoo()
    own = tmp_path / "own"
    (own / "odoo").mkdir(parents=True)
    (own / "odoo" / "release.py").write_text(RELEASE_19)
    monkeypatch.setenv("ODOO_PATH", str(own))
    assert devenv.find_or_fetch_odoo() == (own.resolve(), "ODOO_PATH")


def test_an_installed_odoo_wins_over_a_fetched_tree(monkeypatch, tmp_path, upstream, nothing_installed):
    url, first, _second = upstream
    monkeypatch.setenv("ODOO_REPOSITORY", url)
    monkeypatch.setenv("ODOO_REVISION", first)
    devenv.fetch_odoo()
    installed = tmp_path / "site"
    monkeypatch.setattr(devenv, "odoo_python", lambda: ("/usr/bin/python3", installed))
    root, how = devenv.find_or_fetch_odoo()
    assert root == installed
    assert "system python3" in how


def test_a_bad_odoo_path_is_reported_not_replaced_by_a_fetch(monkeypatch, tmp_path, nothing_installed):
    monkeypatch.setenv("ODOO_PATH", str(tmp_path / "missing"))
    monkeypatch.setenv("ODOO_REPOSITORY", "http://127.0.0.1:9/odoo.git")
    root, reason = devenv.find_or_fetch_odoo()
    assert root is None
    assert "not an Odoo source tree" in reason


def test_odoo_fetch_0_keeps_the_machine_as_it_is(monkeypatch, nothing_installed):
    monkeypatch.setenv("ODOO_FETCH", "0")
    monkeypatch.setenv("ODOO_REPOSITORY", "http://127.0.0.1:9/odoo.git")
    root, _reason = devenv.find_or_fetch_odoo()
    assert root is None
    assert not nothing_installed.exists()


def test_the_recorded_pin_is_a_commit_of_the_official_repository():
    assert devenv.ODOO_REPOSITORY == "https://github.com/odoo/odoo.git"
    assert devenv.is_commit(devenv.ODOO_REVISION)


# --------------------------------------------------------------------------- Debian packages


def test_a_bare_debian_machine_lacks_the_server_the_build_tools_and_a_browser(monkeypatch, tmp_path):
    failing = tmp_path / "python3"
    failing.write_text("#!/bin/sh\nexit 1\n")
    failing.chmod(0o755)
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE", "DB_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(devenv, "PG_BIN_DIRS", [])
    monkeypatch.setattr(devenv.shutil, "which", lambda _name: None)
    monkeypatch.setattr(devenv, "venv_python", lambda: tmp_path / "no-venv" / "python")
    assert devenv.missing_debian_packages(True, str(failing)) == [
        "postgresql",
        "python3-venv",
        "python3-dev",
        "libpq-dev",
        "gcc",
        "chromium",
    ]
    assert "chromium" not in devenv.missing_debian_packages(False, str(failing))


def test_without_root_the_one_command_is_printed(monkeypatch, capsys):
    monkeypatch.setattr(devenv, "missing_debian_packages", lambda *_args: ["postgresql", "chromium"])
    monkeypatch.setattr(devenv, "odoo_python", lambda: (None, None))
    monkeypatch.setattr(devenv.os, "geteuid", lambda: 1000)
    with pytest.raises(SystemExit) as stopped:
        devenv.ensure_debian_packages(for_tests=True)
    assert stopped.value.code == 2
    assert "sudo apt-get install -y --no-install-recommends postgresql chromium" in capsys.readouterr().err


def test_as_root_with_apt_they_are_installed(monkeypatch):
    calls = []
    monkeypatch.setattr(devenv, "missing_debian_packages", lambda *_args: ["postgresql"])
    monkeypatch.setattr(devenv, "odoo_python", lambda: (None, None))
    monkeypatch.setattr(devenv.os, "geteuid", lambda: 0)
    monkeypatch.setattr(devenv.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(devenv.subprocess, "run", lambda cmd, **_kw: calls.append(cmd))
    devenv.ensure_debian_packages()
    assert calls == [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "--no-install-recommends", "postgresql", "-qq"],
    ]
