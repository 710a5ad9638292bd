"""The SD-JWT VC Type Metadata of the micro-credential in the page languages
(draft-ietf-oauth-sd-jwt-vc section 6): the labels are the pages' own messages."""

from __future__ import annotations

from typing import Any

from app.documents.i18n import LANGUAGES, N_, translations
from issuer.sd_jwt_vc import CLAIMS, type_metadata

__all__ = ["micro_credential_type_metadata"]

# Marked for extraction: the claim labels of issuer.sd_jwt_vc.CLAIMS that no page uses.
_LABELS = (N_("Given name"), N_("Family name"), N_("Micro-credential"))
assert {c.label for c in CLAIMS} >= set(_LABELS[:2])


def micro_credential_type_metadata(vct: str) -> dict[str, Any]:
    """The type metadata document served at ``vct``, with names and claim labels in every
    page language (``locale`` = the language's BCP 47 tag)."""
    by_tag = {lang.tag: lang for lang in LANGUAGES}
    return type_metadata(
        vct,
        languages=by_tag,
        translate=lambda tag, text: translations(by_tag[tag]).gettext(text),
    )
