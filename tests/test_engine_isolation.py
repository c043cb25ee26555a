"""The engine (major_incident/engine/) never imports odoo, nor the rest of the addon.

Two proofs: the source of every engine module is read for imports of ``odoo`` and for
relative imports that climb out of the engine package; and every engine module is
imported in a fresh interpreter where importing ``odoo`` raises. Odoo may well be
importable in this environment (it is in the dev venv): the hook is what forbids it."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ENGINE = TESTS.parent / "major_incident" / "engine"
ENGINE_FILES = sorted(ENGINE.rglob("*.py"))


def _is_forbidden_absolute(name):
    """``odoo`` / ``odoo.*``, and the addon by its own name (``major_incident`` / ``major_incident.*``)."""
    top = (name or "").split(".")[0]
    return top in ("odoo", "major_incident")


def forbidden_imports(source, relative_path):
    """(line, import) pairs of ``source`` that reach Odoo or leave the engine package.

    ``relative_path`` is the file's path inside the engine (``timing.py``, ``sub/x.py``,
    ``__init__.py``): a relative import of level ``n`` climbs ``n - 1`` packages from the
    file's own package, which is ``depth`` packages below the engine."""
    depth = len(Path(relative_path).parent.parts)
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_forbidden_absolute(alias.name):
                    problems.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom):
            dots = "." * node.level
            text = f"from {dots}{node.module or ''} import {', '.join(a.name for a in node.names)}"
            if node.level == 0 and _is_forbidden_absolute(node.module):
                problems.append((node.lineno, text))
            elif node.level - 1 > depth:
                problems.append((node.lineno, text + "  (climbs out of the engine)"))
        elif isinstance(node, ast.Call):
            # __import__("odoo"), importlib.import_module("odoo.fields")
            func = node.func
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if name in ("__import__", "import_module") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    if _is_forbidden_absolute(first.value) or first.value.startswith(".."):
                        problems.append((node.lineno, f"{name}({first.value!r})"))
    return problems


def test_engine_has_modules():
    names = {path.name for path in ENGINE_FILES}
    assert {"__init__.py", "vocabulary.py", "clock_rules.py", "timing.py", "alerts.py"} <= names


@pytest.mark.parametrize("path", ENGINE_FILES, ids=lambda p: str(p.relative_to(ENGINE)))
def test_engine_module_does_not_import_odoo(path):
    problems = forbidden_imports(path.read_text(), path.relative_to(ENGINE))
    assert not problems, f"{path.relative_to(ENGINE.parent.parent)} must not import these: " + "; ".join(
        f"line {line}: {text}" for line, text in problems
    )


@pytest.mark.parametrize(
    "source, relative_path",
    [
        ("import odoo", "timing.py"),
        ("import odoo.fields", "timing.py"),
        ("import json, odoo.tools as tools", "timing.py"),
        ("from odoo import fields", "timing.py"),
        ("from odoo.addons.major_incident.models import x", "timing.py"),
        ("from major_incident.models import major_incident", "timing.py"),
        ("from .. import models", "timing.py"),
        ("from ..models.major_incident import MajorIncident", "timing.py"),
        ("from .. import engine", "__init__.py"),
        ("from ... import models", "sub/x.py"),
        ("def f():\n    from odoo import api\n", "timing.py"),
        ("try:\n    import odoo\nexcept ImportError:\n    odoo = None\n", "timing.py"),
        ("__import__('odoo')", "timing.py"),
        ("import importlib\nimportlib.import_module('odoo.fields')", "timing.py"),
    ],
)
def test_checker_catches_forbidden_imports(source, relative_path):
    assert forbidden_imports(source, relative_path)


@pytest.mark.parametrize(
    "source, relative_path",
    [
        ("import json\nfrom datetime import UTC, datetime", "alerts.py"),
        ("from . import vocabulary", "clock_rules.py"),
        ("from .vocabulary import ACTIVE_STATES", "clock_rules.py"),
        ("from .. import vocabulary", "sub/x.py"),
        ("import odoolike\nfrom odoo_compat import x", "timing.py"),
    ],
)
def test_checker_allows_the_engine_its_own_imports(source, relative_path):
    assert not forbidden_imports(source, relative_path)


ISOLATED_IMPORT = r"""
import importlib, json, sys

class NoOdoo:
    '''Refuses odoo, whatever the environment has installed.'''
    def find_spec(self, name, path=None, target=None):
        if name == "odoo" or name.startswith("odoo."):
            raise ImportError(f"the engine imported {name!r}")
        return None

sys.meta_path.insert(0, NoOdoo())
try:
    import odoo  # the hook must be effective before anything else is imported
except ImportError:
    pass
else:
    raise SystemExit("the odoo hook did not work")

sys.path.insert(0, sys.argv[1])
import conftest

conftest.load_engine()
imported = []
for name in conftest.engine_module_names():
    importlib.import_module(name)
    imported.append(name)
leaked = sorted(n for n in sys.modules if n == "odoo" or n.startswith("odoo."))
print(json.dumps({"imported": imported, "odoo_modules": leaked, "addon": sys.modules["major_incident"].__file__}))
"""


def test_engine_imports_without_odoo():
    # -I: isolated mode, no current directory or PYTHON* variables on the path; site-packages
    # (where Odoo may be installed) stay, the hook is what forbids odoo.
    completed = subprocess.run(
        [sys.executable, "-I", "-c", ISOLATED_IMPORT, str(TESTS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr or completed.stdout
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    expected = set()
    for path in ENGINE_FILES:
        parts = path.relative_to(ENGINE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        expected.add(".".join(("major_incident", "engine", *parts)))
    assert set(result["imported"]) == expected
    assert result["odoo_modules"] == []
    assert result["addon"] is None, "the addon's own __init__ (which imports odoo) was not run"
