"""Static checks of the addon that need no Odoo: manifest, data files, access rules."""

import ast
import csv
import re
from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
ADDON = ROOT / "major_incident"


def manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())


def test_manifest_essentials():
    data = manifest()
    assert data["version"].startswith("19.0.")
    assert data["license"] == "LGPL-3"
    for dep in ("helpdesk_mgmt", "mass_mailing", "phone_validation", "calendar", "resource", "portal"):
        assert dep in data["depends"]
    assert data["installable"]


def test_every_listed_file_exists():
    data = manifest()
    for path in data.get("data", []) + data.get("demo", []):
        assert (ADDON / path).is_file(), path


def test_every_data_file_is_listed():
    data = manifest()
    listed = set(data.get("data", []) + data.get("demo", []))
    for folder in ("data", "views", "security", "wizards", "demo", "report"):
        for path in (ADDON / folder).glob("*"):
            if path.suffix in (".xml", ".csv"):
                assert str(path.relative_to(ADDON)) in listed, f"{path} is not in the manifest"


@pytest.mark.parametrize("path", sorted(ADDON.rglob("*.xml")), ids=lambda p: str(p.relative_to(ADDON)))
def test_xml_well_formed_and_odoo19(path):
    tree = etree.parse(str(path))
    text = path.read_text()
    # Odoo 19: <list>, not <tree>; invisible= expressions, not attrs/states.
    assert not tree.xpath("//tree"), "use <list>"
    assert " attrs=" not in text and " states=" not in text
    assert "numbercall" not in text and "doall" not in text


def models_declared():
    names = set()
    for path in list(ADDON.glob("models/*.py")) + list(ADDON.glob("wizards/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "attr", getattr(b, "id", "")) for b in node.bases}
                if "AbstractModel" in bases:
                    continue  # no table, no access rule
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and any(getattr(t, "id", None) == "_name" for t in stmt.targets)
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        names.add(stmt.value.value)
    return names


def test_access_csv_well_formed_and_every_model_covered():
    with (ADDON / "security" / "ir.model.access.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate access ids"
    for row in rows:
        assert set(row.values()) - {""}, row
        for perm in ("perm_read", "perm_write", "perm_create", "perm_unlink"):
            assert row[perm] in ("0", "1"), row
    covered = {r["model_id:id"] for r in rows}
    for model in models_declared():
        assert "model_" + model.replace(".", "_") in covered, f"{model} has no access rule"


def test_one_model_per_file():
    for path in ADDON.glob("models/*.py"):
        classes = [n for n in ast.parse(path.read_text()).body if isinstance(n, ast.ClassDef)]
        assert len(classes) <= 1, f"{path.name} defines {len(classes)} models"


def test_readme_fragments_and_pot():
    for name in ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md", "CONTRIBUTORS.md"):
        assert (ADDON / "readme" / name).is_file(), name
    pot = (ADDON / "i18n" / "major_incident.pot").read_text()
    assert 'msgid ""' in pot


def test_python_compiles():
    for path in ADDON.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")


def test_no_sql_constraints_attribute():
    for path in ADDON.rglob("*.py"):
        assert not re.search(r"^\s*_sql_constraints\s*=", path.read_text(), re.M), path
