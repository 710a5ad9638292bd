"""The e-mail that brings a learner the wallet link of a new credential, in the institution's
language: a plain-text body and a simple HTML alternative (RFC 2046 ``multipart/alternative``).

Headers: From, To (the learner's name as the display name), Subject (non-ASCII words as
RFC 2047 encoded-words, which the ``email`` package writes), Date, Message-ID (the outbox
row's, the same on every attempt), ``Auto-Submitted: auto-generated`` (RFC 3834: no
vacation replies) and Content-Language.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from app.documents.i18n import N_, Language, translations

__all__ = ["LearnerMail", "compose", "masked_address"]

SUBJECT = N_("Your micro-credential: %(course)s")
SUBJECT_NO_COURSE = N_("Your micro-credential from %(institution)s")
GREETING = N_("Dear %(name)s,")
GREETING_NO_NAME = N_("Hello,")
ISSUED = N_('%(institution)s has issued you a micro-credential for "%(course)s".')
ISSUED_NO_COURSE = N_("%(institution)s has issued you a micro-credential.")
WALLET_INTRO = N_("Your private page with the credential, its files and a certificate to print:")
WALLET_BUTTON = N_("Open your credential")
WALLET_PRIVATE = N_(
    "The link is for you alone: anyone who has it can see your credential. Keep this message."
)
OFFER_INTRO = N_("To add the credential to a wallet app on your phone, open this link there:")
OFFER_BUTTON = N_("Add to wallet")
AUTOMATIC = N_("This message was sent automatically; please do not reply to it.")
CONTACT = N_("Questions: %(contact)s")


@dataclass(frozen=True)
class LearnerMail:
    """What one message says and to whom (composed when it is sent)."""

    message_id: str
    sender: str
    recipient: str
    language: Language
    institution: str
    wallet_url: str
    date: datetime
    learner_name: str | None = None
    course: str | None = None
    offer_url: str | None = None
    contact: str | None = None


def _recipient(mail: LearnerMail) -> str | Address:
    try:
        local, _, domain = mail.recipient.rpartition("@")
        return Address(display_name=mail.learner_name or "", username=local, domain=domain)
    except (ValueError, IndexError):  # an address the header model cannot hold: as given
        return mail.recipient


def compose(mail: LearnerMail) -> EmailMessage:
    """The message, ready for SMTP."""
    _ = translations(mail.language).gettext
    values = {"institution": mail.institution, "course": mail.course or ""}
    subject = _(SUBJECT if mail.course else SUBJECT_NO_COURSE) % values
    greeting = (
        _(GREETING) % {"name": mail.learner_name} if mail.learner_name else _(GREETING_NO_NAME)
    )
    issued = _(ISSUED if mail.course else ISSUED_NO_COURSE) % values
    closing = [_(AUTOMATIC)]
    if mail.contact:
        closing.append(_(CONTACT) % {"contact": mail.contact})

    text = [greeting, "", issued, "", _(WALLET_INTRO), mail.wallet_url, "", _(WALLET_PRIVATE)]
    if mail.offer_url:
        text += ["", _(OFFER_INTRO), mail.offer_url]
    text += ["", "-- ", mail.institution, *closing]

    e = html.escape
    body = [
        f"<p>{e(greeting)}</p>",
        f"<p>{e(issued)}</p>",
        f"<p>{e(_(WALLET_INTRO))}<br>"
        f'<a href="{e(mail.wallet_url)}"><strong>{e(_(WALLET_BUTTON))}</strong></a></p>',
        f"<p>{e(_(WALLET_PRIVATE))}</p>",
    ]
    if mail.offer_url:
        body.append(
            f"<p>{e(_(OFFER_INTRO))}<br>"
            f'<a href="{e(mail.offer_url)}"><strong>{e(_(OFFER_BUTTON))}</strong></a></p>'
        )
    body.append(
        f'<p style="color:#555">{e(mail.institution)}<br>'
        + "<br>".join(e(line) for line in closing)
        + "</p>"
    )
    page = (
        f'<!DOCTYPE html><html lang="{e(mail.language.tag)}"><head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head><body>{''.join(body)}</body></html>"
    )

    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = _recipient(mail)
    message["Subject"] = subject
    message["Date"] = format_datetime(mail.date)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(text) + "\n")
    message.add_alternative(page, subtype="html")
    message["Content-Language"] = mail.language.tag  # after set_content, which drops it
    return message


def masked_address(address: str) -> str:
    """An e-mail address as a page shows it to whoever holds the wallet link:
    ``a***@example.org`` (the first character of the local part, and the domain)."""
    local, at, domain = address.rpartition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"
