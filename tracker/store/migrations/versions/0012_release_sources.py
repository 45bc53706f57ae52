"""models.sources: the hubs that show a release (Hugging Face, ModelScope), each with its repo id, URL and
when we first saw it there

Rows stored before have no list: they are on the Hugging Face Hub only, under their repo id, first seen at
their first_seen_at (tracker.hub.sources.sources_of reads them so), so no row needs rewriting.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sources", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_column("sources")
