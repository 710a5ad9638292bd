"""The folding learner search compares by: case, Unicode forms and spaces fold; letters with
diacritics stay themselves."""

from __future__ import annotations

import unicodedata

from app.persistence.learner_search import fold, learner_search_text


def test_fold_is_case_form_and_space_blind_but_keeps_diacritics() -> None:
    assert fold("ŠĆEPANOVIĆ") == fold("šćepanović") == "šćepanović"
    assert fold(unicodedata.normalize("NFD", "Đurđica Žižek")) == "đurđica žižek"
    assert fold("  Ana \t Horvat ") == "ana horvat"
    assert fold("Straße") == fold("STRASSE") == "strasse"
    assert fold("Scepanovic") != fold("Šćepanović")
    assert fold("ǅorđe") == fold("DŽORĐE") == "džorđe"  # the digraph letter, NFKC


def test_the_stored_text_has_the_full_name_both_ways_and_the_email() -> None:
    assert learner_search_text("Đurđica", "Šćepanović", "DJ@Example.org") == (
        "đurđica šćepanović\nšćepanović đurđica\ndj@example.org"
    )
    assert learner_search_text("Ana", None, None) == "ana"
    assert learner_search_text(None, None, None) is None
