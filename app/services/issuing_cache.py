"""What issuance reads of an institution on every request, kept per process: its issuer
profile with the signer of its active key, and its achievements' specs.

The cache saves the read before signing; it is never what decides. Each write transaction that
stores credentials checks, in one query, that the institution's columns, its active key and the
achievements' revisions are still those the credentials were built and signed with (and on
PostgreSQL holds a share lock on the institution and key rows until it commits, so a rotation,
withdrawal or PATCH waits for it or it sees theirs). When anything changed, in this process or
in another one on the same database, the credentials are thrown away unstored and built and
signed again from a fresh read. So a rotated or withdrawn key never signs what is stored after
its rotation or withdrawal committed, and a PATCH applies to the next issuance at once.

The services that change these things (:mod:`~app.services.signing_keys`,
:mod:`~app.services.institutions`, :mod:`~app.services.achievements`) also drop the entries of
this process when they commit, which only spares that process the wasted signature.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.documents.summary import RecordedIssuer
from app.persistence.models import Institution
from app.persistence.repositories import ISSUER_COLUMNS, IssuingState
from issuer.credential import AchievementSpec, IssuerProfile
from keys import Signer

__all__ = ["CachedIssuer", "IssuingCache", "StaleIssuer", "fingerprint"]

_MAX_ENTRIES = 1024


class StaleIssuer(Exception):
    """The institution, its active key or an achievement changed after the credentials were
    built: they are not stored, and are built and signed again."""


def fingerprint(institution: Institution) -> tuple[object, ...]:
    """The institution's columns that go into a credential, in :data:`ISSUER_COLUMNS` order."""
    return tuple(getattr(institution, column) for column in ISSUER_COLUMNS)


@dataclass(frozen=True)
class CachedIssuer:
    """What signing needs of the institution."""

    institution_id: int
    profile: IssuerProfile
    #: The active key's row id, and its signer.
    key_id: str
    signer: Signer
    #: The institution's credential profile (an achievement may override it).
    credential_profile: str
    recorded: RecordedIssuer
    #: The institution's columns this was built from (:func:`fingerprint`).
    columns: tuple[object, ...]

    def check(self, state: IssuingState | None, revisions: dict[str, int]) -> None:
        """Raise :class:`StaleIssuer` unless ``state`` (read in the write transaction) is
        still what this issuer and the achievements of ``revisions`` were read as."""
        if (
            state is None
            or state.key_id != self.key_id
            or state.columns != self.columns
            or any(state.revisions.get(a) != r for a, r in revisions.items())
        ):
            raise StaleIssuer(f"institution {self.institution_id} changed while issuing")


class IssuingCache:
    """Per-process issuers (by institution id) and achievement specs; thread-safe."""

    def __init__(self) -> None:
        self._issuers: dict[int, CachedIssuer] = {}
        self._specs: dict[tuple[int, str], AchievementSpec] = {}
        self._lock = threading.Lock()

    def issuer(self, institution_id: int) -> CachedIssuer | None:
        with self._lock:
            return self._issuers.get(institution_id)

    def keep_issuer(self, issuer: CachedIssuer) -> None:
        with self._lock:
            if len(self._issuers) >= _MAX_ENTRIES:
                self._issuers.clear()
            self._issuers[issuer.institution_id] = issuer

    def spec(self, institution_id: int, achievement_id: str) -> AchievementSpec | None:
        with self._lock:
            return self._specs.get((institution_id, achievement_id))

    def keep_spec(self, institution_id: int, achievement_id: str, spec: AchievementSpec) -> None:
        with self._lock:
            if len(self._specs) >= _MAX_ENTRIES:
                self._specs.clear()
            self._specs[(institution_id, achievement_id)] = spec

    def forget_institution(self, institution_id: int) -> None:
        """Drop the institution's issuer and its achievements' specs."""
        with self._lock:
            self._issuers.pop(institution_id, None)
            for key in [k for k in self._specs if k[0] == institution_id]:
                del self._specs[key]

    def forget_achievement(self, institution_id: int, achievement_id: str) -> None:
        with self._lock:
            self._specs.pop((institution_id, achievement_id), None)
