"""the ``learner_search`` table: each credential's learner names and e-mail folded for search

SQLite's ``lower()`` folds ASCII letters only, so ``?learner=Šćepanović`` found nothing there
while PostgreSQL found it. The folding now happens in Python
(:mod:`app.persistence.learner_search`) for this text and for the query. A narrow table of its
own rather than a column of ``credential``: on SQLite a column added now sits behind the signed
credential's overflow pages, and a search would read them all. Existing credentials get their
row from their names and e-mail.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.persistence.learner_search import learner_search_text

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_credential = sa.table(
    "credential",
    sa.column("id", sa.String),
    sa.column("institution_id", sa.Integer),
    sa.column("learner_given_name", sa.String),
    sa.column("learner_family_name", sa.String),
    sa.column("learner_email", sa.String),
)
_BATCH = 500


def upgrade() -> None:
    search = op.create_table(
        "learner_search",
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column(
            "institution_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            ondelete="CASCADE",
            name=op.f("fk_learner_search_credential_id_credential"),
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_learner_search_institution_id_institution"),
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_learner_search")),
    )
    op.create_index(op.f("ix_learner_search_institution_id"), "learner_search", ["institution_id"])
    conn = op.get_bind()
    after = ""
    while True:
        rows = conn.execute(
            sa.select(
                _credential.c.id,
                _credential.c.institution_id,
                _credential.c.learner_given_name,
                _credential.c.learner_family_name,
                _credential.c.learner_email,
            )
            .where(_credential.c.id > after)
            .order_by(_credential.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        values = [
            {"credential_id": row.id, "institution_id": row.institution_id, "text": text}
            for row in rows
            if (text := learner_search_text(*row[2:])) is not None
        ]
        if values:
            conn.execute(sa.insert(search), values)
        after = rows[-1].id


def downgrade() -> None:
    op.drop_index(op.f("ix_learner_search_institution_id"), table_name="learner_search")
    op.drop_table("learner_search")
