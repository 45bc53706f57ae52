"""models.updated_at: when a release's row last changed, so the bot's inline index takes in changed releases
within seconds rather than at its next whole rebuild

Rows stored before have none (NULL): the index's whole rebuild reads them as they are, and their next change
stamps them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f("ix_models_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_updated_at"))
        batch_op.drop_column("updated_at")
