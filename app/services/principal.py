"""Who is calling: the operator (with the admin token) or one institution (with one of its API
keys, or a process acting for it such as a batch worker)."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import Forbidden

__all__ = ["Principal"]


@dataclass(frozen=True)
class Principal:
    kind: str  # "admin" | "institution"
    institution_id: int | None = None
    institution_slug: str | None = None
    api_key_id: str | None = None
    via: str | None = None  # who acts for the institution when it is not an API key

    @classmethod
    def admin(cls) -> Principal:
        return cls("admin")

    @classmethod
    def acting_for(cls, institution_id: int, slug: str, via: str) -> Principal:
        """A process acting for an institution (a batch worker, the CLI)."""
        return cls("institution", institution_id, slug, via=via)

    @property
    def actor(self) -> str:
        """How events name who acted: ``admin``, ``api-key:<id>`` or the process."""
        if self.via is not None:
            return self.via
        return "admin" if self.kind == "admin" else f"api-key:{self.api_key_id}"

    def require_admin(self) -> None:
        if self.kind != "admin":
            raise Forbidden("this operation needs the admin token")

    def institution(self) -> int:
        """The id of the calling institution; :class:`Forbidden` for the admin token."""
        if self.kind != "institution" or self.institution_id is None:
            raise Forbidden("this operation needs an institution API key, not the admin token")
        return self.institution_id

    def require_institution(self) -> None:
        self.institution()

    def require_institution_or_admin(self, slug: str) -> None:
        if self.kind != "admin" and self.institution_slug != slug:
            raise Forbidden("this API key belongs to another institution")
