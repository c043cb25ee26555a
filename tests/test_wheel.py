"""The addon builds as a wheel the way OCA addons do (whool), with its data files and the
dependencies its manifest declares."""

import ast
import email
import subprocess
import sys
import zipfile

import pytest
from conftest import ADDON, ROOT

PREFIX = "odoo/addons/major_incident/"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # No build isolation: whool is pinned in requirements-dev.txt, nothing is downloaded.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(ADDON),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def manifest():
    return ast.literal_eval((ADDON / "__manifest__.py").read_text())


def test_the_wheel_is_named_and_versioned_as_oca_addons_are(wheel, manifest):
    assert wheel.name.startswith(f"odoo_addon_major_incident-{manifest['version']}")
    assert wheel.name.endswith("-py3-none-any.whl")


def test_the_dependencies_come_from_the_manifest(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = email.message_from_bytes(archive.read(metadata)).get_all("Requires-Dist")
    assert "odoo-addon-helpdesk_mgmt==19.0.*" in requires
    assert "phonenumbers" in requires
    assert "odoo==19.0.*" in requires


def test_the_wheel_holds_every_file_the_manifest_loads(wheel, manifest):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    listed = manifest.get("data", []) + manifest.get("demo", [])
    for asset_files in manifest.get("assets", {}).values():
        listed += [path.split("/", 1)[1] for path in asset_files if "*" not in path]
    missing = [path for path in listed if PREFIX + path not in names]
    assert not missing
    assert PREFIX + "__manifest__.py" in names
    assert PREFIX + "static/description/icon.png" in names
    assert PREFIX + "i18n/major_incident.pot" in names
    po_files = sorted(p.name for p in (ADDON / "i18n").glob("*.po"))
    assert [n for n in po_files if PREFIX + "i18n/" + n not in names] == []
    engine = sorted(p.relative_to(ADDON).as_posix() for p in (ADDON / "engine").glob("*.py"))
    assert [p for p in engine if PREFIX + p not in names] == []


def test_nothing_of_the_repository_around_the_addon_leaks_in(wheel):
    with zipfile.ZipFile(wheel) as archive:
        outside = [n for n in archive.namelist() if not n.startswith(PREFIX) and ".dist-info/" not in n]
    assert outside == []
    assert not (ROOT / ADDON.name / "build").exists()
