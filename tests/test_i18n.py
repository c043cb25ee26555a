"""The addon's translations: every msgid of the .pot has a French translation, and every
translation keeps what the code or the template fills in or runs (placeholders, inline
template expressions, HTML and QWeb tags with their attributes).

The .po files are read with the standard library (``read_po``): they are the files Odoo
loads, so a malformed one fails here before it fails an install."""

import ast
import re
from collections import Counter

import pytest
from conftest import ADDON

I18N = ADDON / "i18n"
POT = I18N / "major_incident.pot"
# fr_CA.po holds only the msgids whose Canadian wording differs; Odoo loads fr.po under it.
TRANSLATIONS = sorted(path for path in I18N.glob("*.po"))
# Attributes whose value is words for the reader, translated with the text.
TRANSLATED_ATTRIBUTES = {"title", "alt", "placeholder", "string", "aria-label", "help"}

PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdfr]|%[sdfr]")
EXPRESSION = re.compile(r"\{\{.*?\}\}", re.S)
TAG = re.compile(r"<(/?)([A-Za-z][\w.:-]*)((?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>")
ATTRIBUTE = re.compile(r"([^\s=/>]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'))?")


def _unquote(line):
    return ast.literal_eval(line) if line.startswith('"') else ""


def read_po(path):
    """``{msgid: (msgstr, fuzzy)}`` of a .po/.pot file, header and obsolete entries left out."""
    entries = {}
    msgid = msgstr = None
    fuzzy = False
    current = None

    def flush():
        if msgid:
            entries[msgid] = (msgstr or "", fuzzy)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#~", "msgctxt")):
            continue
        if line.startswith("#"):
            if current == "msgstr":
                flush()
                msgid = msgstr = None
                fuzzy = False
                current = None
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith("msgid "):
            if current == "msgstr":
                flush()
                fuzzy = False
            msgid, msgstr, current = _unquote(line[6:]), None, "msgid"
        elif line.startswith("msgstr "):
            msgstr, current = _unquote(line[7:]), "msgstr"
        elif line.startswith('"'):
            if current == "msgid":
                msgid += _unquote(line)
            elif current == "msgstr":
                msgstr += _unquote(line)
    if current == "msgstr":
        flush()
    return entries


def markup(text):
    """What a translation must keep of its msgid: placeholders, ``{{ }}`` expressions,
    and its tags in order with their attributes (the translated ones by name only)."""
    tags = []
    for closing, name, attributes, self_closing in TAG.findall(text):
        kept = tuple(
            (key, "" if key in TRANSLATED_ATTRIBUTES else value) for key, value in ATTRIBUTE.findall(attributes)
        )
        tags.append((closing, name, kept, self_closing))
    return {
        "placeholders": Counter(PLACEHOLDER.findall(text)),
        "expressions": Counter(" ".join(expr[2:-2].split()) for expr in EXPRESSION.findall(text)),
        "tags": tags,
    }


def test_read_po_reads_multiline_fuzzy_and_escapes(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: code:x\nmsgid ""\n"Two\\n"\n"lines \\"quoted\\""\nmsgstr "Deux\\nlignes"\n\n'
        '#, fuzzy\nmsgid "Fuzzy"\nmsgstr "Flou"\n\n'
        'msgid "Empty"\nmsgstr ""\n\n#~ msgid "Old"\n#~ msgstr "Vieux"\n',
        encoding="utf-8",
    )
    assert read_po(po) == {
        'Two\nlines "quoted"': ("Deux\nlignes", False),
        "Fuzzy": ("Flou", True),
        "Empty": ("", False),
    }


def test_markup_sees_what_a_translation_must_keep():
    source = '<p title="Hi" t-if="x">Dear <t t-out="a or \'\'"/> %(name)s {{ object.name }}</p>'
    same = '<p title="Salut" t-if="x">Bonjour <t t-out="a or \'\'"/> %(name)s {{object.name}}</p>'
    assert markup(source) == markup(same)
    assert markup(source) != markup(same.replace("%(name)s", "%(nom)s"))
    assert markup(source) != markup(same.replace('t-if="x"', 't-if="y"'))
    assert markup(source) != markup(same.replace("<t ", "<span "))


def test_pot_exists_and_is_readable():
    assert len(read_po(POT)) > 100


def test_every_pot_msgid_has_a_french_translation():
    french = read_po(I18N / "fr.po")
    missing = [msgid for msgid in read_po(POT) if not french.get(msgid, ("", False))[0] or french[msgid][1]]
    assert not missing, "msgids of the .pot without a French translation in fr.po:\n" + "\n".join(
        repr(msgid) for msgid in missing
    )


@pytest.mark.parametrize("po_path", TRANSLATIONS, ids=lambda path: path.name)
def test_translations_keep_placeholders_and_tags(po_path):
    broken = []
    for msgid, (msgstr, _fuzzy) in read_po(po_path).items():
        if msgstr and markup(msgid) != markup(msgstr):
            broken.append(msgid)
    assert not broken, f"translations in {po_path.name} that change placeholders, expressions or tags:\n" + (
        "\n".join(repr(msgid) for msgid in broken)
    )


@pytest.mark.parametrize("po_path", TRANSLATIONS, ids=lambda path: path.name)
def test_translations_are_of_current_msgids(po_path):
    """A translation of a msgid the .pot no longer has is dead weight: drop it or re-sync."""
    stale = sorted(set(read_po(po_path)) - set(read_po(POT)))
    assert not stale, f"msgids of {po_path.name} absent from the .pot:\n" + "\n".join(map(repr, stale))
