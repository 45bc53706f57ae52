"""quant_builds and quant_notices (quantized builds of recent releases, and who was told of them), and the
subscribers' quant_builds and vram_gb settings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("quant_builds", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("vram_gb", sa.Float(), nullable=True))
    op.create_table(
        "quant_builds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("repo_id", sa.String(length=200), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("smallest_variant", sa.String(), nullable=False),
        sa.Column("smallest_bytes", sa.BigInteger(), nullable=False),
        sa.Column("variants", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=True),
        sa.Column("first_seen_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("model_id", "repo_id"),
    )
    with op.batch_alter_table("quant_builds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quant_builds_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quant_builds_repo_id"), ["repo_id"], unique=False)
    op.create_table(
        "quant_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("vram_gb", sa.Float(), nullable=True),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["model_id"], ["models.id"]),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "model_id", "kind"),
    )
    with op.batch_alter_table("quant_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quant_notices_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quant_notices_model_id"), ["model_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quant_notices_alert_id"), ["alert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quant_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quant_notices_alert_id"))
        batch_op.drop_index(batch_op.f("ix_quant_notices_model_id"))
        batch_op.drop_index(batch_op.f("ix_quant_notices_user_id"))
    op.drop_table("quant_notices")
    with op.batch_alter_table("quant_builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quant_builds_repo_id"))
        batch_op.drop_index(batch_op.f("ix_quant_builds_model_id"))
    op.drop_table("quant_builds")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_column("vram_gb")
        batch_op.drop_column("quant_builds")
