"""engine/languages.py: the language each reader of a blast gets, and one group per language."""

from major_incident.engine import languages

INSTALLED = ["en_US", "fr_CA"]


def test_own_language_when_installed():
    assert languages.reading_language("fr_CA", INSTALLED, "en_US") == "fr_CA"
    assert languages.reading_language("en_US", INSTALLED, "fr_CA") == "en_US"


def test_variant_of_the_same_language():
    assert languages.reading_language("fr_FR", INSTALLED, "en_US") == "fr_CA"
    assert languages.reading_language("en_GB", INSTALLED, "fr_CA") == "en_US"


def test_company_language_then_english():
    assert languages.reading_language("de_DE", INSTALLED, "fr_CA") == "fr_CA"
    assert languages.reading_language(False, INSTALLED, "fr_CA") == "fr_CA"
    assert languages.reading_language("de_DE", INSTALLED, "es_ES") == "en_US"
    assert languages.reading_language(None, INSTALLED, None) == "en_US"


def test_first_installed_when_english_is_not():
    assert languages.reading_language("de_DE", ["fr_CA", "es_ES"], "it_IT") == "fr_CA"
    assert languages.reading_language("de_DE", [], "it_IT") == "en_US"


def test_readers_by_language_company_first():
    groups = languages.readers_by_language(["en_US", "fr_FR", False, "fr_CA", "de_DE"], INSTALLED, "fr_CA")
    assert groups == {"fr_CA": ["fr_FR", False, "fr_CA", "de_DE"], "en_US": ["en_US"]}
    assert list(groups) == ["fr_CA", "en_US"]


def test_readers_by_language_one_language():
    assert languages.readers_by_language([False, "en_US"], INSTALLED, "en_US") == {"en_US": [False, "en_US"]}
    assert languages.readers_by_language([], INSTALLED, "en_US") == {}
