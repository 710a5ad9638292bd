"""credentials get ``learner_search``: the learner's names and e-mail folded for search

SQLite's ``lower()`` folds ASCII letters only, so ``?learner=Šćepanović`` found nothing there
while PostgreSQL found it. The folding now happens in Python
(:mod:`app.persistence.learner_search`) for this column and for the query. Existing rows get
the column filled from their names and e-mail.

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
    sa.column("learner_given_name", sa.String),
    sa.column("learner_family_name", sa.String),
    sa.column("learner_email", sa.String),
    sa.column("learner_search", sa.Text),
)
_BATCH = 500


def upgrade() -> None:
    # Plain ADD COLUMN on every backend: a batch rebuild of this table on SQLite would drop
    # the tables that refer to it.
    op.add_column("credential", sa.Column("learner_search", sa.Text(), nullable=True))
    conn = op.get_bind()
    after = ""
    while True:
        rows = conn.execute(
            sa.select(
                _credential.c.id,
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
        for row in rows:
            conn.execute(
                sa.update(_credential)
                .where(_credential.c.id == row.id)
                .values(learner_search=learner_search_text(*row[1:]))
            )
        after = rows[-1].id
    op.create_index(
        "ix_credential_learner_search",
        "credential",
        ["institution_id", "learner_search", "learner_identifier", "learner_did"],
    )


def downgrade() -> None:
    op.drop_index("ix_credential_learner_search", table_name="credential")
    op.drop_column("credential", "learner_search")
