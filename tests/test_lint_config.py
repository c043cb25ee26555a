"""OCA's checks are configured so that the usual mistakes fail `make lint` and CI: a
message raised without translation, an unused import, a manifest or XML error."""

import configparser
import subprocess
import sys

import devenv
import pytest
import tomllib
import yaml
from conftest import ROOT

CONFIG = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
HOOKS = [hook for repo in CONFIG["repos"] for hook in repo["hooks"]]

BAD_MODULE = """\
import os

from odoo import models
from odoo.exceptions import UserError


class Thing(models.Model):
    _name = "x.thing"
    _description = "Thing"

    def action_refuse(self):
        raise UserError("Not translated")
"""


def hooks(hook_id):
    return [hook for hook in HOOKS if hook["id"] == hook_id]


def pylintrc_enabled(name):
    parser = configparser.ConfigParser()
    parser.read(ROOT / name)
    enabled = parser["MESSAGES CONTROL"]["enable"]
    return {line.strip() for line in enabled.replace(",", "\n").splitlines() if line.strip()}


def test_nothing_is_fetched_from_github_and_every_tool_is_pinned():
    assert {repo["repo"] for repo in CONFIG["repos"]} == {"local"}
    for hook in HOOKS:
        assert hook["language"] in ("python", "system", "fail"), hook["id"]
        for requirement in hook.get("additional_dependencies", []):
            assert "==" in requirement, (hook["id"], requirement)


def test_the_hooks_oca_runs_are_all_here():
    ids = {hook["id"] for hook in HOOKS}
    assert {
        "ruff",
        "ruff-format",
        "pylint_odoo",
        "oca-checks-odoo-module",
        "oca-checks-po",
        "trailing-whitespace",
        "end-of-file-fixer",
        "check-xml",
        "en-po-files",
        "manifestoo-check-dev-status",
        "manifestoo-check-missing",
    } <= ids


def test_pylint_mandatory_checks_block_and_include_translations():
    (mandatory,) = [hook for hook in hooks("pylint_odoo") if "--rcfile=.pylintrc-mandatory" in hook["args"]]
    assert "--exit-zero" not in mandatory["args"]
    assert "pylint-odoo==" in mandatory["additional_dependencies"][0]
    enabled = pylintrc_enabled(".pylintrc-mandatory")
    assert {"translation-required", "prefer-env-translation", "sql-injection", "manifest-required-key"} <= enabled
    assert pylintrc_enabled(".pylintrc-mandatory") <= pylintrc_enabled(".pylintrc")


def test_ruff_reports_unused_imports_outside_init_files():
    (ruff,) = hooks("ruff")
    assert "--exit-non-zero-on-fix" in ruff["args"]
    settings = tomllib.loads((ROOT / ".ruff.toml").read_text())
    assert "F" in settings["lint"]["select"]
    assert "F401" not in settings["lint"].get("ignore", [])
    assert settings["lint"]["per-file-ignores"] == {"__init__.py": ["F401", "I001"], "__manifest__.py": ["B018"]}


def test_every_disable_in_the_addon_names_its_check_and_says_why_on_its_line():
    for path in (ROOT / "major_incident").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for pragma in ("pylint: disable", "noqa"):
                if pragma in line:
                    after = line.split(pragma, 1)[1]
                    assert after.startswith(("=", ":")) and "all" not in after.split("#")[0], f"{path}:{number}"
                    checks, _, reason = after[1:].strip().partition(" ")
                    assert checks and reason.strip(" #-"), f"{path}:{number}: no reason given"


def test_the_tests_use_the_hooks_pinned_versions():
    pinned = {line.strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()}
    for hook_id in ("ruff", "pylint_odoo"):
        for requirement in hooks(hook_id)[0]["additional_dependencies"]:
            assert requirement in pinned, requirement


def test_the_addon_readme_and_apps_page_are_generated_from_its_fragments():
    addon = ROOT / "major_incident"
    assert (addon / "README.md").read_text() == devenv.addon_readme(), "run: python3 scripts/devenv.py readme"
    assert (addon / "static" / "description" / "index.html").read_text() == devenv.addon_description_html(), (
        "run: python3 scripts/devenv.py readme"
    )


def test_fragment_markdown_becomes_html():
    text = "Intro `a*b` and *Very High*:\n\n- one **strong**\n  continued\n- [two](https://x.example)\nAfter."
    assert devenv.markdown_to_html(text) == (
        "<p>Intro <code>a*b</code> and <em>Very High</em>:</p>\n"
        "<ul><li>one <strong>strong</strong> continued</li>"
        '<li><a href="https://x.example">two</a></li></ul>\n<p>After.</p>'
    )


@pytest.fixture
def bad_module(tmp_path):
    path = tmp_path / "thing.py"
    path.write_text(BAD_MODULE)
    return path


def test_ruff_fails_an_unused_import(bad_module):
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-fix", "--config", str(ROOT / ".ruff.toml"), str(bad_module)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "F401" in proc.stdout


def test_pylint_odoo_fails_an_untranslated_raise(bad_module):
    proc = subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={ROOT / '.pylintrc-mandatory'}", str(bad_module)],
        capture_output=True,
        text=True,
        cwd=bad_module.parent,
    )
    assert proc.returncode != 0
    assert "translation-required" in proc.stdout
