"""Fixtures of the integration tier that need committed data (several sessions at once)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app.container import Container
from app.db import make_engine, make_session_factory, upgrade
from app.services.achievements import AchievementFields
from app.services.institutions import NewInstitution, Principal
from app.settings import Secrets, Settings

FIELDS = AchievementFields(
    title={"en": "3D printing: FDM basics"},
    learning_outcomes=(({"en": "Prepares a model for printing"}, None),),
    eqf_level=4,
    assessment_type={"en": "practical demonstration"},
    participation_form="online",
    quality_assurance={"en": "Internal QA"},
    ects=Decimal(2),
)


@pytest.fixture
def committed(new_database, tmp_path: Path) -> Iterator[Container]:  # type: ignore[no-untyped-def]
    db = new_database()
    engine = (
        make_engine(db.url, pool_size=10) if db.dialect == "postgresql" else make_engine(db.url)
    )
    upgrade(engine)
    container = Container(
        Settings(data_dir=tmp_path, base_url="http://127.0.0.1:8000"),
        Secrets(b"\x02" * 32, "mcadm_" + "y" * 30),
        make_session_factory(engine),
        engine,
    )
    yield container
    container.close()


def setup_institution(container: Container) -> tuple[Principal, str]:
    _info, _ = container.institutions.create(
        NewInstitution("ts-lj", "Tehniški šolski center", "SI", "1"), actor="test"
    )
    with container.uow() as uow:
        institution = uow.institutions.by_slug("ts-lj")
        assert institution is not None
        principal = Principal("institution", institution.id, "ts-lj", "test-key")
    achievement = container.achievements.create(principal.institution_id or 0, FIELDS, actor="t")
    return principal, achievement.id
