"""Which language each reader of a blast gets.

A reader reads their own language when the database has it installed; else an installed
variant of the same language (a ``fr_FR`` reader gets ``fr_CA`` in a Québec database);
else the company's language; else English. Language codes are Odoo's (``fr_CA``).
"""

FALLBACK_LANGUAGE = "en_US"


def _base(code):
    return code.split("_")[0].split("@")[0]


def reading_language(contact_lang, installed, company_lang):
    """The installed language ``contact_lang`` (a code or empty) reads in."""
    installed = list(installed)
    if contact_lang in installed:
        return contact_lang
    if contact_lang:
        for code in installed:
            if _base(code) == _base(contact_lang):
                return code
    if company_lang in installed:
        return company_lang
    if FALLBACK_LANGUAGE in installed or not installed:
        return FALLBACK_LANGUAGE
    return installed[0]


def readers_by_language(contact_langs, installed, company_lang):
    """``{reading language: [the contact languages read in it]}`` for the distinct
    languages of an audience (empty ones included as they come), each reading language
    once, the company's first then by code, so that a blast is one mailing per language."""
    groups = {}
    for contact_lang in contact_langs:
        target = reading_language(contact_lang, installed, company_lang)
        members = groups.setdefault(target, [])
        if contact_lang not in members:
            members.append(contact_lang)
    company_reading = reading_language(company_lang, installed, company_lang)
    return {lang: groups[lang] for lang in sorted(groups, key=lambda code: (code != company_reading, code))}
