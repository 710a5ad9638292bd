"""The learner's message as composed (no server): languages, scripts, headers, the masked
address of the wallet page, the Message-ID's domain."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from app.documents.i18n import LANGUAGES, language
from app.documents.mail import LearnerMail, compose, masked_address
from app.services.mail_outbox import mail_domain

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def mail(tag: str, **extra: object) -> LearnerMail:
    lang = language(tag)
    assert lang is not None
    fields: dict[str, object] = {
        "message_id": "<1.microcred@school.example>",
        "sender": "Škola <noreply@school.example>",
        "recipient": "djurdjica@example.org",
        "language": lang,
        "institution": "Tehnička škola",
        "wallet_url": "https://school.example/wallet/TOKEN",
        "date": NOW,
        "learner_name": "Đurđica Šćepanović",
        "course": "3D štampa",
        **extra,
    }
    return LearnerMail(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", [lang.tag for lang in LANGUAGES])
def test_every_language_has_the_whole_message(lang: str) -> None:
    message = compose(mail(lang, offer_url="openid-credential-offer://?x=1", contact="a@b.org"))
    text = message.get_body(("plain",)).get_content()
    assert "https://school.example/wallet/TOKEN" in text
    assert "openid-credential-offer://?x=1" in text and "a@b.org" in text
    assert "Đurđica Šćepanović" in text and "3D štampa" in text
    if lang != "en":
        assert "has issued you" not in text  # translated, not the English source
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Content-Language"] == lang
    assert parsed["Message-ID"] == "<1.microcred@school.example>"


def test_serbian_cyrillic_words_keep_the_links_and_names_as_they_are() -> None:
    text = compose(mail("sr-Cyrl")).get_body(("plain",)).get_content()
    assert "Поштовани Đurđica Šćepanović," in text
    assert "https://school.example/wallet/TOKEN" in text


def test_without_a_course_or_a_name() -> None:
    message = compose(mail("hr", course=None, learner_name=None))
    assert message["Subject"] == "Vaša mikrokvalifikacija \u2013 Tehnička škola"
    assert message["To"] == "djurdjica@example.org"
    assert message.get_body(("plain",)).get_content().startswith("Poštovani,\n")


def test_masked_addresses_and_message_id_domains() -> None:
    assert masked_address("ana@example.org") == "a***@example.org"
    assert masked_address("no-at-sign") == "***"
    assert mail_domain("Credentials <NoReply@School.Example>") == "school.example"
    assert mail_domain(None) == "microcred.invalid"
