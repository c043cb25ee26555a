"""Shared set-up of the repository tests: they run without Odoo and without a database.

``scripts/`` goes on the path for the dev-environment tests.

The addon's rules engine (``major_incident/engine/``) is loaded as ``major_incident.engine``
WITHOUT running ``major_incident/__init__.py`` (which imports ``odoo``): ``major_incident``
is registered as an empty stub package whose ``__path__`` is empty, and only ``engine``
is attached to it from its own files. So the tests write

    from major_incident.engine import timing

An engine module that needs another one imports it relatively, as it must under Odoo
too (where the package is ``odoo.addons.major_incident.engine``)::

    from . import vocabulary
    from .vocabulary import ACTIVE_STATES

Absolute ``import engine.x`` / ``import major_incident.engine.x`` inside the engine would
break under Odoo, and ``from .. import x`` (leaving the engine for the addon) fails here
with ModuleNotFoundError because the stub parent holds nothing else; see also
``test_engine_isolation.py``. This file uses the standard library only: the isolation
test imports it in a fresh interpreter.
"""

import importlib.util
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "major_incident"
ENGINE = ADDON / "engine"
ENGINE_PACKAGE = "major_incident.engine"

sys.path.insert(0, str(ROOT / "scripts"))


def engine_module_names():
    """Dotted names of every module of the engine package, the package itself first."""
    names = [ENGINE_PACKAGE]
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ENGINE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
            if not parts:
                continue
        names.append(".".join((ENGINE_PACKAGE, *parts)))
    return names


def load_engine():
    """Register ``major_incident`` (stub) and ``major_incident.engine`` (real files) in
    ``sys.modules`` without executing the addon's ``__init__``; return the engine package.

    Idempotent. Submodules are then imported the ordinary way, e.g.
    ``importlib.import_module("major_incident.engine.timing")``."""
    engine = sys.modules.get(ENGINE_PACKAGE)
    if engine is not None:
        return engine
    parent = sys.modules.get("major_incident")
    if parent is None:
        parent = types.ModuleType("major_incident", "Stub of the addon package: the engine only.")
        parent.__path__ = []  # nothing but ``engine`` (attached below) can be imported from it
        parent.__file__ = None
        sys.modules["major_incident"] = parent
    elif getattr(parent, "__file__", None):
        raise RuntimeError("the real major_incident package (which imports odoo) is already loaded")
    spec = importlib.util.spec_from_file_location(
        ENGINE_PACKAGE, ENGINE / "__init__.py", submodule_search_locations=[str(ENGINE)]
    )
    engine = importlib.util.module_from_spec(spec)
    sys.modules[ENGINE_PACKAGE] = engine
    try:
        spec.loader.exec_module(engine)
    except BaseException:
        del sys.modules[ENGINE_PACKAGE]
        raise
    parent.engine = engine
    return engine


load_engine()
