"""The console's strings: every one in the templates and code is in the catalogue template, and
German translates every one (docs/console.md, "Languages")."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from remit.console import i18n

CONSOLE = Path(i18n.__file__).parent


def _extracted() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    options = {"**/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(CONSOLE), method_map, options_map=options):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_template_catalogue_is_current():
    with (CONSOLE / "locale" / "messages.pot").open("rb") as handle:
        pot = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert _extracted() == pot, "run the pybabel extract command at the top of remit/console/babel.cfg"


def test_german_translates_everything():
    with (CONSOLE / "locale" / "de" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="de")
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []
    assert {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id} == _extracted()


def test_translations_load_without_a_compile_step():
    assert i18n.translations("de").gettext("Approve") == "Genehmigen"
    assert i18n.translations("en").gettext("Approve") == "Approve"


def test_negotiation():
    assert i18n.negotiate(None, "de-CH,de;q=0.9,en;q=0.8") == "de"
    assert i18n.negotiate(None, "fr-FR,fr;q=0.9") == "en"
    assert i18n.negotiate("en", "de") == "en"
    assert i18n.negotiate("xx", None) == "en"


def test_amounts_in_the_entitys_locale():
    assert i18n.amount(123456, "EUR", "de_DE") == "1.234,56\xa0€"
    assert i18n.amount(123456, "USD", "en_US") == "$1,234.56"
    assert i18n.amount(1000, "JPY", "en_US") == "¥1,000"
    assert i18n.amount(None, "EUR", "de_DE") == "—"
