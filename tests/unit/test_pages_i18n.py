"""The pages' languages: every message translated in every catalogue, no text in a template
that escapes translation, language negotiation, and picking text from language maps."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from jinja2 import Environment, nodes

from app.documents.catalogues import LOCALE_DIR, WEB_DIR, extract, po_path
from app.documents.i18n import DOMAIN, LANGUAGES, language, negotiate, translations
from app.documents.summary import pick_text

TRANSLATED = [lang for lang in LANGUAGES if lang.catalogue is not None]
TEMPLATES = sorted((WEB_DIR / "templates").glob("*.html"))
# Text a template may carry untranslated: the product's name and punctuation.
UNTRANSLATED = {"microcred"}
# Attributes whose values people read or hear.
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "label"}


def msgids() -> set[object]:
    return {m.id for m in extract() if m.id}


def test_the_template_catalogue_is_up_to_date() -> None:
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("rb") as source:
        pot = read_po(source)
    assert {m.id for m in pot if m.id} == msgids(), "run python -m app.documents.catalogues"


@pytest.mark.parametrize("lang", TRANSLATED, ids=lambda lang: lang.tag)
def test_every_message_is_translated(lang) -> None:  # type: ignore[no-untyped-def]
    with po_path(str(lang.catalogue)).open("rb") as source:
        catalog = read_po(source, locale=lang.locale)
    wanted = msgids()
    present = {m.id for m in catalog if m.id}
    assert wanted - present == set(), (
        f"{lang.tag}: untranslated, run python -m app.documents.catalogues"
    )
    assert present - wanted == set(), f"{lang.tag}: obsolete messages"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, (lang.tag, message.id)
        if isinstance(message.id, tuple):
            assert isinstance(message.string, tuple)
            assert len(message.string) == catalog.num_plurals, (lang.tag, message.id)
            assert all(s.strip() for s in message.string), (lang.tag, message.id)
        else:
            assert isinstance(message.string, str) and message.string.strip(), (
                lang.tag,
                message.id,
            )
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check() if errors]
    assert problems == [], problems  # placeholders and plural forms match the msgids


def test_compiled_catalogues_translate_and_pluralise() -> None:
    by_tag = {lang.tag: lang for lang in LANGUAGES}
    assert translations(by_tag["sl"]).gettext("Valid") == "Veljavno"
    assert translations(by_tag["hr"]).gettext("Valid") == "Valjano"
    assert translations(by_tag["sr-Latn"]).gettext("Valid") == "Važeće"
    assert translations(by_tag["en"]).gettext("Valid") == "Valid"
    sl = translations(by_tag["sl"])
    forms = [
        sl.ngettext("%(count)s hour", "%(count)s hours", n) % {"count": n}
        for n in (1, 2, 3, 5, 101)
    ]
    assert forms == ["1 ura", "2 uri", "3 ure", "5 ur", "101 ura"]
    hr = translations(by_tag["hr"])
    forms = [
        hr.ngettext("%(count)s hour", "%(count)s hours", n) % {"count": n}
        for n in (1, 3, 11, 21, 50)
    ]
    assert forms == ["1 sat", "3 sata", "11 sati", "21 sat", "50 sati"]


class _Text(HTMLParser):
    """The words a person would read in a template's literal HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"style", "script"}:
            self._skip += 1
        self.words.extend(v for k, v in attrs if k in READ_ATTRIBUTES and v)

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.words.append(data)


def _literal_html(node: nodes.Node) -> str:
    """The template's literal text in order, with a space and a NUL where an expression goes
    (the space keeps ``<dd{{ x|lang_attr }}>`` a tag with an attribute). Text inside
    ``{% trans %}`` or ``_()`` is an argument of a gettext call, never TemplateData."""
    if isinstance(node, nodes.TemplateData):
        return node.data
    if isinstance(node, nodes.Output):
        return "".join(_literal_html(child) for child in node.nodes)
    if isinstance(node, nodes.Expr):
        return " \0"
    return "".join(_literal_html(child) for child in node.iter_child_nodes())


def untranslated_words(source: str) -> list[str]:
    env = Environment(extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    parser = _Text()
    parser.feed(_literal_html(env.parse(source)))
    parser.close()
    return [
        word
        for text in parser.words
        for word in text.replace("\0", " ").split()
        if any(ch.isalpha() for ch in word) and word not in UNTRANSLATED
    ]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_template_text_escapes_translation(template: Path) -> None:
    untranslated = untranslated_words(template.read_text(encoding="utf-8"))
    assert untranslated == [], f"{template.name}: wrap in {{% trans %}} or _(): {untranslated}"


def test_the_check_finds_untranslated_text() -> None:
    source = (
        '<p>{{ _("ok") }} Hello</p><img alt="Logo" src="{{ x }}">{% trans %}Fine{% endtrans %}'
        "<style>.a{color:red}</style><p title=\"{{ _('t') }}\">{% if x %}Bare{% endif %}</p>"
    )
    assert untranslated_words(source) == ["Hello", "Logo", "Bare"]
    assert TEMPLATES, "no templates found"


@pytest.mark.parametrize(
    ("query", "header", "tag"),
    [
        (None, None, "en"),
        (None, "", "en"),
        (None, "sl", "sl"),
        (None, "sl-SI,sl;q=0.9,en-GB;q=0.8,en;q=0.7", "sl"),
        (None, "en;q=0.5, hr;q=0.9", "hr"),
        (None, "de-AT, de;q=0.9, bs;q=0.2", "bs"),
        (None, "fr;q=1.0, sl;q=0", "en"),
        (None, "*", "en"),
        (None, "hr;q=abc, sl;q=0.5", "sl"),
        (None, "sr-Latn-RS", "sr-Latn"),
        (None, "sr-Cyrl", "sr-Cyrl"),
        (None, "sr-RS", "sr-Cyrl"),
        (None, "sr-Cyrl-RS", "sr-Cyrl"),
        ("sr-Cyrl", "sl", "sr-Cyrl"),
        (None, "sr-ME", "cnr"),
        (None, "sr-Latn-ME", "cnr"),
        (None, "me", "cnr"),
        (None, "cnr-ME", "cnr"),
        (None, "hr-BA", "hr"),
        ("sr", "sl", "sr-Latn"),
        ("SR_me", None, "cnr"),
        ("me", None, "cnr"),
        ("bs", "sl", "bs"),
        ("sr-Latn", None, "sr-Latn"),
        ("klingon", "hr", "hr"),
        ("", "hr", "hr"),
    ],
)
def test_language_negotiation(query: str | None, header: str | None, tag: str) -> None:
    assert negotiate(query, header).tag == tag


def test_language_of_a_tag() -> None:
    assert language(None) is None and language("de") is None and language("-") is None
    by_tag = {lang.tag: lang for lang in LANGUAGES}
    assert language("sl-SI-x-private") == by_tag["sl"]
    assert language("EN-us") == by_tag["en"]


def test_pick_text_prefers_the_page_language_then_english_then_the_first() -> None:
    by_tag = {lang.tag: lang for lang in LANGUAGES}
    value = {"sl": "Slovensko", "en": "English", "hr": "Hrvatski"}
    assert pick_text(value, by_tag["sl"]) == "Slovensko"
    assert pick_text(value, by_tag["bs"]) == "Hrvatski"  # Bosnian readers read Croatian
    assert pick_text(value, by_tag["bs"]).lang == "hr"  # type: ignore[union-attr]
    assert pick_text({"sl": "S", "en": "E"}, by_tag["bs"]) == "E"
    assert pick_text({"de": "Deutsch", "it": "Italiano"}, by_tag["sl"]) == "Deutsch"
    assert pick_text({"sr": "Srpski", "en": "English"}, by_tag["sr-Latn"]) == "Srpski"
    assert pick_text({"sr-ME": "Crnogorski", "en": "English"}, by_tag["cnr"]) == "Crnogorski"
    assert pick_text("plain", by_tag["hr"]) == "plain"
    assert pick_text([{"@value": "A", "@language": "en"}, {"@value": "B", "@language": "hr"}],
                     by_tag["hr"]) == "B"  # fmt: skip
    assert pick_text({"en": "  "}, by_tag["en"]) is None
    assert pick_text(None, by_tag["en"]) is None and pick_text(42, by_tag["en"]) is None


def test_serbian_is_shown_in_the_script_of_the_page() -> None:
    by_tag = {lang.tag: lang for lang in LANGUAGES}
    both = {"sr": "3D штампа: основе FDM", "sr-Latn": "3D štampa: osnove FDM", "en": "3D printing"}
    assert pick_text(both, by_tag["sr-Latn"]) == "3D štampa: osnove FDM"
    assert pick_text(both, by_tag["sr-Cyrl"]) == "3D штампа: основе FDM"
    cyrillic_only = {"sr": "Љубица Његош", "en": "English"}
    latin = pick_text(cyrillic_only, by_tag["sr-Latn"])
    assert latin == "Ljubica Njegoš" and latin.lang == "sr-Latn"  # type: ignore[union-attr]
    latin_only = {"sr-Latn": "Džemal Đorđević", "en": "English"}
    assert pick_text(latin_only, by_tag["sr-Cyrl"]) == "Џемал Ђорђевић"
    # a Montenegrin page takes Serbian (Latin, transliterated if need be) before English
    assert pick_text({"sr-Cyrl": "Ниво", "en": "Level"}, by_tag["cnr"]) == "Nivo"
    assert pick_text({"hr": "Razina", "en": "Level"}, by_tag["cnr"]).lang == "hr"  # type: ignore[union-attr]
    # English pages never transliterate, and text without a language is left as it is
    assert pick_text({"sr": "Ниво"}, by_tag["en"]) == "Ниво"
    assert pick_text("Ниво", by_tag["sr-Latn"]) == "Ниво"


def test_transliteration_both_ways() -> None:
    from app.documents.serbian import to_cyrillic, to_latin

    latin = "NJEGOŠ Ljubljana džep Šćepanović, PDF i JSON-LD, 3D, %(file)s https://x.rs/a"
    cyrillic = to_cyrillic(latin)
    assert cyrillic == "ЊЕГОШ Љубљана џеп Шћепановић, PDF и JSON-LD, 3D, %(file)s https://x.rs/a"
    assert to_latin(cyrillic) == latin
    assert to_cyrillic("Word Wide Web") == "Word Wide Web"  # w: not Serbian


def test_slovenian_dates_have_the_month_in_the_genitive() -> None:
    from datetime import date

    from app.documents.i18n import long_date

    by_tag = {lang.tag: lang for lang in LANGUAGES}
    day = date(2026, 12, 1)
    assert long_date(day, by_tag["sl"]) == "1. decembra 2026"
    assert long_date(date(2026, 3, 5), by_tag["sl"]) == "5. marca 2026"
    assert long_date(day, by_tag["hr"]) == "1. prosinca 2026."
    assert long_date(day, by_tag["sr-Cyrl"]) == "1. децембар 2026."
    assert long_date(day, by_tag["en"]) == "1 December 2026"


def test_the_cyrillic_catalogue_is_the_latin_one_transliterated(tmp_path: Path) -> None:
    from app.documents import catalogues
    from app.documents.serbian import to_cyrillic

    with po_path("sr_Latn").open("rb") as source:
        latin = {m.id: m.string for m in read_po(source) if m.id}
    with po_path("sr_Cyrl").open("rb") as source:
        cyrillic = {m.id: m.string for m in read_po(source) if m.id}
    assert cyrillic.keys() == latin.keys()
    for msgid, text in latin.items():
        expected = (
            tuple(to_cyrillic(t) for t in text) if isinstance(text, tuple) else to_cyrillic(text)
        )
        assert cyrillic[msgid] == expected, ("run python -m app.documents.catalogues", msgid)
    assert catalogues.DERIVED["sr_Cyrl"][0] == "sr_Latn"
