"""The printable certificate of a micro-credential: an A4 PDF in the learner's language, one
page unless a long list of learning outcomes needs a second.

It shows what the credential says (the institution, the learner, the title, the date, ECTS,
workload and EQF level, the type of assessment, the learning outcomes) and the QR code of the
verification URL with the URL in text, so whoever holds the paper can check it. The signed
JSON-LD credential (and its JWT, when there is one) rides inside the PDF as embedded files
(ISO 32000-1, section 7.11.4), so the PDF alone carries the verifiable credential.

Text is set in Roboto (Regular and Bold, from the ``font-roboto`` package), which covers the
Latin of every project language (č ć đ š ž) and the Cyrillic of Serbian and Montenegrin names;
fpdf2 embeds the subset of glyphs the page uses (``FontFile2``); the fonts are parsed once per
process (:mod:`app.documents.fonts`). The QR code is drawn as vector rectangles, sharp at any
print resolution.

The document depends only on its inputs: its dates are the credential's issue date, so the
same credential in the same language is the same bytes however often it is downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos

from app.documents.fonts import FONT, FONT_FILES, add_fonts, use_smallest_sources
from app.documents.i18n import N_, Language, translations
from app.documents.messages import PARTICIPATION_LABELS
from app.documents.qr import qr_modules
from app.documents.summary import CredentialSummary, RecordedIssuer, summarize

__all__ = ["ATTACHMENT_NAME", "ATTACHMENT_TYPE", "FONT_FILES", "render_certificate"]

ATTACHMENT_NAME = "credential.json"
ATTACHMENT_TYPE = "application/vc"  # the VC 2.0 media type of a secured JSON-LD credential
JWT_ATTACHMENT_NAME = "credential.jwt"
JWT_ATTACHMENT_TYPE = "application/vc+jwt"

# Layout, in millimetres on A4 portrait (210 x 297).
_PAGE_W, _PAGE_H = 210.0, 297.0
_MARGIN = 20.0
_WIDTH = _PAGE_W - 2 * _MARGIN
_BAND = 9.0  # the coloured band across the top
_FOOT_TOP = 226.0  # where the verification block starts; the body stays above it
_QR_SIZE = 40.0
# Colours (RGB): the pages' palette.
_INK = (27, 31, 36)
_MUTED = (80, 90, 100)
_LINE = (213, 219, 225)
_ACCENT = (11, 79, 138)
_TINT = (238, 244, 250)

_TITLE = N_("Micro-credential")
_ATTACHMENT_DESCRIPTION = N_(
    "The signed micro-credential (W3C Verifiable Credential, JSON-LD with its proof)"
)


class _Certificate(FPDF):
    """An A4 page with the verification block at the foot of every page."""

    def __init__(
        self, lang: Language, verification_url: str, footer_note: str, running_head: str
    ) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.translation = translations(lang)
        self.locale = Locale.parse(lang.locale)
        self.verification_url = verification_url
        self.footer_note = footer_note
        self.running_head = running_head
        add_fonts(self)  # Roboto Regular and Bold, parsed once per process
        self.set_margins(_MARGIN, _MARGIN + _BAND, _MARGIN)
        self.c_margin = 0  # text starts where the rules and boxes do
        self.set_auto_page_break(True, margin=_PAGE_H - _FOOT_TOP + 6)
        self.set_lang(lang.tag)
        self.set_creator("microcred")
        self.set_producer("microcred (fpdf2)")

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = _INK) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def header(self) -> None:
        self.set_fill_color(*_ACCENT)
        self.rect(0, 0, _PAGE_W, _BAND, style="F")
        if self.page_no() > 1:  # what a loose second page belongs to
            self.set_xy(_MARGIN, _BAND + 8)
            self.style(9, color=_MUTED)
            self.multi_cell(_WIDTH, 4.5, self.running_head, align="L")
            self.set_y(self.get_y() + 6)

    def footer(self) -> None:
        _ = self.translation.gettext
        top = _FOOT_TOP
        self.set_draw_color(*_LINE)
        self.set_line_width(0.3)
        self.line(_MARGIN, top, _PAGE_W - _MARGIN, top)
        qr_x = _PAGE_W - _MARGIN - _QR_SIZE
        qr_y = top + 6
        self._qr(qr_x, qr_y, _QR_SIZE)
        self.link(qr_x, qr_y, _QR_SIZE, _QR_SIZE, self.verification_url)
        text_w = qr_x - _MARGIN - 8
        self.set_xy(_MARGIN, qr_y)
        self.style(12, bold=True)
        self.multi_cell(text_w, 6, _("Check this micro-credential"), align="L")
        self.set_y(self.get_y() + 1.5)
        self.style(9.5, color=_MUTED)
        self.multi_cell(
            text_w,
            4.6,
            _(
                "Scan the QR code or open the address below to see whether this "
                "micro-credential is genuine and still valid. The check uses what the issuer "
                "has published, so it also shows a revocation."
            ),
            align="L",
        )
        self.set_y(self.get_y() + 2.5)
        self.style(9.5, bold=True, color=_ACCENT)
        self.multi_cell(
            text_w,
            4.6,
            self.verification_url,
            align="L",
            link=self.verification_url,
            wrapmode=WrapMode.CHAR,
        )
        self.set_xy(_MARGIN, _PAGE_H - 14)
        self.style(7.5, color=_MUTED)
        self.multi_cell(_WIDTH, 3.6, self.footer_note, align="L")

    def _qr(self, x: float, y: float, size: float) -> None:
        """The QR code as filled rectangles, one per horizontal run of dark modules."""
        runs, count = _qr_runs(self.verification_url)
        step = size / count
        self.set_fill_color(0, 0, 0)
        for row, start, end in runs:
            # A hair wider than the run: no seams between rectangles in any renderer.
            self.rect(
                x + start * step,
                y + row * step,
                (end - start) * step + 0.01,
                step + 0.01,
                style="F",
            )

    # -- the body ------------------------------------------------------------------------

    def date(self, value: datetime) -> str:
        return format_date(value.astimezone(UTC).date(), format="long", locale=self.locale)

    def number(self, value: Decimal | int) -> str:
        return format_decimal(value, locale=self.locale)

    def heading(self, text: str) -> None:
        if self.get_y() + 20 > self.page_break_trigger:  # not alone at the foot of a page
            self.add_page()
        self.style(12, bold=True)
        self.multi_cell(_WIDTH, 6, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1.5)

    def eyebrow(self, text: str, color: tuple[int, int, int] = _MUTED) -> None:
        self.style(9, bold=True, color=color)
        self.set_char_spacing(0.6)
        self.multi_cell(_WIDTH, 5, text.upper(), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_char_spacing(0)

    def figures(self, items: list[tuple[str, str]]) -> None:
        """Boxes side by side: a big value over its label."""
        if not items:
            return
        gap = 4.0
        box_w = (_WIDTH - gap * (len(items) - 1)) / len(items)
        top = self.get_y()
        self.set_fill_color(*_TINT)
        self.set_draw_color(*_LINE)
        self.set_line_width(0.3)
        for i, (label, value) in enumerate(items):
            x = _MARGIN + i * (box_w + gap)
            self.rect(x, top, box_w, 19, style="DF", round_corners=True, corner_radius=2)
            self.set_xy(x + 4, top + 3)
            self.style(15, bold=True)
            self.cell(box_w - 8, 7, value)
            self.set_xy(x + 4, top + 11)
            self.style(8.5, color=_MUTED)
            self.cell(box_w - 8, 5, label)
        self.set_xy(_MARGIN, top + 19 + 6)

    def facts(self, rows: list[tuple[str, str]]) -> None:
        """Label and value, one row each, between thin rules."""
        label_w = 58.0
        self.set_draw_color(*_LINE)
        self.set_line_width(0.2)
        for label, value in rows:
            top = self.get_y()
            self.set_xy(_MARGIN, top + 2)
            self.style(9.5, color=_MUTED)
            self.multi_cell(label_w - 4, 5, label, align="L")
            label_end = self.get_y()
            self.set_xy(_MARGIN + label_w, top + 2)
            self.style(10.5)
            self.multi_cell(_WIDTH - label_w, 5, value, align="L")
            bottom = max(label_end, self.get_y()) + 2
            self.line(_MARGIN, bottom, _PAGE_W - _MARGIN, bottom)
            self.set_xy(_MARGIN, bottom)
        self.ln(6)

    def bullets(self, items: tuple[str, ...]) -> None:
        indent = 6.0
        for item in items:
            top = self.get_y()
            self.set_fill_color(*_ACCENT)
            self.ellipse(_MARGIN + 1.2, top + 1.9, 1.6, 1.6, style="F")
            self.set_xy(_MARGIN + indent, top)
            self.style(10.5)
            self.multi_cell(_WIDTH - indent, 5.2, item, align="L")
            self.set_y(self.get_y() + 1.2)


@lru_cache(maxsize=64)
def _qr_runs(url: str) -> tuple[tuple[tuple[int, int, int], ...], int]:
    """The horizontal runs of dark modules of the QR code of ``url`` (row, first column, end
    column) and the symbol's size in modules. Remembered: every page of a certificate, and the
    page image in each language of an EDC credential, draws the same code."""
    modules = qr_modules(url)
    runs = []
    for row, line in enumerate(modules):
        start = None
        for col, dark in enumerate([*line, False]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                runs.append((row, start, col))
                start = None
    return tuple(runs), len(modules)


def _issued(summary: CredentialSummary) -> datetime:
    return summary.issued or summary.valid_from or datetime(1970, 1, 1, tzinfo=UTC)


def _facts(pdf: _Certificate, summary: CredentialSummary) -> list[tuple[str, str]]:
    _ = pdf.translation.gettext
    rows: list[tuple[str, str]] = []
    if summary.issued:
        rows.append((_("Date of issue"), pdf.date(summary.issued)))
    if summary.valid_until:
        rows.append((_("Valid until"), pdf.date(summary.valid_until)))
    if summary.assessment_type:
        rows.append((_("Type of assessment"), summary.assessment_type))
    if summary.grade:
        rows.append((_("Grade"), summary.grade))
    if summary.participation:
        label = PARTICIPATION_LABELS.get(summary.participation)
        rows.append((_("Form of participation"), _(label) if label else summary.participation))
    if summary.nqf_level:
        rows.append((_("National qualifications framework level"), summary.nqf_level))
    return rows


def _figures(pdf: _Certificate, summary: CredentialSummary) -> list[tuple[str, str]]:
    _ = pdf.translation.gettext
    items = []
    if summary.ects is not None:
        items.append((_("ECTS credits"), pdf.number(summary.ects)))
    if summary.workload_hours is not None:
        hours = pdf.translation.ngettext(
            "%(count)s hour", "%(count)s hours", summary.workload_hours
        ) % {"count": pdf.number(summary.workload_hours)}
        items.append((_("Workload"), hours))
    if summary.eqf_level:
        items.append((_("EQF level"), str(summary.eqf_level)))
    return items


def render_certificate(
    credential: Mapping[str, Any],
    *,
    credential_json: bytes,
    jwt: str | None,
    verification_url: str,
    lang: Language,
    recorded: RecordedIssuer | None = None,
) -> bytes:
    """The certificate of ``credential`` (the parsed ``credential_json``) in ``lang``, with
    ``credential_json`` (and ``jwt``) embedded byte for byte; the issuer's name and country
    from ``recorded`` (our record of it) when given."""
    summary = summarize(credential, lang, recorded=recorded) or CredentialSummary()
    _ = translations(lang).gettext
    footer_note = _(
        "This certificate is a printed form of a digitally signed micro-credential. The signed "
        "credential is attached to this PDF as the file %(file)s; any verifier of W3C "
        "Verifiable Credentials can check it."
    ) % {"file": ATTACHMENT_NAME}
    if summary.credential_id:
        footer_note += f" {_('Credential identifier')}: {summary.credential_id}"
    title = summary.title or _("Untitled")
    running_head = f"{title} \N{EN DASH} {summary.learner}" if summary.learner else title
    pdf = _Certificate(lang, verification_url, footer_note, running_head)
    issued = _issued(summary)
    pdf.set_creation_date(issued)
    pdf.set_title(running_head)
    pdf.set_subject(_(_TITLE))
    if summary.issuer_name:
        pdf.set_author(summary.issuer_name)

    pdf.add_page()
    # The institution.
    pdf.set_y(_BAND + 12)
    pdf.style(16, bold=True)
    pdf.multi_cell(
        _WIDTH,
        7.5,
        summary.issuer_name or _("Not stated"),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if summary.issuer_country:
        pdf.style(10, color=_MUTED)
        country = pdf.locale.territories.get(summary.issuer_country, summary.issuer_country)
        pdf.multi_cell(_WIDTH, 5, str(country), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_draw_color(*_LINE)
    pdf.set_line_width(0.3)
    pdf.line(_MARGIN, pdf.get_y(), _PAGE_W - _MARGIN, pdf.get_y())
    pdf.ln(9)

    # What it certifies, and to whom.
    pdf.eyebrow(_(_TITLE), _ACCENT)
    pdf.ln(1)
    pdf.style(25, bold=True)
    pdf.multi_cell(_WIDTH, 10.5, title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if summary.description:
        pdf.ln(1.5)
        pdf.style(10.5, color=_MUTED)
        pdf.multi_cell(
            _WIDTH, 5.2, summary.description, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(7)
    if summary.learner:
        pdf.eyebrow(_("Awarded to"))
        pdf.ln(0.5)
        pdf.style(21, bold=True)
        pdf.multi_cell(_WIDTH, 9.5, summary.learner, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if summary.date_of_birth:
            pdf.style(10, color=_MUTED)
            pdf.multi_cell(
                _WIDTH,
                5,
                f"{_('Date of birth')}: {pdf.date(summary.date_of_birth)}",
                align="L",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        pdf.ln(8)

    pdf.figures(_figures(pdf, summary))
    pdf.facts(_facts(pdf, summary))
    if summary.learning_outcomes:
        pdf.heading(_("Learning outcomes"))
        pdf.bullets(summary.learning_outcomes)

    pdf.embed_file(
        bytes=credential_json,
        basename=ATTACHMENT_NAME,
        mime_type=ATTACHMENT_TYPE,
        desc=_(_ATTACHMENT_DESCRIPTION),
        creation_date=issued,
        modification_date=issued,
        compress=True,
    )
    if jwt:
        pdf.embed_file(
            bytes=jwt.encode("ascii"),
            basename=JWT_ATTACHMENT_NAME,
            mime_type=JWT_ATTACHMENT_TYPE,
            desc="vc+jwt",
            creation_date=issued,
            modification_date=issued,
            compress=True,
        )
    use_smallest_sources(pdf)
    return bytes(pdf.output())
