"""Repositories: the only place with SQL. They add and query; they never commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import ApiKey, Event, Institution, SigningKey


class InstitutionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, institution: Institution) -> None:
        self.session.add(institution)

    def by_slug(self, slug: str, *, for_update: bool = False) -> Institution | None:
        stmt = select(Institution).where(Institution.slug == slug)
        if for_update:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).one_or_none()

    def by_id(self, institution_id: int) -> Institution | None:
        return self.session.get(Institution, institution_id)

    def ordered_by_slug(self) -> Sequence[Institution]:
        return self.session.scalars(select(Institution).order_by(Institution.slug)).all()


class SigningKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: SigningKey) -> None:
        self.session.add(key)

    def active_for(self, institution_id: int) -> SigningKey | None:
        stmt = select(SigningKey).where(
            SigningKey.institution_id == institution_id, SigningKey.state == "active"
        )
        return self.session.scalars(stmt).one_or_none()

    def for_institution(self, institution_id: int) -> Sequence[SigningKey]:
        stmt = (
            select(SigningKey)
            .where(SigningKey.institution_id == institution_id)
            .order_by(SigningKey.created_at.desc(), SigningKey.fragment.desc())
        )
        return self.session.scalars(stmt).all()

    def get(self, institution_id: int, key_id: str) -> SigningKey | None:
        stmt = select(SigningKey).where(
            SigningKey.institution_id == institution_id,
            (SigningKey.id == key_id) | (SigningKey.fragment == key_id),
        )
        return self.session.scalars(stmt).first()


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, api_key: ApiKey) -> None:
        self.session.add(api_key)

    def by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()

    def get(self, institution_id: int, api_key_id: str) -> ApiKey | None:
        stmt = select(ApiKey).where(
            ApiKey.institution_id == institution_id, ApiKey.id == api_key_id
        )
        return self.session.scalars(stmt).one_or_none()

    def for_institution(self, institution_id: int) -> Sequence[ApiKey]:
        stmt = (
            select(ApiKey)
            .where(ApiKey.institution_id == institution_id)
            .order_by(ApiKey.created_at, ApiKey.id)
        )
        return self.session.scalars(stmt).all()


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, event: Event) -> None:
        self.session.add(event)

    def for_institution(self, institution_id: int) -> Sequence[Event]:
        stmt = select(Event).where(Event.institution_id == institution_id).order_by(Event.id)
        return self.session.scalars(stmt).all()
