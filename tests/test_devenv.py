"""The test runner's own logic: counting Odoo's results, finding Odoo."""

import devenv
import pytest


def test_parse_odoo_log_counts_runs_failures_and_skips():
    text = "\n".join(
        [
            "2026-01-01 INFO db odoo.tests.result: skipped TestTour.test_tour : Chrome not found",
            "2026-01-01 ERROR db odoo.tests.result: 1 failed, 2 error(s) of 30 tests when loading database 'x'",
            "2026-01-01 INFO db odoo.tests.result: 0 failed, 0 error(s) of 5 tests when loading database 'x'",
        ]
    )
    assert devenv.parse_odoo_log(text) == (35, 1, 2, 1)


def test_parse_odoo_log_empty():
    assert devenv.parse_odoo_log("") == (0, 0, 0, 0)


def test_find_odoo_rejects_bad_odoo_path(monkeypatch, tmp_path):
    monkeypatch.setenv("ODOO_PATH", str(tmp_path))
    root, reason = devenv.find_odoo()
    assert root is None
    assert "not an Odoo source tree" in reason


def test_find_odoo_accepts_source_tree(monkeypatch, tmp_path):
    (tmp_path / "odoo").mkdir()
    (tmp_path / "odoo" / "release.py").write_text("version_info = (19, 0, 0, 'final', 0, '')\n")
    monkeypatch.setenv("ODOO_PATH", str(tmp_path))
    root, how = devenv.find_odoo()
    assert root == tmp_path.resolve()
    assert how == "ODOO_PATH"
    assert devenv.odoo_series(root) == "19.0"


def test_system_pythons_start_with_path_then_distribution(monkeypatch, tmp_path):
    fake = tmp_path / "python3"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    pythons = devenv.system_pythons()
    assert pythons[0] == str(fake)
    assert set(pythons[1:]) <= {
        "/usr/local/bin/python3",
        "/usr/bin/python3",
        str(devenv.Path.home() / ".pyenv" / "shims" / "python3"),
    }


def test_system_pythons_name_each_interpreter_once(monkeypatch):
    if not devenv.os.access("/usr/bin/python3", devenv.os.X_OK):
        pytest.skip("no /usr/bin/python3 on this machine")
    monkeypatch.setenv("PATH", "/usr/bin")
    assert devenv.system_pythons().count("/usr/bin/python3") == 1


def test_find_odoo_through_an_interpreter_off_path(monkeypatch, tmp_path):
    """CI's bare PATH may not reach the python3 that can import Odoo."""
    tree = tmp_path / "src"
    (tree / "odoo").mkdir(parents=True)
    (tree / "odoo" / "release.py").write_text("version_info = (19, 0, 0, 'final', 0, '')\n")
    (tree / "odoo" / "__init__.py").write_text("")
    bare = tmp_path / "bare"
    bare.mkdir()
    monkeypatch.delenv("ODOO_PATH", raising=False)
    monkeypatch.setenv("PATH", str(bare))
    odoo_python = tmp_path / "odoo-python3"
    odoo_python.write_text(f'#!/bin/sh\nPYTHONPATH={tree} exec {devenv.sys.executable} "$@"\n')
    odoo_python.chmod(0o755)
    monkeypatch.setattr(devenv, "system_pythons", lambda: [str(odoo_python)])
    root, how = devenv.find_odoo()
    assert root == tree
    assert str(odoo_python) in how
