"""followups: the schedule of each release's follow-ups (TRACKER_FOLLOWUP_AFTER), kept across restarts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.String(), nullable=False),
        sa.Column("after_s", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("done_at", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "after_s"),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("followups")
